"""Sweep sources and ``capture``: the columnar (Parquet) index, CDXJ parsing, live capture with documents."""
from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner
from fastwarc.warc import ArchiveIterator as FastIterator, WarcRecordType
from warcio.archiveiterator import ArchiveIterator

from profilewatch.cli import cli
from profilewatch.history.polite import Client, Politeness
from profilewatch.sweep import sources as src
from sweep_world import ETH1, only_loopback, small_world  # noqa: F401


def fast_client() -> Client:
    import time

    return Client(Politeness(retries=1, backoff=0.01, read_timeout=1), {}, time.monotonic, time.sleep)


def test_columnar_index_gives_the_same_records_as_the_index_server(small_world, tmp_path):
    duckdb = pytest.importorskip("duckdb", reason="SKIPPED LOUDLY: the columnar source needs profilewatch[columnar]")
    w = small_world
    rows = []
    for crawl, lines in w.crawls.items():
        for ln in lines:
            host = ln["url"].split("/")[2]
            rows.append((ln["url"], host, "vendor.example", f"{ln['timestamp'][:4]}-{ln['timestamp'][4:6]}-"
                         f"{ln['timestamp'][6:8]} {ln['timestamp'][8:10]}:{ln['timestamp'][10:12]}:00",
                         int(ln["status"]), ln["mime"], ln["mime"], ln["digest"], ln["filename"], int(ln["offset"]),
                         int(ln["length"]), crawl))
    rows.append(("https://elsewhere.example/a.html", "elsewhere.example", "elsewhere.example", "2020-01-01 00:00:00",
                 200, "text/html", "text/html", "X", "f", 0, 1, "CC-MAIN-2020-34"))
    path = tmp_path / "index.parquet"
    con = duckdb.connect()
    con.execute("CREATE TABLE t (url VARCHAR, url_host_name VARCHAR, url_host_registered_domain VARCHAR, "
                "fetch_time TIMESTAMP, fetch_status INTEGER, content_mime_type VARCHAR, content_mime_detected VARCHAR, "
                "content_digest VARCHAR, warc_filename VARCHAR, warc_record_offset BIGINT, warc_record_length INTEGER, "
                "crawl VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute(f"COPY t TO '{path}' (FORMAT PARQUET)")
    con.close()
    from profilewatch.sweep.columnar import columnar_records

    got = list(columnar_records(str(path), ["vendor.example"], mimes=src.mime_regex(["html"]), statuses=("200", "404"),
                                data_prefix=w.urls["data"] + "/"))
    c = fast_client()
    want = [r for crawl, api in src.cc_crawls(c, w.urls["index"], ["all"])
            for r in src.cc_records(c, api, crawl, "vendor.example", data_prefix=w.urls["data"] + "/")]
    key = lambda r: (r.url, r.timestamp, r.filename, r.offset, r.length, r.digest, r.status, r.crawl)  # noqa: E731
    assert sorted(map(key, got)) == sorted(map(key, want)) and len(got) == 20
    only = list(columnar_records(str(path), ["vendor.example"], crawls=["CC-MAIN-2019-45"], statuses=("200",)))
    assert {r.crawl for r in only} == {"CC-MAIN-2019-45"} and len(only) == 10
    out = tmp_path / "sweep"
    result = CliRunner().invoke(cli, ["sweep", str(out), "--domain", "vendor.example", "--no-wayback",
                                      "--columnar", str(path), "--cc-data", w.urls["data"] + "/", "--types", "html",
                                      "--fetch-rate", "600000", "--no-scan"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert len((out / "manifest.jsonl").read_text().splitlines()) == 20


def test_bad_list_lines_and_crawl_ids_are_clear_errors(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("ftp://x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1: neither a URL"):
        list(src.file_records(bad))
    with pytest.raises(ValueError, match="not a crawl id"):
        src.cc_crawls(fast_client(), "http://127.0.0.1:9", ["2020-34"])
    result = CliRunner().invoke(cli, ["sweep", str(tmp_path / "o"), "--from-file", str(bad)])
    assert result.exit_code == 2 and "neither a URL" in result.output


PDF = b"%PDF-1.4 not really a pdf"


@pytest.fixture
def live_site(only_loopback):
    pages = {"/products/cam.html": (f"<html><body><h1>Cam</h1><p>{ETH1}</p><a href='/docs/spec.pdf'>spec</a>"
                                    "<a href='manual.docx#p2'>manual</a><a href='/other.html'>more</a>"
                                    "<a href='mailto:x@vendor.example'>mail</a></body></html>").encode(),
             "/docs/spec.pdf": PDF}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = 1 << 16

        def log_message(self, *args):
            pass

        def do_GET(self):
            body = pages.get(self.path)
            code = 200 if body is not None else 404
            body = body if body is not None else b"not found"
            self.send_response(code)
            self.send_header("Content-Type", "application/pdf" if self.path.endswith(".pdf") else "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", pages
    server.shutdown()
    server.server_close()


def test_capture_live_page_and_linked_documents(live_site, tmp_path):
    base, pages = live_site
    out = tmp_path / "live.warc.gz"
    result = CliRunner().invoke(cli, ["capture", f"{base}/products/cam.html", "--out", str(out), "--documents",
                                      "--fetch-rate", "600000"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    seen = {}
    with open(out, "rb") as fh:
        for rec in ArchiveIterator(fh):
            h = rec.rec_headers
            if rec.rec_type == "response":
                seen[h.get_header("WARC-Target-URI")] = (rec.http_headers.get_statuscode(), rec.content_stream().read())
            elif rec.rec_type == "metadata":
                meta = json.loads(rec.content_stream().read())
                assert meta["retrieved"] and len(meta["sweep"]["sha256"]) == 64
    assert seen == {f"{base}/products/cam.html": ("200", pages["/products/cam.html"]),
                    f"{base}/docs/spec.pdf": ("200", PDF),
                    f"{base}/products/manual.docx": ("404", b"not found")}  # recorded as served
    with open(out, "rb") as fh:
        assert sum(1 for _ in FastIterator(fh, record_types=WarcRecordType.request)) == 3
    scan = CliRunner().invoke(cli, ["scan", str(out), "--format", "jsonl"])
    flags = [json.loads(x) for x in scan.output.splitlines() if '"finding"' in x]
    assert any(f["flag"] and f["category"] == "ethnicity" for f in flags)
    sha = hashlib.sha256(PDF).hexdigest()
    assert sha in result.output
    plain = tmp_path / "plain.warc.gz"
    assert CliRunner().invoke(cli, ["capture", f"{base}/products/cam.html", "--out", str(plain)]).exit_code == 0
    with open(plain, "rb") as fh:
        assert sum(1 for _ in FastIterator(fh, record_types=WarcRecordType.response)) == 1
