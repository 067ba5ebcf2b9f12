"""The desk's queries: a search index over stored findings, a filtered, faceted, paged list.

Contract:

* :func:`ensure_index` brings ``finding_facets`` (domain/vendor, language, source type, capture
  time per stored finding row) and the FTS5 table ``finding_fts`` (snippet, file, gloss; trigram
  tokenizer, so Chinese needs no word segmentation) up to date with the ``findings`` table.  It
  is incremental (rows above the highest indexed rowid) and cheap when nothing is new.
* :func:`query` lists the findings of one scan, one row per fingerprint, filtered by
  :class:`Filters`, sorted, paged, with the total and the facet counts of every facet (each
  facet counted under every filter but its own).  The scan's rows are read once per store and
  kept until the scan, the index or the review log changes; filters and counts then run in
  memory (one pass), full-text search is one FTS5 query: a list over 10,000 findings stays
  under the desk's 300 ms budget (``benchmarks/bench_serve.py``).
* :func:`selection` gives the fingerprints a filter selects (for bulk actions and exports).

Plain data out; no HTML here.
"""
from __future__ import annotations

import json
import re
import weakref
from collections import Counter
from collections.abc import Callable
from operator import itemgetter
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit

from .store import Store

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
ARABIC = re.compile(r"[\u0600-\u06ff]")
FACETS = ("category", "kind", "status", "source_type", "domain", "lang", "flag")
SORTS = ("confidence", "first_seen", "last_seen", "file")
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


COLUMNS = ("rid", "fingerprint", "kind", "category", "flag", "confidence", "file", "domain", "lang",
           "source_type", "seen", "status")
COL = {name: i for i, name in enumerate(COLUMNS)}
_ROWS = ("SELECT f.rowid, f.fingerprint, f.kind, f.category, f.flag, f.confidence, f.file, x.domain, x.lang, "
         "x.source_type, coalesce(x.captured, r.scanned) "
         "FROM done d JOIN results r ON r.id = d.result_id JOIN findings f ON f.result_id = r.id "
         "LEFT JOIN finding_facets x ON x.finding_rowid = f.rowid WHERE d.scan_id = ? ORDER BY f.rowid")
_STATUS = "SELECT fingerprint, decision FROM reviews WHERE id IN (SELECT max(id) FROM reviews GROUP BY fingerprint)"
_CACHE: weakref.WeakKeyDictionary[Store, dict[str, Any]] = weakref.WeakKeyDictionary()


def _rows(store: Store, scan_id: int) -> list[tuple]:
    """The scan's stored finding rows (:data:`COLUMNS`), each with its latest review status last.

    Read once and kept per store object until the scan gains units, the index gains rows or the
    review log gains an entry (three indexed look-ups decide), so a list request filters and
    counts in memory instead of joining four tables once per facet."""
    cache = _CACHE.setdefault(store, {})
    key = (scan_id, store.query("SELECT count(*) FROM done WHERE scan_id = ?", (scan_id,))[0][0],
           store.query("SELECT coalesce(max(finding_rowid), 0) FROM finding_facets")[0][0])
    last_review = store.query("SELECT coalesce(max(id), 0) FROM reviews")[0][0]
    if cache.get("rows_key") != key:
        cache["rows"] = [tuple(r) for r in store.query(_ROWS, (scan_id,))]
        cache["rows_key"], cache["status_key"] = key, None
    if cache.get("status_key") != last_review:
        status = {r[0]: r[1] for r in store.query(_STATUS)}
        cache["with_status"] = [(*r, status.get(r[1], "open")) for r in cache["rows"]]
        cache["status_key"] = last_review
    return cache["with_status"]


def _masks(store: Store, flt: Filters, rows: list[tuple]) -> list[tuple[str, list[bool]]]:
    """(facet name, pass/fail per row) for every active filter; the name says which facet's count
    ignores it ("" for filters that are not facets)."""
    masks: list[tuple[str, list[bool]]] = []
    for name in ("category", "kind", "status", "source_type", "domain", "lang"):
        value, i = getattr(flt, name), COL[name]
        if value:
            masks.append((name, [r[i] == value for r in rows]))
    if flt.flag in ("0", "1"):
        flag, i = int(flt.flag), COL["flag"]
        masks.append(("flag", [r[i] == flag for r in rows]))
    try:
        least = float(flt.min_confidence) if flt.min_confidence else None
    except ValueError:
        least = None
    if least is not None:
        i = COL["confidence"]
        masks.append(("", [r[i] >= least for r in rows]))
    i = COL["seen"]
    if flt.seen_from:
        masks.append(("", [r[i] is not None and r[i] >= flt.seen_from for r in rows]))
    if flt.seen_to:
        n = len(flt.seen_to)
        masks.append(("", [r[i] is not None and r[i][:n] <= flt.seen_to for r in rows]))
    q = flt.q.strip()
    if q:
        if len(q) >= 3:  # trigram FTS: a phrase query, the user's quotes doubled
            hits = {r[0] for r in store.query("SELECT rowid FROM finding_fts WHERE finding_fts MATCH ?",
                                              ('"' + q.replace('"', '""') + '"',))}
        else:  # shorter than a trigram (two Chinese characters): a scan of the index table
            like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            hits = {r[0] for r in store.query("SELECT rowid FROM finding_fts WHERE text LIKE ? ESCAPE '\\' "
                                              "OR file LIKE ? ESCAPE '\\' OR gloss LIKE ? ESCAPE '\\'",
                                              (like, like, like))}
        masks.append(("", [r[0] in hits for r in rows]))
    return masks


def _keep(rows: list[tuple], masks: list[list[bool]]) -> list[tuple]:
    if not masks:
        return rows
    return [r for r, ok in zip(rows, map(all, zip(*masks))) if ok]


def _select(store: Store, scan_id: int, flt: Filters, facets: bool) -> tuple[list[tuple], dict[str, Counter]]:
    """The rows ``flt`` selects and, per facet, the fingerprint count of each value under every
    filter but that facet's own."""
    rows = _rows(store, scan_id)
    masks = _masks(store, flt, rows)
    chosen = _keep(rows, [m for _, m in masks])
    counts: dict[str, Counter] = {}
    for name in FACETS if facets else ():
        base = chosen if all(n != name for n, _ in masks) else _keep(rows, [m for n, m in masks if n != name])
        i = COL[name]
        counts[name] = Counter(map(itemgetter(0), set(map(itemgetter(i, 1), base))))  # distinct fingerprints
    return chosen, counts


GROUPED = (*COLUMNS[:-2], "first_seen", "status", "last_seen", "places")
"""A fingerprint's entry: its first row's columns, ``seen`` becoming first_seen, then last_seen and places."""
_G = {name: i for i, name in enumerate(GROUPED)}


def _sort_key(sort: str) -> Callable[[tuple], Any]:
    first, last, fp = _G["first_seen"], _G["last_seen"], _G["fingerprint"]
    if sort == "first_seen":
        return lambda g: (g[first] is not None, g[first] or "", g[fp])
    if sort == "last_seen":  # newest first, never-dated last
        return lambda g: (g[last] is None, _desc(g[last] or ""), g[fp])
    if sort == "file":
        return itemgetter(_G["file"], fp)
    flag, conf = _G["flag"], _G["confidence"]
    return lambda g: (-g[flag], -g[conf], g[first] is not None, g[first] or "", g[fp])


def _desc(text: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in text)


def _group(rows: list[tuple]) -> list[tuple]:
    """One :data:`GROUPED` tuple per fingerprint: max confidence, first/last seen, min file/domain/lang."""
    by_fp: dict[str, list[tuple]] = {}
    for r in rows:
        by_fp.setdefault(r[1], []).append(r)
    out = []
    seen = COL["seen"]
    for same in by_fp.values():
        r = same[0]
        if len(same) == 1:
            out.append((*r, r[seen], 1))
            continue
        g = list(r)
        g[COL["confidence"]] = max(x[COL["confidence"]] for x in same)
        dates = [x[seen] for x in same if x[seen] is not None]
        g[seen] = min(dates) if dates else None
        for name in ("file", "domain", "lang"):
            values = [x[COL[name]] for x in same if x[COL[name]] is not None]
            g[COL[name]] = min(values) if values else None
        out.append((*g, max(dates) if dates else None, len(same)))
    return out


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
    chosen, counts = _select(store, scan_id, flt, facets)
    groups = sorted(_group(chosen), key=_sort_key(flt.sort))
    page = max(1, page)
    shown = [dict(zip(GROUPED, g)) for g in groups[(page - 1) * per_page: page * per_page]]
    if shown:
        marks = ",".join("?" * len(shown))
        docs = dict(store.query(f"SELECT rowid, json FROM findings WHERE rowid IN ({marks})", [g["rid"] for g in shown]))
        for g in shown:
            g["finding"] = json.loads(docs[g["rid"]])
    facet_counts = {name: sorted(by_value.items(),
                                 key=lambda vn: (-vn[1], vn[0] is not None, vn[0] if vn[0] is not None else ""))[:50]
                    for name, by_value in counts.items()}
    return Page(shown, len(groups), facet_counts, page, per_page)


def selection(store: Store, scan_id: int, flt: Filters) -> list[str]:
    """Every fingerprint ``flt`` selects in ``scan_id`` (bulk actions, exports of the selection)."""
    return sorted({r[1] for r in _select(store, scan_id, flt, facets=False)[0]})


def scan_rows(store: Store, scan_id: int, fingerprints: set[str]) -> list[Any]:
    """The stored finding rows of a scan whose fingerprint is in ``fingerprints``, in scan order."""
    return [row for row in store.scan_findings(scan_id) if row["fingerprint"] in fingerprints]
