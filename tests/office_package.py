"""Minimal Office packages (DOCX, XLSX, PPTX, ODT) around a main part given as rows of XML.

Shared by the tests and ``benchmarks/bench_memory.py``: :func:`office_members` builds the
package's members in memory; :func:`write_office` streams the main part into a zip on disk
(for parts of hundreds of MB).  The main part is ``head + rows + tail`` of :data:`MAIN`.
"""
from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

_RELS = '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_TYPES = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>{}</Types>')
_W = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
_PML = ('xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
_ODF = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
_SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

MAIN = {
    "docx": ("word/document.xml", f"<w:document {_W}><w:body>", "</w:body></w:document>"),
    "xlsx": ("xl/worksheets/sheet1.xml", f'<worksheet xmlns="{_SML}"><sheetData>', "</sheetData></worksheet>"),
    "pptx": ("ppt/slides/slide1.xml", f"<p:sld {_PML}><p:cSld><p:spTree>", "</p:spTree></p:cSld></p:sld>"),
    "odt": ("content.xml", f"<office:document-content {_ODF}><office:body><office:text>",
            "</office:text></office:body></office:document-content>"),
}
"""kind -> (main part, head, tail)."""


_SST = (f'<sst xmlns="{_SML}">', "</sst>")
_SST_REL = f'<Relationship Id="rId9" Type="{_REL}sharedStrings" Target="sharedStrings.xml"/>'
_SST_TYPE = ('<Override PartName="/xl/sharedStrings.xml" '
             'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')


def _others(kind: str, shared: bool = False) -> dict[str, bytes]:
    """The package's members besides the main part (and the shared strings, when ``shared``)."""
    if kind == "odt":
        return {"mimetype": b"application/vnd.oasis.opendocument.text"}
    if kind == "pptx":
        return {
            "[Content_Types].xml": _TYPES.format("").encode(),
            "ppt/presentation.xml": (f'<p:presentation {_PML}><p:sldIdLst><p:sldId id="256" r:id="rId1"/>'
                                     '</p:sldIdLst></p:presentation>').encode(),
            "ppt/_rels/presentation.xml.rels": _RELS.format(
                f'<Relationship Id="rId1" Type="{_REL}slide" Target="slides/slide1.xml"/>').encode(),
        }
    main = "word/document.xml" if kind == "docx" else "xl/workbook.xml"
    ctype = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml" if kind == "docx"
             else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
    out = {
        "[Content_Types].xml": _TYPES.format(f'<Override PartName="/{main}" ContentType="{ctype}"/>'
                                             + (_SST_TYPE if shared else "")).encode(),
        "_rels/.rels": _RELS.format(f'<Relationship Id="rId1" Type="{_REL}officeDocument" Target="{main}"/>').encode(),
    }
    if kind == "xlsx":
        out["xl/workbook.xml"] = (f'<workbook xmlns="{_SML}" xmlns:r="{_REL[:-1]}"><sheets>'
                                  '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>').encode()
        out["xl/_rels/workbook.xml.rels"] = _RELS.format(
            f'<Relationship Id="rId1" Type="{_REL}worksheet" Target="worksheets/sheet1.xml"/>'
            + (_SST_REL if shared else "")).encode()
    return out


def office_members(kind: str, rows: Iterable[str], shared_strings: Iterable[str] | None = None) -> dict[str, bytes]:
    """The members of a ``kind`` package whose main part holds ``rows`` (an XLSX: and a shared-strings
    table of ``shared_strings``, each an ``<si>``)."""
    part, head, tail = MAIN[kind]
    out = {**_others(kind, shared_strings is not None), part: (head + "".join(rows) + tail).encode()}
    if shared_strings is not None:
        out["xl/sharedStrings.xml"] = (_SST[0] + "".join(shared_strings) + _SST[1]).encode()
    return out


def write_office(path: Path, kind: str, rows: Iterable[str], shared_strings: Iterable[str] | None = None) -> None:
    """A ``kind`` package at ``path``, its main part (and shared strings) streamed (deflated, zip64)."""
    part, head, tail = MAIN[kind]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in _others(kind, shared_strings is not None).items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_STORED if name == "mimetype" else None)
        if shared_strings is not None:
            _stream(zf, "xl/sharedStrings.xml", _SST[0], shared_strings, _SST[1])
        _stream(zf, part, head, rows, tail)


def _stream(zf: zipfile.ZipFile, part: str, head: str, rows: Iterable[str], tail: str) -> None:
    with zf.open(part, "w", force_zip64=True) as fh:
        fh.write(head.encode())
        block: list[str] = []
        for row in rows:
            block.append(row)
            if len(block) == 10000:
                fh.write("".join(block).encode())
                block = []
        fh.write(("".join(block) + tail).encode())
