"""PDF: one ``prose`` segment per page (``page`` 1-based), read with pypdf; table rows are
kept apart as paragraphs (:func:`profilewatch.text.layout.split_rows`).

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
raise :class:`PDFLimit` (reason ``limit_exceeded``, limit ``pdf_stream``), not ``corrupt``.  A
page whose content streams inflate past ``pdfstream.BIG_STREAM`` is read in bounded windows
(:mod:`.pdfstream`), so memory stays bounded.

Pages without a usable text layer -- no text, or mostly ``(cid:N)``, U+FFFD or private-use
characters (:func:`layer`) -- set ``unit.meta["text_layer"]`` (``none`` when no page has usable
text, else ``unreliable``) and, unless ``--ocr off``, are rendered and read by OCR
(:mod:`.pdfocr`); the time OCR takes does not count against ``unit_seconds``.
"""
from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..records import LimitHit, Segment, Unit
from ..text.layout import split_rows
from ..options import ScanOptions
from . import pdfocr
from .pdfstream import BIG_STREAM, StreamError, flate_streams, inflated_size, windowed

if TYPE_CHECKING:
    import pypdf

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


_CID = re.compile(r"\(cid:\d+\)")
_BAD = re.compile("[\ufffd\ue000-\uf8ff\U000f0000-\U0010ffff]")
UNRELIABLE = 0.3
"""A page whose non-space characters are more than this share of ``(cid:N)``, U+FFFD or private use."""


def layer(text: str) -> str | None:
    """``none`` (no text), ``unreliable`` (mostly unmapped glyphs) or None (usable text)."""
    visible = len(text) - sum(text.count(c) for c in " \t\r\n\f")
    if visible == 0:
        return "none"
    cids = _CID.findall(text)
    glyphs = visible - sum(len(m) for m in cids) + len(cids)  # each (cid:N) is one glyph
    bad = len(cids) + len(_BAD.findall(text))
    return "unreliable" if bad / glyphs > UNRELIABLE else None


def extract(unit: Unit, options: ScanOptions | None = None, seconds: float | None = None) -> Iterator[Segment]:
    """Segments of a PDF unit: metadata, then one per page (OCR text for pages without text)."""
    import pypdf  # here, not at import time: pypdf (with cryptography) costs ~0.1 s of every scan's start
    from pypdf.errors import FileNotDecryptedError, LimitReachedError, PyPdfError

    options = options or ScanOptions()
    if seconds is None:
        seconds = options.limits.unit_seconds
    deadline = time.monotonic() + seconds
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
    missing: dict[str, list[int]] = {}
    reader_ocr = pdfocr.PageReader(unit, options)
    for number in range(count):
        unit.check_time(f"PDF still being read at page {number + 1} of {count}")
        try:
            streams = flate_streams(pages[number])
            if streams and sum(inflated_size(s, BIG_STREAM) for s in streams) > BIG_STREAM:
                yield from windowed(streams, number + 1, unit)
                continue
            text = pages[number].extract_text() or ""
        except LimitReachedError as exc:
            raise PDFLimit(f"page {number + 1}: {exc}") from exc
        except StreamError as exc:
            raise MalformedPDF(str(exc)) from exc
        except (PDFError, LimitHit):
            raise
        except Exception as exc:  # pypdf raises many types on damaged content streams
            raise MalformedPDF(f"page {number + 1} cannot be read: {type(exc).__name__}: {exc}") from exc
        quality = layer(text)
        if text.strip():
            yield Segment(text=split_rows(text), context="prose", page=number + 1,
                          where={"text_layer": quality} if quality else {})
        if quality:
            missing.setdefault(quality, []).append(number + 1)
            segment = reader_ocr.read(number)
            if segment is not None:
                yield segment
        elif options.ocr == "all":  # a page with text may still carry pictures of text
            yield from reader_ocr.images(pages[number], number)
    if missing:
        bad = sum(len(v) for v in missing.values())
        unit.meta["text_layer"] = "none" if missing.get("none") and len(missing["none"]) == count else "unreliable"
        reader_ocr.finish(missing, bad)


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


extract.takes_options = True  # type: ignore[attr-defined]

FORMATS = {"pdf": extract}
