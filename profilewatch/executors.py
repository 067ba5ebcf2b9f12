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
from .detect.rules import RuleSet
from .options import ScanOptions
from .records import Problem, Record, Unit, UnitRecord
from .scanner import scan_unit

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


def scan_task(unit: Unit, rules: RuleSet, options: ScanOptions, keep_found: bool = True) -> TaskResult:
    """Scan one top-level unit completely (runs in a worker, or inline)."""
    import time

    started = time.monotonic()
    found: dict[str, Unit] = {}
    hook = (lambda u: found.setdefault(u.sha256, u)) if keep_found else None
    _test_hooks(unit)
    records = list(scan_unit(unit, shared_detector(rules), options, on_findings=hook))
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
          submit: Callable[[Unit], Any]) -> bool:
    """Top the window of ``[unit, future]`` entries up from ``source`` (a ready TaskResult gets
    ``unit`` None); False once ``source`` is exhausted."""
    while len(pending) < window:
        item = next(source, None)
        if item is None:
            return False
        pending.append([None, _ready(item)] if isinstance(item, TaskResult) else [item, submit(item)])
    return True


def lost(unit: Unit, message: str) -> TaskResult:
    """The records of a unit whose scan could not be completed by any worker."""
    problem = Problem("error", unit.file, unit.member, "worker_lost", message, None)
    records: list[Record] = [problem, UnitRecord(unit.file, unit.member, None, unit.size, "unknown", "error")]
    return TaskResult(records, unit=unit, fresh=False)  # not kept in a store: a rescan tries again


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


def _worker_init(rules: RuleSet, options: ScanOptions) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _WORKER.update(in_worker=True, rules=rules, options=options)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True, name="parent-watch").start()


def _exit_with_parent(parent: int, every: float = 0.5) -> None:
    """A worker whose parent was killed (``kill -9``: no clean shutdown) exits instead of waiting forever."""
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
                                   initargs=(self.rules, self.options))

    def map(self, items: Iterable[Unit | TaskResult], keep_found: bool = True) -> Iterator[TaskResult]:
        pending: collections.deque[list[Any]] = collections.deque()  # [unit (None: ready), future]
        source = iter(items)
        more = True
        try:
            while True:
                more = more and _fill(pending, source, self.window, lambda unit: self._submit(unit, keep_found))
                if not pending:
                    return
                entry = pending[0]
                try:
                    result = entry[1].result()
                except BrokenProcessPool:
                    self._restart(pending, keep_found)
                    continue
                pending.popleft()
                yield result if entry[0] is None else _owned(result, entry[0])
        except BaseException:
            self._kill()
            raise

    def _submit(self, unit: Unit, keep_found: bool) -> Future:
        if self._pool is None:  # started on the first unit to scan: a cached rescan starts no process
            self._pool = self._new_pool()
        return self._pool.submit(_worker_task, unit, keep_found)

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
        pending: collections.deque[list[Any]] = collections.deque()  # [unit (None: ready), future]
        source = iter(items)
        more = True

        def submit(unit: Unit) -> Any:
            return self._client.submit(scan_task, unit, self._rules_future, self.options, keep_found,
                                       pure=False, retries=ATTEMPTS - 1)

        while True:
            more = more and _fill(pending, source, self.window, submit)
            if not pending:
                return
            unit, future = pending.popleft()
            if unit is None:
                yield future.result()
                continue
            try:
                yield _owned(future.result(), unit)
            except Exception as exc:  # noqa: BLE001 - a task that failed on every attempt
                yield lost(unit, f"Dask task failed after {ATTEMPTS} attempts: {type(exc).__name__}: {exc}"[:500])

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
