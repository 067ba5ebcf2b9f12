"""Store migration 3: one finding per passage.

Before it, a passage naming several categories was stored as one finding per category, each with
its own rule (``<category>/<kind>``) and fingerprint, written one after the other.  Now the detector
emits one finding whose ``category`` is the lead term's (:func:`~profilewatch.detect.classify.lead_rank`)
and whose ``categories`` lists all of them; its fingerprint is the one the lead category's finding
had, so a rescan meets the stored primary row again.

For every stored run of such sibling rows (same unit result, consecutive ``seq``, same kind, terms
and categories, one row per category) the migration keeps the primary row, deletes the others (and
their search rows), and appends to the review log, under the primary fingerprint, the latest
decision taken on a sibling when the primary has none: no review decision is lost.  The primary
is re-derived from each term's role, which the finding's explanation names
(``Terms: 维吾尔族 (ethnicity, group), ...``).
"""
from __future__ import annotations

import json
import re
import sqlite3

from ..detect.classify import lead_rank
from ..records import now

_TERM = re.compile(r"(.+) \((\w+), (\w+)\)")


def merge_sibling_findings(db: sqlite3.Connection) -> None:
    rows = db.execute("SELECT rowid, result_id, seq, fingerprint, json FROM findings "
                      "ORDER BY result_id, seq").fetchall()
    for run in _sibling_runs(rows):
        primary = _primary(run)
        keep_rowid, _, _, keep_fp, keep = primary
        cats = [keep["category"], *(c for c in keep["categories"] if c != keep["category"])]
        db.execute("UPDATE findings SET json = ? WHERE rowid = ?",
                   (json.dumps({**keep, "categories": cats}, ensure_ascii=False, separators=(",", ":"),
                               sort_keys=True), keep_rowid))
        for rowid, result_id, _, fp, rec in run:
            if rowid == keep_rowid:
                continue
            db.execute("DELETE FROM findings WHERE rowid = ?", (rowid,))
            db.execute("DELETE FROM finding_facets WHERE finding_rowid = ?", (rowid,))
            db.execute("DELETE FROM finding_fts WHERE rowid = ?", (rowid,))
            db.execute("UPDATE units SET findings = findings - 1, json = json_set(json, '$.findings', findings - 1) "
                       "WHERE result_id = ? AND file = ? AND member IS ? AND findings > 0",
                       (result_id, rec.get("file"), rec.get("member")))
            _carry_review(db, fp, keep_fp)


def _sibling_runs(rows: list[tuple]) -> list[list[tuple]]:
    """Runs of consecutive rows of one result that are the per-category copies of one passage."""
    runs: list[list[tuple]] = []
    current: list[tuple] = []
    for rowid, result_id, seq, fp, text in rows:
        rec = json.loads(text)
        row = (rowid, result_id, seq, fp, rec)
        cats = rec.get("categories") or []
        if current and _same_passage(current[-1], row) and len(current) < len(cats):
            current.append(row)
            continue
        if len(current) > 1:
            runs.append(current)
        current = [row] if len(cats) > 1 else []
    if len(current) > 1:
        runs.append(current)
    return runs


def _same_passage(prev: tuple, row: tuple) -> bool:
    (_, rid_a, seq_a, _, a), (_, rid_b, seq_b, _, b) = prev, row
    return (rid_a == rid_b and seq_b == seq_a + 1 and a.get("kind") == b.get("kind")
            and a.get("terms") == b.get("terms") and sorted(a.get("categories") or []) == sorted(b.get("categories") or [])
            and a.get("category") != b.get("category"))


def _primary(run: list[tuple]) -> tuple:
    """The row of the category the detector now leads with: its top-ranked term's."""
    parts = (_TERM.fullmatch(p) for p in _terms_part(run[0][4].get("explanation") or "").split("\0"))
    roles = [(m.group(1), m.group(2), m.group(3)) for m in parts if m]
    by_category = {row[4].get("category"): row for row in run}
    ranked = [(lead_rank(text, cat, role), cat) for text, cat, role in roles if cat in by_category]
    return by_category[max(ranked)[1]] if ranked else run[0]


def _terms_part(explanation: str) -> str:
    start = explanation.find("Terms: ")
    if start < 0:
        return ""
    end = explanation.find(". Cues:", start)
    stop = explanation.find(". No context cues", start)
    ends = [e for e in (end, stop) if e >= 0]
    return explanation[start + len("Terms: "): min(ends) if ends else len(explanation)].replace("), ", ")\0")


def _carry_review(db: sqlite3.Connection, sibling: str, primary: str) -> None:
    if db.execute("SELECT 1 FROM reviews WHERE fingerprint = ? LIMIT 1", (primary,)).fetchone():
        return
    last = db.execute("SELECT decision, note, reviewer FROM reviews WHERE fingerprint = ? ORDER BY id DESC LIMIT 1",
                      (sibling,)).fetchone()
    if last:
        note = f"{last[1] + ' ' if last[1] else ''}[carried from {sibling[:12]} by migration 3: one finding per passage]"
        db.execute("INSERT INTO reviews(fingerprint, decision, note, reviewer, at, source) VALUES (?, ?, ?, ?, ?, ?)",
                   (primary, last[0], note, last[2], now(), "migration"))
