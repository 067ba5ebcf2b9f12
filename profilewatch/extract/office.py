"""Office documents: DOCX, XLSX, PPTX and OpenDocument (ODT/ODS/ODP).

Segments are grouped so the detector sees a claim with its context: one per paragraph, one
per table row (cells joined with `` | ``, ``where["cell_starts"]`` gives each cell's offset in
the text), one per spreadsheet row, one per slide.

* DOCX (python-docx): body paragraphs and tables in document order, then headers and footers
  of every section; ``where`` = ``{"paragraph": n}``, ``{"table": t, "row": r, ...}``,
  ``{"header": s, "paragraph": n}`` / ``{"footer": s, ...}``.
* XLSX (openpyxl, read-only, cached values): every sheet including hidden and very hidden ones;
  ``where`` = ``{"sheet": name, "cell": "B7", "row": 7, "cells": [...], "sheet_state": ...}``
  (``cell`` is the row's first non-empty cell, ``cells`` every cell in the text).
* PPTX (the slide XML parts, parsed with defusedxml): ``where`` = ``{"slide": n}`` and
  ``{"slide": n, "notes": true}`` for speaker notes.
* ODF (``content.xml`` with defusedxml): paragraphs and headings ``{"paragraph": n}``, table
  rows ``{"table": name, "row": r, ...}``, presentation pages ``{"slide": n}``.

These formats are zip files: before any part is parsed, the sizes in the zip directory are
checked against ``max_member_bytes`` and ``max_ratio`` (zipfile never returns more than the
size a member declares, so the check bounds what the parsers can unpack).
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

import defusedxml.ElementTree as SafeET

from ..records import LimitHit, Segment, Unit
from ..sources.unpack import RATIO_FLOOR
from ..options import Limits

SEP = " | "


class OfficeError(ValueError):
    """An Office file that cannot be read; ``reason`` goes into the error record."""

    reason = "corrupt"


class OfficeLimitExceeded(OfficeError):
    """A part of the document would unpack beyond the safety limits."""

    reason = "limit_exceeded"

    def __init__(self, message: str, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


def check_zip(data: bytes, limits: Limits | None = None) -> zipfile.ZipFile:
    """Open an Office zip after checking its declared sizes and ratios against the limits."""
    limits = limits or Limits()
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise OfficeError(f"not a readable zip package: {exc}") from exc
    total = 0
    for info in zf.infolist():
        if info.flag_bits & 0x1:
            err = OfficeError(f"part {info.filename!r} is encrypted")
            err.reason = "encrypted"
            raise err
        total += info.file_size
        if info.file_size > limits.max_member_bytes:
            raise OfficeLimitExceeded(f"part {info.filename!r} is larger than max_member_bytes={limits.max_member_bytes}",
                                      "max_member_bytes")
        if total > limits.max_total_bytes:
            raise OfficeLimitExceeded(f"parts unpack to more than max_total_bytes={limits.max_total_bytes}",
                                      "max_total_bytes")
        if info.file_size > RATIO_FLOOR and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise OfficeLimitExceeded(f"part {info.filename!r} has a compression ratio above max_ratio={limits.max_ratio:g}",
                                      "max_ratio")
    return zf


def _row_segment(cells: list[str], where: dict[str, Any], context: str = "prose") -> Segment | None:
    cells = [c.strip() for c in cells]
    kept = [c for c in cells if c]
    if not kept:
        return None
    starts, pos = [], 0
    for c in kept:
        starts.append(pos)
        pos += len(c) + len(SEP)
    return Segment(text=SEP.join(kept), context=context, where={**where, "cell_starts": starts})


# -- DOCX --------------------------------------------------------------------------------------

def docx(unit: Unit) -> Iterator[Segment]:
    """Segments of a Word document."""
    import docx as python_docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_zip(unit.data)
    try:
        document = python_docx.Document(io.BytesIO(unit.data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors...
        raise OfficeError(f"DOCX cannot be parsed: {type(exc).__name__}: {exc}") from exc
    counters = {"paragraph": 0, "table": 0}

    def blocks(container: Any, where: dict[str, Any]) -> Iterator[Segment]:
        for block in container.iter_inner_content():
            if not counters["paragraph"] & 1023:
                unit.check_time(f"at DOCX paragraph {counters['paragraph']}")
            if isinstance(block, Paragraph):
                counters["paragraph"] += 1
                if block.text.strip():
                    yield Segment(text=block.text, context="prose",
                                  where={**where, "paragraph": counters["paragraph"]})
            elif isinstance(block, Table):
                counters["table"] += 1
                yield from _docx_table(block, {**where, "table": counters["table"]})

    yield from blocks(document, {})
    for number, section in enumerate(document.sections, 1):
        for kind, parts in (("header", (section.header, section.first_page_header, section.even_page_header)),
                            ("footer", (section.footer, section.first_page_footer, section.even_page_footer))):
            seen = set()
            for part in parts:
                if part.is_linked_to_previous or id(part._element) in seen:
                    continue
                seen.add(id(part._element))
                counters["paragraph"] = 0
                yield from blocks(part, {kind: number})


def _docx_table(table: Any, where: dict[str, Any]) -> Iterator[Segment]:
    for r, row in enumerate(table.rows, 1):
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is repeated for every grid column it spans
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(p.text for p in cell.paragraphs))
        segment = _row_segment(cells, {**where, "row": r})
        if segment:
            yield segment
        for cell in row.cells:
            for inner in cell.tables:
                yield from _docx_table(inner, {**where, "row": r, "nested": True})


# -- XLSX --------------------------------------------------------------------------------------

def xlsx(unit: Unit) -> Iterator[Segment]:
    """Segments of an Excel workbook: one per non-empty row of every sheet, hidden ones too."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    check_zip(unit.data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(unit.data), read_only=True, data_only=True)
    except Exception as exc:
        raise OfficeError(f"XLSX cannot be parsed: {type(exc).__name__}: {exc}") from exc
    try:
        yield from _sheets(workbook, get_column_letter, unit)
    except (OfficeError, LimitHit):
        raise
    except Exception as exc:  # openpyxl reads sheets lazily: damage shows up while iterating
        raise OfficeError(f"XLSX cannot be read: {type(exc).__name__}: {exc}") from exc
    finally:
        workbook.close()


def _sheets(workbook: Any, get_column_letter: Any, unit: Unit) -> Iterator[Segment]:
    for sheet in workbook.worksheets:
        unit.check_time(f"at sheet {sheet.title!r}")
        state = getattr(sheet, "sheet_state", "visible")
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # a declared A1:XFD1048576 would pad every row to 16384 cells
        for n, row in enumerate(sheet.iter_rows()):
            if not n & 4095:
                unit.check_time(f"at sheet {sheet.title!r} row {n + 1}")
            if not row:  # openpyxl yields an empty tuple for every missing row number
                continue
            cells, coords, r = [], [], None
            for cell in row:
                value = getattr(cell, "value", None)
                if value is None or str(value).strip() == "":
                    continue
                r = cell.row
                cells.append(str(value))
                coords.append(f"{get_column_letter(cell.column)}{cell.row}")
            if cells:
                yield _row_segment(cells, {"sheet": sheet.title, "cell": coords[0], "row": r, "cells": coords,
                                           "sheet_state": state}, context="data")


# -- PPTX --------------------------------------------------------------------------------------

_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


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


def _read(zf: zipfile.ZipFile, name: str) -> bytes:
    """A part's bytes; a damaged part is an :class:`OfficeError`."""
    try:
        return zf.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, KeyError, ValueError) as exc:
        raise OfficeError(f"part {name!r} cannot be read: {type(exc).__name__}: {exc}") from exc


def _xml(data: bytes) -> Any:
    try:
        return SafeET.fromstring(data)
    except SafeET.ParseError as exc:
        raise OfficeError(f"XML part cannot be parsed: {exc}") from exc


def _rels(zf: zipfile.ZipFile, names: set[str], part: str) -> dict[str, str]:
    folder, _, base = part.rpartition("/")
    rels = f"{folder}/_rels/{base}.rels"
    if rels not in names:
        return {}
    out = {}
    for rel in _xml(_read(zf, rels)).iter(f"{_REL}Relationship"):
        target = rel.get("Target", "")
        out[rel.get("Id", "")] = target.lstrip("/") if target.startswith("/") else _join(folder, target)
    return out


def _join(folder: str, target: str) -> str:
    parts = folder.split("/") if folder else []
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


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
