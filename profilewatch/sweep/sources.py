"""Where a sweep's records come from: Wayback CDX, Common Crawl's URL index, a URL list or CDXJ file.

Every source yields :class:`SweepRecord` objects -- one capture to fetch, with the index line
it came from (kept as provenance):

* :func:`wayback_records`: the Wayback CDX API over a whole domain (``matchType``
  ``domain``/``prefix``/``host``/``exact``), ``from``/``to``, mimetype and status filters,
  ``collapse=digest``, paged with the resume key; each capture is fetched raw (``id_``);
* :func:`cc_crawls` and :func:`cc_records`: Common Crawl's index server (a pywb CDX API per
  crawl, ``<index>/<CRAWL>-index``; ``all`` crawls from ``collinfo.json``), paged with
  ``showNumPages``/``page``; each record is fetched by an HTTP range (``offset``, ``length``) from
  the crawl's WARC file under the data prefix;
* :func:`file_records`: a file of URLs (fetched live), JSON lines or CDXJ lines
  (``urlkey timestamp {json}``): a line with ``filename``/``offset``/``length`` is a WARC range,
  one with a ``timestamp`` a Wayback capture, else a live URL;
* the columnar index (Parquet): :mod:`profilewatch.sweep.columnar`.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from ..history.polite import Client, FetchError, GaveUp
from ..history.wayback import list_captures

DEFAULT_CDX = "https://web.archive.org/cdx/search/cdx"
DEFAULT_PREFIX = "https://web.archive.org/web/"
DEFAULT_CC_INDEX = "https://index.commoncrawl.org"
DEFAULT_CC_DATA = "https://data.commoncrawl.org/"
MIME_GROUPS = {
    "html": ["text/html", "application/xhtml+xml"],
    "pdf": ["application/pdf"],
    "office": ["application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "application/vnd.openxmlformats-officedocument.presentationml.presentation",
               "application/vnd.ms-excel", "application/vnd.ms-powerpoint", "application/rtf",
               "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet"],
    "archives": ["application/zip", "application/x-zip-compressed", "application/x-7z-compressed",
                 "application/x-tar", "application/gzip", "application/x-gzip", "application/x-rar-compressed",
                 "application/vnd.rar"],
    "text": ["text/plain", "text/markdown", "application/json"],
}
DEFAULT_TYPES = ("html", "pdf", "office", "archives")
DEFAULT_STATUSES = ("200", "404", "410")  # 404/410 captures are the evidence of a deletion
_CDXJ = re.compile(r"^(\S+) (\d{4,14}) (\{.*\})\s*$")


@dataclass(slots=True, frozen=True)
class SweepRecord:
    """One capture to fetch.  ``source``: ``wayback``, ``cc`` (a WARC range) or ``live``."""

    source: str
    url: str
    fetch_url: str
    timestamp: str = ""
    status: str = ""
    mime: str = ""
    digest: str = ""
    crawl: str = ""
    filename: str = ""
    offset: int = -1
    length: int = -1
    line: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> str:
        """The record's identity in the sweep manifest."""
        where = f"{self.filename}:{self.offset}" if self.source == "cc" else self.fetch_url
        return f"{self.source} {self.timestamp} {self.url} {where}"

    @property
    def date(self) -> str:
        t = self.timestamp.ljust(14, "0")
        return f"{t[:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z" if self.timestamp else ""


def mime_regex(types: tuple[str, ...] | list[str], extra: list[str] | None = None) -> str:
    """One regular expression matching the mimetypes of ``types`` (keys of MIME_GROUPS) and ``extra``."""
    names = [m for t in types for m in MIME_GROUPS[t]] + list(extra or [])
    return "(" + "|".join(re.escape(n) for n in names) + ")"


def wayback_records(client: Client, target: str, *, endpoint: str = DEFAULT_CDX, prefix: str = DEFAULT_PREFIX,
                    match_type: str = "domain", date_from: str | None = None, date_to: str | None = None,
                    mimes: str | None = None, statuses: tuple[str, ...] = DEFAULT_STATUSES,
                    page_size: int = 500) -> Iterator[SweepRecord]:
    """Every capture under ``target`` the Wayback CDX API lists (collapsed by digest)."""
    filters = [f"statuscode:({'|'.join(statuses)})"]
    if mimes:
        filters.append(f"mimetype:{mimes}")
    for cap in list_captures(client, target, status_filter=filters, date_from=date_from, date_to=date_to,
                             endpoint=endpoint, page_size=page_size, match_type=match_type):
        line = {"urlkey": cap.urlkey, "timestamp": cap.timestamp, "original": cap.original, "mimetype": cap.mimetype,
                "statuscode": cap.statuscode, "digest": cap.digest, "length": cap.length}
        yield SweepRecord("wayback", cap.original, f"{prefix}{cap.timestamp}id_/{cap.original}", cap.timestamp,
                          cap.statuscode, cap.mimetype, cap.digest, line=line)


def _get_json(client: Client, url: str) -> Any:
    try:
        status, _, body = client.get(url, "index")
    except GaveUp as exc:
        raise FetchError(f"index query failed: {exc}") from None
    if status != 200:
        raise FetchError(f"index query failed: HTTP {status} for {url}: {body[:200].decode('utf-8', 'replace')}")
    return body


def cc_crawls(client: Client, index: str, wanted: list[str]) -> list[tuple[str, str]]:
    """``(crawl id, CDX API URL)`` for ``wanted`` crawl ids, or every crawl when ``wanted`` is ``["all"]``."""
    index = index.rstrip("/")
    if wanted != ["all"]:
        for crawl in wanted:
            if not re.fullmatch(r"CC-MAIN-\d{4}-\d{2}", crawl):
                raise ValueError(f"not a crawl id: {crawl!r} (use CC-MAIN-YYYY-WW or all)")
        return [(c, f"{index}/{c}-index") for c in wanted]
    infos = json.loads(_get_json(client, f"{index}/collinfo.json"))
    return [(i["id"], i.get("cdx-api") or f"{index}/{i['id']}-index") for i in infos]


def cc_records(client: Client, api: str, crawl: str, target: str, *, match_type: str = "domain",
               date_from: str | None = None, date_to: str | None = None, mimes: str | None = None,
               statuses: tuple[str, ...] = DEFAULT_STATUSES, data_prefix: str = DEFAULT_CC_DATA) -> Iterator[SweepRecord]:
    """Every record of one crawl's URL index under ``target``, page by page."""
    params: dict[str, Any] = {"url": target, "matchType": match_type, "output": "json",
                              "filter": [f"status:({'|'.join(statuses)})"] + ([f"mime:{mimes}"] if mimes else [])}
    if date_from:
        params["from"] = date_from
    if date_to:
        params["to"] = date_to
    pages = json.loads(_get_json(client, f"{api}?{urlencode(dict(params, showNumPages='true'), doseq=True)}"))
    for page in range(int(pages.get("pages", 1) if isinstance(pages, dict) else 1)):
        body = _get_json(client, f"{api}?{urlencode(dict(params, page=str(page)), doseq=True)}")
        for text in body.decode("utf-8").splitlines():
            if text.strip():
                yield cc_record(json.loads(text), crawl, data_prefix)


def cc_record(line: dict[str, Any], crawl: str, data_prefix: str) -> SweepRecord:
    """A record of a Common Crawl index line (``url``, ``timestamp``, ``filename``, ``offset``, ``length``...)."""
    return SweepRecord("cc", line["url"], data_prefix + line["filename"], str(line.get("timestamp", "")),
                       str(line.get("status", "")), line.get("mime", ""), line.get("digest", ""), crawl,
                       line["filename"], int(line["offset"]), int(line["length"]), line=dict(line))


def file_records(path: str | Path, *, prefix: str = DEFAULT_PREFIX, data_prefix: str = DEFAULT_CC_DATA) -> Iterator[SweepRecord]:
    """Records from a file of URLs, JSON lines or CDXJ lines (see the module docstring)."""
    with open(path, encoding="utf-8") as fh:
        for n, text in enumerate(fh, start=1):
            text = text.strip()
            if not text or text.startswith("#"):
                continue
            m = _CDXJ.match(text)
            try:
                line = json.loads(m.group(3)) if m else json.loads(text) if text.startswith("{") else None
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path} line {n}: not JSON: {exc}") from None
            if line is None:
                if not re.match(r"https?://", text):
                    raise ValueError(f"{path} line {n}: neither a URL, a JSON line nor a CDXJ line: {text[:80]!r}")
                yield SweepRecord("live", text, text)
                continue
            if m:
                line.setdefault("timestamp", m.group(2))
            url = line.get("url") or line.get("original")
            if not url:
                raise ValueError(f"{path} line {n}: no url")
            line["url"] = url
            if {"filename", "offset", "length"} <= line.keys():
                yield cc_record(line, line.get("crawl", ""), data_prefix)
            elif line.get("timestamp"):
                ts = str(line["timestamp"])
                yield SweepRecord("wayback", url, f"{prefix}{ts}id_/{url}", ts, str(line.get("status", "")),
                                  line.get("mime", ""), line.get("digest", ""), line=line)
            else:
                yield SweepRecord("live", url, url, line=line)
