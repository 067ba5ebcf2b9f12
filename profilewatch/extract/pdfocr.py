"""OCR of PDF pages that have no usable text layer: rendered with pypdfium2, read by :mod:`.ocr`.

:class:`PageReader` is made once per PDF and asked for pages one at a time; it opens the
renderer and the engine only when a page needs them.  Pages are rendered in grayscale at
``Limits.ocr_dpi`` (a page whose rendering would exceed ``max_image_pixels`` is scaled down to
fit).  ``spent`` is the time OCR took (the PDF's ``unit_seconds`` does not count it); OCR stops
after ``ocr_seconds`` and the pages left unread are reported.

:meth:`PageReader.finish` writes ``unit.meta["ocr"]`` (status ``read``, ``unavailable`` or
``off``; engine, version, pages read, lines, and the pages per text-layer state) and queues a
``skipped``/``ocr_unavailable`` record when pages went unread for want of an engine or renderer.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from ..options import ScanOptions
from ..records import Segment, Unit
from . import ocr
from .image import note


class PageReader:
    """Reads the pages of one PDF unit that its text layer does not give."""

    def __init__(self, unit: Unit, options: ScanOptions) -> None:
        self.unit = unit
        self.options = options
        self.spent = 0.0
        self.read_pages: list[int] = []
        self.lines = 0
        self.late: list[int] = []
        self._doc: Any = None
        self._engine: ocr.Engine | None = None
        self._why: str | None = "off" if options.ocr == "off" else None

    def _ready(self) -> bool:
        if self._why is not None:
            return False
        if self._doc is None:
            self._engine = ocr.engine()
            if self._engine is None:
                self._why = ocr.unavailable_reason()
                return False
            try:
                import pypdfium2
            except ImportError:
                self._why = "no PDF renderer: install profilewatch[ocr] (pypdfium2); scanned pages were not read"
                return False
            try:
                self._doc = pypdfium2.PdfDocument(self.unit.data)
            except Exception as exc:  # pdfium refuses what pypdf read
                self._why = f"the PDF renderer cannot open this file ({type(exc).__name__}: {exc})"
                return False
        return True

    def read(self, index: int) -> Segment | None:
        """The OCR segment of page ``index`` (0-based), or None (no OCR, no text, over time)."""
        if not self._ready():
            return None
        limits = self.options.limits
        if self.spent > limits.ocr_seconds:
            self.late.append(index + 1)
            return None
        started = time.monotonic()
        try:
            page = self._doc[index]
            width, height = page.get_size()
            scale = limits.ocr_dpi / 72
            pixels = width * height * scale * scale
            if pixels > limits.max_image_pixels:
                scale *= (limits.max_image_pixels / pixels) ** 0.5
            image = page.render(scale=scale, grayscale=True).to_pil()
            segment = ocr.page_segment(image, self._engine, page=index + 1,
                                       where={"dpi": round(scale * 72)})
        finally:
            self.spent += time.monotonic() - started
        self.read_pages.append(index + 1)
        if segment is not None:
            self.lines += segment.where["lines"]
        return segment

    def images(self, page: Any, index: int) -> Iterator[Segment]:
        """OCR segments of the images on a pypdf ``page`` that has a text layer (``--ocr all``)."""
        from .image import embedded

        started = time.monotonic()
        try:
            for n, picture in enumerate(page.images):
                if self.spent + time.monotonic() - started > self.options.limits.ocr_seconds:
                    self.late.append(index + 1)
                    return
                yield from embedded(self.unit, picture.data, self.options, {"image": n + 1}, page=index + 1)
        except Exception as exc:  # pypdf raises many types on odd image filters
            note(self.unit, "error", "extract_failed", f"images of page {index + 1}: {type(exc).__name__}: {exc}")
        finally:
            self.spent += time.monotonic() - started

    def finish(self, missing: dict[str, list[int]], bad: int) -> None:
        """Record what OCR did for the pages in ``missing`` (``none``/``unreliable`` -> pages)."""
        status: dict[str, Any] = {"text_layer_pages": missing}
        if self._why == "off":
            status["status"] = "off"
        elif self._why is not None:
            status["status"] = "unavailable"
            note(self.unit, "skipped", "ocr_unavailable",
                 f"{bad} page(s) without a usable text layer: {self._why}")
        else:
            status.update(status="read", engine=self._engine.name, version=self._engine.version,
                          pages=self.read_pages, lines=self.lines)
        if self.late:
            note(self.unit, "error", "limit_exceeded", f"OCR stopped after ocr_seconds="
                 f"{self.options.limits.ocr_seconds:g}; pages not read: {self.late[:20]}", "ocr_seconds")
        self.unit.meta.setdefault("ocr", {}).update(status)
