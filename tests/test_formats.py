"""Document formats: PDF pages, Office locators, binary strings; end to end with the detector."""
from __future__ import annotations

import io
import random

import docx
import openpyxl
import pytest

import profilewatch
from formats_helpers import CORPUS, make_zip, needs_corpus, problems, scan_bytes, scan_paths, units
from profilewatch.extract.binary import strings_segments
from profilewatch.records import Finding

# -- PDF ----------------------------------------------------------------------------------------


@needs_corpus
def test_pdf_one_segment_per_page_with_cjk_intact():
    records, collect = scan_paths([CORPUS / "pdf/hs-ipc-ai7a2-datasheet.pdf"])
    assert units(records, "scanned") == [("hs-ipc-ai7a2-datasheet.pdf", None)]
    segments = collect.segments[("hs-ipc-ai7a2-datasheet.pdf", None)]
    meta, pages = segments[0], segments[1:]
    assert meta.page is None and meta.where == {"metadata": ["title", "subject"]}
    assert "HS-IPC-AI7A2-JR 产品彩页" in meta.text
    assert [s.page for s in pages] == [1, 2, 3, 4]
    assert all(s.context == "prose" for s in segments)
    assert [s.page for s in pages if "民族（如维吾尔族、汉族）" in s.text] == [3]


@needs_corpus
def test_pdf_inside_a_zip_and_traditional_chinese():
    records, collect = scan_paths([CORPUS / "pdf/hk-brochure-zh-hant.pdf", CORPUS / "archives/hs-faceattr-sdk-v5.5.2.zip"])
    brochure = collect.segments[("hk-brochure-zh-hant.pdf", None)]
    assert [s.page for s in brochure if "維吾爾族" in s.text] == [3]
    api = collect.segments[("hs-faceattr-sdk-v5.5.2.zip", "doc/HS_FaceAttr_API.pdf")]
    assert [s.page for s in api if "byNation" in s.text][0] == 3


# -- DOCX ---------------------------------------------------------------------------------------


def _docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("第一段：项目背景")
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).text, table.cell(0, 1).text, table.cell(0, 2).text = "序号", "参数", "要求"
    table.cell(1, 0).text, table.cell(1, 1).text = "1", "人员属性"
    table.cell(1, 1).merge(table.cell(1, 2))
    document.add_paragraph("")
    document.add_paragraph("最后一段")
    section = document.sections[0]
    section.header.paragraphs[0].text = "页眉：招标文件"
    section.footer.paragraphs[0].text = "页脚：第三章"
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_docx_paragraphs_table_rows_headers_and_footers():
    records, collect = scan_bytes("t.docx", _docx())
    assert units(records, "scanned") == [("t.docx", None)]
    got = [(s.text, s.where) for s in collect.segments[("t.docx", None)]]
    assert got == [
        ("第一段：项目背景", {"paragraph": 1}),
        ("序号 | 参数 | 要求", {"table": 1, "row": 1, "cell_starts": [0, 5, 10]}),
        ("1 | 人员属性", {"table": 1, "row": 2, "cell_starts": [0, 4]}),  # merged cell read once
        ("最后一段", {"paragraph": 3}),
        ("页眉：招标文件", {"header": 1, "part": "word/header1.xml", "paragraph": 1}),
        ("页脚：第三章", {"footer": 1, "part": "word/footer1.xml", "paragraph": 1}),
    ]


@needs_corpus
def test_docx_dev_corpus_table_row():
    _, collect = scan_paths([CORPUS / "docx/tender-tech-requirements.docx"])
    rows = [s for s in collect.segments[("tender-tech-requirements.docx", None)] if "维吾尔族" in s.text]
    assert [(s.where["table"], s.where["row"]) for s in rows] == [(1, 4)]


# -- XLSX ---------------------------------------------------------------------------------------


def test_xlsx_every_sheet_including_hidden_with_cell_locators():
    book = openpyxl.Workbook()
    book.active.title = "Visible"
    book.active["A1"], book.active["C1"] = "name", "value"
    hidden = book.create_sheet("Rules")
    hidden.sheet_state = "hidden"
    hidden["B7"], hidden["D7"] = "face.nation_attr", "维吾尔族"
    very = book.create_sheet("Secret")
    very.sheet_state = "veryHidden"
    very["A2"] = 42
    buf = io.BytesIO()
    book.save(buf)
    records, collect = scan_bytes("b.xlsx", buf.getvalue())
    got = [(s.text, s.where["sheet"], s.where["cell"], s.where["cells"], s.where["sheet_state"], s.context)
           for s in collect.segments[("b.xlsx", None)]]
    assert got == [
        ("name | value", "Visible", "A1", ["A1", "C1"], "visible", "data"),
        ("face.nation_attr | 维吾尔族", "Rules", "B7", ["B7", "D7"], "hidden", "data"),
        ("42", "Secret", "A2", ["A2"], "veryHidden", "data"),
    ]


@needs_corpus
def test_xlsx_dev_corpus_hidden_sheet():
    _, collect = scan_paths([CORPUS / "xlsx/alarm-rules-export.xlsx"])
    rows = [s.where for s in collect.segments[("alarm-rules-export.xlsx", None)] if "nation_attr" in s.text]
    assert [(w["sheet"], w["cell"], w["sheet_state"]) for w in rows] == [("属性布控", "A2", "hidden"), ("属性布控", "A3", "hidden")]


# -- PPTX and ODF (parts built by hand) ---------------------------------------------------------

_NS_P = 'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" ' \
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" ' \
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_RELS = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'


def _slide(*paragraphs: str) -> bytes:
    body = "".join(f"<a:p><a:r><a:t>{p}</a:t></a:r></a:p>" for p in paragraphs)
    return f'<p:sld {_NS_P}><p:cSld><p:spTree><p:sp><p:txBody>{body}</p:txBody></p:sp></p:spTree></p:cSld></p:sld>'.encode()


def _pptx() -> bytes:
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    return make_zip({
        "[Content_Types].xml": b"<Types/>",
        "ppt/presentation.xml": f'<p:presentation {_NS_P}><p:sldIdLst><p:sldId id="256" r:id="rId2"/>'
                                f'<p:sldId id="257" r:id="rId1"/></p:sldIdLst></p:presentation>'.encode(),
        "ppt/_rels/presentation.xml.rels": f'<Relationships {_RELS}><Relationship Id="rId1" Type="{rel}/slide" '
                                           f'Target="slides/slide1.xml"/><Relationship Id="rId2" Type="{rel}/slide" '
                                           f'Target="slides/slide2.xml"/></Relationships>'.encode(),
        "ppt/slides/slide1.xml": _slide("Second slide", "民族属性识别"),
        "ppt/slides/slide2.xml": _slide("Title slide"),
        "ppt/slides/_rels/slide1.xml.rels": f'<Relationships {_RELS}><Relationship Id="rId9" Type="{rel}/notesSlide" '
                                            f'Target="../notesSlides/notesSlide1.xml"/></Relationships>'.encode(),
        "ppt/notesSlides/notesSlide1.xml": _slide("speaker notes: 维族"),
    })


def test_pptx_slides_in_presentation_order_with_notes():
    records, collect = scan_bytes("deck.pptx", _pptx())
    assert units(records, "scanned") == [("deck.pptx", None)]
    got = [(s.text, s.where) for s in collect.segments[("deck.pptx", None)]]
    assert got == [("Title slide", {"slide": 1}), ("Second slide\n民族属性识别", {"slide": 2}),
                   ("speaker notes: 维族", {"slide": 2, "notes": True})]


def _odt() -> bytes:
    content = ('<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"><office:body><office:text>'
               '<text:h>标题</text:h><text:p>正文 <text:span>维吾尔族</text:span> 识别</text:p>'
               '<table:table table:name="T1"><table:table-row><table:table-cell><text:p>属性</text:p></table:table-cell>'
               '<table:table-cell><text:p>民族</text:p></table:table-cell></table:table-row></table:table>'
               '</office:text></office:body></office:document-content>')
    return make_zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": content.encode()})


def test_odf_paragraphs_and_table_rows():
    records, collect = scan_bytes("a.odt", _odt())
    assert units(records, "scanned") == [("a.odt", None)]
    got = [(s.text, s.where) for s in collect.segments[("a.odt", None)]]
    assert got == [("标题", {"paragraph": 1}), ("正文 维吾尔族 识别", {"paragraph": 2}),
                   ("属性 | 民族", {"table": "T1", "row": 1, "cell_starts": [0, 5]})]


def test_office_xml_with_entities_is_refused():
    bomb = make_zip({"mimetype": b"application/vnd.oasis.opendocument.text",
                     "content.xml": b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'})
    records, _ = scan_bytes("bomb.odt", bomb)
    assert [(p["type"], p["reason"]) for p in problems(records)] == [("error", "extract_failed")]
    assert "EntitiesForbidden" in problems(records)[0]["message"]


# -- binary -------------------------------------------------------------------------------------


def test_binary_strings_in_noise_with_absolute_offsets():
    rng = random.Random(7)
    blob = bytearray(rng.randbytes(64 << 10))
    planted = {
        1000: ("\0" + "attr.ethnic.classes=han,uygur\0").encode("ascii"),
        9000: "\0\0民族\0\0维族\0\0肤色\0\0".encode("utf-16le"),
        20000: "\0维族人员预警\0非本地维族人员预警\0".encode("gbk"),
        30000: "\0配置：民族识别开启\0".encode("utf-8"),
        40000: "\0\0民族属性分析\0\0".encode("utf-16be"),
    }
    for at, raw in planted.items():
        blob[at:at + len(raw)] = raw
    segments = list(strings_segments(bytes(blob), base_offset=5000))
    lines = {}
    for seg in segments:
        assert seg.context == "binary" and seg.byte_offset == seg.where["offsets"][0]
        for text, offset, enc in zip(seg.text.split("\n"), seg.where["offsets"], seg.where["encodings"]):
            lines[text] = (offset, enc)
    assert lines["attr.ethnic.classes=han,uygur"] == (5000 + 1001, "ascii")
    assert lines["民族"] == (5000 + 9004, "utf-16le")
    assert lines["维族"] == (5000 + 9012, "utf-16le") and "肤色" in lines
    assert lines["维族人员预警"] == (5000 + 20001, "gb18030")
    assert lines["非本地维族人员预警"] == (5000 + 20014, "gb18030")
    assert lines["配置：民族识别开启"] == (5000 + 30001, "utf-8")
    assert lines["民族属性分析"] == (5000 + 40004, "utf-16be")
    table = next(s for s in segments if "维族" in s.text.split("\n"))
    assert table.text == "民族\n维族\n肤色"  # a label table is one segment


@needs_corpus
def test_binary_dev_corpus_firmware_offsets():
    _, collect = scan_paths([CORPUS / "bin/nvr-fw-3.1.0.bin"])
    found = {}
    for seg in collect.segments[("nvr-fw-3.1.0.bin", None)]:
        for text, offset, enc in zip(seg.text.split("\n"), seg.where["offsets"], seg.where["encodings"]):
            found.setdefault(text, []).append((offset, enc))
    assert found["维族人员预警"] == [(219308, "gb18030"), (278192, "utf-16le")]
    data = (CORPUS / "bin/nvr-fw-3.1.0.bin").read_bytes()
    assert data[219308:219308 + 12].decode("gbk") == "维族人员预警"


def test_binary_noise_gives_few_strings():
    blob = random.Random(3).randbytes(256 << 10)
    lines = sum(s.text.count("\n") + 1 for s in strings_segments(blob, 0))
    assert lines < 40  # `strings -n 6` gives about 450 on such noise


# -- end to end with the detector -----------------------------------------------------------------


def _flags(paths: list[str]) -> list[Finding]:
    return [r for r in profilewatch.scan([str(p) for p in paths]) if isinstance(r, Finding) and r.flag]


@pytest.mark.parametrize("path,member,check", [
    ("pdf/hs-ipc-ai7a2-datasheet.pdf", None, lambda f: f.evidence.get("page") == 3),
    ("docx/tender-tech-requirements.docx", None, lambda f: f.evidence["where"]["table"] == 1),
    ("xlsx/alarm-rules-export.xlsx", None, lambda f: f.evidence["where"]["sheet"] == "属性布控"),
    ("bin/nvr-fw-3.1.0.bin", None, lambda f: f.evidence.get("byte_offset") in (219264, 278144)),
    ("warc/hs-ipc-ai7a2-history.warc.gz",
     "https://www.haishengvision.example/cn/products/ipc/HS-IPC-AI7A2-JR.html 2019-04-08T10:00:00Z",
     lambda f: f.provenance["date"] == "2019-04-08T10:00:00Z"),
    ("archives/hs-faceattr-sdk-v5.5.2.zip", "lib/tools.tar.gz!/include/face.h", lambda f: True),
    ("archives/hs-faceattr-sdk-v5.5.2.zip", "lib/libhsfaceattr.so", lambda f: f.evidence.get("byte_offset") is not None),
])
@needs_corpus
def test_known_flag_phrase_gives_a_finding(path, member, check):
    findings = [f for f in _flags([CORPUS / path]) if f.member == member]
    assert findings and any("ethnicity" in f.categories and check(f) for f in findings)


def test_xlsx_far_cells_are_located_without_padding():
    book = openpyxl.Workbook()
    book.active["A1"], book.active["XFD1048576"] = "first", "last"
    buf = io.BytesIO()
    book.save(buf)
    _, collect = scan_bytes("far.xlsx", buf.getvalue())
    assert [(s.text, s.where["cell"]) for s in collect.segments[("far.xlsx", None)]] == [("first", "A1"), ("last", "XFD1048576")]


def test_binary_streamed_in_windows_keeps_strings_cut_by_an_edge(tmp_path):
    from profilewatch.extract.stream import stream_segments
    from profilewatch.records import Unit

    blob = bytearray(random.Random(5).randbytes(60_000))
    planted = []
    for at in [*range(500, 59_000, 1_498), 9_990, 19_985, 29_996, 39_999]:  # and across 10 000, 20 000...
        raw = "\0\0维族人员预警\0\0".encode("utf-16le") if at % 3 else b"\0attr.ethnic.classes=han,uygur\0"
        blob[at:at + len(raw)] = raw
        planted.append(at + (4 if at % 3 else 1))
    path = tmp_path / "fw.bin"
    path.write_bytes(bytes(blob))
    whole = [(o, e) for s in strings_segments(bytes(blob), 0) for o, e in zip(s.where["offsets"], s.where["encodings"])]
    unit = Unit(file="fw.bin", member=None, data=b"", path=str(path), size=len(blob))
    streamed = [(o, e) for s in stream_segments(unit, window=10_000)
                for o, e in zip(s.where["offsets"], s.where["encodings"])]
    assert streamed == whole  # same strings at the same offsets, none lost or repeated at an edge
    assert set(planted) <= {o for o, _ in streamed}
