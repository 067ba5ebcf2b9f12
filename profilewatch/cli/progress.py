"""The scan progress bar: on stderr, with a total and an ETA, cleared at the end.

Contract.  Shown when ``--progress`` is given, or by default when stderr is a terminal and
``-q`` is not.  Before the scan the inputs are walked once more without reading a byte (a
``stat`` per file, the same include/exclude selection) to get the total size of the top-level
files; the bar advances by each top-level unit's size as its last record arrives, so it shows
bytes done, total, rate and ETA, and its ``units`` count is the summary's ``seen`` count.  The
bar is removed when the scan ends (``leave=False``).  Output written to standard output while the
bar is up goes through :class:`_AroundBar`, which clears the bar first, so the two never mix.
"""
from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from ..records import Record, Unit, UnitRecord
from ..sources.ignore import Selection
from ..sources.walk import walk
from .settings import output_state


def total_bytes(paths: list[str], params: dict[str, Any]) -> tuple[int, int]:
    """Top-level files and their total size, found by a walk that only stats."""
    selection = Selection(list(params["include"]), list(params["exclude"]), not params["no_ignore"])
    files = size = 0
    for item in walk(list(paths), follow_symlinks=params["follow_symlinks"], max_in_memory=-1, selection=selection):
        if isinstance(item, Unit):
            files += 1
            size += item.size
    return files, size


class _AroundBar:
    """A text stream that clears the bar before each write and redraws it after."""

    def __init__(self, out: TextIO, bar: Any) -> None:
        self._out, self._bar = out, bar

    def write(self, text: str) -> int:
        self._bar.clear()
        n = self._out.write(text)
        self._out.flush()
        self._bar.refresh()
        return n

    def __getattr__(self, name: str) -> Any:
        return getattr(self._out, name)


@contextlib.contextmanager
def progress(records: Iterable[Record], params: dict[str, Any], out: TextIO
             ) -> Iterator[tuple[Iterable[Record], TextIO]]:
    """``(records, out)`` to use: unchanged, or wrapped to drive a bar on stderr."""
    enabled = params["progress"]
    if enabled is None:
        enabled = sys.stderr.isatty() and output_state().verbosity >= 0
    if not enabled:
        yield records, out
        return
    from tqdm import tqdm

    _files, total = total_bytes(params["paths"], params)
    with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr, dynamic_ncols=True,
              leave=False, mininterval=0.2) as bar:
        yield _advance(records, bar), (_AroundBar(out, bar) if out is sys.stdout else out)


def _advance(records: Iterable[Record], bar: Any) -> Iterator[Record]:
    seen = 0
    for rec in records:
        if isinstance(rec, UnitRecord):
            if rec.outcome != "container":
                seen += 1
            if rec.member is None:
                bar.set_postfix_str(f"{seen} units, {rec.file[-40:]}", refresh=False)
                bar.update(max(rec.size, 0))
        yield rec
