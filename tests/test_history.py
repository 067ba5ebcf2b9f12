"""Timelines from synthetic record streams (and, when the WARC reader and detector are in, the corpus)."""
from __future__ import annotations

import datetime as dt

import pytest

from profilewatch.history import (Manifest, ManifestError, TimelineBuilder, build_timelines, parse_when, url_key,
                                  wayback_identity)

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
    variants = ["http://Vendor.example:80/products/cam-1.html/?b=2&a=1#top",
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
