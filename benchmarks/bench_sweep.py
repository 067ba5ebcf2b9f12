"""Sweep throughput: records/s fetched from local fake archives with 1 and 2 workers.

Usage: python benchmarks/bench_sweep.py [--pages 200] [--latency 0.01] [--reps 3] [--write]

Starts the mock vendor of tests/sweep_world.py on 127.0.0.1 (a fake Wayback CDX with ``id_``
captures, a fake Common Crawl index server and a range-serving WARC host; ``--pages`` pages over
5 captures), then times :func:`profilewatch.sweep.run.run_sweep` into a fresh output folder:
listing (CDX pages, index pages) plus fetching, decoding, WARC writing and the fsynced manifest,
with ``-j1`` and ``-j2``, each ``--latency`` seconds of server-side delay per request (0 and the
given value: an archive is never instant), politeness pacing off.  Then the scan of the result
(``ScanJob`` with timelines) once.  ``--write`` replaces the ``bench_sweep`` section of
benchmarks/RESULTS.md.

The Dask/process executor of the scale work is not in this branch: the sweep's fetch loop is
written against :data:`profilewatch.sweep.executor.Mapper`, so it can be timed here once it lands.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
import common  # noqa: E402
from sweep_world import World, start  # noqa: E402

from profilewatch.history.polite import Client, Politeness  # noqa: E402
from profilewatch.sweep import sources as src  # noqa: E402
from profilewatch.cli.sweep import scan_job  # noqa: E402
from profilewatch.sweep.run import run_sweep  # noqa: E402
from profilewatch.sweep.store import SweepStore  # noqa: E402


def listing(world: World, client: Client):
    yield from src.wayback_records(client, "vendor.example", endpoint=world.urls["wayback"] + "/cdx",
                                   prefix=world.urls["wayback"] + "/web/", mimes=src.mime_regex(["html"]))
    for crawl, api in src.cc_crawls(client, world.urls["index"], ["all"]):
        yield from src.cc_records(client, api, crawl, "vendor.example", data_prefix=world.urls["data"] + "/")


def one_run(world: World, workers: int) -> tuple[float, int, Path]:
    client = Client(Politeness(per_host=workers, retries=2, backoff=0.05), {}, time.monotonic, time.sleep)
    out = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    store = SweepStore(out)
    started = time.perf_counter()
    report = run_sweep(listing(world, client), store, client, workers=workers)
    seconds = time.perf_counter() - started
    store.close()
    assert not report.problems and report.fetched + report.revisits == report.listed
    return seconds, report.listed, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--latency", type=float, default=0.01)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    world = World(pages=args.pages)
    servers = start(world)
    rows, keep = [], None
    try:
        for latency in (0.0, args.latency):
            world.delay = latency
            for workers in (1, 2):
                times = []
                for _ in range(args.reps):
                    seconds, n, out = one_run(world, workers)
                    times.append(seconds)
                    if keep is None:
                        keep = out
                    else:
                        shutil.rmtree(out)
                med = common.median(times)
                rows.append((latency, workers, n, med, n / med))
                print(f"latency {latency * 1000:.0f} ms, -j{workers}: {n} records in {med:.2f} s = {n / med:.0f} records/s")
        started = time.perf_counter()
        recs = list(scan_job(SweepStore(keep)))
        scan_s = time.perf_counter() - started
        timelines = sum(1 for r in recs if r.to_dict()["type"] == "timeline")
        print(f"scan of the sweep with timelines: {scan_s:.2f} s, {timelines} timelines")
    finally:
        for s in servers:
            s.shutdown()
        if keep is not None:
            shutil.rmtree(keep)
    if args.write:
        table = "\n".join(f"| {lat * 1000:.0f} ms | -j{w} | {n} | {s:.2f} | {rate:.0f} |" for lat, w, n, s, rate in rows)
        body = (f"## Sweep throughput (bench_sweep.py)\n\n"
                f"Mock vendor of tests/sweep_world.py on 127.0.0.1: {args.pages} pages x 5 captures (Wayback CDX + "
                f"`id_` captures, two Common Crawl crawls by range request), listing included, politeness pacing off, "
                f"median of {args.reps}; {common.machine()}; commit {common.git_head()}. The machine is shared with "
                f"other engineers' jobs: figures are indicative.\n\n"
                f"| server latency | workers | records | seconds | records/s |\n|---|---|---|---|---|\n{table}\n\n"
                f"Scan of the swept WARC with timelines (one run): {scan_s:.2f} s, {timelines} timelines.\n")
        common.write_section("bench_sweep", body)


if __name__ == "__main__":
    main()
