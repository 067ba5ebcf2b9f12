"""The task every executor runs (:func:`scan_task`: one top-level unit, or one byte range of a
large WARC), its result, and what executors share: the plan of a unit's tasks, the joining of
parts back into one result per unit, the records of a unit no worker could scan (:func:`lost`).
"""
from __future__ import annotations

import collections
import dataclasses
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from ..detect.engine import Detector
from ..detect.rules import RuleSet
from ..files import is_url, open_input
from ..options import ScanOptions
from ..records import Problem, Record, Unit, UnitRecord
from ..scanner import scan_unit, scan_warc_range
from ..sources.sniff import sniff
from ..sources.warc import SPLIT_MISMATCH
from ..sources.warcsplit import record_ranges

ATTEMPTS = 3
"""How often a unit is tried in all, by default (``--task-attempts``), before it is reported as
``worker_lost`` (every try killed its worker) or ``task_failed`` (a try raised)."""
WORKERS_FAILING = "workers_failing"
"""The reason of the units not scanned once the :class:`Breaker` stopped a scan."""


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
    if jobs < 2 or not unit.streamed or unit.depth or unit.size <= max(options.split_bytes, options.max_in_memory):
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


def detached(task: Task) -> Task:
    """A top-level file's unit without its bytes, for a worker on the same machine (a local
    pool, or a LocalCluster): it reads them again (:func:`held`), so they are never pickled
    through a pipe or the scheduler."""
    if isinstance(task, Unit) and task.data and task.path and not task.depth and not is_url(task.path):
        return dataclasses.replace(task, data=b"")
    return task  # a URL is not fetched twice


def held(unit: Unit, options: ScanOptions) -> Unit:
    """A top-level file sent without its bytes (:func:`detached`, or walked unread because the
    workers read the files), read whole as the walk would have: up to ``max_in_memory``."""
    if unit.data or not unit.path or unit.depth or not 0 < unit.size <= options.max_in_memory:
        return unit
    with open_input(unit.path) as fh:
        data = fh.read(options.max_in_memory + 1)
    if len(data) > options.max_in_memory:  # it grew since the walk: read in windows, as a large file
        return unit
    return dataclasses.replace(unit, data=data, size=len(data))


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
    unit = task.unit if isinstance(task, Part) else held(task, options)
    _test_hooks(unit)
    detector = shared_detector(rules)
    if isinstance(task, Part):
        records = list(scan_warc_range(unit, task.start, task.end, detector, options, on_findings=hook))
    else:
        records = list(scan_unit(unit, detector, options, on_findings=hook))
    return TaskResult(records, found, time.monotonic() - started)


def _test_hooks(unit: Unit) -> None:
    """``PROFILEWATCH_TEST_KILL_WORKER=NAME:MARKER``: the first worker to meet unit NAME dies
    (MARKER, a file path, records that it happened; ``always``: every worker that meets it;
    ``always:COUNT``: every one, each adding a line to the file COUNT; NAME ``*``: every unit), so a test can kill a
    worker mid-task (and count the deaths).  ``PROFILEWATCH_TEST_HOLD_WORKER=NAME:MARKER``: a worker that
    meets unit NAME creates MARKER and sleeps (a test then takes the cluster's workers away).
    ``PROFILEWATCH_TEST_FAIL_TASK=NAME``: the task of unit NAME raises in the worker."""
    if os.environ.get("PROFILEWATCH_TEST_FAIL_TASK") == unit.file and _WORKER.get("in_worker"):
        raise RuntimeError(f"test hook: the task of {unit.file} fails")
    hold = os.environ.get("PROFILEWATCH_TEST_HOLD_WORKER")
    if hold and _WORKER.get("in_worker"):
        name, _, marker = hold.partition(":")
        if unit.file == name:
            open(marker, "w").close()  # noqa: SIM115
            time.sleep(600)
    spec = os.environ.get("PROFILEWATCH_TEST_KILL_WORKER")
    if spec and _WORKER.get("in_worker"):
        name, _, marker = spec.partition(":")
        always = marker == "always" or marker.startswith("always:")
        count = marker[len("always:"):] if always else ""
        if name in (unit.file, "*") and (always or not os.path.exists(marker)):
            if count:
                with open(count, "a", encoding="utf-8") as fh:
                    fh.write(f"{os.getpid()}\n")
            elif not always:
                open(marker, "w").close()  # noqa: SIM115
            os._exit(70)


def _owned(result: TaskResult, unit: Unit) -> TaskResult:
    result.unit = unit
    return result


def _ready(result: TaskResult) -> Future:
    done: Future = Future()
    done.set_result(result)
    return done


def batched(items: Iterable[Unit | TaskResult], tasks: Callable[[Unit], list[Task]], most: int | Callable[[], int],
            most_bytes: int, most_wait: float | None = None) -> Iterator[list[Task] | TaskResult]:
    """Consecutive tasks in batches of at most ``most`` tasks (a number, or asked anew for each
    batch) or about ``most_bytes`` of input, in input order; a ready result ends the batch before
    it.  A part of a split WARC or a file left on disk weighs its bytes too, so a batch never
    holds several large pieces of work.  ``most_wait``: a batch is sent once its first task has
    waited that long for company (input that comes slowly is not held back)."""
    batch: list[Task] = []
    size = 0
    started = 0.0
    limit = most if callable(most) else (lambda: most)
    for item in items:
        if isinstance(item, TaskResult):
            if batch:
                yield batch
                batch, size = [], 0
            yield item
            continue
        for task in tasks(item):
            if not batch:
                started = time.monotonic()
            batch.append(task)
            size += task.end - task.start if isinstance(task, Part) else task.size
            if len(batch) >= limit() or size >= most_bytes or (
                    most_wait is not None and time.monotonic() - started >= most_wait):
                yield batch
                batch, size = [], 0
    if batch:
        yield batch


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


def lost(task: Task, message: str, reason: str = "worker_lost") -> TaskResult:
    """The records of a unit (or part) whose scan could not be completed by any worker."""
    unit = task.unit if isinstance(task, Part) else task
    if isinstance(task, Part):
        message = f"WARC records in bytes {task.start}-{task.end} not scanned: {message}"
    problem = Problem("error", unit.file, unit.member, reason, message, None)
    records: list[Record] = [problem]
    if not isinstance(task, Part) or task.index == task.count - 1:
        records.append(UnitRecord(unit.file, unit.member, None, unit.size, "unknown", "error"))
    return TaskResult(records, unit=unit, fresh=False, lost=True)  # not kept in a store: a rescan tries again


def tried_out(task: Task, tries: int, deaths: int, failure: BaseException | None) -> TaskResult:
    """The records of a task tried ``tries`` times in vain, ``deaths`` of them killing its worker:
    ``worker_lost`` if every one did, else ``task_failed`` naming what it raised last (``failure``)."""
    def times(n: int) -> str:
        return f"{n} time{'' if n == 1 else 's'}"

    if deaths >= tries or failure is None:
        return lost(task, f"the worker scanning it died {times(deaths)} (killed or out of memory)")
    died = f" ({deaths} of them a worker dying)" if deaths else ""
    return lost(task, f"the scan task failed {times(tries)}{died}: {type(failure).__name__}: {failure}"[:500],
                "task_failed")


@dataclass
class Tries:
    """The tries of one task so far (both executors' retries carry one per task): how many, how
    many of them killed their worker, and what the last one that raised raised."""

    tries: int = 0
    deaths: int = 0
    failure: BaseException | None = None
    owed: bool = False
    """It is owed a try alone: its last death was in company (it may have been another's)."""

    def died(self, times: int = 1, in_company: bool = False) -> None:
        self.tries += times
        self.deaths += times
        self.owed = in_company

    def raised(self, exc: BaseException) -> None:
        self.tries += 1
        self.failure = exc

    def more(self, attempts: int) -> bool:
        """Try it again: fewer than ``attempts`` tries, or a try alone owed."""
        return self.tries < attempts or self.owed

    def given_up(self, task: Task) -> TaskResult:
        return tried_out(task, self.tries, self.deaths, self.failure)


class Breaker:
    """A circuit breaker for tries alone: ``limit`` of them failing in a row, with no success
    between and on more than one unit (2 x the workers, at least 4), say the fault is the
    workers' -- every one failing -- not an input's.  Then ``why`` is set: the executor sends
    nothing more and reports every unit not done as ``workers_failing`` (the CLI exits 3)."""

    def __init__(self, workers: int) -> None:
        self.limit = max(4, 2 * workers)
        self.failed: list[int] = []  # id() of the task of each failure in the current run
        self.why: str | None = None

    def record(self, task: Task, ok: bool) -> None:
        if ok:
            self.failed = []
            return
        self.failed.append(id(task))
        if self.why is None and len(self.failed) >= self.limit and len(set(self.failed)) > 1:
            self.why = (f"{len(self.failed)} tries of units alone failed in a row, none succeeding between: "
                        f"every worker seems to fail; the units not scanned are error records {WORKERS_FAILING}")

    def lost(self, task: Task) -> TaskResult:
        """The records of a unit not scanned because the breaker stopped the scan."""
        return lost(task, f"not scanned: {self.why}", WORKERS_FAILING)
