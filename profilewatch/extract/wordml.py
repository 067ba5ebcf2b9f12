"""DOCX (WordprocessingML) streamed: body paragraphs and table rows as they are unpacked.

Library choice: ``lxml.etree.iterparse`` over the zip member stream (:func:`.ooxml.iter_part`),
not python-docx, which builds the whole part as an lxml tree with a Python proxy per element
(a 240 MB ``word/document.xml`` peaked at 2.4 GB).  Each body paragraph and each top-level
table row is turned into its segment at its end tag and then cleared, so memory holds one
paragraph or one row (with its nested tables) at a time.

The segments and locators are those python-docx gave (``profilewatch.extract.office`` before
this module), element for element:

* blocks are the ``w:p`` and ``w:tbl`` children of ``w:body`` (and of ``w:hdr``/``w:ftr``); a
  paragraph's text is its ``w:r`` and ``w:hyperlink/w:r`` runs, a run's text its ``w:t``,
  ``w:tab``/``w:ptab`` (tab), ``w:br`` (newline for a text-wrapping break, nothing for page and
  column breaks), ``w:cr`` (newline) and ``w:noBreakHyphen`` (``-``); ``where`` =
  ``{"paragraph": n}`` (every body paragraph counts, empty ones too);
* a table row is one segment (``{"table": t, "row": r, "cell_starts": [...]}``), a cell's text
  its direct paragraphs joined with a space; a cell spanning grid columns is read once, a
  vertically merged continuation cell reads as the cell it continues; nested tables follow
  their row (``"nested": true``, numbered by the outer table);
* then, section by section (``w:sectPr`` in document order), each header and footer part the
  section references itself (not linked to the previous section), ``{"header": s, "paragraph":
  n}`` / ``{"footer": s, ...}``; the paragraph count restarts in every part, the table count
  goes on.
"""
from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import Any

from ..records import Segment, Unit
from .ooxml import OFFICE_DOCUMENT, OfficeError, clear_read, iter_part, read_part, rel_elements, row_segment, xml

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_P, _TBL, _TR, _TC, _R_RUN, _LINK = W + "p", W + "tbl", W + "tr", W + "tc", W + "r", W + "hyperlink"
_SECT = W + "sectPr"
_RUN_TEXT = {W + "tab": "\t", W + "ptab": "\t", W + "cr": "\n", W + "noBreakHyphen": "-"}
_KINDS = (("header", W + "headerReference"), ("footer", W + "footerReference"))
_TYPES = ("default", "first", "even")  # python-docx: header, first_page_header, even_page_header


def docx(unit: Unit, zf: zipfile.ZipFile) -> Iterator[Segment]:
    """Segments of a Word document (see the module docstring), the part streamed."""
    names = set(zf.namelist())
    main = _main_part(zf, names)
    targets = {rid: target for rid, _, target in rel_elements(zf, names, main)}
    counters = {"paragraph": 0, "table": 0}
    sections: list[dict[str, list[str]]] = []
    yield from _blocks(zf, main, W + "body", unit, {}, counters, sections, targets)
    for number, refs in enumerate(sections, 1):
        for kind, _ in _KINDS:
            for part in refs[kind]:
                if part in names:
                    counters["paragraph"] = 0
                    root = W + ("hdr" if kind == "header" else "ftr")
                    yield from _blocks(zf, part, root, unit, {kind: number}, counters, None, targets)


def _main_part(zf: zipfile.ZipFile, names: set[str]) -> str:
    main = next((t for _, kind, t in rel_elements(zf, names, "") if kind == OFFICE_DOCUMENT), None)
    if main is None or main not in names:
        raise OfficeError("DOCX cannot be parsed: no main document part")
    if "[Content_Types].xml" not in names:
        raise OfficeError("DOCX cannot be parsed: no [Content_Types].xml")
    types = xml(read_part(zf, "[Content_Types].xml"))
    ctype = next((o.get("ContentType") for o in types.iter(f"{_CT}Override")
                  if o.get("PartName", "").lstrip("/") == main), None)
    if ctype is None:
        ext = main.rpartition(".")[2].lower()
        ctype = next((d.get("ContentType") for d in types.iter(f"{_CT}Default")
                      if d.get("Extension", "").lower() == ext), None)
    if ctype != MAIN_TYPE:
        raise OfficeError(f"DOCX cannot be parsed: not a Word document, content type is {ctype!r}")
    return main


def _blocks(zf: zipfile.ZipFile, part: str, container: str, unit: Unit, where: dict[str, Any],
            counters: dict[str, int], sections: list | None, targets: dict[str, str]) -> Iterator[Segment]:
    """Segments of the blocks of one part: paragraphs and top-level table rows at their end tags."""
    table: Any = None  # the top-level w:tbl being read, and the state of its rows
    state: dict[str, Any] = {}
    events = 0
    for _, elem in iter_part(zf, part, unit, (_P, _TR, _TBL, _SECT)):
        parent = elem.getparent()
        tag = elem.tag
        events += 1
        if not events & 1023:
            unit.check_time(f"at DOCX paragraph {counters['paragraph']}")
        if tag == _TR:
            tbl = parent
            if tbl is None or tbl.getparent() is None or tbl.getparent().tag != container:
                continue  # a nested row: read with its outer row
            if tbl is not table:
                table, state = tbl, {"rows": 0, "above": {}}
                counters["table"] += 1
            yield from _row(elem, {**where, "table": counters["table"]}, state)
            clear_read(elem)
            continue
        if parent is None or parent.tag != container:
            continue
        if tag == _P:
            counters["paragraph"] += 1
            text = paragraph_text(elem)
            if text.strip():
                yield Segment(text=text, context="prose", where={**where, "paragraph": counters["paragraph"]})
            if sections is not None:
                ppr = elem.find(W + "pPr")
                sect = ppr.find(_SECT) if ppr is not None else None
                if sect is not None:
                    sections.append(_section_refs(sect, targets))
        elif tag == _TBL:
            if elem is not table:  # a table without rows still counts
                counters["table"] += 1
            table = None
        elif tag == _SECT and sections is not None:
            sections.append(_section_refs(elem, targets))
        clear_read(elem)


def _section_refs(sect: Any, targets: dict[str, str]) -> dict[str, list[str]]:
    """The header and footer parts a section defines itself, once each, in python-docx's order."""
    out: dict[str, list[str]] = {}
    for kind, ref_tag in _KINDS:
        parts: list[str] = []
        for kind_type in _TYPES:
            ref = next((r for r in sect.findall(ref_tag) if r.get(W + "type") == kind_type), None)
            target = targets.get(ref.get(_R + "id", "")) if ref is not None else None
            if target and target not in parts:
                parts.append(target)
        out[kind] = parts
    return out


def paragraph_text(p: Any) -> str:
    """A paragraph's text as python-docx gives it (runs and hyperlinks' runs)."""
    out: list[str] = []
    for child in p:
        if child.tag == _R_RUN:
            _run_text(child, out)
        elif child.tag == _LINK:
            for run in child.iterchildren(_R_RUN):
                _run_text(run, out)
    return "".join(out)


def _run_text(run: Any, out: list[str]) -> None:
    for e in run:
        tag = e.tag
        if tag == W + "t":
            out.append(e.text or "")
        elif tag == W + "br":
            if e.get(W + "type", "textWrapping") == "textWrapping":
                out.append("\n")
        elif tag in _RUN_TEXT:
            out.append(_RUN_TEXT[tag])


def _row(tr: Any, where: dict[str, Any], state: dict[str, Any]) -> Iterator[Segment]:
    """The segment of one table row, then the rows of the tables nested in its cells.

    ``state["above"]`` maps the grid offset of each cell of the row before to the cell it
    reads as (``(key, text)``), for vertically merged cells."""
    state["rows"] += 1
    number = state["rows"]
    props = tr.find(W + "trPr")
    offset = _int(props.find(W + "gridBefore") if props is not None else None, 0)
    above, here = state["above"], {}
    cells: list[str] = []
    seen: set[tuple[int, int]] = set()
    fresh: list[Any] = []
    for tc in tr.iterchildren(_TC):
        tc_props = tc.find(W + "tcPr")
        span = _int(tc_props.find(W + "gridSpan") if tc_props is not None else None, 1)
        merge = tc_props.find(W + "vMerge") if tc_props is not None else None
        if merge is not None and merge.get(W + "val", "continue") == "continue" and offset in above:
            key, text = above[offset]
        else:
            key, text = (number, offset), " ".join(paragraph_text(p) for p in tc.iterchildren(_P))
            fresh.append(tc)
        here[offset] = (key, text)
        offset += span
        if key not in seen:  # a merged cell is read once
            seen.add(key)
            cells.append(text)
    state["above"] = here
    segment = row_segment(cells, {**where, "row": number})
    if segment:
        yield segment
    for tc in fresh:
        for inner in tc.iterchildren(_TBL):
            inner_state = {"rows": 0, "above": {}}
            for inner_tr in inner.iterchildren(_TR):
                yield from _row(inner_tr, {**where, "row": number, "nested": True}, inner_state)


def _int(elem: Any, default: int) -> int:
    if elem is None:
        return default
    try:
        return int(elem.get(W + "val", default))
    except ValueError:
        return default
