"""Extraction: one module per format turns a unit's bytes into text segments with locators.

``EXTRACTORS`` maps a format name (see :func:`profilewatch.sources.sniff.sniff`) to a function
``(unit) -> Iterator[Segment]``.  Container formats (archives, WARC) are not here: they are
opened by :mod:`profilewatch.sources.containers` into further units.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

from ..plugins import collect
from ..records import Segment, Unit
from . import html, markup, plain

Extractor = Callable[[Unit], Iterator[Segment]]

EXTRACTORS: dict[str, Extractor] = {
    "text": plain.prose,
    "markdown": plain.markdown,
    "csv": plain.data,
    "json": plain.data,
    "code": plain.code,
    "html": html.extract,
    "xml": markup.extract,
}



EXTRACTORS.update(collect(__name__, ("pdf", "office", "binary", "image")))
