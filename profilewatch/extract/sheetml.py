"""XLSX (SpreadsheetML) streamed: one segment per non-empty row, every sheet, hidden ones too.

Library choice: openpyxl for everything but the sheet loop (the workbook's sheets and their
states, the shared strings, the date formats and epoch; and each cell's value, read by
openpyxl's own ``WorkSheetParser.parse_row``), and ``lxml.etree.iterparse`` over the sheet's
zip stream for the loop itself (:func:`.ooxml.iter_part`), each ``<row>`` cleared and dropped
once read.  openpyxl's read-only mode is not bounded: a sheet without a ``<dimension>`` is
parsed whole once just to size it, and its iterparse clears rows without dropping them from
``<sheetData>`` (a 240 MB sheet peaked at 395 MB, still before the rows' segments).

Rows and values are those openpyxl's read-only ``iter_rows()`` gave (cached values,
``data_only``), cells in column order, with two losses mended: ``iter_rows()`` dropped a row
whose number does not grow and the cells written after a row's last column; ``where`` = ``{"sheet": name, "cell": "B7", "row": 7,
"cells": [...], "sheet_state": ...}`` (``cell`` is the row's first non-empty cell, ``cells``
every cell in the text), context ``data``.  The shared-strings table is held whole (a sheet
may point at any entry), as openpyxl does.  A sheet declaring entities is refused
(``EntitiesForbidden``, as openpyxl's defusedxml parser did).
"""
from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from typing import Any

from ..records import LimitHit, Segment, Unit
from .ooxml import OfficeError, clear_read, iter_part, row_segment

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


class _Sheet:
    """What openpyxl's reader knows of a worksheet before its cells are read."""

    def __init__(self, title: str, state: str, path: str) -> None:
        self.title, self.sheet_state, self.path = title, state, path
        self.defined_names: dict[str, Any] = {}


def xlsx(unit: Unit, zf: Any) -> Iterator[Segment]:
    """Segments of an Excel workbook (see the module docstring), each sheet streamed."""
    from openpyxl.utils import get_column_letter

    reader = _reader(unit.data)
    try:
        for sheet in reader.wb._sheets:
            unit.check_time(f"at sheet {sheet.title!r}")
            yield from _rows(unit, zf, sheet, reader, get_column_letter)
    except (OfficeError, LimitHit):
        raise
    except Exception as exc:  # a cell openpyxl cannot convert, a bad row number
        raise OfficeError(f"XLSX cannot be read: {type(exc).__name__}: {exc}") from exc


def _reader(data: bytes) -> Any:
    """openpyxl's ExcelReader, read-only, with the worksheets listed but not opened."""
    from openpyxl.reader.excel import ExcelReader

    class Reader(ExcelReader):
        def read_worksheets(self) -> None:
            from openpyxl.packaging.relationship import get_dependents, get_rels_path

            for sheet, rel in self.parser.find_sheets():
                if rel.target not in self.valid_files:
                    continue
                if "chartsheet" in rel.Type:
                    self.read_chartsheet(sheet, rel)  # read (and dropped) as openpyxl does: no cells
                    continue
                rels_path = get_rels_path(rel.target)
                if rels_path in self.valid_files:
                    get_dependents(self.archive, rels_path)
                self.wb._sheets.append(_Sheet(sheet.name, sheet.state, rel.target))

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = Reader(io.BytesIO(data), read_only=True, data_only=True)
            reader.read()
    except Exception as exc:
        raise OfficeError(f"XLSX cannot be parsed: {type(exc).__name__}: {exc}") from exc
    reader.wb._sheets = [s for s in reader.wb._sheets if isinstance(s, _Sheet)]
    return reader


def _rows(unit: Unit, zf: Any, sheet: _Sheet, reader: Any, get_column_letter: Any) -> Iterator[Segment]:
    from openpyxl.worksheet._reader import WorkSheetParser

    wb = reader.wb
    parser = WorkSheetParser(None, reader.shared_strings, data_only=True, epoch=wb.epoch,
                             date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
    for n, (_, elem) in enumerate(iter_part(zf, sheet.path, unit, (f"{_MAIN}row",), no_entities=_entities_forbidden)):
        if not n & 4095:
            unit.check_time(f"at sheet {sheet.title!r} row {n + 1}")
        _, cells = parser.parse_row(elem)
        parser.row_dimensions.clear()  # openpyxl keeps every row's attributes: not needed here
        clear_read(elem)
        by_column = {c["column"]: c for c in cells}  # a cell written twice: the last one, as openpyxl
        texts, coords, r = [], [], None
        for column in sorted(by_column):
            cell = by_column[column]
            value = cell["value"]
            if value is None or str(value).strip() == "":
                continue
            r = cell["row"]
            texts.append(str(value))
            coords.append(f"{get_column_letter(column)}{r}")
        if texts:
            yield row_segment(texts, {"sheet": sheet.title, "cell": coords[0], "row": r, "cells": coords,
                                      "sheet_state": sheet.sheet_state}, context="data")


def _entities_forbidden(entity: Any) -> OfficeError:
    return OfficeError("XLSX cannot be parsed: EntitiesForbidden: a worksheet declares entities")
