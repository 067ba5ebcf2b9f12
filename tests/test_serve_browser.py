"""The investigator's desk in a real browser: Playwright driving Debian's Chromium.

``profilewatch serve``'s app runs under uvicorn on a free 127.0.0.1 port over a store built by
desk_world.py.  Every request the browser makes passes a route handler that logs it and aborts
anything not addressed to that server, so "no request leaves 127.0.0.1" is an assertion on the
log, not a hope.  Dialogs are recorded (and dismissed); CSP violations are read from the console.

* the review workflow: list, facet filter, full-text search, open a finding, confirm one,
  dismiss one with a note, keyboard selection (j/k/x/Enter) and a bulk confirm, CSV and FtM
  exports of the selection, and the audit log showing exactly those decisions;
* hostile content: the list, the finding pages and the evidentiary copies of findings whose
  text, file name and stored copy carry <script>, onerror=, javascript: URLs, <meta refresh>
  and remote <img>/<link> run no script, open no dialog, navigate nowhere and load nothing.

Skips loudly without chromium (``.ci/install-browser``), playwright or the serve extra.
"""
from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from pathlib import Path

import pytest

from browsers import need_chromium, skip_loudly
from desk_world import OUTSIDE, PAYLOAD_TITLE, LiveDesk, copy_store, make_store, need_serve

TIMEOUT_MS = 60_000
HOSTILE_QUERY = "预警"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    need_serve()
    exe = need_chromium("the investigator's desk")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        skip_loudly(f"SKIPPED: the desk browser test needs playwright (pip install -e '.[serve]'): {exc}")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    need_serve()
    return make_store(tmp_path_factory.mktemp("desk-browser"))


@pytest.fixture
def desk(world, tmp_path):
    db = copy_store(world, tmp_path / "case.db")  # each test reviews its own copy
    with LiveDesk(db, reviewer="ana") as url:
        yield url, db


@pytest.fixture
def watched(browser, desk):
    w = Watched(browser, desk[0])
    try:
        yield w
    finally:
        w.close()


class Watched:
    """A page whose every request, dialog and console message is logged; off-origin requests abort."""

    def __init__(self, browser, base: str) -> None:
        self.base = base
        self.requests: list[str] = []
        self.left: list[str] = []
        self.dialogs: list[str] = []
        self.console: list[str] = []
        self.context = browser.new_context(accept_downloads=True, java_script_enabled=True)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", self._dialog)
        self.page.on("console", lambda m: self.console.append(m.text))

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(self.base + "/"):
            route.continue_()
        else:
            self.left.append(url)
            route.abort()

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path, wait_until="load")

    def total(self) -> int:
        return int(self.page.inner_text("#total"))

    def fingerprints(self) -> list[str]:
        return self.page.eval_on_selector_all(
            "tr.row a.open", "els => els.map(a => a.getAttribute('href').split('/').pop())")

    def assert_contained(self) -> None:
        assert self.left == [] and self.dialogs == []
        assert all(u.startswith(self.base + "/") for u in self.requests), self.requests
        assert not [m for m in self.console if "Content Security Policy" in m], self.console

    def close(self) -> None:
        self.context.close()


def review_log(db) -> list[tuple[str, str, str | None, str]]:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT fingerprint, decision, note, source FROM reviews ORDER BY id").fetchall()
    finally:
        con.close()


def test_review_workflow_in_the_browser(watched, desk):
    base, db = desk
    w, page = watched, watched.page
    w.goto("/")
    assert page.get_attribute("html", "data-desk-js") == "ready"  # our script runs under the CSP
    everything = w.total()
    assert everything == len(w.fingerprints()) > 6

    # facet filter: the option's count is what the filtered list shows
    option = page.locator("select[name=lang] option[value=zh]").inner_text()
    expected = int(re.search(r"\((\d+)\)", option).group(1))
    page.select_option("select[name=lang]", "zh")
    page.click("#apply")
    page.wait_for_url(re.compile(r"lang=zh"))
    assert w.total() == expected == len(w.fingerprints()) and 0 < expected < everything
    assert page.locator("select[name=lang]").input_value() == "zh"

    # full-text search (FTS5 trigram), typed into the box and submitted with Enter
    w.goto("/")
    page.fill("#q", "民族属性")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"q=%E6%B0%91"))
    snippets = page.eval_on_selector_all("tr.row a.open", "els => els.map(a => a.textContent)")
    assert snippets and all("民族属性" in s for s in snippets)
    assert w.total() == len(snippets) < everything

    # open a finding: the highlighted match, its gloss, the context line
    page.click("tr.row a.open >> nth=0")
    page.wait_for_url(re.compile(r"/finding/[0-9a-f]+$"))
    first = page.url.rsplit("/", 1)[1]
    assert "民族属性" in page.eval_on_selector_all("#snippet mark", "els => els.map(e => e.textContent).join(' ')")
    assert "ethnicity attribute" in page.inner_text("#gloss")
    assert page.locator("pre.context .hit").count() == 1

    # confirm it
    page.click("#do-confirmed")
    page.wait_for_load_state("load")
    assert page.inner_text("#status") == "confirmed"
    assert "confirmed" in page.inner_text("#history")

    # dismiss another with a note
    w.goto("/?lang=en")
    second = w.fingerprints()[0]
    w.goto(f"/finding/{second}")
    page.fill("#note", "press quote, not a vendor claim")
    page.click("#do-dismissed")
    page.wait_for_load_state("load")
    assert page.inner_text("#status") == "false positive"
    assert "press quote, not a vendor claim" in page.inner_text("#history")

    # keyboard: j/k move, x selects, Enter opens; then a bulk confirm of the two selected rows
    w.goto("/")
    rows = w.fingerprints()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert page.eval_on_selector_all("tr.row.current", "els => els.length") == 1
    assert page.locator("tr.row").nth(0).get_attribute("class").endswith("current")
    page.keyboard.press("Enter")
    page.wait_for_url(base + f"/finding/{rows[0]}")
    w.goto("/")
    chosen = [fp for fp in rows if fp not in (first, second)][:2]
    for _ in range(rows.index(chosen[0]) + 1):
        page.keyboard.press("j")
    page.keyboard.press("x")
    for _ in range(rows.index(chosen[1]) - rows.index(chosen[0])):
        page.keyboard.press("j")
    page.keyboard.press("x")
    ticked = page.eval_on_selector_all("input[name=fp]:checked", "els => els.map(e => e.value)")
    assert ticked == chosen
    page.select_option("#bulk-decision", "confirmed")
    page.click("#bulk-apply")
    page.wait_for_url(re.compile(r"done=2"))
    status = dict(zip(w.fingerprints(), page.eval_on_selector_all(
        "tr.row .status", "els => els.map(e => e.textContent)")))
    assert [status[fp] for fp in chosen] == ["confirmed", "confirmed"]
    assert status[first] == "confirmed" and status[second] == "false positive"

    # exports of the current selection (confirmed only), as downloads
    w.goto("/?status=confirmed")
    assert w.total() == 3
    with page.expect_download() as dl:
        page.click("a.export[data-fmt=csv]")
    assert dl.value.suggested_filename == "profilewatch-selection.csv"
    rows_csv = list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8"))))
    assert len(rows_csv) >= 3
    with page.expect_download() as dl:
        page.click("a.export[data-fmt=ftm]")
    entities = [json.loads(x) for x in Path(dl.value.path()).read_text(encoding="utf-8").splitlines()]
    notes = [e for e in entities if e["schema"] == "Note"]
    assert {fp for fp in (first, *chosen)} == {
        re.search(r"fingerprint ([0-9a-f]+)", n["properties"]["notes"][0]).group(1) for n in notes}
    assert all("review: confirmed" in n["properties"]["notes"][0] for n in notes)

    # the audit log shows exactly these decisions, newest first
    w.goto("/audit")
    cells = page.eval_on_selector_all(
        "#audit tr:not(:first-child)", "rs => rs.map(r => Array.from(r.cells).map(c => c.textContent))")
    assert [(c[3], c[5], c[6]) for c in cells] == [
        ("confirmed", "", "desk"), ("confirmed", "", "desk"),
        ("false positive", "press quote, not a vendor claim", "desk"), ("confirmed", "", "desk")]
    assert all(c[4] == "ana" for c in cells)
    assert review_log(db) == [(first, "confirmed", None, "desk"),
                              (second, "dismissed", "press quote, not a vendor claim", "desk"),
                              (chosen[0], "confirmed", None, "desk"), (chosen[1], "confirmed", None, "desk")]
    w.assert_contained()


def _assert_inert(w: Watched, url_before: str) -> None:
    page = w.page
    page.wait_for_timeout(700)  # a 0-second meta refresh or a late onerror would have fired by now
    assert page.url == url_before
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.title() != PAYLOAD_TITLE
    assert page.evaluate("document.querySelectorAll('img,svg,iframe,object,embed,link:not([rel=stylesheet]),"
                         "meta[http-equiv],a[href^=\"javascript:\"]').length") == 0
    w.assert_contained()


def test_hostile_content_runs_no_script_and_loads_nothing(watched, desk):
    base, _ = desk
    w, page = watched, watched.page
    w.goto("/?q=" + HOSTILE_QUERY)
    _assert_inert(w, page.url)
    fps = w.fingerprints()
    text = page.inner_text("body")
    assert "<script>document.title" in text and "onerror=" in text and "javascript:" in text
    assert "<meta http-equiv" in text and f"<img src={OUTSIDE}/beacon.png>" in text
    assert "x<img src=y onerror=window.pwned=1>.txt" in text  # the hostile file name, as text
    sources = 0
    for fp in fps:
        w.goto(f"/finding/{fp}")
        _assert_inert(w, page.url)
        assert page.locator("#snippet mark").count() >= 1
        if page.locator("#source").count():
            page.click("#source")
            page.wait_for_load_state("load")
            _assert_inert(w, base + f"/finding/{fp}/source")
            body = page.inner_text("body")
            assert HOSTILE_QUERY in body
            sources += "<script>" in body
    assert len(fps) >= 9 and sources >= 2  # the hostile page's stored copy is shown, as text
    # even clicked, a javascript: payload is text, not a link
    w.goto("/?q=" + HOSTILE_QUERY)
    page.get_by_text("href=\"javascript:window.pwned").first.click()
    _assert_inert(w, page.url)
    assert w.requests and w.left == []
