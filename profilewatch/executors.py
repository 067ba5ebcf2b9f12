"""Where top-level units are scanned: in this process, in worker processes, or on a Dask cluster.

An executor maps :func:`scan_task` over a stream of top-level units and yields each unit's
:class:`TaskResult` in INPUT order, so the output of ``-j N`` and of a cluster is the output of
``-j1``.  At most ``window`` units are in flight at once, which bounds the memory of the parent
(units waiting to be written) whatever the input size.

* :class:`InlineExecutor` (``-j1``): scans in this process, streaming.
* :class:`ProcessExecutor` (``-j N``): a pool of N worker processes (forked where the system can, so nothing of the
  parent's state leaks back), each building its detector once.  A worker that dies (killed, out
  of memory) is replaced and the units it may have held are scanned again, one at a time so the
  culprit is known, up to ``ATTEMPTS`` times; a unit that kills every worker it meets ends as
  an error record ``worker_lost``.  Workers ignore SIGINT: Ctrl-C
  reaches the parent, which stops the pool and kills the workers (no orphans).
* :class:`DaskExecutor` (``--executor dask``): the same task on a ``distributed`` cluster
  (``--scheduler tcp://HOST:8786``, or a LocalCluster of processes); Dask retries a task whose
  worker died.  Needs the ``profilewatch[cluster]`` extra.

The worker side keeps one detector per process (built on first use from the pickled rules):
the only state a worker holds.
"""
from __future__ import annotations

import collections
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from .detect.engine import Detector
from .files import open_input
from .detect.rules import RuleSet
from .options import ScanOptions
from .records import Problem, Record, Unit, UnitRecord
from .scanner import scan_unit, scan_warc_range
from .sources.sniff import sniff
from .sources.warc import SPLIT_MISMATCH
from .sources.warcsplit import record_ranges

ATTEMPTS = 3
"""How often a unit is tried on a fresh worker before it is reported as ``worker_lost``."""


@dataclass
class TaskResult:
    """The records of one top-level unit, and the units among them that had findings (by sha256).

    ``unit`` is the parent's unit (set by the executor, never shipped back); ``fresh`` is false
    for results that were ready before any scan (walk problems, cache hits).
    """

    records: list[Record]
    found: dict[str, Unit] = field(default_factory=dict)
    seconds: float = 0.0
    unit: Unit | None = None
    fresh: bool = True
    lost: bool = False
    """No worker could complete the scan (the records say why): a rerun should try again."""


@dataclass
class Part:
    """Bytes ``start``..``end`` of a large top-level WARC file: one task of a file split into
    record ranges (``index`` of ``count``); the results of its parts are joined in order."""

    unit: Unit
    start: int
    end: int
    index: int
    count: int


Task = Unit | Part


def plan(unit: Unit, options: ScanOptions, jobs: int) -> list[Task]:
    """The tasks of one top-level unit: the unit itself, or, with several workers, a WARC file
    too large to hold split into record ranges of about ``options.split_bytes``."""
    if jobs < 2 or not unit.streamed or unit.depth or unit.size <= options.split_bytes:
        return [unit]
    try:
        with open_input(unit.path) as fh:
            fmt = sniff(fh.read(512), unit.name, unit.hint)
        ranges = record_ranges(unit.path, options.split_bytes) if fmt in ("warc", "gzip") else []
    except OSError:
        return [unit]  # the scan reports why it cannot be read
    if len(ranges) < 2:
        return [unit]
    return [Part(unit, a, b, i, len(ranges)) for i, (a, b) in enumerate(ranges)]


def cpu_count() -> int:
    """The cores this process may use (affinity and cgroup-aware where Python knows how)."""
    counter = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if counter is not None:
        return counter() or 1
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:
        return os.cpu_count() or 1


# --------------------------------------------------------------------------- the task

_WORKER: dict[str, Any] = {}


def shared_detector(rules: RuleSet) -> Detector:
    """This process's detector for ``rules`` (built once; forked workers inherit it)."""
    if _WORKER.get("digest") != rules.digest:
        _WORKER.update(digest=rules.digest, detector=Detector(rules))
    return _WORKER["detector"]


def scan_task(task: Task, rules: RuleSet, options: ScanOptions, keep_found: bool = True) -> TaskResult:
    """Scan one top-level unit completely, or one part of it (runs in a worker, or inline)."""
    import time

    started = time.monotonic()
    found: dict[str, Unit] = {}
    hook = (lambda u: found.setdefault(u.sha256, u)) if keep_found else None
    unit = task.unit if isinstance(task, Part) else task
    _test_hooks(unit)
    detector = shared_detector(rules)
    if isinstance(task, Part):
        records = list(scan_warc_range(unit, task.start, task.end, detector, options, on_findings=hook))
    else:
        records = list(scan_unit(unit, detector, options, on_findings=hook))
    return TaskResult(records, found, time.monotonic() - started)


def _test_hooks(unit: Unit) -> None:
    """``PROFILEWATCH_TEST_KILL_WORKER=NAME:MARKER``: the first worker to meet unit NAME dies
    (MARKER, a file path, records that it happened; ``always``: every worker that meets it), so a
    test can kill a worker mid-task."""
    spec = os.environ.get("PROFILEWATCH_TEST_KILL_WORKER")
    if spec and _WORKER.get("in_worker"):
        name, _, marker = spec.partition(":")
        if unit.file == name and (marker == "always" or not os.path.exists(marker)):
            if marker != "always":
                open(marker, "w").close()  # noqa: SIM115
            os._exit(70)


def _owned(result: TaskResult, unit: Unit) -> TaskResult:
    result.unit = unit
    return result


def _ready(result: TaskResult) -> Future:
    done: Future = Future()
    done.set_result(result)
    return done


def _fill(pending: collections.deque, source: Iterator[Unit | TaskResult], window: int,
          submit: Callable[[Task], Any], tasks: Callable[[Unit], list[Task]]) -> bool:
    """Top the window of ``[task, future]`` entries up from ``source`` (a ready TaskResult gets
    task None; a unit split into parts gets an entry per part); False once ``source`` is exhausted."""
    while len(pending) < window:
        item = next(source, None)
        if item is None:
            return False
        if isinstance(item, TaskResult):
            pending.append([None, _ready(item)])
        else:
            pending.extend([task, submit(task)] for task in tasks(item))
    return True


class _Joiner:
    """Turns the results of tasks, taken in order, into one TaskResult per top-level unit."""

    def __init__(self, whole: Callable[[Unit], TaskResult]) -> None:
        self.held: list[TaskResult] = []
        self.whole = whole

    def add(self, task: Task | None, result: TaskResult) -> TaskResult | None:
        if task is None:
            return result
        if not isinstance(task, Part):
            return _owned(result, task)
        self.held.append(result)
        if task.index < task.count - 1:
            return None
        held, self.held = self.held, []
        if any(getattr(r, "reason", None) == SPLIT_MISMATCH for h in held for r in h.records):
            return _owned(self.whole(task.unit), task.unit)  # a cut fell inside a record: read the file whole
        if any(not h.fresh for h in held):  # a part was lost: the file is not kept in a store
            merged = TaskResult([r for h in held for r in h.records], fresh=False, lost=True)
        else:
            merged = TaskResult([r for h in held for r in h.records], {k: v for h in held for k, v in h.found.items()},
                                sum(h.seconds for h in held))
        return _owned(merged, task.unit)


def lost(task: Task, message: str) -> TaskResult:
    """The records of a unit (or part) whose scan could not be completed by any worker."""
    unit = task.unit if isinstance(task, Part) else task
    if isinstance(task, Part):
        message = f"WARC records in bytes {task.start}-{task.end} not scanned: {message}"
    problem = Problem("error", unit.file, unit.member, "worker_lost", message, None)
    records: list[Record] = [problem]
    if not isinstance(task, Part) or task.index == task.count - 1:
        records.append(UnitRecord(unit.file, unit.member, None, unit.size, "unknown", "error"))
    return TaskResult(records, unit=unit, fresh=False, lost=True)  # not kept in a store: a rescan tries again


# --------------------------------------------------------------------------- executors

class InlineExecutor:
    """``-j1``: scan in this process, one unit after another."""

    jobs = 1

    def __init__(self, rules: RuleSet, options: ScanOptions) -> None:
        self.rules, self.options = rules, options

    def map(self, items: Iterable[Unit | TaskResult], keep_found: bool = True) -> Iterator[TaskResult]:
        for item in items:
            yield item if isinstance(item, TaskResult) else _owned(scan_task(item, self.rules, self.options, keep_found), item)

    def close(self) -> None:
        """Nothing to release."""


def _worker_init(rules: RuleSet, options: ScanOptions, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _WORKER.update(in_worker=True, rules=rules, options=options)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True, name="parent-watch").start()


def _exit_with_parent(parent: int, every: float = 0.5) -> None:
    """A worker whose parent was killed (``kill -9``: no clean shutdown) exits instead of waiting
    forever (portable: a Linux-only PR_SET_PDEATHSIG would do the same one poll sooner)."""
    while os.getppid() == parent:
        time.sleep(every)
    os._exit(0)


def _worker_task(unit: Unit, keep_found: bool) -> TaskResult:
    """A worker's task: the rules and options came once, with the worker (not with each unit)."""
    return scan_task(unit, _WORKER["rules"], _WORKER["options"], keep_found)


class ProcessExecutor:
    """``-j N``: N worker processes; results in input order, a bounded window in flight."""

    def __init__(self, rules: RuleSet, options: ScanOptions, jobs: int, window: int | None = None) -> None:
        import multiprocessing

        self.rules, self.options, self.jobs = rules, options, jobs
        self.window = window or 4 * jobs
        methods = multiprocessing.get_all_start_methods()
        self._context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        shared_detector(self.rules)  # built before the fork, so forked workers inherit it
        return ProcessPoolExecutor(self.jobs, mp_context=self._context, initializer=_worker_init,
                                   initargs=(self.rules, self.options, os.getpid()))

    def map(self, items: Iterable[Unit | TaskResult], keep_found: bool = True) -> Iterator[TaskResult]:
        pending: collections.deque[list[Any]] = collections.deque()  # [unit (None: ready), future]
        source = iter(items)
        more = True
        joiner = _Joiner(lambda unit: scan_task(unit, self.rules, self.options, keep_found))
        try:
            while True:
                more = more and _fill(pending, source, self.window, lambda task: self._submit(task, keep_found),
                                      lambda unit: plan(unit, self.options, self.jobs))
                if not pending:
                    return
                entry = pending[0]
                try:
                    result = entry[1].result()
                except BrokenProcessPool:
                    self._restart(pending, keep_found)
                    continue
                pending.popleft()
                joined = joiner.add(entry[0], result)
                if joined is not None:
                    yield joined
        except BaseException:
            self._kill()
            raise

    def _submit(self, unit: Task, keep_found: bool) -> Future:
        if self._pool is None:  # started on the first unit to scan: a cached rescan starts no process
            self._pool = self._new_pool()
        try:
            return self._pool.submit(_worker_task, unit, keep_found)
        except BrokenProcessPool as exc:  # a worker died since the last result: map() restarts when it meets this
            broken: Future = Future()
            broken.set_exception(exc)
            return broken

    def _restart(self, pending: collections.deque, keep_found: bool) -> None:
        """A worker died.  Which of the units in flight killed it is unknown, so each unfinished
        one is scanned again ALONE on a fresh pool (a death is then its own), up to ATTEMPTS
        times in all; then the window fills again as before."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()
        for entry in pending:
            unit, future = entry
            if future.done() and future.exception() is None:
                continue  # finished before the break (or ready from the start): keep its result
            entry[1] = _ready(self._alone(unit, keep_found))

    def _alone(self, unit: Unit, keep_found: bool) -> TaskResult:
        for _ in range(ATTEMPTS - 1):
            try:
                return self._submit(unit, keep_found).result()
            except BrokenProcessPool:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
        return lost(unit, f"the worker scanning it died {ATTEMPTS} times (killed or out of memory)")

    def _kill(self) -> None:
        if self._pool is None:
            return
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.kill()
        for process in processes:
            process.join(timeout=5)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)


BATCH_TASKS = 64
BATCH_BYTES = 16 << 20


def _batched(items: Iterable[Unit | TaskResult], tasks: Callable[[Unit], list[Task]]) -> Iterator[list[Task] | TaskResult]:
    """Consecutive tasks in batches, in input order; a ready result ends the batch before it."""
    batch: list[Task] = []
    size = 0
    for item in items:
        if isinstance(item, TaskResult):
            if batch:
                yield batch
                batch, size = [], 0
            yield item
            continue
        for task in tasks(item):
            batch.append(task)
            size += len(task.data) if isinstance(task, Unit) else 0
            if len(batch) >= BATCH_TASKS or size >= BATCH_BYTES:
                yield batch
                batch, size = [], 0
    if batch:
        yield batch


def _dask_batch(batch: list[Task], rules: RuleSet, options: ScanOptions, keep_found: bool) -> list[TaskResult]:
    """A Dask worker's task: a batch of tasks (marked as running in a worker, for the test hooks)."""
    _WORKER["in_worker"] = True
    return [scan_task(task, rules, options, keep_found) for task in batch]


class DaskExecutor:
    """``--executor dask``: the same tasks on a Dask cluster, results in input order."""

    def __init__(self, rules: RuleSet, options: ScanOptions, scheduler: str | None = None, jobs: int | None = None,
                 window: int | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # the cluster extra is optional
            raise RuntimeError("--executor dask needs the cluster extra: pip install 'profilewatch[cluster]'") from exc
        self.rules, self.options = rules, options
        self._cluster = None
        if scheduler:
            self._client = Client(scheduler)
        else:
            self._cluster = LocalCluster(n_workers=jobs or cpu_count(), threads_per_worker=1, processes=True,
                                         dashboard_address=None, silence_logs=40)
            self._client = Client(self._cluster)
        self.jobs = sum(self._client.nthreads().values()) or 1
        self.window = window or 4 * self.jobs
        self._rules_future = self._client.scatter(rules, broadcast=True)

    def map(self, items: Iterable[Unit | TaskResult], keep_found: bool = True) -> Iterator[TaskResult]:
        """Tasks go to the cluster in batches (``BATCH_TASKS`` tasks or ``BATCH_BYTES`` of shipped
        bytes): one Dask task per small file costs more in scheduling than the scan itself."""
        pending: collections.deque[list[Any]] = collections.deque()  # [batch of tasks (None: ready), future]
        joiner = _Joiner(lambda unit: scan_task(unit, self.rules, self.options, keep_found))
        window = max(2, self.window // 2)
        for batch in _batched(items, lambda unit: plan(unit, self.options, self.jobs)):
            pending.append([None, batch] if isinstance(batch, TaskResult) else [batch, self._submit(batch, keep_found)])
            while len(pending) >= window or (pending and pending[0][0] is None):
                yield from self._take(pending.popleft(), joiner, keep_found)
        while pending:
            yield from self._take(pending.popleft(), joiner, keep_found)

    def _submit(self, batch: list[Task], keep_found: bool) -> Any:
        return self._client.submit(_dask_batch, batch, self._rules_future, self.options, keep_found,
                                   pure=False, retries=ATTEMPTS - 1)

    def _take(self, entry: list[Any], joiner: _Joiner, keep_found: bool) -> Iterator[TaskResult]:
        batch, future = entry
        if batch is None:
            yield future
            return
        for attempt in range(ATTEMPTS):
            try:
                results = future.result()
                break
            except Exception as exc:  # noqa: BLE001 - failed on every Dask retry, or cancelled (a lost scheduler state)
                if attempt == ATTEMPTS - 1:
                    message = f"Dask task failed after {ATTEMPTS} submissions: {type(exc).__name__}: {exc}"[:500]
                    results = [lost(task, message) for task in batch]
                    break
                self._rules_future = self._client.scatter(self.rules, broadcast=True)  # it may have been lost with a worker
                future = self._submit(batch, keep_found)
        for task, result in zip(batch, results):
            joined = joiner.add(task, result)
            if joined is not None:
                yield joined

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(rules: RuleSet, options: ScanOptions, *, jobs: int | None = None, executor: str = "local",
                  scheduler: str | None = None) -> InlineExecutor | ProcessExecutor | DaskExecutor:
    """The executor for ``--jobs``/``--executor``/``--scheduler`` (``jobs=None``: every usable core)."""
    if executor == "dask" or scheduler:
        return DaskExecutor(rules, options, scheduler, jobs)
    jobs = cpu_count() if jobs is None else jobs
    return InlineExecutor(rules, options) if jobs <= 1 else ProcessExecutor(rules, options, jobs)
