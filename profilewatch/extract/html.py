"""HTML: visible text, hidden-but-meaningful attributes and inline scripts (selectolax).

Segments: the ``<title>``, ``<meta content>``, the body's visible text (inline tags joined so
``维<span>族</span>`` stays one word after normalisation), ``alt``/``title``/``data-*``/
``placeholder``/``aria-label``/``value`` attributes, HTML comments (a spec row commented out is
still on the page), and every inline ``<script>`` (SSR state
such as ``window.__NUXT__`` with ``\\u`` escapes is decoded by normalisation).  selectolax does
not report source positions, so each segment carries the decoded page as ``source`` and the
detector looks the match up there for a line and column.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from selectolax.lexbor import LexborHTMLParser

from ..records import Segment, Unit

_CELL = frozenset(("td", "th"))
_BLOCK = frozenset(
    "p div li ul ol tr table thead tbody h1 h2 h3 h4 h5 h6 br hr section article header footer nav "
    "aside main dt dd dl blockquote pre form option select caption figcaption figure address title".split()
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANKS = re.compile(r" ?\n\s*\n\s*")
_EMPTY_CELLS = re.compile(r"(?: ?\| ?){2,}")
_TEXT_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label", "value", "content", "label")


def extract(unit: Unit) -> Iterator[Segment]:
    """Segments of an HTML unit."""
    source = unit.text()
    yield from extract_text(source, unit)


def extract_text(source: str, unit: Unit | None = None) -> Iterator[Segment]:
    """Segments of decoded HTML text (also used for HTML inside WARC records); ``unit``'s
    deadline is checked every few thousand elements."""
    tick = unit.check_time if unit is not None else (lambda where="": None)
    tree = LexborHTMLParser(source)
    title = tree.css_first("title")
    if title is not None and title.text(strip=True):
        yield Segment(text=title.text(), where={"element": "title"}, source=source)
    for i, node in enumerate(tree.css("*")):
        if not i & 4095:
            tick(f"at HTML element {i}")
        for name, value in node.attributes.items():
            if not value or len(value.strip()) < 2:
                continue
            if name in _TEXT_ATTRIBUTES:
                yield Segment(text=value, where={"element": node.tag, "attribute": name}, source=source)
            elif name.startswith("data-"):
                yield Segment(text=value, context="data", where={"element": node.tag, "attribute": name}, source=source)
    for node in tree.root.traverse(include_text=False):
        if node.tag == "-comment" and len((node.comment_content or "").strip()) > 1:
            yield Segment(text=node.comment_content, where={"element": "comment"}, source=source)
    for node in tree.css("script"):
        if "src" not in node.attributes:
            body = node.text(deep=True)
            if body.strip():
                yield Segment(text=body, context="code", where={"element": "script"}, source=source)
    tick("before the visible text")
    tree.strip_tags(["script", "style", "template"])
    root = tree.body or tree.root
    if root is not None:
        text = visible_text(root)
        if text.strip():
            yield Segment(text=text, where={"element": "body"}, source=source)


def visible_text(root) -> str:
    """Text of ``root`` with a blank line at block boundaries only: inline markup such as
    ``<b>维</b><b>族</b>`` joins up, paragraphs stay apart (normalisation keeps blank lines as
    breaks but joins CJK across a single line break).  A table row is one line, its cells joined
    by `` | ``: a spec table's row ("人脸属性 | 性别、年龄、民族") is one statement, not one per cell."""
    parts: list[str] = []
    for node in root.traverse(include_text=True):
        if node.tag == "-text":
            parts.append(node.text_content or "")
        elif node.tag in _CELL:
            parent = node.parent
            first = parent is None or parent.tag != "tr" or _first_cell(node)
            parts.append("\n\n" if first else " | ")
        elif node.tag in _BLOCK:
            parts.append("\n\n")
    text = _BLANKS.sub("\n\n", _SPACES.sub(" ", "".join(parts)))
    if "||" in text or "| |" in text:  # the only spellings _EMPTY_CELLS can match once spaces are collapsed
        text = _EMPTY_CELLS.sub(" | ", text)
    return text.strip()


def _first_cell(node) -> bool:
    prev = node.prev
    while prev is not None and prev.tag not in _CELL:
        prev = prev.prev
    return prev is None
