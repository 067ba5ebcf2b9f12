"""``capture``: save live pages (and, on request, the documents they link to) into a WARC file.

Each URL becomes a ``request`` record, a ``response`` record (``WARC-Date`` = retrieval time,
the payload exactly as served) and a ``metadata`` record with the SHA-256 of the payload and
the retrieval time: evidence that ``scan`` and ``export-evidence`` read like any WARC.  Redirects
are recorded, not followed.  With ``documents``, the ``<a href>`` links of each HTML page whose
path ends in a document extension (PDF, Office, OpenDocument, archives, text) are captured
too, one level deep.  No JavaScript is executed: what a browser would build by script is not
captured.  Appending to an existing WARC keeps what is there (a torn tail is cut first).
"""
from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from ..history.polite import Client
from ..history.wayback import Appender, whole_members_end
from .fetch import Fetched, fetch_record
from .sources import SweepRecord

DOCUMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods", ".odp", ".rtf",
                       ".zip", ".7z", ".rar", ".tar", ".gz", ".tgz", ".txt", ".csv", ".md", ".json", ".xml")


@dataclass
class CaptureReport:
    """What ``capture`` wrote: ``(url, status, sha256)`` rows and ``(url, reason, message)`` problems."""

    written: list[tuple[str, int, str]] = field(default_factory=list)
    problems: list[tuple[str, str, str]] = field(default_factory=list)


def document_links(body: bytes, content_type: str, base: str) -> list[str]:
    """Absolute http(s) URLs of the linked documents of an HTML page, in page order, once each."""
    if "html" not in content_type.lower():
        return []
    out: list[str] = []
    for node in LexborHTMLParser(body.decode("utf-8", "replace")).css("a[href]"):
        url = urljoin(base, (node.attributes.get("href") or "").strip()).split("#", 1)[0]
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.path.lower().endswith(DOCUMENT_EXTENSIONS) and url not in out:
            out.append(url)
    return out


def _decoded(got: Fetched) -> bytes:
    if got.content_encoding.lower() in ("gzip", "deflate"):
        try:
            return zlib.decompress(got.payload, 47)
        except zlib.error:
            return b""
    return got.payload


def capture(urls: list[str], out: str, client: Client, *, documents: bool = False,
            progress: Callable[[str], None] | None = None) -> CaptureReport:
    """Capture ``urls`` (and their linked documents if ``documents``) into the WARC file ``out``."""
    say = progress or (lambda _msg: None)
    report = CaptureReport()
    try:
        with open(out, "rb") as fh:
            good_end = whole_members_end(fh)
    except FileNotFoundError:
        good_end = 0
    appender = Appender(out, good_end)
    seen: set[str] = set()
    try:
        queue = [(u, 0) for u in urls]
        while queue:
            url, depth = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            got = fetch_record(client, SweepRecord("live", url, url))
            if got.problem is not None:
                report.problems.append((url, *got.problem))
                say(f"FAILED {url}: {got.problem[1]}")
                continue
            appender.append_bytes(got.data)
            report.written.append((url, got.row["status"], got.row["sha256"]))
            say(f"{url}: HTTP {got.row['status']}, {len(got.payload)} bytes, sha256 {got.row['sha256']}")
            if documents and depth == 0:
                queue += [(link, 1) for link in document_links(_decoded(got), got.content_type, url)]
    finally:
        appender.close()
    return report
