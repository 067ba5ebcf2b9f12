"""The WARC scan's fast path gives what the straightforward path gave.

* records serialise exactly as ``dataclasses.asdict`` serialised them (``records._record`` no
  longer deep-copies every leaf), on the tests' WARC fixtures and on a generated WARC;
* a generated WARC (gzip per record and plain; UTF-8 and GBK pages; Latin words that hold a
  term inside them, ``international``; a planted claim) gives the same records with the
  bytes-level gate on and off, a unit record with the payload's sha256 for every response and
  ``member`` = ``"<WARC-Target-URI> <WARC-Date>"``;
* a record block read straight from FastWARC's reader still counts against ``max_member_bytes``
  (the record is reported, the next record is read); a WARC file's ``max_total_bytes`` and
  ``max_members`` grow with its size (a bomb of tiny records stops), a WARC inside an archive
  counts against the archive's;
* the visible text of HTML with and without empty table cells is what it was.
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import asdict
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from profilewatch.detect.rules import load_rules
from profilewatch.extract import html
from profilewatch.options import Limits, ScanOptions
from profilewatch.pipeline import Pipeline
from profilewatch.records import Finding, Problem, UnitRecord

FIXTURES = sorted((Path(__file__).parent / "data").rglob("*.warc.gz"))
CLAIM = "该系统可自动识别维吾尔族人员并实时报警。"
RULES = load_rules([])


def _pages() -> list[tuple[str, str, bytes]]:
    """(uri, charset, body) of the generated WARC's responses."""
    out = []
    for i in range(40):
        zh = i % 2 == 0
        charset = "gbk" if i % 4 == 0 else "utf-8"
        text = (f"<html><head><title>产品 {i}</title></head><body><p>人脸识别摄像机，支持客流统计。</p>"
                f"<table><tr><td>型号</td><td></td><td></td><td>DS-{i}</td></tr></table>"
                if zh else
                f"<html><body><p data-note='international designation {i}'>Our international coordination "
                f"centre serves the whole nation.</p>")
        if i == 6:
            text += f"<p>{CLAIM}</p>"
        if i == 9:
            text += "<p>Each visitor's race is estimated by the camera and stored with the face.</p>"
        text += "</body></html>"
        body = text.encode("gb18030" if charset == "gbk" else "utf-8")
        out.append((f"https://vendor.example/{'zh' if zh else 'en'}/{i}.html", charset, body))
    return out


def _write(path: Path, gz: bool) -> Path:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        for i, (uri, charset, body) in enumerate(_pages()):
            date = f"2024-02-{i % 28 + 1:02d}T10:00:00Z"
            req = StatusAndHeaders("GET / HTTP/1.1", [("Host", "vendor.example")], is_http_request=True)
            writer.write_record(writer.create_warc_record(uri, "request", http_headers=req,
                                                          warc_headers_dict={"WARC-Date": date}))
            http = StatusAndHeaders("200 OK", [("Content-Type", f"text/html; charset={charset}")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(body), length=len(body),
                                                          http_headers=http, warc_headers_dict={"WARC-Date": date}))
    return path


def _scan(path: Path, gate: bool = True, **options) -> list:
    pipeline = Pipeline(RULES, ScanOptions(**options))
    if not gate:
        pipeline.detector.bytegate = None
    return list(pipeline.run([str(path)]))


def _asdict_form(record) -> dict:
    """What ``to_dict`` returned when it was built on ``dataclasses.asdict``."""
    optional = {Finding: ("provenance", "review", "gloss", "score", "partial", "text_source"),
                Problem: ("limit",),
                UnitRecord: ("provenance", "decode_errors", "partial", "text_layer", "ocr")}[type(record)]
    kind = {Finding: "finding", Problem: None, UnitRecord: "unit"}[type(record)]
    d = {"type": kind} if kind else {}
    d.update(asdict(record))
    return {k: v for k, v in d.items() if not (k in optional and v is None)}


@pytest.fixture(params=[True, False], ids=["gzip-per-record", "plain"])
def generated(request, tmp_path) -> Path:
    return _write(tmp_path / ("crawl.warc.gz" if request.param else "crawl.warc"), request.param)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_fixture_records_serialise_as_asdict_did(path):
    records = _scan(path)
    assert any(isinstance(r, Finding) for r in records)
    for record in records:
        d = record.to_dict()
        assert d == _asdict_form(record)
        assert list(d) == list(_asdict_form(record))  # same key order: the JSONL bytes are unchanged


def test_serialised_records_are_copies(generated):
    finding = next(r for r in _scan(generated) if isinstance(r, Finding))
    d = finding.to_dict()
    d["evidence"]["text"] = "changed"
    d["provenance"]["target_uri"] = "changed"
    d["terms"].append("changed")
    assert finding.evidence["text"] != "changed" and finding.provenance["target_uri"] != "changed"
    assert "changed" not in finding.terms


def test_generated_warc_same_records_with_the_byte_gate_on_and_off(generated):
    on = [r.to_dict() for r in _scan(generated)]
    off = [r.to_dict() for r in _scan(generated, gate=False)]
    assert on == off
    assert on == [_asdict_form(r) for r in _scan(generated)]
    pages = _pages()
    units = {d["member"]: d for d in on if d["type"] == "unit" and d["member"]}
    for i, (uri, _, body) in enumerate(pages):
        member = f"{uri} 2024-02-{i % 28 + 1:02d}T10:00:00Z"
        assert units[member]["outcome"] == "scanned"
        assert units[member]["sha256"] == hashlib.sha256(body).hexdigest()
        assert units[member]["provenance"]["target_uri"] == uri
    assert sum(1 for d in on if d["type"] == "skipped" and d["reason"] == "warc_request_record") == len(pages)
    flagged = {d["member"].split(" ")[0] for d in on if d["type"] == "finding" and d["flag"]}
    assert flagged == {pages[6][0], pages[9][0]}


def test_a_record_over_max_member_bytes_is_reported_and_the_next_is_read(generated):
    big = max(len(body) for _, _, body in _pages())
    limits = Limits(max_member_bytes=big - 40)
    records = [r.to_dict() for r in _scan(generated, limits=limits)]
    hit = [d for d in records if d["type"] == "error" and d.get("limit") == "max_member_bytes"]
    assert hit and all(d["reason"] == "limit_exceeded" and d["member"] for d in hit)
    scanned = [d for d in records if d["type"] == "unit" and d["outcome"] == "scanned"]
    assert len(scanned) + len(hit) == len(_pages())


def test_a_warc_files_caps_grow_with_its_size():
    """A crawl's own caps: max_ratio times its size unpacked, a member per KB (a 1 GB Common
    Crawl file holds ~150,000 records: the default 100,000 stopped -j1 part way)."""
    from profilewatch.sources.unpack import Budget, LimitExceeded

    limits = Limits()
    crawl = Budget().scaled_to(1 << 30, limits)
    for _ in range(150_000):
        crawl.count_member(limits)
    crawl.spend(5 << 30, limits)  # a 1 GB crawl inflating to 5 GB is read whole
    small = Budget().scaled_to(1 << 20, limits)  # a 1 MB file keeps the default caps
    with pytest.raises(LimitExceeded) as hit:
        small.spend(limits.max_total_bytes + 1, limits)
    assert hit.value.limit == "max_total_bytes" and not crawl.exhausted and small.exhausted


def test_a_bomb_of_tiny_records_stops_at_a_member_per_kb_of_the_file(tmp_path):
    """One gzip stream of 30,000 tiny responses: a few hundred KB on disk, so a few hundred
    members; the records before the cap are scanned, then the file stops with the limit named."""
    import gzip

    record = (b"WARC/1.0\r\nWARC-Type: resource\r\nWARC-Target-URI: urn:x:%d\r\nWARC-Date: 2024-01-01T00:00:00Z\r\n"
              b"Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nok\r\n\r\n")
    bomb = tmp_path / "bomb.warc.gz"
    bomb.write_bytes(gzip.compress(b"".join(record % i for i in range(30_000)), 9))
    records = [r.to_dict() for r in _scan(bomb, limits=Limits(max_members=10))]
    cap = max(10, bomb.stat().st_size // 1024)
    hit = [d for d in records if d["type"] == "error" and d.get("limit") == "max_members"]
    units = [d for d in records if d["type"] == "unit" and d["member"]]
    assert len(hit) == 1 and f"max_members={cap}" in hit[0]["message"] and len(units) == cap < 30_000


def test_a_warc_inside_an_archive_counts_against_the_archives_total(generated, tmp_path):
    import zipfile

    bundle = tmp_path / "crawls.zip"
    with zipfile.ZipFile(bundle, "w") as z:
        z.write(generated, generated.name)
    sizes = [len(body) for _, _, body in _pages()]
    limits = Limits(max_total_bytes=generated.stat().st_size + sum(sizes[:10]) + 500)  # the WARC member, then ~10 pages
    records = [r.to_dict() for r in _scan(bundle, limits=limits)]
    hit = [d for d in records if d["type"] == "error" and d.get("limit") == "max_total_bytes"]
    assert len(hit) == 1
    scanned = [d for d in records if d["type"] == "unit" and d["outcome"] == "scanned"]
    assert 5 <= len(scanned) < 10


def _first_cell(node) -> bool:
    prev = node.prev
    while prev is not None and prev.tag not in html._CELL:
        prev = prev.prev
    return prev is None


@pytest.mark.parametrize("body", [
    "<table><tr><td>a</td><td></td><td></td><td>b</td></tr></table>",
    "<table><tr><td>a<table><tr><td>x</td><td>y</td></tr></table></td><th>b</th><td></td></tr><tr><td>c</td></tr></table>",
    "<tr><td>1</td><td>2</td></tr><td>3</td><td>4</td><ul><li>a<li>b</ul><table><caption>c</caption><tr><th>h</th></tr></table>",
    "<p>tabs\tand\r\nreturns \t \u00a0 nbsp\u00a0\u00a0runs      of spaces\f\v</p>\n\n   \n<div>  x  </div>",
    "<table><tr><td>a</td><td> </td><td>\u00a0</td><td>b</td></tr><tr><td></td><td></td></tr></table>",
    "<p>a || b | | c |  | d</p><table><tr><td>x</td><td>y</td></tr></table>",
    "<p>no cells at all</p>",
])
def test_visible_text_is_what_it_was(body):
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(f"<html><body>{body}</body></html>")
    parts = []
    for node in tree.body.traverse(include_text=True):  # the text before the cleanup, as visible_text builds it
        if node.tag == "-text":
            parts.append(node.text_content or "")
        elif node.tag in html._CELL:
            parent = node.parent
            parts.append("\n\n" if parent is None or parent.tag != "tr" or _first_cell(node) else " | ")
        elif node.tag in html._BLOCK:
            parts.append("\n\n")
    text = html._BLANKS.sub("\n\n", html._SPACES.sub(" ", "".join(parts)))
    assert html.visible_text(tree.body) == html._EMPTY_CELLS.sub(" | ", text).strip()


@given(st.text(alphabet=" \t\r\f\v\u00a0\n\u3000a|维", max_size=60))
def test_collapse_spaces_is_the_spaces_regex(text):
    assert html._collapse_spaces(text) == html._SPACES.sub(" ", text)


@given(st.text(alphabet=" \t\n\r\u3000\u00a0a维|", max_size=60))
def test_collapse_blanks_is_the_blanks_regex(text):
    assert html._collapse_blanks(text) == html._BLANKS.sub("\n\n", text)
    spaced = html._collapse_spaces(text)
    assert html._collapse_blanks(spaced) == html._BLANKS.sub("\n\n", spaced)


def _old_attribute_and_comment_segments(source: str) -> list[tuple]:
    """The attribute and comment segments as extract_text read them before (two walks)."""
    from selectolax.lexbor import LexborHTMLParser

    tree, out = LexborHTMLParser(source), []
    for node in tree.css("*"):
        for name, value in node.attributes.items():
            if value and len(value.strip()) >= 2 and (name in html._TEXT_ATTRIBUTES or name.startswith("data-")):
                out.append((value, "prose" if name in html._TEXT_ATTRIBUTES else "data", {"element": node.tag, "attribute": name}))
    for node in tree.root.traverse(include_text=False):
        if node.tag == "-comment" and len((node.comment_content or "").strip()) > 1:
            out.append((node.comment_content, "prose", {"element": "comment"}))
    return out


@pytest.mark.parametrize("source", [
    '<!-- top --><html title="ht"><head><!--hc--><meta content="mc"></head><body data-a="bb"><template><p title="tp">x'
    '</p><!--tc--></template><svg><title>st</title><rect data-r="rr"/></svg><![CDATA[cd]]><?pi stuff?></body></html><!-- end -->',
    '<frameset><frame title="ff"></frameset>', '<math><mi alt="mm">x</mi></math><noscript><img alt="ns"></noscript>',
    "<p title=a data-x='  '>", "",
])
def test_attribute_and_comment_segments_are_what_they_were(source):
    segments = [(s.text, s.context, s.where) for s in html.extract_text(source)
                if s.where.get("attribute") or s.where.get("element") == "comment"]
    assert segments == _old_attribute_and_comment_segments(source)
