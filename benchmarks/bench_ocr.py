"""OCR engines compared on benchmarks/ocr_set.py: character error rate per script, and speed.

CER = edit distance between the recognised and the true text (whitespace removed, lines joined
in reading order) / true length, summed over the images of a script.  Speed is measured on A4
pages at 150 dpi, one per script, as CPU seconds per page (the engines run single-threaded, so
pages/s per core = 1 / CPU seconds) and wall seconds (this machine is shared: wall time is
longer than CPU time when other work runs).

    .venv/bin/python benchmarks/bench_ocr.py [--engines rapidocr,tesseract] [--no-write]

Writes the "OCR engines" section of benchmarks/RESULTS.md (and prints it).
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("PROFILEWATCH_OCR_THREADS", "1")

import ocr_set  # noqa: E402

from profilewatch.extract import ocr  # noqa: E402

_WS = re.compile(r"\s+")


def distance(a: str, b: str) -> int:
    """Levenshtein distance (characters)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def recognised(engine: ocr.Engine, image) -> str:
    lines = engine.read(ocr.fit(image))
    return "\n".join(" ".join(line.text for line in row) for row in ocr.rows(lines))


def cpu() -> float:
    """CPU seconds of this process and its finished children (tesseract runs as a child)."""
    own = time.process_time()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own + kids.ru_utime + kids.ru_stime


def measure(engine: ocr.Engine) -> dict:
    errors: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    worst: list[tuple[float, str]] = []
    for name, script, image, truth in ocr_set.pages():
        got = recognised(engine, image)
        t, g = _WS.sub("", truth), _WS.sub("", got)
        d = distance(g, t)
        errors[script][0] += d
        errors[script][1] += len(t)
        worst.append((d / max(len(t), 1), name))
    speed = []
    for name, script, image, _ in ocr_set.pages(full_page=True):
        if not name.endswith("/clean-28px") or script == "table":
            continue
        c0, w0 = cpu(), time.perf_counter()
        engine.read(ocr.fit(image))
        speed.append((script, cpu() - c0, time.perf_counter() - w0))
    return {"cer": {s: e / max(n, 1) for s, (e, n) in errors.items()}, "worst": sorted(worst)[-3:], "speed": speed}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--engines", default=",".join(ocr.ENGINES))
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    rows = []
    for name in args.engines.split(","):
        engine = ocr.engine(name)
        if engine is None:
            print(f"{name}: not available, skipped")
            continue
        started = time.perf_counter()
        result = measure(engine)
        cpu_per_page = sum(c for _, c, _ in result["speed"]) / max(len(result["speed"]), 1)
        wall_per_page = sum(w for _, _, w in result["speed"]) / max(len(result["speed"]), 1)
        rows.append((f"{engine.name} {engine.version}", result, cpu_per_page, wall_per_page))
        print(f"{name}: done in {time.perf_counter() - started:.0f} s; worst images {result['worst']}")
    scripts = ("simplified", "traditional", "english", "table")
    lines = ["| engine | " + " | ".join(f"CER {s}" for s in scripts) +
             " | CPU s / A4 page (150 dpi) | pages/s per core | wall s / page |",
             "|---|" + "---|" * (len(scripts) + 3)]
    for label, result, c, w in rows:
        cer = " | ".join(f"{result['cer'].get(s, float('nan')) * 100:.1f}%" for s in scripts)
        lines.append(f"| {label} | {cer} | {c:.2f} | {1 / c if c else 0:.2f} | {w:.2f} |")
    if len(rows) == 2:
        lines.append(f"\nSpeed ratio (CPU per page, {rows[1][0]} / {rows[0][0]}): {rows[1][2] / rows[0][2]:.2f}x")
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        from common import write_section

        write_section("ocr", "## OCR engines (bench_ocr.py)\n\n" + text + "\n\nSet: benchmarks/ocr_set.py (rendered texts, "
                      "3 CJK + 2 Latin fonts, 6 variants: sizes, 100 dpi, rotations, noise/blur; one spec table). "
                      "Speed: one dense A4 page per script at 150 dpi, one thread.")


if __name__ == "__main__":
    main()
