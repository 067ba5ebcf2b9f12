"""Where top-level units are scanned: in this process, in worker processes, or on a Dask cluster.

An executor maps :func:`scan_task` over a stream of top-level units and yields each unit's
:class:`TaskResult` in INPUT order, so the output of ``-j N`` and of a cluster is the output of
``-j1``.  At most ``window`` batches of tasks (or ready results) are in flight at once, and a
batch holds at most ``POOL_BATCH_TASKS`` tasks or ``POOL_BATCH_BYTES`` of input, which bounds the
memory of the parent (units waiting to be written) whatever the input size.

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
from .tasks import (ATTEMPTS, _WORKER, Breaker, Part, Task, TaskResult, _Joiner, batched, detached, _owned, _ready, cpu_count, lost,
                    plan, scan_task, shared_detector, Tries)

__all__ = ["ATTEMPTS", "POLL", "WORKER_TIMEOUT", "ClusterGone", "DaskExecutor", "InlineExecutor", "Part",
           "ProcessExecutor", "Task", "TaskResult", "cpu_count", "lost", "make_executor", "plan", "scan_task",
           "shared_detector"]

# --------------------------------------------------------------------------- executors

POOL_BATCH_TASKS = 32
POOL_BATCH_BYTES = 4 << 20
POOL_BATCH_SECONDS = 0.05
"""A pool task of ``-j N`` holds up to ``POOL_BATCH_TASKS`` tasks or ``POOL_BATCH_BYTES`` of input,
and about ``POOL_BATCH_SECONDS`` of work by the tasks' mean time so far (the first go alone); it
is sent once a new task finds its first one has waited ``POOL_BATCH_SECONDS`` for company.  Small fast files travel together,
slow units (or units that come slowly, from a store or a remote walk) one by one, so the workers
stay evenly loaded and results stream out as they are done."""


class InlineExecutor:
    """``-j1``: scan in this process, one unit after another."""

    jobs = 1
    reads_files = False

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


def _worker_batch(batch: list[Task], keep_found: bool) -> list[TaskResult | Exception]:
    """A worker's task: a batch of tasks, the rules and options having come once, with the
    worker; a file comes by its path and is read here (:func:`~.tasks.held`).  A task that
    raises gives its exception in its place: the others' results are kept."""
    results: list[TaskResult | Exception] = []
    for task in batch:
        try:
            results.append(scan_task(task, _WORKER["rules"], _WORKER["options"], keep_found))
        except Exception as exc:  # noqa: BLE001 - reported as this task's failure
            results.append(exc)
    return results


class _BatchFailed(Exception):
    """A pool task failed as a whole (e.g. a result that could not be pickled): each of its tasks
    is owed a try alone, none is charged one."""


class _Cost:
    """The recent mean seconds of a task (exponentially weighted, so a few slow files early do not
    keep the fast ones after them going one by one), and the batch size it calls for."""

    WEIGHT = 0.05

    def __init__(self) -> None:
        self.mean: float | None = None

    def add(self, seconds: float) -> None:
        self.mean = seconds if self.mean is None else self.mean + self.WEIGHT * (seconds - self.mean)

    def batch(self) -> int:
        if self.mean is None:
            return 1
        return max(1, min(POOL_BATCH_TASKS, int(POOL_BATCH_SECONDS / self.mean) if self.mean > 0 else POOL_BATCH_TASKS))


def _share(done: Future, futures: list[Future]) -> None:
    """Hand a batch's outcome to the future of each of its tasks."""
    if done.cancelled():
        for future in futures:
            future.cancel()
        return
    failure = done.exception()
    if failure is not None and not isinstance(failure, BrokenProcessPool):
        failure = _BatchFailed(f"the batch of {len(futures)} tasks failed: {failure!r}")
    for i, future in enumerate(futures):
        if failure is not None:
            future.set_exception(failure)
        elif isinstance(done.result()[i], Exception):
            future.set_exception(done.result()[i])
        else:
            future.set_result(done.result()[i])


class ProcessExecutor:
    """``-j N``: N worker processes; results in input order, a bounded window in flight."""

    reads_files = True
    """The workers read the walked files themselves (same machine): the walk leaves them unread."""

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
        """Tasks go to the pool in batches (``POOL_BATCH_TASKS`` tasks or ``POOL_BATCH_BYTES`` of input):
        one pool task per small file cost more in pickling and wake-ups than the gate's scan of
        it.  Each task keeps its own entry and future, so a death is charged task by task."""
        pending: collections.deque[list[Any]] = collections.deque()  # [task (None: ready), future, Tries, batch]
        cost = _Cost()
        batches = batched(items, lambda unit: plan(unit, self.options, self.jobs), cost.batch, POOL_BATCH_BYTES, POOL_BATCH_SECONDS)
        in_flight = [0]  # batches with a task not yet taken
        more = True
        joiner = _Joiner(lambda unit: scan_task(unit, self.rules, self.options, keep_found))
        try:
            while True:
                while more and in_flight[0] < self.window:
                    batch = next(batches, None)
                    if batch is None:
                        more = False
                    elif isinstance(batch, TaskResult):  # ready (a cache hit, a walk problem): it takes a slot too
                        in_flight[0] += 1
                        pending.append([None, _ready(batch), Tries(), [1]])
                    else:
                        left = [len(batch)]
                        in_flight[0] += 1
                        pending.extend([task, future, Tries(), left]
                                       for task, future in zip(batch, self._submit_batch(batch, keep_found)))
                if not pending:
                    return
                entry = pending[0]
                try:
                    result = entry[1].result()
                except BrokenProcessPool:
                    self._restart(pending, keep_found)
                    continue
                except _BatchFailed:  # the batch as a whole failed (one result could not be sent back): not this task's try
                    entry[2].owed = True
                    entry[1] = self._submit(entry[0], keep_found)
                    continue
                except Exception as exc:  # noqa: BLE001 - it raised in its worker
                    entry[2].raised(exc)  # not a death (the pool is whole): sent again alone
                    entry[1] = self._submit(entry[0], keep_found) if entry[2].more(self.attempts) else \
                        _ready(entry[2].given_up(entry[0]))
                    continue
                pending.popleft()
                if entry[0] is not None:  # a task scanned, not a result replayed from the cache
                    cost.add(result.seconds)
                if entry[3] is not None:
                    entry[3][0] -= 1
                    in_flight[0] -= entry[3][0] == 0
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
        return self._submit_batch([unit], keep_found)[0]

    def _submit_batch(self, batch: list[Task], keep_found: bool) -> list[Future]:
        """One pool task for ``batch`` (files sent by path); a future per task of it."""
        if self._breaker.why is not None:  # every worker fails: nothing more is sent
            return [_ready(self._breaker.lost(task)) for task in batch]
        if self._pool is None:  # started on the first unit to scan: a cached rescan starts no process
            self._pool = self._new_pool()
        futures = [Future() for _ in batch]
        try:
            whole = self._pool.submit(_worker_batch, [detached(task) for task in batch], keep_found)
        except BrokenProcessPool as exc:  # a worker died since the last result: map() restarts when it meets this
            for future in futures:
                future.set_exception(exc)
            return futures
        whole.add_done_callback(lambda done: _share(done, futures))
        return futures

    def _restart(self, pending: collections.deque, keep_found: bool) -> None:
        """A worker died.  Which of the units in flight killed it is unknown, so each unfinished
        one is charged a death (its first try, or one more) and scanned again ALONE on a fresh
        pool (a death is then its own) until it is done or has been tried ``attempts`` times in
        all -- and alone once at least, whatever ``attempts``; then the window fills again."""
        failed = [(entry, _failure(entry[1])) for entry in pending]  # before the old pool's futures are cancelled
        self._new_pool_after_death()
        for entry, failure in failed:
            unit, future, tries, _ = entry
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
