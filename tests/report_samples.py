"""Records for the report tests: realistic findings plus hostile ones, and a render helper."""
from __future__ import annotations

import io
import json
from typing import Any

from profilewatch.report import WRITERS

RLO = "\u202e"
HOMOGLYPH = "U\u0443ghur"  # Cyrillic у in the middle of a Latin word
HEADER = {
    "type": "header", "tool": "profilewatch", "version": "0.1.0", "rules_digest": "sha256:" + "0" * 64,
    "rule_packs": ["ethnicity", "skin_color"], "started": "2026-11-27T20:00:00+00:00",
    "arguments": {"paths": ["/home/alice/cases/vendor-x", "corpus"], "format": "html", "rules": ["/home/alice/rules"],
                  "min_confidence": 0.0},
}
SUMMARY = {
    "type": "summary", "units": {"seen": 9, "scanned": 7, "skipped": 1, "error": 1, "containers": 2},
    "findings": 5, "flag_findings": 4, "findings_by_kind": {}, "findings_by_category": {},
    "errors": 1, "skipped": 1, "finished": "2026-11-27T20:01:00+00:00",
}


def finding(**kw: Any) -> dict[str, Any]:
    """A finding dict as the scanner writes it; keyword arguments override fields."""
    d: dict[str, Any] = {
        "type": "finding", "file": "html/datasheet.html", "member": None, "kind": "capability_claim",
        "category": "ethnicity", "categories": ["ethnicity"], "rule": "ethnicity/capability_claim",
        "confidence": 0.92, "flag": True,
        "evidence": {"text": "支持识别维族、汉族等民族属性，人脸抓拍后实时报警", "match": "维族", "matches": ["维族", "汉族"],
                     "line": 12, "column": 5},
        "sha256": "a" * 64, "explanation": "capability cue 识别 beside group term 维族", "fingerprint": "f" * 32,
        "terms": ["维族", "汉族"], "cues": {"capability": ["识别"]},
    }
    evidence = kw.pop("evidence", None)
    d.update(kw)
    if evidence is not None:
        d["evidence"] = evidence
    return d


def _ref(date: str, record: str) -> dict[str, Any]:
    return {"date": date, "url": "https://www.vendor.example/p/ai7.html", "record_id": record,
            "file": "warc/site.warc.gz", "member": f"https://www.vendor.example/p/ai7.html {date}",
            "http_status": 200, "payload_digest": "sha1:X"}


def timeline() -> dict[str, Any]:
    """A timeline record as profilewatch.history writes it."""
    a = _ref("2019-04-08T10:00:00Z", "<urn:uuid:1>")
    b = _ref("2020-03-01T00:00:00Z", "<urn:uuid:2>")
    c = _ref("2020-06-01T00:00:00Z", "<urn:uuid:3>")
    return {
        "type": "timeline", "url": "https://www.vendor.example/p/ai7.html", "url_key": "www.vendor.example/p/ai7.html",
        "claim": "ethnicity: 维族, 民族", "category": "ethnicity", "categories": ["ethnicity"],
        "kinds": ["capability_claim"], "terms": ["维族", "民族"], "fingerprints": ["f" * 32, "e" * 32],
        "status": "replaced_by_disclaimer", "first_seen": a, "last_seen": b,
        "evidence": {"first": "支持识别维族", "last": "支持识别维族等民族"},
        "events": [
            {"event": "appeared", "date": a["date"], "before": None, "after": a},
            {"event": "changed", "date": b["date"], "before": a, "after": b, "added": ["e" * 32], "dropped": ["f" * 32]},
            {"event": "removed", "date": c["date"], "before": b, "after": c, "last_seen": b, "first_absent": c},
            {"event": "replaced_by_disclaimer", "date": c["date"], "before": b, "after": c, "last_seen": b,
             "disclaimer": {"text": "本产品不支持民族识别", "categories": ["ethnicity"], "covers_claim": True}},
        ],
        "snapshots": 3, "first_capture": a["date"], "last_capture": c["date"],
        "states": [{"date": a["date"], "record_id": "<urn:uuid:1>", "http_status": 200, "state": "present"},
                   {"date": b["date"], "record_id": "<urn:uuid:2>", "http_status": 200, "state": "present"},
                   {"date": c["date"], "record_id": "<urn:uuid:3>", "http_status": 200, "state": "disclaimer"}],
    }


def normal_records() -> list[dict[str, Any]]:
    """One finding of each locator shape, a problem of each type and a timeline."""
    return [
        finding(),
        finding(file="archives/sdk.zip", member="lib/tools.tar.gz!/include/face.h", kind="implementation",
                rule="ethnicity/implementation", confidence=0.66, fingerprint="1" * 32,
                evidence={"text": "enum { NATION_HAN = 1, NATION_UYGUR = 2 };", "match": "NATION_UYGUR", "line": 40,
                          "column": 27}),
        finding(file="pdf/tender.pdf", kind="targeting_rule", rule="skin_color/targeting_rule", category="skin_color",
                categories=["skin_color", "ethnicity"], confidence=0.81, fingerprint="2" * 32,
                evidence={"text": "对肤色为深色的人员自动预警", "match": "肤色", "page": 3}),
        finding(file="warc/site.warc.gz", member="https://www.vendor.example/p/ai7.html 2019-04-08T10:00:00Z",
                kind="disclaimer", flag=False, rule="ethnicity/disclaimer", confidence=0.7, fingerprint="3" * 32,
                evidence={"text": "本产品不支持民族识别", "match": "民族", "line": 88, "column": 1},
                provenance={"record_id": "<urn:uuid:00000000-0000-0000-0000-000000000001>", "date": "2019-04-08T10:00:00Z",
                            "target_uri": "https://www.vendor.example/p/ai7.html", "payload_digest": "sha1:ABC"}),
        finding(file="bin/firmware.bin", kind="implementation", rule="ethnicity/implementation", confidence=0.55,
                fingerprint="4" * 32, evidence={"text": "attr_uygur_score", "match": "uygur", "byte_offset": 4096}),
        {"type": "error", "file": "docx/broken.docx", "member": None, "reason": "corrupt", "message": "Bad zip file",
         "sha256": "b" * 64},
        {"type": "skipped", "file": "archives/bomb.zip", "member": "x/y.bin", "reason": "limit",
         "message": "expands beyond 512 MiB", "limit": "max_member_bytes"},
        timeline(),
    ]


def payloads(canary: str) -> dict[str, str]:
    """Hostile strings; ``canary`` is a URL any successful load or script would hit."""
    return {
        "script": f"<script>document.title='PWNED';window.pwned='script';fetch('{canary}/script')</script>",
        "img": f"<img src=\"{canary}/img\" onerror=\"document.title='PWNED';window.pwned='img'\">",
        "jsurl": f"javascript:fetch('{canary}/jsurl')",
        "textarea": "</textarea><script>window.pwned='textarea'</script>",
        "endscript": f"</script><script>window.pwned='endscript';fetch('{canary}/endscript')</script>",
        "svg": "\"><svg onload=\"window.pwned='svg'\"></svg>",
        "style": f"<style>@import url({canary}/css);</style><link rel=stylesheet href=\"{canary}/link\">",
        "meta": f"<meta http-equiv=\"refresh\" content=\"0;url={canary}/refresh\"><base href=\"{canary}/base/\">",
        "iframe": f"<iframe src=\"{canary}/iframe\"></iframe><object data=\"{canary}/object\"></object>",
        "template": "{{ 7*7 }} {% raw %} ${7*7}",
        "rlo": f"invoice{RLO}fdp.exe",
        "homoglyph": HOMOGLYPH,
        "markdown": "[click](javascript:alert(1)) ![x](http://127.0.0.1:9/x.png) @octocat #1 | pipe ``` `tick`",
        "formula": "=HYPERLINK(\"http://127.0.0.1:9/\",\"x\")",
    }


def hostile_records(canary: str = "http://127.0.0.1:9") -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, str]]:
    """(header, records, payloads): every text field of every record type carries a payload."""
    p = payloads(canary)
    everything = " ".join(p.values())
    records = [
        finding(file=f"html/{p['script']}.html", member=None, explanation="why " + p["img"],
                evidence={"text": "维族 " + everything, "match": p["script"], "line": 1, "column": 1,
                          "where": {"attribute": p["svg"]}},
                terms=["维族", p["endscript"]], cues={"capability": [p["textarea"]]}),
        finding(file=f"archives/{HOMOGLYPH}.zip", member=f"{p['textarea']}!/{p['rlo']}", kind="implementation",
                rule="ethnicity/implementation", fingerprint=p["style"],
                evidence={"text": p["endscript"] + " " + HOMOGLYPH, "match": HOMOGLYPH, "page": 2}),
        finding(file="warc/x.warc.gz", member=f"{p['jsurl']} 2019-04-08T10:00:00Z", flag=False, kind="reporting",
                rule="ethnicity/reporting",
                evidence={"text": p["meta"] + p["iframe"], "match": p["template"], "byte_offset": 10},
                provenance={"record_id": p["img"], "target_uri": p["jsurl"], "date": "2019-04-08T10:00:00Z"}),
        finding(file="csv/" + p["formula"], evidence={"text": p["formula"], "match": p["markdown"], "line": 2, "column": 1},
                explanation=p["markdown"], sha256=p["formula"]),
        {"type": "error", "file": p["script"], "member": p["rlo"], "reason": p["img"], "message": p["endscript"]},
        {"type": "timeline", "url": p["jsurl"], "fingerprint": p["script"],
         "events": [{"event": p["img"], "date": p["template"], "record_id": p["endscript"]}]},
    ]
    head = dict(HEADER, version=p["script"], rule_packs=[p["img"]], rules_digest=p["endscript"],
                arguments={"paths": [p["textarea"]], "note": p["style"]})
    return head, records, p


def render(fmt: str, records: list[dict[str, Any]], header: dict[str, Any] | None = HEADER,
           summary: dict[str, Any] | None = SUMMARY, **options: Any) -> str:
    """Run a writer over header, records and summary; return its output."""
    out = io.StringIO()
    writer = WRITERS[fmt](out, **options)
    writer.header(header or {})
    for rec in records:
        writer.record(rec)
    writer.summary(summary or {})
    return out.getvalue()


def jsonl(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
