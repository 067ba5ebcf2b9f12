"""The investigator's desk over a real case store (Starlette TestClient, no network).

List, facets, search, the finding view, review and bulk review (the same log the CLI reads),
the audit log, exports, and the guards: CSRF, host header, cross-site posts, hostile content.
"""
from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import warnings
from html.parser import HTMLParser
from pathlib import Path

import pytest

from casecorpus import run_cli
from desk_world import PAYLOADS, copy_store, make_store, need_serve

TOKEN = "test-token"
BASE = "http://127.0.0.1:8765"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    need_serve()
    return make_store(tmp_path_factory.mktemp("desk"))


@pytest.fixture
def client(world, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    from profilewatch.serve.app import create_app

    db = copy_store(world, tmp_path / "case.db")  # each test reviews its own copy
    client = TestClient(create_app(str(db), reviewer="ana", csrf_token=TOKEN), base_url=BASE)
    client.db = db
    return client


def fingerprints(html: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r'href="/finding/([0-9a-f]{16,64})"', html)))


def total(html: str) -> int:
    return int(re.search(r'<strong id="total">(\d+)</strong>', html).group(1))


def review_json(db: Path) -> dict[str, dict]:
    res = run_cli("review", "list", "--store", str(db), "--json")
    return {json.loads(line)["fingerprint"]: json.loads(line) for line in res.stdout.splitlines()}


def test_list_facets_and_search(client):
    page = client.get("/")
    assert page.status_code == 200
    everything = review_json(client.db)
    assert total(page.text) == len(everything) == len(fingerprints(page.text))
    zh = client.get("/", params={"lang": "zh"}).text
    en = client.get("/", params={"lang": "en"}).text
    assert total(zh) + total(en) == len(everything) and total(zh) > 0 and total(en) > 0
    assert all("Uyghur" not in everything[fp]["text"] for fp in fingerprints(zh))
    two = client.get("/", params={"q": "维族"}).text  # shorter than a trigram: the LIKE path
    three = client.get("/", params={"q": "民族属性"}).text  # FTS5 trigram
    english = client.get("/", params={"q": "uyghur/han"}).text
    assert total(two) == sum("维族" in e["text"] for e in everything.values())
    assert total(three) == sum("民族属性" in e["text"] for e in everything.values()) > 0
    assert total(english) == sum("uyghur/han" in e["text"].lower() for e in everything.values()) > 0
    gloss = client.get("/", params={"q": "Uyghur persons (police"}).text  # the English gloss is searchable
    assert total(gloss) > 0 and all("维族人员" in everything[fp]["text"] for fp in fingerprints(gloss))
    assert total(client.get("/", params={"q": "no such words here"}).text) == 0
    flags = client.get("/", params={"flag": "1", "category": "ethnicity", "min_confidence": "0.5"}).text
    assert 0 < total(flags) <= len(everything)


def test_finding_view_shows_gloss_context_and_provenance(client):
    fp = fingerprints(client.get("/", params={"q": "民族属性"}).text)[0]
    page = client.get(f"/finding/{fp}")
    assert page.status_code == 200
    assert "<mark>" in page.text and 'id="gloss"' in page.text
    assert "<td>ethnicity attribute</td>" in page.text
    assert 'class="ln hit"' in page.text  # the stored copy's line, as context
    sha = re.search(r"<th>sha256</th><td><code>([0-9a-f]{64})</code>", page.text).group(1)
    source = client.get(f"/finding/{fp}/source")
    assert source.headers["content-type"].startswith("text/plain")
    assert "sandbox" in source.headers["content-security-policy"]
    assert "民族属性" in source.text and len(sha) == 64
    assert client.get("/finding/" + "0" * 32).status_code == 404


def test_review_and_bulk_land_in_the_store_log(client):
    fps = fingerprints(client.get("/").text)
    r = client.post(f"/finding/{fps[0]}/review", data={"csrf": TOKEN, "decision": "confirmed", "note": "vendor page"},
                    follow_redirects=False)
    assert r.status_code == 303
    r = client.post(f"/finding/{fps[1]}/review", data={"csrf": TOKEN, "decision": "dismissed", "note": "press quote"})
    assert r.status_code == 200 and "false positive" in r.text
    client.post("/bulk", data={"csrf": TOKEN, "decision": "needs_translation", "fp": fps[2:4]})
    listed = review_json(client.db)
    assert listed[fps[0]]["status"] == "confirmed" and listed[fps[1]]["status"] == "dismissed"
    assert listed[fps[2]]["status"] == listed[fps[3]]["status"] == "needs_translation"
    assert listed[fps[4]]["status"] == "open"
    # "all matching": every zh finding, not the others
    client.post("/bulk", data={"csrf": TOKEN, "decision": "duplicate", "scope": "all", "lang": "en"})
    en = set(fingerprints(client.get("/", params={"lang": "en"}).text))
    after = review_json(client.db)
    assert {fp for fp, e in after.items() if e["status"] == "duplicate"} == en
    audit = client.get("/audit").text
    assert "vendor page" in audit and "press quote" in audit and audit.count("<td>desk</td>") == 4 + len(en)
    con = sqlite3.connect(client.db)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE reviews SET decision = 'open'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM reviews")
    assert {r[0] for r in con.execute("SELECT DISTINCT source FROM reviews")} == {"desk"}


def test_state_changes_need_the_csrf_token_the_right_host_and_the_same_site(client):
    fp = fingerprints(client.get("/").text)[0]
    for data, headers, code in [
        ({"decision": "confirmed"}, {}, 403),
        ({"decision": "confirmed", "csrf": "guess"}, {}, 403),
        ({"decision": "confirmed", "csrf": TOKEN}, {"origin": "http://evil.example"}, 403),
        ({"decision": "confirmed", "csrf": TOKEN}, {"sec-fetch-site": "cross-site"}, 403),
        ({"decision": "confirmed", "csrf": TOKEN}, {"host": "evil.example:8765"}, 421),
        ({"decision": "delete-everything", "csrf": TOKEN}, {}, 400),
    ]:
        assert client.post(f"/finding/{fp}/review", data=data, headers=headers).status_code == code, (data, headers)
    assert client.post("/bulk", data={"decision": "confirmed", "fp": [fp]}).status_code == 403
    assert sqlite3.connect(client.db).execute("SELECT count(*) FROM reviews").fetchone()[0] == 0
    assert client.get("/", headers={"host": "rebind.attacker.example"}).status_code == 421
    assert client.get("/", headers={"host": "localhost:8765"}).status_code == 200


def test_no_request_value_reaches_the_file_system(client):
    for path in ["/static/../app.py", "/static/%2e%2e%2fapp.py", "/static/app.py", "/finding/..%2f..%2fetc%2fpasswd",
                 "/finding/../../etc/passwd/source"]:
        assert client.get(path).status_code == 404, path
    assert client.get("/static/desk.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/export", params={"fmt": "../../etc/passwd"}).status_code == 400


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_hostile_content_is_inert_on_every_page(client):
    pages = [client.get("/"), client.get("/", params={"q": "<script>"}), client.get("/audit")]
    fps = fingerprints(client.get("/", params={"q": "预警"}).text)
    for fp in fps:
        client.post(f"/finding/{fp}/review", data={"csrf": TOKEN, "decision": "confirmed", "note": PAYLOADS["script"],
                                                   "reviewer": PAYLOADS["img"]})
        pages.append(client.get(f"/finding/{fp}"))
    pages.append(client.get("/audit"))
    shown = 0
    for page in pages:
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "same-origin"  # no-referrer makes form posts Origin: null
        parser = Tags()
        parser.feed(page.text)
        for tag, attrs in parser.tags:
            assert tag not in ("img", "svg", "iframe", "object", "embed", "base", "meta") or tag == "meta" and \
                set(attrs) <= {"charset", "name", "content"}, (tag, attrs)
            assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
            if tag == "script":
                assert attrs == {"src": "/static/desk.js", "defer": None}
            for value in attrs.values():
                assert "javascript:" not in (value or "").lower()
        shown += page.text.count("&lt;script&gt;document.title")
    assert shown >= len(fps) > 0  # the payloads are there, as text
    assert len(fps) >= len(PAYLOADS)


def test_exports_of_the_selection(client):
    zh = fingerprints(client.get("/", params={"lang": "zh"}).text)
    rows = list(csv.reader(io.StringIO(client.get("/export", params={"fmt": "csv", "lang": "zh"}).text)))
    assert len(rows) - 1 >= len(zh) and all(re.search(r"[\u4e00-\u9fff]", ",".join(r)) for r in rows[1:])
    jsonl = [json.loads(x) for x in client.get("/export", params={"fmt": "jsonl", "lang": "zh"}).text.splitlines()]
    assert {r["fingerprint"] for r in jsonl if r["type"] == "finding"} == set(zh)
    sarif = client.get("/export", params={"fmt": "sarif"}).json()
    assert sarif["version"] == "2.1.0"
    html = client.get("/export", params={"fmt": "html"})
    assert html.headers["content-disposition"].startswith("attachment") and "<html" in html.text
    bundle = client.get("/export", params={"fmt": "evidence", "lang": "zh"})
    import zipfile

    with zipfile.ZipFile(io.BytesIO(bundle.content)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        exported = {json.loads(x)["fingerprint"] for x in zf.read("findings.jsonl").decode().splitlines()}
    assert exported == set(zh) and manifest
    ftm = [json.loads(x) for x in client.get("/export", params={"fmt": "ftm", "lang": "zh"}).text.splitlines()]
    assert {e["schema"] for e in ftm} == {"Document", "Note"}
    assert len([e for e in ftm if e["schema"] == "Note"]) >= len(zh)


def test_each_facet_count_is_what_choosing_it_shows(client):
    fps = fingerprints(client.get("/").text)
    client.post("/bulk", data={"csrf": TOKEN, "decision": "confirmed", "fp": fps[:3]})
    client.post(f"/finding/{fps[0]}/review", data={"csrf": TOKEN, "decision": "duplicate"})
    checked = 0
    for base in ({}, {"flag": "1"}, {"q": "预警"}, {"lang": "zh", "status": "open"}):
        page = client.get("/", params=base).text
        for name in ("category", "kind", "status", "source_type", "domain", "lang"):
            block = re.search(rf'<select name="{name}">(.*?)</select>', page, re.S).group(1)
            for value, n in re.findall(r'<option value="([^"]+)"[^>]*>[^<]*\((\d+)\)</option>', block):
                value = value.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"')
                shown = total(client.get("/", params={**base, name: value}).text)
                assert shown == int(n), (base, name, value)
                checked += 1
    assert checked > 20
