"""Write one whole output: header, records, summary -- the same way for every command.

``scan``, ``history``, ``report`` and ``export-evidence`` all end here: :func:`write_all`
feeds a writer the header, each record as a dict (typed records are converted once), and
the summary counted from what went past.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..records import Record, Summary
from . import Writer


def write_all(writer: Writer, header: dict[str, Any], records: Iterable[Record | dict[str, Any]], *,
              show: Callable[[dict[str, Any]], bool] | None = None,
              extras: Callable[[], dict[str, Any]] | None = None) -> Summary:
    """Write ``records`` between ``header`` and a summary; returns the :class:`Summary`.

    Every record is counted; ``show`` decides which are written (default: all).  ``extras``
    is called at the end for fields to add to the summary record.
    """
    summary = Summary()
    writer.header(header)
    for rec in records:
        d = rec if isinstance(rec, dict) else rec.to_dict()
        summary.add(d)
        if show is None or show(d):
            writer.record(d)
    record = summary.to_dict()
    if extras is not None:
        record.update(extras())
    writer.summary(record)
    return summary
