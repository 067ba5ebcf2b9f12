#!/usr/bin/env python3
"""Soak (issue 12): a large mixed corpus scanned with ``--store``, killed with SIGKILL at random
points and resumed; the final findings must equal one uninterrupted run, at -j1 and -jN.

    python benchmarks/soak.py [--mb 1000] [--kills 5] [--jobs 1,2] [--seed 7]

The corpus: the generated HTML/text benchmark corpus (``gen_corpus.generate``, planted claims)
plus copies of every file of the shared dev corpus (PDF, DOCX, XLSX, WARC, nested archives,
firmware), each copy under its own folder, until ``--mb`` is reached.  For each ``-j``: one
uninterrupted scan without a store (the reference), then a scan with a fresh store killed after a
random delay, ``--kills`` times, each rerun resuming the same store, and a last run to the end.
Findings are compared as (file, member, fingerprint, locator) sets.  Writes the ``soak`` section
of RESULTS.md; exit 1 on any difference.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
import gen_corpus  # noqa: E402

DEV = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev" / "corpus"


def build(root: Path, mb: float, seed: int) -> None:
    gen_corpus.generate(root / "generated", mb * 0.6, seed)
    copies = 0
    while common.tree_bytes(root)[1] < mb * 1e6:
        copies += 1
        shutil.copytree(DEV, root / f"dev-copy-{copies:03d}", ignore=shutil.ignore_patterns("labels.jsonl"))


def _key(rec: dict) -> tuple:
    ev = rec.get("evidence") or {}
    return rec["file"], rec.get("member"), rec["fingerprint"], ev.get("line"), ev.get("page"), ev.get("byte_offset")


def findings(path: Path) -> set[tuple]:
    out = set()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if '"type":"finding"' in line or '"type": "finding"' in line:
            out.add(_key(json.loads(line)))
    return out


def scan(corpus: Path, out: Path, jobs: int, store: Path | None = None, kill_after: float | None = None) -> tuple[int, float]:
    cmd = [sys.executable, "-m", "profilewatch", "scan", str(corpus), "--format", "jsonl", "-o", str(out),
           "-j", str(jobs), "--no-progress", "-q"] + (["--store", str(store)] if store else [])
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        proc.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)  # the parent only: its workers must notice on their own
        proc.wait()
    return proc.returncode, time.monotonic() - started


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=1000)
    ap.add_argument("--kills", type=int, default=5)
    ap.add_argument("--jobs", default="1,2")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    lines = []
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = tmp / "corpus"
        build(corpus, args.mb, args.seed)
        files, size = common.tree_bytes(corpus)
        lines.append(f"Machine: {common.machine()}; commit {common.git_head()}; corpus {files:,} files, "
                     f"{size / 1e6:,.0f} MB (generated HTML/text with planted claims + copies of the dev corpus: "
                     f"PDF, DOCX, XLSX, WARC, nested archives, firmware); {args.kills} SIGKILLs per run, seed {args.seed}.")
        lines += ["", "| -j | reference findings | reference s | kill points (s) | resumed findings | equal |",
                  "|---|---:|---:|---|---:|---|"]
        for jobs in [int(j) for j in args.jobs.split(",")]:
            ref_out = tmp / f"ref-{jobs}.jsonl"
            _, ref_s = scan(corpus, ref_out, jobs)
            reference = findings(ref_out)
            store = tmp / f"case-{jobs}.db"
            points = []
            for _ in range(args.kills):
                point = round(rng.uniform(0.1, 0.9) * ref_s, 1)
                points.append(point)
                scan(corpus, tmp / f"killed-{jobs}.jsonl", jobs, store, kill_after=point)
            final_out = tmp / f"final-{jobs}.jsonl"
            scan(corpus, final_out, jobs, store)
            resumed = findings(final_out)
            same = resumed == reference
            ok = ok and same
            lines.append(f"| {jobs} | {len(reference):,} | {ref_s:.0f} | {', '.join(map(str, points))} | "
                         f"{len(resumed):,} | {'yes' if same else 'NO: ' + str(len(resumed ^ reference)) + ' differ'} |")
    common.write_section("soak", "## Soak: SIGKILL and resume with --store (benchmarks/soak.py)\n\n" + "\n".join(lines))
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
