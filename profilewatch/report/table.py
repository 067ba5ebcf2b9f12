"""A readable terminal listing: one block per finding, errors, skipped counts, the summary.

Each finding shows ``FLAG`` or ``context``, its kind, category, confidence, place and a short
fingerprint (the first 16 hex digits, accepted by ``profilewatch review confirm``), then the
snippet with its own line breaks kept as lines (``│``-prefixed), cut on word or character
boundaries with ``…`` where it was cut.  Every piece of scanned text goes through
:func:`~profilewatch.text.display.terminal_safe`, so a file can never drive the terminal.
Skipped units (WARC request records, symlinks, excluded paths...) are counted by reason rather
than listed; ``--format jsonl`` lists each one.  ``color=True`` adds ANSI colour to the marks
only (never to scanned text).
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from ..text.display import snippet_lines, terminal_safe
from . import Writer

SHORT_FINGERPRINT = 16
_COLOURS = {"flag": "\033[1;31m", "context": "\033[2m", "error": "\033[33m", "dim": "\033[2m"}
_RESET = "\033[0m"


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
        self.color = bool(options.get("color"))

    def _paint(self, text: str, style: str) -> str:
        return f"{_COLOURS[style]}{text}{_RESET}" if self.color else text

    def record(self, rec: dict[str, Any]) -> None:
        t = rec.get("type")
        if t == "finding":
            flag = bool(rec.get("flag"))
            mark = self._paint("FLAG   ", "flag") if flag else self._paint("context", "context")
            fp = str(rec.get("fingerprint") or "")[:SHORT_FINGERPRINT]
            ev = rec.get("evidence") or {}
            lines = snippet_lines(str(ev.get("text") or ""), ev.get("cut"))
            self.out.write(
                f"{mark} {rec['kind']:<16} {rec['category']:<18} {rec['confidence']:.2f}  {terminal_safe(_where(rec))}\n"
                + "".join(f"        │ {line}\n" for line in lines)
                + f"        why: {terminal_safe(rec['explanation'], collapse=True)}\n"
                + f"        {self._paint('fp ' + fp, 'dim')}\n"
            )
        elif t == "skipped":
            self.skipped[rec["reason"]] += 1
        elif t == "error":
            member = f" !/ {rec['member']}" if rec.get("member") else ""
            self.out.write(self._paint("ERROR", "error")
                           + f" {terminal_safe(rec['file'] + member)}: {rec['reason']}: {terminal_safe(rec['message'])}\n")

    def summary(self, rec: dict[str, Any]) -> None:
        u = rec["units"]
        if self.skipped:
            self.out.write("SKIPPED " + ", ".join(f"{n} {reason}" for reason, n in sorted(self.skipped.items())) + "\n")
        self.out.write(
            f"\n{u['seen']} units: {u['scanned']} scanned, "
            + (f"{u['partial']} partial (a limit or a damaged part stopped them), " if u.get("partial") else "")
            + f"{u['skipped']} skipped, {u['error']} errors"
            f" ({u['containers']} containers opened)\n"
            f"{rec['flag_findings']} flag findings of {rec['findings']}; by kind: "
            + ", ".join(f"{k} {v}" for k, v in rec["findings_by_kind"].items())
            + "; by category: "
            + ", ".join(f"{k} {v}" for k, v in rec["findings_by_category"].items())
            + "\n"
        )
        store, hidden = rec.get("store"), rec.get("suppressed")
        if store:
            self.out.write(f"store: {store['replayed']} files replayed unchanged, {store['rescanned']} scanned\n")
        if hidden:
            self.out.write("hidden: " + ", ".join(f"{n} {why}" for why, n in sorted(hidden.items()))
                           + " (see --include-dismissed, --baseline)\n")


FORMATS = {"table": TableWriter}
