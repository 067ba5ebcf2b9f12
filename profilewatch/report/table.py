"""A readable terminal listing: one block per finding, errors, skipped counts, the summary.

Snippets are shown on one line with control characters escaped, so text from a scanned file can
never drive the terminal.  Skipped units (WARC request records, symlinks...) are counted by
reason rather than listed; ``--format jsonl`` lists each one.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from ..text.display import terminal_safe
from . import Writer


def _where(rec: dict[str, Any]) -> str:
    ev = rec.get("evidence", {})
    place = rec["file"] + (f" !/ {rec['member']}" if rec.get("member") else "")
    for key, label in (("page", "page"), ("line", "line"), ("byte_offset", "byte")):
        if ev.get(key) is not None:
            place += f" {label} {ev[key]}"
            if key == "line" and ev.get("column"):
                place += f":{ev['column']}"
    return place


class TableWriter(Writer):
    def __init__(self, out, **options: Any) -> None:
        super().__init__(out, **options)
        self.skipped: Counter = Counter()

    def record(self, rec: dict[str, Any]) -> None:
        t = rec.get("type")
        if t == "finding":
            mark = "FLAG " if rec.get("flag") else "clean"
            self.out.write(
                f"{mark} {rec['kind']:<16} {rec['category']:<18} {rec['confidence']:.2f}  {terminal_safe(_where(rec))}\n"
                f"      {terminal_safe(rec['evidence']['text'])}\n"
                f"      why: {terminal_safe(rec['explanation'])}\n"
            )
        elif t == "skipped":
            self.skipped[rec["reason"]] += 1
        elif t == "error":
            member = f" !/ {rec['member']}" if rec.get("member") else ""
            self.out.write(f"{t.upper():5} {terminal_safe(rec['file'] + member)}: {rec['reason']}: {terminal_safe(rec['message'])}\n")

    def summary(self, rec: dict[str, Any]) -> None:
        u = rec["units"]
        if self.skipped:
            self.out.write("SKIPPED " + ", ".join(f"{n} {reason}" for reason, n in sorted(self.skipped.items())) + "\n")
        self.out.write(
            f"\n{u['seen']} units: {u['scanned']} scanned, {u['skipped']} skipped, {u['error']} errors"
            f" ({u['containers']} containers opened)\n"
            f"{rec['flag_findings']} flag findings of {rec['findings']}; by kind: "
            + ", ".join(f"{k} {v}" for k, v in rec["findings_by_kind"].items())
            + "; by category: "
            + ", ".join(f"{k} {v}" for k, v in rec["findings_by_category"].items())
            + "\n"
        )


FORMATS = {"table": TableWriter}
