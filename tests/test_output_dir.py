"""scan --output-dir: one shard per top-level input, a manifest and a merged summary; report DIR
renders the folder like the JSONL of one scan; a rerun reuses complete shards; a unit no worker
could scan is reported in the manifest and scanned again by the next run."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from casecorpus import make_corpus, run_cli


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _body(records: list[dict]) -> list[dict]:
    return [r for r in records if r["type"] not in ("header", "summary")]


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _scan_dir(corpus: Path, out: Path, *extra: str, env: dict | None = None):
    res = run_cli("scan", str(corpus), "--output-dir", str(out), "--units", "--no-progress", *extra, env=env)
    assert res.exit_code in (0, 1), res.output
    return res


def test_a_shard_folder_holds_the_scan_and_report_reads_it(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", n=7)
    plain = _lines(run_cli("scan", str(corpus), "--format", "jsonl", "--units", "--no-progress").stdout)
    out = tmp_path / "out"
    res = _scan_dir(corpus, out, "-j2")
    assert res.stdout == ""  # nothing else written without -o
    manifest = _manifest(out)
    top = [r["file"] for r in plain if r["type"] == "unit" and r["member"] is None]
    assert len(top) == 8 and [e["file"] for e in manifest["inputs"]] == top  # input order
    assert manifest["counts"]["complete"] == 8 and manifest["counts"]["failed"] == 0
    assert len(list((out / "shards").glob("*.jsonl"))) == 8
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    expected = plain[-1]
    for key in ("findings", "flag_findings", "units"):
        assert summary[key] == expected[key]
    assert summary["shards"] == {"written": 8, "reused": 0, "failed": 0}
    report = run_cli("report", str(out), "--format", "jsonl")
    assert report.exit_code == 0, report.output
    replayed = _lines(report.stdout)
    assert replayed[0]["type"] == "header" and replayed[-1]["type"] == "summary"
    assert _body(replayed) == _body(plain)
    assert run_cli("report", str(out), "--format", "csv").stdout.count("\n") > 3


def test_a_rerun_skips_complete_shards_and_redoes_a_missing_one(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", n=5)
    out = tmp_path / "out"
    _scan_dir(corpus, out, "-j2")
    first = _lines(run_cli("report", str(out), "--format", "jsonl").stdout)
    _scan_dir(corpus, out, "-j2")
    assert _manifest(out)["counts"]["reused"] == 6
    assert json.loads((out / "summary.json").read_text())["shards"] == {"written": 0, "reused": 6, "failed": 0}
    victim = next(e for e in _manifest(out)["inputs"] if e["file"] == "doc002.txt")
    (out / victim["shard"]).unlink()
    _scan_dir(corpus, out, "-j2")
    assert json.loads((out / "summary.json").read_text())["shards"] == {"written": 1, "reused": 5, "failed": 0}
    assert _body(_lines(run_cli("report", str(out), "--format", "jsonl").stdout)) == _body(first)


@pytest.mark.parametrize("where", [("-j2",), ("--executor", "dask", "-j2")], ids=["processes", "dask"])
def test_a_failed_task_is_reported_never_lost_and_the_rerun_completes_it(tmp_path, monkeypatch, where):
    """With Dask, the 5 files go in one batch: the batch fails on doc001.txt, and only doc001.txt
    fails (the others are retried one by one and get their shards)."""
    if "dask" in where:
        pytest.importorskip("distributed", reason="the Dask executor needs the cluster extra")
    corpus = make_corpus(tmp_path / "corpus", n=5, with_zip=False)
    plain = _lines(run_cli("scan", str(corpus), "--format", "jsonl", "--units", "--no-progress").stdout)
    out = tmp_path / "out"
    monkeypatch.setenv("PROFILEWATCH_TEST_KILL_WORKER", "doc001.txt:always")
    _scan_dir(corpus, out, *where)
    manifest = _manifest(out)
    failed = [e for e in manifest["inputs"] if e["status"] == "failed"]
    assert [e["file"] for e in failed] == ["doc001.txt"] and failed[0]["shard"] is None
    assert [r["reason"] for r in failed[0]["inline"] if r["type"] == "error"] == ["worker_lost"]
    assert manifest["counts"]["complete"] == 4
    report = _lines(run_cli("report", str(out), "--format", "jsonl").stdout)
    assert [(r["file"], r["reason"]) for r in report if r["type"] == "error"] == [("doc001.txt", "worker_lost")]
    monkeypatch.delenv("PROFILEWATCH_TEST_KILL_WORKER")
    _scan_dir(corpus, out, *where)
    assert json.loads((out / "summary.json").read_text())["shards"] == {"written": 1, "reused": 4, "failed": 0}
    assert _body(_lines(run_cli("report", str(out), "--format", "jsonl").stdout)) == _body(plain)


def test_store_and_output_dir_do_not_mix(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", n=2, with_zip=False)
    res = run_cli("scan", str(corpus), "--output-dir", str(tmp_path / "o"), "--store", str(tmp_path / "c.db"))
    assert res.exit_code == 2 and "cannot be combined" in res.output
