"""XLSX (SpreadsheetML) streamed: one segment per non-empty row, every sheet, hidden ones too.

Library choice: our own lxml parsing of the package, with openpyxl's *public* helpers only
(``openpyxl.utils`` for coordinates and Excel serial dates, ``openpyxl.styles.numbers`` for which
number formats are dates).  Until this module, openpyxl's reader did the workbook and its
private ``openpyxl.worksheet._reader.WorkSheetParser``, ``Workbook._sheets`` and
``_date_formats`` read the cells: internals that change between openpyxl releases without
notice, and a read-only mode that is not bounded (a sheet without ``<dimension>`` is parsed
whole once just to size it; its iterparse clears rows without dropping them; the shared
strings are one Python list).  Small parts (``workbook.xml``, its relationships, ``styles.xml``)
are parsed whole with defusedxml; each sheet and the shared strings are streamed with
:func:`.xmlstream.iter_part`, each ``<row>`` or ``<si>`` cleared once read.

Rows and values are those openpyxl's read-only ``iter_rows()`` gave (cached values,
``data_only``), cells in column order, with two losses mended: ``iter_rows()`` dropped a row
whose number does not grow and the cells written after a row's last column.  ``where`` =
``{"sheet": name, "cell": "B7", "row": 7, "cells": [...], "sheet_state": ...}`` (``cell`` is the
row's first non-empty cell, ``cells`` every cell in the text), context ``data``.  Sheets come in
workbook order; chartsheets have no cells.

The shared-strings table (a cell may point at any entry) is held compact (:class:`_Strings`:
UTF-8 in one buffer, 8 bytes of offset per string) and bounded by ``Limits.max_shared_strings``
bytes.  Past it, and from a string over 10 MB on (streamed in pieces), strings are not kept for
their cells: they are scanned on their own, before the sheets, in segments of one string per
line ``{"part": name, "strings": [first, last]}`` (0-based indexes, as cells give them).  When a
cell refers to a string not kept, the rows are still all read, and at the end the unit stops at
a :class:`LimitHit` ``max_shared_strings``: its findings are kept and marked partial.

A damaged sheet (bad XML, bad deflate, a cell that cannot be converted) keeps the rows read before
the damage, gets an error record naming the part, and the next sheet is read; a damaged
shared-strings part keeps the strings read before the damage (cells referring to later ones read
empty), a damaged ``styles.xml`` leaves dates as numbers: each is reported and the unit ends
``partial`` (issue 12).  A damaged or missing workbook part, its relationships, the package
relationships or content types are reported so too (:func:`.ooxml.listed`): the sheets are then
every ``xl/worksheets/sheetN.xml`` by number, ``{"sheet": "sheetN", "part": name}`` with
``sheet_state`` ``unknown``, the shared strings and styles their usual parts.

A sheet or shared-strings part declaring entities is refused (``EntitiesForbidden``, as
openpyxl's defusedxml parser did).  A text run over 10 MB in a sheet comes in segments of its
own ``{"sheet": name, "part": path, "text_node": k, "window": i}``.
"""
from __future__ import annotations

import re
from array import array
from collections.abc import Iterator
from typing import Any

from ..records import LimitHit, Segment, Unit
from .ooxml import (OFFICE_DOCUMENT, WINDOW, OfficeError, damaged, guarded, listed, read_part, rel_elements, rels_part,
                    row_segment, xml)
from .xmlstream import clear_read, iter_part

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_ROW, _C, _V, _IS, _SI, _T, _RUN = (_MAIN + t for t in ("row", "c", "v", "is", "si", "t", "r"))
_SHEET = re.compile(r"xl/worksheets/sheet(\d+)\.xml")
_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_CONVERT_ERRORS = (ValueError, TypeError, IndexError, OverflowError, KeyError)


def xlsx(unit: Unit, zf: Any) -> Iterator[Segment]:
    """Segments of an Excel workbook (see the module docstring), each sheet streamed."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

    names = set(zf.namelist())
    book, relations = _workbook_part(unit, zf, names)
    root = listed(unit, book, lambda: xml(read_part(zf, book)), None) if book in names else None
    props = root.find(_MAIN + "workbookPr") if root is not None else None
    epoch = CALENDAR_MAC_1904 if props is not None and (props.get("date1904") or "").lower() in ("1", "true") else CALENDAR_WINDOWS_1900
    targets = {rid: (rtype.rpartition("/")[2], target) for rid, rtype, target in relations or ()}
    strings = _Strings(zf.limits.max_shared_strings)
    part = _related(relations, "sharedStrings") or _by_content_type(unit, zf, names, _STRINGS_TYPE)
    if part in names:
        try:
            yield from strings.read(zf, part, unit)
        except OfficeError as exc:  # the strings after the damage are not known: their cells read empty
            strings.broken = True
            damaged(unit, part, exc)
    styles = _related(relations, "styles") or "xl/styles.xml"
    dates: tuple[set[int], set[int]] = (set(), set())
    if styles in names:
        try:
            dates = _date_styles(zf, styles)
        except OfficeError as exc:  # no date formats known: dates read as numbers
            damaged(unit, styles, exc)
    cells = _Cells(strings, epoch, *dates)
    for title, path, where, state in _sheets(root, relations, targets, names):
        unit.check_time(f"at sheet {title!r}")
        yield from guarded(unit, path, _rows(unit, zf, path, where, state, cells))
    if strings.missed:
        raise LimitHit("max_shared_strings", strings.message())


def _workbook_part(unit: Unit, zf: Any, names: set[str]) -> tuple[str, list[tuple[str, str, str]] | None]:
    """The workbook part and its relationships (None when they are damaged: reported)."""
    package = listed(unit, "_rels/.rels", lambda: rel_elements(zf, names, ""), [])
    book = next((t for _, kind, t in package if kind == OFFICE_DOCUMENT), None)
    book = book if book in names else "xl/workbook.xml"
    if book not in names and not any(_SHEET.fullmatch(n) for n in names):
        raise OfficeError("XLSX cannot be parsed: no workbook part")
    if book not in names:
        damaged(unit, book, OfficeError("missing; the sheets were found in the zip listing"), listing=True)
        return book, None
    return book, listed(unit, rels_part(book), lambda: rel_elements(zf, names, book), None)


def _sheets(root: Any, relations: list | None, targets: dict[str, tuple[str, str]], names: set[str]
            ) -> Iterator[tuple[str, str, dict[str, Any], str]]:
    """``(title, part, where, state)`` of every worksheet in workbook order; when the workbook or
    its relationships are damaged (reported), every ``xl/worksheets/sheetN.xml`` by number,
    ``where`` = ``{"sheet": "sheetN", "part": name}``, its state ``unknown``."""
    if root is not None and relations is not None:
        for sheet in root.iter(_MAIN + "sheet"):
            kind, path = targets.get(sheet.get(_R + "id", ""), ("", ""))
            if kind != "chartsheet" and path in names:
                title = sheet.get("name", "")
                yield title, path, {"sheet": title}, sheet.get("state", "visible")
        return
    found = sorted((int(m.group(1)), n) for n in names if (m := _SHEET.fullmatch(n)))
    for _, path in found:
        title = path.rpartition("/")[2][:-4]
        yield title, path, {"sheet": title, "part": path}, "unknown"


def _related(relations: list[tuple[str, str, str]] | None, kind: str) -> str | None:
    return next((target for _, rtype, target in relations or () if rtype.rpartition("/")[2] == kind), None)


def _by_content_type(unit: Unit, zf: Any, names: set[str], ctype: str) -> str | None:
    """The part of content type ``ctype`` (``xl/sharedStrings.xml`` when the content types are damaged: reported)."""
    if "[Content_Types].xml" not in names:
        return None
    types = listed(unit, "[Content_Types].xml", lambda: xml(read_part(zf, "[Content_Types].xml")), None)
    if types is None:
        return "xl/sharedStrings.xml"
    return next((o.get("PartName", "").lstrip("/") for o in types.iter(_CT + "Override")
                 if o.get("ContentType") == ctype), None)


def _date_styles(zf: Any, part: str) -> tuple[set[int], set[int]]:
    """The cell styles (``cellXfs`` indexes) whose number format is a date, and those that are a duration."""
    from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format

    root = xml(read_part(zf, part))
    custom = {n.get("numFmtId"): n.get("formatCode") for n in root.iter(_MAIN + "numFmt")}
    dates: set[int] = set()
    durations: set[int] = set()
    xfs = root.find(_MAIN + "cellXfs")
    for idx, xf in enumerate(xfs.iterfind(_MAIN + "xf") if xfs is not None else ()):
        ident = xf.get("numFmtId", "0")
        fmt = custom[ident] if ident in custom else builtin_format_code(int(ident)) if ident.isdigit() else None
        if is_date_format(fmt):
            dates.add(idx)
        if is_timedelta_format(fmt):
            durations.add(idx)
    return dates, durations


def _string(elem: Any) -> str:
    """A rich or plain string's text (``<si>`` or ``<is>``): its ``t``, then its runs' ``t``; phonetic runs left out."""
    plain, runs = [], []
    for child in elem:
        if child.tag == _T:
            plain.append(child.text or "")
        elif child.tag == _RUN:
            t = child.find(_T)
            if t is not None and t.text is not None:
                runs.append(t.text)
    return "".join(plain + runs)


class _Strings:
    """The shared-strings table, compact and bounded (see the module docstring)."""

    def __init__(self, budget: int) -> None:
        self.budget, self.blob, self.ends = budget, bytearray(), array("Q")
        self.kept = -1  # strings kept for their cells (-1: all of them so far)
        self.total = self.missed = 0
        self.broken = False  # the part was damaged: the strings after the damage read as empty

    def read(self, zf: Any, part: str, unit: Unit) -> Iterator[Segment]:
        """Read the table; yield the strings not kept, one per line, in windows."""
        self.part, lines, first, size = part, [], 0, 0
        for event, elem in iter_part(zf, part, unit, (_SI,), no_entities=_entities_forbidden):
            if event == "text":  # a piece of a string over 10 MB: not kept, scanned as it comes
                self._stop()
                yield elem.segment({"part": part}, "data")
                continue
            text = _string(elem).replace("x005F_", "")  # as openpyxl
            clear_read(elem)
            index, self.total = self.total, self.total + 1
            if not index & 4095:
                unit.check_time(f"in part {part} at string {index}")
            if self.kept < 0:
                data = text.encode("utf-8", "surrogatepass")
                if len(self.blob) + len(data) + 8 * (index + 1) <= self.budget:
                    self.blob += data
                    self.ends.append(len(self.blob))
                    continue
                self._stop()
            if not lines:
                first = index
            lines.append(text)
            size += len(text) + 1
            if size > WINDOW:
                yield Segment("\n".join(lines), "data", where={"part": part, "strings": [first, index]})
                lines, size = [], 0
        if lines:
            yield Segment("\n".join(lines), "data", where={"part": part, "strings": [first, self.total - 1]})

    def _stop(self) -> None:
        if self.kept < 0:
            self.kept = len(self.ends)

    def __getitem__(self, index: int) -> str | None:
        """The string at ``index``, or None (counted in ``missed``) when it was not kept."""
        if index >= self.total and self.broken:
            return None
        if index < 0 or index >= self.total:
            raise IndexError(f"shared string {index} of {self.total}")
        if 0 <= self.kept <= index:
            self.missed += 1
            return None
        return self.blob[self.ends[index - 1] if index else 0:self.ends[index]].decode("utf-8", "surrogatepass")

    def message(self) -> str:
        return (f"shared strings not kept for their cells (the table is larger than max_shared_strings="
                f"{self.budget} bytes, or a string is over 10 MB): {self.kept} of {self.total} kept, "
                f"{self.missed} cell(s) refer to the others, which were scanned on their own "
                f"(part {self.part}, \"strings\": [first, last]); their rows lack those cells' text")


class _Cells:
    """A cell's value as openpyxl gives it (cached values): the shared strings, date styles and epoch."""

    def __init__(self, strings: _Strings, epoch: Any, dates: set[int], durations: set[int]) -> None:
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        self.strings, self.epoch, self.dates, self.durations = strings, epoch, dates, durations
        self.from_excel, self.from_iso = from_excel, from_ISO8601

    def value(self, c: Any) -> Any:
        kind = c.get("t", "n")
        if kind == "inlineStr":
            inline = c.find(_IS)
            return _string(inline) if inline is not None else None
        value = c.findtext(_V) or None
        if value is None or kind in ("str", "e"):
            return value
        if kind == "n":
            number = float(value) if "." in value or "E" in value or "e" in value else int(value)
            style = int(c.get("s") or 0)
            if style not in self.dates:
                return number
            try:
                return self.from_excel(number, self.epoch, timedelta=style in self.durations)
            except (OverflowError, ValueError):
                return "#VALUE!"
        if kind == "s":
            return self.strings[int(value)]
        if kind == "b":
            return bool(int(value))
        if kind == "d":
            return self.from_iso(value)
        return value


def _rows(unit: Unit, zf: Any, path: str, where: dict[str, Any], state: str, cells: _Cells) -> Iterator[Segment]:
    from openpyxl.utils import coordinate_to_tuple, get_column_letter

    events = iter_part(zf, path, unit, (_ROW,), no_entities=_entities_forbidden)
    row_number = 0
    for n, (event, elem) in enumerate(events):
        if not n & 4095:
            unit.check_time(f"at sheet {where['sheet']!r} row {n + 1}")
        if event == "text":  # a piece of a text run over 10 MB (streaming parse)
            yield elem.segment({**where, "part": path}, "data")
            continue
        try:
            row_number = _row_number(elem.get("r"), row_number)
            by_column: dict[int, tuple[int, Any]] = {}  # a cell written twice: the last one, as openpyxl
            column = 0
            for c in elem.iterchildren(_C):
                coordinate = c.get("r")
                row, column = coordinate_to_tuple(coordinate) if coordinate else (row_number, column + 1)
                by_column[column] = (row, cells.value(c))
        except _CONVERT_ERRORS as exc:  # a bad row number or coordinate, a cell that cannot be converted
            raise OfficeError(f"XLSX cannot be read: {type(exc).__name__}: {exc}") from exc
        clear_read(elem)
        texts, coords, r = [], [], None
        for column in sorted(by_column):
            row, value = by_column[column]
            if value is None or str(value).strip() == "":
                continue
            r = row
            texts.append(str(value))
            coords.append(f"{get_column_letter(column)}{r}")
        if texts:
            yield row_segment(texts, {**where, "cell": coords[0], "row": r, "cells": coords, "sheet_state": state},
                              context="data")


def _row_number(attr: str | None, before: int) -> int:
    if attr is None:
        return before + 1
    try:
        return int(attr)
    except ValueError:
        value = float(attr)
        if not value.is_integer():
            raise ValueError(f"{attr} is not a valid row number") from None
        return int(value)


def _entities_forbidden(entity: Any) -> OfficeError:
    return OfficeError("XLSX cannot be parsed: EntitiesForbidden: a worksheet declares entities")
