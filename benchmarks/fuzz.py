"""Fuzz every extractor and container at depth (issue 12; not in CI).

Usage: python benchmarks/fuzz.py [--seconds 600] [--seed 1] [--out crashes/]

Seeds: the project's own test inputs (``tests/test_fuzz.py`` SEEDS: every container, Office
format, PDF, WARC/ARC, binary, hostile text).  Each input is a seed with 1-6 random flips,
cuts, insertions, deletions or zeroed runs (the same mutations as the CI hypothesis test, drawn
from ``random`` for speed), scanned in this process by ``scanner.scan_unit``.  A crash is an
exception out of ``scan_unit`` or a record breaking ``check_records`` (undocumented reason,
``container_failed``, a unit not accounted for); crashing inputs are written to ``--out``.
Prints inputs run, crashes, inputs/s and peak RSS (``resource.getrusage``).
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import random
import resource
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE / "tests"))

from formats_helpers import scan_bytes, with_limits  # noqa: E402
from test_fuzz import SEEDS, check_records  # noqa: E402


def mutate(rng: random.Random, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(rng.randint(1, 6)):
        op = rng.choice(("flip", "flip", "cut", "insert", "delete", "zero"))
        pos = rng.randint(0, max(len(data) - 1, 0))
        if op == "flip" and data:
            data[pos] ^= rng.randint(1, 255)
        elif op == "cut":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = rng.randbytes(rng.randint(1, 16))
        elif op == "delete":
            del data[pos:pos + rng.randint(1, 64)]
        elif op == "zero":
            data[pos:pos + 32] = b"\0" * len(data[pos:pos + 32])
    return bytes(data)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="fuzz-crashes")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    names = sorted(SEEDS)
    limits = with_limits(max_total_bytes=64 << 20, unit_seconds=30)
    runs, crashes = collections.Counter(), collections.Counter()
    kinds: dict[str, str] = {}
    t0 = time.monotonic()
    while time.monotonic() - t0 < args.seconds:
        name = names[runs.total() % len(names)]
        blob = mutate(rng, SEEDS[name])
        runs[name] += 1
        try:
            records, _ = scan_bytes(name, blob, limits=limits)
            check_records(name, records)
        except Exception as exc:  # noqa: BLE001 - that is what we are looking for
            crashes[name] += 1
            key = f"{type(exc).__name__}: {str(exc)[:120]}"
            if key not in kinds:
                kinds[key] = name
                out = Path(args.out)
                out.mkdir(exist_ok=True)
                (out / f"{name}.{hashlib.sha256(blob).hexdigest()[:12]}").write_bytes(blob)
                traceback.print_exc(limit=3)
    seconds = time.monotonic() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"inputs: {runs.total()} in {seconds:.0f} s ({runs.total() / seconds:.0f}/s), crashes: {crashes.total()}, "
          f"distinct: {len(kinds)}, peak RSS {peak:.0f} MB")
    print("per seed:", ", ".join(f"{n} {runs[n]}" for n in names))
    for key, name in kinds.items():
        print(f"  crash on {name}: {key}")


if __name__ == "__main__":
    main()
