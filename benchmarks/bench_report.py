#!/usr/bin/env python3
"""Render N synthetic findings (default 10,000) to HTML, SARIF, CSV and Markdown; print seconds.

    python benchmarks/bench_report.py [--findings 10000] [--repeat 3]

Findings mix plain files, archive members, PDF pages and WARC records, flag and clean kinds,
and snippets of about 300 characters of Chinese and English; SARIF runs with its GitHub limits
(the 10 MB gzip check is part of the time).  Reports the best of ``--repeat`` runs (wall and CPU seconds) and the size.
"""
from __future__ import annotations

import argparse
import gzip
import io
import platform
import random
import time

from profilewatch.records import CATEGORIES, CLEAN_KINDS, FLAG_KINDS
from profilewatch.report import WRITERS

TEXT = ("支持识别维族、汉族等民族属性，人脸抓拍后实时报警。The camera estimates each visitor's ethnicity "
        "from the face and raises an alarm for listed groups. ")


def findings(n: int, seed: int = 7) -> list[dict]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        kind = rnd.choice(FLAG_KINDS * 2 + CLEAN_KINDS)
        cat = rnd.choice(CATEGORIES)
        shape = i % 4
        ev = {"text": (TEXT * 3)[rnd.randrange(60):][:300], "match": "维族", "matches": ["维族", "汉族"]}
        member, prov = None, None
        if shape == 0:
            ev.update(line=rnd.randrange(1, 5000), column=rnd.randrange(1, 80))
        elif shape == 1:
            member = f"sdk-{i % 50}/lib/tools.tar.gz!/include/face_{i}.h"
            ev.update(line=rnd.randrange(1, 900), column=1)
        elif shape == 2:
            ev.update(page=rnd.randrange(1, 200))
        else:
            member = f"https://www.vendor{i % 30}.example/p/{i}.html 2019-04-08T10:00:00Z"
            prov = {"record_id": f"<urn:uuid:{i:032x}>", "date": "2019-04-08T10:00:00Z",
                    "target_uri": member.split(" ")[0]}
        f = {"type": "finding", "file": f"{['html', 'archives', 'pdf', 'warc'][shape]}/source-{i % 400}.bin",
             "member": member, "kind": kind, "category": cat, "categories": [cat], "rule": f"{cat}/{kind}",
             "confidence": round(rnd.uniform(0.4, 0.99), 2), "flag": kind in FLAG_KINDS, "evidence": ev,
             "sha256": f"{i:064x}", "explanation": f"{kind} — capability cue beside group term 维族",
             "fingerprint": f"{i:032x}", "terms": ["维族", "汉族"], "cues": {"capability": ["识别"], "person": ["人脸"]}}
        if prov:
            f["provenance"] = prov
        out.append(f)
    return out


def run(fmt: str, records: list[dict]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, output bytes) of one render."""
    out = io.StringIO()
    t0, c0 = time.perf_counter(), time.process_time()
    w = WRITERS[fmt](out)
    w.header({"type": "header", "version": "bench", "rules_digest": "sha256:0", "rule_packs": [],
              "arguments": {"paths": ["corpus"]}, "started": "2026-11-27T00:00:00+00:00"})
    for r in records:
        w.record(r)
    w.summary({"type": "summary", "units": {"seen": len(records), "scanned": len(records), "skipped": 0,
                                            "error": 0, "containers": 0},
               "findings": len(records), "flag_findings": sum(r["flag"] for r in records)})
    return time.perf_counter() - t0, time.process_time() - c0, len(out.getvalue().encode("utf-8"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--findings", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    records = findings(args.findings)
    print(f"{args.findings} findings, best of {args.repeat}; Python {platform.python_version()}, {platform.machine()}")
    print(f"{'format':<8} {'wall s':>7} {'CPU s':>7} {'findings/s':>11} {'MB':>7}")
    for fmt in ("html", "sarif", "csv", "md"):
        wall, cpu, size = min(run(fmt, records) for _ in range(args.repeat))
        print(f"{fmt:<8} {wall:7.2f} {cpu:7.2f} {args.findings / wall:11.0f} {size / 1e6:7.1f}")
    sarif = io.StringIO()
    w = WRITERS["sarif"](sarif)
    w.header({})
    for r in records:
        w.record(r)
    w.summary({})
    print(f"sarif gzipped: {len(gzip.compress(sarif.getvalue().encode())) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
