"""Open hostile HTML reports in headless Chromium (DevTools protocol) and watch what happens.

Asserts that no injected script runs (title, globals), that the page makes no request at all
(DevTools network events and a local canary server that every payload points at), that the
report's own hashed script and style do run, and that the payloads are visible as text.
Skips -- loudly -- only when no Chromium is installed (``.ci/install-browser`` installs it).
"""
from __future__ import annotations

import http.server
import itertools
import json
import os
import queue
import re
import shutil
import subprocess
import threading
import time
import urllib.request
import warnings

import pytest

from browsers import need_chromium
from report_samples import RLO, hostile_records, normal_records, render

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--remote-debugging-port=0"]


class Page:
    """One Chromium page driven over the DevTools protocol (websocket-client)."""

    def __init__(self, executable: str, profile: str) -> None:
        import websocket  # test extra: websocket-client

        self.proc = subprocess.Popen([executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in self.proc.stderr], daemon=True).start()
        deadline, endpoint = time.monotonic() + 90, None
        while endpoint is None and time.monotonic() < deadline:
            try:
                m = re.search(r"DevTools listening on (ws://\S+)", lines.get(timeout=1))
            except queue.Empty:
                continue
            endpoint = m and m.group(1)
        if endpoint is None:
            self.close()
            raise RuntimeError("chromium did not start a DevTools endpoint")
        port = re.search(r":(\d+)/", endpoint).group(1)
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.ids = itertools.count(1)
        self.events: list[dict] = []

    def call(self, method: str, **params) -> dict:
        msg_id = next(self.ids)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, method: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(method)
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            self.events.append(json.loads(self.ws.recv()))

    def settle(self, seconds: float) -> None:
        """Collect events for a while (timers, late loads)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                self.events.append(json.loads(self.ws.recv()))
            except Exception:  # timeout: nothing more happened
                break

    def eval(self, expression: str):
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in res:
            raise RuntimeError(res["exceptionDetails"])
        return res["result"].get("value")

    def close(self) -> None:
        if getattr(self, "ws", None):
            self.ws.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="module")
def chromium():
    return need_chromium("the HTML report")


@pytest.fixture()
def canary():
    """A local HTTP server every payload points at; any hit means something loaded."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript")
            self.end_headers()
            self.wfile.write(b"document.title='PWNED-remote'")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


def _open(chromium: str, tmp_path, html: str) -> tuple[Page, str]:
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    page = Page(chromium, str(tmp_path / "profile"))
    page.call("Network.enable")
    page.call("Page.enable")
    page.call("Runtime.enable")
    page.call("Log.enable")
    url = path.as_uri()
    page.call("Page.navigate", url=url)
    page.wait_for("Page.loadEventFired")
    page.settle(1.5)
    return page, url


def test_hostile_report_runs_no_injected_script_and_loads_nothing(chromium, canary, tmp_path):
    base, hits = canary
    head, records, p = hostile_records(base)
    page, url = _open(chromium, tmp_path, render("html", records, header=head))
    try:
        assert page.eval("document.title") == "profilewatch report — 2026-11-27T20:00:00+00:00"
        assert page.eval("typeof window.pwned") == "undefined"
        assert page.eval("document.documentElement.getAttribute('data-js')") == "on"  # our hashed script ran
        assert page.eval("document.scripts.length") == 1
        assert page.eval("document.querySelectorAll('img,svg,iframe,object,embed,link,base,textarea').length") == 0
        # our hashed stylesheet applied (CSP allowed it)
        assert page.eval("getComputedStyle(document.querySelector('header.top')).backgroundColor") == "rgb(34, 68, 122)"
        text = page.eval("document.body.innerText")
        for name in ("script", "img", "endscript", "textarea", "svg", "style", "meta", "iframe", "jsurl", "template"):
            assert p[name] in text, name
        assert RLO not in text and "U+202E" in text
        requested = [e["params"]["request"]["url"] for e in page.events if e.get("method") == "Network.requestWillBeSent"]
        assert requested == [url]
        assert hits == []
        violations = [e for e in page.events if e.get("method") == "Log.entryAdded"
                      and "Content Security Policy" in e["params"]["entry"].get("text", "")]
        assert violations == []  # nothing even tried to run or load
    finally:
        page.close()


def test_filters_hide_and_show_findings(chromium, tmp_path):
    page, _ = _open(chromium, tmp_path, render("html", normal_records()))
    try:
        assert page.eval("document.getElementById('filters').hidden") is False
        assert page.eval("document.getElementById('f-count').textContent") == "5 of 5 findings shown"
        visible = "Array.from(document.querySelectorAll('article.finding')).filter(e => !e.hidden).map(e => e.id)"
        sections = "Array.from(document.querySelectorAll('section.source')).filter(e => !e.hidden).length"

        def choose(sel: str, value) -> None:
            page.eval(f"(() => {{ const el = document.getElementById('{sel}'); "
                      f"if (el.type === 'checkbox') el.checked = {json.dumps(bool(value))}; else el.value = {json.dumps(value)}; "
                      f"el.dispatchEvent(new Event('change')); }})()")

        choose("f-kind", "implementation")
        assert sorted(page.eval(visible)) == ["f-2", "f-5"]
        assert page.eval("document.getElementById('f-count').textContent") == "2 of 5 findings shown"
        choose("f-kind", "")
        choose("f-category", "skin_color")
        assert page.eval(visible) == ["f-3"]
        assert page.eval(sections) == 1 + 1  # one source plus the timeline section
        choose("f-category", "")
        choose("f-confidence", "0.8")
        assert sorted(page.eval(visible)) == ["f-1", "f-3"]
        choose("f-confidence", "0")
        choose("f-flags", True)
        assert "f-4" not in page.eval(visible) and len(page.eval(visible)) == 4
    finally:
        page.close()


LATIN_ONLY_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{dir}</dir><cachedir>{cache}</cachedir></fontconfig>
"""


def _cjk_state(chromium: str, tmp_path, html: str) -> tuple[str, bool]:
    tmp_path.mkdir(parents=True)
    page, _ = _open(chromium, tmp_path, html)
    try:
        return page.eval("document.documentElement.getAttribute('data-cjk')"), page.eval(
            "document.getElementById('cjk-note').hidden")
    finally:
        page.close()


def test_cjk_note_shows_only_when_the_system_has_no_cjk_font(chromium, tmp_path, monkeypatch):
    html = render("html", normal_records())  # quotes Chinese evidence
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout \
        if shutil.which("fc-list") else ""
    if fonts.strip():
        assert _cjk_state(chromium, tmp_path / "with-fonts", html) == ("ok", True)
    else:
        warnings.warn("no CJK font installed: only the no-font case of the CJK note was checked")
    latin = next((d for d in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation")
                  if os.path.isdir(d)), None)
    if latin is None:
        pytest.skip("no Latin-only font folder to build a system without CJK fonts")
    conf = tmp_path / "fonts.conf"
    conf.write_text(LATIN_ONLY_FONTS.format(dir=latin, cache=tmp_path / "fc-cache"))
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    assert _cjk_state(chromium, tmp_path / "no-cjk", html) == ("missing", False)
    english = [r for r in normal_records() if r.get("type") != "timeline"
               and not re.search(r"[\u3400-\u9fff]", json.dumps(r, ensure_ascii=False))]
    assert _cjk_state(chromium, tmp_path / "no-cjk-en", render("html", english))[0] == "none"
