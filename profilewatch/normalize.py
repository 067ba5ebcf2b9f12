"""Offset-mapped text normalisation.

Detection runs on a normalised copy of each segment; evidence always quotes the original.
:func:`normalize` returns the normalised text together with ``src``, a list that maps every
normalised character (and the end position) back to an index in the original text.

Steps, in order:

1. escapes: ``\\uXXXX`` (JS/JSON, also when double-escaped) and ``&#NNNN;`` / ``&#xHHHH;``
   character references become the character they encode;
2. invisible characters (zero-width space/joiners, soft hyphen, BOM, word joiner) are removed;
3. Unicode NFKC per character (full-width ``ＵＹＧＨＵＲ`` becomes ``UYGHUR``);
4. identifiers are split: ``recUygur`` -> ``rec Uygur``, ``EM_NATION_TYPE`` -> ``EM NATION TYPE``,
   ``uygur02`` -> ``uygur 02``, ``skin-tone`` -> ``skin tone`` (``_`` and ``-`` read as spaces);
5. whitespace runs collapse to one space (a newline if the run held one and lines are kept,
   or if it held a blank line) and vanish entirely
   between two CJK characters, so ``维\\n族`` and ``维 族`` read ``维族`` -- but a blank line
   (a paragraph or block break) always stays a break;
6. Traditional Chinese becomes Simplified (OpenCC ``t2s``), then everything is case-folded.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_ESCAPE = re.compile(r"\\+u([0-9a-fA-F]{4})|&#(\d{2,7});?|&#[xX]([0-9a-fA-F]{2,6});?")
_JOINERS = str.maketrans({"_": " ", "-": " "})
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")
_CAMEL = re.compile(
    r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])"
)


@dataclass(slots=True)
class Normalized:
    """Normalised text and the map from each of its positions to the original text."""

    text: str
    src: list[int]
    original: str

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` span covering normalised ``[start, end)``."""
        s = self.src[start]
        if end <= start:
            return s, s
        last = self.src[end - 1]
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


def _unescape(text: str) -> tuple[list[str], list[int]]:
    chars: list[str] = []
    src: list[int] = []
    pos = 0
    for m in _ESCAPE.finditer(text):
        code = m.group(1) or m.group(2) or m.group(3)
        base = 16 if (m.group(1) or m.group(3)) else 10
        try:
            ch = chr(int(code, base))
        except (ValueError, OverflowError):
            continue
        seg = text[pos : m.start()]
        chars.extend(seg)
        src.extend(range(pos, m.start()))
        chars.append(ch)
        src.append(m.start())
        pos = m.end()
    chars.extend(text[pos:])
    src.extend(range(pos, len(text)))
    return chars, src


def _nfkc(chars: list[str], src: list[int]) -> tuple[list[str], list[int]]:
    out: list[str] = []
    osrc: list[int] = []
    for ch, i in zip(chars, src):
        if ch in _INVISIBLE:
            continue
        if ch < "\u0080" or is_cjk(ch) and ord(ch) < 0xF900:
            out.append(ch)
            osrc.append(i)
            continue
        n = unicodedata.normalize("NFKC", ch)
        for c in n:
            out.append(c)
            osrc.append(i)
    return out, osrc


def _split_identifiers(text: str, src: list[int]) -> tuple[str, list[int]]:
    if not _CAMEL.search(text):
        return text.translate(_JOINERS), src
    out: list[str] = []
    osrc: list[int] = []
    pos = 0
    for m in _CAMEL.finditer(text):
        b = m.start()
        out.append(text[pos:b])
        osrc.extend(src[pos:b])
        out.append(" ")
        osrc.append(src[b] if b < len(src) else (src[-1] + 1 if src else 0))
        pos = b
    out.append(text[pos:])
    osrc.extend(src[pos:])
    return "".join(out).translate(_JOINERS), osrc


def _collapse_space(text: str, src: list[int], keep_lines: bool) -> tuple[list[str], list[int]]:
    out: list[str] = []
    osrc: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if not ch.isspace():
            out.append(ch)
            osrc.append(src[i])
            i += 1
            continue
        j = i
        newlines = 0
        while j < n and text[j].isspace():
            newlines += text[j] == "\n"
            j += 1
        prev = out[-1] if out else ""
        nxt = text[j] if j < n else ""
        if newlines > 1 or not (prev and nxt and is_cjk(prev) and is_cjk(nxt)):
            out.append("\n" if newlines > 1 or (keep_lines and (newlines or "\r" in text[i:j])) else " ")
            osrc.append(src[i])
        i = j
    return out, osrc


def _fold(chars: list[str], src: list[int]) -> tuple[str, list[int]]:
    text = "".join(chars)
    if any(is_cjk(c) for c in text):
        converted = _t2s().convert(text)
        if len(converted) == len(text):
            text = converted
        else:  # phrase conversion changed length: fall back to per-character conversion
            text = "".join(_t2s().convert(c) if is_cjk(c) else c for c in text)
            if len(text) != len(src):
                text = "".join(chars)
    low = text.lower()
    if len(low) == len(text):
        return low, src
    out: list[str] = []
    osrc: list[int] = []
    for ch, i in zip(text, src):
        lc = ch.lower()
        out.append(lc)
        osrc.extend([i] * len(lc))
    return "".join(out), osrc


def normalize(text: str, keep_lines: bool = False) -> Normalized:
    """Normalise ``text`` for matching and keep a map back to the original positions.

    ``keep_lines`` keeps single line breaks (code and data, where a line is a statement);
    otherwise a single line break is a hard wrap and reads as a space."""
    chars, src = _unescape(text)
    if not text.isascii():
        chars, src = _nfkc(chars, src)
    joined, src = _split_identifiers("".join(chars), src)
    chars, src = _collapse_space(joined, src, keep_lines)
    folded, src = _fold(chars, src)
    src.append(src[-1] + 1 if src else 0)
    return Normalized(folded, src, text)


def fold_term(term: str) -> str:
    """Normalise a lexicon term the same way text is normalised (without the offset map)."""
    return normalize(term).text.strip()
