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
        if not isinstance(rec, dict) or not isinstance(rec.get("type"), str):
            bad += 1
            continue
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
