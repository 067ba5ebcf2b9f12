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

Timelines never invent a deletion: a claim that is no longer flagged in a readable capture is
``removed`` only when its matched terms are gone from that capture; when they are still there
the event is ``no_longer_flagged`` (quoting the last flagged text and the later text), so a
detection miss never reads as the vendor deleting the claim.  Whether the terms are there comes
from the capture's other findings, else from the capture's text, read again for just those
captures through ``TimelineBuilder.texts`` (see :mod:`profilewatch.history.presence`).  A
``removed`` event says how it knows in ``terms_check``: ``absent`` (text read, terms gone),
``gone`` (404/410), ``disclaimer`` (a disclaimer replaced it) or ``not_checked`` (no text source).
"""
from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..records import Record, Timeline
from .claims import Hit as _Hit, fold_term, group as _group, hit_of as _hit
from .presence import terms_state, unit_texts
from .snapshots import REPLAY, Manifest, format_date, parse_when, url_key, warc_revisits, wayback_identity

GONE_STATUSES = frozenset({404, 410})


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
    mentions: list[_Hit] = field(default_factory=list)  # clean findings other than disclaimers
    text_key: tuple[str, str | None] | None = None  # the unit whose text shows this snapshot

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
    Wayback-style file names.  ``texts`` (``set of (file, member) -> {(file, member): text}``,
    e.g. ``functools.partial(presence.unit_texts, paths)``) is asked, at the end, for the text
    of the captures where a claim stopped being flagged and no finding shows its terms.
    """

    def __init__(self, manifest: Manifest | None = None, *, wayback_names: bool = True,
                 texts: Callable[[set[tuple[str, str | None]]], dict[tuple[str, str | None], str]] | None = None) -> None:
        self.manifest = manifest
        self.wayback_names = wayback_names
        self.texts = texts
        self._texts: dict[tuple[str, str | None], str | None] = {}
        self._snapshots: dict[tuple[str, str | None], _Snapshot] = {}
        self._seen_ids: dict[tuple[str, str], tuple[str, str | None]] = {}
        self._hits: dict[tuple[str, str | None], list[_Hit]] = {}
        self._disclaimers: dict[tuple[str, str | None], list[_Hit]] = {}
        self._mentions: dict[tuple[str, str | None], list[_Hit]] = {}
        self._order = 0
        self.count = 0

    def add(self, record: Any) -> None:
        """Take one record of the scan stream (other record types are ignored)."""
        rec = _as_dict(record)
        kind = rec.get("type")
        if kind == "finding":
            where = (rec.get("file", ""), rec.get("member"))
            if rec.get("flag"):
                self._hits.setdefault(where, []).append(_hit(rec))
            else:
                table = self._disclaimers if rec.get("kind") == "disclaimer" else self._mentions
                table.setdefault(where, []).append(_hit(rec))
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
            wb = wayback_identity(uri) if REPLAY.search(uri) else None
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
        for table, attr in ((self._hits, "claims"), (self._disclaimers, "disclaimers"), (self._mentions, "mentions")):
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
                    s.mentions, s.outcome, s.text_key = list(ref.mentions), ref.outcome, ref.text_key
                elif s.payload_digest and not s.revisit:
                    by_digest[s.payload_digest] = s
        return by_url

    def timelines(self) -> Iterator[dict[str, Any]]:
        """One ``timeline`` record per (URL, claim), URLs in key order, claims by first sighting."""
        histories = sorted(self._histories().items())
        while self.texts is not None:  # dry runs collect the captures whose text is needed
            need: set[tuple[str, str | None]] = set()
            for key, snaps in histories:
                list(_follow(key, snaps, self._texts, need))
            if not need:
                break
            found = self.texts(need)
            self._texts.update({k: found.get(k) for k in need})
        for key, snaps in histories:
            yield from _follow(key, snaps, self._texts if self.texts else None)

    def finish(self) -> list[Timeline]:
        """The timeline records, as the pipeline's tap adds them at the end of the stream."""
        records = [Timeline(d) for d in self.timelines()]
        self.count = len(records)
        return records

    def histories(self) -> list[dict[str, Any]]:
        """Every history found (also those without claims): URL, key and snapshots."""
        return [{"url": snaps[-1].url, "url_key": key,
                 "snapshots": [dict(s.ref(), condition=s.condition, claims=len(s.claims),
                                    disclaimer=bool(s.disclaimers)) for s in snaps]}
                for key, snaps in sorted(self._histories().items())]


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


def _follow(key: str, snaps: list[_Snapshot], texts: dict | None = None,
            need: set | None = None) -> Iterator[dict[str, Any]]:
    """The timelines of one URL; ``texts`` as read so far; a dry run collects unread captures in ``need``."""
    dry, need = need is not None, set() if need is None else need
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
                elif t.state in ("present", "unflagged") and fps != t.current:
                    t.events.append(_event("changed", t.last_seen, snap,
                                           added=sorted(fps - t.current), dropped=sorted(t.current - fps)))
                elif t.state == "absent":
                    t.events.append(_event("reappeared", previous, snap, last_seen=t.last_seen.ref()))
                t.absorb(hits, snap)
                t.state, t.disclaimed = "present", False
                t.states.append({"date": format_date(snap.when), "state": "present"})
                continue
            # a disclaimer that stood next to the claim (same fingerprint) replaced nothing
            fresh = [d for d in snap.disclaimers
                     if d.fingerprint not in {x.fingerprint for x in t.last_seen.disclaimers}]
            if t.state in ("present", "unflagged"):
                check, terms, quote = ("gone", [], "") if cond == "gone" else (
                    ("disclaimer", [], "") if fresh else terms_state(
                        t.terms, snap.claims + snap.mentions, snap.text_key or (snap.file, snap.member), texts,
                        need))
                if check == "present" or (check == "unknown" and dry):  # a dry run assumes the terms stay
                    if t.state == "present":
                        t.events.append(_event("no_longer_flagged", t.last_seen, snap, last_seen=t.last_seen.ref(),
                                               terms=terms, before_text=t.last_text, after_text=quote))
                    t.state = "unflagged"
                    t.states.append({"date": format_date(snap.when), "state": "unflagged"})
                    continue
                t.events.append(_event("removed", t.last_seen, snap, last_seen=t.last_seen.ref(),
                                       first_absent=snap.ref(),
                                       terms_check="not_checked" if check == "unknown" else check))
                t.state = "absent"
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
        status = {"present": "present", "unflagged": "no_longer_flagged"}.get(
            t.state, "replaced_by_disclaimer" if t.disclaimed else "removed")
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


def history_records(records: Iterable[Record], builder: TimelineBuilder, paths: Iterable[str]) -> Iterator[Record]:
    """The scan records of some captures, then their timeline records.

    ``builder`` sees every record, and also the revisit records of the WARC files among
    ``paths`` (which the scanner counts but does not read), before the timelines are made;
    ``builder.count`` is then the number of timelines.
    """
    paths = list(paths)
    if builder.texts is None:
        builder.texts = functools.partial(unit_texts, paths)
    for rec in records:
        builder.add(rec)
        yield rec
    for path in paths:
        with open(path, "rb") as fh:
            magic = fh.read(4)
        if magic[:2] == b"\x1f\x8b" or magic == b"WARC":
            for rec in warc_revisits(path):
                builder.add(rec)
    yield from builder.finish()


def build_timelines(records: Iterable[Any], manifest: Manifest | None = None, *,
                    wayback_names: bool = True) -> list[dict[str, Any]]:
    """All timeline records of a finished record stream."""
    builder = TimelineBuilder(manifest, wayback_names=wayback_names)
    for rec in records:
        builder.add(rec)
    return list(builder.timelines())
