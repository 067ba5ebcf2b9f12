"""HTML report: structure, content, escaping, CSP and path hygiene (no browser needed)."""
from __future__ import annotations

import base64
import hashlib
import re

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from report_samples import HEADER, RLO, hostile_records, normal_records, render


def _csp(doc: HTMLParser) -> dict[str, str]:
    meta = doc.css_first('meta[http-equiv="Content-Security-Policy"]')
    assert meta is not None
    return {d.split()[0]: d.split(None, 1)[1] if " " in d.strip() else "" for d in
            (x.strip() for x in meta.attributes["content"].split(";")) if d}


def _squash(text: str) -> str:
    return " ".join(text.split())


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_csp_is_strict_and_hashes_match_inline_style_and_script():
    html = render("html", normal_records())
    doc = HTMLParser(html)
    head_children = [n.tag for n in doc.head.iter()][:2]
    assert head_children == ["meta", "meta"]  # charset, then CSP before any style or script
    csp = _csp(doc)
    assert csp["default-src"] == "'none'"
    assert csp["img-src"] == "data:"  # only inline images (OCR crops); never a network address
    for directive in ("connect-src", "font-src", "object-src", "frame-src", "base-uri", "form-action"):
        assert csp[directive] == "'none'", directive
    scripts, styles = doc.css("script"), doc.css("style")
    assert len(scripts) == 1 and len(styles) == 1
    assert csp["script-src"] == _sha(scripts[0].text(deep=True))
    assert csp["style-src"] == _sha(styles[0].text(deep=True))
    assert "unsafe" not in html.split("</head>")[0]


def test_self_contained_no_network_references():
    html = render("html", normal_records())
    doc = HTMLParser(html)
    assert not doc.css("link, img, iframe, object, embed, base, source, video, audio, form")
    for node in doc.css("[src], [href], [action], [srcset], [style]"):
        assert "src" not in node.attributes and "style" not in node.attributes
        assert node.attributes.get("href", "#").startswith("#"), node.attributes
    style = doc.css_first("style").text()
    assert "@media print" in style and "#filters { display: none !important; }" in style
    assert "url(" not in style and "@import" not in style and "@font-face" not in style
    assert not re.search(r"https?://", doc.css_first("script").text())


def test_summary_counts_matrix_and_top_sources():
    doc = HTMLParser(render("html", normal_records()))
    cards = [c.text(separator=" ", strip=True) for c in doc.css(".card")]
    assert cards[0].startswith("7 units scanned of 9")
    assert cards[1].startswith("4 flag findings (5 findings in all)")
    assert cards[2].startswith("4 sources with flag findings")
    assert cards[3].startswith("1 / 1 units failed / skipped")
    rows = {r.css_first("th").text(strip=True): [td.text(strip=True) for td in r.css("td")]
            for r in doc.css("table.matrix tbody tr")}
    heads = [th.text(strip=True) for th in doc.css("table.matrix thead th")]
    assert heads == ["category", "capability claim", "implementation", "targeting rule", "total"]
    assert rows["ethnicity"] == ["1", "2", "1", "4"]  # the tender finding has categories skin_color + ethnicity
    assert rows["skin colour"] == ["0", "0", "1", "1"]
    assert doc.css_first("p.context").text() == "Context findings (not flagged): disclaimer 1"
    top = [a.text(strip=True) for a in doc.css("#summary a")]
    assert set(top) == {"html/datasheet.html", "archives/sdk.zip", "pdf/tender.pdf", "bin/firmware.bin"}
    assert "warc/site.warc.gz" not in top  # only clean findings there


def test_findings_grouped_by_source_with_locators_and_highlights():
    doc = HTMLParser(render("html", normal_records()))
    sections = {s.css_first("h3 .path").text(strip=True): s for s in doc.css("#findings section.source")}
    assert set(sections) == {"html/datasheet.html", "archives/sdk.zip", "pdf/tender.pdf", "bin/firmware.bin",
                             "warc/site.warc.gz"}
    art = sections["html/datasheet.html"].css_first("article.finding")
    assert art.attributes["data-kind"] == "capability_claim"
    assert art.attributes["data-categories"] == "ethnicity"
    assert art.attributes["data-confidence"] == "0.92" and art.attributes["data-flag"] == "1"
    assert "lvl-error" in art.attributes["class"]
    assert [m.text() for m in art.css(".snippet mark")] == ["维族", "汉族"]
    loc = art.css_first(".loc").text(separator=" ", strip=True)
    assert "line 12" in loc and "column 5" in loc
    meta = dict(zip((d.text() for d in art.css("dt")), (d.text() for d in art.css("dd"))))
    assert meta["sha256"] == "a" * 64 and meta["rule"] == "ethnicity/capability_claim"
    assert meta["fingerprint"] == "f" * 32
    assert "capability cue 识别" in art.css_first(".why").text()
    assert "confidence 0.92" in art.text()

    sdk = sections["archives/sdk.zip"].css_first("article")
    assert [p.text() for p in sdk.css(".loc .path")] == ["lib/tools.tar.gz", "include/face.h"]
    assert "lvl-warning" in sdk.attributes["class"]
    assert [m.text() for m in sdk.css(".snippet mark")] == ["NATION_UYGUR"]
    assert "page 3" in _squash(sections["pdf/tender.pdf"].css_first(".loc").text(separator=" "))
    assert "byte 4096" in _squash(sections["bin/firmware.bin"].css_first(".loc").text(separator=" "))
    warc = sections["warc/site.warc.gz"].css_first("article")
    wloc = warc.css_first(".loc").text(separator=" ")
    assert "https://www.vendor.example/p/ai7.html" in wloc and "2019-04-08T10:00:00Z" in wloc
    assert warc.attributes["data-flag"] == "0" and "lvl-note" in warc.attributes["class"]
    wmeta = dict(zip((d.text() for d in warc.css("dt")), (d.text() for d in warc.css("dd"))))
    assert wmeta["record_id"] == "<urn:uuid:00000000-0000-0000-0000-000000000001>"
    assert wmeta["payload_digest"] == "sha1:ABC"


def test_timeline_problems_and_filters():
    doc = HTMLParser(render("html", normal_records()))
    tl = doc.css_first("#timeline section.source")
    assert tl.css_first("h3 .path").text() == "https://www.vendor.example/p/ai7.html"
    assert tl.css_first(".st-badge").text() == "replaced by disclaimer"
    assert "ethnicity: 维族, 民族" in tl.css_first(".loc").text() and "3 captures" in tl.css_first(".loc").text()
    assert [li.attributes["class"] for li in tl.css("ol.states li")] == ["st-present", "st-present", "st-disclaimer"]
    assert [s.text() for s in tl.css(".snippet")] == ["支持识别维族", "支持识别维族等民族"]
    rows = [[td.text(strip=True) for td in tr.css("td")] for tr in tl.css("tbody tr")]
    assert [r[0] for r in rows] == ["appeared", "changed", "removed", "replaced by disclaimer"]
    assert rows[0][:2] == ["appeared", "2019-04-08T10:00:00Z"] and rows[0][4].startswith("<urn:uuid:1>")
    assert rows[1][5] == "wording changed (1 new, 1 gone)"
    assert rows[2][1:4] == ["2020-06-01T00:00:00Z", "2020-03-01T00:00:00Z", "2020-06-01T00:00:00Z"]
    assert rows[3][5] == "disclaimer: 本产品不支持民族识别"
    assert "ffffffffffffffffffffffffffffffff, eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee" in tl.text()
    problems = [[_squash(td.text(separator=" ", strip=True)) for td in tr.css("td")] for tr in doc.css("#problems tbody tr")]
    assert problems[0] == ["error", "docx/broken.docx", "corrupt", "Bad zip file"]
    assert problems[1][:3] == ["skipped", "archives/bomb.zip › x/y.bin", "limit (limit max_member_bytes)"]
    options = [o.attributes["value"] for o in doc.css("#f-kind option")]
    assert options == ["", "capability_claim", "implementation", "targeting_rule", "disclaimer"]
    assert [o.attributes["value"] for o in doc.css("#f-category option")] == ["", "ethnicity", "skin_color"]
    assert "hidden" in doc.css_first("#filters").attributes  # shown by the script only


def test_placeholders_without_findings_or_timeline():
    doc = HTMLParser(render("html", [], summary=None))
    assert "No capture history in this report" in doc.css_first("#timeline").text()
    assert doc.css_first("#findings .placeholder").text() == "No findings."
    assert "Every unit was scanned." in doc.css_first("#problems").text()
    assert doc.css_first("#filters") is None


def test_paths_relative_by_default_absolute_on_request(tmp_path):
    html = render("html", normal_records() + [
        {"type": "error", "file": "/home/alice/cases/vendor-x/missing", "member": None, "reason": "not_found",
         "message": "no such file or folder: /home/alice/cases/vendor-x/missing"}])
    assert "/home/alice" not in html and "alice" not in html
    footer = HTMLParser(html).css_first("footer").text()
    assert "paths = vendor-x, corpus" in footer and "rules = rules" in footer
    assert "no such file or folder: missing" in html

    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "datasheet.html").write_text("x")
    head = dict(HEADER, arguments={"paths": [str(tmp_path)]})
    html = render("html", normal_records()[:1], header=head, show_paths="absolute")
    assert str(tmp_path / "html" / "datasheet.html") in html


def test_hostile_content_is_escaped_text():
    head, records, p = hostile_records()
    html = render("html", records, header=head)
    doc = HTMLParser(html)
    assert len(doc.css("script")) == 1 and len(doc.css("style")) == 1
    assert not doc.css("img, svg, iframe, object, textarea, link, base, meta[http-equiv=refresh]")
    assert not [n for n in doc.css("*") if any(a.lower().startswith("on") for a in n.attributes)]
    assert RLO not in html  # shown as a badge, never as a live override
    badges = [b.text() for b in doc.css(".hc")]
    assert "U+202E" in badges
    text = doc.body.text()
    for name in ("script", "img", "endscript", "textarea", "svg", "template", "jsurl"):
        assert p[name] in text, name  # visible, literally
    assert "49" not in text.replace(p["template"], "")
    assert "mixed scripts in match" in text and "mixed scripts in name" in text
    assert doc.css_first("title").text() == "profilewatch report — 2026-11-27T20:00:00+00:00"


def test_path_scrubbing_respects_name_boundaries():
    from profilewatch.report.common import PathPolicy

    policy = PathPolicy("relative", {"paths": ["/data/case"]})
    assert policy.scrub("cannot read /data/case/sub/f.pdf") == "cannot read sub/f.pdf"
    assert policy.scrub("see /data/case") == "see case"
    assert policy.scrub("other /data/cases/x") == "other /data/cases/x"
    assert policy.given("/data/case") == "case" and policy.given("rel/dir") == "rel/dir"
    assert policy.file("/data/case/x.txt") == "x.txt" and policy.file("a/b.txt") == "a/b.txt"


def test_timeline_comes_right_after_the_summary_and_fonts_cover_cjk():
    html = render("html", normal_records())
    doc = HTMLParser(html)
    order = [s.attributes["id"] for s in doc.css("main > section")]
    assert order == ["summary", "timeline", "findings", "problems"]
    style = doc.css_first("style").text()
    stack = re.search(r"html \{ font-family: ([^;]+);", style).group(1)
    for font in ("PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei"):
        assert f'"{font}"' in stack, font
    assert stack.rstrip().endswith("sans-serif")
    mono = re.search(r"\.snippet \{ font-family: ([^;]+);", style).group(1)
    assert "Noto Sans Mono CJK SC" in mono and "Microsoft YaHei" in mono
    note = doc.css_first("#cjk-note")
    assert note is not None and "hidden" in note.attributes and "fonts-noto-cjk" in note.text()
    assert doc.css_first("main > *").attributes.get("id") == "cjk-note"  # the first thing on the page
