"""Output formats.  ``WRITERS`` maps a format name to a :class:`Writer` class.

A writer receives the header record, then each record as a dict (``finding``, ``error``,
``skipped``, ``unit``, ``timeline``), then the summary; streaming formats write as they go,
document formats (HTML, SARIF...) render in ``close``.
"""
from __future__ import annotations

from typing import Any, TextIO

from ..plugins import collect


class Writer:
    """Base writer: collects nothing, writes nothing.  Subclasses override what they need."""

    binary = False

    def __init__(self, out: TextIO, **options: Any) -> None:
        self.out = out
        self.options = options

    def header(self, record: dict[str, Any]) -> None:
        """Called once, first."""

    def record(self, record: dict[str, Any]) -> None:
        """Called for every record between header and summary."""

    def summary(self, record: dict[str, Any]) -> None:
        """Called once, last."""


WRITERS: dict[str, type[Writer]] = {}



WRITERS.update(collect(__name__, ("jsonl", "table", "sarif", "html", "csv", "markdown")))
