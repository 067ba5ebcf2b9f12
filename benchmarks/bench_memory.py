"""Peak memory (RSS) of scanning single hostile inputs, each in a fresh process (issue 12).

Usage: python benchmarks/bench_memory.py [--sizes 50,100]

For each size N (MB), a one-page PDF whose text content stream inflates to N MB is scanned by
``profilewatch.scan`` in a child process, and, as the real alternative, given to pypdf's
``page.extract_text()`` directly.  Each child reports ``resource.getrusage(RUSAGE_SELF).ru_maxrss``.
Also: 300 MB of zeros with a claim at the end (binary strings, streamed).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from pdf_bomb import inflating_pdf  # noqa: E402

CLAIM = "The camera estimates each visitor's ethnicity from the face."
CHILD = r"""
import json, resource, sys, time
t = time.perf_counter()
if sys.argv[1] == "profilewatch":
    import profilewatch
    recs = [r.to_dict() for r in profilewatch.scan([sys.argv[2]])]
    out = {"findings": sum(r["type"] == "finding" for r in recs),
           "errors": [r["reason"] for r in recs if r["type"] == "error"]}
else:
    import pypdf
    text = pypdf.PdfReader(sys.argv[2]).pages[0].extract_text()
    out = {"chars": len(text)}
out["seconds"] = round(time.perf_counter() - t, 2)
out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
print(json.dumps(out))
"""


def child(tool: str, path: Path) -> dict:
    run = subprocess.run([sys.executable, "-c", CHILD, tool, str(path)], capture_output=True, text=True)
    return json.loads(run.stdout) if run.returncode == 0 else {"failed": run.stderr[-300:]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="50,100")
    ap.add_argument("--skip-pypdf", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for mb in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"inflate{mb}.pdf"
            path.write_bytes(inflating_pdf(CLAIM, mb << 20))
            print(f"pdf inflating to {mb} MB ({path.stat().st_size} bytes on disk)")
            print("  profilewatch:", child("profilewatch", path))
            if not args.skip_pypdf:
                print("  pypdf extract_text:", child("pypdf", path))
        zeros = Path(tmp) / "zeros.bin"
        with open(zeros, "wb") as fh:
            fh.write(b"\x7fELF\0\0")
            for _ in range(300):
                fh.write(b"\0" * (1 << 20))
            fh.write(b"\0" + CLAIM.encode() + b"\0")
        t = time.perf_counter()
        print("300 MB of zeros, claim at the end:", child("profilewatch", zeros), f"(wall {time.perf_counter() - t:.1f}s)")


if __name__ == "__main__":
    main()
