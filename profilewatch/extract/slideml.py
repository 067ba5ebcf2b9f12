"""PPTX (PresentationML) streamed: one segment per slide, one per slide's speaker notes.

Each slide part (and its notes part) is read with ``lxml.etree.iterparse`` over the zip stream
(:func:`.ooxml.iter_part`), not parsed whole: a 240 MB slide part took 2.3 GB as one tree.  A
drawing paragraph (``a:p``) is read at its end tag and cleared, and so are the shapes, group
shapes, frames, table rows and cells around it once read, so memory holds the slide's text and
one paragraph's XML at a time.

The segments and locators are those the whole-part parse gave, element for element:

* slides in presentation order (``p:sldIdLst`` and the presentation's relationships; else
  ``ppt/slides/slideN.xml`` by number), ``where`` = ``{"slide": n}``; the notes part the
  slide's relationships point at, ``{"slide": n, "notes": true}``;
* a slide's text is its paragraphs in document order (every ``a:p`` at any depth, a
  paragraph nested in another read after it), a paragraph's text its ``a:t`` texts, one line
  per paragraph that is not blank.  A slide whose text grows past 4 MB is yielded in windows
  cut between paragraphs (``{"slide": n, "window": i}``, :class:`.ooxml.TextWindow`); a text
  run over 10 MB (:mod:`.xmlstream`) comes in pieces of 4 MB, each a line of the slide.  At a
  limit inside a part, the text read so far is yielded before the limit is raised.  A part declaring entities is refused (defusedxml's
  ``EntitiesForbidden``, as before); processing instructions and comments are dropped.
* of a shape or text box written twice in ``mc:AlternateContent`` only the branch Office reads
  (:func:`.ooxml.chosen`, as DOCX), so its text is found once.

A damaged slide or notes part (bad XML, bad deflate) keeps the text read up to the damage as
its segment, gets an error record naming the part, and the next part is read (the unit ends
``partial``, issue 12); a damaged ``ppt/presentation.xml`` or its relationships is reported so
too (:func:`.ooxml.listed`) and the slides are read in the order of their names
(``ppt/slides/slideN.xml``, as for a presentation that lists none).
"""
from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from typing import Any

from ..records import LimitHit, Segment, Unit
from .ooxml import OfficeError, TextWindow, damaged, listed, read_part, rels, rels_part, unchosen, xml
from .xmlstream import clear_read, entities_forbidden, iter_part

_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_PARA, _PRESENTATION = _A + "p", "ppt/presentation.xml"
_TAGS = (_PARA, _A + "tr", _A + "tc", _MC + "AlternateContent",
         *(_P + t for t in ("sp", "grpSp", "graphicFrame", "cxnSp", "pic", "contentPart")))


def pptx(unit: Unit, zf: zipfile.ZipFile) -> Iterator[Segment]:
    """Segments of a PowerPoint presentation (see the module docstring), each slide streamed."""
    names = set(zf.namelist())
    for number, part in enumerate(_slide_order(unit, zf, names), 1):
        unit.check_time(f"at slide {number}")
        yield from _part_segment(zf, part, unit, {"slide": number})
        try:
            notes = _notes_part(zf, names, part)
        except OfficeError as exc:  # the slide's relationships are damaged: its notes are not found
            damaged(unit, rels_part(part), exc)
            continue
        if notes:
            yield from _part_segment(zf, notes, unit, {"slide": number, "notes": True})


def _part_segment(zf: zipfile.ZipFile, part: str, unit: Unit, where: dict[str, Any]) -> Iterator[Segment]:
    """The segment of one slide or notes part; at a limit, the text read so far, then the limit;
    at damage, the text read so far, and the damage reported (:func:`.ooxml.damaged`)."""
    window = TextWindow(where)
    try:
        for line in drawing_lines(zf, part, unit):
            yield from window.add(line)
    except LimitHit:
        yield from window.flush()
        raise
    except OfficeError as exc:
        yield from window.flush()
        damaged(unit, part, exc)
        return
    yield from window.flush()


def drawing_lines(zf: zipfile.ZipFile, part: str, unit: Unit) -> Iterator[str]:
    """The text of every non-blank drawing paragraph of ``part``, streamed."""
    events = iter_part(zf, part, unit, _TAGS, no_entities=entities_forbidden, strip_pis=True)
    for n, (event, elem) in enumerate(events, 1):
        if not n & 1023:
            unit.check_time(f"in part {part} at element {n}")
        if event == "text":  # a piece of a text run over 10 MB (streaming parse): a line of its own
            if elem.holder is None or not unchosen(elem.holder):
                yield elem.text
            continue
        if next(elem.iterancestors(_PARA), None) is not None:
            continue  # read with the paragraph it is in
        if elem.tag == _PARA and not unchosen(elem):
            for para in elem.iter(_PARA):
                text = "".join(t.text or "" for t in para.iter(_A + "t"))
                if text.strip():
                    yield text
        clear_read(elem)


def _slide_order(unit: Unit, zf: zipfile.ZipFile, names: set[str]) -> list[str]:
    """The slides in presentation order; when ``ppt/presentation.xml`` or its relationships are
    damaged (reported, :func:`.ooxml.listed`) or name none, ``ppt/slides/slideN.xml`` by number."""
    order: list[str] = []
    if _PRESENTATION in names:
        targets = listed(unit, rels_part(_PRESENTATION), lambda: rels(zf, names, _PRESENTATION), {})
        root = listed(unit, _PRESENTATION, lambda: xml(read_part(zf, _PRESENTATION)), None) if targets else None
        for sld in root.iter(f"{_P}sldId") if root is not None else ():
            target = targets.get(sld.get(f"{_R}id", ""))
            if target in names:
                order.append(target)
    if not order:
        found = [n for n in names if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)]
        order = sorted(found, key=lambda n: int(re.search(r"(\d+)\.xml$", n).group(1)))
    return order


def _notes_part(zf: zipfile.ZipFile, names: set[str], slide: str) -> str | None:
    for target in rels(zf, names, slide).values():
        if "notesSlide" in target and target in names:
            return target
    return None
