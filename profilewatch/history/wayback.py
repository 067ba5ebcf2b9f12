"""Fetch the capture history of a URL from a Wayback Machine (or pywb) into a WARC file.

:func:`fetch_history` lists captures through the CDX API (``output=json``, ``collapse=digest``,
paged with ``showResumeKey``/``resumeKey``): the ``200`` captures, and separately the
``404``/``410``/``3xx`` captures that are the evidence of a deletion or a move.  Each capture is
fetched once per distinct digest in its raw form (``<prefix><timestamp>id_/<url>``, no
rewriting); a later capture with a digest already fetched becomes a ``revisit`` record.

The WARC follows pywb's convention for records patched in from an archive:
``WARC-Target-URI`` is the original URL, ``WARC-Date`` the capture time, ``WARC-Source-URI``
the URL it was retrieved from and ``WARC-Creation-Date`` the retrieval time; a ``metadata``
record (``WARC-Concurrent-To`` the response) keeps the CDX line; the ``warcinfo`` record of
each run names the tool, its version and the query.

Politeness: at most ``cdx_per_minute`` CDX requests and ``fetch_per_minute`` capture requests
a minute; on 429/503 every request stops for the ``Retry-After`` the server asked for (or an
exponential backoff) and a wait longer than ``max_wait`` ends the run (re-run it later); errors
and timeouts are retried with backoff; a name that does not resolve or a refused connection
fails at once; a clear ``User-Agent`` (the client: :mod:`profilewatch.history.polite`).
:func:`list_captures` also serves ``sweep`` (``match_type`` domain/prefix/host, several filters).

Resumable and interruptible: each record is appended as one complete gzip member and
fsynced, so a killed run leaves whole records; a re-run skips captures whose
``WARC-Target-URI`` + ``WARC-Date`` are already in the file, and first cuts off a torn record
at the end of the file, if any.
"""
from __future__ import annotations

import datetime as _dt
import io
import json
import os
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, BinaryIO
from urllib.parse import urlencode

from fastwarc.warc import ArchiveIterator, WarcRecordType
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from .. import __version__
from .polite import Client, FetchError, GaveUp as _GaveUp, Politeness, retry_after as _retry_after  # noqa: F401 (re-exported)

DEFAULT_CDX = "https://web.archive.org/cdx/search/cdx"
DEFAULT_PREFIX = "https://web.archive.org/web/"
EVIDENCE_FILTER = "statuscode:(30[0-9]|404|410)"
_HOP_BY_HOP = frozenset({"transfer-encoding", "connection", "keep-alive", "content-length"})
_IA_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
_PYWB_NAMES = {"url": "original", "mime": "mimetype", "status": "statuscode"}


class OutputError(ValueError):
    """The output file cannot be appended to (it is not a gzip-compressed WARC)."""


@dataclass(slots=True)
class FetchConfig:
    """Where to ask and how politely."""

    cdx_endpoint: str = DEFAULT_CDX
    capture_prefix: str = DEFAULT_PREFIX
    cdx_per_minute: float = 24.0
    fetch_per_minute: float = 30.0
    page_size: int = 500
    retries: int = 4
    backoff: float = 5.0
    max_wait: float = 300.0
    connect_timeout: float = 15.0
    read_timeout: float = 60.0
    user_agent: str = f"profilewatch/{__version__} (capture-history fetcher for document research)"

    def client(self, clock: Callable[[], float], sleep: Callable[[float], None]) -> Client:
        """The polite client these settings describe (one request at a time)."""
        polite = Politeness(self.retries, self.backoff, self.max_wait, self.connect_timeout, self.read_timeout,
                            1, self.user_agent)
        return Client(polite, {"cdx": self.cdx_per_minute, "fetch": self.fetch_per_minute}, clock, sleep)


@dataclass(slots=True, frozen=True)
class Capture:
    """One CDX line."""

    timestamp: str
    original: str
    statuscode: str
    digest: str
    mimetype: str = ""
    length: str = ""
    urlkey: str = ""

    @property
    def date(self) -> str:
        t = self.timestamp.ljust(14, "0")
        return f"{t[:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"


@dataclass
class FetchReport:
    """What a run did; ``problems`` are ``(capture date, reason, message)``."""

    listed: int = 0
    evidence: int = 0
    written: int = 0
    revisits: int = 0
    already: int = 0
    repaired_bytes: int = 0
    problems: list[tuple[str, str, str]] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# CDX


def _parse_cdx(body: bytes) -> tuple[list[Capture], str | None]:
    """Captures and the resume key of one CDX page (IA JSON arrays or pywb JSON lines)."""
    text = body.decode("utf-8").strip()
    if not text:
        return [], None
    if text.startswith("["):
        rows = json.loads(text)
        resume = None
        if len(rows) >= 2 and rows[-2] == [] and len(rows[-1]) == 1:
            resume, rows = rows[-1][0], rows[:-2]
        rows = [r for r in rows if r]
        if not rows:
            return [], resume
        names = rows[0] if rows[0] and rows[0][0] == "urlkey" else list(_IA_FIELDS)
        body_rows = rows[1:] if rows[0] is names else rows
        return [_capture(dict(zip(names, r))) for r in body_rows], resume
    out = []
    for line in text.splitlines():
        if line.strip():
            obj = json.loads(line)
            out.append(_capture({_PYWB_NAMES.get(k, k): v for k, v in obj.items()}))
    return out, None


def _capture(row: dict[str, Any]) -> Capture:
    return Capture(str(row["timestamp"]), row["original"], str(row.get("statuscode", "")), row.get("digest", ""),
                   row.get("mimetype", ""), str(row.get("length", "")), row.get("urlkey", ""))


def list_captures(client: Client, url: str, *, status_filter: str | list[str], date_from: str | None,
                  date_to: str | None, endpoint: str = DEFAULT_CDX, page_size: int = 500,
                  match_type: str | None = None) -> Iterator[Capture]:
    """Every CDX line for ``url`` that passes the filter(s), page by page (``showResumeKey``/``resumeKey``).

    ``match_type`` (``exact``, ``prefix``, ``host``, ``domain``) widens the query from one URL.
    """
    params: dict[str, Any] = {"url": url, "output": "json", "collapse": "digest",
                              "filter": [status_filter] if isinstance(status_filter, str) else list(status_filter),
                              "showResumeKey": "true", "limit": str(page_size)}
    if match_type:
        params["matchType"] = match_type
    if date_from:
        params["from"] = date_from
    if date_to:
        params["to"] = date_to
    resume: str | None = None
    while True:
        query = dict(params, resumeKey=resume) if resume else params
        try:
            status, _, body = client.get(f"{endpoint}?{urlencode(query, doseq=True)}", "cdx")
        except _GaveUp as exc:
            raise FetchError(f"CDX query failed: {exc}") from None
        if status != 200:
            raise FetchError(f"CDX query failed: HTTP {status}: {body[:200].decode('utf-8', 'replace')}")
        captures, resume = _parse_cdx(body)
        yield from captures
        if not resume:
            return


# ---------------------------------------------------------------------------------------------
# the WARC file


def existing_captures(path: str) -> tuple[set[tuple[str, str]], dict[str, tuple[str, str]], int]:
    """What a previous run wrote: (URI, date) pairs, CDX digest -> first capture, end of the last whole record."""
    seen: set[tuple[str, str]] = set()
    digests: dict[str, tuple[str, str]] = {}
    if not os.path.exists(path):
        return seen, digests, 0
    with open(path, "rb") as fh:
        good_end = whole_members_end(fh)
        fh.seek(0)
        for rec in ArchiveIterator(fh, parse_http=False):  # FastWARC reads; warcio only writes
            if rec.stream_pos >= good_end:  # a record torn by a kill is cut off on append
                break
            h = rec.headers
            uri, date = h.get("WARC-Target-URI"), h.get("WARC-Date")
            kind = rec.record_type
            if kind == WarcRecordType.metadata and h.get("Content-Type") == "application/json":
                line = json.loads(rec.reader.read())
                if line.get("digest") and "refers_to" not in line:
                    digests.setdefault(line["digest"], (uri, date))
            elif kind & (WarcRecordType.response | WarcRecordType.revisit) and uri and date:
                seen.add((uri, date))
    return seen, digests, good_end


def whole_members_end(fh: BinaryIO) -> int:
    """Offset after the last complete gzip member (a record torn by a kill is not one)."""
    if fh.read(2) not in (b"", b"\x1f\x8b"):
        raise OutputError(f"{fh.name}: not a gzip-compressed WARC (records are appended as gzip members)")
    end = 0
    while True:
        fh.seek(end)
        inflater = zlib.decompressobj(31)
        while not inflater.eof:
            chunk = fh.read(1 << 16)
            if not chunk:
                return end
            try:
                inflater.decompress(chunk)
            except zlib.error:
                return end
        end = fh.tell() - len(inflater.unused_data)


def warc_bytes(records: list[Any]) -> bytes:
    """warcio records as gzip members, one per record."""
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    for rec in records:
        writer.write_record(rec)
    return buf.getvalue()


class Appender:
    """Appends whole gzip members to a WARC file: one ``write`` plus ``fsync`` per record."""

    def __init__(self, path: str, good_end: int) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        size = os.fstat(self.fd).st_size
        self.repaired = size - good_end
        if self.repaired:
            os.ftruncate(self.fd, good_end)
        os.lseek(self.fd, good_end, os.SEEK_SET)

    def append(self, records: list[Any]) -> None:
        self.append_bytes(warc_bytes(records))

    def append_bytes(self, data: bytes, sync: bool = True) -> tuple[int, int]:
        """Append ready gzip members at once (and fsync); returns their (start, end) offsets."""
        start = os.lseek(self.fd, 0, os.SEEK_CUR)
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            view = view[n:]
        if sync:
            os.fsync(self.fd)
        return start, start + len(data)

    def sync(self) -> None:
        os.fsync(self.fd)

    def close(self) -> None:
        os.close(self.fd)


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def http_status_headers(status: int, reason: str, headers: list[tuple[str, str]], length: int) -> StatusAndHeaders:
    kept = [(k, v) for k, v in headers if k.lower() not in _HOP_BY_HOP]
    kept.append(("Content-Length", str(length)))
    return StatusAndHeaders(f"{status} {reason}".strip(), kept, protocol="HTTP/1.1")


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


# ---------------------------------------------------------------------------------------------
# the run


def fetch_history(url: str, out: str, config: FetchConfig | None = None, *, date_from: str | None = None,
                  date_to: str | None = None, clock: Callable[[], float] = time.monotonic,
                  sleep: Callable[[float], None] = time.sleep,
                  progress: Callable[[str], None] | None = None) -> FetchReport:
    """Write the capture history of ``url`` to the WARC file ``out`` (appending; resumable)."""
    config = config or FetchConfig()
    say = progress or (lambda _msg: None)
    client = config.client(clock, sleep)
    report = FetchReport()
    seen, digests, good_end = existing_captures(out)
    where = {"date_from": date_from, "date_to": date_to, "endpoint": config.cdx_endpoint, "page_size": config.page_size}
    kept = list(list_captures(client, url, status_filter="statuscode:200", **where))
    evidence = list(list_captures(client, url, status_filter=EVIDENCE_FILTER, **where))
    report.listed, report.evidence = len(kept), len(evidence)
    captures = sorted(set(kept) | set(evidence), key=lambda c: (c.timestamp, c.original))
    todo = [c for c in captures if (c.original, c.date) not in seen]
    report.already = len(captures) - len(todo)
    say(f"{len(kept)} captures with status 200, {len(evidence)} deletion/move captures; "
        f"{report.already} already in {out}, {len(todo)} to fetch")
    if not todo:
        return report
    appender = Appender(out, good_end)
    report.repaired_bytes = appender.repaired
    try:
        info_writer = WARCWriter(io.BytesIO(), gzip=True)
        appender.append([info_writer.create_warcinfo_record(os.path.basename(out), {
            "software": f"profilewatch/{__version__} (warcio)",
            "format": "WARC File Format 1.0",
            "description": "capture history fetched from a Wayback CDX API (raw id_ captures)",
            "profilewatch-query": json.dumps({"url": url, "from": date_from, "to": date_to,
                                              "cdx_endpoint": config.cdx_endpoint,
                                              "capture_prefix": config.capture_prefix,
                                              "filters": ["statuscode:200", EVIDENCE_FILTER],
                                              "collapse": "digest"}),
            "http-header-user-agent": config.user_agent,
        })])
        for cap in todo:
            _fetch_one(client, cap, appender, digests, report, say, config.capture_prefix)
    finally:
        appender.close()
    return report


def _fetch_one(client: Client, cap: Capture, appender: Appender, digests: dict[str, tuple[str, str]],
               report: FetchReport, say: Callable[[str], None], prefix: str) -> None:
    writer = WARCWriter(io.BytesIO(), gzip=True)
    source = f"{prefix}{cap.timestamp}id_/{cap.original}"
    cdx_line = {"urlkey": cap.urlkey, "timestamp": cap.timestamp, "original": cap.original,
                "mimetype": cap.mimetype, "statuscode": cap.statuscode, "digest": cap.digest, "length": cap.length}
    if cap.digest and cap.digest in digests:
        ref_uri, ref_date = digests[cap.digest]
        revisit = writer.create_revisit_record(cap.original, f"sha1:{cap.digest}", ref_uri, ref_date,
                                               warc_headers_dict={"WARC-Date": cap.date})
        meta = _metadata(writer, cap, dict(cdx_line, refers_to=[ref_uri, ref_date]), revisit, None)
        appender.append([revisit, meta])
        report.revisits += 1
        say(f"{cap.date} revisit of {ref_date} (same digest, not fetched)")
        return
    retrieved = _now()
    try:
        status, headers, body = client.get(source, "fetch")
    except _GaveUp as exc:
        report.problems.append((cap.date, "fetch_failed", str(exc)))
        say(f"{cap.date} FAILED: {exc}")
        return
    if not _same_status(status, cap.statuscode):
        reason = "capture_unavailable" if status in (404, 410) else "status_mismatch"
        msg = f"archive answered HTTP {status} for a capture listed with status {cap.statuscode or '?'}"
        report.problems.append((cap.date, reason, msg))
        say(f"{cap.date} SKIPPED: {msg}")
        return
    http = http_status_headers(status, reason_phrase(status), headers, len(body))
    response = writer.create_warc_record(cap.original, "response", payload=io.BytesIO(body), length=len(body),
                                         http_headers=http,
                                         warc_headers_dict={"WARC-Date": cap.date, "WARC-Source-URI": source,
                                                            "WARC-Creation-Date": retrieved})
    appender.append([response, _metadata(writer, cap, cdx_line, response, source)])
    if cap.digest:
        digests.setdefault(cap.digest, (cap.original, cap.date))
    report.written += 1
    say(f"{cap.date} HTTP {status} {len(body)} bytes")


def _same_status(status: int, listed: str) -> bool:
    if not listed.isdigit():
        return status == 200
    return status == int(listed) or (300 <= status < 400 and listed.startswith("3"))


def _metadata(writer: WARCWriter, cap: Capture, line: dict[str, Any], concurrent: Any, source: str | None) -> Any:
    headers = {"WARC-Date": cap.date,
               "WARC-Concurrent-To": concurrent.rec_headers.get_header("WARC-Record-ID")}
    if source:
        headers["WARC-Source-URI"] = source
    data = json.dumps(line, sort_keys=True).encode()
    return writer.create_warc_record(cap.original, "metadata", payload=io.BytesIO(data), length=len(data),
                                     warc_content_type="application/json", warc_headers_dict=headers)

