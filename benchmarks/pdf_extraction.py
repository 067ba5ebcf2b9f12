"""Compare pypdf and pdfminer.six on the dev corpus PDFs: CJK text quality and speed.

Usage: python benchmarks/pdf_extraction.py [/work/shared/corpus/dev]

For each PDF, the authored source (src/pdf/<name>.txt; pages split by ``=== page ===``) is cut
into pieces (lines and table cells, markup removed).  A piece counts as *recovered* when it
appears verbatim in the extracted text once all whitespace is removed from both; *in order*
is the share of pieces found by a forward search that starts after the previous piece found.  Key phrases
are checked the same way.  Times are the median of 3 runs.
"""
from __future__ import annotations

import io
import re
import statistics
import sys
import time
import zipfile
from pathlib import Path

KEY_PHRASES = ["维吾尔族", "汉族", "肤色", "维族人员实时预警", "维族告警", "民族", "維吾爾族", "漢族", "藏族",
               "族裔", "Uyghur", "ethnicity", "skin tone"]
_WS = re.compile(r"\s+")


def pypdf_pages(data: bytes) -> list[str]:
    import pypdf

    return [p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(data)).pages]


def pdfminer_pages(data: bytes) -> list[str]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextContainer

    return ["".join(el.get_text() for el in page if isinstance(el, LTTextContainer))
            for page in extract_pages(io.BytesIO(data))]


def pieces(source: str) -> list[str]:
    out = []
    for line in source.splitlines():
        if line.startswith(("@@", "===")):
            continue
        for cell in line.split("|"):
            cell = re.sub(r"^[#\-\s]+|\*\*", "", cell).strip()
            cell = _WS.sub("", cell)
            if len(cell) >= 2:
                out.append(cell)
    return out


def score(pages: list[str], source: str) -> tuple[float, float, list[str]]:
    text = _WS.sub("", "".join(pages))
    want = pieces(source)
    found = sum(1 for piece in want if piece in text)
    in_order, cursor = 0, 0
    for piece in want:  # greedy forward search: pieces found after the previous one
        at = text.find(piece, cursor)
        if at >= 0:
            in_order += 1
            cursor = at + len(piece)
    ordered = in_order / max(len(want), 1)
    missing = [k for k in KEY_PHRASES if _WS.sub("", k) in _WS.sub("", source) and _WS.sub("", k) not in text]
    if "-v" in sys.argv:
        print("   not recovered:", [p for p in want if p not in text][:5])
    return found / max(len(want), 1), ordered, missing


def main(root: str) -> None:
    base = Path(root)
    docs = {p.name: p.read_bytes() for p in sorted((base / "corpus/pdf").glob("*.pdf"))}
    with zipfile.ZipFile(base / "corpus/archives/hs-faceattr-sdk-v5.5.2.zip") as zf:
        docs["HS_FaceAttr_API.pdf (in zip)"] = zf.read("doc/HS_FaceAttr_API.pdf")
    print("| pdf | pages | pypdf recovered | pypdf order | pypdf ms | pdfminer recovered | pdfminer order | pdfminer ms | missing key phrases (pypdf / pdfminer) |")
    print("|---|---|---|---|---|---|---|---|---|")
    totals = {"pypdf": [], "pdfminer": []}
    for name, data in docs.items():
        src = base / "src/pdf" / (name.rsplit(".pdf", 1)[0] + ".txt")
        source = src.read_text(encoding="utf-8") if src.exists() else ""
        row = [name]
        missing_all = []
        for label, fn in (("pypdf", pypdf_pages), ("pdfminer", pdfminer_pages)):
            times = []
            for _ in range(3):
                t = time.perf_counter()
                pages = fn(data)
                times.append((time.perf_counter() - t) * 1000)
            ms = statistics.median(times)
            totals[label].append(ms)
            if label == "pypdf":
                row.append(str(len(pages)))
            if source:
                rec, order, missing = score(pages, source)
                row += [f"{rec:.1%}", f"{order:.1%}", f"{ms:.0f}"]
            else:
                row += ["n/a", "n/a", f"{ms:.0f}"]
                missing = []
            missing_all.append(",".join(missing) or "-")
        row.append(" / ".join(missing_all))
        print("| " + " | ".join(row) + " |")
    print(f"\ntotal ms: pypdf {sum(totals['pypdf']):.0f}, pdfminer {sum(totals['pdfminer']):.0f}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "-v"]
    main(args[0] if args else "/work/shared/corpus/dev")
