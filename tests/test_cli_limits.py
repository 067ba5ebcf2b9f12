"""``scan --limit NAME=VALUE``: the safety limits set from the command line (and config files)."""
from __future__ import annotations

import io
import json
import zipfile

from casecorpus import run_cli

CLAIM = "The camera analyses each passer-by's ethnicity (such as Uyghur, Han) and skin colour.\n"


def _records(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _zip(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("spec.txt", CLAIM + "x" * 5000)
    (tmp_path / "sdk.zip").write_bytes(buf.getvalue())
    return tmp_path


def test_a_lowered_member_limit_is_reported_by_name_and_the_default_scans_the_member(tmp_path):
    root = _zip(tmp_path)
    default = _records(run_cli("scan", str(root), "--format", "jsonl").stdout)
    assert [r["member"] for r in default if r["type"] == "finding" and r["kind"] == "capability_claim"] == ["spec.txt"]
    result = run_cli("scan", str(root), "--format", "jsonl", "--limit", "max_member_bytes=1K")
    limited = _records(result.stdout)
    errors = [r for r in limited if r["type"] == "error"]
    assert [(e["reason"], e["limit"]) for e in errors] == [("limit_exceeded", "max_member_bytes")]
    assert not [r for r in limited if r["type"] == "finding"]
    assert limited[0]["arguments"]["limits"] == {"max_member_bytes": 1024}


def test_a_bad_limit_is_a_usage_error_naming_the_limits(tmp_path):
    for bad in ("nope=1", "max_depth"):  # no such limit, or no value: the names are listed
        result = run_cli("scan", str(tmp_path), "--limit", bad)
        assert result.exit_code == 2, bad
        assert "unit_seconds" in result.output and "max_member_bytes" in result.output
    for bad, named in (("unit_seconds=soon", "unit_seconds=soon"), ("max_depth=-2", "max_depth=-2")):
        result = run_cli("scan", str(tmp_path), "--limit", bad)
        assert result.exit_code == 2 and named in result.output and "expected a positive" in result.output
