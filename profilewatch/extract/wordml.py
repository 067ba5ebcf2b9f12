"""DOCX (WordprocessingML) streamed: every part with text, paragraph by paragraph, row by row.

Library choice: ``lxml.etree.iterparse`` over the zip member stream (:func:`.xmlstream.iter_part`),
not python-docx, which builds the whole part as an lxml tree with a Python proxy per element
(a 240 MB ``word/document.xml`` peaked at 2.4 GB), and reads only body, table and header/footer
paragraphs.  Each paragraph and each top-level table row is turned into its segments at its
end tag and then cleared, so memory holds one paragraph or one row (with its nested tables).

Parts read, in this order (``where["part"]`` names the part for all but the main one):

* the main document body;
* section by section (``w:sectPr`` in document order), each header and footer part the section
  references itself (default, first, even; not linked to the previous section), ``{"header": s,
  "part": name, "paragraph": n}`` / ``{"footer": s, ...}``; then the header and footer parts no
  section references (``{"part": name, "paragraph": n}``);
* footnotes ``{"part": name, "footnote": id, "paragraph": n}``, endnotes (``"endnote"``) and
  comments (``{"part": name, "comment": id, "author": a, "paragraph": n}``), found by the main
  part's relationships.

In every part, a *holder* of paragraphs is the part's body (``w:body``, ``w:hdr``, ``w:ftr``), a
note, a comment, or a text box (``w:txbxContent``, in DrawingML or VML; numbered across the
document, ``{"textbox": k, "paragraph": n}``, yielded before the paragraph it is anchored in;
of a text box written twice in ``mc:AlternateContent`` only the branch Office reads, so its text
is found once).  Content controls (``w:sdt``) and custom XML around paragraphs, rows and cells
are looked through.  A holder's paragraphs are numbered from 1, empty ones too; tables are
numbered across the document (``{"table": t, "row": r, "cell_starts": [...]}``, rows and
cells as :func:`.wordtext.row_segments` gives them).  A paragraph's text is
:func:`.wordtext.paragraph_texts`: tracked insertions are read; when it has tracked
deletions, a second segment gives it as it read before them (``"revision": "deleted"``).  A
text run over 10 MB (streaming parse, :mod:`.xmlstream`) comes in segments of its own
``{"part": name, "text_node": k, "window": i}``.  A part in which :data:`.xmlstream.QUIET` bytes
(4 MB) in a row end no paragraph, row or table is read by the streaming parse, which gives each run's end
(normal parts pay nothing for run events), and there a paragraph of more than :data:`RUNS` runs
is read in pieces: every :data:`RUNS` runs, the runs and wrappers read to their end are turned into
text and dropped (its properties kept), so memory holds one piece (a paragraph of 240 MB of runs
took 2.4 GB whole); its text is the one segment a whole read gives while it stays within
:data:`.ooxml.WINDOW` characters, else windows cut at a line, sentence or word end
(``{"paragraph": n, "window": i}``, :class:`.ooxml.Pieces`; with ``"revision": "deleted"`` too
for its text before tracked deletions).  A paragraph in a table cell is read whole with its row.

A damaged part (bad XML, bad deflate) is read up to the damage and reported, and the next part
is read (:func:`.ooxml.guarded`: the unit ends ``partial``); the main part's damage leaves the
sections after it unknown, so the headers and footers are then read as parts no section
references.  A package without a readable main part, relationships or content types is an error.

Not read: the glossary document (building blocks), charts, SmartArt diagrams, equations
(``m:oMath``), embedded objects (``w:object``, ``altChunk``) and field codes.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..records import Segment, Unit
from .ooxml import (OFFICE_DOCUMENT, OfficeError, Pieces, damaged, guarded, listed, read_part, rel_elements, rels_part,
                    unchosen, xml)
from .wordtext import P, PPR, RUN, TBL, TR, W, paragraph_parts, paragraph_texts, row_segments, up
from .xmlstream import clear_read, iter_part

_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_DOCUMENT = "word/document.xml"
MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_SECT, _BODY, _BOX = W + "sectPr", W + "body", W + "txbxContent"
_NOTES = {W + "footnote": "footnote", W + "endnote": "endnote", W + "comment": "comment"}
_HOLDERS = frozenset((_BODY, W + "hdr", W + "ftr", _BOX, *_NOTES))
_TAGS = (P, TR, TBL, _SECT, *_NOTES)
_KINDS = (("header", W + "headerReference"), ("footer", W + "footerReference"))
_TYPES = ("default", "first", "even")
_OTHERS = ("header", "footer", "footnotes", "endnotes", "comments")
_COUNT, _NUMBER = "{urn:profilewatch}paragraphs", "{urn:profilewatch}textbox"


def docx(unit: Unit, zf: Any) -> Iterator[Segment]:
    """Segments of a Word document (see the module docstring), each part streamed."""
    names = set(zf.namelist())
    main = _main_part(unit, zf, names)
    relations = listed(unit, rels_part(main), lambda: rel_elements(zf, names, main), None)
    if relations is None:  # the main part's relationships are damaged: its other parts by their usual names
        relations = [("", kind, name) for name in sorted(names, key=_numbered)
                     if (kind := _usual(name)) is not None]
    targets = {rid: target for rid, _, target in relations}
    counters = {"table": 0, "textbox": 0}
    sections: list[dict[str, list[str]]] = []
    yield from guarded(unit, main, _part(zf, main, unit, {}, counters, sections, targets))
    done = {main}
    for number, refs in enumerate(sections, 1):
        for kind, _ in _KINDS:
            for part in refs[kind]:
                if part in names and part not in done:
                    done.add(part)
                    yield from guarded(unit, part, _part(zf, part, unit, {kind: number, "part": part}, counters))
    for kind in _OTHERS:
        for _, rtype, part in relations:
            if rtype.rpartition("/")[2] == kind and part in names and part not in done:
                done.add(part)
                yield from guarded(unit, part, _part(zf, part, unit, {"part": part}, counters))


def _usual(name: str) -> str | None:
    """The kind of a part by its usual name (``word/header2.xml``: header), or None."""
    match = re.fullmatch(r"word/(header|footer)\d*\.xml|word/(footnotes|endnotes|comments)\.xml", name)
    return match and (match.group(1) or match.group(2))


def _numbered(name: str) -> tuple[str, int]:
    match = re.fullmatch(r"(.*?)(\d*)\.xml", name)
    return (match.group(1), int(match.group(2) or 0)) if match else (name, 0)


def _main_part(unit: Unit, zf: Any, names: set[str]) -> str:
    """The main document part, and its content type checked.  Damaged or missing package
    relationships or content types are reported (:func:`.ooxml.listed`): the main part is then
    ``word/document.xml`` and its content type is not checked."""
    package = listed(unit, "_rels/.rels", lambda: rel_elements(zf, names, ""), [])
    main = next((t for _, kind, t in package if kind == OFFICE_DOCUMENT), None)
    if main is None or main not in names:
        if _DOCUMENT not in names:
            raise OfficeError("DOCX cannot be parsed: no main document part")
        if package:
            damaged(unit, "_rels/.rels", OfficeError(f"no main document part named; {_DOCUMENT} read"), listing=True)
        elif "_rels/.rels" not in names:
            damaged(unit, "_rels/.rels", OfficeError(f"missing; {_DOCUMENT} read"), listing=True)
        main = _DOCUMENT
    if "[Content_Types].xml" not in names:
        damaged(unit, "[Content_Types].xml", OfficeError("missing; the main part's type is not checked"), listing=True)
        return main
    types = listed(unit, "[Content_Types].xml", lambda: xml(read_part(zf, "[Content_Types].xml")), None)
    if types is None:
        return main
    ctype = next((o.get("ContentType") for o in types.iter(f"{_CT}Override")
                  if o.get("PartName", "").lstrip("/") == main), None)
    if ctype is None:
        ext = main.rpartition(".")[2].lower()
        ctype = next((d.get("ContentType") for d in types.iter(f"{_CT}Default")
                      if d.get("Extension", "").lower() == ext), None)
    if ctype != MAIN_TYPE:
        raise OfficeError(f"DOCX cannot be parsed: not a Word document, content type is {ctype!r}")
    return main


RUNS = 4096
"""A paragraph read whole up to this many runs; past them, its runs are read in pieces (:class:`_Long`)."""


def _part(zf: Any, part: str, unit: Unit, where: dict[str, Any], counters: dict[str, int],
          sections: list | None = None, targets: dict[str, str] | None = None) -> Iterator[Segment]:
    """Segments of one part: paragraphs and top-level table rows at their end tags."""
    tables: dict[Any, tuple[int, dict[str, Any]]] = {}  # the top-level tables being read: number, row state
    place = _Holder(where, counters)
    longs: dict[Any, _Long] = {}  # the paragraphs read in pieces so far
    run_p, runs = None, 0  # the paragraph of the last run read and its runs since its last piece
    for n, (event, elem) in enumerate(iter_part(zf, part, unit, _TAGS, pieces=(RUN,)), 1):
        if not n & 1023:
            unit.check_time(f"in part {part} at element {n}")
        if event == "text":  # a piece of a text run over 10 MB (streaming parse)
            if elem.holder is None or not unchosen(elem.holder):
                yield elem.segment({"part": part, **where})
            continue
        tag = elem.tag
        if tag == RUN:  # counted; a paragraph of more than RUNS runs is read in pieces
            child, p = elem, elem.getparent()
            while p is not None and p.tag != P:
                child, p = p, p.getparent()
            if p is not run_p:
                run_p, runs = p, 0
            runs += 1
            if runs >= RUNS and p is not None:
                runs = 0
                yield from _piece(p, p.index(child) + (child is elem), place, longs)
            continue  # not cleared: read with its paragraph
        if tag == P:
            outer = place.of(elem)
            if outer is None:
                continue  # read with the row or paragraph it is in
            if outer is False:
                clear_read(elem)  # the copy of a text box Office does not read
                continue
            place.count += 1
            at = {**place.base, "paragraph": place.count}
            long = longs.pop(elem, None)
            if long is not None:
                yield from long.finish(paragraph_parts(elem), at)
            else:
                now, before = paragraph_texts(elem)
                if now.strip():
                    yield Segment(text=now, context="prose", where=at)
                if before is not None and before.strip():
                    yield Segment(text=before, context="prose", where={**at, "revision": "deleted"})
            if sections is not None and outer.tag == _BODY:
                ppr = elem.find(PPR)
                sect = ppr.find(_SECT) if ppr is not None else None
                if sect is not None:
                    sections.append(_section_refs(sect, targets or {}))
        elif tag == TR:
            tbl = up(elem)
            outer = up(tbl) if tbl is not None and tbl.tag == TBL else None
            if outer is None or outer.tag not in _HOLDERS:
                continue  # a nested row: read with its outer row
            if outer.tag == _BOX and _box(outer, counters) == 0:
                clear_read(elem)
                continue
            if tbl not in tables:
                counters["table"] += 1
                tables[tbl] = (counters["table"], {"rows": 0, "above": {}})
            number, state = tables[tbl]
            yield from row_segments(elem, {**_where(outer, where, counters), "table": number}, state)
        elif tag == TBL:
            outer = up(elem)
            if outer is None or outer.tag not in _HOLDERS:
                continue
            if tables.pop(elem, None) is None and not (outer.tag == _BOX and _box(outer, counters) == 0):
                counters["table"] += 1  # a table without rows still counts
        elif tag == _SECT:
            parent = elem.getparent()
            if parent is None or parent.tag != _BODY:
                continue  # a paragraph's section properties: read with the paragraph
            if sections is not None:
                sections.append(_section_refs(elem, targets or {}))
        elif elem is place.elem:  # a note or comment read to its end
            place.elem, place.base = None, where
        clear_read(elem)


class _Holder:
    """The holder of the paragraphs being read (body, note, comment, text box), its paragraphs so
    far and their locator."""

    def __init__(self, where: dict[str, Any], counters: dict[str, int]) -> None:
        self.where, self.counters = where, counters
        self.elem, self.count, self.base = None, 0, where

    def of(self, p: Any) -> Any:
        """The holder of paragraph ``p``, made the current one; None when ``p`` is read with the row
        or paragraph it is in, False when it is in the copy of a text box Office does not read."""
        outer = p.getparent()
        if outer is self.elem:
            return outer
        outer = up(p)
        if outer is None or outer.tag not in _HOLDERS:
            return None
        if outer.tag == _BOX and _box(outer, self.counters) == 0:
            return False
        if outer is not self.elem:
            if self.elem is not None:
                self.elem.set(_COUNT, str(self.count))
            self.elem, self.count = outer, int(outer.get(_COUNT, "0"))
            self.base = _where(outer, self.where, self.counters)
        return outer


class _Long:
    """A paragraph of more than :data:`RUNS` runs, read in pieces: its text now and before its
    tracked deletions (:class:`.ooxml.Pieces`: one segment each as a whole read gives them, or
    windows past :data:`.ooxml.WINDOW`; the text before deletions only once some was deleted)."""

    def __init__(self) -> None:
        self.now, self.before, self.deleted = Pieces(), Pieces(), False

    def add(self, parts: tuple[str, str, bool], at: dict[str, Any]) -> Iterator[Segment]:
        yield from self.now.add(parts[0], at)
        self.deleted = self.deleted or parts[2]
        for window in self.before.add(parts[1], {**at, "revision": "deleted"}):
            if self.deleted:  # before any deletion, the text before is the text now's: not given twice
                yield window

    def finish(self, parts: tuple[str, str, bool], at: dict[str, Any]) -> Iterator[Segment]:
        yield from self.now.finish(parts[0], at)
        self.deleted = self.deleted or parts[2]
        for window in self.before.finish(parts[1], {**at, "revision": "deleted"}):
            if self.deleted:
                yield window


def _piece(p: Any, end: int, place: _Holder, longs: dict[Any, _Long]) -> Iterator[Segment]:
    """Read and drop the first ``end`` children of paragraph ``p`` (all read to their end; its
    properties kept): a piece of a paragraph of many runs."""
    outer = place.of(p)
    if outer is None:
        return  # a paragraph in a table row: read whole with its row
    kids = [c for c in p[:end] if c.tag != PPR]
    if outer is not False:
        long = longs.setdefault(p, _Long())
        yield from long.add(paragraph_parts(kids), {**place.base, "paragraph": place.count + 1})
    for c in kids:
        p.remove(c)


def _box(box: Any, counters: dict[str, int]) -> int:
    """A text box's number (0: a copy in an ``mc:AlternateContent`` branch that is not read)."""
    number = box.get(_NUMBER)
    if number is None:
        if unchosen(box):
            number = "0"
        else:
            counters["textbox"] += 1
            number = str(counters["textbox"])
        box.set(_NUMBER, number)
    return int(number)


def _where(holder: Any, where: dict[str, Any], counters: dict[str, int]) -> dict[str, Any]:
    """The locator of a holder's blocks: the part's, and the note, comment or text box."""
    tag = holder.tag
    if tag == _BOX:
        return {**where, "textbox": _box(holder, counters)}
    kind = _NOTES.get(tag)
    if kind is None:
        return where
    ident = holder.get(W + "id", "")
    out = {**where, kind: int(ident) if ident.lstrip("-").isdigit() else ident}
    if kind == "comment" and holder.get(W + "author"):
        out["author"] = holder.get(W + "author")
    return out


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
