"""Table rows in layout-extracted text: each row its own paragraph.

A PDF page's text layer comes out line by line (pypdf).  Wrapped prose lines run to the width of
the column and read as one text once normalisation joins CJK across a single line break; but a
spec table's rows ("人脸属性 性别、年龄段、民族") are statements of their own, and joined they
become one run-on passage in which a neighbouring row's words decide the kind.  :func:`split_rows`
finds runs of row-like lines (short against the page's widest line, cells apart, no sentence end)
and puts a blank line after each, which normalisation keeps as a break and the detector reads as
the end of a passage.  Characters are only added (line breaks), never removed or changed, so
evidence still quotes the page.
"""
from __future__ import annotations

import re

ROW_WIDTH = 0.75  # a row-like line is at most this share of the page's widest line
MIN_ROWS = 2  # a table has at least this many row-like lines in a run
_CELL_GAP = re.compile(r"\S\s+\S")
_SENTENCE_END = re.compile(r"[。！？!?；;]\s*$|\.\s*$")


def _row_like(line: str, width: int) -> bool:
    s = line.strip()
    return bool(s) and len(s) <= ROW_WIDTH * width and bool(_CELL_GAP.search(s)) and not _SENTENCE_END.search(s)


def split_rows(text: str) -> str:
    """``text`` with a blank line after every line of a run of >= MIN_ROWS row-like lines."""
    lines = text.split("\n")
    width = max((len(line.strip()) for line in lines), default=0)
    if width < 8 or len(lines) < MIN_ROWS:
        return text
    rows = [_row_like(line, width) for line in lines]
    out: list[str] = []
    run = 0
    for i, line in enumerate(lines):
        run = run + 1 if rows[i] else 0
        in_table = rows[i] and (run >= MIN_ROWS or (i + 1 < len(lines) and rows[i + 1]))
        out.append(line + "\n" if in_table and i + 1 < len(lines) else line)
    return "\n".join(out)
