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
* PPTX (the slide XML parts, parsed with defusedxml): ``where`` = ``{"slide": n}`` and
  ``{"slide": n, "notes": true}`` for speaker notes.
* ODF (``content.xml`` with defusedxml): paragraphs and headings ``{"paragraph": n}``, table
  rows ``{"table": name, "row": r, ...}``, presentation pages ``{"slide": n}``.

These formats are zip files: before any part is parsed, the sizes in the zip directory are
checked against ``max_member_bytes`` and ``max_ratio`` (:mod:`.ooxml`: zipfile never returns
more than the size a member declares, so the check bounds what the parsers can unpack).
"""
from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from typing import Any

from ..records import Segment, Unit
from . import sheetml, wordml
from .ooxml import OfficeError, OfficeLimitExceeded, check_zip, read_part as _read, rels as _rel_map
from .ooxml import row_segment as _row_segment, xml as _xml

__all__ = ["OfficeError", "OfficeLimitExceeded", "check_zip", "FORMATS", "MEDIA"]


# -- DOCX --------------------------------------------------------------------------------------

def docx(unit: Unit) -> Iterator[Segment]:
    """Segments of a Word document (streamed: see :mod:`.wordml`)."""
    yield from wordml.docx(unit, check_zip(unit.data))


# -- XLSX --------------------------------------------------------------------------------------

def xlsx(unit: Unit) -> Iterator[Segment]:
    """Segments of an Excel workbook: one per non-empty row of every sheet (streamed: see :mod:`.sheetml`)."""
    yield from sheetml.xlsx(unit, check_zip(unit.data))


# -- PPTX --------------------------------------------------------------------------------------

_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def pptx(unit: Unit) -> Iterator[Segment]:
    """Segments of a PowerPoint presentation: one per slide, one per slide's notes."""
    zf = check_zip(unit.data)
    names = set(zf.namelist())
    for number, part in enumerate(_slide_order(zf, names), 1):
        unit.check_time(f"at slide {number}")
        text = _drawing_text(_read(zf, part))
        if text.strip():
            yield Segment(text=text, context="prose", where={"slide": number})
        notes = _notes_part(zf, names, part)
        if notes:
            text = _drawing_text(_read(zf, notes))
            if text.strip():
                yield Segment(text=text, context="prose", where={"slide": number, "notes": True})


def _rels(zf: zipfile.ZipFile, names: set[str], part: str) -> dict[str, str]:
    return _rel_map(zf, names, part)



def _slide_order(zf: zipfile.ZipFile, names: set[str]) -> list[str]:
    order: list[str] = []
    if "ppt/presentation.xml" in names:
        rels = _rels(zf, names, "ppt/presentation.xml")
        for sld in _xml(_read(zf, "ppt/presentation.xml")).iter(f"{_P}sldId"):
            target = rels.get(sld.get(f"{_R}id", ""))
            if target in names:
                order.append(target)
    if not order:
        found = [n for n in names if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)]
        order = sorted(found, key=lambda n: int(re.search(r"(\d+)\.xml$", n).group(1)))
    return order


def _notes_part(zf: zipfile.ZipFile, names: set[str], slide: str) -> str | None:
    for target in _rels(zf, names, slide).values():
        if "notesSlide" in target and target in names:
            return target
    return None


def _drawing_text(data: bytes) -> str:
    lines = []
    for para in _xml(data).iter(f"{_A}p"):
        text = "".join(t.text or "" for t in para.iter(f"{_A}t"))
        if text.strip():
            lines.append(text)
    return "\n".join(lines)


# -- ODF ---------------------------------------------------------------------------------------

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"


def odf(unit: Unit) -> Iterator[Segment]:
    """Segments of an OpenDocument file (text, spreadsheet or presentation)."""
    zf = check_zip(unit.data)
    if "content.xml" not in zf.namelist():
        raise OfficeError("OpenDocument package without content.xml")
    root = _xml(_read(zf, "content.xml"))
    counters = {"paragraph": 0, "slide": 0}
    yield from _odf_walk(root, {}, counters)


def _odf_walk(node: Any, where: dict[str, Any], counters: dict[str, int]) -> Iterator[Segment]:
    for child in node:
        tag = child.tag
        if tag in (f"{_TEXT}p", f"{_TEXT}h"):
            counters["paragraph"] += 1
            text = "".join(child.itertext())
            if text.strip():
                yield Segment(text=text, context="prose", where={**where, "paragraph": counters["paragraph"]})
        elif tag == f"{_TABLE}table":
            name = child.get(f"{_TABLE}name") or ""
            for r, row in enumerate(child.iter(f"{_TABLE}table-row"), 1):
                cells = ["".join(cell.itertext()) for cell in row
                         if cell.tag in (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell")]
                segment = _row_segment(cells, {**where, "table": name, "row": r})
                if segment:
                    yield segment
        elif tag == f"{_DRAW}page":
            counters["slide"] += 1
            lines = ["".join(p.itertext()) for p in child.iter() if p.tag in (f"{_TEXT}p", f"{_TEXT}h")]
            text = "\n".join(x for x in lines if x.strip())
            if text:
                yield Segment(text=text, context="prose", where={**where, "slide": counters["slide"]})
        else:
            yield from _odf_walk(child, where, counters)


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
