"""The scan loop, written once: walk -> cache lookup -> scan_unit -> taps -> filters.

Every command and the Python API scan through :class:`Pipeline`.  Its stages are plain
objects, so the wings plug in without the loop knowing them:

* a :class:`Cache` (the case store) is asked for a top-level unit's records before it is
  scanned, and given them after; it is never a second scanner;
* :class:`Tap` objects see every record before any filter (timelines, the baseline writer) and
  may add records at the end of the stream (timeline records);
* filters are functions ``records -> records`` (baseline and dismissed-finding suppression,
  review annotation), applied in order.

The loop keeps no state between top-level units, so their scans can be spread over workers.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from .detect.rules import RuleSet, load_rules
from .executors import InlineExecutor, TaskResult, shared_detector
from .options import ScanOptions
from .records import Problem, Record, Unit, UnitRecord
from .scanner import scan_unit
from .sources.ignore import Selection
from .sources.walk import walk


class Cache(Protocol):
    """Where the records of top-level units are kept between scans (see :mod:`profilewatch.case.session`)."""

    def lookup(self, unit: Unit) -> list[Record] | None:
        """The stored records of ``unit`` (same bytes, same configuration), or ``None``."""

    def commit(self, unit: Unit, records: list[Record], found: dict[str, Unit], seconds: float) -> None:
        """Keep the records of a freshly scanned top-level unit; ``found``: units with findings, by sha256."""

    def problem(self, problem: Problem) -> None:
        """Note a problem met while walking the inputs."""

    def finish(self) -> None:
        """Every input was walked: the scan is complete."""


class Tap(Protocol):
    """Sees every record before the filters; may add records at the end of the stream."""

    def add(self, record: Record) -> None: ...

    def finish(self) -> Iterable[Record]: ...


Filter = Callable[[Iterable[Record]], Iterator[Record]]


@dataclass
class Pipeline:
    """One configured scan: rules, options and the stages switched on."""

    rules: RuleSet
    options: ScanOptions = field(default_factory=ScanOptions)
    cache: Cache | None = None
    taps: list[Tap] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    executor: Any = None
    """Where top-level units are scanned (:mod:`profilewatch.executors`); ``None``: here, streaming."""

    def __post_init__(self) -> None:
        self.detector = shared_detector(self.rules)

    def run(self, paths: Iterable[str] | str) -> Iterator[Record]:
        """Scan ``paths``; yield findings, problems, unit records (and tap records at the end)."""
        records: Iterable[Record] = self.records(paths)
        if self.taps:
            records = self._tapped(records)
        for stage in self.filters:
            records = stage(records)
        yield from records
        for tap in self.taps:
            yield from tap.finish()

    def records(self, paths: Iterable[str] | str) -> Iterator[Record]:
        """The raw record stream: every walked input, through the cache and the executor."""
        paths = [paths] if isinstance(paths, str) else list(paths)
        opts = self.options
        selection = Selection(list(opts.include), list(opts.exclude), opts.ignore_files)
        unread = getattr(self.executor, "reads_files", False) and self.cache is None  # the cache needs each sha256
        items = walk(paths, follow_symlinks=opts.follow_symlinks, max_in_memory=0 if unread else opts.max_in_memory,
                     selection=selection)
        if self.executor is None and self.cache is None:  # the in-process stream: nothing held
            for item in items:
                yield from (_walk_problem(item) if isinstance(item, Problem) else scan_unit(item, self.detector, opts))
            return
        executor = self.executor or InlineExecutor(self.rules, opts)
        keep = self.cache is not None and getattr(self.cache, "keeps_evidence", True)  # units with findings come back
        for result in executor.map(self._work(items), keep_found=keep):
            if result.fresh and self.cache is not None:
                self.cache.commit(result.unit, result.records, result.found, result.seconds)
            elif result.lost and getattr(self.cache, "failed", None) is not None:
                self.cache.failed(result.unit, result.records)  # optional: a cache that reports failed units
            yield from result.records
        if self.cache is not None:
            self.cache.finish()

    def _work(self, items: Iterable[Unit | Problem]) -> Iterator[Unit | TaskResult]:
        """Units to scan, or results ready without a scan (walk problems, cache hits), in input order."""
        for item in items:
            if isinstance(item, Problem):
                if self.cache is not None:
                    self.cache.problem(item)
                yield TaskResult(list(_walk_problem(item)), fresh=False)
                continue
            stored = self.cache.lookup(item) if self.cache is not None else None
            yield item if stored is None else TaskResult(stored, unit=item, fresh=False)

    def _tapped(self, records: Iterable[Record]) -> Iterator[Record]:
        for rec in records:
            for tap in self.taps:
                tap.add(rec)
            yield rec


def _walk_problem(problem: Problem) -> Iterator[Record]:
    """An input the walk could not read: its problem and its unit record."""
    yield problem
    yield UnitRecord(problem.file, problem.member, problem.sha256, 0, "unknown", problem.type)


def scan(paths: Iterable[str] | str, *, rules: RuleSet | None = None, **options) -> Iterator[Record]:
    """Scan with no stages: ``options`` are the fields of :class:`ScanOptions`."""
    opts = ScanOptions(**options)
    return Pipeline(rules or load_rules(opts.rules_dirs), opts).run(paths)
