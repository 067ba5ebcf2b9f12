"""Parallel scanning: ``-j1`` against ``-jN`` and a Dask LocalCluster, same files, same findings.

Usage: python benchmarks/bench_parallel.py [--mb 200] [--reps 3] [--jobs 2] [--write]

Each configuration runs ``profilewatch scan CORPUS --format jsonl -o FILE`` as a whole process,
alternating, ``--reps`` times after one warm-up read; reported are the median wall time, MB/s,
the speed-up over ``-j1``, the peak RSS of the largest process (the parent or a worker, from
``RUSAGE_CHILDREN``), and whether the findings (the JSONL minus timestamps) are identical to
``-j1``'s.  The corpus is benchmarks/data/corpus-<mb>mb (gen_corpus.py).  ``--write`` replaces
the ``bench_parallel`` section of benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

from bench_scan import ensure_corpus  # noqa: E402

VENV_BIN = Path(sys.executable).parent
STAMP = re.compile(r'"(started|finished)":"[^"]*"')


def run(corpus: Path, out: Path, extra: list[str]) -> tuple[float, int]:
    """Wall seconds and the peak RSS (bytes) of the largest process of one scan (sampled every 50 ms)."""
    import psutil

    cmd = [str(VENV_BIN / "profilewatch"), "scan", str(corpus), "--format", "jsonl", "-o", str(out),
           "--no-progress", *extra]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    parent = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            for p in [parent, *parent.children(recursive=True)]:
                peak = max(peak, p.memory_info().rss)
        except psutil.Error:
            pass
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.read()[-500:]}")
    return wall, peak


def stripped(path: Path) -> str:
    return STAMP.sub("", path.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--mb", type=float, default=200)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args(argv)
    corpus = ensure_corpus(args.mb, args.seed)
    files, size = common.tree_bytes(corpus)
    subprocess.run(["cat", *map(str, sorted(p for p in corpus.rglob("*") if p.is_file()))], stdout=subprocess.DEVNULL)
    configs = {"-j1": ["-j1"], f"-j{args.jobs}": [f"-j{args.jobs}"],
               f"dask LocalCluster, {args.jobs} workers": ["--executor", "dask", "-j", str(args.jobs)]}
    walls: dict[str, list[float]] = {name: [] for name in configs}
    rss: dict[str, int] = {}
    outputs: dict[str, str] = {}
    for _ in range(args.reps):
        for name, extra in configs.items():
            out = common.DATA / f"parallel-{abs(hash(name))}.jsonl"
            wall, peak = run(corpus, out, extra)
            walls[name].append(wall)
            rss[name] = max(rss.get(name, 0), peak)
            outputs[name] = stripped(out)
    base = common.median(walls["-j1"])
    rows = []
    for name in configs:
        med = common.median(walls[name])
        same = "yes" if outputs[name] == outputs["-j1"] else "NO"
        rows.append(f"| {name} | {med:.1f} s | {size / med / 1e6:.1f} MB/s | {base / med:.2f}x | "
                    f"{rss[name] / 2**20:.0f} MB | {same} |")
        print(rows[-1])
    load = os.getloadavg()[0]
    body = "\n".join([
        "## Parallel scanning: -j1, -jN and Dask (benchmarks/bench_parallel.py)",
        "",
        f"{files} files, {size / 1e6:.0f} MB (gen_corpus.py --mb {args.mb:g}); median of {args.reps} alternating runs "
        f"of the whole command; {common.machine()}; load average {load:.1f} at the end (other jobs were running); "
        f"commit {common.git_head()}; {_dt.datetime.now(_dt.timezone.utc):%Y-%m-%d %H:%M} UTC.",
        "",
        "| run | wall | throughput | speed-up over -j1 | peak RSS (largest process, over the runs) | output identical to -j1 |",
        "|---|---|---|---|---|---|",
        *rows,
    ])
    figures = {f"{name.split(',')[0].replace(' ', '_')}_mb_per_s": round(size / common.median(walls[name]) / 1e6, 2)
               for name in configs}
    figures[f"j{args.jobs}_speedup"] = round(base / common.median(walls[f"-j{args.jobs}"]), 3)
    if args.write:
        common.write_section("bench_parallel", body, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
