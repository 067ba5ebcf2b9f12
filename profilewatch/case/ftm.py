"""FollowTheMoney entities of a scan's findings, for import into Aleph (``ftm import`` / alephclient).

Contract: :func:`entities` yields plain FtM entity dicts (``id``, ``schema``, ``properties``),
built and cleaned with the ``followthemoney`` library (the ``serve`` or ``ftm`` extra):

* one ``Document`` per scanned file (``fileName``, ``processingAgent``, ``processedAt``) and one
  per archive member or WARC record holding a finding, with ``parent`` pointing at its file,
  ``sourceUrl``/``retrievedAt``/``publisherUrl`` from the WARC provenance; the unit's SHA-256
  and WARC record id are in ``notes`` (FtM's ``contentHash`` means Aleph's SHA-1 blob key, so it
  is left unset);
* one ``Note`` per finding fingerprint and document: ``entity`` is the document, ``name`` the
  rule, ``description`` the original snippet, ``summary`` the explanation, ``keywords`` the
  matched terms, ``indexText`` their English glosses, ``notes`` the review status and note.

Ids are deterministic (``make_id`` over the sha256/fingerprint), so a re-export updates rather
than duplicates entities in Aleph.  Dismissed findings are left out unless asked for.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

from .. import __version__
from .store import Store, StoreError


class FtmUnavailable(StoreError):
    """followthemoney is not installed (``pip install 'profilewatch[serve]'``)."""


def _model() -> Any:
    try:
        from followthemoney import model
    except ImportError as exc:  # optional dependency
        raise FtmUnavailable("FollowTheMoney export needs the followthemoney library: "
                             "pip install 'profilewatch[serve]'") from exc
    return model


def entities(store: Store, *, scan_id: int | None = None, fingerprints: Iterable[str] | None = None,
             confirmed_only: bool = False, include_dismissed: bool = False) -> Iterator[dict[str, Any]]:
    """FtM entity dicts for the findings of a scan (default: the latest), documents first per finding."""
    model = _model()
    scan = store.scan_row(scan_id) if scan_id is not None else store.latest_scan(complete_only=False)
    if scan is None:
        raise StoreError(f"no scan in {store.path}")
    wanted = set(fingerprints) if fingerprints is not None else None
    decisions = store.decisions()
    emitted: set[str] = set()
    agent = f"profilewatch {scan['version'] or __version__}"
    for row in store.scan_findings(scan["id"]):
        fp = row["fingerprint"]
        decision = decisions.get(fp, {})
        status = decision.get("decision", "open")
        if (wanted is not None and fp not in wanted) or (confirmed_only and status != "confirmed") or \
                (status == "dismissed" and not include_dismissed and not confirmed_only):
            continue
        finding = json.loads(row["json"])
        prov = store.unit_provenance(row["result_id"], row["file"], row["member"], row["sha256"]) \
            or finding.get("provenance") or {}
        top = model.make_entity("Document")
        top.make_id("profilewatch", "file", row["file"])
        top.add("fileName", row["file"].rsplit("/", 1)[-1])
        top.add("title", row["file"])
        top.add("processingAgent", agent)
        top.add("processedAt", row["scanned"])
        doc = top
        if row["member"]:
            doc = model.make_entity("Document")
            doc.make_id("profilewatch", "unit", row["file"], row["member"], row["sha256"])
            doc.add("parent", top.id)
            doc.add("title", row["member"])
            doc.add("fileName", (prov.get("target_uri") or row["member"]).rstrip("/").rsplit("/", 1)[-1] or row["member"])
            doc.add("processingAgent", agent)
            doc.add("processedAt", row["scanned"])
        if prov.get("target_uri"):
            doc.add("sourceUrl", prov["target_uri"])
            parts = urlsplit(prov["target_uri"])
            if parts.scheme and parts.hostname:
                doc.add("publisherUrl", f"{parts.scheme}://{parts.hostname}")
        if prov.get("date"):
            doc.add("retrievedAt", prov["date"])
        doc.add("notes", f"sha256 {row['sha256']}" + (f"; WARC-Record-ID {prov['record_id']}" if prov.get("record_id") else ""))
        for entity in (top, doc):
            if entity.id not in emitted:
                emitted.add(entity.id)
                yield entity.to_dict()
        note = model.make_entity("Note")
        note.make_id("profilewatch", "finding", fp, doc.id)
        if note.id in emitted:
            continue
        emitted.add(note.id)
        evidence = finding.get("evidence") or {}
        note.add("entity", doc.id)
        note.add("name", f"{finding['rule']} ({'flag' if finding['flag'] else 'clean'}): {', '.join(finding['terms'])}")
        note.add("description", str(evidence.get("text") or ""))
        note.add("summary", finding.get("explanation"))
        note.add("keywords", finding["terms"])
        note.add("indexText", "; ".join(f"{k} = {v}" for k, v in (finding.get("gloss") or {}).items()))
        note.add("publisher", "profilewatch")
        note.add("createdAt", row["scanned"])
        if prov.get("target_uri"):
            note.add("sourceUrl", prov["target_uri"])
        locator = ", ".join(f"{k} {evidence[k]}" for k in ("line", "column", "page", "byte_offset", "where")
                            if evidence.get(k) is not None)
        note.add("notes", f"fingerprint {fp}; confidence {finding['confidence']}; at {locator or 'unit'}; "
                          f"review: {status}" + (f" by {decision['reviewer']}: {decision['note']}"
                                                 if decision.get("note") else ""))
        yield note.to_dict()


def write_jsonl(store: Store, out: Any, **options: Any) -> int:
    """Write :func:`entities` as JSON lines to the text stream ``out``; returns the entity count."""
    n = 0
    for entity in entities(store, **options):
        out.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
        n += 1
    return n
