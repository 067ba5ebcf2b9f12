"""One self-contained HTML report: summary, findings by source, timeline, problems.

Safe against hostile content: the template is rendered by Jinja2 with autoescape, snippets
are highlighted by splitting the text into pieces that are escaped one by one (never by
inserting markup), invisible characters (bidi overrides, zero-width) are shown as code-point
badges, and a strict Content-Security-Policy allows only the report's own inline style and
script (by SHA-256 hash), images only as inline ``data:`` URIs (the PNG crops of OCR
evidence), and no request of any kind.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from collections import Counter, OrderedDict
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from .common import (
    ALL_KINDS,
    DocumentWriter,
    category_label,
    clip,
    flag_matrix,
    is_warc,
    level,
    match_spans,
    member_chain,
    mixed_script,
    pieces,
    place,
    sort_key,
    warc_parts,
)
from ..records import CATEGORIES

if TYPE_CHECKING:
    import jinja2

MAX_PROBLEMS = 2000
SNIPPET_CHARS = 4000


def markup(parts: list[tuple[str, bool, str]]) -> Markup:
    """Pieces from :func:`~profilewatch.report.common.pieces` as HTML: every piece of text goes
    through ``escape``; the only markup added is the constant ``<mark>`` and badge wrappers."""
    out = []
    for kind, hit, text in parts:
        if kind == "hidden":
            out.append(f'<span class="hc{" hit" if hit else ""}" title="invisible character {escape(text)}">'
                       f"{escape(text)}</span>")
        elif hit:
            out.append(f"<mark>{escape(text)}</mark>")
        else:
            out.append(str(escape(text)))
    return Markup("".join(out))


def visible(value: Any) -> Markup:
    """Any value as escaped HTML text with invisible characters shown as badges."""
    text = "" if value is None else str(value)
    if text.isprintable():
        return escape(text)
    return markup(pieces(text))


def _asset(name: str) -> str:
    return (resources.files(__package__) / "templates" / name).read_text(encoding="utf-8")


def csp_hash(source: str) -> str:
    """The CSP source expression allowing exactly this inline script or style."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


@lru_cache(maxsize=1)
def _environment() -> tuple[jinja2.Environment, str, str, str]:
    import jinja2  # here: every scan imports the writers, few render HTML (~0.03 s of start-up)

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("profilewatch.report", "templates"),
        autoescape=True,
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    css, js = _asset("report.css"), _asset("report.js")
    for source, tag in ((css, "</style"), (js, "</script")):
        if tag in source.lower():
            raise ValueError(f"report asset must not contain {tag}")
    csp = "; ".join([
        "default-src 'none'",
        f"style-src {csp_hash(css)}",
        f"script-src {csp_hash(js)}",
        "img-src data:",  # inline only: the PNG crops of OCR evidence
        "font-src 'none'", "connect-src 'none'", "media-src 'none'",
        "object-src 'none'", "frame-src 'none'", "worker-src 'none'", "manifest-src 'none'",
        "base-uri 'none'", "form-action 'none'",
    ])
    env.globals.update(vis=visible, category_label=category_label)
    return env, css, js, csp


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class HtmlWriter(DocumentWriter):
    """``--format html``: render the collected records into one HTML document."""

    def render(self, summary: dict[str, Any]) -> None:
        env, css, js, csp = _environment()
        self.out.write(env.get_template("report.html.j2").render(
            csp=csp, css=css, js=js, **self.context(summary)))

    def context(self, summary: dict[str, Any]) -> dict[str, Any]:
        """Everything the template shows, already reduced to plain strings and numbers."""
        groups: "OrderedDict[str, dict[str, Any]]" = OrderedDict()
        for n, rec in enumerate(self.findings):
            shown = self.paths.file(rec.get("file") or "")
            g = groups.setdefault(shown, {"file": shown, "findings": [], "flags": 0, "mixed": mixed_script(shown)})
            g["findings"].append((sort_key(rec), n, rec))
            g["flags"] += bool(rec.get("flag"))
        ordered = sorted(groups.values(), key=lambda g: (-g["flags"], -len(g["findings"]), g["file"]))
        for i, g in enumerate(ordered):
            g["anchor"] = f"src-{i + 1}"
            g["total"] = len(g["findings"])
            g["findings"] = [self._finding(rec, n) for _, n, rec in sorted(g["findings"], key=lambda x: x[:2])]
        cats, kinds, counts = flag_matrix(self.findings)
        units = {"seen": None, "scanned": 0, "skipped": 0, "error": 0, "containers": 0}
        units.update(summary.get("units") or {})
        present_cats = {c for f in self.findings for c in f.get("categories") or [f.get("category")] if c}
        present_kinds = {f.get("kind") for f in self.findings if f.get("kind")}
        problems = [self._problem(p) for p in self.problems[:MAX_PROBLEMS]]
        return {
            "meta": self._meta(summary),
            "summary": {"findings": summary.get("findings", len(self.findings)),
                        "flag_findings": summary.get("flag_findings", sum(1 for f in self.findings if f.get("flag"))),
                        "computed": summary.get("computed", False)},
            "units": units,
            "matrix": {"cats": cats, "kinds": kinds, "counts": counts,
                       "row_totals": {c: sum(v for (cc, _), v in counts.items() if cc == c) for c in cats}},
            "groups": ordered,
            "context_kinds": [(k, n) for k, n in sorted(Counter(
                f.get("kind") for f in self.findings if not f.get("flag") and f.get("kind")).items(),
                key=lambda kv: (ALL_KINDS.index(kv[0]) if kv[0] in ALL_KINDS else 99, kv[0]))],
            "top_sources": [g for g in ordered if g["flags"]][:10],
            "sources_flagged": sum(1 for g in ordered if g["flags"]),
            "filter_categories": [c for c in CATEGORIES if c in present_cats] + sorted(present_cats - set(CATEGORIES)),
            "filter_kinds": [k for k in ALL_KINDS if k in present_kinds] + sorted(present_kinds - set(ALL_KINDS)),
            "timelines": [self._timeline(t) for t in self.timeline],
            "problems": problems,
            "problems_left": max(0, len(self.problems) - MAX_PROBLEMS),
        }

    def _meta(self, summary: dict[str, Any]) -> dict[str, Any]:
        h = self.head
        args = self.paths.arguments(h.get("arguments"))
        return {
            "version": h.get("version", ""),
            "rules_digest": h.get("rules_digest", ""),
            "rule_packs": [str(p) for p in h.get("rule_packs") or []],
            "started": h.get("started", ""),
            "finished": summary.get("finished", ""),
            "arguments": [(k, _text(v)) for k, v in args.items()],
        }

    def _finding(self, rec: dict[str, Any], n: int) -> dict[str, Any]:
        ev = rec.get("evidence") or {}
        text, clipped = clip(_text(ev.get("text")), SNIPPET_CHARS)
        try:
            confidence = float(rec.get("confidence") or 0)
        except (TypeError, ValueError):
            confidence = 0.0
        warc_uri = warc_date = None
        if is_warc(rec):
            warc_uri, warc_date = warc_parts(rec)
        chain = member_chain(rec)
        terms = [t for t in dict.fromkeys(
            [ev.get("match"), *(rec.get("terms") or [])]) if isinstance(t, str) and t.strip()]
        prov = rec.get("provenance") or {}
        return {
            "anchor": f"f-{n + 1}",
            "kind": _text(rec.get("kind")),
            "flag": bool(rec.get("flag")),
            "level": level(rec),
            "categories": [str(c) for c in rec.get("categories") or [rec.get("category")] if c],
            "confidence": round(confidence, 4),
            "rule": _text(rec.get("rule")),
            "chain": chain,
            "warc_uri": warc_uri,
            "warc_date": warc_date,
            "member_mixed": mixed_script(rec.get("member") or ""),
            "place": [(label, _text(v)) for label, v in place(ev)],
            "snippet": markup(pieces(text, match_spans(text, rec))),
            "clipped": clipped,
            "terms": terms,
            "match_mixed": any(mixed_script(t) for t in terms),
            "explanation": _text(rec.get("explanation")),
            "sha256": _text(rec.get("sha256")),
            "fingerprint": _text(rec.get("fingerprint")),
            "cues": [(str(k), [str(w) for w in v]) for k, v in (rec.get("cues") or {}).items() if v],
            "provenance": [(k, _text(v)) for k, v in prov.items()
                           if v not in (None, "") and k not in ("target_uri", "date")],
            "ocr": _ocr(ev),
        }

    def _problem(self, rec: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": _text(rec.get("type")),
            "file": self.paths.file(_text(rec.get("file"))),
            "member": _text(rec.get("member")) or None,
            "reason": _text(rec.get("reason")),
            "message": self.paths.scrub(_text(rec.get("message"))),
            "limit": _text(rec.get("limit")) or None,
        }

    def _timeline(self, rec: dict[str, Any]) -> dict[str, Any]:
        """A ``timeline`` record (see docs/history.md) reduced to what the report shows."""
        events = []
        for e in rec.get("events") or []:
            if not isinstance(e, dict):
                continue
            after = e.get("after") if isinstance(e.get("after"), dict) else {}
            detail = ""
            if isinstance(e.get("disclaimer"), dict):
                detail = "disclaimer: " + _text(e["disclaimer"].get("text"))
            elif e.get("added") or e.get("dropped"):
                detail = f"wording changed ({len(e.get('added') or [])} new, {len(e.get('dropped') or [])} gone)"
            events.append({
                "event": _text(e.get("event")), "date": _text(e.get("date")),
                "last_seen": _text(ref_date(e.get("last_seen"))), "first_absent": _text(ref_date(e.get("first_absent"))),
                "record_id": _text(e.get("record_id") or after.get("record_id")),
                "http_status": _text(after.get("http_status")), "detail": detail,
            })
        ev = rec.get("evidence") if isinstance(rec.get("evidence"), dict) else {}
        first, last = _text(ev.get("first") or ev.get("text")), _text(ev.get("last"))
        fps = rec.get("fingerprints") or [rec.get("fingerprint") or rec.get("claim_fingerprint")]
        states = [{"date": _text(s.get("date")), "state": _text(s.get("state")),
                   "cls": s.get("state") if s.get("state") in TIMELINE_STATES else "other"}
                  for s in rec.get("states") or [] if isinstance(s, dict)]
        return {
            "url": self.paths.scrub(_text(rec.get("url") or rec.get("target_uri"))),
            "claim": _text(rec.get("claim")),
            "status": _text(rec.get("status")),
            "category": _text(rec.get("category")),
            "kinds": _text(rec.get("kinds") or rec.get("kind")),
            "fingerprints": _text([str(f) for f in fps if f]),
            "first_capture": _text(rec.get("first_capture")),
            "last_capture": _text(rec.get("last_capture")),
            "snapshots": rec.get("snapshots") if isinstance(rec.get("snapshots"), int) else None,
            "first_text": first, "last_text": last if last and last != first else "",
            "states": states,
            "events": events,
        }


_CROP = re.compile(r"data:image/png;base64,[A-Za-z0-9+/]+={0,2}")


def _ocr(ev: dict[str, Any]) -> dict[str, Any] | None:
    """What the report shows of OCR evidence: the cropped region (a PNG ``data:`` URI, nothing
    else is let through), engine, confidence, box and the recognised lines."""
    info = ev.get("ocr")
    if ev.get("text_source") != "ocr" or not isinstance(info, dict):
        return None
    crop = info.get("crop")
    lines = [ln.get("text") for ln in info.get("lines") or () if isinstance(ln, dict)]
    return {
        "crop": crop if isinstance(crop, str) and _CROP.fullmatch(crop) else None,
        "engine": _text(f"{info.get('engine', '')} {info.get('version', '')}".strip()),
        "confidence": _text(info.get("confidence")),
        "bbox": _text(ev.get("bbox")),
        "lines": [_text(t) for t in lines if t],
    }


def ref_date(value: Any) -> Any:
    """An event's snapshot reference (``{"date": ..., "record_id": ...}``) shown by its date."""
    return value.get("date") if isinstance(value, dict) else value


TIMELINE_STATES = ("present", "absent", "disclaimer", "gone", "not_yet", "error", "unreachable")


FORMATS = {"html": HtmlWriter}
