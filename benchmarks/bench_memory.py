"""Peak memory (RSS) of scanning single hostile inputs, each in a fresh process (issue 12).

Usage: python benchmarks/bench_memory.py [--sizes 50,100] [--office MB [--kinds docx,xlsx,pptx,odt] [--only-office] [--unit-seconds S]]
       python benchmarks/bench_memory.py --ocr-page 6000

For each size N (MB), a one-page PDF whose text content stream inflates to N MB is scanned by
``profilewatch.scan`` in a child process, and, as the real alternative, given to pypdf's
``page.extract_text()`` directly.  Each child reports its peak RSS: ``VmHWM`` from ``/proc/self/status``
(its own high-water mark since exec) where there is one, else ``getrusage(RUSAGE_SELF).ru_maxrss``
(which Linux carries over exec from the parent at fork: a big parent inflates it).
Also: 300 MB of zeros with a claim at the end (binary strings, streamed), and with ``--office MB``
a DOCX whose ``word/document.xml``, an XLSX whose sheet, a PPTX whose one slide and an ODT whose
``content.xml`` unpack to MB megabytes (just under ``max_member_bytes``, 256 MB), the claim in the
last paragraph / row / shape (``--kinds`` picks some of them; also ``docx-node``, one text node of
MB megabytes, ``docx-runs``, one paragraph of MB megabytes of runs, and ``xlsx-shared``, a shared-strings table of MB megabytes).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from itertools import chain
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from office_package import write_office  # noqa: E402
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
           "errors": [r["reason"] + (f"/{r['limit']}" if r.get("limit") else "") for r in recs if r["type"] == "error"]}
else:
    import pypdf
    text = pypdf.PdfReader(sys.argv[2]).pages[0].extract_text()
    out = {"chars": len(text)}
out["seconds"] = round(time.perf_counter() - t, 2)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB; Linux keeps it across exec (the parent's at fork)
try:
    with open("/proc/self/status") as fh:  # VmHWM: this process's own high-water mark since exec
        peak = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    pass
out["peak_rss_mb"] = round(peak / 1024, 1)
print(json.dumps(out))
"""


def child(tool: str, path: Path, unit_seconds: float | None = None) -> dict:
    extra = [str(unit_seconds)] if unit_seconds else []
    run = subprocess.run([sys.executable, "-c", CHILD, tool, str(path), *extra], capture_output=True, text=True)
    return json.loads(run.stdout) if run.returncode == 0 else {"failed": run.stderr[-300:]}


def _filler(mb: int, row: str) -> Iterator[str]:
    """``row`` formatted with i = 1, 2, ... until about ``mb`` MB are given."""
    written, i = 0, 0
    while written < (mb << 20):
        i += 1
        text = row.format(i=i)
        written += len(text)
        yield text


_ROWS = {
    "docx": ("<w:p><w:r><w:t>Maintenance log line {i}: lenses cleaned.</w:t></w:r></w:p>",
             f"<w:p><w:r><w:t>{CLAIM}</w:t></w:r></w:p>"),
    "xlsx": ('<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>inventory row {i}</t></is></c></row>',
             f'<row><c t="inlineStr"><is><t>{CLAIM}</t></is></c></row>'),
    "pptx": ('<p:sp><p:nvSpPr><p:cNvPr id="{i}" name="Box {i}"/></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/>'
             '<a:p><a:r><a:t>Maintenance log line {i}: lenses cleaned.</a:t></a:r></a:p></p:txBody></p:sp>',
             f'<p:sp><p:txBody><a:bodyPr/><a:p><a:r><a:t>{CLAIM}</a:t></a:r></a:p></p:txBody></p:sp>'),
    "odt": ("<text:list><text:list-item><text:p>Maintenance log line {i}: lenses cleaned.</text:p></text:list-item>"
            "</text:list>", f"<text:p>{CLAIM}</text:p>"),
}


def _office(path: Path, kind: str, mb: int) -> None:
    """A DOCX, XLSX, PPTX or ODT whose main part unpacks to about ``mb`` MB, the claim last; or
    ``docx-node``: one paragraph whose single text node is the whole part, claim at its end;
    ``docx-runs``: one paragraph of millions of runs (the whole part), claim in the last run;
    ``xlsx-shared``: a shared-strings table of about ``mb`` MB, every row pointing at one entry,
    the claim the last entry (the sheet unpacks to about half of that)."""
    if kind == "docx-node":
        text = _filler(mb, "Maintenance log line {i}: lenses cleaned. ")
        return write_office(path, "docx", chain(["<w:p><w:r><w:t>"], text, [CLAIM, "</w:t></w:r></w:p>"]))
    if kind == "docx-runs":  # one paragraph of a run per line: millions of runs, claim in the last
        runs = _filler(mb, "<w:r><w:t xml:space=\"preserve\">Maintenance log line {i}: lenses cleaned. </w:t></w:r>")
        return write_office(path, "docx", chain(["<w:p>"], runs, [f"<w:r><w:t>{CLAIM}</w:t></w:r></w:p>"]))
    if kind == "xlsx-shared":
        def strings() -> Iterator[str]:
            yield from _filler(mb, "<si><t>inventory item {i}: spare lens, cleaning cloth, mounting bracket</t></si>")
            yield f"<si><t>{CLAIM}</t></si>"

        count = sum(1 for _ in strings())
        rows = (f'<row r="{i}"><c r="A{i}" t="s"><v>{i - 1}</v></c></row>' for i in range(1, count + 1))
        return write_office(path, "xlsx", rows, strings())
    row, last = _ROWS[kind]
    write_office(path, kind, chain(_filler(mb, row), [last]))  # generators: the parent stays small


OCR_CLAIM = "支持人脸属性识别：民族（维吾尔族、汉族）、肤色"
OCR_FILLER = "本报讯昨日市图书馆举办文化展览展出服饰与手工艺品吸引众多市民参观"


def _ocr_page(path: Path, side: int) -> None:
    """A ``side`` x ``side`` grayscale page full of Chinese text lines (36 Mpx at 6000), the claim in the last line."""
    import ocr_set

    size = side // 100
    line = (OCR_FILLER * (side // (size * len(OCR_FILLER)) + 1))[: side // size - 2]
    count = int((side - 2 * size) / (size * 1.9))
    lines = [line] * (count - 1) + [OCR_CLAIM]
    ocr_set.render(lines, ocr_set.cjk_font(), size, page=(side, side)).save(path, "PNG")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="50,100")
    ap.add_argument("--skip-pypdf", action="store_true")
    ap.add_argument("--office", type=int, default=0, help="also Office files unpacking to this many MB")
    ap.add_argument("--kinds", default="docx,xlsx,pptx,odt",
                    help="which Office files (default: the four; also docx-node, docx-runs, xlsx-shared)")
    ap.add_argument("--only-office", action="store_true", help="only the Office files (no PDFs, no zeros)")
    ap.add_argument("--unit-seconds", type=float, default=None, help="the Office scans' unit_seconds (default 60)")
    ap.add_argument("--ocr-page", type=int, default=0,
                    help="only: a square page of this many pixels a side full of text, read by OCR (6000: 36 Mpx)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.ocr_page:
            path = Path(tmp) / "page.png"
            _ocr_page(path, args.ocr_page)
            t = time.perf_counter()
            print(f"{args.ocr_page}x{args.ocr_page} page of text ({path.stat().st_size} bytes):",
                  child("profilewatch", path), f"(wall {time.perf_counter() - t:.1f}s)")
            return
        for kind in args.kinds.split(",") if args.office else ():
            path = Path(tmp) / f"big-{kind}.{kind.partition('-')[0]}"
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
