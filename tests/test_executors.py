"""Where units are scanned changes nothing: -j1, -jN and Dask give the same records in the same
order; a worker killed mid-task is replaced and its unit scanned again; Ctrl-C leaves no worker
behind and a consistent, resumable store."""
from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import pytest

from casecorpus import done_count, make_corpus, run_cli
from formats_helpers import CORPUS
from profilewatch import api
from profilewatch.case.store import Store
from profilewatch.executors import ATTEMPTS, TaskResult, cpu_count

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


def test_a_local_worker_is_sent_a_files_path_and_reads_it_as_the_walk_would(tmp_path):
    from profilewatch.executors.tasks import detached, held
    from profilewatch.options import ScanOptions
    from profilewatch.records import Unit

    page = tmp_path / "p.html"
    page.write_bytes(b"<p>ethnicity detection</p>")
    sent = detached(Unit(file="p.html", member=None, data=page.read_bytes(), path=str(page)))
    assert sent.data == b"" and sent.size == page.stat().st_size
    back = held(sent, ScanOptions())
    assert back.data == page.read_bytes() and not back.streamed
    assert held(sent, ScanOptions(max_in_memory=10)) is sent  # too large to hold: stays streamed
    member = Unit(file="a.zip", member="m.txt", data=b"x", path=str(page), depth=1)  # no file of its own
    assert detached(member) is member and held(Unit(file="e", member=None, data=b"", path=str(page), size=0), ScanOptions()).data == b""


def test_ready_results_count_against_the_window_so_nothing_piles_up_in_the_parent():
    """A store rescan is mostly ready results (cache hits): the pool pulls only a window of them
    ahead of what it has written."""
    from profilewatch.detect.rules import load_rules
    from profilewatch.executors import ProcessExecutor
    from profilewatch.options import ScanOptions

    pulled = []

    def ready():
        for i in range(10_000):
            pulled.append(i)
            yield TaskResult([], {}, 0.0)

    pool = ProcessExecutor(load_rules(), ScanOptions(), jobs=2)
    first = next(pool.map(ready(), keep_found=False))
    assert isinstance(first, TaskResult) and len(pulled) <= pool.window + 1
    pool.close()


def test_pool_workers_read_the_walked_files_and_give_the_same_records(tmp_path, monkeypatch):
    """-j2 without a store walks the files unread (the workers read them): the parent reads nothing."""
    from profilewatch.sources import walk as walking

    reads = []
    real = walking._read
    monkeypatch.setattr(walking, "_read", lambda path: reads.append(path) or real(path))
    corpus = make_corpus(tmp_path / "c", n=9)
    two = _dicts(api.scan([str(corpus)], jobs=2))
    assert reads == []  # the parent read no file
    one = _dicts(api.scan([str(corpus)], jobs=1))
    assert len(reads) == 10 and two == one  # -j1 reads each file in the walk: the same records


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


POISON = "doc003.txt"


def _jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _poisoned_scan(tmp_path: Path, monkeypatch, *where: str, env: str = "PROFILEWATCH_TEST_KILL_WORKER"
                   ) -> tuple[list[dict], list[dict], int]:
    """Scan 8 files, one of which (POISON) kills every worker process that meets it, ``where``
    (-j2, or a Dask LocalCluster: then all 8 tasks go in one batch): the records (with unit
    records and the summary), the records of -j1 without the poison, and how many workers died."""
    corpus = make_corpus(tmp_path / "corpus", n=8, with_zip=False)
    plain = _jsonl(run_cli("scan", str(corpus), "--format", "jsonl", "--units", "--no-progress", "-j1").stdout)
    deaths = tmp_path / "deaths"
    monkeypatch.setenv(env, f"{POISON}:always:{deaths}" if env == "PROFILEWATCH_TEST_KILL_WORKER" else POISON)
    run = run_cli("scan", str(corpus), "--format", "jsonl", "--units", "--no-progress", *where)
    assert run.exit_code == 1, run.output  # findings (not 3: nothing was given up)
    return _jsonl(run.stdout), plain, len(deaths.read_text().splitlines()) if deaths.exists() else 0


def _only_the_poison_failed(records: list[dict], plain: list[dict], deaths: int, attempts: int = ATTEMPTS,
                            reason: str = "worker_lost", message: str = "the worker scanning it died 3 times") -> None:
    assert records[0]["type"] == "header" and records[-1]["type"] == "summary"
    body = [d for d in records if d["type"] not in ("header", "summary")]
    good = [d for d in plain if d["type"] not in ("header", "summary") and d["file"] != POISON]
    assert [d for d in body if d["file"] != POISON] == good  # every good unit once, in -j1 order
    bad = [d for d in body if d["file"] == POISON]
    assert [(d["type"], d.get("reason"), d.get("outcome")) for d in bad] == [
        ("error", reason, None), ("unit", None, "error")]
    assert message in bad[0]["message"], bad[0]["message"]
    assert deaths == (attempts if reason == "worker_lost" else 0)  # tried `attempts` times in all: never multiplied
    units = [d for d in body if d["type"] == "unit"]
    assert sorted(u["file"] for u in units) == [f"doc{i:03d}.txt" for i in range(8)]
    summary, expected = records[-1], plain[-1]
    assert summary["units"] == {**expected["units"], "scanned": 7, "error": 1}
    assert summary["errors"] == 1 and summary["findings"] == expected["findings"] - 1
    assert summary["findings"] == sum(d["type"] == "finding" for d in body)


def test_a_poisoned_input_kills_its_worker_three_times_and_only_it_is_lost(tmp_path, monkeypatch):
    _only_the_poison_failed(*_poisoned_scan(tmp_path, monkeypatch, "-j2"))


def test_a_poisoned_input_in_a_dask_batch_loses_only_itself_not_the_batch(tmp_path, monkeypatch):
    """All 8 tasks go in one batch; the batch fails, its tasks are retried one by one, and only
    the poisoned input ends as worker_lost, after ATTEMPTS worker deaths (not attempts x retries)."""
    pytest.importorskip("distributed", reason="the Dask executor needs the cluster extra")
    _only_the_poison_failed(*_poisoned_scan(tmp_path, monkeypatch, "--executor", "dask", "-j2"))


def test_task_attempts_bounds_the_tries_of_a_poisoned_input(tmp_path, monkeypatch):
    _only_the_poison_failed(*_poisoned_scan(tmp_path, monkeypatch, "-j2", "--task-attempts", "2"),
                            attempts=2, message="the worker scanning it died 2 times")


def test_a_task_that_raises_in_its_worker_is_tried_again_and_ends_as_task_failed(tmp_path, monkeypatch):
    """Not a death (the pool stays whole): the scan goes on, the task is tried ATTEMPTS times."""
    records, plain, _ = _poisoned_scan(tmp_path, monkeypatch, "-j2", env="PROFILEWATCH_TEST_FAIL_TASK")
    _only_the_poison_failed(records, plain, 0, reason="task_failed",
                            message=f"the scan task failed 3 times: RuntimeError: test hook: the task of {POISON} fails")


def test_a_dask_task_that_raises_is_tried_alone_and_ends_as_task_failed(tmp_path, monkeypatch):
    pytest.importorskip("distributed", reason="the Dask executor needs the cluster extra")
    records, plain, _ = _poisoned_scan(tmp_path, monkeypatch, "--executor", "dask", "-j2", "--task-attempts", "2",
                                       env="PROFILEWATCH_TEST_FAIL_TASK")
    _only_the_poison_failed(records, plain, 0, reason="task_failed",
                            message=f"the scan task failed 2 times: RuntimeError: test hook: the task of {POISON} fails")


def test_a_dask_batch_of_one_task_counts_its_run_as_the_tasks_first(tmp_path, monkeypatch):
    """With one task per batch the failed batch was the task alone: ATTEMPTS deaths, not one more."""
    pytest.importorskip("distributed", reason="the Dask executor needs the cluster extra")
    from profilewatch.executors import cluster as dask_executor

    monkeypatch.setattr(dask_executor, "BATCH_TASKS", 1)
    _only_the_poison_failed(*_poisoned_scan(tmp_path, monkeypatch, "--executor", "dask", "-j2"))




def test_one_task_attempt_still_tries_every_unit_in_flight_alone_once(tmp_path, monkeypatch):
    """--task-attempts 1: the pool broke with ~8 units in flight, the death not theirs: each is
    tried alone once, so only the poison is lost (after its own death alone: 2 in all)."""
    _only_the_poison_failed(*_poisoned_scan(tmp_path, monkeypatch, "-j2", "--task-attempts", "1"),
                            attempts=2, message="the worker scanning it died 2 times")


def _dask_poisons(tmp_path: Path, monkeypatch, dirs: int, n: int, *args: str) -> tuple[Any, list[dict], int]:
    """``dirs`` folders of ``n`` files, POISON in each killing every worker that meets it, on a
    Dask LocalCluster of 2 workers in batches of 4: the run, its error records, the deaths."""
    from profilewatch.executors import cluster as dask_executor

    monkeypatch.setattr(dask_executor, "BATCH_TASKS", 4)
    roots = [str(make_corpus(tmp_path / f"c{i}", n=n, with_zip=False)) for i in range(dirs)]
    deaths = tmp_path / "deaths"
    monkeypatch.setenv("PROFILEWATCH_TEST_KILL_WORKER", f"{POISON}:always:{deaths}")
    run = run_cli("scan", *roots, "--format", "jsonl", "--no-progress", "--executor", "dask", "-j2", *args)
    errors = [d for d in _jsonl(run.stdout) if d["type"] == "error"]
    return run, errors, len(deaths.read_text().splitlines()) if deaths.exists() else 0


def test_dask_poisons_lose_only_themselves_never_a_unit_queued_beside_them(tmp_path, monkeypatch):
    """4 poisons among 40 files: a worker's death is charged only to the task it was running
    (not to the one queued behind it), and the rules come with every worker (a plugin), not
    from a task that fails with the workers that held it."""
    pytest.importorskip("distributed", reason="the Dask executor needs the cluster extra")
    run, errors, deaths = _dask_poisons(tmp_path, monkeypatch, 4, 10, "--task-attempts", "2")
    assert run.exit_code == 1, run.output
    assert sorted((d["file"], d["reason"]) for d in errors) == [(POISON, "worker_lost")] * 4
    assert deaths == 8  # each poison twice, alone


def test_every_worker_failing_trips_the_breaker_and_exits_3(tmp_path, monkeypatch):
    """Every input kills its worker: after 4 failed tries alone in a row (2 workers) the scan
    stops; the units not done are workers_failing records, not sent, far from 3 deaths a unit."""
    corpus = make_corpus(tmp_path / "corpus", n=16, with_zip=False)
    deaths = tmp_path / "deaths"
    monkeypatch.setenv("PROFILEWATCH_TEST_KILL_WORKER", f"*:always:{deaths}")
    run = run_cli("scan", str(corpus), "--format", "jsonl", "--units", "--no-progress", "-j2")
    assert run.exit_code == 3, run.output
    assert "every worker seems to fail" in run.stderr
    records = _jsonl(run.stdout)
    assert records[-1]["type"] == "summary" and records[-1]["units"]["error"] == 16
    reasons = collections.Counter(d["reason"] for d in records if d["type"] == "error")
    assert set(reasons) == {"worker_lost", "workers_failing"} and reasons["workers_failing"] >= 10
    assert len(deaths.read_text().splitlines()) <= 8  # not 3 x 16


def test_every_dask_worker_failing_trips_the_breaker_and_exits_3(tmp_path, monkeypatch):
    pytest.importorskip("distributed", reason="the Dask executor needs the cluster extra")
    from profilewatch.executors import cluster as dask_executor

    monkeypatch.setattr(dask_executor, "BATCH_TASKS", 4)
    corpus = make_corpus(tmp_path / "corpus", n=16, with_zip=False)
    deaths = tmp_path / "deaths"
    monkeypatch.setenv("PROFILEWATCH_TEST_KILL_WORKER", f"*:always:{deaths}")
    run = run_cli("scan", str(corpus), "--format", "jsonl", "--no-progress", "--executor", "dask", "-j2")
    assert run.exit_code == 3, run.output
    reasons = collections.Counter(d["reason"] for d in _jsonl(run.stdout) if d["type"] == "error")
    assert sum(reasons.values()) == 16 and reasons["workers_failing"] >= 8, reasons
    assert len(deaths.read_text().splitlines()) <= 16  # not 3 x 16




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


def _check_no_workers_output(records: list[dict], files: list[str]) -> list[str]:
    """Every file one unit record, every no_workers error with its error unit; returns the files
    given up."""
    units = [d for d in records if d["type"] == "unit"]
    assert sorted(u["file"] for u in units) == sorted(files)
    gone = [d for d in records if d["type"] == "error" and d["reason"] == "no_workers"]
    assert all("no worker for" in d["message"] and "--worker-timeout" in d["message"] for d in gone)
    assert {u["file"] for u in units if u["outcome"] == "error"} == {d["file"] for d in gone}
    return sorted(d["file"] for d in gone)


def test_a_dask_cluster_whose_workers_all_vanish_mid_scan_ends_with_no_workers_records(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed", reason="the Dask executor needs the cluster extra")
    import threading

    from profilewatch.executors import cluster as dask_executor

    corpus = make_corpus(tmp_path / "corpus", n=8, with_zip=False)
    plain = _dicts(api.scan([str(corpus)], jobs=1))
    marker = tmp_path / "held"
    monkeypatch.setenv("PROFILEWATCH_TEST_HOLD_WORKER", f"doc003.txt:{marker}")  # before the workers start
    monkeypatch.setattr(dask_executor, "BATCH_TASKS", 1)  # one Dask task per file
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=40)

    first_three = threading.Event()

    def close_workers_once_doc003_is_held() -> None:
        end = time.monotonic() + 120
        while not (marker.exists() and first_three.is_set()) and time.monotonic() < end:
            time.sleep(0.05)
        cluster.scale(0)  # every worker closed, the one holding doc003.txt too

    closer = threading.Thread(target=close_workers_once_doc003_is_held, daemon=True)
    closer.start()
    try:
        job = api.ScanJob([str(corpus)], scheduler=cluster.scheduler_address, worker_timeout=2)
        started = time.monotonic()
        records = []
        for record in job:
            records.append(record.to_dict())
            if records[-1]["type"] == "unit" and records[-1]["file"] == "doc002.txt":
                first_three.set()  # doc000-doc002 are back in the client: the workers may go
        waited = time.monotonic() - started
    finally:
        closer.join(10)
        cluster.close()
    assert marker.exists()
    gone = _check_no_workers_output(records, [f"doc{i:03d}.txt" for i in range(8)])
    assert "doc003.txt" in gone and job.gave_up and "no worker for 2 s" in job.gave_up
    assert waited < 100  # did not wait for the held task (600 s) or forever
    done = {d["file"] for d in records if d["type"] == "unit" and d["outcome"] == "scanned"}
    assert {"doc000.txt", "doc001.txt", "doc002.txt"} <= done
    # what was scanned is what -j1 gives, record for record
    assert [d for d in records if d.get("file") in done and d["type"] not in ("header", "summary")] == \
        [d for d in plain if d.get("file") in done and d["type"] not in ("header", "summary")]


def test_scan_on_a_cluster_without_workers_exits_3_with_valid_output(tmp_path):
    distributed = pytest.importorskip("distributed", reason="the Dask executor needs the cluster extra")
    corpus = make_corpus(tmp_path / "corpus", n=3, with_zip=False)
    cluster = distributed.LocalCluster(n_workers=0, dashboard_address=":0", silence_logs=40)
    try:
        run = subprocess.run([sys.executable, "-m", "profilewatch", "scan", str(corpus), "--format", "jsonl",
                              "--units", "--scheduler", cluster.scheduler_address, "--worker-timeout", "2"],
                             capture_output=True, text=True, timeout=300)
    finally:
        cluster.close()
    assert run.returncode == 3, run.stderr[-2000:]
    assert "the scan is incomplete" in run.stderr
    records = [json.loads(line) for line in run.stdout.splitlines()]
    assert records[0]["type"] == "header" and records[-1]["type"] == "summary"
    assert _check_no_workers_output(records, ["doc000.txt", "doc001.txt", "doc002.txt"]) == [
        "doc000.txt", "doc001.txt", "doc002.txt"]
    assert records[-1]["units"]["error"] == 3


def test_a_result_resets_the_no_worker_timer_so_a_later_outage_waits_the_full_timeout(monkeypatch):
    """The idle timer measures one unbroken stretch without workers: a result coming back ends it."""
    pytest.importorskip("distributed", reason="the Dask executor needs the cluster extra")
    from distributed import TimeoutError as DaskTimeout

    from profilewatch.executors import cluster as dask_executor

    clock = [1000.0]
    monkeypatch.setattr(dask_executor.time, "monotonic", lambda: clock[0])

    class Client:
        status, workers = "running", 0

        def nthreads(self):
            return {f"w{i}": 1 for i in range(self.workers)}

    class Future:
        def __init__(self, timeouts: int) -> None:
            self.timeouts = timeouts

        def result(self, timeout=None):
            if self.timeouts:
                self.timeouts -= 1
                clock[0] += timeout
                raise DaskTimeout()
            return "done"

    ex = dask_executor.DaskExecutor.__new__(dask_executor.DaskExecutor)
    ex._client, ex.worker_timeout, ex._idle_since = Client(), 10.0, None
    assert ex._result(Future(3)) == "done"  # 3 polls without a worker, then the result came
    assert ex._idle_since is None
    clock[0] += 3600  # a long healthy stretch
    started = clock[0]
    with pytest.raises(dask_executor.ClusterGone, match="no worker for 10 s"):
        ex._result(Future(10_000))  # the workers are gone for good
    assert clock[0] - started >= 10.0  # waited the whole timeout, not the stale stretch's remainder
