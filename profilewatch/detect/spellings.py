"""The text gate's seeds: raw strings one of which every spelling of a term holds.

The gate (:class:`~profilewatch.detect.lexicon.Gate`) searches raw lower-cased text -- before
extraction (HTML entities, inline tags, CDATA) and normalisation (escapes, invisible characters,
NFKC, identifier splits, whitespace, Traditional -> Simplified) -- so every way the text layer
lets a term be written must show in the raw text as one of its *seeds*.  A spelling is read from
its start: up to the first place where the text layer removes or changes something (a cut, an
escape, a rare character) it is one of the term's literal spellings, and that prefix is a seed:

* ``WHOLE``: a whole spelling -- the words joined by nothing, ``_``, ``-`` or a space, and, for
  CJK, every mix of Simplified and Traditional per character (every character OpenCC's t2s turns
  into the term's own, one by one; more than ``MIXES`` mixes: the longest prefix with fewer,
  as a partial seed).  A Latin spelling needs a possible word boundary on each side;
* ``PARTIAL``: a spelling's prefix followed by a *cut* (``CUTS``: whitespace, ``-``/``_``, the
  start of a tag, entity or escape; between Latin words ``GAPS``: the same, but a space, ``_``
  or ``-`` only before another cut), or an escaped first character (``&#32500;``, zero-padded,
  ``&#x7ef4;``, ``\\u7ef4``).  ``nxt`` holds the characters the term goes on with: the text after
  the seed must reach one of them past cuts (textgate._continues);
* ``INWORD``: a prefix of a Latin spelling cut inside a word by a tag: the text must go on right
  after inline tags (no space, no block tag: the HTML extractor breaks lines there);
* ``RARE``: what the text layer turns into part of a term but which is rare in text: an
  invisible character, a space other than ``SPACES``, a compatibility character NFKC folds into
  a term's character (full-width and mathematical letters, Kangxi radicals, Arabic presentation
  forms), the escapes and named entities of those and of the terms' non-CJK characters,
  ``&amp;#`` (an escape written twice) and CDATA markers.  The gate settles each by folding the
  text around it and searching that (lexicon.Gate._settled).

Every table is derived from the text layer's own pieces (:mod:`profilewatch.text.normalize`,
OpenCC, ``unicodedata``, ``html.entities``), so it follows their versions.

Limits -- spellings the seeds do not reach, so a term written so is missed (the text gate's
contract holds within them; tests/test_bytegate_oracle.py tests that they are still limits):

* a zero-padded escape of a compatibility character (``&#x02f08;`` for the Kangxi radical ``⼈``);
* a Traditional character OpenCC converts only inside a phrase (``哩`` -> ``里`` in ``英哩``);
* a term spread over more than ``textgate.SETTLE`` characters around a rare character, or cut
  by more than 16 tags (read as "may be": no miss) ;
* a Latin term whose first letter alone is cut off by a tag right after a lower-case letter
  (camel case, ``xU<b>yghur``): a one-letter in-word seed is looked for where a word starts.
"""
from __future__ import annotations

import hashlib
import html.entities
import itertools
import math
import sys
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from ..text.normalize import _INVISIBLE, _t2s, is_cjk

WHOLE, PARTIAL, RARE, INWORD = 0, 1, 2, 3  # INWORD: a partial seed cut inside a Latin word
MIXES = 64  # Simplified/Traditional mixes of one spelling before its prefix stands in for them
SPACES = (" ", "\n", "\r", "\t", "\u3000", "\xa0")  # whitespace common enough to be a cut (other spaces are rare)
CUTS = SPACES + ("-", "_", "<", "&", "\\")  # what may follow a prefix of a CJK term
# between the words of a Latin term: a cut, but a space, "_" or "-" only before another one (alone, the
# whole spellings hold it)
GAPS = tuple(c for c in CUTS if c not in " _-") + tuple(j + c for j in " _-" for c in CUTS)
IN_WORD = ("<",)  # what may cut a Latin word (invisibles, escapes and CDATA markers are rare)
STARTS = "<&\\"  # a cut that starts a construct: the text goes on from it, not after it
MARKERS = ("<![cdata[", "]]>", "&amp;#")  # rare constructs the text layer removes or decodes
VERSION = 2  # bump when the seeds' meaning changes (they are cached on disk: cached_seeds)
_CJK_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0x20000, 0x2F800))

# a seed's entry: (length, nxt, left, right, kind); left/right: a word boundary is needed there
Entry = tuple[int, "frozenset[str] | None", bool, bool, int]


@lru_cache(maxsize=1)
def s2t_converters():
    import opencc

    return [opencc.OpenCC(c) for c in ("s2t", "s2tw", "s2hk")]


@lru_cache(maxsize=1)
def joiners() -> frozenset[str]:
    """Characters normalisation removes, or reads as (part of) a space, between two characters."""
    return frozenset(chr(c) for c in range(0x3001) if chr(c).isspace()) | _INVISIBLE | {"-", "_"}


@lru_cache(maxsize=1)
def _traditional() -> dict[str, frozenset[str]]:
    """Simplified character -> every CJK character OpenCC's t2s turns into it, one by one."""
    chars = [chr(c) for lo, hi in _CJK_RANGES for c in range(lo, hi)]
    converted = _t2s().convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # (never seen: a conversion across the separators)
        converted = [_t2s().convert(c) for c in chars]
    out: dict[str, set[str]] = {}
    for x, y in zip(chars, converted):
        if x != y and len(y) == 1:
            out.setdefault(y, set()).add(x)
    return {k: frozenset(v) for k, v in out.items()}


@lru_cache(maxsize=65536)
def variants(c: str) -> frozenset[str]:
    """``c`` and the CJK characters normalisation folds into it (Traditional, variant forms)."""
    if not is_cjk(c):
        return frozenset(c)
    out = {c} | _traditional().get(c, frozenset())
    out |= {s for conv in s2t_converters() if len(s := conv.convert(c)) == 1}
    return frozenset(out)


def _mixes(text: str, cap: int = MIXES) -> list[str] | None:
    """Every per-character mix of ``text``'s variants, or None when there are more than ``cap``."""
    pools = [sorted(variants(c)) for c in text]
    if math.prod(len(p) for p in pools) > cap:
        return None
    return ["".join(t) for t in itertools.product(*pools)]


def _joined(words: list[str]) -> list[str]:
    """The words joined every way normalisation reads as one space (up to four words: each gap
    by nothing, ``_``, ``-`` or a space; longer terms: every gap the same)."""
    if len(words) <= 4:
        return [words[0] + "".join(j + w for j, w in zip(joins, words[1:]))
                for joins in itertools.product(("", "_", "-", " "), repeat=len(words) - 1)]
    return [j.join(words) for j in ("", "_", "-", " ")]


def _escapes(c: str, padded: bool = True) -> list[str]:
    """Every spelling normalisation decodes to ``c`` (``&#NNNN;`` zero-padded to 7 digits,
    ``&#xHHHH;`` to 6 -- or not padded --, ``\\uXXXX``), lower-cased and without the optional ``;``."""
    n = ord(c)
    dec, hexa = str(n), format(n, "x")
    out = ["&#" + dec.zfill(w) for w in range(max(2, len(dec)), 8 if padded else max(2, len(dec)) + 1)]
    out += ["&#x" + hexa.zfill(w) for w in range(max(2, len(hexa)), 7 if padded else max(2, len(hexa)) + 1)]
    if n < 0x10000:
        out.append(f"\\u{n:04x}")
    return out


@lru_cache(maxsize=1)
def _compatible() -> list[tuple[str, str]]:
    """``(character, what normalisation makes of it)`` for every lower-case character outside
    ASCII and the CJK ideographs that NFKC changes or removes."""
    out = []
    gaps = [(0x80, 0xD800), (0xE000, 0x30000)]  # outside ASCII and the surrogates...
    for lo, hi in _CJK_RANGES:  # ...and outside the ideographs
        gaps = [(a, b) for a0, b0 in gaps for a, b in ((a0, min(b0, lo)), (max(a0, hi), b0)) if a < b]
    for c in (chr(code) for a, b in gaps for code in range(a, b)):
        if c.lower() == c:
            n = "" if c in _INVISIBLE else unicodedata.normalize("NFKC", c)
            if n != c:
                out.append((c, n))
    folded = _t2s().convert("\n".join(n for _, n in out)).split("\n")
    if len(folded) == len(out):
        out = [(c, f) for (c, _), f in zip(out, folded)]
    return [(c, f.lower()) for c, f in out]


def fold(c: str) -> str:
    """What normalisation makes of the single (lower-cased) character ``c``."""
    if c in _INVISIBLE:
        return ""
    return _t2s().convert(unicodedata.normalize("NFKC", c)).lower()


@lru_cache(maxsize=1)
def _entities() -> dict[str, str]:
    """Named HTML entity (lower-cased, without ``;``) -> the text it stands for (of two names
    that differ in case only, ``&gt;`` and ``&Gt;``, the lower-case one's)."""
    out: dict[str, str] = {}
    for name, value in sorted(html.entities.html5.items(), key=lambda kv: kv[0] == kv[0].lower()):
        out[name.rstrip(";").lower()] = value
    return out


@lru_cache(maxsize=1)
def legacy() -> frozenset[str]:
    """Entities HTML decodes without their ``;``, even before letters (``&nbspx``: ``&nbsp`` and ``x``)."""
    return frozenset(name.lower() for name in html.entities.html5 if not name.endswith(";"))


def entity(name: str) -> tuple[str, int] | None:
    """``(text, length of the name read)`` of the named entity that ``&name`` starts, as HTML reads it."""
    value = _entities().get(name)
    if value is not None:
        return value, len(name)
    for k in range(len(name) - 1, 1, -1):
        if name[:k] in legacy():
            return _entities()[name[:k]], k
    return None


def rare_seeds(alphabet: set[str]) -> set[str]:
    """The RARE seeds of a gate whose terms are written with ``alphabet`` (their characters)."""
    spaces = set(SPACES)

    def counts(text: str) -> bool:
        return text == "" or (text.isspace() and text not in spaces) or any(ch in alphabet for ch in text)

    chars = {c for c, f in _compatible() if c not in alphabet and counts(f)}
    chars |= {c for c in joiners() if c.isspace() and c not in spaces}
    out = set(chars) | set(MARKERS)
    for c in {c for c in alphabet if not is_cjk(c) and not c.isspace()} | {c for c in chars if fold(c).strip() == ""}:
        for case in {c, c.upper()} if len(c.upper()) == 1 else {c}:
            out.update(_escapes(case))
    for c in chars:  # (JSON writes every character outside ASCII as \uXXXX; zero-padded escapes of these: a limit)
        for case in {c, c.upper()} if len(c.upper()) == 1 else {c}:
            out.update(_escapes(case, padded=False))
    for name, value in _entities().items():
        if value not in spaces and counts("".join(fold(ch) for ch in value.lower())):
            out.add("&" + name)
    return out


def seeds(items: Iterable[tuple[str, bool, bool]]) -> dict[str, Entry]:
    """The gate's seeds for ``items``: ``(normalised word, left, right)`` of every non-weak term
    and pattern anchor (``left``/``right``: the word needs a word boundary there when it starts
    or ends with an ASCII letter or digit)."""
    items = list(items)
    table: dict[str, list] = {}  # seed -> [nxt or None, left, right, kind]

    def add(seed: str, kind: int, nxt: frozenset[str] | None = None, left: bool = False, right: bool = False) -> None:
        if not seed.strip() and (kind != RARE or not seed):
            return  # (a rare seed may be a space: U+2002)
        left = left and _ascii_word(seed[0])
        right = right and kind == WHOLE and _ascii_word(seed[-1])
        slot = table.get(seed)
        if slot is None:
            table[seed] = [nxt, left, right, kind]
        elif slot[3] == kind == WHOLE:
            slot[1], slot[2] = slot[1] and left, slot[2] and right
        elif slot[3] in (PARTIAL, INWORD) and kind in (PARTIAL, INWORD):
            slot[0], slot[1] = slot[0] | nxt, slot[1] and left
            slot[3] = INWORD if slot[3] == kind == INWORD else PARTIAL  # (a gap's test reads on past spaces)
        else:  # a whole spelling that is also a partial seed: a hit if it needs no boundary, else settled
            whole = slot if slot[3] == WHOLE else [nxt, left, right, kind]
            plain = RARE not in (slot[3], kind) and not whole[1] and not whole[2]
            table[seed] = [None, False, False, WHOLE if plain else RARE]

    lone = {w: (left, right) for w, left, right in items if " " not in w and not any(is_cjk(c) for c in w)}
    for word, left, right in items:
        if any(is_cjk(c) for c in word):
            _cjk_seeds(word, left, right, add)
        else:
            _word_seeds(word, left, right, add, _implied(word, left, right, lone))
    alphabet = {c for w, _, _ in items for c in w}
    for seed in rare_seeds(alphabet):
        add(seed, RARE)
    return {s: (len(s), frozenset(v[0]) if v[0] is not None else None, v[1], v[2], v[3]) for s, v in table.items()}


def cached_seeds(items: list[tuple[str, bool, bool]]) -> dict[str, Entry]:
    """:func:`seeds`, kept on disk (building them takes a few tenths of a second and three OpenCC
    converters) under a name covering everything they are computed from: the items, this
    module's ``VERSION`` and code and text/normalize.py's, and the versions of Python (its
    Unicode database, ``html.entities``) and OpenCC."""
    import opencc

    from .bytesearch import load_object, save_object

    opencc_version = getattr(opencc, "__version__", "?")  # (importlib.metadata costs start-up time)
    digest = hashlib.sha256(repr((VERSION, sys.version_info[:3], unicodedata.unidata_version, opencc_version,
                                  items)).encode("utf-8", "surrogatepass"))
    for code in (Path(__file__), Path(__file__).parent.parent / "text" / "normalize.py"):
        digest.update(code.read_bytes())  # (the seeds follow the text layer's tables: a change there rebuilds them)
    key = digest.hexdigest()[:32]
    entries = load_object(f"seeds-{key}")
    if not isinstance(entries, dict):
        entries = seeds(items)
        save_object(f"seeds-{key}", entries)
    return entries


def _ascii_word(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _cjk_seeds(word: str, left: bool, right: bool, add) -> None:
    whole = _mixes(word)
    if whole is not None:
        for f in whole:
            add(f, WHOLE, left=left, right=right)
    else:  # too many mixes: the longest prefix with few enough, then the next character
        k = max(j for j in range(1, len(word)) if _mixes(word[:j]) is not None)
        for f in _mixes(word[:k]):
            add(f, PARTIAL, variants(word[k]), left)
    for k in range(1, len(word)):
        nxt = variants(word[k])
        for f in _mixes(word[:k]) or ():
            for cut in CUTS:
                add(f + cut, PARTIAL, nxt, left)
    if len(word) > 1:
        for v in variants(word[0]):
            if is_cjk(v):
                for e in _escapes(v):
                    add(e, PARTIAL, variants(word[1]))


def _word_seeds(word: str, left: bool, right: bool, add, implied: bool) -> None:
    words = word.split(" ")
    spellings = _joined(words)
    for f in spellings:
        add(f, WHOLE, left=left, right=right)
    if implied:
        return  # one of its words is a gate word: that word's seeds reach every spelling
    for k in range(1, len(words)):
        for f in _joined(words[:k]):
            for cut in GAPS:
                add(f + cut, PARTIAL, frozenset(words[k][0]), left)
    for f in spellings:
        for i in range(1, len(f)):
            if f[i - 1].isalnum() and f[i].isalnum():
                for cut in IN_WORD:
                    add(f[:i] + cut, INWORD, frozenset(f[i]), left)


def _implied(word: str, left: bool, right: bool, lone: dict[str, tuple[bool, bool]]) -> bool:
    """Does a word of multi-word ``word`` stand as a gate word of its own, with boundaries the
    whole word's imply?  Its gaps are cuts, so that word is found wherever ``word`` is."""
    words = word.split(" ")
    if len(words) < 2:
        return False
    for i, w in enumerate(words):
        if w in lone:
            w_left, w_right = lone[w]
            if (i > 0 or left or not w_left) and (i < len(words) - 1 or right or not w_right):
                return True
    return False
