"""Timelines from synthetic record streams (and, when the WARC reader and detector are in, the corpus)."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from profilewatch.history.snapshots import Manifest, ManifestError, parse_when, url_key, wayback_identity
from profilewatch.history.timeline import TimelineBuilder, build_timelines

URL = "https://vendor.example/products/cam-1.html"
WARC = "hist.warc.gz"


def unit(date: str, *, url: str = URL, status: int | None = 200, rid: str | None = None, outcome: str = "scanned",
         file: str = WARC, record_type: str | None = None, digest: str | None = None) -> dict:
    prov = {"record_id": rid or f"<urn:uuid:{date}>", "date": date, "target_uri": url,
            "payload_digest": digest or f"sha1:{date}", "http_status": status}
    if record_type:
        prov["record_type"] = record_type
    return {"type": "unit", "file": file, "member": f"{url} {date}", "sha256": "x", "size": 1, "format": "html",
            "outcome": outcome, "findings": 0, "provenance": prov}


def finding(date: str, fp: str, *, url: str = URL, category: str = "ethnicity", terms=("民族",), flag: bool = True,
            kind: str = "capability_claim", text: str = "claim text", file: str = WARC, member: str | None = None) -> dict:
    return {"type": "finding", "file": file, "member": member or f"{url} {date}", "kind": kind, "category": category,
            "categories": [category], "rule": "r", "confidence": 0.9, "evidence": {"text": text}, "sha256": "x",
            "explanation": "", "fingerprint": fp, "flag": flag, "terms": list(terms), "cues": {}}


def disclaimer(date: str, *, url: str = URL, categories=("ethnicity", "skin_color")) -> dict:
    d = finding(date, "disc-" + date, url=url, category=categories[0], flag=False, kind="disclaimer",
                text="we do not classify people by ethnicity")
    d["categories"] = list(categories)
    return d


def events(tl: dict) -> list[tuple]:
    return [(e["event"], e["before"]["date"] if e["before"] else None, e["after"]["date"]) for e in tl["events"]]


D1, D2, D3, D4, D5 = ("2019-04-08T10:00:00Z", "2019-08-15T03:12:40Z", "2019-11-06T14:30:00Z",
                      "2019-11-12T09:00:00Z", "2020-03-02T00:00:00Z")


def hs_like_stream() -> list[dict]:
    """flag, flag reworded, edited clean, 404, disclaimer -- records deliberately out of date order."""
    return [
        disclaimer(D5), unit(D5),
        unit(D4, status=404),
        finding(D1, "fp-a", terms=("民族", "肤色"), text="性别、民族、肤色"), unit(D1),
        unit(D3),
        finding(D2, "fp-b", terms=("肤色", "民族"), text="性别、民族、肤色等多维属性"), unit(D2),
    ]


def test_full_history_events_and_brackets():
    (tl,) = build_timelines(hs_like_stream())
    assert tl["type"] == "timeline" and tl["url"] == URL and tl["url_key"] == "vendor.example/products/cam-1.html"
    assert tl["claim"] == "ethnicity: 民族, 肤色"
    assert events(tl) == [("appeared", None, D1), ("changed", D1, D2), ("removed", D2, D3),
                          ("replaced_by_disclaimer", D4, D5)]
    removed = tl["events"][2]
    assert removed["last_seen"]["record_id"] == f"<urn:uuid:{D2}>"
    assert removed["first_absent"]["record_id"] == f"<urn:uuid:{D3}>"
    assert tl["events"][1]["added"] == ["fp-b"] and tl["events"][1]["dropped"] == ["fp-a"]
    disc = tl["events"][3]
    assert disc["last_seen"]["date"] == D2 and disc["disclaimer"]["covers_claim"] is True
    assert tl["status"] == "replaced_by_disclaimer"
    assert tl["fingerprints"] == ["fp-a", "fp-b"]
    assert tl["first_seen"]["date"] == D1 and tl["last_seen"]["date"] == D2
    assert [s["state"] for s in tl["states"]] == ["present", "present", "absent", "gone", "disclaimer"]
    assert tl["states"][3]["http_status"] == 404
    assert tl["evidence"] == {"first": "性别、民族、肤色", "last": "性别、民族、肤色等多维属性"}


def test_404_is_the_evidence_of_removal():
    stream = [finding(D1, "a"), unit(D1), unit(D2, status=410)]
    (tl,) = build_timelines(stream)
    assert events(tl) == [("appeared", None, D1), ("removed", D1, D2)]
    assert tl["events"][1]["first_absent"]["http_status"] == 410 and tl["status"] == "removed"


def test_removal_and_disclaimer_in_the_same_snapshot():
    stream = [finding(D1, "a"), unit(D1), finding(D2, "a"), unit(D2), disclaimer(D3), unit(D3)]
    (tl,) = build_timelines(stream)
    assert events(tl) == [("appeared", None, D1), ("removed", D2, D3), ("replaced_by_disclaimer", D2, D3)]


def test_unchanged_claim_has_no_change_event_and_reappearance_is_reported():
    stream = [finding(D1, "a"), unit(D1), finding(D2, "a"), unit(D2), unit(D3), finding(D4, "a"), unit(D4)]
    (tl,) = build_timelines(stream)
    assert events(tl) == [("appeared", None, D1), ("removed", D2, D3), ("reappeared", D3, D4)]
    assert tl["events"][2]["last_seen"]["date"] == D2 and tl["status"] == "present"


def test_claim_appearing_later_is_bracketed_by_the_last_absent_snapshot():
    stream = [unit(D1), unit(D2), finding(D3, "a"), unit(D3)]
    (tl,) = build_timelines(stream)
    assert events(tl) == [("appeared", D2, D3)]
    assert [s["state"] for s in tl["states"]] == ["not_yet", "not_yet", "present"]


def test_unreadable_redirect_and_server_error_snapshots_tell_nothing():
    stream = [finding(D1, "a"), unit(D1), unit(D2, outcome="error"), unit(D3, status=301), unit(D4, status=503),
              finding(D5, "a"), unit(D5)]
    (tl,) = build_timelines(stream)
    assert events(tl) == [("appeared", None, D1)]
    assert [s["state"] for s in tl["states"]] == ["present", "unreadable", "redirect", "http_error", "present"]


def test_revisit_shows_the_content_it_refers_to():
    stream = [finding(D1, "a"), unit(D1, digest="sha1:AAA"), unit(D2, digest="sha1:BBB"),
              unit(D3, digest="sha1:AAA", record_type="revisit", outcome="skipped")]
    (tl,) = build_timelines(stream)
    assert events(tl) == [("appeared", None, D1), ("removed", D1, D2), ("reappeared", D2, D3)]


def test_reworded_claim_with_other_terms_is_changed_not_new():
    stream = [finding(D1, "a", terms=("维吾尔族",)), unit(D1), finding(D2, "b", terms=("维吾尔族", "维族")), unit(D2)]
    (tl,) = build_timelines(stream)
    assert events(tl) == [("appeared", None, D1), ("changed", D1, D2)]
    assert tl["terms"] == ["维吾尔族", "维族"]


def test_two_claims_of_one_url_are_two_timelines():
    stream = [finding(D1, "e", category="ethnicity", terms=("ethnicity",)),
              finding(D1, "p", category="political_opinion", terms=("political affinity",)), unit(D1),
              finding(D2, "p", category="political_opinion", terms=("political affinity",)), unit(D2)]
    tls = build_timelines(stream)
    assert [(t["category"], events(t)) for t in tls] == [
        ("ethnicity", [("appeared", None, D1), ("removed", D1, D2)]),
        ("political_opinion", [("appeared", None, D1)])]


def test_clean_findings_other_than_disclaimers_are_not_claims():
    stream = [finding(D1, "r", flag=False, kind="reporting"), unit(D1)]
    assert build_timelines(stream) == []


def test_urls_are_grouped_by_normalised_uri():
    variants = ["http://WWW.Vendor.example:80/products/cam-1.html/?b=2&a=1#top",
                "https://vendor.example/products/cam-1.html?a=1&b=2"]
    stream = [finding(D1, "a", url=variants[0]), unit(D1, url=variants[0]), unit(D2, url=variants[1]),
              finding(D1, "z", url="https://other.example/"), unit(D1, url="https://other.example/")]
    tls = build_timelines(stream)
    assert [(t["url_key"], events(t)) for t in tls] == [
        ("other.example/", [("appeared", None, D1)]),
        ("vendor.example/products/cam-1.html?a=1&b=2", [("appeared", None, D1), ("removed", D1, D2)])]
    assert tls[1]["url"] == variants[1]


def test_finding_inside_a_container_record_belongs_to_the_snapshot():
    member = f"{URL} {D1}"
    stream = [finding(D1, "a", member=member + "!/docs/readme.txt"),
              unit(D1) | {"outcome": "container"}, unit(D2)]
    (tl,) = build_timelines(stream)
    assert events(tl) == [("appeared", None, D1), ("removed", D1, D2)]


def test_member_is_the_identity_when_provenance_has_no_uri():
    rec = unit(D1)
    rec["provenance"] = {"record_id": "<urn:uuid:1>"}
    (tl,) = build_timelines([finding(D1, "a"), rec])
    assert tl["first_seen"]["date"] == D1 and tl["url"] == URL


def test_manifest_files(tmp_path):
    manifest = tmp_path / "snaps.csv"
    manifest.write_text("path,url,timestamp\n"
                        "./pages/v1.html,https://vendor.example/p,2019-01-01\n"
                        "pages/v2.html,https://vendor.example/p/,20200101120000\n", encoding="utf-8")
    m = Manifest.load(manifest)

    def file_unit(name):
        return {"type": "unit", "file": name, "member": None, "outcome": "scanned"}

    def file_finding(name, fp):
        return finding("", fp, file=name) | {"member": None}

    stream = [file_finding("pages/v1.html", "a"), file_unit("pages/v1.html"), file_unit("pages/v2.html"),
              file_unit("unrelated.html")]
    (tl,) = build_timelines(stream, m)
    assert events(tl) == [("appeared", None, "2019-01-01T00:00:00Z"), ("removed", "2019-01-01T00:00:00Z",
                                                                       "2020-01-01T12:00:00Z")]
    assert tl["events"][1]["after"]["file"] == "pages/v2.html"
    # a scan rooted one folder up still matches on a path boundary
    assert m.lookup("site/pages/v1.html", None)[0] == "https://vendor.example/p"
    assert m.lookup("xpages/v1.html", None) is None


def test_bad_manifest_is_reported(tmp_path):
    bad = tmp_path / "m.csv"
    bad.write_text("path,url\na,b\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="timestamp"):
        Manifest.load(bad)
    bad.write_text("path,url,timestamp\na,http://x.example/,yesterday\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="line 2"):
        Manifest.load(bad)


def test_wayback_style_file_names():
    names = ["dump/20190408100000/http:/vendor.example/p.html", "dump/20200101000000id_/vendor.example/p.html"]
    stream = [finding("", "a", file=names[0]) | {"member": None},
              {"type": "unit", "file": names[0], "member": None, "outcome": "scanned"},
              {"type": "unit", "file": names[1], "member": None, "outcome": "scanned"}]
    (tl,) = build_timelines(stream)
    assert events(tl) == [("appeared", None, "2019-04-08T10:00:00Z"),
                          ("removed", "2019-04-08T10:00:00Z", "2020-01-01T00:00:00Z")]
    assert build_timelines(stream, wayback_names=False) == []


def test_warc_of_replay_urls_uses_the_original_url_and_capture_time():
    replay = "https://web.archive.org/web/20190408100000id_/http://vendor.example/p"
    (tl,) = build_timelines([finding(D5, "a", url=replay), unit(D5, url=replay)])
    assert tl["url"] == "http://vendor.example/p" and tl["first_seen"]["date"] == "2019-04-08T10:00:00Z"


def test_builder_can_be_read_twice_without_double_counting():
    b = TimelineBuilder()
    for rec in hs_like_stream():
        b.add(rec)
    assert list(b.timelines()) == list(b.timelines())
    (h,) = b.histories()
    assert [s["condition"] for s in h["snapshots"]] == ["ok", "ok", "ok", "gone", "ok"]


@pytest.mark.parametrize("url, key", [
    ("HTTP://Example.COM:80/a/", "example.com/a"),
    ("https://example.com:443", "example.com/"),
    ("https://example.com:8443/a?z=1&a=2&&#frag", "example.com:8443/a?a=2&z=1"),
    ("example.com/%7euser/%2f", "example.com/~user/%2F"),
    ("http://example.com/Case.HTML", "example.com/Case.HTML"),
    ("https://www.example.com/a", "example.com/a"),
    ("https://www.com/a", "www.com/a"),
])
def test_url_key(url, key):
    assert url_key(url) == key


def test_timestamps():
    utc = dt.timezone.utc
    assert parse_when("20190408100000") == dt.datetime(2019, 4, 8, 10, tzinfo=utc)
    assert parse_when("2019") == dt.datetime(2019, 1, 1, tzinfo=utc)
    assert parse_when("2019-04-08T12:00:00+02:00") == dt.datetime(2019, 4, 8, 10, tzinfo=utc)
    with pytest.raises(ValueError):
        parse_when("last tuesday")
    assert wayback_identity("notes/20190408100000/readme.md") is None


def test_reworded_claim_without_shared_terms_is_changed_while_the_category_persists():
    stream = [finding(D1, "a", category="political_opinion", terms=("political leaning",)), unit(D1),
              finding(D2, "b", category="political_opinion", terms=("political affinity",)), unit(D2),
              finding(D3, "c", category="political_opinion", terms=("political views",)), unit(D3) | {"outcome": "error"},
              unit(D4), finding(D5, "d", category="political_opinion", terms=("politics",)), unit(D5)]
    tls = build_timelines(stream)
    assert [events(t) for t in tls] == [[("appeared", None, D1), ("changed", D1, D2), ("removed", D2, D4)],
                                        [("appeared", D4, D5)]]


# --------------------------------------------------------------------------- the corpus WARC histories

def _corpus() -> Path | None:
    here = Path(__file__).resolve()
    for base in (os.environ.get("PROFILEWATCH_CORPUS"), here.parents[2] / "shared/corpus/dev", "/work/shared/corpus/dev"):
        if base and (Path(base) / "corpus/warc").is_dir():
            return Path(base) / "corpus/warc"
    return None


CORPUS = _corpus()
needs_corpus = pytest.mark.skipif(CORPUS is None, reason="dev corpus (shared/corpus/dev) not found")

# The README "WARC histories" table: what each snapshot is ...
SNAPSHOTS = {
    "hs-ipc-ai7a2-history.warc.gz": [("2019-04-08T10:00:00Z", "flag"), ("2019-08-15T03:12:40Z", "flag"),
                                     ("2019-11-06T14:30:00Z", "clean"), ("2019-11-12T09:00:00Z", "404"),
                                     ("2020-03-02T00:00:00Z", "disclaimer")],
    "yunlan-face-attribute-doc-history.warc.gz": [("2019-05-20T08:00:00Z", "flag"), ("2020-06-11T08:00:00Z", "flag"),
                                                  ("2020-12-17T08:00:00Z", "clean"),
                                                  ("2021-01-05T08:00:00Z", "disclaimer"),
                                                  ("2021-03-01T08:00:00Z", "disclaimer")],  # revisit of 2021-01-05
    "dinghua-hoc-feature-list-history.warc.gz": [("2019-12-10T06:00:00Z", "flag"), ("2020-03-18T06:00:00Z", "flag"),
                                                 ("2021-02-10T06:00:00Z", "clean"),
                                                 ("2021-02-20T06:00:00Z", "disclaimer")],
    "audiencelens-demographics-history.warc.gz": [("2018-09-01T12:00:00Z", "flag"), ("2019-06-01T12:00:00Z", "flag"),
                                                  ("2020-07-01T12:00:00Z", "disclaimer")],
}
# ... and so the events of its timeline: (event, before, after).  "changed" where the claim was
# reworded (hs 2019-08-15 feature list, audiencelens 2019-06-01); yunlan and dinghua keep the
# claim text word for word until it goes.
EVENTS = {
    "hs-ipc-ai7a2-history.warc.gz": [
        ("appeared", None, "2019-04-08T10:00:00Z"), ("changed", "2019-04-08T10:00:00Z", "2019-08-15T03:12:40Z"),
        ("removed", "2019-08-15T03:12:40Z", "2019-11-06T14:30:00Z"),
        ("replaced_by_disclaimer", "2019-11-12T09:00:00Z", "2020-03-02T00:00:00Z")],
    "yunlan-face-attribute-doc-history.warc.gz": [
        ("appeared", None, "2019-05-20T08:00:00Z"), ("removed", "2020-06-11T08:00:00Z", "2020-12-17T08:00:00Z"),
        ("replaced_by_disclaimer", "2020-12-17T08:00:00Z", "2021-01-05T08:00:00Z")],
    "dinghua-hoc-feature-list-history.warc.gz": [
        ("appeared", None, "2019-12-10T06:00:00Z"), ("removed", "2020-03-18T06:00:00Z", "2021-02-10T06:00:00Z"),
        ("replaced_by_disclaimer", "2021-02-10T06:00:00Z", "2021-02-20T06:00:00Z")],
    "audiencelens-demographics-history.warc.gz": [
        ("appeared", None, "2018-09-01T12:00:00Z"), ("changed", "2018-09-01T12:00:00Z", "2019-06-01T12:00:00Z"),
        ("removed", "2019-06-01T12:00:00Z", "2020-07-01T12:00:00Z"),
        ("replaced_by_disclaimer", "2019-06-01T12:00:00Z", "2020-07-01T12:00:00Z")],
}


@pytest.fixture(scope="module")
def corpus_history():
    from profilewatch.api import scan
    from profilewatch.history.snapshots import warc_revisits

    builder = TimelineBuilder()
    for rec in scan([str(CORPUS)], include_clean=True):
        builder.add(rec)
    for name in SNAPSHOTS:
        for rec in warc_revisits(CORPUS / name, name):
            builder.add(rec)
    return builder.histories(), list(builder.timelines())


def _record_ids(path: Path) -> dict[str, str]:
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as fh:
        return {r.rec_headers.get_header("WARC-Date"): r.rec_headers.get_header("WARC-Record-ID")
                for r in ArchiveIterator(fh) if r.rec_type in ("response", "revisit")}


@needs_corpus
@pytest.mark.parametrize("name", sorted(SNAPSHOTS))
def test_corpus_snapshots_are_detected_as_labelled(corpus_history, name):
    """Which snapshots the detector gets wrong (the timeline test below depends on these)."""
    histories, _ = corpus_history
    (h,) = [h for h in histories if h["snapshots"][0]["file"] == name]
    got = [(s["date"], s) for s in h["snapshots"]]
    assert [d for d, _ in got] == [d for d, _ in SNAPSHOTS[name]]
    wrong = []
    for (date, want), (_, s) in zip(SNAPSHOTS[name], got):
        seen = ("404" if s["http_status"] == 404 and not s["claims"] else
                "flag" if s["claims"] else "disclaimer" if s["disclaimer"] else "clean")
        if seen != want:
            wrong.append(f"{date}: labelled {want}, detected {seen} ({s['claims']} flag findings, "
                         f"disclaimer={s['disclaimer']})")
    assert not wrong, f"{name}: " + "; ".join(wrong)


# Snapshots the detector gets wrong today, so that the timeline is wrong (strict: an XPASS
# means the detector was fixed and the entry must go).
DETECTOR_MISSES: dict[str, str] = {}  # corpus histories the detector still gets wrong (none now)


@needs_corpus
@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(reason=DETECTOR_MISSES[n], strict=True)) if n in DETECTOR_MISSES else n
    for n in sorted(EVENTS)])
def test_corpus_timelines_are_exactly_right(corpus_history, name):
    _, timelines = corpus_history
    mine = [t for t in timelines if t["first_seen"]["file"] == name]
    assert mine, f"{name}: no claim found"
    union = {e for t in mine for e in events(t)}
    claims = "; ".join(f"{t['claim']} [" + " ".join(f"{s['date'][:10]}:{s['state']}" for s in t["states"]) + "]"
                       for t in mine)
    assert sorted(union, key=lambda e: (e[2], e[0])) == EVENTS[name], f"claims per snapshot: {claims}"
    for t in mine:  # every claim of the page goes (and is disclaimed) at the same time
        assert {e for e in events(t) if e[0] in ("removed", "replaced_by_disclaimer")} == {
            e for e in EVENTS[name] if e[0] in ("removed", "replaced_by_disclaimer")}, t["claim"]
        assert t["status"] == "replaced_by_disclaimer"
    ids = _record_ids(CORPUS / name)
    for t in mine:
        for e in t["events"]:
            assert e["after"]["record_id"] == ids[e["after"]["date"]]
            if e["before"]:
                assert e["before"]["record_id"] == ids[e["before"]["date"]]


# --------------------------------------------------------------------------- command line

CLAIM_PAGE = "<html><body><p>人员属性分析：可对抓拍目标进行性别、民族、肤色及眼镜、口罩等属性分析</p></body></html>"
EDITED_PAGE = "<html><body><p>基础属性分析：可对抓拍目标进行性别、眼镜、口罩等基础属性分析</p></body></html>"


def _run(args):
    from click.testing import CliRunner

    from profilewatch.cli import cli

    return CliRunner().invoke(cli, args, catch_exceptions=False)


def _jsonl(text):
    import json

    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_history_command_on_wayback_named_files(tmp_path):
    for ts, html in (("20190408100000", CLAIM_PAGE), ("20191106143000", EDITED_PAGE)):
        page = tmp_path / ts / "http:" / "vendor.example" / "cam.html"
        page.parent.mkdir(parents=True)
        page.write_text(html, encoding="utf-8")
    result = _run(["history", str(tmp_path), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    recs = _jsonl(result.output)
    assert recs[0]["type"] == "header" and recs[-1]["type"] == "summary" and recs[-1]["histories"] == 1
    tls = recs[1:-1]
    assert tls and all(t["type"] == "timeline" and t["url"] == "http://vendor.example/cam.html" for t in tls)
    assert {e for t in tls for e in events(t)} == {("appeared", None, "2019-04-08T10:00:00Z"),
                                                   ("removed", "2019-04-08T10:00:00Z", "2019-11-06T14:30:00Z")}
    text = _run(["history", str(tmp_path)]).output
    assert "http://vendor.example/cam.html" in text and "removed" in text and "first absent 2019-11-06 14:30" in text


def test_scan_timeline_with_a_manifest(tmp_path):
    (tmp_path / "v1.html").write_text(CLAIM_PAGE, encoding="utf-8")
    (tmp_path / "v2.html").write_text(EDITED_PAGE, encoding="utf-8")
    manifest = tmp_path.parent / f"{tmp_path.name}-snapshots.csv"
    manifest.write_text("path,url,timestamp\nv1.html,https://vendor.example/cam,2019-01-01\n"
                        "v2.html,https://vendor.example/cam,2020-01-01\n", encoding="utf-8")
    result = _run(["scan", str(tmp_path), "--format", "jsonl", "--snapshots", str(manifest)])
    assert result.exit_code == 1, result.output  # flag findings
    types = [r["type"] for r in _jsonl(result.output)]
    assert types[0] == "header" and types[-1] == "summary" and "timeline" in types
    first_tl = types.index("timeline")
    assert "finding" not in types[first_tl:] and set(types[first_tl:-1]) == {"timeline"}
    tls = [r for r in _jsonl(result.output) if r["type"] == "timeline"]
    assert {e for t in tls for e in events(t)} == {("appeared", None, "2019-01-01T00:00:00Z"),
                                                   ("removed", "2019-01-01T00:00:00Z", "2020-01-01T00:00:00Z")}
    plain = _run(["scan", str(tmp_path), "--format", "jsonl"])
    assert "timeline" not in {r["type"] for r in _jsonl(plain.output)}


def test_bad_manifest_exits_2(tmp_path):
    bad = tmp_path / "m.csv"
    bad.write_text("path,url\n", encoding="utf-8")
    result = _run(["scan", str(tmp_path), "--snapshots", str(bad)])
    assert result.exit_code == 2 and "missing column(s) timestamp" in result.output


def test_history_needs_an_input():
    result = _run(["history"])
    assert result.exit_code == 2 and "--from-warc" in result.output


@needs_corpus
def test_history_command_on_a_corpus_warc():
    result = _run(["history", "--from-warc", str(CORPUS / "hs-ipc-ai7a2-history.warc.gz"),
                   str(CORPUS / "yunlan-face-attribute-doc-history.warc.gz")])  # --from-warc FILE...
    assert result.exit_code == 0
    out = result.output
    assert out.startswith("https://www.haishengvision.example/cn/products/ipc/HS-IPC-AI7A2-JR.html\n")
    assert "\nhttps://help.yunlan.example/document_detail/face-attribute.html\n" in out
    assert "2019-11-12 09:00  HTTP 404  no flag findings, gone" in out
    assert ("2019-11-06 14:30  removed                 last seen 2019-08-15 03:12, first absent 2019-11-06 14:30"
            in out)
    assert "<urn:uuid:0b799eac-db75-54b7-8b97-9dd3c0196b94> -> <urn:uuid:761d0a14-f21a-5e70-a53f-7a4754939b5f>" in out


def test_a_disclaimer_that_stood_next_to_the_claim_replaced_nothing():
    footer = disclaimer(D1)
    stream = [finding(D1, "a"), footer, unit(D1), footer | {"member": f"{URL} {D2}"}, unit(D2),
              footer | {"member": f"{URL} {D3}"}, disclaimer(D3), unit(D3)]
    (tl,) = build_timelines(stream)
    assert events(tl) == [("appeared", None, D1), ("removed", D1, D2), ("replaced_by_disclaimer", D2, D3)]
    assert tl["events"][2]["disclaimer"]["categories"] == ["ethnicity", "skin_color"]


def test_history_jsonl_reports_unreadable_captures(tmp_path):
    (tmp_path / "20190408100000" / "http:" / "vendor.example").mkdir(parents=True)
    (tmp_path / "20190408100000" / "http:" / "vendor.example" / "cam.html").write_text(CLAIM_PAGE, encoding="utf-8")
    broken = tmp_path / "broken.warc.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 40)
    result = _run(["history", str(tmp_path), "--format", "jsonl"])
    types = [r["type"] for r in _jsonl(result.output)]
    assert result.exit_code == 0 and types[0] == "header" and types[-1] == "summary"
    assert types.index("error") < types.index("timeline")
