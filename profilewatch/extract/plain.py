"""Text-like formats scanned verbatim: plain text, Markdown, CSV, JSON and source code.

Markdown's fenced code blocks become code segments of their own (API docs quote headers and
payloads there).

The whole decoded text is one segment starting at line 1, column 1, so every match maps to an
exact line and column of the original.  JSON and CSV keys and values, and code comments,
string literals and identifiers, are all part of that text; escapes (``\\uXXXX``) and
identifier shapes (``raceType``, ``EM_NATION_TYPE``) are handled by normalisation.
"""
from __future__ import annotations

from collections.abc import Iterator

from ..records import Segment, Unit


def _verbatim(unit: Unit, context: str) -> Iterator[Segment]:
    text = unit.text()
    if text.strip():
        yield Segment(text=text, context=context, line=1, column=1)


def prose(unit: Unit) -> Iterator[Segment]:
    """Plain text."""
    return _verbatim(unit, "prose")


def markdown(unit: Unit) -> Iterator[Segment]:
    """Markdown: prose, with fenced code blocks (```, ~~~) as code segments at their own lines."""
    block: list[str] = []
    start, fence = 1, ""
    for number, line in enumerate(unit.text().splitlines(keepends=True), start=1):
        marker = line.lstrip()[:3]
        if marker in ("```", "~~~") and (not fence or marker == fence):
            yield from _block(block, "code" if fence else "prose", start)
            block, start, fence = [], number + 1, "" if fence else marker
            continue
        block.append(line)
    yield from _block(block, "code" if fence else "prose", start)


def _block(lines: list[str], context: str, line: int) -> Iterator[Segment]:
    text = "".join(lines)
    if text.strip():
        yield Segment(text=text, context=context, line=line, column=1)


def data(unit: Unit) -> Iterator[Segment]:
    """JSON and CSV: keys and values in their original layout."""
    return _verbatim(unit, "data")


def code(unit: Unit) -> Iterator[Segment]:
    """Source code: comments, literals and identifiers in their original layout."""
    return _verbatim(unit, "code")
