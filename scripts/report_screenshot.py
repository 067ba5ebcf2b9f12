#!/usr/bin/env python3
"""Scan a corpus, render the HTML report and screenshot it with headless Chromium.

    python scripts/report_screenshot.py [CORPUS] [--out DIR] [--width 1280] [--height 2400] [--pdf]

Writes DIR/report.html and DIR/report.png (and DIR/report.pdf with --pdf, to check the print
style).  CORPUS defaults to the shared development corpus.  Chromium runs with networking
features off and a throwaway profile; the report itself makes no requests.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from profilewatch.api import scan
from profilewatch.detect.rules import load_rules
from profilewatch.records import header
from profilewatch.report import WRITERS
from profilewatch.report.write import write_all

DEV_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev" / "corpus"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def render(corpus: Path, out: Path) -> Path:
    """Scan ``corpus`` and write the HTML report to ``out``."""
    rules = load_rules()
    with out.open("w", encoding="utf-8") as fh:
        write_all(WRITERS["html"](fh), header(rules, {"paths": [str(corpus)], "format": "html"}),
                  scan([str(corpus)], rules=rules), show=lambda d: d["type"] != "unit")
    return out


def shoot(html: Path, png: Path, width: int, height: int, pdf: Path | None = None) -> None:
    """Screenshot (and optionally print) ``html`` with headless Chromium."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        sys.exit("chromium not found: run .ci/install-browser")
    with tempfile.TemporaryDirectory() as profile:
        base = [exe, *FLAGS, f"--user-data-dir={profile}"]
        subprocess.run([*base, f"--screenshot={png}", f"--window-size={width},{height}", html.resolve().as_uri()],
                       check=True, capture_output=True, timeout=120)
        if pdf is not None:
            subprocess.run([*base, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", html.resolve().as_uri()],
                           check=True, capture_output=True, timeout=120)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", type=Path, default=DEV_CORPUS)
    ap.add_argument("--out", type=Path, default=Path("build/report-screenshot"))
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=2400)
    ap.add_argument("--pdf", action="store_true", help="also print to PDF (checks the print style)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    html = render(args.corpus, args.out / "report.html")
    shoot(html, args.out / "report.png", args.width, args.height, args.out / "report.pdf" if args.pdf else None)
    print(f"{html}\n{args.out / 'report.png'}" + (f"\n{args.out / 'report.pdf'}" if args.pdf else ""))


if __name__ == "__main__":
    main()
