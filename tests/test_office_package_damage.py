"""Damage to an Office package's listing parts is a part's damage, not the unit's (issue 12,
"containers never end early"): a missing or corrupt ``[Content_Types].xml``, ``_rels/.rels``,
main-part relationships, ``xl/workbook.xml`` or ``ppt/presentation.xml`` gets an error record
naming it, the parts are found without it (the zip listing, their usual names), and the unit
ends ``partial`` with its findings kept."""
from __future__ import annotations

import io
import zipfile

import pytest

from formats_helpers import make_zip, problems, scan_bytes
from profilewatch.detect.engine import Detector
from profilewatch.detect.rules import load_rules
from test_office_parts import UYGHUR, _NS, _book, _deck, _p, _shape, _shared_xlsx, _slide, docx_package

GARBLED = b"<Relationships garbled"


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(load_rules())


def _members(data: bytes) -> dict[str, bytes]:
    zf = zipfile.ZipFile(io.BytesIO(data))
    return {n: zf.read(n) for n in zf.namelist()}


def _changed(data: bytes, name: str, content: bytes | None) -> bytes:
    members = _members(data)
    if content is None:
        del members[name]
    else:
        members[name] = content
    return make_zip(members)


def _docx() -> bytes:
    notes = f'<w:footnotes {_NS}><w:footnote w:id="1">{_p("A note.")}</w:footnote></w:footnotes>'
    return docx_package(_p(UYGHUR), {"word/footnotes.xml": ("footnotes", notes)})


def _xlsx() -> bytes:
    return _book(f'<row r="1"><c r="A1" t="inlineStr"><is><t>{UYGHUR}</t></is></c></row>',
                 '<row r="1"><c r="A1" t="inlineStr"><is><t>Sheet two.</t></is></c></row>')


def _pptx() -> bytes:
    return _deck(_slide(_shape(UYGHUR)), _slide(_shape("Slide two.")))


def _check(detector, name: str, data: bytes, part: str, where: dict, segments: list[dict]) -> None:
    """The claim found at ``where`` and marked partial, one error record naming ``part``, the unit
    partial, and every segment's locator (as far as ``segments`` spells it) as given."""
    records, collect = scan_bytes(name, data)
    got = [s.where for s in collect.segments[(name, None)]]
    assert [{k: w.get(k) for k in e} for w, e in zip(got, segments)] == segments and len(got) == len(segments), got
    records, _ = scan_bytes(name, data, detector=detector)
    errors = problems(records)
    assert [(e["type"], e["reason"]) for e in errors] == [("error", "corrupt")], errors
    assert f"part {part!r} is missing or damaged" in errors[0]["message"], errors
    found = [r for r in records if r["type"] == "finding" and r["flag"]]
    assert [({k: f["evidence"]["where"].get(k) for k in where}, f["partial"]) for f in found] == [(where, True)], records
    assert [(r["outcome"], r.get("partial")) for r in records if r["type"] == "unit"] == [("partial", True)]


_DOCX_SEGMENTS = [{"paragraph": 1}, {"part": "word/footnotes.xml", "footnote": 1, "paragraph": 1}]


def test_docx_without_content_types(detector):
    _check(detector, "a.docx", _changed(_docx(), "[Content_Types].xml", None), "[Content_Types].xml",
           {"paragraph": 1}, _DOCX_SEGMENTS)


def test_docx_with_corrupt_content_types(detector):
    _check(detector, "a.docx", _changed(_docx(), "[Content_Types].xml", b"<Types garbled"), "[Content_Types].xml",
           {"paragraph": 1}, _DOCX_SEGMENTS)


def test_docx_without_package_relationships(detector):
    _check(detector, "a.docx", _changed(_docx(), "_rels/.rels", None), "_rels/.rels", {"paragraph": 1}, _DOCX_SEGMENTS)


def test_docx_with_corrupt_package_relationships(detector):
    _check(detector, "a.docx", _changed(_docx(), "_rels/.rels", GARBLED), "_rels/.rels", {"paragraph": 1},
           _DOCX_SEGMENTS)


def test_docx_with_corrupt_document_relationships_reads_the_notes_by_name(detector):
    _check(detector, "a.docx", _changed(_docx(), "word/_rels/document.xml.rels", GARBLED),
           "word/_rels/document.xml.rels", {"paragraph": 1}, _DOCX_SEGMENTS)


def test_docx_without_document_relationships_is_a_plain_package():
    """A part with no relationships need not have a relationships part (OPC): nothing to report."""
    records, _ = scan_bytes("a.docx", _changed(docx_package(_p(UYGHUR)), "word/_rels/document.xml.rels", None))
    assert problems(records) == [] and [r["outcome"] for r in records if r["type"] == "unit"] == ["scanned"]


_SHEETS = [{"sheet": "sheet1", "part": "xl/worksheets/sheet1.xml", "sheet_state": "unknown"},
           {"sheet": "sheet2", "part": "xl/worksheets/sheet2.xml", "sheet_state": "unknown"}]


def test_xlsx_with_corrupt_workbook_reads_the_sheets_from_the_listing(detector):
    _check(detector, "a.xlsx", _changed(_xlsx(), "xl/workbook.xml", b"<workbook garbled"), "xl/workbook.xml",
           {"sheet": "sheet1", "cell": "A1"}, _SHEETS)


def test_xlsx_with_corrupt_workbook_relationships(detector):
    _check(detector, "a.xlsx", _changed(_xlsx(), "xl/_rels/workbook.xml.rels", GARBLED), "xl/_rels/workbook.xml.rels",
           {"sheet": "sheet1", "cell": "A1"}, _SHEETS)


def test_xlsx_with_corrupt_package_relationships(detector):
    _check(detector, "a.xlsx", _changed(_xlsx(), "_rels/.rels", GARBLED), "_rels/.rels", {"sheet": "S1", "cell": "A1"},
           [{"sheet": "S1", "part": None}, {"sheet": "S2", "part": None}])


def test_xlsx_with_corrupt_content_types_finds_the_shared_strings_by_name(detector):
    data = _shared_xlsx([UYGHUR, "one"], [0, 1])
    members = _members(data)
    rels = members["xl/_rels/workbook.xml.rels"].replace(b'Type="http://schemas.openxmlformats.org/officeDocument/'
                                                         b'2006/relationships/sharedStrings"', b'Type="x"')
    assert rels != members["xl/_rels/workbook.xml.rels"]  # the strings are found by their content type only
    data = _changed(_changed(data, "xl/_rels/workbook.xml.rels", rels), "[Content_Types].xml", b"<Types garbled")
    _check(detector, "s.xlsx", data, "[Content_Types].xml", {"cell": "A1"}, [{"cell": "A1"}, {"cell": "A2"}])


def test_pptx_with_corrupt_presentation_reads_the_slides_by_name(detector):
    _check(detector, "a.pptx", _changed(_pptx(), "ppt/presentation.xml", b"<p:presentation garbled"),
           "ppt/presentation.xml", {"slide": 1}, [{"slide": 1}, {"slide": 2}])


def test_pptx_with_corrupt_presentation_relationships(detector):
    _check(detector, "a.pptx", _changed(_pptx(), "ppt/_rels/presentation.xml.rels", GARBLED),
           "ppt/_rels/presentation.xml.rels", {"slide": 1}, [{"slide": 1}, {"slide": 2}])
