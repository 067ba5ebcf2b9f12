"""Split one large WARC file into byte ranges that start on record boundaries.

:func:`record_ranges` returns ``[(start, end), ...]`` covering the whole file, each range
starting where a record (a per-record gzip member, or a plain ``WARC/1.x`` header) starts, so
each range is itself a valid WARC that a different worker can read
(:func:`profilewatch.sources.warc.open_warc_range`).  Reading every range in order gives the
records of a whole-file read.

* **per-record gzip** (``.warc.gz`` as crawlers write it): near each wanted cut the bytes are
  searched for a gzip member header (``1f 8b 08``); a candidate is kept only when its member
  decompresses and starts with ``WARC/1.`` (deflate output that merely contains the three bytes
  never passes).  A whole-file gzip WARC has one member: it is not split.
* **plain WARC**: the file is walked header by header, each record's ``Content-Length`` leading
  to the next ``WARC/1.x`` line (only headers are read), so a ``WARC/1.0`` line inside a payload
  is never taken for a record start.

Anything unexpected (a header that does not parse, a member that does not verify) ends the
search: the remainder stays one range, read as a whole-file read would read it.
"""
from __future__ import annotations

import re
import zlib
from typing import BinaryIO

from ..files import open_input

_GZIP_MAGIC = b"\x1f\x8b\x08"
_SEARCH = 1 << 20  # bytes searched per read for a member header
_VERIFY = 1 << 14  # compressed bytes inflated to verify a candidate member
_HEADER_MAX = 1 << 16
_LENGTH = re.compile(rb"\r\nContent-Length:[ \t]*(\d+)", re.I)


def record_ranges(path: str, part_bytes: int) -> list[tuple[int, int]]:
    """Byte ranges of about ``part_bytes`` each, every one starting on a record boundary."""
    with open_input(path) as fh:
        size = fh.seek(0, 2)
        fh.seek(0)
        head = fh.read(8)
        if size <= part_bytes:
            return [(0, size)]
        if head.startswith(_GZIP_MAGIC) and _is_warc_member(fh, 0):  # not a .tar.gz or a whole-file gzip
            starts = _gzip_starts(fh, size, part_bytes)
        elif head.startswith(b"WARC/1."):
            starts = _plain_starts(fh, size, part_bytes)
        else:
            starts = [0]
    bounds = starts + [size]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def _gzip_starts(fh: BinaryIO, size: int, part_bytes: int) -> list[int]:
    starts = [0]
    target = part_bytes
    while target < size:
        found = _next_member(fh, max(target, starts[-1] + 1), size)
        if found is None:
            break
        starts.append(found)
        target = found + part_bytes
    return starts


def _next_member(fh: BinaryIO, pos: int, size: int) -> int | None:
    """The first verified gzip member start at or after ``pos``, or ``None``."""
    while pos < size:
        fh.seek(pos)
        block = fh.read(_SEARCH + 2)
        if len(block) < 3:
            return None
        at = block.find(_GZIP_MAGIC)
        while 0 <= at < _SEARCH:
            if _is_warc_member(fh, pos + at, follow=True):
                return pos + at
            at = block.find(_GZIP_MAGIC, at + 1)
        pos += _SEARCH
    return None


def _is_warc_member(fh: BinaryIO, pos: int, follow: bool = False) -> bool:
    """A gzip member starts at ``pos`` and inflates to a WARC record; with ``follow``, it also
    ends where another such member starts (or at the end of the file), which a member header
    planted in a payload (raw in a stored deflate block) does not."""
    fh.seek(pos)
    first = fh.read(_VERIFY)
    inflater = zlib.decompressobj(31)
    try:
        if not inflater.decompress(first, 16).startswith(b"WARC/1."):
            return False
        if not follow:
            return True
        fed, tail = len(first), inflater.unconsumed_tail
        while True:
            while tail and not inflater.eof:  # output discarded as it comes: memory stays bounded
                inflater.decompress(tail, 1 << 20)
                tail = inflater.unconsumed_tail
            if inflater.eof:
                break
            tail = fh.read(_SEARCH)
            if not tail:
                return False
            fed += len(tail)
    except zlib.error:
        return False
    used = fed - len(inflater.unused_data)
    end = pos + used
    fh.seek(end)
    nxt = fh.read(3)
    return not nxt or (nxt == _GZIP_MAGIC and _is_warc_member(fh, end))


def _plain_starts(fh: BinaryIO, size: int, part_bytes: int) -> list[int]:
    starts = [0]
    pos, target = 0, part_bytes
    while pos < size:
        fh.seek(pos)
        head = fh.read(4096)
        if b"\r\n\r\n" not in head:
            fh.seek(pos)
            head = fh.read(_HEADER_MAX)
        skip = len(head) - len(head.lstrip(b"\r\n"))  # the blank lines that close the previous record
        if not head[skip:].startswith(b"WARC/1."):
            break  # not a record start: the rest is one range
        end = head.find(b"\r\n\r\n", skip)
        match = _LENGTH.search(head, skip, end) if end > 0 else None
        if match is None:
            break
        if pos + skip >= target:
            starts.append(pos + skip)
            target = pos + skip + part_bytes
        pos += end + 4 + int(match.group(1))
    return starts


class RangeReader:
    """A read-only file object over bytes ``start``..``end`` of ``path`` (positions relative to start)."""

    def __init__(self, path: str, start: int, end: int) -> None:
        self._fh = open_input(path)
        self._fh.seek(start)
        self.start, self.end = start, end
        self._pos = 0

    def read(self, n: int = -1) -> bytes:
        left = self.end - self.start - self._pos
        n = left if n is None or n < 0 else min(n, left)
        data = self._fh.read(n) if n > 0 else b""
        self._pos += len(data)
        return data

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self.end - self.start}[whence]
        self._pos = max(0, min(base + offset, self.end - self.start))
        self._fh.seek(self.start + self._pos)
        return self._pos

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> RangeReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
