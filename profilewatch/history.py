"""History: when a claim appeared on a URL, changed, vanished, was replaced by a disclaimer.

A scan of several captures of the same document (WARC records of one URL, files listed in a
snapshot manifest, Wayback-style file names) is a *history*.  :class:`TimelineBuilder` reads
the record stream of a scan (``unit`` records and ``finding`` records, as dicts or typed
records), groups units into histories by normalised URL, orders each history by capture
time and follows every flag claim through it.  The result is one ``timeline`` record per
(URL, claim): see ``docs/history.md`` for the fields and the exact event semantics.

Snapshot identity, in order of precedence:

1. a WARC unit: ``provenance.target_uri`` and ``provenance.date`` (else the unit's member
   ``"<URI> <WARC-Date>"``); a target URI that is itself a Wayback capture URL
   (``.../web/20190408100000id_/http://...``) stands for the original URL at that time;
2. a manifest row (``path,url,timestamp``) matching the unit's file (or ``file!/member``);
3. a Wayback-style path: ``20190408100000/http:/host/path`` or
   ``web.archive.org/web/20190408100000id_/host/path``.

Claim identity: findings with the same ``fingerprint`` are the same claim, unchanged; a
finding with another fingerprint but the same claim key (primary category + folded terms), or
failing that the same category and a shared term, is the same claim *changed*.
"""
from __future__ import annotations

import csv
import functools
import datetime as _dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from .normalize import fold_term as _fold_term

__all__ = [
    "Manifest", "ManifestError", "TimelineBuilder", "build_timelines", "format_date", "parse_when",
    "url_key", "warc_revisits", "wayback_identity",
]

GONE_STATUSES = frozenset({404, 410})
_DEFAULT_PORTS = {"http": 80, "https": 443}
fold_term = functools.lru_cache(maxsize=8192)(_fold_term)  # terms repeat across snapshots
_WAYBACK = re.compile(
    r"(?:^|[/!])(?:(?:https?:/+)?web\.archive\.org/web/)?(\d{14})(?:[a-z]{2}_)?/+(https?:/+[^/]+.*|[^/!]+\.[^/!]+/.*)$"
)
_REPLAY = re.compile(r"/\d{14}(?:[a-z]{2}_)?/https?:/")  # a replay URL wrapping an original URL
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


@dataclass(slots=True)
class _Hit:
    """The part of a finding a timeline needs."""

    fingerprint: str
    key: str
    category: str
    categories: list[str]
    kind: str
    terms: list[str]
    text: str


@dataclass(slots=True)
class _Snapshot:
    key: str
    url: str
    when: _dt.datetime
    order: int
    file: str
    member: str | None
    outcome: str
    record_id: str | None = None
    payload_digest: str | None = None
    http_status: int | None = None
    revisit: bool = False
    claims: list[_Hit] = field(default_factory=list)
    disclaimers: list[_Hit] = field(default_factory=list)

    @property
    def condition(self) -> str:
        """``ok`` (read: claims present or absent), ``gone`` (404/410), else why it tells nothing."""
        if self.http_status in GONE_STATUSES:
            return "gone"
        if self.http_status is not None and 300 <= self.http_status < 400:
            return "redirect"
        if self.http_status is not None and self.http_status >= 400:
            return "http_error"
        if self.revisit:
            return "revisit"
        return "ok" if self.outcome in ("scanned", "container") else "unreadable"

    def ref(self) -> dict[str, Any]:
        """How an event names this snapshot."""
        return {"date": format_date(self.when), "url": self.url, "record_id": self.record_id,
                "file": self.file, "member": self.member, "http_status": self.http_status,
                "payload_digest": self.payload_digest}


def _as_dict(record: Any) -> dict[str, Any]:
    return record if isinstance(record, dict) else record.to_dict()


def _claim_key(category: str, terms: Iterable[str]) -> str:
    folded = sorted({fold_term(t) for t in terms if t and t.strip()})
    return f"{category}: {', '.join(folded)}"


def _hit(rec: dict[str, Any]) -> _Hit:
    terms = list(rec.get("terms") or [])
    category = rec.get("category") or (rec.get("categories") or ["unknown"])[0]
    key = _claim_key(category, terms)
    return _Hit(rec.get("fingerprint") or key, key, category, list(rec.get("categories") or [category]),
                rec.get("kind", ""), terms, str((rec.get("evidence") or {}).get("text", "")))


@dataclass(slots=True)
class _Track:
    """One claim followed through one URL's snapshots."""

    key: str
    category: str
    categories: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    fingerprints: list[str] = field(default_factory=list)
    current: frozenset[str] = frozenset()
    state: str = "new"
    last_seen: _Snapshot | None = None
    first_seen: _Snapshot | None = None
    disclaimed: bool = False
    first_text: str = ""
    last_text: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)
    states: list[dict[str, Any]] = field(default_factory=list)

    def absorb(self, hits: list[_Hit], snap: _Snapshot) -> None:
        for h in hits:
            for src, dst in ((h.categories, self.categories), ([h.kind], self.kinds), (h.terms, self.terms),
                             ([h.fingerprint], self.fingerprints)):
                dst.extend(x for x in src if x not in dst)
        self.current = frozenset(h.fingerprint for h in hits)
        if self.first_seen is None:
            self.first_seen, self.first_text = snap, hits[0].text
        self.last_seen, self.last_text = snap, hits[0].text


def _event(kind: str, before: _Snapshot | None, after: _Snapshot, **extra: Any) -> dict[str, Any]:
    ev = {"event": kind, "date": format_date(after.when), "before": before.ref() if before else None,
          "after": after.ref()}
    ev.update(extra)
    return ev


# ---------------------------------------------------------------------------------------------
# the builder


class TimelineBuilder:
    """Feed it the records of a scan with :meth:`add`; :meth:`timelines` yields the results.

    Only compact facts are kept per unit (fingerprints, terms, provenance), so a scan of many
    captures stays small in memory.  ``wayback_names`` turns on snapshot identity from
    Wayback-style file names.
    """

    def __init__(self, manifest: Manifest | None = None, *, wayback_names: bool = True) -> None:
        self.manifest = manifest
        self.wayback_names = wayback_names
        self._snapshots: dict[tuple[str, str | None], _Snapshot] = {}
        self._seen_ids: dict[tuple[str, str], tuple[str, str | None]] = {}
        self._hits: dict[tuple[str, str | None], list[_Hit]] = {}
        self._disclaimers: dict[tuple[str, str | None], list[_Hit]] = {}
        self._order = 0

    def add(self, record: Any) -> None:
        """Take one record of the scan stream (other record types are ignored)."""
        rec = _as_dict(record)
        kind = rec.get("type")
        if kind == "finding":
            where = (rec.get("file", ""), rec.get("member"))
            if rec.get("flag"):
                self._hits.setdefault(where, []).append(_hit(rec))
            elif rec.get("kind") == "disclaimer":
                self._disclaimers.setdefault(where, []).append(_hit(rec))
        elif kind == "unit":
            self._add_unit(rec)

    def _identity(self, rec: dict[str, Any]) -> tuple[str, _dt.datetime, dict[str, Any]] | None:
        prov = rec.get("provenance") or {}
        file, member = rec.get("file", ""), rec.get("member")
        uri = prov.get("target_uri")
        date = prov.get("date")
        if not uri and member and prov:
            uri, _, date = member.rpartition(" ")
        if uri:
            wb = wayback_identity(uri) if _REPLAY.search(uri) else None
            if wb:
                return wb[0], wb[1], prov
            if date:
                try:
                    return uri, parse_when(date), prov
                except ValueError:
                    return None
        if self.manifest is not None:
            row = self.manifest.lookup(file, member)
            if row:
                return row[0], row[1], prov
        if self.wayback_names:
            wb = wayback_identity(f"{file}!/{member}" if member else file)
            if wb:
                return wb[0], wb[1], prov
        return None

    def _add_unit(self, rec: dict[str, Any]) -> None:
        ident = self._identity(rec)
        if ident is None:
            return
        url, when, prov = ident
        where = (rec.get("file", ""), rec.get("member"))
        status = prov.get("http_status")
        try:
            status = int(status) if status not in (None, "") else None
        except (TypeError, ValueError):
            status = None
        record_id = prov.get("record_id")
        self._order += 1
        snap = _Snapshot(url_key(url), url, when, self._order, where[0], where[1], rec.get("outcome", ""),
                         record_id, prov.get("payload_digest") or rec.get("sha256"), status,
                         revisit=prov.get("record_type") == "revisit")
        # a container's children may carry the same provenance: keep the outermost unit
        ident_key = (where[0], f"{record_id} {url} {format_date(when)}")
        previous = self._seen_ids.get(ident_key)
        if previous is not None:
            if len(previous[1] or "") <= len(where[1] or ""):
                return
            del self._snapshots[previous]
        self._seen_ids[ident_key] = where
        self._snapshots[where] = snap

    def _owner(self, where: tuple[str, str | None]) -> _Snapshot | None:
        file, member = where
        while True:
            snap = self._snapshots.get((file, member))
            if snap is not None:
                return snap
            if member is None:
                return None
            member = member.rsplit("!/", 1)[0] if "!/" in member else None

    def _histories(self) -> dict[str, list[_Snapshot]]:
        for table, attr in ((self._hits, "claims"), (self._disclaimers, "disclaimers")):
            for where, hits in table.items():
                snap = self._owner(where)
                if snap is not None:
                    getattr(snap, attr).extend(hits)
            table.clear()  # attached once: calling again does not count them twice
        by_url: dict[str, list[_Snapshot]] = {}
        for snap in self._snapshots.values():
            by_url.setdefault(snap.key, []).append(snap)
        for snaps in by_url.values():
            snaps.sort(key=lambda s: (s.when, s.order))
            by_digest: dict[str, _Snapshot] = {}
            for s in snaps:  # a revisit shows the content of the capture it refers to
                if s.revisit and s.payload_digest in by_digest:
                    ref = by_digest[s.payload_digest]
                    s.revisit, s.claims, s.disclaimers = False, list(ref.claims), list(ref.disclaimers)
                    s.outcome = ref.outcome
                elif s.payload_digest and not s.revisit:
                    by_digest[s.payload_digest] = s
        return by_url

    def timelines(self) -> Iterator[dict[str, Any]]:
        """One ``timeline`` record per (URL, claim), URLs in key order, claims by first sighting."""
        for key, snaps in sorted(self._histories().items()):
            yield from _follow(key, snaps)

    def histories(self) -> list[dict[str, Any]]:
        """Every history found (also those without claims): URL, key and snapshots."""
        return [{"url": snaps[-1].url, "url_key": key,
                 "snapshots": [dict(s.ref(), condition=s.condition, claims=len(s.claims),
                                    disclaimer=bool(s.disclaimers)) for s in snaps]}
                for key, snaps in sorted(self._histories().items())]


def _group(hits: list[_Hit]) -> dict[str, list[_Hit]]:
    groups: dict[str, list[_Hit]] = {}
    for h in hits:
        groups.setdefault(h.key, []).append(h)
    return groups


def _match(tracks: list[_Track], groups: dict[str, list[_Hit]]) -> dict[int, list[_Hit]]:
    """Assign each claim group of a snapshot to a track.

    In order: a shared fingerprint (same claim); the same claim key; the same category and a
    shared term; the same category as a claim present in the previous readable snapshot and
    not matched yet (reworded).  What is left starts a new track.
    """
    matched: dict[int, list[_Hit]] = {}
    left = dict(groups)
    for key, hits in list(left.items()):
        fps = {h.fingerprint for h in hits}
        for i, t in enumerate(tracks):
            if fps & set(t.fingerprints):
                matched.setdefault(i, []).extend(hits)
                del left[key]
                break
    for key, hits in list(left.items()):
        for i, t in enumerate(tracks):
            if t.key == key:
                matched.setdefault(i, []).extend(hits)
                del left[key]
                break
    for key, hits in list(left.items()):
        terms = {fold_term(x) for h in hits for x in h.terms}
        for i, t in enumerate(tracks):
            if i not in matched and t.category == hits[0].category and terms & {fold_term(x) for x in t.terms}:
                matched[i] = list(hits)
                del left[key]
                break
    for key, hits in list(left.items()):  # the page still makes a claim of this category: reworded
        for i, t in enumerate(tracks):
            if i not in matched and t.state == "present" and t.category == hits[0].category:
                matched[i] = list(hits)
                del left[key]
                break
    for key, hits in left.items():
        tracks.append(_Track(key=key, category=hits[0].category))
        matched[len(tracks) - 1] = list(hits)
    return matched


def _follow(key: str, snaps: list[_Snapshot]) -> Iterator[dict[str, Any]]:
    tracks: list[_Track] = []
    previous: _Snapshot | None = None  # the last snapshot that told presence or absence
    history: list[tuple[_Snapshot, str]] = []
    for snap in snaps:
        cond = snap.condition
        if cond not in ("ok", "gone"):
            for t in tracks:
                t.states.append({"date": format_date(snap.when), "state": cond})
            history.append((snap, cond))
            continue
        present = _match(tracks, _group(snap.claims)) if cond == "ok" else {}
        disclaimer = bool(snap.disclaimers)
        for i, t in enumerate(tracks):
            hits = present.get(i)
            if hits:
                fps = frozenset(h.fingerprint for h in hits)
                if t.state == "new":
                    t.events.append(_event("appeared", previous, snap))
                elif t.state == "present" and fps != t.current:
                    t.events.append(_event("changed", t.last_seen, snap,
                                           added=sorted(fps - t.current), dropped=sorted(t.current - fps)))
                elif t.state == "absent":
                    t.events.append(_event("reappeared", previous, snap, last_seen=t.last_seen.ref()))
                t.absorb(hits, snap)
                t.state, t.disclaimed = "present", False
                t.states.append({"date": format_date(snap.when), "state": "present"})
                continue
            if t.state == "present":
                t.events.append(_event("removed", t.last_seen, snap, last_seen=t.last_seen.ref(),
                                       first_absent=snap.ref()))
                t.state = "absent"
            # a disclaimer that stood next to the claim (same fingerprint) replaced nothing
            fresh = [d for d in snap.disclaimers
                     if d.fingerprint not in {x.fingerprint for x in t.last_seen.disclaimers}]
            if t.state == "absent" and fresh and not t.disclaimed:
                categories = sorted({c for d in fresh for c in d.categories})
                t.events.append(_event("replaced_by_disclaimer", previous, snap, last_seen=t.last_seen.ref(),
                                       disclaimer={"text": fresh[0].text, "categories": categories,
                                                   "covers_claim": t.category in categories}))
                t.disclaimed = True
            t.states.append({"date": format_date(snap.when),
                             "state": "gone" if cond == "gone" else ("disclaimer" if disclaimer else "absent")})
        history.append((snap, cond))
        previous = snap
    for t in tracks:
        status = "present" if t.state == "present" else ("replaced_by_disclaimer" if t.disclaimed else "removed")
        yield {
            "type": "timeline",
            "url": snaps[-1].url,
            "url_key": key,
            "claim": t.key,
            "category": t.category,
            "categories": t.categories,
            "kinds": t.kinds,
            "terms": t.terms,
            "fingerprints": t.fingerprints,
            "status": status,
            "first_seen": t.first_seen.ref() if t.first_seen else None,
            "last_seen": t.last_seen.ref() if t.last_seen else None,
            "evidence": {"first": t.first_text, "last": t.last_text},
            "events": t.events,
            "snapshots": len(snaps),
            "first_capture": format_date(snaps[0].when),
            "last_capture": format_date(snaps[-1].when),
            "states": _pad_states(t, history),
        }


def _pad_states(track: _Track, history: list[tuple[_Snapshot, str]]) -> list[dict[str, Any]]:
    """This claim's state in every snapshot of the URL (``not_yet`` before it first appeared)."""
    n_before = len(history) - len(track.states)
    out = []
    for i, (snap, cond) in enumerate(history):
        state = track.states[i - n_before]["state"] if i >= n_before else "not_yet"
        out.append({"date": format_date(snap.when), "record_id": snap.record_id, "http_status": snap.http_status,
                    "state": state})
    return out


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


def build_timelines(records: Iterable[Any], manifest: Manifest | None = None, *,
                    wayback_names: bool = True) -> list[dict[str, Any]]:
    """All timeline records of a finished record stream."""
    builder = TimelineBuilder(manifest, wayback_names=wayback_names)
    for rec in records:
        builder.add(rec)
    return list(builder.timelines())
