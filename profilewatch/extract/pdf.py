"""PDF: one ``prose`` segment per page (``page`` 1-based), read with pypdf.

pypdf was chosen over pdfminer.six by measurement on the dev corpus (docs/pdf-extraction.md):
both recover every CJK key phrase intact, but pypdf keeps reading order on every document
(100% of source pieces in order vs 35-100% for pdfminer, whose layout analysis reorders table
cells) and is about 2.3x faster.  The document's title, subject and keywords, when set, come
first as one segment with ``where={"metadata": [...]}``.

An encrypted PDF that does not open with the empty user password raises
:class:`EncryptedPDF` (reason ``encrypted``); a PDF pypdf cannot parse raises
:class:`MalformedPDF` (reason ``corrupt``).  Pages are read one at a time and the unit's time
budget (``Limits.unit_seconds``) is checked between pages and windows (``Unit.check_time``):
the findings of the pages read are kept (``partial``).  pypdf's own caps (``LimitReachedError``)
raise :class:`PDFLimit` (reason ``limit_exceeded``, limit ``pdf_stream``), not ``corrupt``.

Memory stays bounded: a page whose Flate content streams inflate past ``BIG_STREAM`` bytes is not
given to pypdf (which holds every operator of the page as Python objects: 839 MB for a 50 MB
stream) but inflated in ``WINDOW`` blocks, and the literal strings of its text operators (``Tj``,
``TJ``, ``'``, ``"``) are read as latin-1 text, one segment per window
(``where={"window": i, "stream_offset": n}``).
"""
from __future__ import annotations

import io
import logging
import re
import time
import zlib
from collections.abc import Iterator

import pypdf
from pypdf.errors import FileNotDecryptedError, LimitReachedError, PyPdfError

from ..records import LimitHit, Segment, Unit
from ..options import Limits

logging.getLogger("pypdf").setLevel(logging.ERROR)


class PDFError(ValueError):
    """A PDF that cannot be read; ``reason`` goes into the error record."""

    reason = "extract_failed"


class EncryptedPDF(PDFError):
    """The PDF is encrypted with a user password."""

    reason = "encrypted"


class MalformedPDF(PDFError):
    """The PDF is damaged or not a PDF."""

    reason = "corrupt"


class PDFLimit(PDFError):
    """pypdf refused to inflate a stream past its own cap."""

    reason = "limit_exceeded"
    limit = "pdf_stream"


BIG_STREAM = 8 << 20
"""A page whose content streams inflate past this is read in windows, not by pypdf."""
WINDOW = 4 << 20
_TEXT_OP = re.compile(rb"\(((?:\\.|[^\\()])*)\)\s*(?:Tj|'|\")|\[((?:\\.|[^\]\\])*)\]\s*TJ", re.S)
_LITERAL = re.compile(rb"\(((?:\\.|[^\\()])*)\)", re.S)
_ESCAPES = re.compile(rb"\\([nrtbf()\\]|[0-7]{1,3})")
_ESCAPED = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def extract(unit: Unit, seconds: float | None = None) -> Iterator[Segment]:
    """Segments of a PDF unit: metadata, then one per page."""
    deadline = time.monotonic() + (seconds if seconds is not None else Limits().unit_seconds)
    try:
        reader = pypdf.PdfReader(io.BytesIO(unit.data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except (NotImplementedError, PyPdfError) as exc:
                raise EncryptedPDF(f"PDF is encrypted and cannot be opened: {exc}") from exc
            if not opened:
                raise EncryptedPDF("PDF is encrypted with a user password; its text cannot be read")
        pages = reader.pages
        count = len(pages)
        meta = _metadata(reader)
    except PDFError:
        raise
    except FileNotDecryptedError as exc:
        raise EncryptedPDF(f"PDF is encrypted: {exc}") from exc
    except Exception as exc:  # pypdf raises many types on damaged files
        raise MalformedPDF(f"PDF cannot be parsed: {type(exc).__name__}: {exc}") from exc
    if meta:
        yield Segment(text="\n".join(v for _, v in meta), context="prose", where={"metadata": [k for k, _ in meta]})
    if unit.deadline is None:
        unit.deadline = deadline
    for number in range(count):
        unit.check_time(f"PDF still being read at page {number + 1} of {count}")
        try:
            streams = _flate_streams(pages[number])
            if streams and sum(_inflated_size(s, BIG_STREAM) for s in streams) > BIG_STREAM:
                yield from _windowed(streams, number + 1, unit)
                continue
            text = pages[number].extract_text() or ""
        except LimitReachedError as exc:
            raise PDFLimit(f"page {number + 1}: {exc}") from exc
        except (PDFError, LimitHit):
            raise
        except Exception as exc:  # pypdf raises many types on damaged content streams
            raise MalformedPDF(f"page {number + 1} cannot be read: {type(exc).__name__}: {exc}") from exc
        if text.strip():
            yield Segment(text=text, context="prose", page=number + 1)


def _flate_streams(page) -> list:
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


def _inflated_size(stream, cap: int) -> int:
    """How many bytes ``stream`` inflates to (counting stops past ``cap``); nothing is kept."""
    inflater, n, pending = zlib.decompressobj(), 0, stream._data
    while pending and n <= cap and not inflater.eof:
        n += len(inflater.decompress(pending, 1 << 20))
        pending = inflater.unconsumed_tail
    return n


def _windowed(streams: list, page: int, unit: Unit) -> Iterator[Segment]:
    """The text operators' strings of huge content streams, inflated ``WINDOW`` bytes at a time."""
    window, offset, carry = 0, 0, b""
    for stream in streams:
        inflater, pending = zlib.decompressobj(), stream._data
        while pending and not inflater.eof:
            unit.check_time(f"PDF page {page}, content stream at byte {offset}")
            try:
                block = carry + inflater.decompress(pending, WINDOW)
            except zlib.error as exc:
                raise MalformedPDF(f"page {page} content stream cannot be inflated: {exc}") from exc
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


def _metadata(reader: pypdf.PdfReader) -> list[tuple[str, str]]:
    try:
        info = reader.metadata
    except Exception:  # damaged info dictionaries are common and harmless
        return []
    if not info:
        return []
    out = []
    for key in ("title", "subject", "keywords"):
        value = getattr(info, key, None)
        if isinstance(value, str) and value.strip():
            out.append((key, value.strip()))
    return out


FORMATS = {"pdf": extract}
