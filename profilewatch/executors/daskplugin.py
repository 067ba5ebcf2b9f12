"""What a Dask executor installs in, and asks of, its workers (imported only with ``distributed``).

* :class:`RulesPlugin`: the rules, installed in every worker by a ``WorkerPlugin``, which the
  scheduler runs again on every worker that joins later (a restarted one too), so no task
  depends on a rules key that could be lost or fail with the workers holding it.
* :func:`record_running`: a task says, before it scans, that it runs; the executor can then
  tell a task that killed its worker from one merely queued on it (:func:`ran`): with
  ``allowed-failures`` 0 the scheduler fails every task assigned to a dying worker, and only the
  one running is charged a death.
"""
from __future__ import annotations

import threading
from typing import Any

from distributed import get_worker
from distributed.diagnostics.plugin import WorkerPlugin
from distributed.utils import sync

from ..detect.rules import RuleSet
from .tasks import _WORKER, shared_detector

RUNNING = "profilewatch-running"
"""Scheduler metadata: RUNNING / worker address / thread -> the key of the task it runs."""


class RulesPlugin(WorkerPlugin):
    """Installs one rule set in each worker, under its digest (a shared cluster may serve scans
    of several rule sets)."""

    idempotent = True

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.name = f"profilewatch-rules-{rules.digest}"

    def setup(self, worker: Any) -> None:
        _WORKER.setdefault("dask_rules", {})[self.rules.digest] = self.rules
        shared_detector(self.rules)  # built now, on every worker at once, not by its first task


def worker_rules(digest: str) -> RuleSet:
    """The rules the plugin installed in this worker."""
    rules = _WORKER.get("dask_rules", {}).get(digest)
    if rules is None:
        raise RuntimeError(f"the rules {digest[:12]} are not installed on this Dask worker (plugin missing)")
    return rules


def record_running() -> None:
    """Tell the scheduler (and wait until it knows) that this thread runs the current task."""
    worker = get_worker()
    sync(worker.loop, worker.scheduler.set_metadata,
         keys=[RUNNING, worker.address, threading.get_ident()], value=worker.get_current_task())


def ran(client: Any, exc: BaseException) -> bool:
    """Whether the task of a ``KilledWorker`` was running when its last worker died (unknown:
    yes, so a death is never left uncounted)."""
    try:
        running = client.get_metadata([RUNNING, exc.last_worker.address], default=None)
    except Exception:  # noqa: BLE001 - the scheduler cannot say
        return True
    return not isinstance(running, dict) or exc.task in running.values()
