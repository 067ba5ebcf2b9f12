"""Benchmark: rescanning an unchanged corpus with a case store vs a full scan.

Measures, on /work/shared/corpus/dev/corpus (or the folder given as argument):

* full scan without a store;
* first scan with a fresh store (the cost of committing records and finding-bearing bytes);
* rescan of the unchanged corpus with the warm store (every top-level unit replayed);

each as the median of several runs, both in-process (``api.scan``, the scan work alone) and as
a ``profilewatch scan`` command (wall clock, including interpreter start and rule loading).
Appends (or replaces) the ``bench_store`` section of benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/bench_store.py [CORPUS] [--runs 5]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
DEFAULT_CORPUS = "/work/shared/corpus/dev/corpus"
BEGIN, END = "<!-- bench_store:begin -->", "<!-- bench_store:end -->"


def _inprocess(corpus: str, store_path: str | None, rules) -> tuple[float, int]:
    from profilewatch import api
    from profilewatch.records import Finding
    from profilewatch.case.store import Store

    started = time.perf_counter()
    store = Store(store_path) if store_path else None
    try:
        n = sum(isinstance(r, Finding) for r in api.scan([corpus], store=store, rules=rules))
    finally:
        if store is not None:
            store.close()
    return time.perf_counter() - started, n


def _command(corpus: str, store_path: str | None) -> float:
    cmd = [sys.executable, "-c", "import sys; from profilewatch.cli import main; sys.exit(main())",
           "scan", corpus, "--format", "jsonl", "-o", os.devnull, "--no-progress"]
    if store_path:
        cmd += ["--store", store_path]
    started = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"scan failed ({proc.returncode}): {proc.stderr}")
    return elapsed


def _cli_rescan(corpus: str, store_path: str, attempts: int = 5) -> float:
    """Wall clock of a command rescan in which every top-level unit was replayed.

    The store keys results by a digest of profilewatch's own source, so a run during which
    someone edited the code scans afresh; such a run is not a rescan and is measured again.
    """
    import sqlite3

    for _ in range(attempts):
        elapsed = _command(corpus, store_path)
        con = sqlite3.connect(store_path)
        fresh = con.execute("SELECT count(*) FROM done WHERE scan_id = (SELECT max(id) FROM scans) "
                            "AND reused = 0").fetchone()[0]
        con.close()
        if fresh == 0:
            return elapsed
    raise SystemExit("the code kept changing: no command rescan replayed every unit")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=DEFAULT_CORPUS)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    corpus = args.corpus
    files = sum(1 for p in Path(corpus).rglob("*") if p.is_file())
    size = sum(p.stat().st_size for p in Path(corpus).rglob("*") if p.is_file())

    from profilewatch.detect.rules import load_rules

    rules = load_rules([])  # loaded once: the in-process figures are the scan work alone
    full, first, rescan, cli_full, cli_rescan = [], [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        warm = f"{tmp}/warm.db"
        _inprocess(corpus, None, rules)  # warm imports and OS caches
        _inprocess(corpus, warm, rules)
        for i in range(args.runs):  # interleaved, so load from other processes hits every variant alike
            full.append(_inprocess(corpus, None, rules))
            first.append(_inprocess(corpus, f"{tmp}/first-{i}.db", rules))
            rescan.append(_inprocess(corpus, warm, rules))
            cli_full.append(_command(corpus, None))
            cli_rescan.append(_cli_rescan(corpus, f"{tmp}/cli.db"))
        assert {n for _, n in full} == {n for _, n in first} == {n for _, n in rescan}, "finding counts differ"
        db_size = os.path.getsize(warm)

    med = lambda xs: statistics.median(x if isinstance(x, float) else x[0] for x in xs)  # noqa: E731
    t_full, t_first, t_rescan = med(full), med(first), med(rescan)
    c_full, c_rescan = med(cli_full), med(cli_rescan)
    findings = full[0][1]
    lines = [
        BEGIN,
        "## Case store: rescan of an unchanged corpus (benchmarks/bench_store.py)",
        "",
        f"Corpus `{corpus}`: {files} files, {size / 1e6:.1f} MB, {findings} findings; "
        f"median of {args.runs} runs; Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (shared machine); "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        "| run | in-process (api.scan) | command (wall clock) |",
        "|---|---|---|",
        f"| full scan, no store | {t_full:.3f} s | {c_full:.3f} s |",
        f"| first scan into a fresh store | {t_first:.3f} s ({t_first / t_full:.2f}x full) | |",
        f"| rescan, unchanged corpus, warm store | {t_rescan:.3f} s | {c_rescan:.3f} s |",
        f"| **rescan / full** | **{t_rescan / t_full:.3f}** ({t_full / t_rescan:.1f}x faster) "
        f"| **{c_rescan / c_full:.3f}** ({c_full / c_rescan:.1f}x faster) |",
        "",
        f"Store size after one scan: {db_size / 1e6:.1f} MB (records of every unit plus the bytes of "
        "finding-bearing units). The rescan still reads and hashes every file; the command figure includes "
        "interpreter start and rule loading, which the store does not save.",
        END,
    ]
    section = "\n".join(lines) + "\n"
    print(section)
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END) + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
