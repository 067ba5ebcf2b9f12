"""A mock vendor on 127.0.0.1: a fake Wayback (CDX + id_ captures), a fake Common Crawl index
server and a range-serving WARC host built from WARC files made here.

50 pages of ``vendor.example`` (and ``support.vendor.example``) over 5 capture times: Wayback at
T0, T1, T3 (and T4', a copy of T4), Common Crawl crawls at T2 and T4.  ``KIND[i % 10]`` decides
what page ``i`` says when; :data:`EXPECTED` is the timeline each kind must give.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from test_wayback import only_loopback  # noqa: F401 (autouse where imported: nothing but 127.0.0.1)
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

T = ["20190408100000", "20190815031240", "20191106143000", "20200302000000", "20200901120000"]
T4B = "20200902120000"  # Wayback's copy of the T4 page: the same digest as the crawl's record
WAYBACK_TIMES, CC_TIMES = (0, 1, 3), {2: "CC-MAIN-2019-45", 4: "CC-MAIN-2020-34"}
ETH1 = "可识别目标人员的民族属性（维族、汉族），支持按民族检索抓拍记录。"
ETH2 = "支持识别维族人员并按民族属性进行布控预警。"
REL = "支持按宗教信仰检索人员，识别穆斯林人员并实时告警。"
MISS = "相关阅读：维族传统服饰展在乌鲁木齐开幕"  # the term, in a line the detector does not flag
REPORT = "公司新闻：我们在新疆维族聚居区开展了公益活动。"  # a clean (reporting) finding with the term
NOT_FOUND = b"<html><body><h1>404 Not Found</h1></body></html>"
# what each kind of page says at T0..T4 (None: the page is gone, HTTP 404)
KIND = {
    0: [ETH1] * 5,                               # stable
    1: ["", "", REL, REL, REL],                  # appears
    2: [ETH1, ETH1, ETH1, "", ""],               # vanishes
    3: [ETH1, ETH1, ETH2, ETH2, ETH2],           # reworded
    4: [REL, REL, REL, None, None],              # the page is deleted
    5: [ETH1, ETH1, MISS, MISS, ""],             # a detection miss, then the terms go
    6: [ETH1, REPORT, REPORT, REPORT, REPORT],   # the terms stay in a news item
    7: [""] * 5, 8: [""] * 5, 9: [""] * 5,       # no claim, never changes
}


def date(ts: str) -> str:
    return f"{ts[:4]}-{ts[4:6]}-{ts[6:8]}T{ts[8:10]}:{ts[10:12]}:{ts[12:14]}Z"


D = [date(t) for t in T]
# (event, before, after[, terms_check]) per kind; dates are capture times
EXPECTED = {
    0: [("appeared", None, D[0])],
    1: [("appeared", D[1], D[2])],
    2: [("appeared", None, D[0]), ("removed", D[2], D[3], "absent")],
    3: [("appeared", None, D[0]), ("changed", D[1], D[2])],
    4: [("appeared", None, D[0]), ("removed", D[2], D[3], "gone")],
    5: [("appeared", None, D[0]), ("no_longer_flagged", D[1], D[2]), ("removed", D[1], D[4], "absent")],
    6: [("appeared", None, D[0]), ("no_longer_flagged", D[0], D[1])],
}
STATUS = {0: "present", 1: "present", 2: "removed", 3: "present", 4: "removed", 5: "removed", 6: "no_longer_flagged"}


def url_of(i: int) -> str:
    return (f"https://support.vendor.example/docs/fr-{i:02d}.html" if i >= 40
            else f"https://www.vendor.example/products/cam-{i:02d}.html")


def page(i: int, t: int) -> bytes | None:
    said = KIND[i % 10][t]
    if said is None:
        return None
    stamp = f"<p>页面更新时间：{date(T[t])[:10]}</p>" if i % 10 < 7 else ""
    claim = f"<p>{said}</p>" if said else ""
    return (f"<html><head><meta charset='utf-8'><title>DS-{i:02d} 产品介绍</title></head><body>"
            f"<h1>DS-{i:02d} 深眸人脸抓拍机</h1><p>支持人脸抓拍、车辆识别、越界侦测等智能分析功能。</p>"
            f"{claim}{stamp}</body></html>").encode()


def digest(body: bytes) -> str:
    return base64.b32encode(hashlib.sha1(body).digest()).decode()


def surt(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname.removeprefix("www.")
    return ",".join(reversed(host.split("."))) + ")" + parts.path


def in_scope(url: str, target: str, match_type: str) -> bool:
    host = urlsplit(url if "://" in url else "http://" + url).hostname or ""
    if match_type == "domain":
        return host.removeprefix("www.") == target or host.endswith("." + target)
    if match_type == "host":
        return host == target
    if match_type == "prefix":
        return url.split("://", 1)[-1].startswith(target.split("://", 1)[-1])
    return url == target


class World:
    """The captures, the WARC files of the crawls, and the faults to play (a list per path, used up in order)."""

    def __init__(self, pages: int = 50) -> None:
        self.pages = pages
        self.wayback: list[dict] = []
        self.bodies: dict[tuple[str, str], tuple[int, bytes]] = {}
        for i in range(pages):
            for t in WAYBACK_TIMES:
                self._wb(i, T[t], t)
            self._wb(i, T4B, 4)
        self._wb_extra("https://www.vendor.example/img/logo.jpg", T[0], 200, b"\xff\xd8jpeg", "image/jpeg")
        self._wb_extra("https://other.example/products/cam-00.html", T[0], 200, page(0, 0), "text/html")
        self.crawls: dict[str, list[dict]] = {}
        self.files: dict[str, bytes] = {}
        for t, crawl in CC_TIMES.items():
            self._crawl(t, crawl)
        self.faults: dict[str, list[str]] = {}
        self.log: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.delay = 0.0

    def _wb(self, i: int, ts: str, t: int) -> None:
        body = page(i, t)
        status = 200 if body is not None else 404
        self._wb_extra(url_of(i), ts, status, body if body is not None else NOT_FOUND, "text/html")

    def _wb_extra(self, url: str, ts: str, status: int, body: bytes, mime: str) -> None:
        self.wayback.append({"urlkey": surt(url), "timestamp": ts, "original": url, "mimetype": mime,
                             "statuscode": str(status), "digest": digest(body), "length": str(len(body))})
        self.bodies[(ts, url)] = (status, body)

    def _crawl(self, t: int, crawl: str) -> None:
        buf = io.BytesIO()
        writer = WARCWriter(buf, gzip=True)
        name = f"crawl-data/{crawl}/segments/1/warc/{crawl}-00000.warc.gz"
        lines = []
        for i in range(self.pages):
            body = page(i, t)
            status = 200 if body is not None else 404
            body = body if body is not None else NOT_FOUND
            http = StatusAndHeaders(f"{status} {'OK' if status == 200 else 'Not Found'}",
                                    [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
                                    protocol="HTTP/1.1")
            rec = writer.create_warc_record(url_of(i), "response", payload=io.BytesIO(body), length=len(body),
                                            http_headers=http, warc_headers_dict={"WARC-Date": date(T[t])})
            start = buf.tell()
            writer.write_record(rec)
            lines.append({"urlkey": surt(url_of(i)), "timestamp": T[t], "url": url_of(i), "mime": "text/html",
                          "status": str(status), "digest": digest(body), "length": str(buf.tell() - start),
                          "offset": str(start), "filename": name})
        self.crawls[crawl] = lines
        self.files[name] = buf.getvalue()

    # ------------------------------------------------------------------ the three servers' answers

    def cdx(self, q: dict[str, list[str]]) -> bytes:
        target, match = q["url"][0], q.get("matchType", ["exact"])[0]
        rows = [c for c in sorted(self.wayback, key=lambda c: (c["urlkey"], c["timestamp"]))
                if in_scope(c["original"], target, match) and _passes(c, q.get("filter", []), "wayback")
                and (not q.get("from") or c["timestamp"] >= q["from"][0].ljust(14, "0"))
                and (not q.get("to") or c["timestamp"] <= q["to"][0].ljust(14, "9"))]
        if q.get("collapse") == ["digest"]:
            rows = [c for n, c in enumerate(rows) if n == 0 or rows[n - 1]["digest"] != c["digest"]]  # as IA: digest only
        start, limit = int(q.get("resumeKey", ["0"])[0]), int(q.get("limit", ["100000"])[0])
        fields = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
        out = [fields] + [[c[f] for f in fields] for c in rows[start:start + limit]]
        if start + limit < len(rows) and q.get("showResumeKey") == ["true"]:
            out += [[], [str(start + limit)]]
        return json.dumps(out).encode()

    def cc_index(self, crawl: str, q: dict[str, list[str]], page_size: int = 12) -> bytes:
        target, match = q["url"][0], q.get("matchType", ["exact"])[0]
        rows = [r for r in sorted(self.crawls[crawl], key=lambda r: r["urlkey"])
                if in_scope(r["url"], target, match) and _passes(r, q.get("filter", []), "cc")]
        if q.get("showNumPages") == ["true"]:
            return json.dumps({"pages": max(1, math.ceil(len(rows) / page_size)), "pageSize": page_size}).encode()
        n = int(q.get("page", ["0"])[0])
        return "".join(json.dumps(r) + "\n" for r in rows[n * page_size:(n + 1) * page_size]).encode()

    def expected_keys(self) -> int:
        """How many records the whole sweep must end with (Wayback after collapse, plus every crawl record)."""
        q = {"url": ["vendor.example"], "matchType": ["domain"], "collapse": ["digest"],
             "filter": ["statuscode:(200|404|410)", "mimetype:(text/html|application/xhtml\\+xml)"]}
        return len(json.loads(self.cdx(q))) - 1 + sum(len(v) for v in self.crawls.values())


def _passes(row: dict, filters: list[str], kind: str) -> bool:
    names = {"wayback": {"statuscode": "statuscode", "mimetype": "mimetype"},
             "cc": {"status": "status", "mime": "mime"}}[kind]
    for f in filters:
        field, _, rx = f.partition(":")
        assert field in names, f"unknown filter field {field}"
        if not re.fullmatch(rx, row[names[field]]):
            return False
    return True


def handler(world: World, role: str):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        wbufsize = 1 << 16  # one send per answer (no Nagle/delayed-ACK stall between headers and body)

        def log_message(self, *args):
            pass

        def do_GET(self):
            parts = urlsplit(self.path)
            with world.lock:
                world.log.append((role, self.path))
                plan = world.faults.get(parts.path)
                action = plan.pop(0) if plan else None
            assert self.headers["User-Agent"].startswith("profilewatch/")
            if action and action.split(":")[0] in ("429", "503"):
                code, wait = action.split(":")
                return self._send(int(code), b"slow down", {"Retry-After": wait})
            if action and action.startswith("timeout"):
                time.sleep(float(action.split(":")[1]))
            time.sleep(world.delay)
            q = parse_qs(parts.query)
            if role == "wayback":
                if parts.path == "/cdx":
                    return self._send(200, world.cdx(q), {"Content-Type": "application/json"})
                m = re.fullmatch(r"/web/(\d{14})id_/(.+)", parts.path)
                status, body = world.bodies.get((m.group(1), unquote(m.group(2))), (404, b"no capture")) if m else (404, b"")
                return self._send(status, body, {"Content-Type": "text/html; charset=utf-8"}, truncate=action == "truncate")
            if role == "index":
                if parts.path == "/collinfo.json":
                    base = f"http://127.0.0.1:{self.server.server_address[1]}"
                    return self._send(200, json.dumps([{"id": c, "name": c, "cdx-api": f"{base}/{c}-index"}
                                                       for c in sorted(world.crawls, reverse=True)]).encode())
                crawl = parts.path.strip("/").removesuffix("-index")
                return self._send(200, world.cc_index(crawl, q)) if crawl in world.crawls else self._send(404, b"")
            data = world.files.get(parts.path.lstrip("/"))
            if data is None:
                return self._send(404, b"no such file")
            m = re.fullmatch(r"bytes=(\d+)-(\d+)", self.headers.get("Range", ""))
            if not m or action == "ignore_range":
                return self._send(200, data)
            lo, hi = int(m.group(1)), int(m.group(2))
            if action == "wrong_bytes":
                lo, hi = lo + 7, hi + 7
            return self._send(206, data[lo:hi + 1], {"Content-Range": f"bytes {lo}-{hi}/{len(data)}"})

        def _send(self, code, body, headers=None, truncate=False):
            try:
                self.send_response(code)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if truncate else body)
                if truncate:
                    self.wfile.flush()
                    self.close_connection = True
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


@pytest.fixture
def world(only_loopback):
    """The mock vendor served by three local servers: ``w.urls`` has wayback, index, data."""
    yield from served(World())


@pytest.fixture
def small_world(only_loopback):
    """The same vendor with 10 pages (5 snapshots each), for the fault tests."""
    yield from served(World(pages=10))


def start(w: World) -> list[ThreadingHTTPServer]:
    """Serve ``w`` on three local ports (``w.urls``: wayback, index, data)."""
    servers = []
    w.urls = {}
    for role in ("wayback", "index", "data"):
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler(w, role))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        w.urls[role] = f"http://127.0.0.1:{server.server_address[1]}"
    return servers


def served(w: World):
    servers = start(w)
    yield w
    for s in servers:
        s.shutdown()
        s.server_close()


def sweep_args(w: World, out, *extra: str) -> list[str]:
    """``profilewatch sweep`` arguments for the whole mock vendor (both sources, fast politeness)."""
    return ["sweep", str(out), "--domain", "vendor.example", "--types", "html",
            "--cdx-endpoint", w.urls["wayback"] + "/cdx", "--capture-prefix", w.urls["wayback"] + "/web/",
            "--crawl", "all", "--cc-index", w.urls["index"], "--cc-data", w.urls["data"] + "/",
            "--fetch-rate", "600000", "--index-rate", "600000", "--backoff", "0.05", "--timeout", "0.5", *extra]
