"""The bytes-level gate's engines for this job: Hyperscan against ahocorasick-rs, same patterns.

Usage: python benchmarks/bench_gate.py [--mb 200] [--seed 1] [--dense] [--reps 3] [--write]

Every file of the generated corpus (gen_corpus.py, made if missing) is read into memory once; then,
alternating, each engine's :class:`~profilewatch.detect.bytegate.ByteGate` answers ``verdict()``
for every file (the whole job: the encoding, the multi-pattern search, the boundary and partial
tests) and runs its bare search (``matches()``, every pattern hit reported).  Reported: CPU
seconds (median of ``--reps``), MB per CPU second, the verdicts (both engines must agree file by
file), the build time cold (compiling) and warm (from the cache in ~/.cache/profilewatch), and,
for scale, the text gate the bytes gate stands in front of (decode, lower-case, Aho-Corasick over
``str``).  ``--write`` replaces the ``bench_gate`` section of benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import collections
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402
from bench_scan import ensure_corpus  # noqa: E402


def cpu() -> float:
    return time.process_time()


def build(rules, gate, engine: str, cold: bool):
    from profilewatch.detect.bytegate import build_gate

    saved = os.environ.get("XDG_CACHE_HOME")
    with tempfile.TemporaryDirectory() as tmp:
        if cold:
            os.environ["XDG_CACHE_HOME"] = tmp
        t0 = cpu()
        built = build_gate(rules, gate, engine)
        seconds = cpu() - t0
    if cold:
        if saved is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = saved
    return built, seconds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--mb", type=float, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dense", action="store_true")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args(argv)

    from profilewatch.detect.lexicon import Gate
    from profilewatch.detect.rules import load_rules
    from profilewatch.text.encoding import decode_counted

    corpus = ensure_corpus(args.mb, args.seed, args.dense)
    files = sorted(p for p in corpus.rglob("*") if p.is_file())
    datas = [p.read_bytes() for p in files]
    mbs = sum(map(len, datas)) / 1e6
    rules = load_rules([])
    text_gate = Gate(rules)
    engines = ["ahocorasick", "hyperscan"]
    gates, builds = {}, {}
    for name in engines:
        try:
            cold = build(rules, text_gate, name, cold=True)[1]
            build(rules, text_gate, name, cold=False)  # (writes the cache if it is not there yet)
            gates[name], warm = build(rules, text_gate, name, cold=False)
            builds[name] = (cold, warm)
        except ImportError:
            print(f"{name}: not installed (pip install 'profilewatch[gate]')", file=sys.stderr)
    runs: dict[str, list[float]] = collections.defaultdict(list)
    bare: dict[str, list[float]] = collections.defaultdict(list)
    verdicts: dict[str, list] = {}
    hits: dict[str, int] = {}
    for rep in range(args.reps):
        for name in (list(gates) if rep % 2 == 0 else list(reversed(gates))):
            g = gates[name]
            t0 = cpu()
            verdicts[name] = [g.verdict(d) for d in datas]
            runs[name].append(cpu() - t0)
            families = [g._family(d, None)[0] for d in datas]
            t0 = cpu()
            hits[name] = sum(len(g._engines[f].matches(d)) for f, d in zip(families, datas) if f is not None)
            bare[name].append(cpu() - t0)
            print(f"rep {rep + 1} {name}: verdict {runs[name][-1]:.2f} s cpu, search alone {bare[name][-1]:.2f} s",
                  file=sys.stderr)
    text_cpu: dict[str, float] = {}
    finder = text_gate.finder  # the Hyperscan search over str the bytes gate installs (None: Aho-Corasick)
    for label, search in (("ahocorasick-rs over str", None), ("Hyperscan over the text's UTF-8", finder)):
        if label.startswith("Hyperscan") and search is None:
            continue
        text_gate.finder = search
        t0 = cpu()
        text_pass = 0
        for d in datas:
            text = decode_counted(d)[0]
            text_pass += text_gate.any(text.lower(), text)
        text_cpu[label] = cpu() - t0
    text_gate.finder = finder
    agree = len({tuple(v) for v in verdicts.values()}) == 1
    any_v = next(iter(verdicts.values()))
    counts = collections.Counter("out" if v is False else "hit" if v is True else "maybe" for v in any_v)
    label = f"gen_corpus.py --mb {args.mb:g} --seed {args.seed}{' --dense' if args.dense else ''}"
    lines = [
        "## The bytes gate's engines: Hyperscan vs ahocorasick-rs (bench_gate.py)",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} at commit {common.git_head()}; {common.machine()}; "
        f"median CPU seconds of {args.reps} alternating runs, in one process, files in memory.",
        f"Corpus: `{corpus.name}` ({len(files)} files, {mbs:.1f} MB; {label}); "
        f"{next(iter(gates.values())).patterns} byte patterns (6 encoding families).",
        "",
        "| engine | verdict() for every file: CPU s | MB per CPU s | bare search: CPU s | MB per CPU s | pattern hits | build cold / cached s |",
        "|---|---|---|---|---|---|---|",
    ]
    figures: dict[str, float] = {}
    for name in gates:
        v, b = common.median(runs[name]), common.median(bare[name])
        cold, warm = builds[name]
        lines.append(f"| {gates[name].engine} | {v:.2f} | {mbs / v:.0f} | {b:.2f} | {mbs / b:.0f} | {hits[name]:,} | {cold:.2f} / {warm:.2f} |")
        figures[f"{name}_verdict_mb_per_s"] = round(mbs / v, 1)
    for label, seconds in text_cpu.items():
        lines.append(f"| (the text gate instead: decode, lower-case, {label}) | {seconds:.2f} | {mbs / seconds:.0f} | | | | |")
    lines += [
        "",
        f"Verdicts: {counts['out']} files gated out, {counts['hit']} certain hits (the text prefilter is skipped), "
        f"{counts['maybe']} left to the text gate; the text gate passes {text_pass}. "
        f"Both engines give the same verdict for every file: **{'yes' if agree else 'NO'}**.",
    ]
    if len(gates) == 2:
        ratio = common.median(runs["ahocorasick"]) / common.median(runs["hyperscan"])
        search = common.median(bare["ahocorasick"]) / common.median(bare["hyperscan"])
        lines.append(f"Hyperscan / ahocorasick-rs: **{ratio:.2f}x** on the whole verdict, **{search:.2f}x** on the bare search.")
        figures["hyperscan_vs_ahocorasick_speedup"] = round(ratio, 3)
    report = "\n".join(lines)
    print(report)
    if args.write:
        common.write_section("bench_gate" + ("_dense" if args.dense else ""), report, figures)
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
