"""The case store: incremental rescans, kill -9 resume, schema versioning and bad stores."""
from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from casecorpus import done_count, findings_of, make_corpus, run_cli
from profilewatch import api, extract
from profilewatch.records import Finding
from profilewatch.sources import containers
from profilewatch.case.store import SCHEMA_VERSION, Store


def _dicts(records) -> list[dict]:
    return [r.to_dict() for r in records]


@pytest.fixture
def counting(monkeypatch):
    """Count every extractor and container-opener call."""
    calls = {"extract": 0, "open": 0}

    def wrap(table, key, kind):
        original = table[key]

        def counted(*args, **kwargs):
            calls[kind] += 1
            return original(*args, **kwargs)

        monkeypatch.setitem(table, key, counted)

    for fmt in list(extract.EXTRACTORS):
        wrap(extract.EXTRACTORS, fmt, "extract")
    for fmt in list(containers.OPENERS):
        wrap(containers.OPENERS, fmt, "open")
    return calls


def test_incremental_rescan_extracts_nothing_and_replays_identical_records(tmp_path, counting):
    corpus = make_corpus(tmp_path / "corpus")
    plain = _dicts(api.scan([str(corpus)]))
    assert counting["extract"] > 0
    assert sum(1 for d in plain if d["type"] == "finding") >= 8  # 8 flag files + 2 flag zip members

    with Store(tmp_path / "case.db") as store:
        first = _dicts(api.scan([str(corpus)], store=store))
    assert first == plain

    counting.update(extract=0, open=0)
    with Store(tmp_path / "case.db") as store:
        second = _dicts(api.scan([str(corpus)], store=store))
        assert store.query("SELECT count(*) FROM results")[0][0] == 13  # 12 files + 1 zip, stored once
        done = store.query("SELECT scan_id, reused, count(*) AS n FROM done GROUP BY scan_id, reused")
    assert counting == {"extract": 0, "open": 0}
    assert second == plain
    assert [tuple(r) for r in done] == [(1, 0, 13), (2, 1, 13)]


def test_container_members_are_replayed_with_their_findings(tmp_path, counting):
    if "zip" not in containers.OPENERS:
        pytest.skip("zip opener not available")
    corpus = make_corpus(tmp_path / "corpus", n=0)
    with Store(tmp_path / "case.db") as store:
        first = _dicts(api.scan([str(corpus)], store=store))
    members = {d["member"] for d in first if d["type"] == "finding"}
    assert members == {"sdk/README.txt", "sdk/notes/alarm.txt"}
    counting.update(extract=0, open=0)
    with Store(tmp_path / "case.db") as store:
        second = _dicts(api.scan([str(corpus)], store=store))
    assert counting == {"extract": 0, "open": 0}
    assert second == first
    assert [d["outcome"] for d in second if d["type"] == "unit"] == ["scanned"] * 3 + ["container"]


def test_only_changed_files_are_scanned_again(tmp_path, counting):
    corpus = make_corpus(tmp_path / "corpus", with_zip=False)
    with Store(tmp_path / "case.db") as store:
        list(api.scan([str(corpus)], store=store))
    (corpus / "doc002.txt").write_text("Now: the camera supports ethnicity (Uyghur/Han) attribute analysis.\n")
    counting.update(extract=0)
    with Store(tmp_path / "case.db") as store:
        records = list(api.scan([str(corpus)], store=store))
    assert counting["extract"] == 1
    assert any(isinstance(r, Finding) and r.file == "doc002.txt" for r in records)
    assert _dicts(records) == _dicts(api.scan([str(corpus)]))


def test_other_options_do_not_reuse_results(tmp_path, counting):
    corpus = make_corpus(tmp_path / "corpus", n=3, with_zip=False)
    with Store(tmp_path / "case.db") as store:
        list(api.scan([str(corpus)], store=store))
        counting.update(extract=0)
        strict = list(api.scan([str(corpus)], store=store, min_confidence=1.0))  # confidence stops at 0.99
    assert counting["extract"] == 3
    assert not any(isinstance(r, Finding) for r in strict)


def test_changed_rules_digest_rescans(tmp_path, counting):
    from profilewatch.detect.rules import load_rules

    corpus = make_corpus(tmp_path / "corpus", n=3, with_zip=False)
    rules = load_rules([])
    with Store(tmp_path / "case.db") as store:
        list(api.scan([str(corpus)], store=store, rules=rules))
        counting.update(extract=0)
        list(api.scan([str(corpus)], store=store, rules=rules))
        assert counting["extract"] == 0
        rules.digest = "sha256:" + "0" * 64  # as if a rule pack changed
        list(api.scan([str(corpus)], store=store, rules=rules))
        assert counting["extract"] == 3
        digests = {r[0] for r in store.query("SELECT DISTINCT rules_digest FROM done")}
    assert len(digests) == 2


def test_a_failed_commit_leaves_nothing_half_written(tmp_path, monkeypatch):
    from profilewatch.case import session as session_module

    corpus = make_corpus(tmp_path / "corpus", n=3, with_zip=False)

    def boom(self, unit):
        raise RuntimeError("disk full")

    with Store(tmp_path / "case.db") as store:
        monkeypatch.setattr(session_module.ScanSession, "_store_blob", boom)
        with pytest.raises(RuntimeError):
            list(api.scan([str(corpus)], store=store))  # doc000 has a finding: its commit fails
        for table in ("results", "done", "findings", "units", "problems", "blobs"):
            assert store.query(f"SELECT count(*) FROM {table}")[0][0] == 0, table
        monkeypatch.undo()
        records = _dicts(api.scan([str(corpus)], store=store))
        assert [tuple(r) for r in store.query("SELECT id, status FROM scans")] == [(1, "complete")]
    assert records == _dicts(api.scan([str(corpus)]))


def test_schema_is_versioned_with_migrations(tmp_path):
    with Store(tmp_path / "case.db") as store:
        assert store.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
        assert [r["version"] for r in store.query("SELECT version FROM migrations")] == list(range(1, SCHEMA_VERSION + 1))
        assert store.query("PRAGMA journal_mode")[0][0] == "wal"
    with Store(tmp_path / "case.db") as store:  # reopening applies nothing twice
        assert store.query("SELECT count(*) FROM migrations")[0][0] == SCHEMA_VERSION


def test_an_older_store_is_migrated_in_order(tmp_path, monkeypatch):
    from profilewatch.case import store as store_module

    corpus = make_corpus(tmp_path / "corpus", n=3, with_zip=False)
    with Store(tmp_path / "case.db") as store:
        list(api.scan([str(corpus)], store=store))

    def m2_add_tags(db):
        db.execute("ALTER TABLE reviews ADD COLUMN tags TEXT")

    monkeypatch.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS + [m2_add_tags])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with Store(tmp_path / "case.db") as store:
        assert store.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION + 1
        assert [r[0] for r in store.query("SELECT version FROM migrations")] == list(range(1, SCHEMA_VERSION + 2))
        assert "tags" in [r[1] for r in store.query("PRAGMA table_info(reviews)")]
        assert store.query("SELECT count(*) FROM results")[0][0] == 3  # data kept


def test_newer_schema_is_refused_untouched(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", n=3, with_zip=False)
    db = tmp_path / "case.db"
    Store(db).close()
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = 99")
    con.close()
    before = db.read_bytes()
    result = run_cli("scan", str(corpus), "--store", str(db), "--format", "jsonl")
    assert result.exit_code == 2
    assert "schema version 99, newer than" in result.stderr
    assert result.stdout == ""
    assert db.read_bytes() == before


@pytest.mark.parametrize("content", [b"this is not a database at all\n" * 50, b"SQLite format 3\x00" + b"\x07" * 5000])
def test_corrupt_store_is_refused_untouched(tmp_path, content):
    corpus = make_corpus(tmp_path / "corpus", n=3, with_zip=False)
    db = tmp_path / "case.db"
    db.write_bytes(content)
    result = run_cli("scan", str(corpus), "--store", str(db), "--format", "jsonl")
    assert result.exit_code == 2
    assert "case store" in result.stderr or "not a profilewatch case store" in result.stderr
    assert db.read_bytes() == content
    assert not (tmp_path / "case.db-wal").exists() or (tmp_path / "case.db-wal").stat().st_size == 0


def test_locked_store_is_a_clear_error(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", n=3, with_zip=False)
    db = tmp_path / "case.db"
    Store(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = run_cli("scan", str(corpus), "--store", str(db), "--format", "jsonl",
                         env={"PROFILEWATCH_STORE_TIMEOUT": "0.1"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 2
    assert "is locked by another process" in result.stderr
    assert result.stdout == ""


def test_review_on_missing_store_does_not_create_it(tmp_path):
    result = run_cli("review", "list", "--store", str(tmp_path / "nope.db"))
    assert result.exit_code == 2
    assert "no case store at" in result.stderr
    assert not (tmp_path / "nope.db").exists()


# --------------------------------------------------------------------------- kill -9 and resume

N_FILES = 30
DELAY = "0.05"  # PROFILEWATCH_TEST_UNIT_DELAY: seconds slept before each freshly scanned top-level unit


def _command(corpus: Path, db: Path, out: Path) -> list[str]:
    code = "import sys; from profilewatch.cli import main; sys.exit(main())"
    return [sys.executable, "-c", code, "scan", str(corpus), "--store", str(db), "--format", "jsonl",
            "--units", "-o", str(out), "--no-progress"]




@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_kill9_at_random_points_then_resume_equals_uninterrupted_run(tmp_path, seed):
    rng = random.Random(seed)
    corpus = make_corpus(tmp_path / "corpus", n=N_FILES)
    top_units = N_FILES + 1
    reference = findings_of("\n".join(json.dumps(d) for d in _dicts(api.scan([str(corpus)]))))
    db, out = tmp_path / "case.db", tmp_path / "out.jsonl"
    env = {**os.environ, "PROFILEWATCH_TEST_UNIT_DELAY": DELAY}
    kills = 0
    for _ in range(3):  # up to three kills, each at a random point of a (resumed) run
        before = done_count(db)
        # leave a margin of units so that the run cannot finish in the random wait before the kill
        target = min(top_units - 4, before + rng.randint(0, 8))
        proc = subprocess.Popen(_command(corpus, db, out), env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while done_count(db) < target and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.08))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        proc.stderr.close()
    assert kills >= 1
    assert done_count(db) < top_units  # the kills landed before the end
    final = subprocess.run(_command(corpus, db, out), env=env, capture_output=True, text=True, timeout=120)
    assert final.returncode == 1, final.stderr  # flag findings
    text = out.read_text(encoding="utf-8")
    assert findings_of(text) == reference
    units = [json.loads(line) for line in text.splitlines() if '"type":"unit"' in line]
    assert len(units) == len({(u["file"], u["member"]) for u in units})  # each unit exactly once

    con = sqlite3.connect(db)
    scans = con.execute("SELECT id, status, config_digest FROM scans ORDER BY id").fetchall()
    # every rerun resumed the scan of its configuration (a new scan only if the code changed meanwhile)
    assert len(scans) == len({c for _, _, c in scans})
    final_id, status, config = scans[-1]
    assert status == "complete"
    assert con.execute("SELECT count(*) FROM done WHERE scan_id = ?", (final_id,)).fetchone()[0] == top_units
    assert con.execute("SELECT count(*) FROM results WHERE config_digest = ?", (config,)).fetchone()[0] == top_units
    stored = con.execute("SELECT count(*) FROM findings f JOIN done d ON d.result_id = f.result_id "
                         "WHERE d.scan_id = ?", (final_id,)).fetchone()[0]
    con.close()
    assert stored == len(reference)  # none lost, none duplicated


def _old_passage_rows(db, result_id: int) -> None:
    """The per-category copies of one passage, as stores before migration 3 hold them."""
    explanation = ("capability_claim — capability cue beside the term. Terms: 汉族 (ethnicity, group), "
                   "白人 (skin_color, group), 种族属性 (ethnicity, attribute), 黄种人 (skin_color, group). "
                   "Cues: capability: 支持.")
    for seq, (cat, fp, match) in enumerate([("ethnicity", "fp-eth", "汉族"), ("skin_color", "fp-skin", "黄种人")], 1):
        rec = {"type": "finding", "file": "a.txt", "member": None, "kind": "capability_claim", "category": cat,
               "categories": ["ethnicity", "skin_color"], "rule": f"{cat}/capability_claim", "confidence": 0.9,
               "evidence": {"text": "...", "match": match, "line": 1}, "sha256": "ab", "fingerprint": fp,
               "explanation": explanation, "flag": True, "terms": ["汉族", "白人", "种族属性", "黄种人"], "cues": {}}
        db.execute("INSERT INTO findings VALUES (?, ?, ?, 'a.txt', NULL, 'ab', 'capability_claim', ?, ?, 0.9, 1, ?)",
                   (result_id, seq, fp, cat, rec["rule"], json.dumps(rec, ensure_ascii=False)))
    unit = {"type": "unit", "file": "a.txt", "member": None, "findings": 2, "outcome": "scanned"}
    db.execute("INSERT INTO units VALUES (?, 0, 'a.txt', NULL, 0, 'ab', 10, 'text', 'scanned', 2, NULL, ?)",
               (result_id, json.dumps(unit)))


def test_migration_3_merges_per_category_copies_into_one_finding_per_passage(tmp_path, monkeypatch):
    from profilewatch.case import store as store_module

    path = tmp_path / "case.db"
    monkeypatch.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:2])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", 2)
    with Store(path) as store:
        db = store.db
        db.execute("BEGIN")
        db.execute("INSERT INTO scans VALUES (1, 't', 't', 'done', 'pw', '0', 'c', 'r', 'k', 'k', '[]', '{}')")
        db.execute("INSERT INTO results VALUES (1, 'a.txt', 'ab', 'r', 'k', 1, 't', 0.1)")
        _old_passage_rows(db, 1)
        db.execute("INSERT INTO reviews(fingerprint, decision, note, reviewer, at) "
                   "VALUES ('fp-eth', 'confirmed', 'seen in the tender', 'ana', 't')")
        db.execute("COMMIT")
    monkeypatch.undo()
    with Store(path) as store:
        rows = store.query("SELECT fingerprint, category, json FROM findings")
        assert [(r[0], r[1]) for r in rows] == [("fp-skin", "skin_color")]  # 黄种人: the top-ranked term
        assert json.loads(rows[0][2])["categories"] == ["skin_color", "ethnicity"]
        (unit,) = store.query("SELECT findings, json FROM units")
        assert unit[0] == 1 and json.loads(unit[1])["findings"] == 1
        review = store.query("SELECT decision, note, source FROM reviews WHERE fingerprint = 'fp-skin'")
        assert [(r[0], r[2]) for r in review] == [("confirmed", "migration")]
        assert "seen in the tender" in review[0][1] and "fp-eth" in review[0][1]
        assert store.query("SELECT count(*) FROM reviews WHERE fingerprint = 'fp-eth'")[0][0] == 1  # log kept
