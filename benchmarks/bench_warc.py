"""WARC scanning throughput: FastWARC floor vs a straightforward scanner vs profilewatch.

Usage: python benchmarks/bench_warc.py [--mb 500] [--seed 2] [--reps 1] [--baseline DIR] [--write]

1. generate (once; kept in benchmarks/data/) ``pages-<mb>mb.warc.gz``: a warcinfo record, then per
   page a request and a ``response`` record (HTTP/1.1 200, ``Content-Type: text/html; charset=...``)
   holding a page from gen_corpus.py's Chinese/English product and news templates; ``--mb`` MB
   (10^6 bytes) of HTML payload in all, per-record gzip, written with warcio's WARCWriter;
   about 1 page in 400 carries a flag phrase (listed in ``<warc>.manifest.json``);
2. measure, each in its own process, alternating, ``--reps`` times:
   (a) *floor*: FastWARC ``ArchiveIterator`` over response records, reading every payload in full;
   (b) *straightforward*: warcio ``ArchiveIterator`` + ``BeautifulSoup(html, "html.parser").get_text()``
       + one case-insensitive regex alternation of the rule-pack terms and their Traditional
       variants (needs the ``bench`` extra: ``pip install -e '.[bench]'``);
   (c) *profilewatch*: ``profilewatch scan FILE --format jsonl -o FILE`` (single process);
3. report records/s, MB/s of HTML payload (and of the compressed file), CPU seconds and the
   ratios (c)/(a) and (b)/(c).

``--write`` replaces the ``bench_warc`` section of benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

VENV_BIN = Path(sys.executable).parent
STAMP = re.compile(r'"(started|finished)":"[^"]*"')
JOBS = 2  # (d): one WARC split into record ranges over this many workers


def generate(path: Path, mb: float, seed: int) -> dict:
    """Write the WARC; returns its manifest (records, payload bytes, planted positives)."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from gen_corpus import POSITIVES, Writer

    w = Writer(seed)
    r = w.r
    budget = int(mb * 1e6)
    total = records = 0
    positives = []
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "profilewatch bench_warc.py", "format": "WARC File Format 1.1"}))
        while total < budget:
            lang = "zh" if r.random() < 0.6 else "en"
            kind = "product" if r.random() < 0.6 else "news"
            positive = None
            if r.random() < 1 / 400:
                positive = r.choice([p for lang_, p in POSITIVES if lang_ == lang])
            charset = "gbk" if lang == "zh" and r.random() < 0.33 else "utf-8"
            body = w.html(lang, kind, positive, charset=charset).encode("gb18030" if charset == "gbk" else "utf-8")
            uri = f"https://www.{r.choice(['vendor-a', 'vendor-b', 'anfang', 'shiyun', 'news-portal'])}.example/{lang}/{kind}/{records:07d}.html"
            date = f"20{r.randint(15, 24)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z"
            req = StatusAndHeaders("GET /" + uri.split("/", 3)[3] + " HTTP/1.1",
                                   [("Host", uri.split("/")[2]), ("User-Agent", "Mozilla/5.0 (bench)"), ("Accept", "text/html")],
                                   is_http_request=True)
            writer.write_record(writer.create_warc_record(uri, "request", http_headers=req, warc_headers_dict={"WARC-Date": date}))
            resp = StatusAndHeaders("200 OK", [("Content-Type", f"text/html; charset={charset}"), ("Content-Length", str(len(body))),
                                               ("Server", "nginx")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(uri, "response", payload=BytesIO(body), length=len(body),
                                                          http_headers=resp, warc_headers_dict={"WARC-Date": date}))
            if positive:
                positives.append({"uri": uri, "phrase": positive})
            total += len(body)
            records += 1
    tmp.rename(path)
    return {"seed": seed, "mb": mb, "responses": records, "payload_bytes": total, "file_bytes": path.stat().st_size,
            "positives": positives}


# -- the three scanners (run in child processes: ``bench_warc.py --run NAME FILE``) -------------

def run_floor(path: str) -> dict:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    records = size = 0
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh, record_types=WarcRecordType.response, parse_http=True):
            size += len(record.reader.read())
            records += 1
    return {"records": records, "bytes": size}


def run_straightforward(path: str) -> dict:
    import re
    import warnings

    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
    from warcio.archiveiterator import ArchiveIterator

    warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)
    terms = common.regex_alternation()
    charset_re = re.compile(r"charset=([\w-]+)", re.I)
    records = size = hits = 0
    flagged = []
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type != "response":
                continue
            payload = record.content_stream().read()
            ctype = record.http_headers.get_header("Content-Type") or ""
            m = charset_re.search(ctype)
            html = payload.decode(m.group(1) if m else "utf-8", errors="replace")
            text = BeautifulSoup(html, "html.parser").get_text(" ")
            found = terms.findall(text)
            if found:
                hits += 1
                flagged.append(record.rec_headers.get_header("WARC-Target-URI"))
            records += 1
            size += len(payload)
    return {"records": records, "bytes": size, "records_with_hits": hits}


def child(name: str, path: str) -> tuple[float, float, dict]:
    wall, cpu, proc = common.run_timed([sys.executable, __file__, "--run", name, path], stdout=subprocess.PIPE, text=True)
    if proc.returncode:
        raise SystemExit(f"{name} failed with exit code {proc.returncode}")
    return wall, cpu, json.loads(proc.stdout)


TIME = Path("/usr/bin/time")  # GNU time: the peak RSS of the largest process of a run (a worker, with -jN)


def run_profilewatch(path: Path, out: Path, manifest: dict, jobs: int = 1, src: str | None = None) -> tuple[float, float, dict]:
    """``src``: a source tree of another profilewatch version (``git archive COMMIT``) to run
    instead of the installed one, with the same interpreter and packages (the "before" row)."""
    rss_file = out.with_suffix(".rss")
    wrap = [str(TIME), "-f", "%M", "-o", str(rss_file)] if TIME.exists() else []
    command = [sys.executable, "-P", "-m", "profilewatch"] if src else [str(VENV_BIN / "profilewatch")]  # -P: not the cwd's copy
    env = {**os.environ, "PYTHONPATH": src} if src else None
    wall, cpu, proc = common.run_timed([*wrap, *command, "scan", str(path), "--format", "jsonl", "-o", str(out),
                                        "--units", "--no-progress", f"-j{jobs}"], stderr=subprocess.PIPE, text=True, env=env)
    rss_mb = round(int(rss_file.read_text().split()[-1]) / 1024, 1) if wrap and rss_file.exists() else None
    if proc.returncode not in (0, 1):
        raise SystemExit(f"profilewatch exited {proc.returncode}: {proc.stderr[-2000:]}")
    scanned = errors = 0
    flagged = set()
    with open(out, encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec["type"] == "unit" and rec["outcome"] == "scanned":
                scanned += 1
            elif rec["type"] == "error":
                errors += 1
            elif rec["type"] == "finding" and rec.get("flag"):
                flagged.add((rec.get("member") or "").split(" ")[0])
    planted = {p["uri"] for p in manifest["positives"]}
    body = hashlib.sha256(STAMP.sub("", out.read_text(encoding="utf-8")).encode()).hexdigest()
    return wall, cpu, {"records": scanned, "errors": errors, "flagged_records": len(flagged), "peak_rss_mb": rss_mb,
                       "planted_found": len(planted & flagged), "planted": len(planted), "output": body}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--mb", type=float, default=500, help="MB of HTML payload in the WARC (default 500)")
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--skip", default="", help="comma-separated scanners to leave out: floor,straightforward,profilewatch")
    ap.add_argument("--keep", action="store_true", help="keep the generated WARC (default: kept anyway under benchmarks/data/)")
    ap.add_argument("--write", action="store_true", help="update the bench_warc section of RESULTS.md")
    ap.add_argument("--baseline", metavar="DIR", help="also run the profilewatch source tree DIR (e.g. `git archive main | tar -x -C DIR`) "
                    "as the (c0) row: before/after in the same run")
    ap.add_argument("--run", nargs=2, metavar=("SCANNER", "FILE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.run:
        fn = {"floor": run_floor, "straightforward": run_straightforward}[args.run[0]]
        print(json.dumps(fn(args.run[1])))
        return 0

    common.DATA.mkdir(parents=True, exist_ok=True)
    path = common.DATA / f"pages-{args.mb:g}mb-s{args.seed}.warc.gz"
    manifest_path = path.with_name(path.name + ".manifest.json")
    if not path.exists() or not manifest_path.exists():
        t0 = time.perf_counter()
        manifest = generate(path, args.mb, args.seed)
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"generated {path} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    payload_mb, file_mb, n = manifest["payload_bytes"] / 1e6, manifest["file_bytes"] / 1e6, manifest["responses"]
    print(f"{path}: {n} responses, {payload_mb:.1f} MB payload, {file_mb:.1f} MB on disk, "
          f"{len(manifest['positives'])} planted positives", file=sys.stderr)

    skip = set(filter(None, args.skip.split(",")))
    names = [s for s in ("floor", "straightforward", "baseline", "profilewatch", "profilewatch_jn")
             if s not in skip and (s != "baseline" or args.baseline)]
    runs: dict[str, list[tuple[float, float, dict]]] = {s: [] for s in names}
    out = common.DATA / "bench_warc.jsonl"
    for rep in range(args.reps):
        for name in (names if rep % 2 == 0 else names[::-1]):
            if name == "profilewatch":
                res = run_profilewatch(path, out, manifest)
            elif name == "baseline":
                res = run_profilewatch(path, out, manifest, src=args.baseline)
            elif name == "profilewatch_jn":
                res = run_profilewatch(path, out, manifest, JOBS)
            else:
                res = child(name, str(path))
            runs[name].append(res)
            print(f"rep {rep + 1} {name}: {res[0]:.1f} s wall, {res[1]:.1f} s cpu, {payload_mb / res[0]:.1f} MB/s {res[2]}",
                  file=sys.stderr)

    med = {s: (common.median([w for w, _, _ in v]), common.median([c for _, c, _ in v]), v[-1][2]) for s, v in runs.items()}
    label = {"floor": "(a) FastWARC iteration + payload read (floor)",
             "straightforward": "(b) warcio + BeautifulSoup(html.parser) + regex",
             "baseline": f"(c0) the same at `{Path(args.baseline or '').name}` (before)",
             "profilewatch": "(c) `profilewatch scan --format jsonl` (1 process)",
             "profilewatch_jn": f"(d) `profilewatch scan -j{JOBS}` (the WARC split into record ranges)"}
    lines = [
        "## WARC throughput (bench_warc.py)",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} at commit {common.git_head()}; {common.machine()}; "
        f"median of {args.reps} run(s) each, alternating, each scanner in its own process.",
        f"WARC: `benchmarks/data/{path.name}` (bench_warc.py --mb {args.mb:g} --seed {args.seed}): {n} HTML responses "
        f"(+ as many request records), {payload_mb:.1f} MB of payload, {file_mb:.1f} MB gzip-per-record on disk, "
        f"{len(manifest['positives'])} planted positives.",
        "",
        "| scanner | wall s | records/s | payload MB/s | file MB/s | CPU s | payload MB per CPU s | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s, (wall, cpu, info) in med.items():
        rss = info.get("peak_rss_mb")
        lines.append(f"| {label[s]} | {wall:.1f} | {info.get('records', n) / wall:,.0f} | {payload_mb / wall:.1f} | "
                     f"{file_mb / wall:.1f} | {cpu:.1f} | {payload_mb / max(cpu, 1e-9):.1f} | {rss if rss is not None else '-'} |")
    lines.append("")
    if "profilewatch" in med and "floor" in med:
        lines.append(f"profilewatch / floor wall-time ratio: **{med['profilewatch'][0] / med['floor'][0]:.1f}x** (aim: within 2x); "
                     f"throughput vs the floor (issue 10's bar: >= 0.5x): **{med['floor'][0] / med['profilewatch'][0]:.3f}x** by wall time, "
                     f"**{med['floor'][1] / med['profilewatch'][1]:.3f}x** by CPU time.")
    if "profilewatch" in med and "baseline" in med:
        same = med["profilewatch"][2]["output"] == med["baseline"][2]["output"]
        lines.append(f"before -> after (c0 -> c): **{med['baseline'][0] / med['profilewatch'][0]:.2f}x** faster by wall time, "
                     f"**{med['baseline'][1] / med['profilewatch'][1]:.2f}x** by CPU time; throughput vs the floor before: "
                     f"{med['floor'][0] / med['baseline'][0]:.3f}x wall, {med['floor'][1] / med['baseline'][1]:.3f}x CPU"
                     if "floor" in med else "")
        lines.append(f"output identical to (c0) apart from timestamps: **{'yes' if same else 'NO'}**.")
    if "profilewatch" in med and "profilewatch_jn" in med:
        same = med["profilewatch"][2]["output"] == med["profilewatch_jn"][2]["output"]
        lines.append(f"-j{JOBS} / -j1 speed-up: **{med['profilewatch'][0] / med['profilewatch_jn'][0]:.2f}x** wall "
                     f"(aim >= 1.8x); output identical to -j1 apart from timestamps: **{'yes' if same else 'NO'}**.")
    if "profilewatch" in med and "straightforward" in med:
        lines.append(f"straightforward / profilewatch wall-time ratio: **{med['straightforward'][0] / med['profilewatch'][0]:.1f}x** "
                     "(aim: profilewatch >= 5x faster).")
    if "profilewatch" in med:
        info = med["profilewatch"][2]
        lines.append(f"profilewatch: {info['records']} records scanned, {info['errors']} errors, {info['flagged_records']} records "
                     f"flagged, {info['planted_found']}/{info['planted']} planted positives among them.")
    if "straightforward" in med:
        lines.append(f"straightforward scanner: {med['straightforward'][2]['records_with_hits']} records with a term hit "
                     "(no context: every hit counts).")
    report = "\n".join(lines)
    print(report)
    if args.write:
        figures = {f"{name}_payload_mb_per_s": round(payload_mb / wall, 2) for name, (wall, _, _) in med.items()}
        if "profilewatch" in med and "profilewatch_jn" in med:
            figures["jn_speedup"] = round(med["profilewatch"][0] / med["profilewatch_jn"][0], 3)
        if "profilewatch" in med and "floor" in med:
            figures["profilewatch_vs_floor_speedup"] = round(med["floor"][0] / med["profilewatch"][0], 4)
            figures["profilewatch_vs_floor_cpu_speedup"] = round(med["floor"][1] / med["profilewatch"][1], 4)
        for name in ("profilewatch", "profilewatch_jn"):
            if name in med and med[name][2].get("peak_rss_mb"):
                figures[f"{name}_peak_rss_mb"] = med[name][2]["peak_rss_mb"]
        common.write_section("bench_warc", report, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
