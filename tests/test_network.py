"""Network failures (history/polite.py): a dead network fails at once with a hint, only transient errors are retried.

Every server here is started by the test on 127.0.0.1; ``nonexistent.invalid`` never resolves and
the resolver is not even asked (getaddrinfo is replaced for ``.invalid``), so no traffic leaves.
Sleeps go to a fake clock: "no retries" is asserted as "no backoff slept", not as wall time.
"""
from __future__ import annotations

import http.server
import socket
import threading
import time

import pytest
from click.testing import CliRunner

from profilewatch.cli import cli
from profilewatch.history.polite import Client, FetchError, GaveUp, NetworkError, Politeness


@pytest.fixture(autouse=True)
def only_loopback(monkeypatch):
    """Any connection to an address other than 127.0.0.1 fails the test; .invalid fails to resolve locally."""
    real_connect, real_resolve = socket.socket.connect, socket.getaddrinfo

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            assert address[0] == "127.0.0.1", f"test tried to reach {address}"
        return real_connect(self, address)

    def getaddrinfo(host, *args, **kw):
        if str(host).endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_resolve(host, *args, **kw)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


class FakeTime:
    def __init__(self):
        self.now, self.slept = 1000.0, []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def client(fake: FakeTime, retries: int = 3) -> Client:
    return Client(Politeness(retries=retries, backoff=2.0, connect_timeout=5, read_timeout=5), {}, fake.clock, fake.sleep)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nobody listens there


@pytest.fixture
def server():
    """A local server answering from a script of behaviours: 'ok', '500', 'reset'; counts connections."""
    script: list[str] = []
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            what = script.pop(0) if script else "ok"
            seen.append(what)
            if what == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                self.connection.close()
                return
            self.send_response(500 if what == "500" else 200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{httpd.server_address[1]}", script, seen
    httpd.shutdown()
    httpd.server_close()


def test_refused_connection_is_not_retried():
    fake = FakeTime()
    c = client(fake)
    with pytest.raises(NetworkError, match="connection refused"):
        c.get(f"http://127.0.0.1:{closed_port()}/x", "fetch")
    assert c.requests == 1 and fake.slept == []


def test_unresolvable_name_is_not_retried():
    fake = FakeTime()
    c = client(fake)
    with pytest.raises(NetworkError, match="nonexistent.invalid.*does not resolve"):
        c.get("http://nonexistent.invalid/x", "fetch")
    assert c.requests == 1 and fake.slept == []


def test_tls_to_a_plain_http_port_is_not_retried(server):
    host, _, seen = server
    fake = FakeTime()
    c = client(fake)
    with pytest.raises(NetworkError, match="TLS failed"):
        c.get(f"https://{host}/x", "fetch")
    assert c.requests == 1 and fake.slept == []


def test_a_malformed_url_is_a_fetch_error_without_retries():
    fake = FakeTime()
    c = client(fake)
    with pytest.raises(FetchError) as info:
        c.get("http://127.0.0.1:99999999/x", "fetch")
    assert not isinstance(info.value, NetworkError)
    assert c.requests == 1 and fake.slept == []


def test_server_errors_and_resets_are_retried_with_backoff(server):
    host, script, seen = server
    fake = FakeTime()
    c = client(fake)
    script[:] = ["500", "reset", "ok"]
    status, _, body = c.get(f"http://{host}/x", "fetch")
    assert (status, body) == (200, b"ok") and seen == ["500", "reset", "ok"]
    assert fake.slept == [2.0, 4.0]  # exponential backoff, one pause per transient failure
    script[:] = ["500"] * 3
    with pytest.raises(GaveUp, match="HTTP 500 .after 3 attempts"):
        client(FakeTime(), retries=2).get(f"http://{host}/y", "fetch")


@pytest.mark.parametrize("endpoint, words", [
    (lambda: f"http://127.0.0.1:{closed_port()}", "connection refused"),
    (lambda: "http://nonexistent.invalid", "does not resolve"),
])
def test_fetch_history_offline_fails_fast_with_exit_5_and_a_hint(tmp_path, endpoint, words):
    base = endpoint()
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["fetch-history", "http://vendor.example/p.html", "--out", str(tmp_path / "h.warc.gz"),
                                      "--cdx-endpoint", base + "/cdx", "--capture-prefix", base + "/web/"])
    assert result.exit_code == 5, result.output
    assert words in result.output and "--cdx-endpoint" in result.output and "nothing was retried" in result.output
    assert time.monotonic() - started < 10  # seconds, not the 76 s of retries it used to take
