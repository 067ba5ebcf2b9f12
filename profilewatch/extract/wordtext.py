"""The text of WordprocessingML paragraphs and table rows, tracked changes included.

Contract:

* :func:`paragraph_texts` gives a paragraph's text as it reads now and, when the paragraph has
  tracked deletions, as it read before them (deleted text restored, tracked insertions left
  out) -- deleted text is evidence of what a document said.  Runs are read at any depth of
  hyperlinks, content controls (``w:sdt``), smart tags, custom XML, simple fields,
  bidirectional overrides and revisions (``w:ins``, ``w:del``, ``w:moveTo``, ``w:moveFrom``);
  of an ``mc:AlternateContent`` only the branch an Office reader takes (:func:`chosen`: the
  first ``mc:Choice``, else ``mc:Fallback``; shared with the other OOXML formats, :mod:`.ooxml`).  A run's text is its ``w:t`` and ``w:delText``,
  ``w:tab``/``w:ptab`` (tab), ``w:br`` (newline for a text-wrapping break, nothing for page
  and column breaks), ``w:cr`` (newline) and ``w:noBreakHyphen`` (``-``).  Field codes
  (``w:instrText``) are not text; drawings are not read here (their text boxes are paragraphs
  of their own, :mod:`.wordml`).
* :func:`row_segments` gives a table row's segment (cells joined with `` | ``) and, when it has
  deletions, the row as it read before them (``"revision": "deleted"``), then the rows of the
  tables nested in its cells (``"nested": true``).  A cell's text is its paragraphs joined
  with a space; a cell spanning grid columns is read once, a vertically merged continuation
  cell reads as the cell it continues.
* :func:`children` and :func:`up` see through block-level content controls and custom XML.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..records import Segment
from .ooxml import MC, chosen, row_segment

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
P, TBL, TR, TC, RUN, PPR = W + "p", W + "tbl", W + "tr", W + "tc", W + "r", W + "pPr"
_RUN, _T, _DEL_T, _BR = RUN, W + "t", W + "delText", W + "br"
_RUN_TEXT = {W + "tab": "\t", W + "ptab": "\t", W + "cr": "\n", W + "noBreakHyphen": "-"}
_INSERTED = frozenset((W + "ins", W + "moveTo"))
_DELETED = frozenset((W + "del", W + "moveFrom"))
_INLINE = frozenset((*_INSERTED, *_DELETED, *(W + t for t in (
    "hyperlink", "smartTag", "customXml", "sdt", "sdtContent", "fldSimple", "bdo", "dir"))))
_BLOCK_WRAP = frozenset(W + t for t in ("sdt", "sdtContent", "customXml"))
_ALT = MC + "AlternateContent"
_NOW, _ADDED, _GONE = 0, 1, 2


def paragraph_texts(p: Any) -> tuple[str, str | None]:
    """``(text now, text before its tracked deletions or None when it has none)``."""
    now, before, deleted = paragraph_parts(p)
    return now, before if deleted else None


def paragraph_parts(children: Any) -> tuple[str, str, bool]:
    """``(text now, text before the tracked deletions, whether any non-blank text was deleted)`` of a
    paragraph's ``children`` (the paragraph itself, or a list of some of its children in order: the
    texts of consecutive pieces join to the whole paragraph's, :mod:`.wordml` reads a paragraph of
    millions of runs so)."""
    plain: list[str] = []  # the common paragraph: runs only, no deletions
    for child in children:
        tag = child.tag
        if tag == _RUN:
            for e in child:
                piece = _piece(e)
                if piece is not None:
                    if e.tag == _DEL_T:
                        return _revised(children)
                    plain.append(piece)
        elif tag in _INLINE or tag == _ALT:
            return _revised(children)
    text = "".join(plain)
    return text, text, False


def _revised(children: Any) -> tuple[str, str, bool]:
    """:func:`paragraph_parts` of a paragraph with wrappers, revisions or alternate content."""
    now: list[str] = []
    before: list[str] = []
    deleted = False
    stack = [(iter(children), _NOW)]
    while stack:
        it, state = stack[-1]
        child = next(it, None)
        if child is None:
            stack.pop()
            continue
        tag = child.tag
        if tag == _RUN:
            for e in child:
                piece = _piece(e)
                if piece is None:
                    continue
                if state == _GONE or e.tag == _DEL_T:
                    before.append(piece)
                    deleted = deleted or bool(piece.strip())
                else:
                    now.append(piece)
                    if state == _NOW:
                        before.append(piece)
        elif tag in _INLINE:
            inner = _GONE if state == _GONE or tag in _DELETED else _ADDED if state == _ADDED or tag in _INSERTED else _NOW
            stack.append((iter(child), inner))
        elif tag == _ALT:
            branch = chosen(child)
            if branch is not None:
                stack.append((iter(branch), state))
    return "".join(now), "".join(before), deleted


def _piece(e: Any) -> str | None:
    tag = e.tag
    if tag == _T or tag == _DEL_T:
        return e.text or ""
    if tag == _BR:
        return "\n" if e.get(W + "type", "textWrapping") == "textWrapping" else None
    return _RUN_TEXT.get(tag)


def children(elem: Any, tag: str) -> Iterator[Any]:
    """The children of ``elem`` with ``tag``, those inside content controls and custom XML too."""
    stack = [iter(elem)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif child.tag == tag:
            yield child
        elif child.tag in _BLOCK_WRAP:
            stack.append(iter(child))


def up(elem: Any) -> Any:
    """The parent of ``elem``, past content controls and custom XML."""
    parent = elem.getparent()
    while parent is not None and parent.tag in _BLOCK_WRAP:
        parent = parent.getparent()
    return parent


def row_segments(tr: Any, where: dict[str, Any], state: dict[str, Any]) -> Iterator[Segment]:
    """The segments of one table row (see the module docstring).

    ``state["rows"]`` counts the table's rows; ``state["above"]`` maps the grid offset of each
    cell of the row before to the cell it reads as (``(key, texts)``), for vertically merged cells."""
    state["rows"] += 1
    number = state["rows"]
    props = tr.find(W + "trPr")
    offset = _int(props.find(W + "gridBefore") if props is not None else None, 0)
    above, here = state["above"], {}
    now: list[str] = []
    before: list[str] = []
    deleted = False
    seen: set[tuple[int, int]] = set()
    fresh: list[Any] = []
    for tc in children(tr, TC):
        tc_props = tc.find(W + "tcPr")
        span = _int(tc_props.find(W + "gridSpan") if tc_props is not None else None, 1)
        merge = tc_props.find(W + "vMerge") if tc_props is not None else None
        if merge is not None and merge.get(W + "val", "continue") == "continue" and offset in above:
            key, texts = above[offset]
        else:
            pairs = [paragraph_texts(p) for p in children(tc, P)]
            texts = (" ".join(t for t, _ in pairs), " ".join(t if b is None else b for t, b in pairs))
            key = (number, offset)
            deleted = deleted or any(b is not None for _, b in pairs)
            fresh.append(tc)
        here[offset] = (key, texts)
        offset += span
        if key not in seen:  # a merged cell is read once
            seen.add(key)
            now.append(texts[0])
            before.append(texts[1])
    state["above"] = here
    for cells, extra in [(now, {})] + ([(before, {"revision": "deleted"})] if deleted else []):
        segment = row_segment(cells, {**where, "row": number, **extra})
        if segment:
            yield segment
    for tc in fresh:
        for inner in children(tc, TBL):
            inner_state = {"rows": 0, "above": {}}
            for inner_tr in children(inner, TR):
                yield from row_segments(inner_tr, {**where, "row": number, "nested": True}, inner_state)


def _int(elem: Any, default: int) -> int:
    if elem is None:
        return default
    try:
        return int(elem.get(W + "val", default))
    except ValueError:
        return default
