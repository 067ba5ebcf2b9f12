"""A case store for the desk tests (tests/test_serve*.py, benchmarks/bench_serve.py) and a live server.

``make_store`` scans the case corpus plus hostile files whose text and names carry script
payloads; ``LiveDesk`` runs the desk under uvicorn on a free 127.0.0.1 port in a thread.
Both skip loudly (warning + skip) when the serve extra is not installed.
"""
from __future__ import annotations

import socket
import sqlite3
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import pytest

from casecorpus import make_corpus, run_cli

PAYLOAD_TITLE = "PWNED"
OUTSIDE = "http://198.51.100.7"  # TEST-NET-2: never routable; the browser test aborts and logs any request
PAYLOADS = {
    "script": f"<script>document.title='{PAYLOAD_TITLE}';window.pwned=1;alert(1)</script>",
    "img": f"<img src=x onerror=\"document.title='{PAYLOAD_TITLE}';window.pwned=1;alert(2)\">",
    "svg": "<svg/onload=window.pwned=1>",
    "iframe": "<iframe src=\"javascript:window.parent.pwned=1\"></iframe>",
    "attr": "\" autofocus onfocus=\"window.pwned=1",
    "jsurl": "<a id=jsurl href=\"javascript:window.pwned=1;alert(3)\">open</a>",
    "meta": f"<meta http-equiv=\"refresh\" content=\"0;url={OUTSIDE}/refresh\">",
    "beacon": f"<img src={OUTSIDE}/beacon.png>",
}
HOSTILE_PAGE = (f"<html><head><meta http-equiv=\"refresh\" content=\"0;url={OUTSIDE}/page-refresh\">"
                f"<script>window.pwned=1;alert(4)</script><link rel=stylesheet href={OUTSIDE}/x.css></head>"
                f"<body><p>系统支持维族人员实时预警，前端抓拍命中后即时推送预警。</p>"
                f"<img src={OUTSIDE}/page.png onerror=\"window.pwned=1\"></body></html>\n")
"""A web page whose stored copy (the evidentiary view) is hostile HTML, not just its snippet."""
HOSTILE = "系统支持维族人员实时预警 {p} 前端抓拍命中后即时推送预警。\n"


def need_serve() -> None:
    """Skip loudly unless the serve extra (starlette, uvicorn, multipart) is importable."""
    try:
        import python_multipart  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        msg = f"SKIPPED: the desk tests need the serve extra (pip install -e '.[serve]'): {exc}"
        warnings.warn(msg)
        pytest.skip(msg)


VENDOR_URL = "http://www.vendor.example/solutions/face.html"
VENDOR_PAGE = ("<html><head><meta charset=\"utf-8\"><title>智慧安防解决方案</title></head><body>"
               "<p>人脸识别平台支持维族人员自动识别，并对重点人员实时预警。</p></body></html>")
CAPTURES = ("2019-04-08T10:00:00Z", "2021-06-01T08:30:00Z")


def vendor_warc() -> bytes:
    """Two captures of one (made-up) vendor page carrying the same claim: one fingerprint, two places."""
    from formats_helpers import http_response, warc_record

    return b"".join(warc_record("response", VENDOR_URL, date, http_response(VENDOR_PAGE.encode("utf-8")),
                                record_id=f"<urn:uuid:00000000-0000-0000-0000-00000000000{i + 1}>")
                    for i, date in enumerate(CAPTURES))


def make_store(root: Path, hostile: bool = True) -> Path:
    """Scan a generated corpus (a two-capture WARC, hostile files) into ``root/case.db``; returns its path."""
    corpus = make_corpus(root / "corpus", n=12)
    (corpus / "captures").mkdir()
    (corpus / "captures" / "vendor.warc").write_bytes(vendor_warc())
    if hostile:
        for name, p in PAYLOADS.items():
            (corpus / f"hostile-{name}.txt").write_text(HOSTILE.format(p=p), encoding="utf-8")
        (corpus / "x<img src=y onerror=window.pwned=1>.txt").write_text(HOSTILE.format(p="name"), encoding="utf-8")
        (corpus / "hostile-page.html").write_text(HOSTILE_PAGE, encoding="utf-8")
    db = root / "case.db"
    res = run_cli("scan", str(corpus), "--store", str(db), "--format", "jsonl")
    assert res.exit_code == 1, res.output
    return db


def copy_store(src: Path, dst: Path) -> Path:
    """A private copy of a store (SQLite backup), for a test that reviews."""
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()
    return dst


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveDesk:
    """``with LiveDesk(db) as url:`` the desk served on 127.0.0.1 (a uvicorn thread)."""

    def __init__(self, db: Path, **options: Any) -> None:
        import uvicorn

        from profilewatch.serve.app import create_app

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(create_app(str(db), **options), host="127.0.0.1",
                                                    port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the desk did not start")
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(10)
