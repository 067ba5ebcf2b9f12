"""JSON Lines (one record per line, streamed) and JSON (one array, written at the end)."""
from __future__ import annotations

import json
from typing import Any

from . import Writer


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""(``json.dumps`` with these arguments builds a new encoder on every call)"""


def dumps(record: dict[str, Any]) -> str:
    """One record as compact JSON; non-ASCII text stays readable."""
    return _COMPACT.encode(record)


class JsonlWriter(Writer):
    def _line(self, record: dict[str, Any]) -> None:
        self.out.write(dumps(record) + "\n")
        self.out.flush()

    header = record = summary = _line


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
