"""Fetch one :class:`~profilewatch.sweep.sources.SweepRecord` into WARC records with full provenance.

:func:`fetch_record` returns a :class:`Fetched`: the WARC records as ready gzip members
(``request``, ``response``, then a ``metadata`` record that closes the group), or the reason
it failed.  Every group follows pywb's convention for records patched in from an archive:
``WARC-Target-URI`` the original URL, ``WARC-Date`` the capture time, ``WARC-Source-URI`` the
URL it was retrieved from, ``WARC-Creation-Date`` the retrieval time; the ``request`` record is
the request we sent (Range header included); the ``metadata`` record (JSON,
``WARC-Concurrent-To`` the response) holds the index line, the retrieval time, the SHA-256 of
the payload and the sweep key that makes a run resumable.

* **Wayback**: the raw ``id_`` capture; an answer whose status differs from the listed one is a
  problem (``capture_unavailable``/``status_mismatch``).
* **Common Crawl**: ``Range: bytes=offset-(offset+length-1)``; the answer must be exactly
  ``length`` bytes forming exactly one gzip member holding a WARC ``response`` record for the
  listed URL and time -- otherwise ``range_mismatch`` (the server ignored the range, or the
  index and the file disagree).  The record is read with FastWARC and written again, its
  ``WARC-Filename``, offset, length and original record id kept in the metadata.
* **live**: the page as served now (``WARC-Date`` = retrieval time), redirects not followed.

Reading is FastWARC's, writing warcio's.
"""
from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import io
import json
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from fastwarc.warc import ArchiveIterator, WarcRecordType
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from ..history.polite import Client, GaveUp
from ..history.wayback import http_status_headers, reason_phrase, warc_bytes
from .sources import SweepRecord


@dataclass
class Fetched:
    """What fetching one record gave: ready WARC bytes and the manifest row, or a problem."""

    record: SweepRecord
    data: bytes = b""
    row: dict[str, Any] = field(default_factory=dict)
    problem: tuple[str, str] | None = None  # (reason, message)
    payload: bytes = b""  # the HTTP body as received (for ``capture``'s link extraction)
    content_type: str = ""
    content_encoding: str = ""


class WrongBytes(Exception):
    """A range answer that is not the record the index points at."""


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def b32_sha1(data: bytes) -> str:
    return base64.b32encode(hashlib.sha1(data).digest()).decode()


def fetch_record(client: Client, rec: SweepRecord) -> Fetched:
    """Fetch ``rec``; network-wide failures (:class:`~profilewatch.history.polite.FetchError`) propagate."""
    retrieved = now()
    try:
        if rec.source == "cc":
            return _cc(client, rec, retrieved)
        status, headers, body = client.get(rec.fetch_url, "fetch")
    except GaveUp as exc:
        return Fetched(rec, problem=("fetch_failed", str(exc)))
    if rec.source == "wayback" and not _same_status(status, rec.status):
        reason = "capture_unavailable" if status in (404, 410) else "status_mismatch"
        return Fetched(rec, problem=(reason, f"archive answered HTTP {status} for a capture listed with status "
                                             f"{rec.status or '?'}"))
    http = http_status_headers(status, reason_phrase(status), headers, len(body))
    date = rec.date or retrieved
    return _group(rec, http, body, date, retrieved, {}, [])


def _same_status(status: int, listed: str) -> bool:
    if not listed.isdigit():
        return status == 200
    return status == int(listed) or (300 <= status < 400 and listed.startswith("3"))


def _cc(client: Client, rec: SweepRecord, retrieved: str) -> Fetched:
    last = ""
    for _ in range(2):  # a wrong range is tried once more: a flaky proxy, not a bad index
        rng = f"bytes={rec.offset}-{rec.offset + rec.length - 1}"
        status, _, body = client.get(rec.fetch_url, "fetch", headers={"Range": rng})
        try:
            http, payload, orig = _decode_range(rec, status, body)
        except WrongBytes as exc:
            last = str(exc)
            continue
        extra = {"warc_filename": rec.filename, "warc_offset": rec.offset, "warc_length": rec.length,
                 "original_record_id": orig.get("WARC-Record-ID"), "crawl": rec.crawl}
        return _group(rec, http, payload, orig.get("WARC-Date") or rec.date, retrieved, extra, [("Range", rng)])
    return Fetched(rec, problem=("range_mismatch", f"{rec.fetch_url} {rec.offset}+{rec.length}: {last}"))


def _decode_range(rec: SweepRecord, status: int, body: bytes) -> tuple[StatusAndHeaders, bytes, dict[str, str]]:
    if status not in (200, 206):
        raise WrongBytes(f"HTTP {status}")
    if len(body) != rec.length:
        raise WrongBytes(f"got {len(body)} bytes for a range of {rec.length} (HTTP {status})")
    inflater = zlib.decompressobj(31)
    try:
        raw = inflater.decompress(body)
    except zlib.error as exc:
        raise WrongBytes(f"not a gzip member: {exc}") from None
    if not inflater.eof or inflater.unused_data:
        raise WrongBytes("not exactly one gzip member (truncated, or more than one record)")
    for record in ArchiveIterator(io.BytesIO(raw), record_types=WarcRecordType.response, parse_http=True):
        h = record.headers
        if h.get("WARC-Target-URI") != rec.url:
            raise WrongBytes(f"the record is for {h.get('WARC-Target-URI')!r}, the index says {rec.url!r}")
        if rec.date and (h.get("WARC-Date") or "")[:19] != rec.date[:19]:
            raise WrongBytes(f"the record is dated {h.get('WARC-Date')}, the index says {rec.date}")
        payload = record.reader.read()
        hh = record.http_headers
        http = StatusAndHeaders(hh.status_line.split(" ", 1)[1] if " " in hh.status_line else hh.status_line,
                                [(k, v) for k, v in hh.items() if k.lower() not in ("transfer-encoding", "content-length")]
                                + [("Content-Length", str(len(payload)))], protocol="HTTP/1.1")
        return http, payload, dict(h.items())
    raise WrongBytes("no WARC response record in the range")


def _group(rec: SweepRecord, http: StatusAndHeaders, body: bytes, date: str, retrieved: str,
           extra: dict[str, Any], sent: list[tuple[str, str]]) -> Fetched:
    writer = WARCWriter(io.BytesIO(), gzip=True)
    response = writer.create_warc_record(rec.url, "response", payload=io.BytesIO(body), length=len(body),
                                         http_headers=http,
                                         warc_headers_dict={"WARC-Date": date, "WARC-Source-URI": rec.fetch_url,
                                                            "WARC-Creation-Date": retrieved})
    rid = response.rec_headers.get_header("WARC-Record-ID")
    request = _request(writer, rec, retrieved, rid, sent)
    sha256 = hashlib.sha256(body).hexdigest()
    row = {"key": rec.key, "source": rec.source, "url": rec.url, "date": date, "kind": "response",
           "status": http.get_statuscode(), "record_id": rid, "sha256": sha256,
           "payload_digest": response.rec_headers.get_header("WARC-Payload-Digest"), "cdx_digest": rec.digest}
    meta = metadata(writer, rec, date, rid, dict(extra, sweep=row, index_line=rec.line, retrieved=retrieved,
                                                  source_uri=rec.fetch_url,
                                                  digest_matches_index=(b32_sha1(body) == rec.digest) if rec.digest else None))
    return Fetched(rec, warc_bytes([request, response, meta]), row, payload=body,
                   content_type=http.get_header("Content-Type") or "",
                   content_encoding=http.get_header("Content-Encoding") or "")


def _request(writer: WARCWriter, rec: SweepRecord, retrieved: str, concurrent: str, sent: list[tuple[str, str]]) -> Any:
    parts = urlsplit(rec.fetch_url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [("Host", parts.netloc)] + sent
    http = StatusAndHeaders(f"GET {path} HTTP/1.1", headers, is_http_request=True)
    return writer.create_warc_record(rec.fetch_url, "request", payload=io.BytesIO(b""), length=0, http_headers=http,
                                     warc_headers_dict={"WARC-Date": retrieved, "WARC-Concurrent-To": concurrent})


def metadata(writer: WARCWriter, rec: SweepRecord, date: str, concurrent: str, line: dict[str, Any]) -> Any:
    """The JSON metadata record that closes a group (the sweep manifest is rebuilt from it)."""
    data = json.dumps(line, sort_keys=True, ensure_ascii=False).encode()
    return writer.create_warc_record(rec.url, "metadata", payload=io.BytesIO(data), length=len(data),
                                     warc_content_type="application/json",
                                     warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": concurrent})


def revisit(rec: SweepRecord, ref: dict[str, Any]) -> Fetched:
    """A ``revisit`` group for a record whose digest was already fetched (``ref``: that record's manifest row)."""
    writer = WARCWriter(io.BytesIO(), gzip=True)
    date = rec.date or now()
    rv = writer.create_revisit_record(rec.url, ref["payload_digest"], ref["url"], ref["date"],
                                      warc_headers_dict={"WARC-Date": date, "WARC-Source-URI": rec.fetch_url})
    rid = rv.rec_headers.get_header("WARC-Record-ID")
    row = {"key": rec.key, "source": rec.source, "url": rec.url, "date": date, "kind": "revisit", "record_id": rid,
           "payload_digest": ref["payload_digest"], "cdx_digest": rec.digest, "refers_to": ref["record_id"]}
    meta = metadata(writer, rec, date, rid, {"sweep": row, "index_line": rec.line, "refers_to": [ref["url"], ref["date"]]})
    return Fetched(rec, warc_bytes([rv, meta]), row)
