"""Peak memory (RSS) of scanning single hostile inputs, each in a fresh process (issue 12).

Usage: python benchmarks/bench_memory.py [--sizes 50,100] [--office MB [--kinds docx,xlsx,pptx,odt] [--only-office] [--unit-seconds S]]

For each size N (MB), a one-page PDF whose text content stream inflates to N MB is scanned by
``profilewatch.scan`` in a child process, and, as the real alternative, given to pypdf's
``page.extract_text()`` directly.  Each child reports ``resource.getrusage(RUSAGE_SELF).ru_maxrss``.
Also: 300 MB of zeros with a claim at the end (binary strings, streamed), and with ``--office MB``
a DOCX whose ``word/document.xml``, an XLSX whose sheet, a PPTX whose one slide and an ODT whose
``content.xml`` unpack to MB megabytes (just under ``max_member_bytes``, 256 MB), the claim in the
last paragraph / row / shape (``--kinds`` picks some of them).
"""
from __future__ import annotations

import argparse
import json
import zipfile
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from pdf_bomb import inflating_pdf  # noqa: E402

CLAIM = "The camera estimates each visitor's ethnicity from the face."
CHILD = r"""
import json, resource, sys, time
t = time.perf_counter()
if sys.argv[1] == "profilewatch":
    import profilewatch
    from profilewatch.options import Limits
    limits = Limits(unit_seconds=float(sys.argv[3])) if len(sys.argv) > 3 else Limits()
    recs = [r.to_dict() for r in profilewatch.scan([sys.argv[2]], limits=limits)]
    out = {"findings": sum(r["type"] == "finding" for r in recs),
           "errors": [r["reason"] for r in recs if r["type"] == "error"]}
else:
    import pypdf
    text = pypdf.PdfReader(sys.argv[2]).pages[0].extract_text()
    out = {"chars": len(text)}
out["seconds"] = round(time.perf_counter() - t, 2)
out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
print(json.dumps(out))
"""


def child(tool: str, path: Path, unit_seconds: float | None = None) -> dict:
    extra = [str(unit_seconds)] if unit_seconds else []
    run = subprocess.run([sys.executable, "-c", CHILD, tool, str(path), *extra], capture_output=True, text=True)
    return json.loads(run.stdout) if run.returncode == 0 else {"failed": run.stderr[-300:]}


_PML = ('xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
_ODF = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def _write_part(zf: zipfile.ZipFile, part: str, head: str, row: str, last: str, tail: str, mb: int) -> None:
    """``head``, ``row`` formatted with i = 1, 2, ... until ``mb`` MB are written, ``last``, ``tail``."""
    with zf.open(part, "w", force_zip64=True) as fh:
        fh.write(head.encode())
        written, i, block = 0, 0, []
        while written < (mb << 20):
            i += 1
            block.append(row.format(i=i))
            if len(block) == 10000:
                data = "".join(block).encode()
                fh.write(data)
                written += len(data)
                block = []
        fh.write(("".join(block) + last + tail).encode())


def _slides_or_odt(path: Path, kind: str, mb: int) -> None:
    """A PPTX whose one slide part, or an ODT whose content.xml, unpacks to about ``mb`` MB (the
    claim in the last shape / paragraph)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        if kind == "odt":
            zf.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
            para = "<text:p>{}</text:p>"
            _write_part(zf, "content.xml", f"<office:document-content {_ODF}><office:body><office:text>",
                        "<text:list><text:list-item>" + para.format("Maintenance log line {i}: lenses cleaned.")
                        + "</text:list-item></text:list>", para.format(CLAIM),
                        "</office:text></office:body></office:document-content>", mb)
            return
        rels = '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>'
        zf.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                    '<Default Extension="xml" ContentType="application/xml"/></Types>')
        zf.writestr("ppt/presentation.xml", f'<p:presentation {_PML}><p:sldIdLst><p:sldId id="256" r:id="rId1"/>'
                    '</p:sldIdLst></p:presentation>')
        zf.writestr("ppt/_rels/presentation.xml.rels", rels.format(
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" '
            'Target="slides/slide1.xml"/>'))
        shape = ('<p:sp><p:nvSpPr><p:cNvPr id="{i}" name="Box {i}"/></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/>'
                 '<a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp>')
        _write_part(zf, "ppt/slides/slide1.xml", f"<p:sld {_PML}><p:cSld><p:spTree>",
                    shape.replace("{text}", "Maintenance log line {i}: lenses cleaned."),
                    shape.format(i=0, text=CLAIM), "</p:spTree></p:cSld></p:sld>", mb)


def _office(path: Path, kind: str, mb: int) -> None:
    """A DOCX, XLSX, PPTX or ODT whose main part unpacks to about ``mb`` MB; the claim comes last."""
    if kind in ("pptx", "odt"):
        return _slides_or_odt(path, kind, mb)
    if kind == "docx":
        part, ctype = "word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
        head = '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        row, tail = "<w:p><w:r><w:t>Maintenance log line {i}: lenses cleaned.</w:t></w:r></w:p>", "</w:body></w:document>"
        last = f"<w:p><w:r><w:t>{CLAIM}</w:t></w:r></w:p>"
    else:
        part, ctype = "xl/worksheets/sheet1.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
        head = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        row, tail = '<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>inventory row {i}</t></is></c></row>', "</sheetData></worksheet>"
        last = f'<row><c t="inlineStr"><is><t>{CLAIM}</t></is></c></row>'
    main = "word/document.xml" if kind == "docx" else "xl/workbook.xml"
    main_type = ctype if kind == "docx" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                    '<Default Extension="xml" ContentType="application/xml"/>'
                    f'<Override PartName="/{main}" ContentType="{main_type}"/>'
                    f'<Override PartName="/{part}" ContentType="{ctype}"/></Types>')
        zf.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    f'<Relationship Id="rId1" Type="{rel}" Target="{main}"/></Relationships>')
        if kind == "xlsx":
            zf.writestr("xl/workbook.xml", '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                        '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
            zf.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
                        '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        _write_part(zf, part, head, row, last, tail, mb)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="50,100")
    ap.add_argument("--skip-pypdf", action="store_true")
    ap.add_argument("--office", type=int, default=0, help="also Office files unpacking to this many MB")
    ap.add_argument("--kinds", default="docx,xlsx,pptx,odt", help="which Office files (default: all four)")
    ap.add_argument("--only-office", action="store_true", help="only the Office files (no PDFs, no zeros)")
    ap.add_argument("--unit-seconds", type=float, default=None, help="the Office scans' unit_seconds (default 60)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.kinds.split(",") if args.office else ():
            path = Path(tmp) / f"big.{kind}"
            _office(path, kind, args.office)
            t = time.perf_counter()
            print(f"{kind} unpacking to {args.office} MB ({path.stat().st_size} bytes on disk):",
                  child("profilewatch", path, args.unit_seconds), f"(wall {time.perf_counter() - t:.1f}s)")
        if args.only_office:
            return
        for mb in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"inflate{mb}.pdf"
            path.write_bytes(inflating_pdf(CLAIM, mb << 20))
            print(f"pdf inflating to {mb} MB ({path.stat().st_size} bytes on disk)")
            print("  profilewatch:", child("profilewatch", path))
            if not args.skip_pypdf:
                print("  pypdf extract_text:", child("pypdf", path))
        zeros = Path(tmp) / "zeros.bin"
        with open(zeros, "wb") as fh:
            fh.write(b"\x7fELF\0\0")
            for _ in range(300):
                fh.write(b"\0" * (1 << 20))
            fh.write(b"\0" + CLAIM.encode() + b"\0")
        t = time.perf_counter()
        print("300 MB of zeros, claim at the end:", child("profilewatch", zeros), f"(wall {time.perf_counter() - t:.1f}s)")


if __name__ == "__main__":
    main()
