"""Offset-mapped text normalisation.

Detection runs on a normalised copy of each segment; evidence always quotes the original.
:func:`normalize` returns the normalised text with a map back to the original: every step that
changes lengths records a piecewise map (runs copied unchanged map linearly, a replacement maps
to the start of what it replaced), and :meth:`Normalized.span` walks the maps back.  Each step
is one regular-expression pass, so the cost follows the number of changes, not of characters.

Steps, in order:

1. escapes: ``\\uXXXX`` (JS/JSON, also when double-escaped) and ``&#NNNN;`` / ``&#xHHHH;``
   character references become the character they encode, and ``\\n``/``\\t`` in string
   literals become a line break or space;
2. invisible characters (zero-width space/joiners, soft hyphen, BOM, word joiner) are removed,
   and Unicode NFKC applies per character (full-width ``ＵＹＧＨＵＲ`` becomes ``UYGHUR``);
3. identifiers are split: ``recUygur`` -> ``rec Uygur``, ``EM_NATION_TYPE`` -> ``EM NATION TYPE``,
   ``uygur02`` -> ``uygur 02``, ``skin-tone`` -> ``skin tone`` (``_`` and ``-`` read as spaces);
4. whitespace runs collapse to one space (a newline if the run held one and lines are kept, or
   if it held a blank line) and vanish entirely between two CJK characters, so ``维\\n族`` and
   ``维 族`` read ``维族`` -- but a blank line (a paragraph or block break) stays a break;
5. Traditional Chinese becomes Simplified (OpenCC ``t2s``), then everything is case-folded.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick_rs

_ESCAPE = re.compile(r"\\+u([0-9a-fA-F]{4})|&#(\d{2,7});?|&#[xX]([0-9a-fA-F]{2,6});?|\\+([nrt])")
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")
_SPECIAL = re.compile("[^\x00-\x7f\u3400-\u4dbf\u4e00-\u9fff]")  # may change under NFKC, or is invisible
_CAMEL = re.compile(r"[a-z](?=[A-Z0-9])|[A-Z](?=[0-9]|[A-Z][a-z])|[0-9](?=[A-Za-z])")  # one character each
# _CAMEL's matches found on a copy of the text with each character replaced by its class (a: a-z,
# A: A-Z, 0: 0-9, anything else "."): the class pairs (and the one triple) below, found by
# Aho-Corasick in one pass -- twelve times faster than the regex, which tries three branches at
# every character (re has no fast skip for a pattern that starts with a branch of classes)
_CLASSES = bytes(97 if 97 <= i <= 122 else 65 if 65 <= i <= 90 else 48 if 48 <= i <= 57 else 46 for i in range(256))
_CAMEL_CLASSES = ahocorasick_rs.BytesAhoCorasick([b"aA", b"a0", b"A0", b"AAa", b"0a", b"0A"])
# whitespace that normalisation changes: runs (\s{2,}), non-space whitespace ([^\S ]), a space between
# CJK characters (a lone space elsewhere stays as it is without a callback).  Written to start with
# \s, so that re skips to the next whitespace character in C (2.7x faster than the same three
# branches side by side, which re tries at every position)
_SPACE_RUN = re.compile(r"\s(?:\s+|(?<=[^\S ])|(?<=[\u3400-\u9fff] )(?=[\u3400-\u9fff]))")
_LONG_LOWER = re.compile("\u0130")  # the only character whose lower case is longer (İ -> i̇)
_HAS_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True, slots=True)
class _Map:
    """Piecewise map from one step's output positions to its input positions."""

    out: list[int]  # where each piece starts in the output
    inp: list[int]  # where it starts in the input
    linear: list[bool]  # copied unchanged (maps position by position) or a replacement

    def __call__(self, pos: int) -> int:
        k = bisect.bisect_right(self.out, pos) - 1
        return self.inp[k] + (pos - self.out[k] if self.linear[k] else 0)


@dataclass(slots=True)
class Normalized:
    """Normalised text and the way back from its positions to the original text."""

    text: str
    original: str
    maps: list[_Map]

    def to_original(self, pos: int) -> int:
        """Index in the original text of normalised position ``pos``."""
        for m in reversed(self.maps):
            pos = m(pos)
        return pos

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` span covering normalised ``[start, end)``."""
        s = self.to_original(start)
        if end <= start:
            return s, s
        last = self.to_original(end - 1)
        escape = _ESCAPE.match(self.original, last)
        return s, escape.end() if escape else last + 1


def is_cjk(ch: str) -> bool:
    """True for CJK ideographs (and the ideograph extension blocks)."""
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FA1F


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def _sub(text: str, pattern: re.Pattern, repl: Callable[[re.Match], str | None]) -> tuple[str, _Map | None]:
    """Replace each match of ``pattern`` by ``repl(match)`` (``None`` keeps it); the map is
    ``None`` when nothing changed."""
    parts: list[str] = []
    out: list[int] = [0]
    inp: list[int] = [0]
    linear: list[bool] = [True]
    pos = length = 0
    for m in pattern.finditer(text):
        r = repl(m)
        if r is None:
            continue
        a, b = m.span()
        parts.append(text[pos:a])
        length += a - pos
        parts.append(r)
        out += [length, length + len(r)]
        inp += [a, b]
        linear += [False, True]
        length += len(r)
        pos = b
    if not parts:
        return text, None
    parts.append(text[pos:])
    return "".join(parts), _Map(out, inp, linear)


def _unescaped(m: re.Match) -> str | None:
    if m.group(4):  # a \n or \t written inside a string literal reads as a line break or space
        return "\n" if m.group(4) in "nr" else " "
    code = m.group(1) or m.group(2) or m.group(3)
    try:
        ch = chr(int(code, 10 if m.group(2) else 16))
        return "\ufffd" if "\ud800" <= ch <= "\udfff" else ch  # a lone surrogate cannot be matched
    except (ValueError, OverflowError):
        return None


@lru_cache(maxsize=65536)
def _compatible_char(ch: str) -> str | None:
    """What step 2 makes of one character matched by ``_SPECIAL``: ``None`` keeps it."""
    if ch in _INVISIBLE:
        return ""
    n = unicodedata.normalize("NFKC", ch)
    return None if n == ch else n


def _compatible(m: re.Match) -> str | None:
    return _compatible_char(m.group(0))


def _compatibility(text: str) -> tuple[str, _Map | None]:
    """Step 2.  When every character it changes stays one character (full-width punctuation and
    Latin, the common case in CJK text), positions do not move: a ``str.replace`` per distinct
    character and no map, instead of a Python call per character."""
    changes = []
    for ch in set(_SPECIAL.findall(text)):
        r = _compatible_char(ch)
        if r is not None:
            if len(r) != 1:
                return _sub(text, _SPECIAL, _compatible)  # an invisible or expanding character: map it
            changes.append((ch, r))
    for ch, r in changes:  # (str.replace per character: 5x faster than str.translate with a dict; an
        text = text.replace(ch, r)  # NFKC result is NFKC-stable, so no replacement is replaced again)
    return text, None


def _camel_split(text: str) -> tuple[str, _Map | None]:
    """Step 3: a space after each character ``_CAMEL`` matches.  The same text and map as
    ``_sub(text, _CAMEL, lambda m: m.group(0) + " ")``, built from the match ends alone (found
    through ``_CLASSES``)."""
    if text.isalpha() and (text.islower() or text.isupper()):
        return text, None  # (no digit, no case change: nothing to split)
    classes = text.encode("ascii", "replace").translate(_CLASSES)  # one byte per character
    ends = sorted(start + 1 for _, start, _ in _CAMEL_CLASSES.find_matches_as_indexes(classes, overlapping=True))
    if not ends:
        return text, None
    cuts = [0, *ends, len(text)]
    out = " ".join([text[cuts[k]:cuts[k + 1]] for k in range(len(cuts) - 1)])
    starts = [e - 1 + k for k, e in enumerate(ends)]  # where each replaced character lands in the output
    return out, _Map([0, *[p for s in starts for p in (s, s + 2)]],
                     [0, *[p for e in ends for p in (e - 1, e)]],
                     [True, *[False, True] * len(ends)])


def _is_cjk_char(c: str) -> bool:
    """:func:`is_cjk` by comparisons, without ``ord`` (the whitespace step's inner loop)."""
    return ("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" or "\uf900" <= c <= "\ufaff"
            or "\U00020000" <= c <= "\U0002fa1f")


def _whitespace(text: str, keep_lines: bool) -> tuple[str, _Map | None]:
    """Step 4, ``_SPACE_RUN``'s matches replaced as the module docstring says: a run holding two
    line breaks (a blank line) becomes one; one holding one line break becomes a line break when
    ``keep_lines`` (a ``\r`` counts as one), else a space; any other run one space; and a run
    without a blank line between two CJK characters vanishes.  The same text and map as a
    ``_sub`` with a per-match callback, with the loop written out (it runs on every match)."""
    parts: list[str] = []
    out: list[int] = [0]
    inp: list[int] = [0]
    linear: list[bool] = [True]
    pos = length = 0
    n = len(text)
    cjk = _is_cjk_char
    for m in _SPACE_RUN.finditer(text):
        a, b = m.span()
        run = text[a:b]
        newlines = run.count("\n")
        if newlines < 2 and 0 < a and b < n and cjk(text[a - 1]) and cjk(text[b]):
            r = ""  # 维\n族, 维 族: one word broken by layout
        else:
            r = "\n" if newlines > 1 or (keep_lines and (newlines or "\r" in run)) else " "
            if r == run:
                continue
        parts.append(text[pos:a])
        parts.append(r)
        if b - a == 1 and len(r) == 1:  # one character for one (a lone line break read as a space):
            length += b - pos  # positions do not move, so the map needs no piece for it
            pos = b
            continue
        length += a - pos
        out.append(length)
        length += len(r)
        out.append(length)
        inp.append(a)
        inp.append(b)
        linear.append(False)
        linear.append(True)
        pos = b
    if not parts:
        return text, None
    parts.append(text[pos:])
    return "".join(parts), _Map(out, inp, linear) if len(out) > 1 else None


def _fold(text: str) -> tuple[str, _Map | None]:
    if _HAS_CJK.search(text):
        converted = _t2s().convert(text)
        if len(converted) == len(text):
            text = converted
        else:  # a phrase conversion changed the length: convert character by character
            per_char = "".join(_t2s().convert(c) if is_cjk(c) else c for c in text)
            text = per_char if len(per_char) == len(text) else text
    text, mapped = _sub(text, _LONG_LOWER, lambda m: m.group(0).lower())
    return text.lower(), mapped


def normalize(text: str, keep_lines: bool = False) -> Normalized:
    """Normalise ``text`` for matching and keep the way back to the original positions.

    ``keep_lines`` keeps single line breaks (code and data, where a line is a statement);
    otherwise a single line break is a hard wrap and reads as a space."""
    maps: list[_Map] = []

    def step(result: tuple[str, _Map | None]) -> str:
        if result[1] is not None:
            maps.append(result[1])
        return result[0]

    out = step(_sub(text, _ESCAPE, _unescaped)) if "\\" in text or "&#" in text else text
    if not out.isascii():
        out = step(_compatibility(out))
    out = step(_camel_split(out))
    out = step(_whitespace(out.replace("_", " ").replace("-", " "), keep_lines))
    out = step(_fold(out))
    return Normalized(out, text, maps)


def fold_term(term: str) -> str:
    """Normalise a lexicon term the same way text is normalised (without the offset map)."""
    return normalize(term).text.strip()
