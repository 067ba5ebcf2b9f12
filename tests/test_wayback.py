"""fetch-history against a local fake Wayback (CDX API + id_ captures) on 127.0.0.1 only."""
from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from fastwarc.warc import ArchiveIterator as FastIterator
from warcio.archiveiterator import ArchiveIterator

from profilewatch.history.wayback import FetchConfig, FetchError, existing_captures, fetch_history

URL = "https://vendor.example/products/cam-1.html"


@pytest.fixture(autouse=True)
def only_loopback(monkeypatch):
    """Any connection to an address other than 127.0.0.1 fails the test."""
    real = socket.socket.connect

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            assert address[0] == "127.0.0.1", f"test tried to reach {address}"
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


def digest(body: bytes) -> str:
    return base64.b32encode(hashlib.sha1(body).digest()).decode()


def page(n: int, text: str = "claim") -> bytes:
    return f"<html><body><p>version {n}: {text}</p></body></html>".encode()


class Archive:
    """The captures of one URL and the failures to play, keyed by path: a list used up in order."""

    def __init__(self, captures: list[tuple[str, int, bytes]]) -> None:
        self.captures = [{"timestamp": ts, "original": URL, "statuscode": str(st), "body": body,
                          "digest": digest(body), "mimetype": "text/html", "length": str(len(body))}
                         for ts, st, body in captures]
        self.failures: dict[str, list[str]] = {}
        self.vanished: set[str] = set()
        self.delay = 0.0
        self.log: list[str] = []
        self.lock = threading.Lock()

    def cdx(self, query: dict[str, list[str]]) -> list:
        flt = query["filter"][0]
        field, _, rx = flt.partition(":")
        assert field == "statuscode" and query["output"] == ["json"] and query["collapse"] == ["digest"]
        rows, last = [], None
        for c in sorted(self.captures, key=lambda c: c["timestamp"]):
            if not re.fullmatch(rx, c["statuscode"]) or c["digest"] == last:
                continue
            if "from" in query and c["timestamp"][:4] < query["from"][0]:
                continue
            if "to" in query and c["timestamp"][:4] > query["to"][0]:
                continue
            last = c["digest"]
            rows.append([c["original"].split("://")[1], c["timestamp"], c["original"], c["mimetype"],
                         c["statuscode"], c["digest"], c["length"]])
        start = int(query.get("resumeKey", ["0"])[0])
        limit = int(query["limit"][0])
        out = [["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]] + rows[start:start + limit]
        if start + limit < len(rows) and query.get("showResumeKey") == ["true"]:
            out += [[], [str(start + limit)]]
        return out


def make_handler(archive: Archive):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            parts = urlsplit(self.path)
            with archive.lock:
                archive.log.append(self.path)
                plan = archive.failures.get(parts.path)
                action = plan.pop(0) if plan else None
            assert self.headers["User-Agent"].startswith("profilewatch/")
            if action and action.split(":")[0] in ("429", "503"):
                code, wait = action.split(":")
                return self._send(int(code), b"slow down", {"Retry-After": wait})
            if action == "timeout":
                time.sleep(1.5)
            if parts.path == "/cdx":
                return self._send(200, json.dumps(archive.cdx(parse_qs(parts.query))).encode(),
                                  {"Content-Type": "application/json"})
            m = re.fullmatch(r"/web/(\d{14})id_/(.+)", parts.path)
            if not m:
                return self._send(404, b"no route")
            ts, original = m.group(1), unquote(m.group(2))
            cap = next((c for c in archive.captures if c["timestamp"] == ts and c["original"] == original), None)
            if cap is None or ts in archive.vanished:
                return self._send(404, b"<html>Wayback Machine has not archived that URL.</html>")
            time.sleep(archive.delay)
            status = int(cap["statuscode"])
            headers = {"Content-Type": "text/html; charset=utf-8"}
            if 300 <= status < 400:
                headers["Location"] = URL.replace("cam-1", "cam-2")
            if action == "truncate":
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(cap["body"])))
                self.end_headers()
                self.wfile.write(cap["body"][: len(cap["body"]) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self._send(status, cap["body"], headers)

        def _send(self, code, body, headers=None):
            try:
                self.send_response(code)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


@pytest.fixture
def serve():
    servers = []

    def start(archive: Archive) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(archive))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


class FakeTime:
    """An injectable clock: sleeping advances it, nothing waits for real."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def config(base: str, **kw) -> FetchConfig:
    kw.setdefault("read_timeout", 0.5)
    kw.setdefault("connect_timeout", 2)
    return FetchConfig(cdx_endpoint=base + "/cdx", capture_prefix=base + "/web/", **kw)


def history() -> Archive:
    return Archive([
        ("20190408100000", 200, page(1)),
        ("20190815031240", 200, page(2)),
        ("20191106143000", 200, page(3, "edited")),
        ("20191112090000", 404, b"<html>404 page not found</html>"),
        ("20200101000000", 301, b""),
        ("20200302000000", 200, page(4, "we never classify people")),
        ("20200601000000", 200, page(2)),  # same digest as 2019-08-15, not adjacent: a revisit
    ])


def read_warc(path) -> list[dict]:
    out = []
    with open(path, "rb") as fh:
        for rec in ArchiveIterator(fh):
            h = rec.rec_headers
            out.append({"type": rec.rec_type, "uri": h.get_header("WARC-Target-URI"), "date": h.get_header("WARC-Date"),
                        "source": h.get_header("WARC-Source-URI"), "created": h.get_header("WARC-Creation-Date"),
                        "payload_digest": h.get_header("WARC-Payload-Digest"),
                        "status": rec.http_headers.get_statuscode() if rec.http_headers else None,
                        "body": rec.content_stream().read(), "headers": h})
    return out


def test_history_is_written_as_a_warc_both_readers_accept(serve, tmp_path):
    archive = history()
    base = serve(archive)
    out = tmp_path / "h.warc.gz"
    fake = FakeTime()
    report = fetch_history(URL, str(out), config(base), clock=fake.clock, sleep=fake.sleep)
    assert (report.listed, report.evidence, report.written, report.revisits, report.problems) == (5, 2, 6, 1, [])

    recs = read_warc(out)
    assert [r["type"] for r in recs] == ["warcinfo"] + ["response", "metadata"] * 6 + ["revisit", "metadata"]
    responses = [r for r in recs if r["type"] == "response"]
    assert [(r["date"], r["status"]) for r in responses] == [
        ("2019-04-08T10:00:00Z", "200"), ("2019-08-15T03:12:40Z", "200"), ("2019-11-06T14:30:00Z", "200"),
        ("2019-11-12T09:00:00Z", "404"), ("2020-01-01T00:00:00Z", "301"), ("2020-03-02T00:00:00Z", "200")]
    for r, cap in zip(responses, [c for c in archive.captures if c["timestamp"] != "20200601000000"]):
        assert r["uri"] == URL and r["body"] == cap["body"]
        assert r["source"] == f"{base}/web/{cap['timestamp']}id_/{URL}"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["created"])
        assert r["payload_digest"] == "sha1:" + cap["digest"]
    revisit = recs[-2]
    assert revisit["date"] == "2020-06-01T00:00:00Z"
    assert revisit["headers"].get_header("WARC-Refers-To-Date") == "2019-08-15T03:12:40Z"
    assert revisit["headers"].get_header("WARC-Refers-To-Target-URI") == URL
    meta = json.loads(recs[2]["body"])
    assert meta["digest"] == archive.captures[0]["digest"] and meta["timestamp"] == "20190408100000"
    info = recs[0]["body"].decode()
    assert "software: profilewatch/" in info and '"url": "%s"' % URL in info and "statuscode:200" in info
    # one capture request per distinct digest, and none for the revisit
    assert sum("/web/" in p for p in archive.log) == 6

    with open(out, "rb") as fh:
        fast = [(str(r.record_type).rsplit(".", 1)[-1], r.headers.get("WARC-Date"))
                for r in FastIterator(fh, parse_http=False)]
    assert len(fast) == len(recs) and fast[1] == ("response", "2019-04-08T10:00:00Z")


def test_cdx_paging_and_pacing(serve, tmp_path):
    archive = history()
    base = serve(archive)
    fake = FakeTime()
    report = fetch_history(URL, str(tmp_path / "h.warc.gz"), config(base, page_size=2, fetch_per_minute=60),
                           clock=fake.clock, sleep=fake.sleep)
    cdx = [p for p in archive.log if p.startswith("/cdx")]
    assert len(cdx) == 3 + 1 and sum("resumeKey=" in p for p in cdx) == 2
    assert report.listed == 5 and report.written == 6
    # 24 CDX requests a minute: 2.5 s apart; captures 1 s apart
    assert fake.sleeps[:3] == [2.5, 2.5, 2.5] and set(fake.sleeps[3:]) == {1.0}


def test_429_retry_after_is_honoured_and_shared(serve, tmp_path):
    archive = history()
    archive.failures["/cdx"] = ["429:7"]
    archive.failures["/web/20190815031240id_/" + URL] = ["503:4"]
    base = serve(archive)
    fake = FakeTime()
    report = fetch_history(URL, str(tmp_path / "h.warc.gz"), config(base, cdx_per_minute=6000, fetch_per_minute=6000),
                           clock=fake.clock, sleep=fake.sleep)
    assert report.written == 6 and report.problems == []
    assert 7.0 in fake.sleeps and 4.0 in fake.sleeps
    assert sum(p.startswith("/cdx") for p in archive.log) == 3  # 429, then the two filters
    assert archive.log.count("/web/20190815031240id_/" + URL) == 2


def test_too_long_retry_after_stops_the_run(serve, tmp_path):
    archive = history()
    archive.failures["/cdx"] = ["429:3600"]
    base = serve(archive)
    fake = FakeTime()
    with pytest.raises(FetchError, match="3600 s"):
        fetch_history(URL, str(tmp_path / "h.warc.gz"), config(base), clock=fake.clock, sleep=fake.sleep)
    assert len(archive.log) == 1 and fake.sleeps == []


def test_timeout_and_truncated_body_are_retried(serve, tmp_path):
    archive = history()
    archive.failures["/web/20190408100000id_/" + URL] = ["timeout"]
    archive.failures["/web/20191106143000id_/" + URL] = ["truncate", "truncate"]
    base = serve(archive)
    fake = FakeTime()
    out = tmp_path / "h.warc.gz"
    report = fetch_history(URL, str(out), config(base, backoff=3), clock=fake.clock, sleep=fake.sleep)
    assert report.written == 6 and report.problems == []
    bodies = {r["date"]: r["body"] for r in read_warc(out) if r["type"] == "response"}
    assert bodies["2019-04-08T10:00:00Z"] == page(1)
    assert bodies["2019-11-06T14:30:00Z"] == page(3, "edited")
    assert 3.0 in fake.sleeps and 6.0 in fake.sleeps  # backoff doubles


def test_vanished_capture_is_reported_not_written_as_a_deletion(serve, tmp_path):
    archive = history()
    archive.vanished.add("20190815031240")
    base = serve(archive)
    fake = FakeTime()
    out = tmp_path / "h.warc.gz"
    report = fetch_history(URL, str(out), config(base), clock=fake.clock, sleep=fake.sleep)
    assert report.problems == [("2019-08-15T03:12:40Z", "capture_unavailable",
                                "archive answered HTTP 404 for a capture listed with status 200")]
    dates = [r["date"] for r in read_warc(out) if r["type"] in ("response", "revisit")]
    assert "2019-08-15T03:12:40Z" not in dates
    # its digest was never fetched, so the later capture with that digest is fetched, not a revisit
    assert "2020-06-01T00:00:00Z" in dates and report.revisits == 0


def test_rerun_skips_what_is_there_and_repairs_a_torn_tail(serve, tmp_path):
    archive = history()
    base = serve(archive)
    out = tmp_path / "h.warc.gz"
    fake = FakeTime()
    fetch_history(URL, str(out), config(base), clock=fake.clock, sleep=fake.sleep)
    before = out.read_bytes()
    archive.log.clear()
    report = fetch_history(URL, str(out), config(base), clock=fake.clock, sleep=fake.sleep)
    assert report.already == 7 and report.written == 0 and out.read_bytes() == before
    assert not any("/web/" in p for p in archive.log)

    # a run killed in the middle of a write leaves half a gzip member: cut it, then fetch what is missing
    archive.captures.append({**archive.captures[0], "timestamp": "20210101000000", "body": page(9),
                             "digest": digest(page(9)), "length": "60"})
    torn = gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n" + b"x" * 500)
    out.write_bytes(before + torn[: len(torn) // 2])
    report = fetch_history(URL, str(out), config(base), clock=fake.clock, sleep=fake.sleep)
    assert report.repaired_bytes == len(torn) // 2 and report.written == 1
    recs = read_warc(out)
    keys = [(r["uri"], r["date"]) for r in recs if r["type"] in ("response", "revisit")]
    assert len(keys) == len(set(keys)) == 8


SCRIPT = """
import sys
from profilewatch.history.wayback import FetchConfig, fetch_history
base, out = sys.argv[1], sys.argv[2]
fetch_history("%s", out, FetchConfig(cdx_endpoint=base + "/cdx", capture_prefix=base + "/web/",
              cdx_per_minute=6000, fetch_per_minute=6000))
""" % URL


def test_resume_after_sigkill(serve, tmp_path):
    archive = Archive([(f"2019{m:02d}01000000", 200, page(m)) for m in range(1, 13)])
    archive.delay = 0.25
    base = serve(archive)
    out = tmp_path / "h.warc.gz"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, base, str(out)])
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if out.exists() and len(existing_captures(str(out))[0]) >= 3:
                break
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    done = existing_captures(str(out))[0]
    assert 3 <= len(done) < 12, "the run was not killed midway"

    archive.delay = 0
    fake = FakeTime()
    report = fetch_history(URL, str(out), config(base), clock=fake.clock, sleep=fake.sleep)
    assert report.already == len(done) and report.written == 12 - len(done)
    responses = [r for r in read_warc(out) if r["type"] == "response"]
    assert sorted(r["date"] for r in responses) == [f"2019-{m:02d}-01T00:00:00Z" for m in range(1, 13)]
    assert all(r["body"] == page(int(r["date"][5:7])) for r in responses)
    with open(out, "rb") as fh:
        assert sum(1 for r in FastIterator(fh, parse_http=False) if str(r.record_type).endswith("response")) == 12


def test_fetch_history_command(serve, tmp_path):
    from click.testing import CliRunner

    from profilewatch.cli import cli

    archive = history()
    archive.vanished.add("20191106143000")
    base = serve(archive)
    out = tmp_path / "h.warc.gz"
    args = ["fetch-history", URL, "--out", str(out), "--cdx-endpoint", base + "/cdx", "--capture-prefix", base + "/web",
            "--cdx-rate", "6000", "--fetch-rate", "6000", "--from", "2019", "--to", "2020", "--contact", "desk@example.org"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 3, result.output  # one capture could not be fetched
    assert "2019-11-06T14:30:00Z capture_unavailable" in result.output
    assert "5 written, 1 revisits, 0 already" in result.output
    info = read_warc(out)[0]["body"].decode()
    assert '"from": "2019"' in info and "desk@example.org" in info

    archive.vanished.clear()
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0 and "1 written, 0 revisits, 6 already" in result.output

    bad = CliRunner().invoke(cli, ["fetch-history", URL, "--out", str(out), "--from", "19"])
    assert bad.exit_code == 2 and "YYYY" in bad.output


def test_pywb_json_lines_and_an_output_that_is_not_a_gzip_warc(tmp_path):
    from profilewatch.history.wayback import OutputError, _parse_cdx

    lines = (b'{"urlkey": "example,vendor)/p", "timestamp": "20190408100000", "url": "https://vendor.example/p", '
             b'"mime": "text/html", "status": "404", "digest": "ABC", "length": "10"}\n')
    (cap,), resume = _parse_cdx(lines)
    assert (cap.original, cap.statuscode, cap.date, resume) == ("https://vendor.example/p", "404",
                                                                "2019-04-08T10:00:00Z", None)
    plain = tmp_path / "plain.warc"
    plain.write_bytes(b"WARC/1.1\r\n")
    with pytest.raises(OutputError, match="not a gzip-compressed WARC"):
        existing_captures(str(plain))


def test_fetched_history_reads_back_as_a_timeline(serve, tmp_path):
    """fetch-history -> history: the project's own WARC reader, the 404 evidence and a revisit."""
    from click.testing import CliRunner

    from profilewatch.cli import cli

    claim = "<html><body><p>人员属性分析：可对抓拍目标进行性别、民族、肤色及眼镜、口罩等属性分析</p></body></html>".encode()
    edited = "<html><body><p>基础属性分析：可对抓拍目标进行性别、眼镜、口罩等基础属性分析</p></body></html>".encode()
    archive = Archive([("20190408100000", 200, claim), ("20191106143000", 200, edited),
                       ("20191112090000", 404, b"<html>not found</html>"), ("20200601000000", 200, claim)])
    base = serve(archive)
    out = tmp_path / "h.warc.gz"
    fake = FakeTime()
    report = fetch_history(URL, str(out), config(base), clock=fake.clock, sleep=fake.sleep)
    assert (report.written, report.revisits) == (3, 1)
    result = CliRunner().invoke(cli, ["history", "--from-warc", str(out), "--format", "jsonl"], catch_exceptions=False)
    tls = [json.loads(line) for line in result.output.splitlines() if '"type":"timeline"' in line]
    assert result.exit_code == 0, result.output
    assert tls
    for t in tls:
        assert [(e["event"], e["before"] and e["before"]["date"], e["date"]) for e in t["events"]] == [
            ("appeared", None, "2019-04-08T10:00:00Z"),
            ("removed", "2019-04-08T10:00:00Z", "2019-11-06T14:30:00Z"),
            ("reappeared", "2019-11-12T09:00:00Z", "2020-06-01T00:00:00Z")]
        assert [s["state"] for s in t["states"]] == ["present", "absent", "gone", "present"]


def test_retry_after_as_http_date_and_no_captures(serve, tmp_path):
    import datetime as dt

    from profilewatch.history.wayback import _retry_after

    now = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
    assert _retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert _retry_after("120", now) == 120.0 and _retry_after("soon", now) is None and _retry_after(None, now) is None

    base = serve(Archive([]))
    out = tmp_path / "none.warc.gz"
    fake = FakeTime()
    report = fetch_history(URL, str(out), config(base), clock=fake.clock, sleep=fake.sleep)
    assert (report.listed, report.evidence, report.written) == (0, 0, 0) and not out.exists()
