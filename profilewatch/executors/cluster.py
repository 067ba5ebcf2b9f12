"""``--executor dask``: the tasks of :mod:`.tasks` on a Dask ``distributed`` cluster, results in
input order (the ``profilewatch[cluster]`` extra).

Tasks go in batches.  A batch that fails (a worker died on one of its inputs, or a task raised)
is not retried whole: each of its tasks is sent again alone, so only the culprit fails, after
``attempts`` tries in all (then an ``error`` record ``worker_lost``, or ``task_failed``).  A
cluster left without any worker for ``worker_timeout`` seconds (``--worker-timeout``) ends the
scan, every task not done reported as ``no_workers`` (:class:`DaskExecutor`).
"""
from __future__ import annotations

import collections
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..detect.rules import RuleSet
from ..options import ScanOptions
from ..records import Unit
from .tasks import _WORKER, ATTEMPTS, batched, detached, WORKERS_FAILING, Breaker, Task, TaskResult, Tries, _Joiner, cpu_count, lost, plan, scan_task

WORKER_TIMEOUT = 300.0
"""Seconds a Dask scan waits while the cluster has no worker at all (``--worker-timeout``) before
every task not yet done is reported as ``no_workers`` and the scan ends."""
POLL = 1.0


BATCH_TASKS = 64
BATCH_BYTES = 16 << 20


def _dask_batch(batch: list[Task], digest: str, options: ScanOptions, keep_found: bool) -> list[TaskResult]:
    """A Dask worker's task: a batch of tasks with the rules the plugin installed (marked as
    running in a worker, for the test hooks; the scheduler told it runs, see :mod:`.daskplugin`)."""
    from .daskplugin import record_running, worker_rules

    _WORKER["in_worker"] = True
    rules = worker_rules(digest)
    record_running()
    return [scan_task(task, rules, options, keep_found) for task in batch]


def _killed(exc: BaseException) -> bool:
    """The Dask task failed because the workers running it died (not because it raised)."""
    from distributed.scheduler import KilledWorker

    return isinstance(exc, KilledWorker)


def _count(tries: Tries, exc: BaseException, in_company: bool = False) -> None:
    """A failed run of a Dask task (``in_company``: in a batch of several, so it is owed a try
    alone): a ``KilledWorker`` says how many workers died running it (the scheduler's
    ``allowed-failures`` + 1); a task that raised ran once."""
    if _killed(exc):
        tries.died(exc.allowed_failures + 1, in_company)
    else:
        tries.raised(exc)
        tries.owed = in_company


ALONE = 1
"""The Dask priority of a task sent again alone: it runs before the batches queued after it,
whose results wait for it (results come in input order)."""


def _local_cluster(cls: Any, workers: int) -> Any:
    """A ``LocalCluster`` of ``workers`` one-thread worker processes, forked where the platform
    can (~0.4 s to start two, against ~2.7 s spawning fresh interpreters, on the 2-core machine
    of benchmarks/RESULTS.md).  The risk of forking a process that runs threads (a lock held by
    another thread at that moment stays held in the child) is taken knowingly: the client's own
    thread only waits for the cluster to start.  A fork server (~1.3 s) avoids it, but its workers
    keep the environment of the first cluster made in the process, not the current one.  A
    worker restarted later is spawned."""
    import multiprocessing

    import dask

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with dask.config.set({"distributed.worker.multiprocessing-method": method}):
        return cls(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                   silence_logs=40, scheduler_kwargs={"allowed_failures": 0})


class ClusterGone(Exception):
    """The Dask cluster had no worker for ``worker_timeout`` seconds (or its scheduler went away)."""


class DaskExecutor:
    """``--executor dask``: the same tasks on a Dask cluster, results in input order.

    A batch that fails is split: each of its tasks is sent again alone (at a higher priority),
    so a poisoned input -- one that kills every worker that reads it -- costs only its own
    result.  A task is tried ``attempts`` times in all (``--task-attempts``, default 3), the
    failed batch's run counting as its first, and a task of a failed batch of several is always
    tried once alone.  A worker death is charged only to the task it was running (each task
    tells the scheduler it runs, :mod:`.daskplugin`): the others queued on that worker are sent
    again uncharged.  Each death of the task counts as a try: Dask's scheduler itself runs a task
    again on another worker up to its ``allowed-failures`` (default 3) before it reports a
    ``KilledWorker``, which says how many died; the LocalCluster made here sets that to 0, so
    each death comes back at once.  The rules are in every worker by a plugin, not a task.
    A :class:`~.tasks.Breaker` stops the scan when every worker fails (``workers_failing``).  Dask's own ``retries=`` is not used: the tries are counted
    here only, never multiplied.  Then the task's result is an ``error`` record ``worker_lost``
    (its workers died every time) or ``task_failed`` (it raised).

    While it waits for a result, it asks the scheduler every ``POLL`` seconds how many workers
    there are; once there has been none for ``worker_timeout`` seconds (all workers gone, the
    scheduler unreachable), every task not done -- in flight or still to come -- ends as an
    ``error`` record ``no_workers`` without being submitted, ``gave_up`` says why, and the scan
    ends (the CLI exits 3).  A slow task on a live cluster is never timed out."""

    def __init__(self, rules: RuleSet, options: ScanOptions, scheduler: str | None = None, jobs: int | None = None,
                 window: int | None = None, worker_timeout: float | None = None, attempts: int | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # the cluster extra is optional
            raise RuntimeError("--executor dask needs the cluster extra: pip install 'profilewatch[cluster]'") from exc
        self.rules, self.options = rules, options
        self.worker_timeout = WORKER_TIMEOUT if worker_timeout is None else worker_timeout
        self.attempts = ATTEMPTS if attempts is None else max(1, attempts)
        self.gave_up: str | None = None
        self._gave_up_reason = "no_workers"
        self._idle_since: float | None = None
        self._cluster = None
        if scheduler:
            self._client = Client(scheduler)
        else:  # a worker death is reported at once (allowed_failures=0): the tries are counted here
            self._cluster = _local_cluster(LocalCluster, jobs or cpu_count())
            self._client = Client(self._cluster)
        self.reads_files = self._cluster is not None
        """A LocalCluster's workers share this machine: they read the walked files themselves."""
        self.jobs = sum(self._client.nthreads().values()) or 1
        self.window = window or 4 * self.jobs
        self._breaker = Breaker(self.jobs)
        from .daskplugin import RulesPlugin

        self._plugin = RulesPlugin(rules)
        self._client.register_plugin(self._plugin)  # run again on every worker that joins later

    def map(self, items: Iterable[Unit | TaskResult], keep_found: bool = True) -> Iterator[TaskResult]:
        """Tasks go to the cluster in batches (``BATCH_TASKS`` tasks or ``BATCH_BYTES`` of shipped
        bytes): one Dask task per small file costs more in scheduling than the scan itself."""
        pending: collections.deque[list[Any]] = collections.deque()  # [batch of tasks (None: ready), future]
        joiner = _Joiner(lambda unit: scan_task(unit, self.rules, self.options, keep_found))
        window = max(2, self.window // 2)
        for batch in batched(items, lambda unit: plan(unit, self.options, self.jobs), BATCH_TASKS, BATCH_BYTES):
            pending.append([None, batch] if isinstance(batch, TaskResult) else [batch, self._submit(batch, keep_found)])
            while len(pending) >= window or (pending and pending[0][0] is None):
                yield from self._take(pending.popleft(), joiner, keep_found)
        while pending:
            yield from self._take(pending.popleft(), joiner, keep_found)

    def _submit(self, batch: list[Task], keep_found: bool, priority: int = 0) -> Any:
        if self.gave_up is not None:
            return None  # the cluster is gone: nothing more is sent
        if self.reads_files:  # workers on this machine read the files themselves
            batch = [detached(task) for task in batch]
        return self._client.submit(_dask_batch, batch, self.rules.digest, self.options, keep_found,
                                   pure=False, priority=priority)

    def _workers(self) -> int:
        if self._client.status != "running":
            return 0
        try:
            return len(self._client.nthreads())
        except Exception:  # noqa: BLE001 - the scheduler cannot be asked: as good as no worker
            return 0

    def _result(self, future: Any) -> Any:
        """``future.result()``, unless the cluster has had no worker for ``worker_timeout`` seconds."""
        from distributed import TimeoutError as DaskTimeout

        while True:
            try:
                result = future.result(timeout=POLL)
            except (DaskTimeout, TimeoutError):
                if self._workers():
                    self._idle_since = None
                    continue
                now = time.monotonic()
                self._idle_since = self._idle_since or now
                if now - self._idle_since >= self.worker_timeout:
                    raise ClusterGone(f"the Dask cluster had no worker for {self.worker_timeout:g} s "
                                      "(--worker-timeout)") from None
            else:
                self._idle_since = None  # a result came back: a worker was there, a later outage starts afresh
                return result

    def _take(self, entry: list[Any], joiner: _Joiner, keep_found: bool) -> Iterator[TaskResult]:
        batch, future = entry
        if batch is None:
            yield future
            return
        for task, result in zip(batch, self._batch(batch, future, keep_found)):
            joined = joiner.add(task, result)
            if joined is not None:
                yield joined

    def _batch(self, batch: list[Task], future: Any, keep_found: bool) -> list[TaskResult]:
        """The results of a batch; if it failed, of each of its tasks tried again alone (the
        failed run charged to each, unless the batch was only queued on a worker another task
        killed)."""
        try:
            results = self._wait(future)
        except Exception as exc:  # noqa: BLE001 - a worker died on one of its tasks, or one raised
            tries = [Tries() for _ in batch]
            if self._ran(exc):
                for each in tries:
                    _count(each, exc, in_company=len(batch) > 1)  # a batch of one: it was the task alone
            alone = [self._submit([task], keep_found, ALONE) for task in batch]  # all sent, then waited for in order
            return [self._alone(task, again, each, keep_found) for task, again, each in zip(batch, alone, tries)]
        self._breaker.record(batch[0], True)
        return results if results is not None else [self._not_scanned(task) for task in batch]

    def _alone(self, task: Task, future: Any, tries: Tries, keep_found: bool) -> TaskResult:
        """A task sent again alone (``future``: already sent) until it is done or ``tries``
        says no more.  A death it was only queued for is not its own: not charged (``spared``
        such runs at most ``attempts``, so a try is never repeated forever)."""
        spared = 0
        while tries.more(self.attempts):
            if future is None:
                future = self._submit([task], keep_found, ALONE)
            try:
                results = self._wait(future)
            except Exception as exc:  # noqa: BLE001 - failed again
                future = None
                if self._ran(exc) or spared >= self.attempts:
                    _count(tries, exc)
                    self._breaker.record(task, False)
                    if self._breaker.why is not None:  # every worker fails: nothing more is sent
                        self._give_up(self._breaker.why, WORKERS_FAILING)
                else:
                    spared += 1
                continue
            self._breaker.record(task, True)
            return results[0] if results is not None else self._not_scanned(task)
        return tries.given_up(task)

    def _ran(self, exc: BaseException) -> bool:
        """The failed task ran (raised, or was running when its worker died)."""
        if not _killed(exc):
            return True
        from .daskplugin import ran

        return ran(self._client, exc)

    def _wait(self, future: Any) -> list[TaskResult] | None:
        """A future's results; None once the cluster is gone (unless it was done before)."""
        if self.gave_up is None:
            try:
                return self._result(future)
            except ClusterGone as exc:
                self._give_up(f"{exc}; the units not scanned are error records no_workers")
        if future is not None and future.status == "finished":
            return future.result()  # done before the cluster went: kept
        if future is not None:
            future.cancel()  # sent before the scan stopped: not waited for, not run if not yet
        return None

    def _not_scanned(self, task: Task) -> TaskResult:
        return lost(task, f"not scanned: {self.gave_up}", self._gave_up_reason)

    def _give_up(self, why: str, reason: str = "no_workers") -> None:
        if self.gave_up is None:
            self.gave_up, self._gave_up_reason = why, reason

    def close(self) -> None:
        if self._cluster is None:  # a cluster of yours: its workers forget these rules
            try:
                self._client.unregister_worker_plugin(self._plugin.name)
            except Exception:  # noqa: BLE001 - the scheduler is gone: nothing to forget
                pass
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


