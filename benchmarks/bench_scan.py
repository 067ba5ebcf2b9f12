"""End-to-end scan throughput of profilewatch against ripgrep (``rg -j1``), same files, same terms.

Usage: python benchmarks/bench_scan.py [--mb 200] [--reps 3] [--profile-mb 50] [--baseline DIR] [--write]

* the corpus is benchmarks/data/corpus-<mb>mb (made by gen_corpus.py if missing);
* the term list for rg is every raw spelling profilewatch's gate looks for (rule-pack terms with
  their Traditional, joined, full-width, escaped and cut forms), written to a patterns file;
* rg runs as ``rg -j1 --no-ignore -F -i -c -f patterns.txt CORPUS`` (``--no-ignore`` because
  benchmarks/data/ is git-ignored); profilewatch as ``profilewatch scan CORPUS --format jsonl -o FILE``
  (single process, one core); the two alternate, ``--reps`` times each, after one warm-up read;
* reported: median wall time, MB/s (MB = 10^6 bytes of input files), CPU seconds, the ratio,
  and whether every planted positive of the manifest was flagged;
* ``--baseline DIR``: also runs another source tree of profilewatch (``git archive COMMIT``) in
  the same alternation, as the "before" row, and checks that its output is the same;
* ``--profile-mb``: cProfile of an in-process scan of an evenly spread sample of that many MB,
  top functions by own time and by cumulative time.

``--write`` replaces the ``bench_scan`` section of benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

VENV_BIN = Path(sys.executable).parent


def ensure_corpus(mb: float, seed: int, dense: bool = False) -> Path:
    corpus = common.DATA / f"corpus-{mb:g}mb{'-dense' if dense else ''}"
    if not corpus.exists():
        subprocess.run([sys.executable, str(common.HERE / "gen_corpus.py"), "--mb", str(mb), "--seed", str(seed),
                        *(["--dense"] if dense else [])], check=True)
    return corpus


def flagged_files(jsonl: Path) -> set[str]:
    out = set()
    with open(jsonl, encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec.get("type") == "finding" and rec.get("flag"):
                out.add(rec["file"])
    return out


def run_rg(rg: str, patterns: Path, corpus: Path, ignore_case: bool = True) -> tuple[float, float, int]:
    flags = ["-F", "-i"] if ignore_case else ["-F"]
    wall, cpu, proc = common.run_timed([rg, "-j1", "--no-ignore", "--hidden", *flags, "-c", "-f", str(patterns), str(corpus)],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    files = sum(1 for line in proc.stdout.splitlines() if line.strip())
    return wall, cpu, files


def run_profilewatch(corpus: Path, out: Path, src: str | None = None) -> tuple[float, float, int]:
    """``src``: a source tree of another profilewatch version (``git archive COMMIT``) to run instead
    of the installed one, with the same interpreter and packages (the "before" row)."""
    command = [sys.executable, "-P", "-m", "profilewatch"] if src else [str(VENV_BIN / "profilewatch")]  # -P: not the cwd's copy
    env = {**os.environ, "PYTHONPATH": src} if src else None
    wall, cpu, proc = common.run_timed([*command, "scan", str(corpus), "--format", "jsonl", "-o", str(out),
                                        "--no-progress", "-j1"], stderr=subprocess.PIPE, text=True, env=env)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"profilewatch exited {proc.returncode}: {proc.stderr[-2000:]}")
    return wall, cpu, proc.returncode


def _records(jsonl: Path) -> list[str]:
    """The lines of a scan's JSONL output without its timestamps (to compare two runs)."""
    stamp = re.compile(r'"(started|finished)":"[^"]*"')
    return [stamp.sub("", line) for line in jsonl.read_text(encoding="utf-8").splitlines()]


def sample(corpus: Path, mb: float) -> list[str]:
    """An evenly spread sample of files adding up to about ``mb`` MB."""
    files = sorted(p for p in corpus.rglob("*") if p.is_file())
    total = sum(p.stat().st_size for p in files)
    step = max(1, round(total / (mb * 1e6)))
    return [str(p) for p in files[::step]]


def profile(files: list[str], top: int) -> tuple[str, float, int]:
    from profilewatch.api import scan
    from profilewatch.detect.rules import load_rules

    rules = load_rules([])
    size = sum(Path(f).stat().st_size for f in files)
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for _ in scan(files, rules=rules):
        pass
    prof.disable()
    wall = time.perf_counter() - t0
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top + 10)
    return buf.getvalue(), wall, size


def timed(args, rg: str, rg_version: str, patterns: Path, npat: int, corpus: Path, nfiles: int, nbytes: int,
          manifest: dict | None, work: Path) -> tuple[list[str], dict[str, float]]:
    """Alternating rg / profilewatch runs; the report lines and the figures run_all.py compares."""
    run_rg(rg, patterns, corpus)  # warm the page cache
    rg_runs, pw_runs, cs_runs, base_runs = [], [], [], []
    out = work / "scan.jsonl"
    names = ("rg", "pw", "base") if args.baseline else ("rg", "pw")
    for rep in range(args.reps):
        order = names if rep % 2 == 0 else names[::-1]
        for which in order:
            if which == "rg":
                wall, cpu, hits = run_rg(rg, patterns, corpus)
                rg_runs.append((wall, cpu))
                cs_runs.append(run_rg(rg, patterns, corpus, ignore_case=False)[:2])
            elif which == "base":
                wall, cpu, _ = run_profilewatch(corpus, work / "scan-baseline.jsonl", args.baseline)
                base_runs.append((wall, cpu))
            else:
                wall, cpu, _ = run_profilewatch(corpus, out)
                pw_runs.append((wall, cpu))
            print(f"rep {rep + 1} {which}: {wall:.2f} s wall, {cpu:.2f} s cpu, {nbytes / 1e6 / wall:.1f} MB/s", file=sys.stderr)
    rg_wall = common.median([w for w, _ in rg_runs])
    rg_cpu = common.median([c for _, c in rg_runs])
    pw_wall = common.median([w for w, _ in pw_runs])
    pw_cpu = common.median([c for _, c in pw_runs])
    cs_wall = common.median([w for w, _ in cs_runs])
    cs_cpu = common.median([c for _, c in cs_runs])
    flagged = flagged_files(out)
    planted = {p["file"] for p in manifest["positives"]} if manifest else set()
    found = planted & flagged
    mbs = nbytes / 1e6

    figures = {"profilewatch_mb_per_s": round(mbs / pw_wall, 2), "rg_mb_per_s": round(mbs / rg_wall, 2),
               "profilewatch_vs_rg_speedup": round(rg_wall / pw_wall, 3),
               "profilewatch_vs_rg_cpu_speedup": round(rg_cpu / pw_cpu, 3)}
    bar = 0.25 if getattr(args, "dense", False) else 0.5
    before = []
    if base_runs:
        b_wall, b_cpu = common.median([w for w, _ in base_runs]), common.median([c for _, c in base_runs])
        same = _records(work / "scan-baseline.jsonl") == _records(out)
        before = [f"| (before) the same at `{Path(args.baseline).name}` | {b_wall:.2f} | {mbs / b_wall:.1f} | {b_cpu:.2f} | {mbs / b_cpu:.1f} |",
                  "", f"before -> after: **{b_cpu / pw_cpu:.2f}x** less CPU ({b_cpu:.2f} -> {pw_cpu:.2f} s); before, by CPU "
                  f"seconds: {rg_cpu / b_cpu:.2f}x rg's throughput; output identical to the before row apart from timestamps: "
                  f"**{'yes' if same else 'NO'}**."]
    return [
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} at commit {common.git_head()}; {common.machine()}; "
        f"{rg_version}; median of {args.reps} alternating runs each.",
        f"Corpus: `{corpus.relative_to(common.HERE.parent) if corpus.is_relative_to(common.HERE.parent) else corpus}` "
        f"({nfiles} files, {mbs:.1f} MB; gen_corpus.py --mb {args.mb:g} --seed {args.seed}{' --dense' if args.dense else ''}), {npat} rg patterns "
        "(gate forms of the loaded packs, Traditional variants included).",
        "",
        "| tool | median wall s | MB/s | CPU s | MB/s per CPU s |",
        "|---|---|---|---|---|",
        f"| `rg -j1 -F -i -c -f patterns.txt` | {rg_wall:.2f} | {mbs / rg_wall:.1f} | {rg_cpu:.2f} | {mbs / rg_cpu:.1f} |",
        f"| `rg -j1 -F -c -f patterns.txt` (case-sensitive: misses `Uyghur`; for scale) | {cs_wall:.2f} | {mbs / cs_wall:.1f} | {cs_cpu:.2f} | {mbs / cs_cpu:.1f} |",
        f"| `profilewatch scan --format jsonl` (1 process) | {pw_wall:.2f} | {mbs / pw_wall:.1f} | {pw_cpu:.2f} | {mbs / pw_cpu:.1f} |",
        *before,
        "",
        f"profilewatch / rg wall-time ratio: **{pw_wall / rg_wall:.1f}x** slower (target: within 2x); "
        f"profilewatch throughput **{mbs / pw_wall:.1f} MB/s** per core (target: >= 150 MB/s).",
        f"rg matched {hits} files (any gate form, no context); profilewatch flagged {len(flagged)} files, "
        f"{len(found)}/{len(planted)} planted positives among them"
        f"{'' if flagged == planted else f'; flagged but not planted: {sorted(flagged - planted)[:5]}'}.",
        f"By CPU seconds (the steadier figure on this shared machine): profilewatch -j1 is **{rg_cpu / pw_cpu:.2f}x** "
        f"rg -j1 -F -i's throughput per CPU second (bar: {bar}x: {'met' if rg_cpu / pw_cpu >= bar else 'missed'}).",
    ], figures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--mb", type=float, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dense", action="store_true", help="the dense corpus (gen_corpus.py --dense): section bench_scan_dense")
    ap.add_argument("--corpus", type=Path, help="scan this folder instead of the generated corpus")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--profile-mb", type=float, default=0, help="also profile a sample of this many MB (0: no)")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--write", action="store_true", help="update the bench_scan section of RESULTS.md")
    ap.add_argument("--baseline", metavar="DIR", help="also run the profilewatch source tree DIR (e.g. `git archive main | tar -x -C DIR`) "
                    "as a (before) row: before/after in the same run")
    args = ap.parse_args(argv)

    rg = shutil.which("rg")
    if rg is None:
        raise SystemExit("ripgrep not found (Debian: apt-get install ripgrep)")
    corpus = args.corpus or ensure_corpus(args.mb, args.seed, args.dense)
    manifest_path = corpus.with_name(corpus.name + ".manifest.json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else None
    nfiles, nbytes = common.tree_bytes(corpus)
    work = common.DATA / "bench_scan"
    work.mkdir(parents=True, exist_ok=True)
    patterns = work / "patterns.txt"
    npat = common.write_patterns(patterns)
    rg_version = subprocess.run([rg, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    print(f"corpus {corpus}: {nfiles} files, {nbytes / 1e6:.1f} MB; {npat} rg patterns; {rg_version}", file=sys.stderr)

    section = "bench_scan_dense" if args.dense else "bench_scan"
    lines = [f"## Scan throughput{', dense corpus' if args.dense else ''}: profilewatch vs ripgrep (bench_scan.py{' --dense' if args.dense else ''})", ""]
    figures: dict[str, float] = {}
    if args.reps:
        timed_lines, figures = timed(args, rg, rg_version, patterns, npat, corpus, nfiles, nbytes, manifest, work)
        lines += timed_lines
    if args.profile_mb:
        files = sample(corpus, args.profile_mb)
        text, wall, size = profile(files, args.top)
        (work / "profile.txt").write_text(text, encoding="utf-8")
        lines += ["", f"cProfile of an in-process scan of {len(files)} files ({size / 1e6:.1f} MB, evenly spread sample): "
                  f"{wall:.1f} s under the profiler ({size / 1e6 / wall:.2f} MB/s); full listing in "
                  "benchmarks/data/bench_scan/profile.txt."]
        print(text, file=sys.stderr)
    report = "\n".join(lines)
    print(report)
    if args.write:
        common.write_section(section, report, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
