"""OpenDocument (ODT, ODS, ODP) ``content.xml`` streamed: paragraphs, table rows, pages.

``content.xml`` is read with ``lxml.etree.iterparse`` over the zip stream
(:func:`.ooxml.iter_part`), not parsed whole (a 240 MB ``content.xml`` took 1.3 GB as one
tree).  Each unit below is turned into its segment at its end tag and cleared, a table row by
row and a page paragraph by paragraph, and the lists, sections and frames around them once
read, so memory holds one paragraph, one row or one page's text at a time.

The segments and locators are those of the whole-part walk, element for element.  A *unit* is
an element ``text:p``, ``text:h``, ``table:table`` or ``draw:page`` inside no other unit:

* a paragraph or heading, ``{"paragraph": n}`` (units only are counted, empty ones too), its
  text every text inside it;
* a table, one segment per row (``{"table": name, "row": r, "cell_starts": [...]}``, cells
  joined with `` | ``), its rows numbered in document order across nested tables, header
  rows and row groups; a cell's text every text inside it;
* a presentation page, ``{"slide": n}``, one line per non-blank paragraph inside it at any
  depth (a paragraph nested in another read after it), in windows cut between paragraphs past
  4 MB of text (``{"slide": n, "window": i}``, :class:`.ooxml.TextWindow`); at a limit inside
  a page, its text read so far is yielded before the limit is raised.

Damage in ``content.xml`` (bad XML, bad deflate) ends the reading there: the segments read
before it (and the page read so far) are kept, an error record names the part, and the unit
ends ``partial`` (issue 12).  Only ``content.xml`` is read, so damage in ``styles.xml``,
``meta.xml`` or any other part is not met.  ODF has no ``mc:AlternateContent``: a frame's
alternatives (``draw:image`` replacements of an object) hold no text boxes twice.

A text run over 10 MB (:mod:`.xmlstream`) comes in pieces of 4 MB: in a page, lines of the
page; elsewhere segments ``{"part": "content.xml", "text_node": k, "window": i}``.

A part declaring entities is refused (defusedxml's ``EntitiesForbidden``, as before);
processing instructions and comments are dropped.
"""
from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import Any

from ..records import LimitHit, Segment, Unit
from .ooxml import OfficeError, TextWindow, damaged, row_segment
from .xmlstream import clear_read, entities_forbidden, iter_part

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
_P, _H, _TBL, _ROW, _PAGE = _TEXT + "p", _TEXT + "h", _TABLE + "table", _TABLE + "table-row", _DRAW + "page"
_UNITS = (_P, _H, _TBL, _PAGE)
_CELLS = (_TABLE + "table-cell", _TABLE + "covered-table-cell")
_CONTAINERS = (*(_TEXT + t for t in ("list", "list-item", "list-header", "section", "index-body", "tracked-changes")),
               _DRAW + "frame", _DRAW + "text-box", _DRAW + "g", _TABLE + "table-row-group", _TABLE + "table-rows")


def odf(unit: Unit, zf: zipfile.ZipFile) -> Iterator[Segment]:
    """Segments of an OpenDocument file (see the module docstring), ``content.xml`` streamed."""
    if "content.xml" not in zf.namelist():
        raise OfficeError("OpenDocument package without content.xml")
    counters = {"paragraph": 0, "slide": 0}
    page = [TextWindow({"slide": 1})]  # the lines of the page being read
    events = iter_part(zf, "content.xml", unit, (*_UNITS, _ROW, *_CONTAINERS),
                       no_entities=entities_forbidden, strip_pis=True)
    try:
        yield from _segments(unit, events, counters, page)
    except LimitHit:  # the page being read keeps the text read so far
        yield from page[0].flush()
        raise
    except OfficeError as exc:  # damage: the text read so far is kept, the damage reported
        yield from page[0].flush()
        damaged(unit, "content.xml", exc)


def _segments(unit: Unit, events: Iterator[Any], counters: dict[str, int], page: list[TextWindow]) -> Iterator[Segment]:
    table, rows = None, 0  # the top-level table being read, and its rows so far
    for n, (event, elem) in enumerate(events, 1):
        if not n & 1023:
            unit.check_time(f"at ODF paragraph {counters['paragraph']}")
        if event == "text":  # a piece of a text run over 10 MB (streaming parse)
            holder = elem.holder
            if holder is not None and (holder.tag == _PAGE or next(holder.iterancestors(_PAGE), None) is not None):
                yield from page[0].add(elem.text)
            else:
                yield elem.segment({"part": "content.xml"})
            continue
        tag = elem.tag
        top = None  # the outermost unit holding elem
        for top in elem.iterancestors(*_UNITS):
            pass
        if top is None:
            if tag in (_P, _H):
                counters["paragraph"] += 1
                text = "".join(elem.itertext())
                if text.strip():
                    yield Segment(text=text, context="prose", where={"paragraph": counters["paragraph"]})
            elif tag == _PAGE:
                counters["slide"] += 1
                yield from page[0].flush()
                page[0] = TextWindow({"slide": counters["slide"] + 1})
            elif tag == _TBL:
                table, rows = None, 0
        elif tag == _ROW and top.tag == _TBL and next(elem.iterancestors(_ROW), None) is None:
            if top is not table:
                table, rows = top, 0
            name = top.get(_TABLE + "name") or ""
            for row in elem.iter(_ROW):  # the row, then the rows of tables nested in its cells
                rows += 1
                cells = ["".join(cell.itertext()) for cell in row if cell.tag in _CELLS]
                segment = row_segment(cells, {"table": name, "row": rows})
                if segment:
                    yield segment
        elif tag in (_P, _H) and top.tag == _PAGE and next(elem.iterancestors(_P, _H), None) is None:
            for p in elem.iter(_P, _H):
                text = "".join(p.itertext())
                if text.strip():
                    yield from page[0].add(text)
        else:
            continue  # read with the unit holding it
        clear_read(elem)
