#!/usr/bin/env python3
"""Zero flags on clean code at scale: the CPython standard library plus the test environment's
site-packages (issue 13's hard-negative bar).

    python benchmarks/bench_clean_python.py [--jobs 2] [--paths DIR ...]

Every flag finding there is a false flag (none of those packages implements categorising people
by a protected attribute); each one is listed with its file, line, rule and evidence so it can be
fixed as a class.  Clean-kind findings (record_field, disclaimer, ...) are counted, not failed.
Writes the ``bench_clean_python`` section of RESULTS.md; exit 1 when there is any flag.
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
import sysconfig
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", "-j", type=int, default=2)
    ap.add_argument("--paths", nargs="*", help="default: the stdlib and this interpreter's site-packages")
    args = ap.parse_args()
    paths = args.paths or sorted({sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"]})
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        cmd = [sys.executable, "-m", "profilewatch", "scan", *paths, "--format", "jsonl", "-j", str(args.jobs),
               "--output", str(out)]
        wall, cpu, proc = common.run_timed(cmd, capture_output=True, text=True)
        records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    summary = next((r for r in records if r.get("type") == "summary"), {})
    findings = [r for r in records if r.get("type") == "finding"]
    flags = [f for f in findings if f.get("flag")]
    kinds = collections.Counter(f["kind"] for f in findings if not f.get("flag"))
    files, size = 0, 0
    for p in paths:
        n, b = common.tree_bytes(Path(p))
        files, size = files + n, size + b
    lines = [f"Machine: {common.machine()}; commit {common.git_head()}; `scan -j{args.jobs}` over "
             f"{files:,} files, {size / 1e6:,.0f} MB ({', '.join(paths)}); {wall:.0f} s wall "
             f"(exit {proc.returncode}).", "",
             f"- flag findings: **{len(flags)}** (the bar is 0)",
             f"- clean-kind findings: {sum(kinds.values())} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})",
             f"- units: {json.dumps(summary.get('units') or summary.get('counts') or {}, sort_keys=True)}"]
    for f in flags:
        ev = f.get("evidence", {})
        where = f"{f['file']}" + (f"!/{f['member']}" if f.get("member") else "") + (f":{ev['line']}" if ev.get("line") else "")
        lines.append(f"  - `{where}` {f['rule']} {f['confidence']}: {ev.get('text', '')[:120]!r}")
    common.write_section("bench_clean_python", "\n".join(lines), {"clean_python_flags": len(flags)})
    print("\n".join(lines))
    return 1 if flags else 0


if __name__ == "__main__":
    sys.exit(main())
