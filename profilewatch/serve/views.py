"""What the desk's pages show, as plain data: labels, one finding's view, context lines, exports.

Contract: no HTTP here and nothing from a request reaches the file system -- a finding is found
by its fingerprint in the store, its copy is the store's blob.  Text is returned raw; the
templates escape it (Jinja2 autoescape, :func:`profilewatch.report.html.markup` for highlights).
"""
from __future__ import annotations

import io
import json
import os
import tempfile
from typing import Any

from ..case import search
from ..case.review import show_finding
from ..case.store import Store
from ..report import WRITERS
from ..report.common import match_spans, pieces, place, warc_parts
from ..report.html import markup
from ..report.write import write_all
from ..text.encoding import decode

STATUS_LABELS = {"open": "unreviewed", "confirmed": "confirmed", "dismissed": "false positive",
                 "needs_translation": "needs translation", "duplicate": "duplicate"}
EXPORTS = {"csv": ("text/csv; charset=utf-8", "csv"), "html": ("text/html; charset=utf-8", "html"),
           "sarif": ("application/sarif+json", "sarif"), "md": ("text/markdown; charset=utf-8", "md"),
           "jsonl": ("application/x-ndjson", "jsonl"), "ftm": ("application/x-ndjson", "ftm.jsonl"),
           "evidence": ("application/zip", "zip")}
CONTEXT_LINES = 3
MAX_SOURCE_CHARS = 2_000_000


def highlighted(text: str, finding: dict[str, Any]) -> Any:
    """The snippet as safe markup with the matched terms in ``<mark>``."""
    return markup(pieces(text, match_spans(text, finding)))


def source_text(store: Store, sha256: str) -> str | None:
    """The stored copy of a unit, decoded as the scanner would; ``None`` when not stored."""
    data, _ = store.blob(sha256)
    if data is None:
        return None
    text, _ = decode(data[: MAX_SOURCE_CHARS * 2])
    return text


def context(store: Store, finding: dict[str, Any], n: int = CONTEXT_LINES) -> list[dict[str, Any]]:
    """``n`` lines either side of the finding's line in the stored copy (empty without a line)."""
    line = (finding.get("evidence") or {}).get("line")
    if not isinstance(line, int):
        return []
    text = source_text(store, finding["sha256"])
    if text is None:
        return []
    lines = text.splitlines()
    lo, hi = max(1, line - n), min(len(lines), line + n)
    return [{"number": i, "hit": i == line,
             "html": highlighted(lines[i - 1][:2000], finding) if i == line else lines[i - 1][:2000]}
            for i in range(lo, hi + 1)]


def finding_view(store: Store, fingerprint: str) -> dict[str, Any]:
    """Everything the finding page shows."""
    shown = show_finding(store, fingerprint)
    d = shown.finding
    ev = d.get("evidence") or {}
    scan = store.latest_scan(complete_only=False)
    places = []
    for file, member, pd in shown.places:
        uri, date = warc_parts(pd)
        places.append({"file": file, "member": member, "uri": uri, "date": date,
                       "line": (pd.get("evidence") or {}).get("line"), "sha256": pd["sha256"],
                       "record_id": (pd.get("provenance") or {}).get("record_id")})
    places.sort(key=lambda p: (p["date"] or "", p["file"], p["member"] or ""))
    return {"fp": shown.fingerprint, "status": shown.status, "status_label": STATUS_LABELS.get(shown.status, shown.status),
            "finding": d, "snippet": highlighted(str(ev.get("text") or ""), d), "locator": place(ev),
            "gloss": sorted((d.get("gloss") or {}).items()), "places": places,
            "history": [dict(h) for h in shown.history], "context": context(store, d),
            "has_copy": store.blob(d["sha256"])[0] is not None,
            "rules_digest": scan["rules_digest"] if scan else None, "provenance": d.get("provenance") or {}}


def machine_translation(translator: Any, finding: dict[str, Any]) -> dict[str, str]:
    """``{"text": ...}`` or ``{"error": ...}``: the translator's English for the evidence sentence."""
    text = str((finding.get("evidence") or {}).get("text") or "")
    try:
        return {"text": translator.translate(text)}
    except Exception as exc:  # noqa: BLE001 -- a failing model must not take the finding page down
        return {"error": f"{type(exc).__name__}: {exc}"}


def export(store: Store, scan_id: int, fingerprints: set[str], fmt: str) -> bytes:
    """The selection in one export format (see :data:`EXPORTS`)."""
    if fmt == "evidence":
        from ..case.evidence import export as export_bundle

        fd, path = tempfile.mkstemp(suffix=".zip", prefix="pw-desk-")
        os.close(fd)
        try:
            export_bundle(store, path, scan_id=scan_id, fingerprints=fingerprints, include_dismissed=True)
            with open(path, "rb") as fh:
                return fh.read()
        finally:
            os.unlink(path)
    out = io.StringIO()
    if fmt == "ftm":
        from ..case.ftm import write_jsonl

        write_jsonl(store, out, scan_id=scan_id, fingerprints=fingerprints, include_dismissed=True)
        return out.getvalue().encode("utf-8")
    scan = store.scan_row(scan_id)
    decisions = store.decisions()
    records = []
    for row in search.scan_rows(store, scan_id, fingerprints):
        d = json.loads(row["json"])
        if row["fingerprint"] in decisions:
            d["review"] = decisions[row["fingerprint"]]
        records.append(d)
    header = {"type": "header", "tool": "profilewatch", "version": scan["version"], "rules_digest": scan["rules_digest"],
              "rule_packs": [], "arguments": json.loads(scan["arguments"]), "started": scan["started"]}
    writer = WRITERS[fmt](out)
    write_all(writer, header, records)
    return out.getvalue().encode("utf-8")
