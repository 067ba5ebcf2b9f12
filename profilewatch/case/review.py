"""Review decisions read back: a scan's findings grouped by fingerprint, one finding's places.

Used by ``profilewatch review`` (and any other front end): plain data, no printing.
"""
from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from typing import Any

from .store import Store, StoreError


@dataclass
class Listed:
    """One fingerprint of a scan: its first finding, review status and every place seen."""

    fingerprint: str
    status: str
    review: dict[str, Any] | None
    finding: dict[str, Any]
    places: list[tuple[str, str | None]]


def list_findings(store: Store, scan_id: int | None = None, *, status: str | None = None,
                  flags_only: bool = False, files: tuple[str, ...] = (), categories: tuple[str, ...] = (),
                  kinds: tuple[str, ...] = (), min_confidence: float | None = None) -> list[Listed]:
    """The findings of a scan (default: the latest, even unfinished), one entry per fingerprint.

    Filters combine (AND); several values of one filter are alternatives (OR).  ``files``: globs
    (``*.pdf``, ``docs/**``) or paths (a folder selects what is under it) matched against the file
    and the archive member; only the matching places are kept.  ``categories`` matches any of a
    finding's categories.
    """
    scan = store.scan_row(scan_id) if scan_id is not None else store.latest_scan(complete_only=False)
    if scan is None:
        raise StoreError(f"no scan in {store.path}")
    decisions = store.decisions()
    groups: dict[str, list[Any]] = {}
    for row in store.scan_findings(scan["id"]):
        groups.setdefault(row["fingerprint"], []).append(row)
    listed = []
    for fp, rows in groups.items():
        d = json.loads(rows[0]["json"])
        decision = decisions.get(fp, {}).get("decision", "open")
        if (status and decision != status) or (flags_only and not d["flag"]):
            continue
        if (kinds and d["kind"] not in kinds) or (categories and not set(categories) & set(d["categories"])):
            continue
        if min_confidence is not None and d["confidence"] < min_confidence:
            continue
        places = [(r["file"], r["member"]) for r in rows if not files or _place_matches(r["file"], r["member"], files)]
        if places:
            listed.append(Listed(fp, decision, decisions.get(fp), d, places))
    return listed


def _place_matches(file: str, member: str | None, patterns: tuple[str, ...]) -> bool:
    for pattern in patterns:
        if any(ch in pattern for ch in "*?["):
            if fnmatch.fnmatchcase(file, pattern) or (member and fnmatch.fnmatchcase(member, pattern)):
                return True
        elif file == pattern or file.startswith(pattern.rstrip("/") + "/") or member == pattern:
            return True
    return False


@dataclass
class Shown:
    """One finding with every distinct place it was seen and its review history."""

    fingerprint: str
    status: str
    finding: dict[str, Any]
    places: list[tuple[str, str | None, dict[str, Any]]]
    history: list[Any]


def show_finding(store: Store, prefix: str) -> Shown:
    """The finding whose fingerprint starts with ``prefix`` (unique), its places and history."""
    fp = store.resolve(prefix)
    rows = store.finding_places(fp)
    places, seen = [], set()
    for row in rows:
        d = json.loads(row["json"])
        key = (row["file"], row["member"], d["evidence"].get("line"), d["evidence"].get("page"))
        if key not in seen:
            seen.add(key)
            places.append((row["file"], row["member"], d))
    status = store.decisions().get(fp, {}).get("decision", "open")
    return Shown(fp, status, json.loads(rows[0]["json"]), places, store.history(fp))
