"""The Python API: ``profilewatch.scan(paths, **options)`` and the scan's header and summary.

``scan`` yields typed records -- :class:`~profilewatch.records.Finding`,
:class:`~profilewatch.records.Problem` and :class:`~profilewatch.records.UnitRecord` -- as a
stream, one top-level unit at a time.  The CLI is a thin layer over this module.
"""
from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from . import __version__
from .detect.engine import Detector
from .detect.rules import RuleSet, load_rules
from .records import Finding, Problem, Record, UnitRecord
from .scanner import ScanOptions, scan_unit
from .sources.walk import walk


def scan(paths: Iterable[str] | str, *, rules: RuleSet | None = None, store: Any = None,
         **options: Any) -> Iterator[Record]:
    """Scan files and folders; yield findings, problems and unit records as they come.

    ``options`` are the fields of :class:`ScanOptions` (``min_confidence``, ``rules_dirs``,
    ``include_clean``, ``follow_symlinks``, ``limits``, ``max_in_memory``).  With ``store`` (a
    :class:`profilewatch.store.Store`) the scan is incremental and resumable (see store.py).
    """
    opts = ScanOptions(**options)
    paths = [paths] if isinstance(paths, str) else list(paths)
    rules = rules or load_rules(opts.rules_dirs)
    detector = Detector(rules)
    session = store.session(paths, rules.digest, opts) if store is not None else None
    for item in walk(paths, follow_symlinks=opts.follow_symlinks, max_in_memory=opts.max_in_memory):
        if isinstance(item, Problem):
            if session is not None:
                session.problem(item)
            yield item
            yield UnitRecord(item.file, item.member, item.sha256, 0, "unknown", item.type)
            continue
        yield from (session.scan_unit(item, detector, opts) if session is not None else scan_unit(item, detector, opts))
    if session is not None:
        session.finish()


def header(rules: RuleSet, arguments: dict[str, Any]) -> dict[str, Any]:
    """The first record of every output: tool, rules digest, arguments, start time."""
    return {
        "type": "header",
        "tool": "profilewatch",
        "version": __version__,
        "rules_digest": rules.digest,
        "rule_packs": [p.id for p in rules.packs],
        "arguments": arguments,
        "started": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


@dataclass
class Summary:
    """Running totals of a scan; ``to_dict`` is the last record of every output."""

    units: Counter = field(default_factory=Counter)
    formats: Counter = field(default_factory=Counter)
    findings_by_kind: Counter = field(default_factory=Counter)
    findings_by_category: Counter = field(default_factory=Counter)
    flag_findings: int = 0
    findings: int = 0
    errors: int = 0
    skipped: int = 0

    def add(self, record: Record) -> None:
        if isinstance(record, Finding):
            self.findings += 1
            self.findings_by_kind[record.kind] += 1
            for c in record.categories:
                self.findings_by_category[c] += 1
            self.flag_findings += record.flag
        elif isinstance(record, Problem):
            if record.type == "error":
                self.errors += 1
            else:
                self.skipped += 1
        elif isinstance(record, UnitRecord):
            self.units[record.outcome] += 1
            if record.outcome != "container":
                self.formats[record.format] += 1

    def to_dict(self) -> dict[str, Any]:
        seen = sum(v for k, v in self.units.items() if k != "container")
        return {
            "type": "summary",
            "units": {"seen": seen, "scanned": self.units["scanned"], "skipped": self.units["skipped"],
                      "error": self.units["error"], "containers": self.units["container"]},
            "formats": dict(sorted(self.formats.items())),
            "findings": self.findings,
            "flag_findings": self.flag_findings,
            "findings_by_kind": dict(sorted(self.findings_by_kind.items())),
            "findings_by_category": dict(sorted(self.findings_by_category.items())),
            "errors": self.errors,
            "skipped": self.skipped,
            "finished": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        }
