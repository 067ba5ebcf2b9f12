#!/usr/bin/env python3
"""Rerun every benchmark and compare with the figures recorded in benchmarks/RESULTS.md.

    python benchmarks/run_all.py [--quick] [--only NAME,...] [--write] [--tolerance 0.2]

Each benchmark writes its section into a scratch copy of RESULTS.md (PROFILEWATCH_BENCH_RESULTS);
the figures it records there (``<!-- figures:NAME {...} -->``) are compared with the committed
ones: a figure more than ``--tolerance`` (default 20%) worse is a REGRESSION and the exit code is
1.  Figures named ``*_per_s``/``*_speedup`` are better higher, ``*_s``/``*_mb`` better lower.
``--write`` copies the new sections into RESULTS.md when nothing regressed.  ``--quick`` runs
smaller inputs (figures then compare against themselves only roughly: use it to smoke-test).
Speed lives here, never in a timed unit test.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

BENCHES = {  # section name: (full arguments, quick arguments); the script is SCRIPTS[name] or name.py
    "bench_scan": (["--mb", "200", "--reps", "3"], ["--mb", "30", "--reps", "1"]),
    "bench_scan_dense": (["--mb", "200", "--reps", "3", "--dense"], ["--mb", "30", "--reps", "1", "--dense"]),
    "bench_gate": (["--mb", "200", "--reps", "3"], ["--mb", "30", "--reps", "1"]),
    "bench_warc": (["--mb", "500", "--reps", "1"], ["--mb", "50", "--reps", "1", "--skip", "straightforward"]),
    "bench_parallel": (["--mb", "200", "--reps", "3"], ["--mb", "30", "--reps", "1"]),
    "bench_bigfile": (["--gb", "2"], ["--gb", "0.1"]),
}


SCRIPTS = {"bench_scan_dense": "bench_scan"}


def better_higher(name: str) -> bool | None:
    if name.endswith(("_per_s", "_speedup")):
        return True
    if name.endswith(("_s", "_mb")):
        return False
    return None


def compare(old: dict[str, float], new: dict[str, float], tolerance: float) -> list[str]:
    """Lines for every figure present in both runs; REGRESSION where it got worse by more than ``tolerance``."""
    lines = []
    for name in sorted(set(old) & set(new)):
        higher = better_higher(name)
        if higher is None or not old[name]:
            continue
        change = (new[name] - old[name]) / old[name]
        worse = -change if higher else change
        mark = "REGRESSION" if worse > tolerance else "ok"
        lines.append(f"  {mark:<10} {name}: {old[name]:g} -> {new[name]:g} ({change:+.0%})")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="")
    ap.add_argument("--tolerance", type=float, default=0.2)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args(argv)
    only = set(filter(None, args.only.split(",")))
    recorded = common.read_figures(common.RESULTS.read_text(encoding="utf-8"))
    regressions = 0
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "RESULTS.md"
        shutil.copy(common.RESULTS, scratch)
        env = {**os.environ, "PROFILEWATCH_BENCH_RESULTS": str(scratch)}
        for name, (full, quick) in BENCHES.items():
            if only and name not in only:
                continue
            print(f"== {name}", flush=True)
            cmd = [sys.executable, str(common.HERE / f"{SCRIPTS.get(name, name)}.py"), *(quick if args.quick else full), "--write"]
            if subprocess.run(cmd, env=env).returncode != 0:
                print(f"  FAILED: {' '.join(cmd)}")
                regressions += 1
                continue
            new = common.read_figures(scratch.read_text(encoding="utf-8")).get(name, {})
            if name not in recorded:
                print("  no recorded figures yet: this run sets them")
                continue
            lines = compare(recorded[name], new, args.tolerance)
            regressions += sum(line.lstrip().startswith("REGRESSION") for line in lines)
            print("\n".join(lines))
        if args.write and not regressions:
            shutil.copy(scratch, common.RESULTS)
    print(f"{regressions} regression(s)" if regressions else "no regression")
    return 1 if regressions else 0


if __name__ == "__main__":
    sys.exit(main())
