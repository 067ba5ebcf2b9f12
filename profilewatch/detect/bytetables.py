"""The bytes-level gate's tables: every seed of the text gate as bytes, in every encoding family.

:func:`tables` turns the text gate's seeds (:mod:`.spellings`) into byte patterns per family
(UTF-8, GB18030, Big5 -- cp950, every byte pair that decodes to a character --, UTF-16LE/BE,
cp1252), lower-cased byte-wise (ASCII only; the data is lower-cased the same way), each with
what a hit means (``slots``: ``(kind, word index, left, right)``):

* ``FULL``: a whole spelling, its word boundaries tested on the bytes (ASCII-compatible
  families; in UTF-16 a spelling that needs a boundary is a ``CAPITAL``);
* ``PARTIAL``: a partial seed, its next character read on the bytes or on the text decoded
  after it;
* ``CAPITAL``: settled by the text gate over the decoded bytes around the hit -- characters
  whose lower case is a gate character but which byte-wise lower-casing misses (Cyrillic
  capitals, the Kelvin sign);
* ``RARE``: a rare seed, or a capital whose lower case is one (full-width capitals): the unit
  is left to the text gate (answer None) -- a pattern outside ASCII only if the decoded unit
  holds its text (``needles``: a two-byte pattern may match across two characters);
* ``LONG``: U+0130, whose lower case is two characters (answer None).

:func:`cache_key` names the built tables in the on-disk cache (:mod:`.bytesearch`): it covers
everything they are computed from -- the seeds and their meaning, this module's
``CACHE_VERSION``, the engine and its version, and the Python version and Unicode database
whose codecs and case mappings build them.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import sys
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from .spellings import INWORD as _SEED_INWORD, PARTIAL as _SEED_PARTIAL, RARE as _SEED_RARE
from .textgate import Gate

# families of encodings the gate has patterns for: (family, Python codec)
FAMILIES = (("utf8", "utf-8"), ("gb", "gb18030"), ("big5", "cp950"), ("u16le", "utf-16-le"),
            ("u16be", "utf-16-be"), ("latin", "cp1252"))
CODEC = dict(FAMILIES)
ASCII_COMPATIBLE = frozenset({"utf8", "gb", "big5", "latin"})
MULTIBYTE = frozenset({"gb", "big5"})  # a byte after a lead byte may be an ASCII-range trail byte
CACHE_VERSION = 3  # bump when the tables' meaning changes (2-3: seeds with kinds, rare patterns and their texts, leads, "text")
FULL, PARTIAL, CAPITAL, LONG, RARE = 0, 1, 2, 3, 4  # what a pattern hit means

# the bytes that may stand right before a word in UTF-8 and cp1252 (not a letter: a digit, an
# ASCII sign or space, a byte of a non-ASCII character, the n/r/t of an escaped line break or tab)
CONTEXT = {"utf8": [bytes((b,)) for b in range(0xC0) if not chr(b).isalpha()] + [b"\\n", b"\\r", b"\\t"],
           "latin": [bytes((b,)) for b in range(0x100) if not chr(b).isascii() or not chr(b).isalpha()]
           + [b"\\n", b"\\r", b"\\t"]}


class Table(NamedTuple):
    """One family's patterns and what a hit of each means."""

    patterns: list[bytes]
    meta: list[list[tuple[int, int, bool, bool]]]
    needles: dict[int, frozenset[str]]
    """Rare patterns outside ASCII -> the texts they stand for (two, when byte-wise lower-casing
    makes their bytes one pattern): a hit counts only if the decoded unit holds one (a two-byte
    pattern can match across two characters)."""
    leads: dict[int, int]
    """Patterns searched with the byte(s) before the seed (``CONTEXT``) -> how many: a one-letter
    in-word seed (``e<``) stands at the start of a word, and ``e<`` alone matches every
    ``name</td>``."""


Tables = dict[str, Table]  # per family, and "text": the gate's words in UTF-8 (the text gate's own search)


@lru_cache(maxsize=None)
def _byte_forms(codec: str) -> dict[str, list[bytes]]:
    """Every byte sequence that decodes to a character, for the two-byte codecs whose tables
    hold duplicates (Big5: two codes for a few characters); the encoder's own one comes first."""
    table: dict[str, list[bytes]] = {}
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            seq = bytes((lead, trail))
            try:
                ch = seq.decode(codec)
            except UnicodeDecodeError:
                continue
            if len(ch) == 1:
                table.setdefault(ch, []).append(seq)
    return table


def encodings(text: str, family: str) -> list[bytes]:
    """``text`` in ``family``'s codec: every byte spelling (one, unless a character has duplicates)."""
    codec = CODEC[family]
    try:
        first = text.encode(codec)
    except UnicodeEncodeError:
        return []
    if family not in MULTIBYTE or text.isascii():
        return [first]
    table = _byte_forms(codec)
    out = [b""]
    for ch in text:
        own = ch.encode(codec)
        seqs = [own] + [s for s in table.get(ch, ()) if s != own]
        out = [o + s for o in out for s in seqs][:64]
    return out


def _capitals(alphabet: set[str]) -> list[str]:
    """Non-ASCII characters whose lower case holds a gate character (byte-wise lower-casing
    folds only ASCII): full-width and Cyrillic capitals, the Kelvin sign..."""
    out = []
    for code in range(0x80, 0x10000):
        c = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        low = c.lower()
        if low != c and any(ch in alphabet for ch in low):
            out.append(c)
    return out


def tables(gate: Gate) -> Tables:
    """Per family: the byte patterns and, for each, what a hit means (module docstring)."""
    built: dict[str, dict[bytes, list[tuple[int, int, bool, bool]]]] = {f: {} for f, _ in FAMILIES}
    needles: dict[str, dict[bytes, set[str]]] = {f: {} for f, _ in FAMILIES}
    leads: dict[str, dict[bytes, int]] = {f: {} for f, _ in FAMILIES}

    def add(family: str, pattern: bytes, kind: int, word: int = -1, left: bool = False, right: bool = False,
            text: str = "", lead: int = 0) -> None:
        pattern = pattern.lower()
        slot = built[family].setdefault(pattern, [])
        if pattern and (kind, word, left, right) not in slot:
            slot.append((kind, word, left, right))
        if kind == RARE and not text.isascii():
            needles[family].setdefault(pattern, set()).add(text)
        if lead:
            leads[family][pattern] = lead

    alphabet: set[str] = set()
    rare: set[str] = set()
    for index, (word, (_, _, left, right, kind)) in enumerate(zip(gate._words, gate._info)):
        alphabet |= set(word)
        if kind == _SEED_RARE:
            rare.add(word)
        for family, _ in FAMILIES:
            for enc in encodings(word, family):
                if kind == _SEED_RARE:
                    add(family, enc, RARE, index, text=word)
                elif family not in ASCII_COMPATIBLE and (left or right):
                    add(family, enc, CAPITAL, index)  # no byte-level boundary test in UTF-16: the text gate settles it
                elif kind == _SEED_INWORD and left and len(word) == 2 and family in CONTEXT:
                    for ctx in CONTEXT[family]:
                        add(family, ctx + enc, PARTIAL, index, left, right, lead=len(ctx))
                else:
                    add(family, enc, PARTIAL if kind in (_SEED_PARTIAL, _SEED_INWORD) else FULL, index, left, right)
    for c in _capitals(alphabet):
        kind = RARE if any(ch in rare for ch in c.lower()) else CAPITAL
        for family, _ in FAMILIES:
            for enc in encodings(c, family):
                add(family, enc, kind, text=c)
    for family, _ in FAMILIES:
        for enc in encodings("\u0130", family):
            add(family, enc, LONG)
    out: Tables = {}
    for f, t in built.items():
        patterns = list(t)
        # (a pattern also met as ASCII, or as a kind other than rare, always counts: no needle)
        out[f] = Table(patterns, list(t.values()),
                       {i: frozenset(needles[f][p]) for i, p in enumerate(patterns)
                        if p in needles[f] and all(k == RARE for k, *_ in t[p])},
                       {i: leads[f][p] for i, p in enumerate(patterns) if p in leads[f]})
    kinds = {_SEED_RARE: RARE, _SEED_PARTIAL: PARTIAL, _SEED_INWORD: PARTIAL}
    out["text"] = Table([w.encode("utf-8", "surrogatepass") for w in gate._words],
                        [[(kinds.get(info[4], FULL), i, info[2], info[3])] for i, info in enumerate(gate._info)], {}, {})
    return out


def _engine_version(name: str) -> str:
    try:
        return importlib.metadata.version({"hyperscan": "hyperscan", "ahocorasick": "ahocorasick-rs"}[name])
    except (KeyError, importlib.metadata.PackageNotFoundError):
        return "?"


def cache_key(gate: Gate, engine: str) -> str:
    """The name of ``gate``'s tables built for ``engine`` in the on-disk cache (module docstring)."""
    return hashlib.sha256(repr((
        CACHE_VERSION, engine, _engine_version(engine), sys.version_info[:2], unicodedata.unidata_version, FAMILIES,
        gate._words, [(n, sorted(nxt) if nxt is not None else None, left, right, kind)
                      for n, nxt, left, right, kind in gate._info],
    )).encode("utf-8", "surrogatepass")).hexdigest()[:32]
