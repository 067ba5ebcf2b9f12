"""The desk's queries: a search index over stored findings, a filtered, faceted, paged list.

Contract:

* :func:`ensure_index` brings ``finding_facets`` (domain/vendor, language, source type, capture
  time per stored finding row) and the FTS5 table ``finding_fts`` (snippet, file, gloss; trigram
  tokenizer, so Chinese needs no word segmentation) up to date with the ``findings`` table.  It
  is incremental (rows above the highest indexed rowid) and cheap when nothing is new.
* :func:`query` lists the findings of one scan, one row per fingerprint, filtered by
  :class:`Filters`, sorted, paged, with the total and the facet counts of every facet.  All SQL:
  a list over 10,000 findings stays well under the desk's 300 ms budget
  (``benchmarks/bench_serve.py``).
* :func:`selection` gives the fingerprints a filter selects (for bulk actions and exports).

Plain data out; no HTML here.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit

from .store import Store

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
ARABIC = re.compile(r"[\u0600-\u06ff]")
FACETS = ("category", "kind", "status", "source_type", "domain", "lang", "flag")
SORTS = {"confidence": "flag DESC, confidence DESC, first_seen", "first_seen": "first_seen, fingerprint",
         "last_seen": "last_seen DESC, fingerprint", "file": "file, fingerprint"}
INDEX_BATCH = 2000


def language(text: str) -> str:
    """A coarse script-based language label for the language facet."""
    if CJK.search(text):
        return "zh"
    if CYRILLIC.search(text):
        return "ru"
    if ARABIC.search(text):
        return "ar/ug"
    return "en"


def domain_of(finding: dict[str, Any]) -> str:
    """The web host a finding was captured from (WARC target URI), else the top folder of its file."""
    uri = (finding.get("provenance") or {}).get("target_uri") or (finding.get("member") or "").split(" ")[0]
    host = urlsplit(uri).hostname if "://" in uri else None
    if host:
        return host.removeprefix("www.")
    top = finding["file"].split("/", 1)
    return "(local) " + (top[0] if len(top) > 1 else ".")


def ensure_index(store: Store) -> int:
    """Index the stored findings not yet in the search tables; returns how many were added."""
    added = 0
    while True:
        last = store.query("SELECT coalesce(max(finding_rowid), 0) FROM finding_facets")[0][0]
        rows = store.query(
            "SELECT f.rowid AS rid, f.json, (SELECT format FROM units u WHERE u.result_id = f.result_id "
            "AND u.file = f.file AND u.member IS f.member LIMIT 1) AS format "
            "FROM findings f WHERE f.rowid > ? ORDER BY f.rowid LIMIT ?", (last, INDEX_BATCH))
        if not rows:
            return added
        facets, texts = [], []
        for row in rows:
            d = json.loads(row["json"])
            text = str((d.get("evidence") or {}).get("text") or "")
            prov = d.get("provenance") or {}
            facets.append((row["rid"], d["fingerprint"], domain_of(d), language(text), row["format"] or "unknown",
                           prov.get("date") or prov.get("warc_date")))
            texts.append((row["rid"], text, d["file"] + (" " + d["member"] if d.get("member") else ""),
                          " ".join((d.get("gloss") or {}).values())))
        with store.transaction():
            store.db.executemany("INSERT INTO finding_facets VALUES (?, ?, ?, ?, ?, ?)", facets)
            store.db.executemany("INSERT INTO finding_fts(rowid, text, file, gloss) VALUES (?, ?, ?, ?)", texts)
        added += len(rows)


@dataclass
class Filters:
    """What the list shows.  Empty strings mean "any"; ``q`` is full-text search."""

    category: str = ""
    kind: str = ""
    status: str = ""
    source_type: str = ""
    domain: str = ""
    lang: str = ""
    flag: str = ""  # "1" flags only, "0" clean kinds only
    min_confidence: str = ""
    seen_from: str = ""
    seen_to: str = ""
    q: str = ""
    sort: str = "confidence"
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: Any) -> Filters:
        """From a query string mapping; unknown keys are ignored, values are only ever SQL parameters."""
        names = [f.name for f in fields(cls) if f.name != "extra"]
        return cls(**{n: str(params.get(n, "") or "")[:200] for n in names if params.get(n)})

    def params(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name != "extra" and getattr(self, f.name) and not (f.name == "sort" and self.sort == "confidence")}


def _base(scan_id: int) -> tuple[str, list[Any]]:
    sql = (
        "WITH latest AS (SELECT fingerprint, decision FROM reviews WHERE id IN "
        "(SELECT max(id) FROM reviews GROUP BY fingerprint)), "
        "base AS (SELECT f.rowid AS rid, f.fingerprint, f.kind, f.category, f.flag, f.confidence, f.file, "
        "f.member, x.domain, x.lang, x.source_type, coalesce(x.captured, r.scanned) AS seen, "
        "coalesce(l.decision, 'open') AS status "
        "FROM done d JOIN results r ON r.id = d.result_id JOIN findings f ON f.result_id = r.id "
        "LEFT JOIN finding_facets x ON x.finding_rowid = f.rowid "
        "LEFT JOIN latest l ON l.fingerprint = f.fingerprint WHERE d.scan_id = ?) ")
    return sql, [scan_id]


def _where(flt: Filters, skip: str = "") -> tuple[str, list[Any]]:
    clauses, params = [], []
    for name in ("category", "kind", "status", "source_type", "domain", "lang"):
        value = getattr(flt, name)
        if value and name != skip:
            clauses.append(f"{name} = ?")
            params.append(value)
    if flt.flag in ("0", "1") and skip != "flag":
        clauses.append("flag = ?")
        params.append(int(flt.flag))
    try:
        if flt.min_confidence:
            clauses.append("confidence >= ?")
            params.append(float(flt.min_confidence))
    except ValueError:
        pass
    if flt.seen_from:
        clauses.append("seen >= ?")
        params.append(flt.seen_from)
    if flt.seen_to:
        clauses.append("substr(seen, 1, ?) <= ?")
        params += [len(flt.seen_to), flt.seen_to]
    q = flt.q.strip()
    if q:
        if len(q) >= 3:  # trigram FTS: a phrase query, the user's quotes doubled
            clauses.append("rid IN (SELECT rowid FROM finding_fts WHERE finding_fts MATCH ?)")
            params.append('"' + q.replace('"', '""') + '"')
        else:  # shorter than a trigram (two Chinese characters): a scan of the index table
            like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            clauses.append("rid IN (SELECT rowid FROM finding_fts WHERE text LIKE ? ESCAPE '\\' "
                           "OR file LIKE ? ESCAPE '\\' OR gloss LIKE ? ESCAPE '\\')")
            params += [like, like, like]
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


@dataclass
class Page:
    """One page of the list: rows (dicts), the total of fingerprints, facet counts."""

    rows: list[dict[str, Any]]
    total: int
    facets: dict[str, list[tuple[Any, int]]]
    page: int
    per_page: int


def query(store: Store, scan_id: int, flt: Filters, *, page: int = 1, per_page: int = 100,
          facets: bool = True) -> Page:
    """The findings of ``scan_id`` that ``flt`` selects, one per fingerprint, one page of them."""
    base, base_params = _base(scan_id)
    where, params = _where(flt)
    order = SORTS.get(flt.sort, SORTS["confidence"])
    grouped = (f"{base}SELECT fingerprint, min(rid) AS rid, count(*) AS places, kind, category, flag, "
               f"max(confidence) AS confidence, min(seen) AS first_seen, max(seen) AS last_seen, status, "
               f"min(file) AS file, min(domain) AS domain, min(lang) AS lang FROM base{where} GROUP BY fingerprint")
    total = store.query(f"SELECT count(*) FROM ({grouped})", base_params + params)[0][0]
    page = max(1, page)
    rows = store.query(f"SELECT g.*, f.json FROM ({grouped}) g JOIN findings f ON f.rowid = g.rid "
                       f"ORDER BY {order} LIMIT ? OFFSET ?", base_params + params + [per_page, (page - 1) * per_page])
    out = []
    for r in rows:
        item = {k: r[k] for k in r.keys() if k != "json"}
        item["finding"] = json.loads(r["json"])
        out.append(item)
    counts: dict[str, list[tuple[Any, int]]] = {}
    if facets:
        for name in FACETS:
            fwhere, fparams = _where(flt, skip=name)
            counts[name] = [(r[0], r[1]) for r in store.query(
                f"{base}SELECT {name}, count(DISTINCT fingerprint) FROM base{fwhere} GROUP BY {name} "
                f"ORDER BY 2 DESC, 1 LIMIT 50", base_params + fparams)]
    return Page(out, total, counts, page, per_page)


def selection(store: Store, scan_id: int, flt: Filters) -> list[str]:
    """Every fingerprint ``flt`` selects in ``scan_id`` (bulk actions, exports of the selection)."""
    base, base_params = _base(scan_id)
    where, params = _where(flt)
    return [r[0] for r in store.query(f"{base}SELECT DISTINCT fingerprint FROM base{where} ORDER BY fingerprint",
                                      base_params + params)]


def scan_rows(store: Store, scan_id: int, fingerprints: set[str]) -> list[Any]:
    """The stored finding rows of a scan whose fingerprint is in ``fingerprints``, in scan order."""
    return [row for row in store.scan_findings(scan_id) if row["fingerprint"] in fingerprints]
