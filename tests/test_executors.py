"""Where units are scanned changes nothing: -j1, -jN and Dask give the same records in the same
order; a worker killed mid-task is replaced and its unit scanned again; Ctrl-C leaves no worker
behind and a consistent, resumable store."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from casecorpus import done_count, make_corpus
from formats_helpers import CORPUS
from profilewatch import api
from profilewatch.case.store import Store
from profilewatch.executors import cpu_count

DEV = CORPUS  # formats_helpers finds the dev corpus from any worktree
CORPORA = [DEV] + sorted((Path(__file__).parent / "data").glob("redteam*"))


def _dicts(records) -> list[dict]:
    return [r.to_dict() for r in records]


@pytest.fixture(scope="module")
def dev_j1() -> list[dict]:
    if not DEV.is_dir():  # a worktree not beside ../shared (as test_corpus_score.py does)
        warnings.warn(f"SKIPPED LOUDLY: shared dev corpus not found at {DEV}")
        pytest.skip(f"SKIPPED LOUDLY: shared dev corpus not found at {DEV}")
    return _dicts(api.scan([str(DEV)], timeline=True, jobs=1))


def test_cpu_count_is_what_this_process_may_use():
    assert 1 <= cpu_count() <= (os.cpu_count() or 1)


def test_two_workers_give_the_records_of_one_in_the_same_order(dev_j1):
    assert len(dev_j1) > 300 and any(d["type"] == "timeline" for d in dev_j1)
    assert _dicts(api.scan([str(DEV)], timeline=True, jobs=2)) == dev_j1


@pytest.mark.parametrize("corpus", CORPORA[1:], ids=lambda p: p.name)
def test_two_workers_match_one_on_every_redteam_corpus(corpus):
    assert _dicts(api.scan([str(corpus)], jobs=2)) == _dicts(api.scan([str(corpus)], jobs=1))


def test_a_dask_local_cluster_gives_the_same_records(dev_j1):
    pytest.importorskip("distributed")
    assert _dicts(api.scan([str(DEV)], timeline=True, executor="dask", jobs=2)) == dev_j1


def test_workers_with_a_store_commit_every_unit_and_a_rescan_replays(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", n=9)
    plain = _dicts(api.scan([str(corpus)], jobs=1))
    with Store(tmp_path / "case.db") as store:
        assert _dicts(api.scan([str(corpus)], store=store, jobs=2)) == plain
        assert store.query("SELECT count(*) FROM done")[0][0] == 10  # 9 files + the zip
        assert store.query("SELECT count(*) FROM blobs")[0][0] > 0  # finding-bearing units kept as evidence
    with Store(tmp_path / "case.db") as store:
        assert _dicts(api.scan([str(corpus)], store=store, jobs=2)) == plain
        assert store.query("SELECT sum(reused) FROM done WHERE scan_id = 2")[0][0] == 10


def test_a_worker_killed_mid_task_is_replaced_and_nothing_is_lost_or_doubled(tmp_path, monkeypatch):
    corpus = make_corpus(tmp_path / "corpus", n=9)
    plain = _dicts(api.scan([str(corpus)], jobs=1))
    marker = tmp_path / "killed"
    monkeypatch.setenv("PROFILEWATCH_TEST_KILL_WORKER", f"doc004.txt:{marker}")
    records = _dicts(api.scan([str(corpus)], jobs=2))
    assert marker.exists()  # a worker really died on doc004.txt
    assert records == plain


def test_a_dask_worker_killed_mid_task_is_retried_and_nothing_is_lost_or_doubled(tmp_path, monkeypatch):
    pytest.importorskip("distributed", reason="the Dask executor needs the cluster extra")
    corpus = make_corpus(tmp_path / "corpus", n=9)
    plain = _dicts(api.scan([str(corpus)], jobs=1))
    marker = tmp_path / "killed"
    monkeypatch.setenv("PROFILEWATCH_TEST_KILL_WORKER", f"doc004.txt:{marker}")
    records = _dicts(api.scan([str(corpus)], executor="dask", jobs=2))
    assert marker.exists()  # a Dask worker process really died on doc004.txt
    assert records == plain


def test_a_unit_that_kills_every_worker_ends_as_worker_lost(tmp_path, monkeypatch):
    corpus = make_corpus(tmp_path / "corpus", n=6, with_zip=False)
    monkeypatch.setenv("PROFILEWATCH_TEST_KILL_WORKER", "doc001.txt:always")
    records = _dicts(api.scan([str(corpus)], jobs=2))
    lost = [d for d in records if d["type"] == "error"]
    assert [(d["file"], d["reason"]) for d in lost] == [("doc001.txt", "worker_lost")]
    units = [d for d in records if d["type"] == "unit"]
    assert len(units) == 6 and [u["outcome"] for u in units if u["file"] == "doc001.txt"] == ["error"]
    assert {d["file"] for d in records if d["type"] == "finding"} == {"doc000.txt", "doc003.txt", "doc004.txt"}




def _processes_mentioning(needle: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to look for orphan workers")
def test_ctrl_c_stops_every_worker_and_leaves_a_resumable_store(tmp_path):
    corpus = make_corpus(tmp_path / "ctrlc-corpus", n=40)
    db, out = tmp_path / "case.db", tmp_path / "out.jsonl"
    code = "import sys; from profilewatch.cli import main; sys.exit(main())"
    cmd = [sys.executable, "-c", code, "scan", str(corpus), "--store", str(db), "--format", "jsonl",
           "-o", str(out), "--no-progress", "-j2"]
    env = {**os.environ, "PROFILEWATCH_TEST_UNIT_DELAY": "0.1"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (len(_processes_mentioning(str(corpus))) < 3 or done_count(db) < 3):
        time.sleep(0.05)  # the parent and its two workers are up, and some units are committed
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    assert proc.returncode != 0
    time.sleep(0.5)
    assert _processes_mentioning(str(corpus)) == []  # no orphan worker
    with Store(db) as store:  # consistent: every done unit has its records
        done = store.query("SELECT count(*) FROM done")[0][0]
        assert 0 < done < 41
    rerun = subprocess.run(cmd, env=os.environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
    assert rerun.returncode == 1
    finished = sorted(json.dumps(d, sort_keys=True) for d in map(json.loads, out.read_text().splitlines())
                      if d["type"] == "finding")
    reference = sorted(json.dumps(d, sort_keys=True) for d in _dicts(api.scan([str(corpus)], jobs=1))
                       if d["type"] == "finding")
    assert finished == reference


def test_kill_9_of_the_parent_leaves_no_worker_behind(tmp_path):
    corpus = make_corpus(tmp_path / "kill9-corpus", n=40)
    code = "import sys; from profilewatch.cli import main; sys.exit(main())"
    cmd = [sys.executable, "-c", code, "scan", str(corpus), "--store", str(tmp_path / "case.db"), "--format", "jsonl",
           "-o", str(tmp_path / "out.jsonl"), "--no-progress", "-j2"]  # with a store the test delay applies
    proc = subprocess.Popen(cmd, env={**os.environ, "PROFILEWATCH_TEST_UNIT_DELAY": "0.1"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(_processes_mentioning(str(corpus))) < 3:
        time.sleep(0.05)  # the parent and its two workers are up
    assert len(_processes_mentioning(str(corpus))) >= 3
    proc.send_signal(signal.SIGKILL)  # no clean shutdown: the workers must notice on their own
    proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _processes_mentioning(str(corpus)):
        time.sleep(0.1)
    assert _processes_mentioning(str(corpus)) == []  # no orphan worker
