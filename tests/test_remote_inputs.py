"""fsspec inputs: ``file://`` folders and ``http://`` files (from a server the test starts on
127.0.0.1) give the findings of the same bytes read from disk; without fsspec a URL is a clear
error record."""
from __future__ import annotations

import http.server
import os
import sys
import threading
from pathlib import Path

import pytest

from casecorpus import make_corpus
from profilewatch import api
from test_warc_split import _write


def _dicts(records) -> list[dict]:
    return [r.to_dict() for r in records]


def _findings(records: list[dict]) -> list[tuple]:
    return [(d["file"].rsplit("/", 1)[-1], d["member"], d["rule"], d["evidence"]["text"]) for d in records
            if d["type"] == "finding"]


class _RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with ``Range: bytes=a-b`` support (what fsspec's HTTP reader asks for)."""

    def log_message(self, *args) -> None:
        pass

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(body=False)

    def do_GET(self) -> None:  # noqa: N802
        self._serve(body=True)

    def _serve(self, body: bool) -> None:
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        start, end, status = 0, len(data) - 1, 200
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes="):
            a, _, b = rng[6:].partition("-")
            start, end, status = int(a or 0), min(int(b) if b else len(data) - 1, len(data) - 1), 206
        self.send_response(status)
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.end_headers()
        if body:
            self.wfile.write(data[start:end + 1])


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    handler = lambda *a, **k: _RangeHandler(*a, directory=str(root), **k)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_file_url_folder_gives_the_records_of_the_local_folder(tmp_path):
    pytest.importorskip("fsspec", reason="fsspec inputs need the cluster extra")
    corpus = make_corpus(tmp_path / "corpus", n=6)
    local = _dicts(api.scan([str(corpus)]))
    remote = _dicts(api.scan([corpus.as_uri()]))
    assert _findings(local) and _findings(remote) == _findings(local)
    assert [d["file"] for d in remote if d["type"] == "unit"] == [d["file"] for d in local if d["type"] == "unit"]


def test_http_files_are_scanned_where_they_are_served_even_a_large_warc(server, tmp_path):
    pytest.importorskip("fsspec", reason="fsspec inputs need the cluster extra")
    pytest.importorskip("aiohttp", reason="fsspec's http:// reader needs aiohttp")
    root, base = server
    corpus = make_corpus(tmp_path / "corpus", n=3, with_zip=False)
    for f in corpus.iterdir():
        (root / f.name).write_bytes(f.read_bytes())
    _write(root / "crawl.warc.gz", True, pages=30)
    names = sorted(p.name for p in root.iterdir())
    local = _dicts(api.scan([str(root / n) for n in names], max_in_memory=20_000))
    remote = _dicts(api.scan([f"{base}/{n}" for n in names], max_in_memory=20_000))
    assert any(f[0] == "crawl.warc.gz" for f in _findings(local))
    assert _findings(remote) == _findings(local)
    assert {d["file"] for d in remote if d["type"] == "unit"} == {f"{base}/{n}" for n in names}
    missing = _dicts(api.scan([f"{base}/nothing.txt"]))
    assert [d["reason"] for d in missing if d["type"] == "error"] == ["not_found"]


def test_without_fsspec_a_url_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "fsspec", None)  # import fsspec now fails
    records = _dicts(api.scan(["s3://bucket/crawl/"]))
    errors = [d for d in records if d["type"] == "error"]
    assert [(d["file"], d["reason"]) for d in errors] == [("s3://bucket/crawl/", "needs_extra")]
    assert "profilewatch[cluster]" in errors[0]["message"]
    assert os.environ.get("PROFILEWATCH_NO_NETWORK", "1")  # nothing was fetched: there is no server
