"""Office text that used to be lost (issue 12, "nothing lost, nothing silent"): DOCX tracked
changes, content controls, text boxes, notes, comments, headers and footers with their part in
the locator; text nodes over libxml2's 10 MB; the scan's limits reaching the Office container
check; the XLSX shared-strings table bounded by a limit that keeps what it found."""
from __future__ import annotations

import ast
import io
import zipfile
from pathlib import Path

import pytest

from formats_helpers import Collect, make_zip, problems, scan_bytes, units
from office_package import office_members
from profilewatch.detect.engine import Detector
from profilewatch.detect.rules import load_rules
from profilewatch.options import Limits
from profilewatch.records import FLAG_KINDS

CLAIM = "The camera estimates each visitor's ethnicity from the face."
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS = (f'xmlns:w="{_W}" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
       'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
       'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
       'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
       'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
       'xmlns:v="urn:schemas-microsoft-com:vml"')
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_MAIN_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(load_rules())


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def _box(inner: str) -> str:
    """A run holding a text box twice, as Word writes it: DrawingML (mc:Choice) and VML (mc:Fallback)."""
    return ('<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic><a:graphicData>'
            f'<wps:wsp><wps:txbx><w:txbxContent>{inner}</w:txbxContent></wps:txbx></wps:wsp>'
            '</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape>'
            f'<v:textbox><w:txbxContent>{inner}</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>'
            '</mc:AlternateContent></w:r>')


def docx_package(body: str, parts: dict[str, tuple[str, str]] | None = None, sect: str = "") -> bytes:
    """A DOCX whose ``word/document.xml`` body is ``body``; ``parts`` = {name: (relationship type, xml)}."""
    parts = parts or {}
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}{kind}" Target="{name.split("/", 1)[1]}"/>'
                   for i, (name, (kind, _)) in enumerate(parts.items(), 10))
    members = {
        "[Content_Types].xml": ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                                '<Default Extension="xml" ContentType="application/xml"/>'
                                f'<Override PartName="/word/document.xml" ContentType="{_MAIN_CT}"/></Types>').encode(),
        "_rels/.rels": ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                        f'<Relationship Id="rId1" Type="{_REL}officeDocument" Target="word/document.xml"/>'
                        '</Relationships>').encode(),
        "word/_rels/document.xml.rels": ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                                         f'relationships">{rels}</Relationships>').encode(),
        "word/document.xml": f"<w:document {_NS}><w:body>{body}{sect}</w:body></w:document>".encode(),
    }
    members.update({name: xml.encode() for name, (_, xml) in parts.items()})
    return make_zip(members)


def _tracked_and_boxed() -> bytes:
    body = (
        "<w:p><w:r><w:t xml:space=\"preserve\">Kept </w:t></w:r><w:ins w:id=\"1\" w:author=\"A\"><w:r><w:t>inserted"
        "</w:t></w:r></w:ins><w:del w:id=\"2\" w:author=\"A\"><w:r><w:delText>deleted</w:delText></w:r></w:del></w:p>"
        "<w:sdt><w:sdtPr><w:alias w:val=\"c\"/></w:sdtPr><w:sdtContent>" + _p("In a content control")
        + "</w:sdtContent></w:sdt>"
        "<w:p><w:sdt><w:sdtContent><w:r><w:t>inline control</w:t></w:r></w:sdtContent></w:sdt>"
        "<w:smartTag><w:r><w:t> tagged</w:t></w:r></w:smartTag></w:p>"
        "<w:p><w:r><w:t>Anchor</w:t></w:r>" + _box(_p("Box text") + _p("Box line two")) + "</w:p>"
        "<w:p><w:r><w:pict><v:shape><v:textbox><w:txbxContent>" + _p("Old VML box")
        + "</w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>"
        "<w:tbl><w:sdt><w:sdtContent><w:tr><w:sdt><w:sdtContent><w:tc>" + _p("cell in control")
        + "</w:tc></w:sdtContent></w:sdt><w:tc><w:p><w:del w:id=\"3\" w:author=\"A\"><w:r><w:delText>gone"
        "</w:delText></w:r></w:del><w:ins w:id=\"4\" w:author=\"A\"><w:r><w:t>new</w:t></w:r></w:ins></w:p></w:tc>"
        "</w:tr></w:sdtContent></w:sdt></w:tbl>"
        + _p("last")
    )
    sect = ('<w:sectPr><w:headerReference w:type="default" r:id="rId10"/><w:headerReference w:type="first" '
            'r:id="rId11"/><w:footerReference w:type="default" r:id="rId12"/></w:sectPr>')
    notes = ('<w:{k}s ' + _NS + '><w:{k} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{k}>'
             '<w:{k} w:id="1">' + _p("{k} one") + _p("{k} one, second paragraph") + '</w:{k}>'
             '<w:{k} w:id="2">' + _p("{k} two") + '</w:{k}></w:{k}s>')
    parts = {
        "word/header1.xml": ("header", f"<w:hdr {_NS}>" + _p("Default header") + "</w:hdr>"),
        "word/header2.xml": ("header", f"<w:hdr {_NS}>" + _p("First page header") + _box(_p("boxed")) + "</w:hdr>"),
        "word/footer1.xml": ("footer", f"<w:ftr {_NS}>" + _p("Footer") + "</w:ftr>"),
        "word/footer9.xml": ("footer", f"<w:ftr {_NS}>" + _p("Footer no section uses") + "</w:ftr>"),
        "word/footnotes.xml": ("footnotes", notes.format(k="footnote")),
        "word/endnotes.xml": ("endnotes", notes.format(k="endnote")),
        "word/comments.xml": ("comments", f'<w:comments {_NS}><w:comment w:id="0" w:author="Reviewer" w:date="2024-01-01'
                              'T00:00:00Z" w:initials="R">' + _p("A comment") + '</w:comment></w:comments>'),
    }
    return docx_package(body, parts, sect)


def test_docx_reads_revisions_controls_text_boxes_notes_comments_headers_and_footers():
    records, collect = scan_bytes("t.docx", _tracked_and_boxed())
    assert units(records, "scanned") == [("t.docx", None)]
    got = [(s.text, s.where) for s in collect.segments[("t.docx", None)]]
    assert got == [
        ("Kept inserted", {"paragraph": 1}),
        ("Kept deleted", {"paragraph": 1, "revision": "deleted"}),
        ("In a content control", {"paragraph": 2}),
        ("inline control tagged", {"paragraph": 3}),
        ("Box text", {"textbox": 1, "paragraph": 1}),  # the DrawingML branch only: not the VML copy too
        ("Box line two", {"textbox": 1, "paragraph": 2}),
        ("Anchor", {"paragraph": 4}),
        ("Old VML box", {"textbox": 2, "paragraph": 1}),
        ("cell in control | new", {"table": 1, "row": 1, "cell_starts": [0, 18]}),
        ("cell in control | gone", {"table": 1, "row": 1, "revision": "deleted", "cell_starts": [0, 18]}),
        ("last", {"paragraph": 6}),
        ("Default header", {"header": 1, "part": "word/header1.xml", "paragraph": 1}),
        ("First page header", {"header": 1, "part": "word/header2.xml", "paragraph": 1}),
        ("boxed", {"header": 1, "part": "word/header2.xml", "textbox": 3, "paragraph": 1}),
        ("Footer", {"footer": 1, "part": "word/footer1.xml", "paragraph": 1}),
        ("Footer no section uses", {"part": "word/footer9.xml", "paragraph": 1}),
        ("footnote one", {"part": "word/footnotes.xml", "footnote": 1, "paragraph": 1}),
        ("footnote one, second paragraph", {"part": "word/footnotes.xml", "footnote": 1, "paragraph": 2}),
        ("footnote two", {"part": "word/footnotes.xml", "footnote": 2, "paragraph": 1}),
        ("endnote one", {"part": "word/endnotes.xml", "endnote": 1, "paragraph": 1}),
        ("endnote one, second paragraph", {"part": "word/endnotes.xml", "endnote": 1, "paragraph": 2}),
        ("endnote two", {"part": "word/endnotes.xml", "endnote": 2, "paragraph": 1}),
        ("A comment", {"part": "word/comments.xml", "comment": 0, "author": "Reviewer", "paragraph": 1}),
    ]


@pytest.mark.parametrize("where", ["footnote", "comment", "textbox", "deleted", "header"])
def test_a_claim_in_each_newly_read_place_is_found(detector, where):
    if where == "deleted":
        body = f"<w:p><w:r><w:t>Plain text. </w:t></w:r><w:del w:id=\"1\"><w:r><w:delText>{CLAIM}</w:delText></w:r></w:del></w:p>"
        data = docx_package(body)
    elif where == "textbox":
        data = docx_package("<w:p>" + _box(_p(CLAIM)) + "</w:p>")
    elif where == "header":
        sect = '<w:sectPr><w:headerReference w:type="even" r:id="rId10"/></w:sectPr>'
        data = docx_package(_p("Body."), {"word/header3.xml": ("header", f"<w:hdr {_NS}>{_p(CLAIM)}</w:hdr>")}, sect)
    else:
        root = "w:footnotes" if where == "footnote" else "w:comments"
        data = docx_package(_p("Body."), {f"word/{where}s.xml": (f"{where}s", f'<{root} {_NS}><w:{where} w:id="3">'
                                                                   f'{_p(CLAIM)}</w:{where}></{root}>')})
    records, _ = scan_bytes("c.docx", data, detector=detector)
    findings = [r for r in records if r["type"] == "finding" and r["kind"] == "capability_claim"]
    assert len(findings) == 1, records
    where_ = findings[0]["evidence"]["where"]
    expected = {"deleted": {"paragraph": 1, "revision": "deleted"},
                "textbox": {"textbox": 1, "paragraph": 1},
                "header": {"header": 1, "part": "word/header3.xml", "paragraph": 1},
                "footnote": {"part": "word/footnotes.xml", "footnote": 3, "paragraph": 1},
                "comment": {"part": "word/comments.xml", "comment": 3, "paragraph": 1}}[where]
    assert where_ == expected


# -- text nodes over libxml2's 10 MB -----------------------------------------------------------

def _filler(mb: int = 11) -> str:
    """Over ``mb`` MB of text that compresses below max_ratio."""
    return "".join(f"Log entry {i}: lenses cleaned. " for i in range((mb << 20) // 28))


def _giant_text(kind: str, mb: int = 11) -> bytes:
    filler = _filler(mb)
    if kind == "docx":
        return docx_package(f"{_p('Before.')}<w:p><w:r><w:t>{filler}{CLAIM}</w:t></w:r></w:p>{_p('After.')}")
    if kind == "xlsx":
        return make_zip(office_members("xlsx", [f'<row r="1"><c r="A1" t="inlineStr"><is><t>{filler}{CLAIM}</t></is></c></row>',
                                                 '<row r="2"><c r="A2" t="inlineStr"><is><t>After.</t></is></c></row>']))
    if kind == "odt":
        return make_zip(office_members("odt", [f"<text:p>{t}</text:p>" for t in ("Before.", filler + CLAIM, "After.")]))
    shape = '<p:sp><p:txBody><a:p><a:r><a:t>{}</a:t></a:r></a:p></p:txBody></p:sp>'
    return make_zip(office_members("pptx", [shape.format("Before."), shape.format(filler + CLAIM), shape.format("After.")]))


@pytest.mark.parametrize("kind", ["docx", "xlsx", "pptx", "odt"])
def test_a_text_node_over_10_mb_is_read_not_corrupt(detector, kind):
    records, _ = scan_bytes(f"giant.{kind}", _giant_text(kind), detector=detector)
    assert problems(records) == []
    assert [r["outcome"] for r in records if r["type"] == "unit"] == ["scanned"]
    findings = [r for r in records if r["type"] == "finding" and r["kind"] in FLAG_KINDS]
    assert len(findings) == 1


def test_a_giant_text_node_comes_in_windows_and_nothing_else_is_lost():
    _, collect = scan_bytes("giant.docx", _giant_text("docx"))
    segments = collect.segments[("giant.docx", None)]
    assert segments[0].text == "Before." and segments[-1].text == "After."
    spilled = segments[1:-1]
    assert len(spilled) >= 3 and all(len(s.text) <= 4 << 20 for s in spilled)
    assert [s.where for s in spilled] == [{"part": "word/document.xml", "text_node": 1, "window": i}
                                          for i in range(1, len(spilled) + 1)]
    assert "".join(s.text for s in spilled) == _filler() + CLAIM
    assert [s.where for s in (segments[0], segments[-1])] == [{"paragraph": 1}, {"paragraph": 3}]


def test_entities_stay_refused_when_a_giant_text_node_is_streamed():
    data = _giant_text("xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        raw = {n: zf.read(n) for n in zf.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    raw[sheet] = raw[sheet].replace(b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY a "aaaa">]><worksheet', 1)
    records, _ = scan_bytes("e.xlsx", make_zip(raw))
    assert [(p["type"], p["reason"]) for p in problems(records)] == [("error", "corrupt")]
    assert "EntitiesForbidden" in problems(records)[0]["message"]


def test_the_streaming_parse_refuses_one_markup_token_over_10_mb():
    attribute = "x" * 11_000_000
    data = docx_package(f"<w:p><w:r><w:t>{_filler()}</w:t></w:r></w:p><w:p w:rsidR=\"{attribute}\"/>")
    records, _ = scan_bytes("token.docx", data)
    assert [(p["reason"], "one markup token" in p["message"]) for p in problems(records)] == [("corrupt", True)]


# -- the scan's limits reach the Office container check ------------------------------------------

@pytest.mark.parametrize("kind", ["docx", "xlsx", "pptx", "odt"])
def test_office_container_check_uses_the_scan_limits(kind):
    rows = {"docx": [_p("x" * 2000)], "odt": ["<text:p>" + "x" * 2000 + "</text:p>"],
            "xlsx": ['<row r="1"><c r="A1" t="inlineStr"><is><t>' + "x" * 2000 + "</t></is></c></row>"],
            "pptx": ['<p:sp><p:txBody><a:p><a:r><a:t>' + "x" * 2000 + "</a:t></a:r></a:p></p:txBody></p:sp>"]}[kind]
    data = make_zip(office_members(kind, rows), zipfile.ZIP_STORED)
    records, _ = scan_bytes(f"small.{kind}", data, limits=Limits(max_member_bytes=1000))
    assert [(p["reason"], p["limit"]) for p in problems(records)] == [("limit_exceeded", "max_member_bytes")]
    records, _ = scan_bytes(f"small.{kind}", data)
    assert problems(records) == []


# -- XLSX without openpyxl's private API; shared strings bounded -----------------------------------

def test_sheetml_uses_no_private_openpyxl_api():
    source = (Path(__file__).parents[1] / "profilewatch/extract/sheetml.py").read_text()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            names = [a.name for a in node.names] if isinstance(node, ast.ImportFrom) else []
            for module in modules:
                if module.startswith("openpyxl"):
                    assert not any(p.startswith("_") for p in module.split(".")), module
                    assert not any(n.startswith("_") for n in names), names
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            assert isinstance(node.value, ast.Name) and node.value.id == "self", ast.unparse(node)


def _shared_xlsx(strings: list[str], refs: list[int]) -> bytes:
    rows = [f'<row r="{i}"><c r="A{i}" t="s"><v>{ref}</v></c><c r="B{i}"><v>{i}</v></c></row>'
            for i, ref in enumerate(refs, 1)]
    return make_zip(office_members("xlsx", rows, [f"<si><t>{s}</t></si>" for s in strings]))


def test_shared_strings_are_read_by_index():
    data = _shared_xlsx(["zero", "one", "two"], [2, 0, 1, 2])
    records, collect = scan_bytes("s.xlsx", data)
    assert problems(records) == []
    assert [s.text for s in collect.segments[("s.xlsx", None)]] == ["two | 1", "zero | 2", "one | 3", "two | 4"]


class Keep(Collect):
    """Collect, keeping the segments yielded before an exception (which still propagates)."""

    def detect(self, unit, segments, deadline=None, **_):
        got = self.segments[unit.key] = []
        for segment in segments:
            got.append(segment)
        return []


def test_shared_strings_past_the_limit_are_scanned_on_their_own_and_the_limit_is_named(detector):
    strings = [f"inventory item {i}" for i in range(200)] + [CLAIM]
    data = _shared_xlsx(strings, [0, 1, 200])
    records, collect = scan_bytes("s.xlsx", data, limits=Limits(max_shared_strings=2000), detector=Keep())
    segments = [(s.text, s.where) for s in collect.segments[("s.xlsx", None)]]
    own = [(t, w) for t, w in segments if w.get("part") == "xl/sharedStrings.xml"]
    assert own and own[-1][1]["strings"][1] == 200 and CLAIM in own[-1][0]  # not kept for its cell, still read
    assert ("inventory item 0 | 1", {"sheet": "S", "cell": "A1", "row": 1, "cells": ["A1", "B1"],
                                     "sheet_state": "visible", "cell_starts": [0, 19]}) in segments
    assert ("3", {"sheet": "S", "cell": "B3", "row": 3, "cells": ["B3"], "sheet_state": "visible",
                  "cell_starts": [0]}) in segments
    assert [(p["reason"], p["limit"]) for p in problems(records)] == [("limit_exceeded", "max_shared_strings")]
    records, _ = scan_bytes("s.xlsx", data, limits=Limits(max_shared_strings=2000), detector=detector)
    findings = [r for r in records if r["type"] == "finding" and r["kind"] in FLAG_KINDS]
    assert len(findings) == 1 and findings[0]["partial"] is True
    assert findings[0]["evidence"]["where"]["part"] == "xl/sharedStrings.xml"
    assert [(p["reason"], p["limit"]) for p in problems(records)] == [("limit_exceeded", "max_shared_strings")]
    assert [r["outcome"] for r in records if r["type"] == "unit"] == ["partial"]


def test_a_workbook_with_a_chartsheet_is_read():
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = CLAIM
    book.create_chartsheet("Chart")
    book.create_sheet("After")["B2"] = "after the chart"
    buf = io.BytesIO()
    book.save(buf)
    records, collect = scan_bytes("c.xlsx", buf.getvalue())  # openpyxl's reader failed on the chartsheet: corrupt
    assert problems(records) == []
    assert [(s.text, s.where["sheet"]) for s in collect.segments[("c.xlsx", None)]] == [
        (CLAIM, "Sheet"), ("after the chart", "After")]


def test_a_dtd_is_refused_by_the_streaming_parse_before_any_entity_is_expanded():
    laughs = ('<!DOCTYPE w:document [<!ENTITY a "ethnicity ethnicity"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
              '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>')
    data = docx_package(f"<w:p><w:r><w:t>&c;{_filler()}</w:t></w:r></w:p>")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        raw = {n: zf.read(n) for n in zf.namelist()}
    raw["word/document.xml"] = laughs.encode() + raw["word/document.xml"]
    records, collect = scan_bytes("laughs.docx", make_zip(raw))
    assert [(p["reason"], "declares a DTD" in p["message"]) for p in problems(records)] == [("corrupt", True)]


# -- a damaged part ends only that part (issue 12) -----------------------------------------------

UYGHUR = "The camera recognises Uyghur faces."
_PML = ('xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
_PKG_RELS = '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>'


def _slide(inner: str) -> str:
    return f"<p:sld {_PML}><p:cSld><p:spTree>{inner}</p:spTree></p:cSld></p:sld>"


def _shape(text: str) -> str:
    return f"<p:sp><p:txBody><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp>"


def _deck(*slides: str) -> bytes:
    """A PPTX whose slides are the given ``p:sld`` parts, in order."""
    ids = "".join(f'<p:sldId id="{256 + i}" r:id="rId{i}"/>' for i in range(1, len(slides) + 1))
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}slide" Target="slides/slide{i}.xml"/>'
                   for i in range(1, len(slides) + 1))
    members = {"[Content_Types].xml": b"<Types/>",
               "ppt/presentation.xml": f"<p:presentation {_PML}><p:sldIdLst>{ids}</p:sldIdLst></p:presentation>".encode(),
               "ppt/_rels/presentation.xml.rels": _PKG_RELS.format(rels).encode()}
    members.update({f"ppt/slides/slide{i}.xml": s.encode() for i, s in enumerate(slides, 1)})
    return make_zip(members)


def _book(*sheets: str) -> bytes:
    """An XLSX whose sheets hold the given ``<row>`` XML, in order."""
    members = office_members("xlsx", [])
    names = "".join(f'<sheet name="S{i}" sheetId="{i}" r:id="rId{i}"/>' for i in range(1, len(sheets) + 1))
    members["xl/workbook.xml"] = (f'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                                  f'xmlns:r="{_REL[:-1]}"><sheets>{names}</sheets></workbook>').encode()
    members["xl/_rels/workbook.xml.rels"] = _PKG_RELS.format("".join(
        f'<Relationship Id="rId{i}" Type="{_REL}worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1))).encode()
    for i, rows in enumerate(sheets, 1):
        members[f"xl/worksheets/sheet{i}.xml"] = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                                                  f'2006/main"><sheetData>{rows}</sheetData></worksheet>').encode()
    return make_zip(members)


def _cell_row(n: int, text: str) -> str:
    return f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{text}</t></is></c></row>'


_GARBLED = "<w:p><w:r><w:t>garbled</w:r></w:p>"  # the end tags do not match


def _damaged(kind: str) -> tuple[str, bytes, str, list]:
    """(name, package, the damaged part, the segments' ``where`` expected) of a package with a claim
    read before a damaged part and text after it."""
    if kind == "docx":
        notes = f'<w:footnotes {_NS}><w:footnote w:id="1">{_p("Note before the damage.")}{_GARBLED}'
        data = docx_package(_p(UYGHUR), {"word/footnotes.xml": ("footnotes", notes),
                                         "word/comments.xml": ("comments", f'<w:comments {_NS}><w:comment w:id="0">'
                                                               f'{_p("After.")}</w:comment></w:comments>')})
        return "d.docx", data, "word/footnotes.xml", [
            {"paragraph": 1}, {"part": "word/footnotes.xml", "footnote": 1, "paragraph": 1},
            {"part": "word/comments.xml", "comment": 0, "paragraph": 1}]
    if kind == "pptx":
        data = _deck(_slide(_shape(UYGHUR)), _slide(_shape("Slide two, read before the damage") + "<p:sp><a:p>"),
                     _slide(_shape("Slide three")))
        return "d.pptx", data, "ppt/slides/slide2.xml", [{"slide": 1}, {"slide": 2}, {"slide": 3}]
    if kind == "xlsx":
        data = _book(_cell_row(1, UYGHUR), _cell_row(1, "Sheet two, row one") + "<row r=\"2\"><c r=\"A2\">",
                     _cell_row(1, "Sheet three"))
        return "d.xlsx", data, "xl/worksheets/sheet2.xml", [{"sheet": "S1"}, {"sheet": "S2"}, {"sheet": "S3"}]
    content = ('<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
               f'<text:p>{UYGHUR}</text:p><text:p>cut off')
    data = make_zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": content.encode(),
                     "styles.xml": b"<office:document-styles garbled"})
    return "d.odt", data, "content.xml", [{"paragraph": 1}, {"paragraph": 2}]  # the cut paragraph: read to the cut


@pytest.mark.parametrize("kind", ["docx", "pptx", "xlsx", "odt"])
def test_a_damaged_part_is_reported_and_the_other_parts_are_read(detector, kind):
    name, data, part, expected = _damaged(kind)
    records, collect = scan_bytes(name, data)
    assert units(records, "partial") == [(name, None)], records
    assert [(p["type"], p["reason"], part in p["message"]) for p in problems(records)] == [("error", "corrupt", True)]
    got = [s.where for s in collect.segments[(name, None)]]
    assert [{k: w[k] for k in e} for w, e in zip(got, expected)] == expected and len(got) == len(expected), got
    records, _ = scan_bytes(name, data, detector=detector)  # the claim read before the damage is kept, partial
    findings = [r for r in records if r["type"] == "finding" and r["flag"]]  # a claim in a row: "implementation"
    assert len(findings) == 1 and findings[0]["partial"] is True, records
    assert [(r["outcome"], r.get("partial")) for r in records if r["type"] == "unit"] == [("partial", True)]


def test_a_text_box_in_alternate_content_is_read_once_in_a_slide(detector):
    box = (f'<mc:AlternateContent><mc:Choice Requires="a14">{_shape(UYGHUR)}</mc:Choice>'
           f'<mc:Fallback>{_shape(UYGHUR)}</mc:Fallback></mc:AlternateContent>')
    data = _deck(_slide(_shape("Title") + box))
    records, collect = scan_bytes("alt.pptx", data)
    assert [s.text for s in collect.segments[("alt.pptx", None)]] == ["Title\n" + UYGHUR]
    records, _ = scan_bytes("alt.pptx", data, detector=detector)
    assert len([r for r in records if r["type"] == "finding" and r["kind"] == "capability_claim"]) == 1, records


def test_a_damaged_shared_strings_part_keeps_the_strings_before_the_damage():
    data = _shared_xlsx(["zero", "one", "two</t></x>"], [1, 2, 0])  # the third string is garbled
    records, collect = scan_bytes("s.xlsx", data)
    assert units(records, "partial") == [("s.xlsx", None)]
    assert [(p["reason"], "xl/sharedStrings.xml" in p["message"]) for p in problems(records)] == [("corrupt", True)]
    assert [s.text for s in collect.segments[("s.xlsx", None)]] == ["one | 1", "2", "zero | 3"]
