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
_OTHER_SPACES = "\t\r\f\v\u00a0"  # the characters of _SPACES besides the space
_TO_SPACE = {ord(c): " " for c in _OTHER_SPACES}
_SPACE_RUN = re.compile("  +")
_BLANK_RUN = re.compile(r"\n\s*\n\s*")
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
    comments: list[str] = []
    i = 0
    for node in tree.root.traverse(include_text=False):  # elements and comments, in document order
        tag = node.tag
        if tag == "-comment":  # comment segments come after every attribute segment
            comment = node.comment_content
            if len((comment or "").strip()) > 1:
                comments.append(comment)
            continue
        if not i & 4095:
            tick(f"at HTML element {i}")
        i += 1
        attributes = node.attributes
        if not attributes:
            continue
        for name, value in attributes.items():
            if not value or len(value.strip()) < 2:
                continue
            if name in _TEXT_ATTRIBUTES:
                yield Segment(text=value, where={"element": tag, "attribute": name}, source=source)
            elif name.startswith("data-"):
                yield Segment(text=value, context="data", where={"element": tag, "attribute": name}, source=source)
    for comment in comments:
        yield Segment(text=comment, where={"element": "comment"}, source=source)
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
    append = parts.append
    rows: set[int] = set()  # rows whose first cell was met (in document order every earlier sibling cell comes first)
    for node in root.traverse(include_text=True):
        tag = node.tag
        if tag == "-text":
            append(node.text_content or "")
        elif tag in _BLOCK:
            append("\n\n")
        elif tag in _CELL:
            parent = node.parent
            if parent is None or parent.tag != "tr":
                append("\n\n")
            else:
                row = parent.mem_id
                append(" | " if row in rows else "\n\n")
                rows.add(row)
    text = _collapse_blanks(_collapse_spaces("".join(parts)))
    if "||" in text or "| |" in text:  # the only spellings _EMPTY_CELLS can match once spaces are collapsed
        text = _EMPTY_CELLS.sub(" | ", text)
    return text.strip()


def _collapse_spaces(text: str) -> str:
    """``_SPACES.sub(" ", text)``, ten times faster: most runs are one space, which the regex
    replaces one by one."""
    if any(c in text for c in _OTHER_SPACES):
        text = text.translate(_TO_SPACE)
    return _SPACE_RUN.sub(" ", text) if "  " in text else text


def _collapse_blanks(text: str) -> str:
    """``_BLANKS.sub("\\n\\n", text)``, four times faster: the regex starts with a literal line
    break (found by a fast search) and the space before a blank run goes with ``replace``: every
    ``"\\n\\n"`` left is a replacement, and a space before one stood before its run."""
    return _BLANK_RUN.sub("\n\n", text).replace(" \n\n", "\n\n")
