"""Office documents: DOCX, XLSX, PPTX and OpenDocument (ODT/ODS/ODP).

Segments are grouped so the detector sees a claim with its context: one per paragraph, one
per table row (cells joined with `` | ``, ``where["cell_starts"]`` gives each cell's offset in
the text), one per spreadsheet row, one per slide.

* DOCX (streamed with lxml iterparse, :mod:`.wordml`): body paragraphs and tables in document
  order, then headers and footers of every section; ``where`` = ``{"paragraph": n}``,
  ``{"table": t, "row": r, ...}``, ``{"header": s, "paragraph": n}`` / ``{"footer": s, ...}``.
* XLSX (openpyxl's workbook reader and cell values, each sheet streamed with lxml iterparse,
  :mod:`.sheetml`; cached values): every sheet including hidden and very hidden ones;
  ``where`` = ``{"sheet": name, "cell": "B7", "row": 7, "cells": [...], "sheet_state": ...}``
  (``cell`` is the row's first non-empty cell, ``cells`` every cell in the text).
* PPTX (each slide and notes part streamed with lxml iterparse, :mod:`.slideml`): ``where`` =
  ``{"slide": n}`` and ``{"slide": n, "notes": true}`` for speaker notes.
* ODF (``content.xml`` streamed with lxml iterparse, :mod:`.odfml`): paragraphs and headings
  ``{"paragraph": n}``, table rows ``{"table": name, "row": r, ...}``, presentation pages
  ``{"slide": n}``.

These formats are zip files: before any part is parsed, the sizes in the zip directory are
checked against ``max_member_bytes`` and ``max_ratio`` (:mod:`.ooxml`: zipfile never returns
more than the size a member declares, so the check bounds what the parsers can unpack).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..records import Segment, Unit
from . import odfml, sheetml, slideml, wordml
from .ooxml import OfficeError, OfficeLimitExceeded, check_zip, read_part as _read

__all__ = ["OfficeError", "OfficeLimitExceeded", "check_zip", "FORMATS", "MEDIA"]


# -- DOCX --------------------------------------------------------------------------------------

def docx(unit: Unit) -> Iterator[Segment]:
    """Segments of a Word document (streamed: see :mod:`.wordml`)."""
    yield from wordml.docx(unit, check_zip(unit.data))


# -- XLSX --------------------------------------------------------------------------------------

def xlsx(unit: Unit) -> Iterator[Segment]:
    """Segments of an Excel workbook: one per non-empty row of every sheet (streamed: see :mod:`.sheetml`)."""
    yield from sheetml.xlsx(unit, check_zip(unit.data))


# -- PPTX and ODF ------------------------------------------------------------------------------

def pptx(unit: Unit) -> Iterator[Segment]:
    """Segments of a PowerPoint presentation: one per slide, one per slide's notes (streamed: see :mod:`.slideml`)."""
    yield from slideml.pptx(unit, check_zip(unit.data))


def odf(unit: Unit) -> Iterator[Segment]:
    """Segments of an OpenDocument file, text, spreadsheet or presentation (streamed: see :mod:`.odfml`)."""
    yield from odfml.odf(unit, check_zip(unit.data))


MEDIA = ("word/media/", "ppt/media/", "xl/media/", "Pictures/")
"""Where DOCX, PPTX, XLSX and ODF keep embedded images (read by OCR with ``--ocr all``)."""


def _with_media(fn: Any) -> Any:
    """``fn``'s segments, then (``--ocr all``) the OCR text of the document's embedded images."""
    def extract(unit: Unit, options: Any = None) -> Iterator[Segment]:
        yield from fn(unit)
        if options is None or options.ocr != "all":
            return
        from . import image
        from ..sources.sniff import sniff

        zf = check_zip(unit.data, options.limits)
        for name in zf.namelist():
            if name.startswith(MEDIA) and not name.endswith("/"):
                data = _read(zf, name)
                if sniff(data, name) == "image":
                    yield from image.embedded(unit, data, options, {"media": name})

    extract.takes_options = True  # type: ignore[attr-defined]
    extract.__doc__ = fn.__doc__
    return extract


FORMATS = {name: _with_media(fn) for name, fn in {"docx": docx, "xlsx": xlsx, "pptx": pptx, "odf": odf}.items()}
