"""Snapshot identity: capture times, normalised URLs, Wayback-style names and manifests.

A capture is named by its URL and time: from WARC provenance, from a ``--snapshots`` manifest
row (``path,url,timestamp``) or from a Wayback-style path (``20190408100000/http:/host/path``).
:func:`url_key` normalises URLs so that captures of one document group into one history.
"""
from __future__ import annotations

import csv
import datetime as _dt
import re
from pathlib import Path
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote, urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
_WAYBACK = re.compile(
    r"(?:^|[/!])(?:(?:https?:/+)?web\.archive\.org/web/)?(\d{14})(?:[a-z]{2}_)?/+(https?:/+[^/]+.*|[^/!]+\.[^/!]+/.*)$"
)
REPLAY = re.compile(r"/\d{14}(?:[a-z]{2}_)?/https?:/")  # a replay URL wrapping an original URL
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


# ---------------------------------------------------------------------------------------------
# dates and URLs


def parse_when(value: str) -> _dt.datetime:
    """A capture time as an aware UTC datetime.

    Accepts ISO 8601 (``2019-04-08T10:00:00Z``, fractions, offsets, a bare date) and Wayback
    timestamps (``20190408100000``, or a prefix of it such as ``20190408``).
    """
    text = value.strip()
    if text.isdigit() and 4 <= len(text) <= 14 and len(text) % 2 == 0:
        text = text.ljust(14, "0")
        parts = [int(text[:4])] + [int(text[i:i + 2]) for i in range(4, 14, 2)]
        parts[1] = parts[1] or 1
        parts[2] = parts[2] or 1
        return _dt.datetime(*parts, tzinfo=_dt.timezone.utc)
    try:
        when = _dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError as exc:
        raise ValueError(f"not a timestamp: {value!r} (use ISO 8601 or a 14-digit Wayback timestamp)") from exc
    if when.tzinfo is None:
        return when.replace(tzinfo=_dt.timezone.utc)
    return when.astimezone(_dt.timezone.utc)


def format_date(when: _dt.datetime) -> str:
    """``2019-04-08T10:00:00Z`` (fractions kept when present)."""
    spec = "microseconds" if when.microsecond else "seconds"
    return when.astimezone(_dt.timezone.utc).replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def _norm_escapes(text: str, safe: str) -> str:
    """Upper-case percent escapes, decode unreserved ones, escape what must be escaped."""
    def fix(m: re.Match[str]) -> str:
        ch = chr(int(m.group(1), 16))
        return ch if ch in _UNRESERVED else "%" + m.group(1).upper()

    return quote(_ESCAPE.sub(fix, text), safe=safe + "%")


def url_key(url: str) -> str:
    """The identity of a document URL across captures.

    Scheme-less (``http`` and ``https`` captures are one history), host lower-cased without a
    leading ``www.``, a trailing dot or a default port (as the Wayback CDX index groups them),
    no fragment, no trailing slash (the root stays ``/``), query parameters sorted, percent
    escapes normalised.  Path case is kept: unlike SURT's default canonicaliser,
    ``/Product-A.html`` and ``/product-a.html`` stay distinct.
    """
    raw = url.strip()
    if "://" not in raw:
        raw = "http://" + raw.lstrip("/")
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    host = host[4:] if host.startswith("www.") and host.count(".") > 1 else host
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    path = _norm_escapes(parts.path or "/", safe="/:@!$&'()*+,;=")
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = "&".join(sorted(_norm_escapes(p, safe="=:@!$'()*+,;/?") for p in parts.query.split("&") if p))
    return netloc + path + ("?" + query if query else "")


def wayback_identity(name: str) -> tuple[str, _dt.datetime] | None:
    """``(original URL, capture time)`` for a Wayback-style path or URL, else ``None``.

    ``20190408100000/http:/host/page``, ``web.archive.org/web/20190408100000id_/host/page``
    and ``https://web.archive.org/web/20190408100000/https://host/page`` all qualify.
    """
    m = _WAYBACK.search(name)
    if not m:
        return None
    rest = re.sub(r"^(https?):/+", r"\1://", m.group(2))
    if "://" not in rest:
        rest = "http://" + rest
    try:
        return rest, parse_when(m.group(1))
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# the snapshot manifest


class ManifestError(ValueError):
    """A snapshot manifest that cannot be used (missing columns, bad timestamp)."""


class Manifest:
    """``--snapshots manifest.csv``: rows of ``path,url,timestamp`` naming captures of a URL.

    ``path`` is matched against a unit's ``file`` (relative to the scanned root) or
    ``file!/member``; when no row matches exactly, a row whose path ends with the unit's
    path (or the reverse), on a ``/`` boundary, matches if it is the only one that does.
    """

    def __init__(self, rows: Iterable[tuple[str, str, _dt.datetime]]) -> None:
        self.rows = {self._clean(p): (u, w) for p, u, w in rows}
        self.by_name: dict[str, list[str]] = {}
        for p in self.rows:
            self.by_name.setdefault(p.rsplit("/", 1)[-1], []).append(p)

    @staticmethod
    def _clean(path: str) -> str:
        p = path.strip().replace("\\", "/")
        while p.startswith("./"):
            p = p[2:]
        return p

    @classmethod
    def load(cls, path: str | Path) -> Manifest:
        rows: list[tuple[str, str, _dt.datetime]] = []
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            missing = {"path", "url", "timestamp"} - {(f or "").strip().lower() for f in reader.fieldnames or []}
            if missing:
                raise ManifestError(f"{path}: missing column(s) {', '.join(sorted(missing))} (need path,url,timestamp)")
            for n, row in enumerate(reader, start=2):
                row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
                if not row["path"]:
                    continue
                try:
                    rows.append((row["path"], row["url"], parse_when(row["timestamp"])))
                except ValueError as exc:
                    raise ManifestError(f"{path} line {n}: {exc}") from None
        return cls(rows)

    def lookup(self, file: str, member: str | None) -> tuple[str, _dt.datetime] | None:
        name = self._clean(f"{file}!/{member}" if member else file)
        if name in self.rows:
            return self.rows[name]
        hits = [self.rows[p] for p in self.by_name.get(name.rsplit("/", 1)[-1], ())
                if p.endswith("/" + name) or name.endswith("/" + p)]
        return hits[0] if len(hits) == 1 else None


# ---------------------------------------------------------------------------------------------
# snapshots and claims


def warc_revisits(path: str | Path, file: str | None = None) -> Iterator[dict[str, Any]]:
    """Unit records for the ``revisit`` records of a WARC file, which the scanner does not read.

    A revisit says "this URL, at this time, had the payload with this digest"; the timeline
    shows it with the claims of the capture it refers to.  ``file`` is the unit ``file`` the
    scan gives this WARC (default: its file name, as for a file given on the command line).
    """
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    name = file or Path(path).name
    with open(path, "rb") as fh:
        for rec in ArchiveIterator(fh, record_types=WarcRecordType.revisit, parse_http=True):
            h = rec.headers
            uri, date = h.get("WARC-Target-URI"), h.get("WARC-Date")
            if not uri or not date:
                continue
            http = rec.http_headers if rec.is_http else None
            yield {"type": "unit", "file": name, "member": f"{uri} {date}", "outcome": "skipped",
                   "provenance": {"record_id": rec.record_id, "date": date, "target_uri": uri,
                                  "payload_digest": h.get("WARC-Payload-Digest"), "record_type": "revisit",
                                  "http_status": http.status_code if http is not None else None}}
