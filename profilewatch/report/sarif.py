"""SARIF 2.1.0 for code-scanning dashboards (GitHub, Azure DevOps, VS Code viewers).

One run; ``tool.driver.rules`` lists every ``<category>/<kind>`` rule of the loaded packs.

Locations.  ``physicalLocation.artifactLocation.uri`` is always the scanned *file* (relative,
``uriBaseId`` ``%SRCROOT%``; ``file://`` absolute with ``--show-paths absolute``).  A region
(``startLine``/``startColumn`` in Unicode code points, or ``byteOffset``) is given only for a
plain file, where it really points into that file.  A unit inside a container is named by a
``logicalLocation`` of kind ``resource``:

* archive member: ``fullyQualifiedName`` = ``<file>!/<member>!/<nested member>`` (the
  scanner's own chain), ``name`` = the innermost member;
* WARC record: ``fullyQualifiedName`` = ``<file>#<WARC-Target-URI> <WARC-Date>``.

and its line/column/page/byte offset go into ``result.properties`` (``member``,
``memberChain``, ``warcTargetUri``, ``warcDate``, ``warcRecordId``, ``line``, ``column``,
``page``, ``byteOffset``).  Skipped and failed units become
``invocations[0].toolExecutionNotifications``.

GitHub limits: at most 25,000 results per run and 10 MB gzipped upload; when a report would
exceed either, the least severe results are left out and a notification says how many.
"""
from __future__ import annotations

import datetime as dt
import gzip
import json
import os
from typing import Any
from urllib.parse import quote

from .common import (
    ALL_KINDS,
    KIND_TEXT,
    DocumentWriter,
    category_label,
    is_warc,
    kind_label,
    level,
    member_chain,
    reveal,
    sort_key,
    warc_parts,
)
from ..records import FLAG_KINDS

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_RESULTS = 25_000
MAX_GZIP_BYTES = 10_000_000
MAX_NOTIFICATIONS = 5_000
FINGERPRINT_KEY = "profilewatchFingerprint/v1"


def _camel(rule_id: str) -> str:
    return "".join(p.capitalize() for p in rule_id.replace("/", "_").split("_"))


def _rule(rule_id: str, pack: Any | None) -> dict[str, Any]:
    category, _, kind = rule_id.partition("/")
    cat = category_label(category)
    flag = kind in FLAG_KINDS
    what = KIND_TEXT.get(kind, "a {cat} finding").format(cat=cat)
    short = f"{cat.capitalize()}: {kind_label(kind)}"
    full = f"{short} -- {what}."
    refs = list(getattr(pack, "references", []) or [])
    desc = (getattr(pack, "description", "") or "").strip()
    help_text = full + (f"\n\n{desc}" if desc else "") + (
        "\n\nFlag kind: review and report." if flag else "\n\nContext kind: reported for completeness, not a flag.")
    help_md = f"**{short}** -- {what}." + (f"\n\n{desc}" if desc else "")
    if refs:
        help_text += "\n\nReferences:\n" + "\n".join(f"- {r}" for r in refs)
        help_md += "\n\nReferences:\n\n" + "\n".join(f"- <{r}>" if r.startswith(("http://", "https://")) else f"- {r}"
                                                      for r in refs)
    rule = {
        "id": rule_id,
        "name": _camel(rule_id),
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": help_text, "markdown": help_md},
        "defaultConfiguration": {"level": "error" if flag else "note"},
        "properties": {"category": category, "kind": kind, "flag": flag,
                       "tags": ["protected-attribute", category, kind] + (["flag"] if flag else ["context"])},
    }
    if pack is not None:
        rule["properties"]["pack"] = pack.id
        rule["properties"]["packName"] = pack.name
    web = [r for r in refs if r.startswith(("https://", "http://"))]
    if web:
        rule["helpUri"] = web[0]
    return rule


def _uri(path: str) -> str:
    """A path as a URI reference: everything but letters, digits, ``-._~`` and ``/`` is
    percent-encoded, so a name like ``javascript:x`` can never read as a scheme."""
    return quote(path.replace("\\", "/"), safe="/")


class SarifWriter(DocumentWriter):
    """``--format sarif``.  Options: ``max_results``, ``max_gzip_bytes`` (GitHub limits by default)."""

    def render(self, summary: dict[str, Any]) -> None:
        self.out.write(self.text(summary) + "\n")

    def text(self, summary: dict[str, Any]) -> str:
        """The SARIF log as compact JSON, within the result-count and gzipped-size limits."""
        doc = self.document(summary)
        run = doc["runs"][0]
        max_results = int(self.options.get("max_results", MAX_RESULTS))
        max_bytes = int(self.options.get("max_gzip_bytes", MAX_GZIP_BYTES))
        total = len(run["results"])
        keep = min(total, max_results)
        while True:
            run["results"] = run["results"][:keep]
            if keep < total:
                self._truncated(run, keep, total, max_results, max_bytes)
            text = _dumps(doc)
            if len(text) <= max_bytes * 0.9 or keep == 0:
                return text  # gzip never makes JSON larger than this margin
            size = len(gzip.compress(text.encode("utf-8"), 6))
            if size <= max_bytes:
                return text
            keep = max(0, min(keep - 1, int(keep * max_bytes / size * 0.95)))

    def document(self, summary: dict[str, Any]) -> dict[str, Any]:
        packs = self.options.get("packs") or []
        rules: list[dict[str, Any]] = []
        index: dict[str, int] = {}
        for pack in packs:
            for kind in ALL_KINDS:
                rid = f"{pack.category}/{kind}"
                if rid not in index:
                    index[rid] = len(rules)
                    rules.append(_rule(rid, pack))
        ordered = sorted(self.findings, key=sort_key)
        for f in ordered:
            rid = str(f.get("rule") or f"{f.get('category')}/{f.get('kind')}")
            if rid not in index:
                index[rid] = len(rules)
                rules.append(_rule(rid, None))
        results = [self._result(f, index) for f in ordered]
        notifications = [self._notification(p) for p in self.problems[:MAX_NOTIFICATIONS]]
        if len(self.problems) > MAX_NOTIFICATIONS:
            notifications.append({"level": "warning", "descriptor": {"id": "notifications-truncated"}, "message": {
                "text": f"{len(self.problems) - MAX_NOTIFICATIONS} further skipped or failed units are not listed."}})
        run = {
            "tool": {"driver": {
                "name": "profilewatch",
                "version": str(self.head.get("version", "")),
                "semanticVersion": str(self.head.get("version", "")) or None,
                "rules": rules,
                "properties": {"rulesDigest": self.head.get("rules_digest"), "rulePacks": self.head.get("rule_packs")},
            }},
            "invocations": [self._invocation(summary, notifications)],
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {"summary": {k: v for k, v in summary.items() if k != "type"},
                           "arguments": self.paths.arguments(self.head.get("arguments"))},
        }
        if not run["tool"]["driver"]["semanticVersion"]:
            del run["tool"]["driver"]["semanticVersion"]
        if self.paths.mode == "absolute" and len(self.paths.roots) == 1:
            root = os.path.abspath(self.paths.roots[0])
            root = root if os.path.isdir(root) else os.path.dirname(root)
            run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": "file://" + _uri(root.rstrip("/") + "/")}}
        return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}

    @staticmethod
    def _truncated(run: dict[str, Any], keep: int, total: int, max_results: int, max_bytes: int) -> None:
        """Say (once, first) how many results were left out."""
        note = {"level": "warning", "descriptor": {"id": "results-truncated"}, "message": {"text": (
            f"{total - keep} of {total} results left out to stay within upload limits "
            f"({max_results} results, {max_bytes} bytes gzipped); the least severe were dropped first. "
            "Use --format jsonl or html for the full list.")}}
        notes = run["invocations"][0].setdefault("toolExecutionNotifications", [])
        if notes and notes[0].get("descriptor", {}).get("id") == "results-truncated":
            notes[0] = note
        else:
            notes.insert(0, note)
        run["properties"]["truncated"] = {"kept": keep, "total": total}

    def _invocation(self, summary: dict[str, Any], notifications: list[dict[str, Any]]) -> dict[str, Any]:
        inv: dict[str, Any] = {"executionSuccessful": True}
        started = self.head.get("started")
        if started:
            inv["startTimeUtc"] = _utc(started)
        if summary.get("finished"):
            inv["endTimeUtc"] = _utc(summary["finished"])
        if notifications:
            inv["toolExecutionNotifications"] = notifications
        return inv

    def _location(self, rec: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(location, extra result properties) for a finding or problem."""
        file = self.paths.file(str(rec.get("file") or ""))
        art: dict[str, Any] = {"uri": _uri(file)}
        if self.paths.mode == "absolute" and file.startswith("/"):
            art["uri"] = "file://" + _uri(file)
        else:
            art["uriBaseId"] = "%SRCROOT%"
        loc: dict[str, Any] = {"physicalLocation": {"artifactLocation": art}}
        props: dict[str, Any] = {}
        member = rec.get("member")
        ev = rec.get("evidence") or {}
        if member:
            props["member"] = member
            if is_warc(rec):
                uri, date = warc_parts(rec)
                prov = rec.get("provenance") or {}
                props.update({"warcTargetUri": uri, "warcDate": date})
                if prov.get("record_id"):
                    props["warcRecordId"] = prov["record_id"]
                fq = f"{file}#{member}"
            else:
                chain = member_chain(rec)
                props["memberChain"] = chain
                fq = "!/".join([file, *chain])
            loc["logicalLocations"] = [{"name": reveal(member.split("!/")[-1]), "fullyQualifiedName": reveal(fq),
                                        "kind": "resource"}]
        for key, prop in (("line", "line"), ("column", "column"), ("page", "page"), ("byte_offset", "byteOffset")):
            if isinstance(ev.get(key), int):
                props[prop] = ev[key]
        if isinstance(ev.get("where"), dict) and ev["where"]:
            props["where"] = ev["where"]
        if not member and ev:
            region: dict[str, Any] = {}
            if isinstance(ev.get("line"), int) and ev["line"] >= 1:
                region["startLine"] = ev["line"]
                if isinstance(ev.get("column"), int) and ev["column"] >= 1:
                    region["startColumn"] = ev["column"]
            elif isinstance(ev.get("byte_offset"), int) and ev["byte_offset"] >= 0:
                region["byteOffset"] = ev["byte_offset"]
            if region:
                if isinstance(ev.get("text"), str) and ev["text"]:
                    region["snippet"] = {"text": ev["text"]}
                loc["physicalLocation"]["region"] = region
        return loc, props

    def _result(self, f: dict[str, Any], index: dict[str, int]) -> dict[str, Any]:
        rid = str(f.get("rule") or f"{f.get('category')}/{f.get('kind')}")
        ev = f.get("evidence") or {}
        loc, props = self._location(f)
        cats = ", ".join(category_label(c) for c in f.get("categories") or [f.get("category")] if c)
        match = ev.get("match")
        text = f"{kind_label(str(f.get('kind')))} ({cats})"
        if isinstance(match, str) and match:
            text += f": \"{reveal(match)}\""
        if f.get("explanation"):
            text += f". {reveal(str(f['explanation']))}"
        result: dict[str, Any] = {
            "ruleId": rid,
            "ruleIndex": index[rid],
            "level": level(f),
            "message": {"text": text},
            "locations": [loc],
        }
        if f.get("fingerprint"):
            result["partialFingerprints"] = {FINGERPRINT_KEY: str(f["fingerprint"])}
        props.update({
            "kind": f.get("kind"), "categories": f.get("categories"), "confidence": f.get("confidence"),
            "flag": bool(f.get("flag")), "sha256": f.get("sha256"), "terms": f.get("terms"),
            "cues": f.get("cues"), "evidence": ev.get("text"),
        })
        if f.get("provenance"):
            props["provenance"] = f["provenance"]
        result["properties"] = {k: v for k, v in props.items() if v is not None}
        return result

    def _notification(self, p: dict[str, Any]) -> dict[str, Any]:
        loc, props = self._location(p)
        message = self.paths.scrub(str(p.get("message") or p.get("reason") or ""))
        what = "failed" if p.get("type") == "error" else "skipped"
        n = {
            "level": "error" if p.get("type") == "error" else ("warning" if p.get("limit") else "note"),
            "descriptor": {"id": str(p.get("reason") or what)},
            "message": {"text": f"{what}: {reveal(message)}"},
            "locations": [loc],
            "properties": {"type": p.get("type"), "reason": p.get("reason"), **props},
        }
        if p.get("limit"):
            n["properties"]["limit"] = p["limit"]
        return n


def _dumps(doc: dict[str, Any]) -> str:
    """Compact JSON (the C encoder; indenting falls back to pure Python and is 3x slower)."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def _utc(stamp: str) -> str:
    """ISO 8601 with offset -> SARIF's UTC ``Z`` form (kept as given when unparseable)."""
    try:
        t = dt.datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


FORMATS = {"sarif": SarifWriter}
