"""Where top-level units are scanned: in this process, in worker processes, or on a Dask cluster.

An executor maps :func:`scan_task` over a stream of top-level units and yields each unit's
:class:`TaskResult` in INPUT order, so the output of ``-j N`` and of a cluster is the output of
``-j1``.  At most ``window`` units are in flight at once, which bounds the memory of the parent
(units waiting to be written) whatever the input size.

* :class:`InlineExecutor` (``-j1``): scans in this process, streaming.
* :class:`ProcessExecutor` (``-j N``): a pool of N worker processes (forked where the system can, so nothing of the
  parent's state leaks back), each building its detector once.  A worker that dies (killed, out
  of memory) is replaced and the units it may have held are scanned again, one at a time so the
  culprit is known, up to ``attempts`` times in all (``--task-attempts``, default ``ATTEMPTS``)
  and alone once at least; a unit that kills every worker it meets ends as an error record
  ``worker_lost`` (``task_failed`` if it raised).  One :class:`~.tasks.Tries` per unit carries
  its count; a :class:`~.tasks.Breaker` stops the scan when every worker fails
  (``workers_failing``, ``gave_up``).  Workers ignore SIGINT: Ctrl-C
  reaches the parent, which stops the pool and kills the workers (no orphans).
* :class:`DaskExecutor` (``--executor dask``): the same task on a ``distributed`` cluster
  (``--scheduler tcp://HOST:8786``, or a LocalCluster of processes), in batches; a batch that
  fails has its tasks tried again alone, so only the culprit ends as ``worker_lost`` (or
  ``task_failed``), after ``attempts`` tries (a death charged only to the task running); the same
  breaker; a cluster left without any worker for
  ``worker_timeout`` seconds ends the scan, every task not done reported as ``no_workers``.  Needs the ``profilewatch[cluster]`` extra.

The worker side keeps one detector per process (built on first use from the pickled rules):
the only state a worker holds.  The task and what executors share are in :mod:`.tasks`, the
Dask executor in :mod:`.cluster` (what it installs in its workers in :mod:`.daskplugin`).
"""
from __future__ import annotations

import collections
import os
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ..detect.rules import RuleSet
from ..options import ScanOptions
from ..records import Unit
from .cluster import POLL, WORKER_TIMEOUT, ClusterGone, DaskExecutor
from .tasks import (ATTEMPTS, _WORKER, Breaker, Part, Task, TaskResult, _fill, _Joiner, _owned, _ready, cpu_count, lost,
                    plan, scan_task, shared_detector, Tries)

__all__ = ["ATTEMPTS", "POLL", "WORKER_TIMEOUT", "ClusterGone", "DaskExecutor", "InlineExecutor", "Part",
           "ProcessExecutor", "Task", "TaskResult", "cpu_count", "lost", "make_executor", "plan", "scan_task",
           "shared_detector"]

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

    def __init__(self, rules: RuleSet, options: ScanOptions, jobs: int, window: int | None = None,
                 attempts: int | None = None) -> None:
        import multiprocessing

        self.rules, self.options, self.jobs = rules, options, jobs
        self.attempts = ATTEMPTS if attempts is None else max(1, attempts)
        self.window = window or 4 * jobs
        methods = multiprocessing.get_all_start_methods()
        self._context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self._pool: ProcessPoolExecutor | None = None
        self._breaker = Breaker(jobs)

    def _new_pool(self) -> ProcessPoolExecutor:
        shared_detector(self.rules)  # built before the fork, so forked workers inherit it
        return ProcessPoolExecutor(self.jobs, mp_context=self._context, initializer=_worker_init,
                                   initargs=(self.rules, self.options, os.getpid()))

    def map(self, items: Iterable[Unit | TaskResult], keep_found: bool = True) -> Iterator[TaskResult]:
        pending: collections.deque[list[Any]] = collections.deque()  # [unit (None: ready), future, Tries]
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
                except Exception as exc:  # noqa: BLE001 - it raised in its worker (e.g. a result that cannot be sent back)
                    entry[2].raised(exc)  # not a death (the pool is whole): sent again with the others
                    entry[1] = self._submit(entry[0], keep_found) if entry[2].more(self.attempts) else \
                        _ready(entry[2].given_up(entry[0]))
                    continue
                pending.popleft()
                joined = joiner.add(entry[0], result)
                if joined is not None:
                    yield joined
        except BaseException:
            self._kill()
            raise

    @property
    def gave_up(self) -> str | None:
        """Why the scan was stopped (the :class:`Breaker` tripped), or None."""
        return self._breaker.why

    def _submit(self, unit: Task, keep_found: bool) -> Future:
        if self._breaker.why is not None:  # every worker fails: nothing more is sent
            return _ready(self._breaker.lost(unit))
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
        one is charged a death (its first try, or one more) and scanned again ALONE on a fresh
        pool (a death is then its own) until it is done or has been tried ``attempts`` times in
        all -- and alone once at least, whatever ``attempts``; then the window fills again."""
        failed = [(entry, _failure(entry[1])) for entry in pending]  # before the old pool's futures are cancelled
        self._new_pool_after_death()
        for entry, failure in failed:
            unit, future, tries = entry
            if failure is None:
                continue  # finished before the break (or ready from the start): keep its result
            if isinstance(failure, BrokenProcessPool):
                tries.died(in_company=True)
            else:  # it raised before the break: a try, not a death
                tries.raised(failure)
            entry[1] = _ready(self._alone(unit, tries, keep_found))

    def _alone(self, unit: Task, tries: Tries, keep_found: bool) -> TaskResult:
        """``unit`` run alone (nothing else in the pool) while ``tries`` says try again."""
        while tries.more(self.attempts):
            if self._breaker.why is not None:
                return self._breaker.lost(unit)
            tries.owed = False
            try:
                result = self._submit(unit, keep_found).result()
            except BrokenProcessPool:
                tries.died()
                self._new_pool_after_death()
            except Exception as exc:  # noqa: BLE001 - it raised in its worker
                tries.raised(exc)
            else:
                self._breaker.record(unit, True)
                return result
            self._breaker.record(unit, False)
        return tries.given_up(unit)

    def _new_pool_after_death(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()

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


def _failure(future: Future) -> BaseException | None:
    """What a future of a broken pool failed with (``BrokenProcessPool`` if it never finished)."""
    if not future.done() or future.cancelled():
        return BrokenProcessPool("the pool broke before this task finished")
    return future.exception()


def make_executor(rules: RuleSet, options: ScanOptions, *, jobs: int | None = None, executor: str = "local",
                  scheduler: str | None = None, worker_timeout: float | None = None,
                  task_attempts: int | None = None) -> InlineExecutor | ProcessExecutor | DaskExecutor:
    """The executor for ``--jobs``/``--executor``/``--scheduler``/``--worker-timeout``/``--task-attempts``
    (``jobs=None``: every usable core; ``task_attempts=None``: ``ATTEMPTS``)."""
    if executor == "dask" or scheduler:
        return DaskExecutor(rules, options, scheduler, jobs, worker_timeout=worker_timeout, attempts=task_attempts)
    jobs = cpu_count() if jobs is None else jobs
    return InlineExecutor(rules, options) if jobs <= 1 else ProcessExecutor(rules, options, jobs, attempts=task_attempts)
