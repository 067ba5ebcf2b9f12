"""The Python API: a scan with its wings switched on, as ``profilewatch scan`` runs it.

:class:`ScanJob` assembles one :class:`~profilewatch.pipeline.Pipeline` from keyword options:
the case store as its cache, baseline and dismissed-finding suppression and review
annotation as filters, timelines and the baseline writer's collector as taps.  Iterating it
yields typed records (:class:`~profilewatch.records.Finding`, ``Problem``, ``UnitRecord``,
``Timeline``); ``extras()`` adds to the summary what the stages counted.

    >>> from profilewatch.api import scan
    >>> for record in scan(["examples/"], timeline=True):
    ...     print(record.to_dict())
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .case.filters import FindingCollector, annotate, suppress
from .case.session import ScanSession
from .case.store import Store
from .report.shards import ShardFolder
from .detect.rules import RuleSet, load_rules
from .executors import InlineExecutor, make_executor
from .history.timeline import Manifest, TimelineBuilder
from .options import ScanOptions
from .pipeline import Pipeline
from .records import Record


class ScanJob:
    """One scan of ``paths``.  ``options`` are the fields of :class:`ScanOptions`.

    ``store``: a :class:`Store` (incremental, resumable scans; review decisions annotate and,
    unless ``include_dismissed``, dismissed findings are left out).  ``baseline``: fingerprints
    to leave out.  ``timeline``/``snapshots``: timeline records at the end.  ``keep_findings``:
    keep every finding before suppression in ``collected`` (for ``--write-baseline``).
    ``jobs`` (``None``: every usable core), ``executor`` (``local`` or ``dask``) and
    ``scheduler`` (a Dask scheduler address) choose where units are scanned; the records are
    the same and in the same order whatever they are.  ``worker_timeout``: seconds a Dask scan
    waits with no worker in the cluster before the units not done are reported ``no_workers``
    (then ``gave_up`` says why, after the run; it is also set when every worker fails and the
    scan stops, the units not done reported ``workers_failing``).  ``task_attempts``: how often a
    unit whose worker died or whose task raised is tried in all before it is an error record
    (default 3).
    """

    def __init__(self, paths: Iterable[str] | str, *, rules: RuleSet | None = None, store: Store | None = None,
                 baseline: set[str] | None = None, include_dismissed: bool = False, timeline: bool = False,
                 snapshots: Manifest | None = None, keep_findings: bool = False, jobs: int | None = 1,
                 executor: str = "local", scheduler: str | None = None, output_dir: str | None = None,
                 worker_timeout: float | None = None, task_attempts: int | None = None, **options: Any) -> None:
        if store is not None and output_dir is not None:
            raise ValueError("choose one: a case store or a shard folder (--output-dir)")
        self.shards = ShardFolder(output_dir) if output_dir is not None else None
        self.paths = [paths] if isinstance(paths, str) else list(paths)
        self.options = ScanOptions(**options)
        self.rules = rules or load_rules(self.options.rules_dirs)
        self.store = store
        self.suppressed: dict[str, int] = {}
        self.collected = FindingCollector() if keep_findings else None
        self.decisions = store.decisions() if store is not None else {}
        filters = []
        if baseline is not None:
            filters.append(suppress(baseline, self.suppressed, "baseline"))
        dismissed = set() if include_dismissed else {
            fp for fp, d in self.decisions.items() if d["decision"] == "dismissed"}
        if dismissed:
            filters.append(suppress(dismissed, self.suppressed, "dismissed"))
        if self.decisions:
            filters.append(annotate(self.decisions))
        taps = [t for t in (TimelineBuilder(snapshots) if timeline or snapshots else None, self.collected) if t]
        self.pipeline = Pipeline(self.rules, self.options, taps=taps, filters=filters)
        self.execution = {"jobs": jobs, "executor": executor, "scheduler": scheduler, "worker_timeout": worker_timeout,
                          "task_attempts": task_attempts}
        self.gave_up: str | None = None
        """Set when the Dask cluster was left without workers, or every worker failed: why the tasks
        not done were given up."""

    def __iter__(self) -> Iterator[Record]:
        if self.store is not None:  # the scan row is made when the scan starts, not before
            self.pipeline.cache = ScanSession(self.store, self.paths, self.rules.digest, self.options)
        elif self.shards is not None:
            self.pipeline.cache = self.shards
        return self._run()

    def _run(self) -> Iterator[Record]:
        executor = make_executor(self.rules, self.options, **self.execution)
        self.pipeline.executor = None if isinstance(executor, InlineExecutor) else executor
        try:
            yield from self.pipeline.run(self.paths)
        finally:
            self.gave_up = getattr(executor, "gave_up", None)
            executor.close()

    def extras(self) -> dict[str, Any]:
        """What the summary adds for this scan's stages: ``suppressed`` (hidden findings by reason)
        and, with a store, ``store`` (top-level files ``replayed`` unchanged and ``rescanned``)."""
        extras: dict[str, Any] = {"suppressed": dict(self.suppressed)} if self.suppressed else {}
        session = self.pipeline.cache
        if isinstance(session, ScanSession):
            extras["store"] = {"replayed": session.replayed, "rescanned": session.scanned}
        if isinstance(session, ShardFolder):
            extras["shards"] = {"written": session.written, "reused": session.reused, "failed": session.failures}
        return extras


def scan(paths: Iterable[str] | str, **options: Any) -> Iterator[Record]:
    """Scan files and folders; yield records as they come.  Options as :class:`ScanJob`."""
    return iter(ScanJob(paths, **options))
