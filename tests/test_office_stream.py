"""DOCX and XLSX streamed (extract/wordml.py, extract/sheetml.py): python-docx's and openpyxl's
segments and locators, element for element, but for what they did not read (tracked insertions,
content controls: tests/test_office_parts.py) and the part named in header and footer locators;
deadlines inside the part loop keep what was found."""
from __future__ import annotations

import datetime
import io

import docx
import openpyxl
import pytest
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from formats_helpers import make_zip, problems, scan_bytes, units
from profilewatch.detect.engine import Detector
from profilewatch.detect.rules import load_rules
from profilewatch.records import LimitHit, Unit

CLAIM = "The camera estimates each visitor's ethnicity from the face."


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(load_rules())


def _el(tag: str, text: str | None = None, *children):
    e = OxmlElement(tag)
    if text is not None:
        e.text = text
    for c in children:
        e.append(c)
    return e


def _tricky_docx() -> bytes:
    d = docx.Document()
    d.add_paragraph("Intro")
    p = d.add_paragraph("run one ")
    r = p.add_run("tab")
    r.add_tab()
    r.add_text("x")
    r.add_break()
    r.add_text("line2")
    r.add_break(WD_BREAK.PAGE)
    r.add_text("|page")
    p._p.append(_el("w:hyperlink", None, _el("w:r", None, _el("w:t", " linked"))))
    p._p.append(_el("w:ins", None, _el("w:r", None, _el("w:t", "INSERTED"))))  # python-docx skips revisions
    p._p.append(_el("w:r", None, _el("w:noBreakHyphen"), _el("w:cr"), _el("w:ptab")))
    t = d.add_table(rows=4, cols=4)
    for i in range(4):
        for j in range(4):
            t.cell(i, j).text = f"c{i}{j}"
    t.cell(0, 0).merge(t.cell(0, 1))  # across
    t.cell(1, 2).merge(t.cell(3, 2))  # down
    t.cell(1, 3).add_paragraph("second")
    inner = t.cell(2, 0).add_table(rows=2, cols=1)
    inner.cell(0, 0).text, inner.cell(1, 0).text = "inner a", "inner b"
    d.add_paragraph("")
    d.add_table(rows=0, cols=2)  # a table without rows still counts
    sdt = _el("w:sdt", None, _el("w:sdtContent", None, _el("w:p", None, _el("w:r", None, _el("w:t", "in sdt")))))
    d.element.body.insert(len(d.element.body) - 1, sdt)
    d.add_paragraph("after")
    s0 = d.sections[0]
    s0.header.paragraphs[0].text = "Header one"
    s0.header.add_table(rows=1, cols=1, width=docx.shared.Inches(2)).cell(0, 0).text = "hdr cell"
    s0.footer.paragraphs[0].text = "Footer one"
    s0.different_first_page_header_footer = True
    s0.first_page_header.paragraphs[0].text = "First page header"
    s1 = d.add_section(WD_SECTION.NEW_PAGE)
    d.add_paragraph("section two")
    s1.header.is_linked_to_previous = False
    s1.header.paragraphs[0].text = "Header two"
    s2 = d.add_section(WD_SECTION.NEW_PAGE)
    s2.even_page_footer.is_linked_to_previous = False
    s2.even_page_footer.paragraphs[0].text = "Even footer three"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_streamed_gives_python_docx_segments_and_what_it_skipped():
    records, collect = scan_bytes("t.docx", _tricky_docx())
    assert units(records, "scanned") == [("t.docx", None)]
    got = [(s.text, s.where) for s in collect.segments[("t.docx", None)]]
    assert got == [
        ("Intro", {"paragraph": 1}),
        ("run one tab\tx\nline2|page linkedINSERTED-\n\t", {"paragraph": 2}),  # python-docx skipped w:ins
        ("c00 c01 | c02 | c03", {"table": 1, "row": 1, "cell_starts": [0, 10, 16]}),
        ("c10 | c11 | c12 c22 c32 | c13 second", {"table": 1, "row": 2, "cell_starts": [0, 6, 12, 26]}),
        ("c20 | c21 | c12 c22 c32 | c23", {"table": 1, "row": 3, "cell_starts": [0, 6, 12, 26]}),
        ("inner a", {"table": 1, "row": 1, "nested": True, "cell_starts": [0]}),
        ("inner b", {"table": 1, "row": 2, "nested": True, "cell_starts": [0]}),
        ("c30 | c31 | c12 c22 c32 | c33", {"table": 1, "row": 4, "cell_starts": [0, 6, 12, 26]}),
        ("in sdt", {"paragraph": 4}),  # python-docx skipped content controls: the paragraphs after count it
        ("after", {"paragraph": 5}),
        ("section two", {"paragraph": 7}),
        ("Header one", {"header": 1, "part": "word/header1.xml", "paragraph": 1}),
        ("hdr cell", {"header": 1, "part": "word/header1.xml", "table": 3, "row": 1, "cell_starts": [0]}),
        ("First page header", {"header": 1, "part": "word/header2.xml", "paragraph": 1}),
        ("Footer one", {"footer": 1, "part": "word/footer1.xml", "paragraph": 1}),
        ("Header two", {"header": 2, "part": "word/header3.xml", "paragraph": 1}),
        ("Even footer three", {"footer": 3, "part": "word/footer2.xml", "paragraph": 1}),
    ]


def _long_docx(paragraphs: int, claim_at: int) -> bytes:
    d = docx.Document()
    for i in range(paragraphs):
        d.add_paragraph(CLAIM if i == claim_at else f"Maintenance log line {i}: lenses cleaned.")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _limit_after(monkeypatch, reads: int) -> list[str]:
    """Unit.check_time raises unit_seconds from the ``reads``-th block read of a part on; returns
    where it was called."""
    seen: list[str] = []

    def check_time(self, where=""):
        seen.append(where)
        if sum(w.startswith("in part ") for w in seen) >= reads:
            raise LimitHit("unit_seconds", "unit took longer than unit_seconds, " + where)

    monkeypatch.setattr(Unit, "check_time", check_time)
    return seen


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_deadline_inside_the_part_keeps_what_was_found(monkeypatch, detector, kind):
    if kind == "docx":
        data = _long_docx(20000, claim_at=1)
    else:
        book = openpyxl.Workbook()
        for i in range(1, 20001):
            book.active.cell(i, 1, CLAIM if i == 2 else f"inventory row {i}")
        buf = io.BytesIO()
        book.save(buf)
        data = buf.getvalue()
    seen = _limit_after(monkeypatch, 4)
    records, _ = scan_bytes(f"big.{kind}", data, detector=detector)
    assert any(w.startswith("in part ") for w in seen)  # checked while the part is read, not only between segments
    findings = [r for r in records if r["type"] == "finding"]
    assert len(findings) == 1 and findings[0]["partial"] is True
    assert [(p["reason"], p["limit"]) for p in problems(records)] == [("limit_exceeded", "unit_seconds")]
    assert [r["outcome"] for r in records if r["type"] == "unit"] == ["partial"]


def test_docx_claim_at_the_end_of_a_long_body_is_found(detector):
    data = _long_docx(5000, claim_at=4999)
    records, _ = scan_bytes("long.docx", data, detector=detector)
    findings = [r for r in records if r["type"] == "finding"]
    assert [f["evidence"]["where"] for f in findings] == [{"paragraph": 5000}]
    _, collect = scan_bytes("long.docx", data)
    assert len(collect.segments[("long.docx", None)]) == 5000


def test_xlsx_values_as_openpyxl_reads_them_and_cells_it_dropped_are_kept():
    book = openpyxl.Workbook()
    ws = book.active
    ws["A1"], ws["B1"], ws["C1"], ws["D1"] = "name", 3.0, True, datetime.datetime(2020, 1, 2, 3, 4)
    ws["A2"], ws["B2"], ws["Z2"] = "=1+2", "   ", 1e-7
    buf = io.BytesIO()
    book.save(buf)
    raw = {}
    import zipfile

    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        for name in zf.namelist():
            raw[name] = zf.read(name)
    # a sheet without <dimension>: cells out of column order, a row numbered backwards, no r attributes
    raw["xl/worksheets/sheet1.xml"] = raw["xl/worksheets/sheet1.xml"].replace(
        b"</sheetData>",
        b'<row r="5"><c r="C5" t="inlineStr"><is><t>later column</t></is></c>'
        b'<c r="A5" t="inlineStr"><is><t>first column</t></is></c></row>'
        b'<row r="3"><c r="A3" t="inlineStr"><is><t>backwards</t></is></c></row>'
        b'<row><c t="inlineStr"><is><t>no r</t></is></c><c t="e"><v>#DIV/0!</v></c></row></sheetData>')
    records, collect = scan_bytes("v.xlsx", make_zip(raw))
    assert units(records, "scanned") == [("v.xlsx", None)]
    got = [(s.text, s.where["cell"], s.where["cells"], s.where["row"]) for s in collect.segments[("v.xlsx", None)]]
    assert got == [
        ("name | 3 | True | 2020-01-02 03:04:00", "A1", ["A1", "B1", "C1", "D1"], 1),
        ("1e-07", "Z2", ["Z2"], 2),  # a formula without a cached value and a blank cell are empty
        ("first column | later column", "A5", ["A5", "C5"], 5),
        ("backwards", "A3", ["A3"], 3),
        ("no r | #DIV/0!", "A4", ["A4", "B4"], 4),
    ]


def test_xlsx_sheet_declaring_entities_is_refused():
    book = openpyxl.Workbook()
    book.active["A1"] = "x"
    buf = io.BytesIO()
    book.save(buf)
    import zipfile

    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        raw = {name: zf.read(name) for name in zf.namelist()}
    sheet = raw["xl/worksheets/sheet1.xml"]
    raw["xl/worksheets/sheet1.xml"] = sheet.replace(b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY a "aaaa">]><worksheet', 1)
    records, _ = scan_bytes("e.xlsx", make_zip(raw))
    assert [(p["type"], p["reason"]) for p in problems(records)] == [("error", "corrupt")]
    assert "EntitiesForbidden" in problems(records)[0]["message"]


def test_docx_that_is_not_a_word_document_is_corrupt():
    data = _long_docx(1, 0)
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        raw = {name: zf.read(name) for name in zf.namelist()}
    raw["[Content_Types].xml"] = raw["[Content_Types].xml"].replace(b"document.main+xml", b"template.main+xml")
    records, _ = scan_bytes("t.docx", make_zip(raw))
    assert [(p["type"], p["reason"]) for p in problems(records)] == [("error", "corrupt")]


def test_office_and_image_limits_are_limit_hits():
    from profilewatch.extract.image import ImageRefused
    from profilewatch.extract.ooxml import OfficeLimitExceeded, check_zip
    from profilewatch.options import Limits

    with pytest.raises(OfficeLimitExceeded) as hit:
        check_zip(make_zip({"word/document.xml": b"x" * 5000}), Limits(max_member_bytes=1000))
    assert isinstance(hit.value, LimitHit) and (hit.value.reason, hit.value.limit) == ("limit_exceeded", "max_member_bytes")
    assert "larger than max_member_bytes=1000" in str(hit.value)
    refused = ImageRefused("max_image_pixels", "image of 9x9 pixels refused")
    assert isinstance(refused, LimitHit) and (refused.reason, refused.limit, str(refused)) == (
        "limit_exceeded", "max_image_pixels", "image of 9x9 pixels refused")
