"""Generated corpora for the case-store tests (tests/test_store.py, test_review.py, test_evidence.py)."""
from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

from click.testing import CliRunner

FLAG_EN = "Product brief {i}. The camera supports ethnicity (Uyghur/Han) attribute analysis for every captured face.\n"
FLAG_ZH = "方案{i}：系统对抓拍人员进行民族属性识别，维族人员实时预警。\n"
CLEAN = "Maintenance note {i}: the parking lot barrier gates are serviced every quarter.\n"


def make_corpus(root: Path, n: int = 12, with_zip: bool = True) -> Path:
    """``n`` text files (a third English flag, a third Chinese flag, a third clean) and a zip."""
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        text = (FLAG_EN, FLAG_ZH, CLEAN)[i % 3].format(i=i)
        (root / f"doc{i:03d}.txt").write_text(text, encoding="utf-8")
    if with_zip:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("sdk/README.txt", FLAG_EN.format(i="zip"))
            zf.writestr("sdk/notes/alarm.txt", FLAG_ZH.format(i="zip"))
            zf.writestr("sdk/LICENSE.txt", CLEAN.format(i="zip"))
        (root / "bundle.zip").write_bytes(buf.getvalue())
    return root


def run_cli(*args: str, env: dict[str, str] | None = None) -> Any:
    """Run ``profilewatch`` in-process; returns click's Result (exit_code, stdout, stderr)."""
    from profilewatch.cli import cli

    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def findings_of(jsonl: str) -> list[dict[str, Any]]:
    """Finding records of JSONL output, sorted for comparison."""
    out = [json.loads(line) for line in jsonl.splitlines() if line.strip()]
    return sorted((r for r in out if r["type"] == "finding"), key=lambda r: json.dumps(r, sort_keys=True))


def done_count(db: Path) -> int:
    """Top-level units committed to a case store so far, read without disturbing the writer."""
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("SELECT count(*) FROM done").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0
