"""The terminal view of ``profilewatch history``: per URL its captures, then each claim's events.

Everything shown that came from a scanned page goes through
:func:`~profilewatch.text.display.terminal_safe`.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..text.display import terminal_safe


def _short(date: str | None) -> str:
    return (date or "?")[:16].replace("T", " ")


def _clip(text: str, n: int = 90) -> str:
    return terminal_safe(text, n, collapse=True)


_STATE_MARK = {"present": "●", "absent": "○", "gone": "✕", "disclaimer": "D", "not_yet": "·", "unreadable": "?",
               "redirect": "→", "http_error": "!", "revisit": "?"}


def render_text(histories: list[dict[str, Any]], timelines: list[dict[str, Any]]) -> Iterator[str]:
    """A readable terminal timeline: per URL its captures, then each claim's events."""
    by_url: dict[str, list[dict[str, Any]]] = {}
    for tl in timelines:
        by_url.setdefault(tl["url_key"], []).append(tl)
    for h in histories:
        snaps = h["snapshots"]
        claims = by_url.get(h["url_key"], [])
        yield _clip(h["url"], 200)
        yield (f"  {len(snaps)} capture(s) {_short(snaps[0]['date'])} .. {_short(snaps[-1]['date'])}; "
               f"{len(claims)} claim(s)")
        for s in snaps:
            status = s["http_status"] if s["http_status"] is not None else "-"
            notes = [f"{s['claims']} flag finding(s)" if s["claims"] else "no flag findings"]
            if s["disclaimer"]:
                notes.append("disclaimer")
            if s["condition"] != "ok":
                notes.append(s["condition"])
            yield f"    {_short(s['date'])}  HTTP {status:<4} {', '.join(notes)}"
        if claims:
            yield "  (● present  ○ absent  ✕ HTTP 404/410  D disclaimer  · not yet  ? unreadable  → redirect)"
        for tl in claims:
            yield ""
            yield f"  claim {_clip(tl['claim'], 80)}  [{', '.join(tl['kinds'])}]  now: {tl['status']}"
            yield "    " + " ".join(_STATE_MARK.get(s["state"], "?") for s in tl["states"])
            for ev in tl["events"]:
                before = ev["before"]
                if ev["event"] == "appeared":
                    where = f"first seen; last absent {_short(before['date'])}" if before else "present in the first capture"
                elif ev["event"] == "changed":
                    where = f"reworded since {_short(before['date'])}"
                elif ev["event"] == "removed":
                    status = ev["first_absent"]["http_status"]
                    gone = f" (HTTP {status})" if status in (404, 410) else ""
                    where = f"last seen {_short(ev['last_seen']['date'])}, first absent {_short(ev['date'])}{gone}"
                elif ev["event"] == "reappeared":
                    where = f"absent {_short(before['date'])}, last seen before {_short(ev['last_seen']['date'])}"
                else:
                    where = f"after {_short(before['date']) if before else '-'}: “{_clip(ev['disclaimer']['text'], 60)}”"
                yield f"    {_short(ev['date'])}  {ev['event']:<23} {where}"
                ids = [x["record_id"] for x in (before, ev["after"]) if x and x.get("record_id")]
                if ids:
                    yield f"{'':22}records {' -> '.join(ids)}"
            yield f"    first: “{_clip(tl['evidence']['first'])}”"
            if tl["evidence"]["last"] != tl["evidence"]["first"]:
                yield f"    last:  “{_clip(tl['evidence']['last'])}”"
        yield ""
