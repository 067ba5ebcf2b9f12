"""Binary blobs (firmware, libraries): printable strings, like ``strings`` but multilingual.

Strings are found with byte regexes (no per-byte Python loop) in four encodings:

* ASCII / UTF-8 and GBK / GB18030 (one 8-bit pass: each run of text-like bytes is decoded as
  UTF-8 if it is valid UTF-8, else as GB18030);
* UTF-16LE and UTF-16BE (ASCII and CJK code units).

A string is kept when it has at least ``min_string`` characters (default 6), or at least 3 CJK
characters, or at least 2 CJK characters and NUL bytes on both sides (label tables such as
``民族\\0维族\\0肤色\\0``).  CJK runs must consist mostly of common characters (GB2312 level 1 or
Big5 level 1), which keeps random noise that happens to decode out of the output.

Strings closer than ``GAP`` bytes to each other are grouped into one ``binary`` segment, one
string per line, so the detector sees a label table or a config block as a whole.  The
segment's ``byte_offset`` is the absolute offset of its first string, and
``where["offsets"]`` / ``where["encodings"]`` give the absolute offset and encoding of every
line, so a match on line *n* of the segment sits at ``where["offsets"][n]``.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import BinaryIO

from ..records import Segment, Unit
from ..options import Limits

GAP = 256
MAX_LINES = 64
EDGE = 4096
"""Bytes re-read at a window edge when a large file is streamed (longer strings may be cut)."""
MIN_CJK = 3
MIN_CJK_DELIMITED = 2
COMMON_SHARE = 0.8
UNDELIMITED_CJK = 8
"""A CJK run with no NUL terminator must be this long (and mostly common characters)."""

_A = rb"[\x20-\x7e\t]"
_ASCII_RUN = rb"[\x20-\x7e\t]{%d,}"
_UTF8_RUN = re.compile(rb"(?:[\xe3-\xe9][\x80-\xbf]{2}){2,}(?:" + _A + rb"|[\xe0-\xef][\x80-\xbf]{2}|[\xc2-\xdf][\x80-\xbf])*")
_GBK_RUN = re.compile(rb"(?:[\xb0-\xf7][\xa1-\xfe]){2,}(?:" + _A + rb"|[\x81-\xfe][\x40-\x7e\x80-\xfe])*")
_ASCII_TAIL = re.compile(rb"[\x20-\x7e\t]{1,64}$")
# UTF-16 is decoded whole (both byte parities) and searched as text: ASCII, CJK, CJK punctuation
_U16 = r"[\x20-\x7e\t\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff01-\uff5e]"
_UTF16_RUN = re.compile(rf"(?<!{_U16}){_U16}{{2,}}+(?=\x00)|(?<!{_U16}){_U16}{{{UNDELIMITED_CJK},}}+")
_ASTRAL = re.compile(r"[\U00010000-\U0010ffff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_PUNCT = frozenset("，。、：；（）！？“”《》·「」【】\u3000")


def _common_cjk() -> frozenset[str]:
    chars: set[str] = set()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    for lead in range(0xA4, 0xC7):
        for trail in list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)):
            try:
                chars.add(bytes((lead, trail)).decode("big5"))
            except UnicodeDecodeError:
                pass
    return frozenset(chars)


COMMON = _common_cjk()


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _plausible(text: str, left_nul: bool, right_nul: bool, min_string: int, utf16: bool = False) -> bool:
    """True when ``text`` looks like a real string rather than noise that happens to decode.

    Real strings in binaries are NUL-terminated and made of common characters; random bytes
    that decode give scattered, rare characters with no terminator.
    """
    cjk = [c for c in text if _is_cjk(c)]
    if cjk:
        if sum(c in COMMON for c in cjk) < COMMON_SHARE * len(cjk):
            return False
        if sum(1 for c in text if not c.isascii() and not _is_cjk(c) and c not in _PUNCT) > len(cjk) / 4:
            return False
        longest = max(len(m) for m in _CJK_RUN.findall(text))
        if right_nul and left_nul:
            return longest >= MIN_CJK_DELIMITED
        if right_nul:
            return longest >= MIN_CJK + 1 or (longest >= MIN_CJK and all(c in COMMON for c in cjk) and utf16)
        return longest >= UNDELIMITED_CJK
    stripped = text.strip()
    if not stripped.isascii() or len(stripped) < min_string:
        return False
    if sum(c.isalnum() or c in " _-./:=," for c in stripped) < 0.8 * len(stripped):
        return False
    return right_nul or len(stripped) >= max(2 * min_string, 10)


_ENDS = (0, 10, 13)  # NUL, LF, CR: what ends a string in 8-bit text


def _at(data: bytes, pos: int, width: int) -> bool:
    """True at a string boundary: start/end of data, NUL (or newline for 8-bit text)."""
    if pos < 0 or pos + width > len(data):
        return True
    chunk = data[pos:pos + width]
    return chunk == b"\x00" * width or (width == 1 and chunk in (b"\n", b"\r"))


def _utf16(data: bytes, min_string: int) -> Iterator[tuple[int, int, str, str]]:
    for enc in ("utf-16le", "utf-16be"):
        for parity in (0, 1):
            chunk = data[parity:len(data) - (len(data) - parity) % 2]
            text = chunk.decode(enc, "surrogatepass")
            astral = [m.start() for m in _ASTRAL.finditer(text)]  # two code units, one character
            for m in _UTF16_RUN.finditer(text):
                i, j = m.span()
                start = parity + 2 * (i + bisect.bisect_left(astral, i))
                end = parity + 2 * (j + bisect.bisect_left(astral, j))
                run = m.group()
                if _plausible(run, _at(data, start - 2, 2), _at(data, end, 2), min_string, utf16=True):
                    yield start, start - end, run.strip(), enc


def _strings(data: bytes, min_string: int, unit: Unit | None = None) -> Iterator[tuple[int, int, str, str]]:
    """``(offset, -length, text, encoding)`` of every string in ``data``, unordered (``unit``: whose
    deadline is checked between passes)."""
    yield from _utf16(data, min_string)
    size = len(data)
    for pattern, enc, width in ((_UTF8_RUN, "utf-8", 3), (_GBK_RUN, "gb18030", 2)):
        if unit is not None:
            unit.check_time(f"reading {enc} strings")
        for m in pattern.finditer(data):
            start, end = m.span()
            if end < size and data[end] not in _ENDS and end - start < width * UNDELIMITED_CJK:
                continue  # cheap reject of most noise: no terminator and too short to stand alone
            lead = _ASCII_TAIL.search(data, max(start - 64, 0), start)
            if lead:
                start = lead.start()
            try:
                text = data[start:end].decode(enc)
            except UnicodeDecodeError:
                continue
            if _plausible(text, _at(data, start - 1, 1), _at(data, end, 1), min_string):
                yield start, start - end, text.strip(), enc
    alone = max(2 * min_string, 10)
    if unit is not None:
        unit.check_time("reading ASCII strings")
    for m in re.finditer(_ASCII_RUN % min_string, data):
        start, end = m.span()
        if end < size and data[end] not in _ENDS and end - start < alone:
            continue
        text = m.group().decode("ascii")
        if _plausible(text, _at(data, start - 1, 1), _at(data, end, 1), min_string):
            yield start, start - end, text.strip(), "ascii"


def strings_segments(data: bytes, base_offset: int = 0, min_string: int | None = None,
                     unit: Unit | None = None) -> Iterator[Segment]:
    """Grouped string segments of ``data``, whose first byte is at absolute ``base_offset``."""
    yield from _grouped(sorted(_strings(data, min_string or Limits().min_string, unit)), base_offset)


def strings_stream(fh: BinaryIO, first: bytes, window: int, min_string: int | None = None,
                   unit: Unit | None = None) -> Iterator[Segment]:
    """Segments of a file read ``window`` bytes at a time (``first`` is the first window, read).

    A string cut by a window edge is read whole in the next window: strings starting in the
    last ``EDGE`` bytes of a window are left for the next one, which starts ``EDGE`` bytes back,
    and strings already reported are not reported again.
    """
    min_string = min_string or Limits().min_string
    data, offset, reported_to = first, 0, 0  # reported_to: absolute end of the last string reported
    while data:
        if unit is not None and offset:
            unit.check_time(f"reading binary strings at byte {offset}")
        more = fh.read(window)
        cut = max(len(data) - EDGE, 0) if more else len(data)
        found = sorted(x for x in _strings(data, min_string) if offset + x[0] >= reported_to and x[0] < cut)
        if found:
            reported_to = max(offset + o - n for o, n, _, _ in found)
        yield from _grouped(found, offset)
        if not more:
            return
        data, offset = data[cut:] + more, offset + cut


def _grouped(found: list[tuple[int, int, str, str]], base_offset: int) -> Iterator[Segment]:
    group: list[tuple[int, str, str]] = []
    last_end = -GAP - 1
    for offset, negative_length, text, enc in found:
        if offset < last_end:  # overlaps the previous string (UTF-16 bytes read as 8-bit text)
            continue
        if group and (offset - last_end > GAP or len(group) >= MAX_LINES):
            yield _segment(group, base_offset)
            group = []
        group.append((offset, text, enc))
        last_end = offset - negative_length
    if group:
        yield _segment(group, base_offset)


def _segment(group: list[tuple[int, str, str]], base: int) -> Segment:
    return Segment(
        text="\n".join(t for _, t, _ in group),
        context="binary",
        byte_offset=base + group[0][0],
        where={"offsets": [base + o for o, _, _ in group], "encodings": [e for _, _, e in group]},
    )


def extract(unit: Unit) -> Iterator[Segment]:
    """Segments of a binary unit held in memory."""
    return strings_segments(unit.data, 0, unit=unit)


FORMATS = {"binary": extract}
