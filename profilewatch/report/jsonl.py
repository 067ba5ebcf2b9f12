"""JSON Lines (one record per line, streamed) and JSON (one array, written at the end)."""
from __future__ import annotations

import json
import time
from typing import Any

from . import Writer


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""(``json.dumps`` with these arguments builds a new encoder on every call)"""


def dumps(record: dict[str, Any]) -> str:
    """One record as compact JSON; non-ASCII text stays readable."""
    return _COMPACT.encode(record)


FLUSH_SECONDS = 0.1
"""The stream is flushed at least this often while records come (and after the header and the
summary): a reader following the file sees each line within this delay, and a record-heavy scan
(a WARC's three lines a page) does not pay a write per line."""


class JsonlWriter(Writer):
    _flushed = 0.0

    def _line(self, record: dict[str, Any]) -> None:
        self.out.write(dumps(record) + "\n")
        self.out.flush()
        self._flushed = time.monotonic()

    def record(self, record: dict[str, Any]) -> None:
        self.out.write(dumps(record) + "\n")
        if (now := time.monotonic()) - self._flushed >= FLUSH_SECONDS:
            self.out.flush()
            self._flushed = now

    header = summary = _line


class JsonWriter(Writer):
    def __init__(self, out, **options: Any) -> None:
        super().__init__(out, **options)
        self.records: list[dict[str, Any]] = []

    def _add(self, record: dict[str, Any]) -> None:
        self.records.append(record)

    header = record = _add

    def summary(self, record: dict[str, Any]) -> None:
        self.records.append(record)
        json.dump(self.records, self.out, ensure_ascii=False, indent=2)
        self.out.write("\n")


FORMATS = {"jsonl": JsonlWriter, "json": JsonWriter}
