"""The command line: formats, header/summary framing, exit codes, options."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent.parent / "examples"


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "profilewatch", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})


def jsonl(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_jsonl_contract_on_examples():
    p = run("scan", str(EXAMPLES), "--format", "jsonl")
    assert p.returncode == 1, p.stderr  # flag findings
    recs = jsonl(p.stdout)
    assert recs[0]["type"] == "header" and recs[-1]["type"] == "summary"
    assert recs[0]["rules_digest"].startswith("sha256:") and recs[0]["version"]
    findings = [r for r in recs if r["type"] == "finding"]
    for f in findings:
        for key in ("file", "member", "kind", "category", "rule", "confidence", "evidence", "sha256", "fingerprint", "explanation"):
            assert key in f
        assert {"text", "match"} <= f["evidence"].keys()
        assert "/" not in f["file"] or not f["file"].startswith("/")
    assert recs[-1]["flag_findings"] == sum(f["flag"] for f in findings)
    assert recs[-1]["units"]["scanned"] == len(list(EXAMPLES.iterdir()))


def test_json_is_one_array():
    p = run("scan", str(EXAMPLES / "face_attr.h"), "--format", "json")
    data = json.loads(p.stdout)
    assert data[0]["type"] == "header" and data[-1]["type"] == "summary"


def test_table_format_and_output_file(tmp_path):
    out = tmp_path / "report.txt"
    p = run("scan", str(EXAMPLES / "face_attr.h"), "--output", str(out))
    assert p.returncode == 1 and p.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert "FLAG" in text and "face_attr.h line" in text and "why:" in text


def test_exit_0_when_only_clean(tmp_path):
    p = run("scan", str(EXAMPLES / "vendor-statement-en.html"), "--format", "jsonl")
    assert p.returncode == 0
    kinds = {r["kind"] for r in jsonl(p.stdout) if r["type"] == "finding"}
    assert kinds == {"disclaimer"}


def test_flags_only_and_min_confidence():
    p = run("scan", str(EXAMPLES), "--format", "jsonl", "--flags-only", "--min-confidence", "0.9")
    findings = [r for r in jsonl(p.stdout) if r["type"] == "finding"]
    assert findings and all(f["flag"] and f["confidence"] >= 0.9 for f in findings)


def test_usage_error_is_2():
    assert run("scan").returncode == 2
    assert run("scan", str(EXAMPLES), "--format", "nope").returncode == 2


def test_rule_error_is_2(tmp_path):
    (tmp_path / "bad.yaml").write_text("id: x\ncategory: caste\nterms: {group: [a]}\n")
    p = run("scan", str(EXAMPLES), "--rules", str(tmp_path))
    assert p.returncode == 2 and "rule error" in p.stderr


def test_strict_makes_failed_inputs_exit_3(tmp_path):
    (tmp_path / "ok.txt").write_text("nothing here")
    p = run("scan", str(tmp_path), str(tmp_path / "missing.txt"), "--format", "jsonl", "--strict", "--keep-going")
    assert p.returncode == 3
    errors = [r for r in jsonl(p.stdout) if r["type"] == "error"]
    assert errors[0]["reason"] == "not_found"
    assert run("scan", str(tmp_path), str(tmp_path / "missing.txt"), "--keep-going").returncode == 0
    assert run("scan", str(tmp_path), str(tmp_path / "missing.txt")).returncode == 2  # a mistyped path


def test_units_records_add_up():
    p = run("scan", str(EXAMPLES), "--format", "jsonl", "--units")
    recs = jsonl(p.stdout)
    units = [r for r in recs if r["type"] == "unit"]
    assert len(units) == recs[-1]["units"]["seen"]
    assert all(len(u["sha256"]) == 64 for u in units)


def test_rules_list_and_test():
    p = run("rules", "list")
    assert p.returncode == 0 and "ethnicity" in p.stdout and "digest: sha256:" in p.stdout
    p = run("rules", "test")
    assert p.returncode == 0 and " 0 failed" in p.stdout


def test_paths_are_relative_to_the_scanned_root(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("The camera estimates each visitor's ethnicity from the face.")
    recs = jsonl(run("scan", str(tmp_path), "--format", "jsonl").stdout)
    assert [r["file"] for r in recs if r["type"] == "finding"] == ["sub/a.txt"]
