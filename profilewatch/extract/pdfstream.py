"""Huge PDF content streams read in bounded windows, without pypdf.

pypdf holds every operator of a page as Python objects (839 MB for a 50 MB stream).  A page whose
plain Flate content streams inflate past ``BIG_STREAM`` bytes is therefore inflated here in
``WINDOW`` blocks, and the literal strings of its text operators (``Tj``, ``TJ``, ``'``, ``"``)
are read as latin-1 text, one segment per window (``where={"window": i, "stream_offset": n}``).
The unit's deadline is checked per window.
"""
from __future__ import annotations

import re
import zlib
from collections.abc import Iterator

from ..records import Segment, Unit


class StreamError(ValueError):
    """A content stream that does not inflate."""


BIG_STREAM = 8 << 20
"""A page whose content streams inflate past this is read in windows, not by pypdf."""
WINDOW = 4 << 20
_TEXT_OP = re.compile(rb"\(((?:\\.|[^\\()])*)\)\s*(?:Tj|'|\")|\[((?:\\.|[^\]\\])*)\]\s*TJ", re.S)
_LITERAL = re.compile(rb"\(((?:\\.|[^\\()])*)\)", re.S)
_ESCAPES = re.compile(rb"\\([nrtbf()\\]|[0-7]{1,3})")
_ESCAPED = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def flate_streams(page) -> list:
    """The page's content streams when every one is a plain FlateDecode stream (else [])."""
    contents = page.get("/Contents")
    if contents is None:
        return []
    contents = contents.get_object()
    items = [c.get_object() for c in contents] if isinstance(contents, list) else [contents]
    for item in items:
        if getattr(item, "_data", None) is None or item.get("/Filter") != "/FlateDecode" or item.get("/DecodeParms"):
            return []
    return items


def inflated_size(stream, cap: int) -> int:
    """How many bytes ``stream`` inflates to (counting stops past ``cap``); nothing is kept."""
    inflater, n, pending = zlib.decompressobj(), 0, stream._data
    while pending and n <= cap and not inflater.eof:
        n += len(inflater.decompress(pending, 1 << 20))
        pending = inflater.unconsumed_tail
    return n


def windowed(streams: list, page: int, unit: Unit) -> Iterator[Segment]:
    """The text operators' strings of huge content streams, inflated ``WINDOW`` bytes at a time."""
    window, offset, carry = 0, 0, b""
    for stream in streams:
        inflater, pending = zlib.decompressobj(), stream._data
        while pending and not inflater.eof:
            unit.check_time(f"PDF page {page}, content stream at byte {offset}")
            try:
                block = carry + inflater.decompress(pending, WINDOW)
            except zlib.error as exc:
                raise StreamError(f"page {page} content stream cannot be inflated: {exc}") from exc
            pending = inflater.unconsumed_tail
            cut = block.rfind(b"\n") + 1 if pending else len(block)
            cut = cut or len(block)
            text = " ".join(_strings(block[:cut]))
            if text.strip():
                window += 1
                yield Segment(text=text, context="prose", page=page, where={"window": window, "stream_offset": offset})
            offset += cut
            carry = block[cut:]


def _strings(ops: bytes) -> Iterator[str]:
    for m in _TEXT_OP.finditer(ops):
        parts = [m.group(1)] if m.group(1) is not None else _LITERAL.findall(m.group(2))
        for part in parts:
            raw = _ESCAPES.sub(lambda e: _ESCAPED.get(e.group(1)) or (
                bytes([int(e.group(1), 8) & 255]) if e.group(1).isdigit() else e.group(1)), part)
            if raw.strip():
                yield raw.decode("latin-1")
