"""Review decisions (confirm/dismiss/reopen) and baselines."""
from __future__ import annotations

import json
import shutil

from casecorpus import FLAG_EN, findings_of, make_corpus, run_cli


def _scan(corpus, db, *extra):
    return run_cli("scan", str(corpus), "--store", str(db), "--format", "jsonl", *extra)


def _fingerprint(findings, file):
    return next(f["fingerprint"] for f in findings if f["file"] == file)


def test_dismissed_findings_drop_out_and_survive_rescans(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", n=3, with_zip=False)  # doc000 EN flag, doc001 ZH flag, doc002 clean
    db = tmp_path / "case.db"
    first = _scan(corpus, db)
    assert first.exit_code == 1
    found = findings_of(first.stdout)
    assert {f["file"] for f in found} == {"doc000.txt", "doc001.txt"}
    fp_en, fp_zh = _fingerprint(found, "doc000.txt"), _fingerprint(found, "doc001.txt")

    res = run_cli("review", "dismiss", "--store", str(db), fp_en[:10], "--note", "marketing copy", "--reviewer", "ana")
    assert res.exit_code == 0 and res.stdout.strip() == f"{fp_en} dismissed"
    assert run_cli("review", "confirm", "--store", str(db), fp_zh, "--reviewer", "bo").exit_code == 0

    (corpus / "doc002.txt").write_text("changed clean text about gate maintenance\n")  # rescan with a change
    second = _scan(corpus, db)
    kept = findings_of(second.stdout)
    assert [f["file"] for f in kept] == ["doc001.txt"]
    assert kept[0]["review"]["decision"] == "confirmed" and kept[0]["review"]["reviewer"] == "bo"
    summary = json.loads(second.stdout.splitlines()[-1])
    assert summary["suppressed"] == {"dismissed": 1} and summary["flag_findings"] == 1

    everything = findings_of(_scan(corpus, db, "--include-dismissed").stdout)
    assert {f["file"] for f in everything} == {"doc000.txt", "doc001.txt"}
    dismissed = next(f for f in everything if f["fingerprint"] == fp_en)
    assert dismissed["review"] == {"decision": "dismissed", "note": "marketing copy", "reviewer": "ana",
                                   "at": dismissed["review"]["at"]}

    listed = run_cli("review", "list", "--store", str(db), "--json")
    rows = {json.loads(line)["fingerprint"]: json.loads(line) for line in listed.stdout.splitlines()}
    assert rows[fp_en]["status"] == "dismissed" and rows[fp_zh]["status"] == "confirmed"
    only = run_cli("review", "list", "--store", str(db), "--status", "dismissed")
    assert fp_en[:16] in only.stdout and fp_zh[:16] not in only.stdout

    assert run_cli("review", "reopen", "--store", str(db), fp_en, "--reviewer", "ana").exit_code == 0
    back = _scan(corpus, db)
    assert {f["file"] for f in findings_of(back.stdout)} == {"doc000.txt", "doc001.txt"}
    assert back.exit_code == 1
    shown = run_cli("review", "show", "--store", str(db), fp_en)
    assert shown.exit_code == 0
    assert "dismissed by ana: marketing copy" in shown.stdout and "open      by ana" in shown.stdout


def test_decision_carries_to_the_same_claim_in_another_snapshot(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", n=1, with_zip=False)
    db = tmp_path / "case.db"
    fp = findings_of(_scan(corpus, db).stdout)[0]["fingerprint"]
    run_cli("review", "dismiss", "--store", str(db), fp, "--reviewer", "ana")
    snapshot = tmp_path / "snapshot-2019"
    snapshot.mkdir()
    shutil.copy(corpus / "doc000.txt", snapshot / "datasheet-2019.txt")
    res = _scan(snapshot, db)
    assert findings_of(res.stdout) == []
    assert res.exit_code == 0
    assert json.loads(res.stdout.splitlines()[-1])["suppressed"] == {"dismissed": 1}


def test_unknown_or_ambiguous_fingerprint_is_exit_2(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", n=3, with_zip=False)
    db = tmp_path / "case.db"
    _scan(corpus, db)
    res = run_cli("review", "confirm", "--store", str(db), "ffffffffffff", "--reviewer", "x")
    assert res.exit_code == 2 and "no finding with fingerprint" in res.stderr
    res = run_cli("review", "confirm", "--store", str(db), "", "--reviewer", "x")
    assert res.exit_code == 2 and "ambiguous" in res.stderr


def test_baseline_reports_only_new_findings(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", n=3, with_zip=False)
    base = tmp_path / "baseline.json"
    res = run_cli("scan", str(corpus), "--format", "jsonl", "--write-baseline", str(base))
    assert res.exit_code == 1
    doc = json.loads(base.read_text())
    assert doc["profilewatch_baseline"] == 1
    assert sorted(e["fingerprint"] for e in doc["findings"]) == sorted(f["fingerprint"] for f in findings_of(res.stdout))

    again = run_cli("scan", str(corpus), "--format", "jsonl", "--baseline", str(base))
    assert again.exit_code == 0  # nothing new
    assert findings_of(again.stdout) == []
    assert json.loads(again.stdout.splitlines()[-1])["suppressed"] == {"baseline": 2}

    (corpus / "copy.txt").write_text(FLAG_EN.format(i="copy"))  # the same claim again: not new
    (corpus / "new.txt").write_text("The server flags every Uyghur visitor and sends an alarm to the police station.\n")
    new = run_cli("scan", str(corpus), "--format", "jsonl", "--baseline", str(base))
    assert new.exit_code == 1
    assert [f["file"] for f in findings_of(new.stdout)] == ["new.txt"]


def test_baseline_is_deterministic(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", n=6, with_zip=False)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    run_cli("scan", str(corpus), "--format", "jsonl", "--write-baseline", str(a))
    run_cli("scan", str(corpus), "--format", "jsonl", "--write-baseline", str(b))
    assert a.read_bytes() == b.read_bytes()


def test_bad_baseline_is_exit_2_and_not_overwritten(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", n=3, with_zip=False)
    base = tmp_path / "baseline.json"
    base.write_text('{"profilewatch_baseline": 1, "findings": [')
    res = run_cli("scan", str(corpus), "--format", "jsonl", "--baseline", str(base), "--write-baseline", str(base))
    assert res.exit_code == 2
    assert "is not valid JSON" in res.stderr
    assert res.stdout == ""
    assert base.read_text() == '{"profilewatch_baseline": 1, "findings": ['
    base.write_text('["not", "a", "baseline"]')
    res = run_cli("scan", str(corpus), "--baseline", str(base))
    assert res.exit_code == 2 and "not a profilewatch baseline" in res.stderr
    res = run_cli("scan", str(corpus), "--baseline", str(tmp_path / "missing.json"))
    assert res.exit_code == 2 and "cannot read baseline" in res.stderr


def test_unwritable_baseline_path_fails_before_scanning(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", n=3, with_zip=False)
    res = run_cli("scan", str(corpus), "--format", "jsonl", "--write-baseline", str(tmp_path / "no" / "b.json"))
    assert res.exit_code == 2
    assert "cannot write baseline" in res.stderr and res.stdout == ""


def test_review_list_filters_by_file_category_kind_status_and_confidence(tmp_path):
    import zipfile
    from pathlib import Path

    corpus = tmp_path / "corpus"
    shutil.copytree(Path(__file__).resolve().parents[1] / "examples", corpus / "docs")
    with zipfile.ZipFile(corpus / "pack.zip", "w") as zf:
        zf.writestr("inner/spec.txt", FLAG_EN.format(i="Z") + "\n")
    db = tmp_path / "case.db"
    found = findings_of(_scan(corpus, db).stdout)
    by_fp = {f["fingerprint"]: f for f in found}
    assert len({f["kind"] for f in found}) >= 3 and len({f["category"] for f in found}) >= 2

    def listed(*args):
        res = run_cli("review", "list", "--store", str(db), "--json", *args)
        assert res.exit_code == 0, res.output
        return {json.loads(line)["fingerprint"]: json.loads(line) for line in res.stdout.splitlines()}

    assert set(listed()) == set(by_fp)
    kind = next(f["kind"] for f in found if not f["flag"])
    assert set(listed("--kind", kind)) == {fp for fp, f in by_fp.items() if f["kind"] == kind}
    both = set(listed("--kind", kind, "--kind", "implementation"))
    assert both == {fp for fp, f in by_fp.items() if f["kind"] in (kind, "implementation")}
    assert set(listed("--category", "religion")) == {fp for fp, f in by_fp.items() if "religion" in f["categories"]}
    assert listed("--category", "religion")
    levels = sorted({f["confidence"] for f in found})
    assert len(levels) >= 2, levels  # calibrated confidences still differ between kinds of finding
    cut = str(levels[-1])
    assert set(listed("--min-confidence", cut)) == {fp for fp, f in by_fp.items() if f["confidence"] >= levels[-1]}
    assert set(listed("--min-confidence", cut)) != set(by_fp)
    html = set(listed("--file", "*.html"))
    assert html and html == {fp for fp, f in by_fp.items() if f["file"].endswith(".html")}
    assert set(listed("--file", "docs/idcard_reader.py")) == {fp for fp, f in by_fp.items()
                                                             if f["file"] == "docs/idcard_reader.py"}
    member = set(listed("--file", "inner/*"))
    assert member and all(by_fp[fp]["member"] == "inner/spec.txt" for fp in member)
    assert set(listed("--file", "docs")) == {fp for fp, f in by_fp.items() if f["file"].startswith("docs/")}
    one = next(iter(html))
    assert run_cli("review", "confirm", "--store", str(db), one).exit_code == 0
    assert set(listed("--status", "confirmed", "--file", "*.html")) == {one}
    assert listed("--status", "confirmed", "--file", "*.py") == {}
    bad = run_cli("review", "list", "--store", str(db), "--kind", "nonsense")
    assert bad.exit_code == 2 and "capability_claim" in bad.output
