"""``--executor dask``: the tasks of :mod:`.tasks` on a Dask ``distributed`` cluster, results in
input order (the ``profilewatch[cluster]`` extra).

Tasks go in batches; Dask retries a task whose worker died (then ``worker_lost``); a cluster left
without any worker for ``worker_timeout`` seconds (``--worker-timeout``) ends the scan, every task
not done reported as ``no_workers`` (:class:`DaskExecutor`).
"""
from __future__ import annotations

import collections
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..detect.rules import RuleSet
from ..options import ScanOptions
from ..records import Unit
from .tasks import _WORKER, ATTEMPTS, Task, TaskResult, _Joiner, cpu_count, lost, plan, scan_task

WORKER_TIMEOUT = 300.0
"""Seconds a Dask scan waits while the cluster has no worker at all (``--worker-timeout``) before
every task not yet done is reported as ``no_workers`` and the scan ends."""
POLL = 1.0


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


class ClusterGone(Exception):
    """The Dask cluster had no worker for ``worker_timeout`` seconds (or its scheduler went away)."""


class DaskExecutor:
    """``--executor dask``: the same tasks on a Dask cluster, results in input order.

    While it waits for a result, it asks the scheduler every ``POLL`` seconds how many workers
    there are; once there has been none for ``worker_timeout`` seconds (all workers gone, the
    scheduler unreachable), every task not done -- in flight or still to come -- ends as an
    ``error`` record ``no_workers`` without being submitted, ``gave_up`` says why, and the scan
    ends (the CLI exits 3).  A slow task on a live cluster is never timed out."""

    def __init__(self, rules: RuleSet, options: ScanOptions, scheduler: str | None = None, jobs: int | None = None,
                 window: int | None = None, worker_timeout: float | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # the cluster extra is optional
            raise RuntimeError("--executor dask needs the cluster extra: pip install 'profilewatch[cluster]'") from exc
        self.rules, self.options = rules, options
        self.worker_timeout = WORKER_TIMEOUT if worker_timeout is None else worker_timeout
        self.gave_up: str | None = None
        self._idle_since: float | None = None
        self._cluster = None
        if scheduler:
            self._client = Client(scheduler)
        else:
            self._cluster = LocalCluster(n_workers=jobs or cpu_count(), threads_per_worker=1, processes=True,
                                         dashboard_address=None, silence_logs=40)
            self._client = Client(self._cluster)
        self.jobs = sum(self._client.nthreads().values()) or 1
        self.window = window or 4 * self.jobs
        try:
            self._rules_future = self._scatter()
        except ClusterGone as exc:  # no worker at all: every task is reported, the output stays whole
            self._rules_future = None
            self._give_up(str(exc))

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
        if self.gave_up is not None:
            return None  # the cluster is gone: nothing more is sent
        return self._client.submit(_dask_batch, batch, self._rules_future, self.options, keep_found,
                                   pure=False, retries=ATTEMPTS - 1)

    def _scatter(self) -> Any:
        """The rules on every worker; waits for a worker at most ``worker_timeout`` seconds."""
        try:
            return self._client.scatter(self.rules, broadcast=True, timeout=max(self.worker_timeout, POLL))
        except Exception as exc:  # noqa: BLE001 - no worker came, or the scheduler is gone
            raise ClusterGone(f"the Dask cluster had no worker for {self.worker_timeout:g} s (--worker-timeout): "
                              f"the rules could not be sent to any ({type(exc).__name__}: {exc})") from exc

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
        results = None
        if self.gave_up is not None and future is not None and future.status == "finished":
            results = future.result()  # done before the cluster went: kept
        for attempt in range(ATTEMPTS):
            if self.gave_up is not None or results is not None:
                break
            try:
                results = self._result(future)
                break
            except ClusterGone as exc:
                self._give_up(str(exc))
            except Exception as exc:  # noqa: BLE001 - failed on every Dask retry, or cancelled (a lost scheduler state)
                if attempt == ATTEMPTS - 1:
                    message = f"Dask task failed after {ATTEMPTS} submissions: {type(exc).__name__}: {exc}"[:500]
                    results = [lost(task, message) for task in batch]
                    break
                try:
                    self._rules_future = self._scatter()  # it may have been lost with a worker
                except ClusterGone as gone:
                    self._give_up(str(gone))
                    break
                future = self._submit(batch, keep_found)
        if results is None:
            message = f"not scanned: {self.gave_up}"
            results = [lost(task, message, "no_workers") for task in batch]
        for task, result in zip(batch, results):
            joined = joiner.add(task, result)
            if joined is not None:
                yield joined

    def _give_up(self, why: str) -> None:
        if self.gave_up is None:
            self.gave_up = why

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


