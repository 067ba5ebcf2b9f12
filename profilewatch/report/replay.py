"""Render saved JSON Lines output again (``profilewatch report FINDINGS.jsonl``) without rescanning.

The header and summary are taken from the file; a file without them (findings filtered with
``jq``, concatenated scans) still renders: a minimal header is made up and the summary is
counted from the records.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from . import Writer
from .common import summarise
from ..records import FLAG_KINDS


def normalise_finding(rec: dict[str, Any]) -> dict[str, Any]:
    """A saved finding in the shape the writers expect, whatever older or foreign tools wrote:
    ``evidence`` as a dict, ``category`` a string, ``categories`` a list, ``rule`` set."""
    rec = dict(rec)
    if not isinstance(rec.get("evidence"), dict):
        rec["evidence"] = {"text": "" if rec.get("evidence") is None else str(rec["evidence"])}
    cat = rec.get("category")
    cats = rec.get("categories")
    if isinstance(cat, list):
        cats = cats if isinstance(cats, list) else cat
        cat = cat[0] if cat else None
    if not isinstance(cats, list):
        cats = [cat] if cat else []
    rec["category"], rec["categories"] = cat, [str(c) for c in cats]
    rec.setdefault("rule", f"{cat}/{rec.get('kind')}")
    if "flag" not in rec:
        rec["flag"] = rec.get("kind") in FLAG_KINDS
    return rec


def replay(lines: Iterable[str], writer: Writer) -> tuple[int, int]:
    """Feed saved records to ``writer``; returns (records rendered, lines that were not records)."""
    head: dict[str, Any] | None = None
    summaries: list[dict[str, Any]] = []
    brief: dict[str, list[dict[str, Any]]] = {"finding": [], "problem": [], "unit": []}
    rendered = bad = 0
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            bad += 1
            continue
        if isinstance(rec, dict) and "type" not in rec and "file" in rec and "kind" in rec:
            rec = dict(rec, type="finding")  # a bare finding (hand-made or from another tool)
        if not isinstance(rec, dict) or not isinstance(rec.get("type"), str):
            bad += 1
            continue
        if rec["type"] == "finding":
            rec = normalise_finding(rec)
        t = rec["type"]
        if head is None:
            head = rec if t == "header" else {"type": "header", "tool": "profilewatch", "arguments": {}}
            writer.header(head)
            if t == "header":
                continue
        if t == "header":
            continue
        if t == "summary":
            summaries.append(rec)
            continue
        writer.record(rec)
        rendered += 1
        if t == "finding":
            brief["finding"].append({k: rec.get(k) for k in ("file", "member", "kind", "categories", "category", "flag")})
        elif t in ("error", "skipped"):
            brief["problem"].append({"type": t})
        elif t == "unit":
            brief["unit"].append({"outcome": rec.get("outcome")})
    if head is None:
        writer.header({"type": "header", "tool": "profilewatch", "arguments": {}})
    if len(summaries) == 1:
        writer.summary(summaries[0])
    else:
        writer.summary(summarise(brief["finding"], brief["problem"], brief["unit"]))
    return rendered, bad
