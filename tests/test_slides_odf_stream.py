"""PPTX and ODF streamed (extract/slideml.py, extract/odfml.py): the segments and locators the
whole-part parse gave (its walk kept here as the oracle), element for element; deadlines inside
the part keep what was found; every PPTX/ODF in tests/ and the corpora compared."""
from __future__ import annotations

import io
import os
import re
import tarfile
import zipfile
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest

from formats_helpers import make_zip, problems, scan_bytes, units
from test_formats import _NS_P, _RELS, _odt, _pptx
from test_office_stream import CLAIM, _limit_after, detector  # noqa: F401  (fixture)

_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
_ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
           'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"')
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


# -- the whole-part parse before streaming (profilewatch.extract.office at be0e375), the oracle --

def _old_drawing_text(data: bytes) -> str:
    lines = []
    root = SafeET.fromstring(data)
    for alt in list(root.iter(f"{_MC}AlternateContent")):  # since then: the branch Office reads only
        branches = [b for b in alt if b.tag in (f"{_MC}Choice", f"{_MC}Fallback")]
        read = next((b for b in branches if b.tag == f"{_MC}Choice"), branches[0] if branches else None)
        for branch in branches:
            if branch is not read:
                alt.remove(branch)
    for para in root.iter(f"{_A}p"):
        text = "".join(t.text or "" for t in para.iter(f"{_A}t"))
        if text.strip():
            lines.append(text)
    return "\n".join(lines)


def _old_odf_walk(node, counters, out):
    for child in node:
        tag = child.tag
        if tag in (f"{_TEXT}p", f"{_TEXT}h"):
            counters["paragraph"] += 1
            text = "".join(child.itertext())
            if text.strip():
                out.append((text, {"paragraph": counters["paragraph"]}))
        elif tag == f"{_TABLE}table":
            name = child.get(f"{_TABLE}name") or ""
            for r, row in enumerate(child.iter(f"{_TABLE}table-row"), 1):
                cells = [c.strip() for c in ("".join(cell.itertext()) for cell in row
                         if cell.tag in (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"))]
                kept = [c for c in cells if c]
                if kept:
                    out.append((" | ".join(kept), {"table": name, "row": r}))
        elif tag == f"{_DRAW}page":
            counters["slide"] += 1
            lines = ["".join(p.itertext()) for p in child.iter() if p.tag in (f"{_TEXT}p", f"{_TEXT}h")]
            text = "\n".join(x for x in lines if x.strip())
            if text:
                out.append((text, {"slide": counters["slide"]}))
        else:
            _old_odf_walk(child, counters, out)


def _old_segments(name: str, data: bytes) -> list[tuple[str, dict]]:
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = set(zf.namelist())
    if name.endswith(".pptx"):
        from profilewatch.extract.slideml import _notes_part, _slide_order  # the order is not what changed
        from profilewatch.records import Unit

        out = []
        for number, part in enumerate(_slide_order(Unit(file=name, member=None, data=data), zf, names), 1):
            for where, p in (({"slide": number}, part), ({"slide": number, "notes": True}, _notes_part(zf, names, part))):
                text = _old_drawing_text(zf.read(p)) if p else ""
                if text.strip():
                    out.append((text, where))
        return out
    out = []
    _old_odf_walk(SafeET.fromstring(zf.read("content.xml")), {"paragraph": 0, "slide": 0}, out)
    return out


def _new_segments(name: str, data: bytes) -> list[tuple[str, dict]]:
    records, collect = scan_bytes(name, data)
    assert units(records, "scanned") == [(name, None)], problems(records)
    return [(s.text, {k: v for k, v in s.where.items() if k != "cell_starts"})
            for s in collect.segments[(name, None)]]


# -- tricky documents ----------------------------------------------------------------------------

def _slide_xml(body: str) -> bytes:
    return f'<?xml version="1.0"?><p:sld {_NS_P} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">' \
           f'<p:cSld><p:spTree><p:nvGrpSpPr/>{body}</p:spTree></p:cSld></p:sld>'.encode()


def _tricky_pptx() -> bytes:
    sp = '<p:sp><p:nvSpPr><p:cNvPr id="1" name="x"/></p:nvSpPr><p:txBody><a:bodyPr/>{}</p:txBody></p:sp>'
    slide1 = _slide_xml(
        sp.format('<a:p><a:r><a:t>one</a:t></a:r><a:fld><a:t> field</a:t></a:fld><a:r><a:t>x<?pi y?>z<!-- c --></a:t></a:r></a:p>'
                  '<a:p><a:r><a:t>   </a:t></a:r></a:p><a:p/>')
        + '<p:grpSp>' + sp.format('<a:p><a:r><a:t>grouped</a:t></a:r></a:p>') + '</p:grpSp>'
        + '<p:graphicFrame><a:graphic><a:graphicData><a:tbl><a:tr><a:tc><a:txBody><a:p><a:r><a:t>cell a</a:t></a:r></a:p>'
          '</a:txBody></a:tc><a:tc><a:txBody><a:p><a:r><a:t>cell b</a:t></a:r></a:p></a:txBody></a:tc></a:tr></a:tbl>'
          '</a:graphicData></a:graphic></p:graphicFrame>'
        + '<mc:AlternateContent><mc:Choice>' + sp.format('<a:p><a:r><a:t>choice</a:t></a:r></a:p>')
        + '</mc:Choice><mc:Fallback>' + sp.format('<a:p><a:r><a:t>fallback</a:t></a:r></a:p>') + '</mc:Fallback></mc:AlternateContent>'
        + sp.format('<a:p><a:r><a:t>outer </a:t></a:r><a:p><a:r><a:t>nested</a:t></a:r></a:p><a:r><a:t> after</a:t></a:r></a:p>')
        + '<a:t>stray text outside a paragraph</a:t>' + sp.format(f'<a:p><a:r><a:t>{CLAIM}</a:t></a:r></a:p>'))
    return make_zip({
        "[Content_Types].xml": b"<Types/>",
        "ppt/presentation.xml": f'<p:presentation {_NS_P}><p:sldIdLst><p:sldId id="256" r:id="rId1"/>'
                                f'<p:sldId id="257" r:id="rId2"/><p:sldId id="258" r:id="rId3"/></p:sldIdLst></p:presentation>'.encode(),
        "ppt/_rels/presentation.xml.rels": f'<Relationships {_RELS}><Relationship Id="rId1" Type="{REL}/slide" '
                                           f'Target="slides/slide1.xml"/><Relationship Id="rId2" Type="{REL}/slide" '
                                           f'Target="/ppt/slides/slide2.xml"/><Relationship Id="rId3" Type="{REL}/slide" '
                                           f'Target="slides/slide3.xml"/></Relationships>'.encode(),
        "ppt/slides/slide1.xml": slide1,
        "ppt/slides/slide2.xml": _slide_xml(""),
        "ppt/slides/slide3.xml": _slide_xml(sp.format("<a:p><a:r><a:t>third</a:t></a:r></a:p>")),
        "ppt/slides/_rels/slide2.xml.rels": f'<Relationships {_RELS}><Relationship Id="rId9" Type="{REL}/notesSlide" '
                                            f'Target="../notesSlides/notesSlide2.xml"/></Relationships>'.encode(),
        "ppt/notesSlides/notesSlide2.xml": _slide_xml(sp.format("<a:p><a:r><a:t>notes of an empty slide</a:t></a:r></a:p>")),
    })


def _odf(mimetype: str, body: str) -> bytes:
    content = f'<?xml version="1.0"?><office:document-content {_ODF_NS}><office:automatic-styles/><office:body>{body}' \
              '</office:body></office:document-content>'
    return make_zip({"mimetype": mimetype.encode(), "content.xml": content.encode()})


def _row(*cells: str) -> str:
    return "<table:table-row>" + "".join(f"<table:table-cell>{c}</table:table-cell>" for c in cells) + "</table:table-row>"


def _tricky_odt() -> bytes:
    nested = '<table:table table:name="Inner">' + _row("<text:p>in a</text:p>", "<text:p>in b</text:p>") + "</table:table>"
    return _odf("application/vnd.oasis.opendocument.text", (
        '<office:text><text:sequence-decls/><text:h text:outline-level="1">Heading</text:h><text:p/>'
        '<text:p>para <text:span>span</text:span><text:note><text:note-body><text:p>footnote</text:p></text:note-body>'
        '</text:note> tail<?pi x?> after pi<!-- comment --></text:p>'
        '<text:list><text:list-item><text:p>item one</text:p><text:list><text:list-item><text:h>deep</text:h>'
        '</text:list-item></text:list></text:list-item><text:list-header><text:p>header item</text:p></text:list-header></text:list>'
        '<text:section><text:p>in section</text:p><text:section><text:p>   </text:p></text:section></text:section>'
        '<draw:frame><draw:text-box><text:p>page-anchored frame</text:p></draw:text-box></draw:frame>'
        '<table:table table:name="T1"><table:table-column/><table:table-header-rows>' + _row("<text:p>h1</text:p>", "")
        + '</table:table-header-rows>' + _row("<text:p>a</text:p><text:p>b</text:p>", "<text:p>  </text:p>")
        + '<table:table-row-group>' + _row("<text:p>grouped</text:p>", nested)
        + '</table:table-row-group><table:table-row><table:covered-table-cell><text:p>covered</text:p></table:covered-table-cell>'
        '<table:table-cell/></table:table-row>' + _row() + '</table:table><table:table table:name="Empty"/>'
        '<table:table>' + _row("<text:p>no name</text:p>") + '</table:table>'
        '<text:p>p with <draw:frame><draw:text-box><text:p>inner</text:p></draw:text-box></draw:frame> frame</text:p>'
        f'<text:p>{CLAIM}</text:p></office:text>'))


def _tricky_ods() -> bytes:
    return _odf("application/vnd.oasis.opendocument.spreadsheet", (
        '<office:spreadsheet><table:table table:name="Sheet1">' + _row("<text:p>1</text:p>", "<text:p>x</text:p>") * 3
        + '</table:table><table:table table:name="Sheet2">' + _row(f"<text:p>{CLAIM}</text:p>")
        + '</table:table></office:spreadsheet>'))


def _tricky_odp() -> bytes:
    frame = '<draw:frame><draw:text-box>{}</draw:text-box></draw:frame>'
    return _odf("application/vnd.oasis.opendocument.presentation", (
        '<office:presentation><draw:page draw:name="p1">' + frame.format("<text:p>title</text:p><text:p/><text:h>sub</text:h>")
        + frame.format('<text:p>outer <text:span>s</text:span><text:p>nested in p</text:p></text:p>')
        + '<draw:frame><table:table>' + _row("<text:p>cell in a page</text:p>") + '</table:table></draw:frame>'
        '<presentation:notes>' + frame.format("<text:p>page notes</text:p>") + '</presentation:notes></draw:page>'
        '<draw:page draw:name="empty"/><draw:page>' + frame.format(f"<text:p>{CLAIM}</text:p>") + '</draw:page>'
        '<text:p>paragraph outside a page</text:p></office:presentation>'))


def _fixtures() -> list[tuple[str, bytes]]:
    return [("t.pptx", _tricky_pptx()), ("t.odt", _tricky_odt()), ("t.ods", _tricky_ods()), ("t.odp", _tricky_odp()),
            ("f.pptx", _pptx()), ("f.odt", _odt())]


def _corpus_office_files() -> list[tuple[str, bytes]]:
    """Every PPTX/ODF file in tests/ and the corpora, and in the zip/tar archives there."""
    from profilewatch.sources.sniff import sniff

    found: list[tuple[str, bytes]] = []

    def visit(name: str, data: bytes, depth: int = 0) -> None:
        kind = sniff(data, name)
        if kind in ("pptx", "odf"):
            found.append((name if kind == "pptx" else re.sub(r"(\.\w+)?$", ".odt", name), data))
        elif depth < 2 and zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for n in zf.namelist():
                    if not n.endswith("/") and zf.getinfo(n).file_size < 20 << 20:
                        visit(n, zf.read(n), depth + 1)
        elif depth < 2 and re.search(r"\.(tar|tgz|tar\.gz)$", name):
            try:
                with tarfile.open(fileobj=io.BytesIO(data)) as tf:
                    for m in tf.getmembers():
                        if m.isfile() and m.size < 20 << 20:
                            visit(m.name, tf.extractfile(m).read(), depth + 1)
            except (tarfile.TarError, OSError, EOFError):
                pass

    for root in (Path(__file__).parent, Path("/work/shared/corpus/dev")):
        for folder, _, files in os.walk(root):
            for f in files:
                path = Path(folder, f)
                if path.stat().st_size < 20 << 20:
                    visit(f, path.read_bytes())
    return found


@pytest.mark.parametrize("name,data", _fixtures(), ids=lambda x: x if isinstance(x, str) else "")
def test_streamed_segments_equal_the_whole_part_parse(name, data):
    old = _old_segments(name, data)
    assert len(old) >= 2
    assert _new_segments(name, data) == old


def test_tricky_segments_spelled_out():
    got = _new_segments("t.odt", _tricky_odt())
    assert got[:3] == [("Heading", {"paragraph": 1}), ("para spanfootnote tail after pi", {"paragraph": 3}),
                       ("item one", {"paragraph": 4})]
    assert got[9:13] == [("grouped | in ain b", {"table": "T1", "row": 3}), ("in a | in b", {"table": "T1", "row": 4}),
                         ("covered", {"table": "T1", "row": 5}), ("no name", {"table": "", "row": 1})]
    assert got[-1] == (CLAIM, {"paragraph": 11})
    slides = _new_segments("t.pptx", _tricky_pptx())
    assert [w for _, w in slides] == [{"slide": 1}, {"slide": 2, "notes": True}, {"slide": 3}]
    assert slides[0][0].splitlines() == ["one fieldxz", "grouped", "cell a", "cell b", "choice",
                                         "outer nested after", "nested", CLAIM]


def test_every_corpus_pptx_and_odf_equals_the_whole_part_parse():
    files = _corpus_office_files()
    if not files:
        pytest.skip("no PPTX/ODT/ODS/ODP file in tests/ or /work/shared/corpus/dev (the generated ones are compared above)")
    for name, data in files:
        assert _new_segments(name, data) == _old_segments(name, data), name


def test_entities_still_refused_as_defusedxml_did():
    slide = b'<!DOCTYPE x [<!ENTITY a "aaaa">]><p:sld xmlns:p="p"/>'
    data = make_zip({"ppt/presentation.xml": b"<x/>", "ppt/slides/slide1.xml": slide})
    records, _ = scan_bytes("bomb.pptx", data)
    assert [(p["type"], p["reason"]) for p in problems(records)] == [("error", "extract_failed")]
    assert "EntitiesForbidden" in problems(records)[0]["message"]


def _long(kind: str, n: int, claim_at: int = 1) -> bytes:
    lines = [CLAIM if i == claim_at else f"Maintenance log line {i}: lenses cleaned." for i in range(n)]
    if kind == "pptx":
        body = "".join(f"<p:sp><p:txBody><a:p><a:r><a:t>{t}</a:t></a:r></a:p></p:txBody></p:sp>" for t in lines)
        return make_zip({"ppt/presentation.xml": b"<x/>", "ppt/slides/slide1.xml": _slide_xml(body)})
    if kind == "odp":
        pages = "".join(f"<draw:page><draw:frame><draw:text-box><text:p>{t}</text:p></draw:text-box></draw:frame></draw:page>"
                        for t in lines)
        return _odf("application/vnd.oasis.opendocument.presentation", f"<office:presentation>{pages}</office:presentation>")
    if kind == "ods":
        rows = "".join(_row(f"<text:p>{t}</text:p>") for t in lines)
        return _odf("application/vnd.oasis.opendocument.spreadsheet",
                    f'<office:spreadsheet><table:table table:name="S">{rows}</table:table></office:spreadsheet>')
    paras = "".join(f"<text:list><text:list-item><text:p>{t}</text:p></text:list-item></text:list>" for t in lines)
    return _odf("application/vnd.oasis.opendocument.text", f"<office:text>{paras}</office:text>")


@pytest.mark.parametrize("kind", ["pptx", "odt", "ods", "odp"])
def test_deadline_inside_the_part_keeps_what_was_found(monkeypatch, detector, kind):  # noqa: F811
    data = _long(kind, 20000)
    seen = _limit_after(monkeypatch, 4)
    records, _ = scan_bytes(f"big.{kind}", data, detector=detector)
    assert any(w.startswith("in part ") for w in seen)  # checked while the part is read
    findings = [r for r in records if r["type"] == "finding"]
    assert len(findings) == 1 and findings[0]["partial"] is True
    where = findings[0]["evidence"]["where"]
    assert where == {"pptx": {"slide": 1}, "odt": {"paragraph": 2}, "odp": {"slide": 2}}.get(kind, where)
    assert [(p["reason"], p["limit"]) for p in problems(records)] == [("limit_exceeded", "unit_seconds")]
    assert [r["outcome"] for r in records if r["type"] == "unit"] == ["partial"]


@pytest.mark.parametrize("kind", ["pptx", "odt"])
def test_claim_at_the_end_of_a_long_part_is_found(detector, kind):  # noqa: F811
    data = _long(kind, 5000, claim_at=4999)
    records, _ = scan_bytes(f"long.{kind}", data, detector=detector)
    assert [f["evidence"]["where"] for f in records if f["type"] == "finding"] == [
        {"slide": 1} if kind == "pptx" else {"paragraph": 5000}]


@pytest.mark.parametrize("kind", ["pptx", "odp"])
def test_a_huge_slide_or_page_is_yielded_in_windows_cut_between_paragraphs(monkeypatch, kind):
    from profilewatch.extract import ooxml

    data = _long(kind if kind == "pptx" else "odp", 50)
    if kind == "odp":  # all 50 paragraphs on one page
        data = _odf("application/vnd.oasis.opendocument.presentation", "<office:presentation><draw:page>" + "".join(
            f"<text:p>{CLAIM if i == 1 else f'Maintenance log line {i}: lenses cleaned.'}</text:p>" for i in range(50))
            + "</draw:page></office:presentation>")
    name = f"w.{kind}"
    (whole, where), = _old_segments(name, data)
    monkeypatch.setattr(ooxml, "WINDOW", 300)
    got = _new_segments(name, data)
    assert "\n".join(t for t, _ in got) == whole
    assert [w for _, w in got] == [{**where, "window": i} for i in range(1, len(got) + 1)] and len(got) > 5
    assert all(len(t) <= 300 + 80 for t, _ in got) and all(not t.startswith("\n") for t, _ in got)
