#!/usr/bin/env python3
"""Screenshot the investigator's desk (the findings list and one finding view) with Chromium,
and write the FollowTheMoney example of the same store.

    python scripts/desk_screenshots.py [--out docs/img] [--width 1400] [--ftm docs/ftm-example.jsonl]

Builds a case store from the generated test corpus (tests/desk_world.py, synthetic text only,
no hostile files), records two review decisions, serves it on a free 127.0.0.1 port and drives
Debian's chromium through Playwright (``executable_path``, no browser download).  Every request
off that address is aborted and reported.  Writes OUT/desk-list.png, OUT/desk-finding.png and
the store's ``export-ftm`` output to FTM (tests/test_ftm.py validates that file).
Needs the serve and test extras and ``.ci/install-browser``.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from desk_world import LiveDesk, make_store  # noqa: E402

from profilewatch.case.ftm import write_jsonl  # noqa: E402
from profilewatch.case.store import Store  # noqa: E402


def review_some(db: Path) -> None:
    """Two decisions, so the list shows statuses and the finding view a review history."""
    with Store(str(db), create=False) as store:
        fps = [r[0] for r in store.query("SELECT DISTINCT fingerprint FROM findings ORDER BY fingerprint")]
        vendor = store.query("SELECT fingerprint FROM findings WHERE member LIKE '%vendor.example%' LIMIT 1")[0][0]
        store.decide(vendor, "needs_translation", "ana", "ask a Chinese reader about 重点人员", source="desk")
        store.decide(vendor, "confirmed", "ben", "vendor page, claim unchanged 2019-2021", source="desk")
        store.decide(next(fp for fp in fps if fp != vendor), "dismissed", "ana", "internal memo quoting a tender",
                     source="desk")


def shoot(base: str, out: Path, width: int) -> list[Path]:
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        sys.exit("chromium not found: run .ci/install-browser")
    left: list[str] = []

    def route(r) -> None:
        if r.request.url.startswith(base + "/"):
            r.continue_()
        else:
            left.append(r.request.url)
            r.abort()

    shots = [out / "desk-list.png", out / "desk-finding.png"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.route("**/*", route)
        page.goto(base + "/")
        page.keyboard.press("j")
        page.keyboard.press("j")
        page.keyboard.press("x")
        page.screenshot(path=str(shots[0]), full_page=True)
        page.goto(base + "/?domain=vendor.example")
        page.click("tr.row a.open >> nth=0")
        page.wait_for_load_state("load")
        page.screenshot(path=str(shots[1]), full_page=True)
        browser.close()
    if left:
        sys.exit(f"the desk made requests off 127.0.0.1: {left}")
    return shots


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("docs/img"))
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--ftm", type=Path, default=Path("docs/ftm-example.jsonl"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = make_store(Path(tmp), hostile=False)
        review_some(db)
        with Store(str(db), create=False) as store, args.ftm.open("w", encoding="utf-8") as out:
            write_jsonl(store, out)
        print(args.ftm)
        with LiveDesk(db, reviewer="ana") as base:
            for path in shoot(base, args.out, args.width):
                print(path)


if __name__ == "__main__":
    main()
