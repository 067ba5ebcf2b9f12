"""Extraction: one module per format turns a unit's bytes into text segments with locators.

``EXTRACTORS`` maps a format name (see :func:`profilewatch.sources.sniff.sniff`) to a function
``(unit) -> Iterator[Segment]``.  Container formats (archives, WARC) are not here: they are
opened by :mod:`profilewatch.sources.containers` into further units.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

from ..records import Segment, Unit
from . import html, markup, plain

Extractor = Callable[[Unit], Iterator[Segment]]

EXTRACTORS: dict[str, Extractor] = {
    "text": plain.prose,
    "markdown": plain.prose,
    "csv": plain.data,
    "json": plain.data,
    "code": plain.code,
    "html": html.extract,
    "xml": markup.extract,
}


def register(fmt: str, extractor: Extractor) -> None:
    """Add or replace the extractor of a format (used by optional format modules)."""
    EXTRACTORS[fmt] = extractor


def _register_optional() -> None:
    """Formats whose modules need heavier libraries register themselves if present."""
    import importlib

    for name in ("pdf", "office", "binary"):
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ImportError:
            continue
        for fmt, fn in getattr(module, "FORMATS", {}).items():
            register(fmt, fn)


_register_optional()
