"""Peak memory per process on one very large input (issue 10: <= 300 MB per worker on a 2 GB file).

Usage: python benchmarks/bench_bigfile.py [--gb 2] [--jobs 1,2] [--kinds text,warc] [--write]

1. generate (once; kept in benchmarks/data/) a single file of ``--gb`` GiB of each kind:
   ``big-<gb>gb.log``, one application log (gen_corpus.py's device-log lines) with a flag phrase
   at about a third, two thirds and the end (a log, not prose: a 2 GB run of news and product
   paragraphs reads as one news text, so its planted claims are rightly reporting); ``big-<gb>gb.warc.gz``, bench_warc.py's
   per-record gzip crawl with ``--gb`` GiB of HTML payload (its planted phrases listed beside it);
2. scan each with ``profilewatch scan FILE --format jsonl -jN --limit unit_seconds=86400`` (the
   text file is one unit: the default 60 s would end it partial), polling every 0.2 s the
   high-water mark (``VmHWM`` in ``/proc/PID/status``) of the scan and of every worker process it
   starts; the figure is the largest of any one process (the parent and each worker apart), so a
   growth in a process's last 0.2 s can be missed;
3. report wall seconds, the peak of the parent and of the largest worker, and whether every
   planted phrase was found and nothing else flagged.

``--write`` replaces the ``bench_bigfile`` section of benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import common  # noqa: E402

DATA = HERE / "data"
GIB = 1 << 30


def generate_text(path: Path, gb: float, seed: int = 5) -> dict:
    """One log file of ``gb`` GiB, planted phrases at about 1/3, 2/3 and the end."""
    from gen_corpus import POSITIVES, Writer

    w = Writer(seed)
    budget = int(gb * GIB)
    marks = [budget // 3, 2 * budget // 3]
    phrases = [p for lang, p in POSITIVES if lang != "code"][:3]
    planted, written = [], 0
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        while written < budget:
            positive = None
            if marks and written >= marks[0]:
                marks.pop(0)
                positive = phrases[len(planted)]
            data = w.log(positive).encode("utf-8")
            fh.write(data)
            written += len(data)
            if positive:
                planted.append(positive)
        fh.write(("\n" + phrases[2] + "\n").encode("utf-8"))
        planted.append(phrases[2])
    tmp.rename(path)
    return {"kind": "text", "bytes": path.stat().st_size, "positives": planted}


def generate_warc(path: Path, gb: float) -> dict:
    from bench_warc import generate

    manifest = generate(path, gb * GIB / 1e6, seed=7)
    return {"kind": "warc", "bytes": path.stat().st_size, "positives": [p["phrase"] for p in manifest["positives"]],
            "records": manifest["responses"]}


def _hwm_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _children(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        found += [int(k) for k in kids]
        todo += [int(k) for k in kids]
    return found


def scan(path: Path, jobs: int, out: Path) -> dict:
    cmd = [sys.executable, "-m", "profilewatch", "scan", str(path), "--format", "jsonl", "-o", str(out),
           f"-j{jobs}", "--limit", "unit_seconds=86400", "-q"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE)
    peaks: dict[int, float] = {}
    while proc.poll() is None:
        for pid in [proc.pid, *_children(proc.pid)]:
            mb = _hwm_mb(pid)
            if mb is not None:
                peaks[pid] = max(peaks.get(pid, 0.0), mb)
        time.sleep(0.2)
    wall = time.perf_counter() - t0
    workers = [mb for pid, mb in peaks.items() if pid != proc.pid]
    return {"wall_s": wall, "rc": proc.returncode, "parent_mb": peaks.get(proc.pid, 0.0),
            "worker_mb": max(workers, default=0.0), "stderr": proc.stderr.read().decode("utf-8", "replace")[-500:]}


def check(out: Path, positives: list[str]) -> tuple[int, int, bool, int]:
    """(flag findings, planted phrases found, nothing else flagged, error records)."""
    flags, errors = [], 0
    kinds = {"capability_claim", "implementation", "targeting_rule"}
    for line in out.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if r["type"] == "finding" and r["kind"] in kinds:
            flags.append(r["evidence"]["text"])
        errors += r["type"] == "error"
    found = sum(any(p[:12] in text or p in text for text in flags) for p in set(positives))
    stray = [t for t in flags if not any(p[:12] in t or p in t for p in positives)]
    return len(flags), found, not stray, errors


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--gb", type=float, default=2.0)
    ap.add_argument("--jobs", default="1,2")
    ap.add_argument("--kinds", default="text,warc")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args(argv)
    DATA.mkdir(exist_ok=True)
    rows, figures = [], {}
    for kind in args.kinds.split(","):
        path = DATA / (f"big-{args.gb:g}gb.log" if kind == "text" else f"big-{args.gb:g}gb.warc.gz")
        meta = path.with_name(path.name + ".manifest.json")
        if not path.exists() or not meta.exists():
            print(f"generating {path} ...", flush=True)
            manifest = generate_text(path, args.gb) if kind == "text" else generate_warc(path, args.gb)
            meta.write_text(json.dumps(manifest), encoding="utf-8")
        manifest = json.loads(meta.read_text(encoding="utf-8"))
        for jobs in [int(j) for j in args.jobs.split(",")]:
            out = DATA / f"bigfile-{kind}-j{jobs}.jsonl"
            got = scan(path, jobs, out)
            flags, found, clean, errors = check(out, manifest["positives"])
            wanted = len(set(manifest["positives"]))
            row = (f"| {kind}, {manifest['bytes'] / 1e9:.2f} GB | -j{jobs} | {got['wall_s']:.0f} s | "
                   f"{got['parent_mb']:.0f} MB | {got['worker_mb']:.0f} MB | {found}/{wanted} planted found, "
                   f"{'no other flag' if clean else 'OTHER FLAGS'}, {errors} error records, exit {got['rc']} |")
            print(row, flush=True)
            rows.append(row)
            figures[f"{kind}_j{jobs}_peak_mb"] = round(max(got["parent_mb"], got["worker_mb"]), 1)
    body = "\n".join([
        "## Peak memory on one very large input (bench_bigfile.py)",
        "",
        f"{common.machine()}; commit {common.git_head()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        "peak = VmHWM polled every 0.2 s, per process.",
        "",
        "| input | jobs | wall | peak RSS, scan process | peak RSS, largest worker | result |",
        "|---|---|---|---|---|---|",
        *rows,
    ])
    print(body)
    if args.write:
        common.write_section("bench_bigfile", body, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
