"""CSV: one row per finding, stable column order, safe to open in a spreadsheet.

Cells that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``,
tab or carriage return) get a leading apostrophe.  UTF-8; ``csv_bom=True`` (``--csv-bom``)
writes a byte-order mark first so that Excel detects the encoding.  Rows are streamed.
"""
from __future__ import annotations

import csv
from typing import Any, TextIO

from . import Writer
from .common import PathPolicy, is_warc, level, verdict, warc_parts

COLUMNS = (
    "file", "member", "warc_target_uri", "warc_date", "warc_record_id",
    "page", "line", "column", "byte_offset",
    "level", "flag", "kind", "category", "categories", "confidence", "rule",
    "match", "terms", "snippet", "explanation", "sha256", "fingerprint",
    "verdict",
)
"""Columns are only ever added at the end: ``level`` stays (SARIF's word), ``verdict`` says flag/context."""
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A value made safe for a spreadsheet cell (numbers and booleans pass unchanged)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def row(finding: dict[str, Any], paths: PathPolicy) -> list[Any]:
    """The CSV row of one finding, in :data:`COLUMNS` order."""
    ev = finding.get("evidence") or {}
    prov = finding.get("provenance") or {}
    uri = date = None
    if is_warc(finding):
        uri, date = warc_parts(finding)
    values = {
        "file": paths.file(str(finding.get("file") or "")),
        "member": finding.get("member"),
        "warc_target_uri": uri,
        "warc_date": date,
        "warc_record_id": prov.get("record_id"),
        "page": ev.get("page"),
        "line": ev.get("line"),
        "column": ev.get("column"),
        "byte_offset": ev.get("byte_offset"),
        "level": level(finding),
        "flag": bool(finding.get("flag")),
        "kind": finding.get("kind"),
        "category": finding.get("category"),
        "categories": ";".join(str(c) for c in finding.get("categories") or []),
        "confidence": finding.get("confidence"),
        "rule": finding.get("rule"),
        "match": ev.get("match"),
        "terms": ";".join(str(t) for t in finding.get("terms") or []),
        "snippet": ev.get("text"),
        "explanation": finding.get("explanation"),
        "sha256": finding.get("sha256"),
        "fingerprint": finding.get("fingerprint"),
        "verdict": verdict(finding),
    }
    return [cell(values[c]) for c in COLUMNS]


class CsvWriter(Writer):
    """``--format csv``."""

    def __init__(self, out: TextIO, **options: Any) -> None:
        super().__init__(out, **options)
        self.writer = csv.writer(out, lineterminator="\r\n")
        self.paths = PathPolicy(options.get("show_paths") or "relative")

    def header(self, record: dict[str, Any]) -> None:
        self.paths = PathPolicy(self.options.get("show_paths") or "relative", record.get("arguments"))
        if self.options.get("csv_bom"):
            self.out.write("\ufeff")
        self.writer.writerow(COLUMNS)

    def record(self, record: dict[str, Any]) -> None:
        if record.get("type") == "finding":
            self.writer.writerow(row(record, self.paths))

    def summary(self, record: dict[str, Any]) -> None:
        self.out.flush()


FORMATS = {"csv": CsvWriter}
