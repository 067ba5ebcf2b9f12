"""``profilewatch scan``: options -> :class:`~profilewatch.api.ScanJob` -> one writer.

Exit codes: see :mod:`profilewatch.cli.common` (0 clean, 1 flags, 2 usage, 3 ``--strict`` and
failed inputs, 4 internal error).
"""
from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Any

import click

from ..api import ScanJob
from ..case.baseline import BaselineError, check_writable, load_baseline, write_baseline
from ..case.store import STORE_ERRORS, Store
from ..history.snapshots import Manifest, ManifestError
from ..records import Record, UnitRecord, header
from ..report import WRITERS
from ..report.write import write_all
from .common import EXIT_CLEAN, EXIT_FAILED_INPUTS, EXIT_FLAGS, EXIT_INTERNAL, fail, load_rules_or_exit, open_output

CASE_ERRORS = (*STORE_ERRORS, BaselineError)
"""What the scan command reports as bad input (exit 2) rather than as an internal error."""


@click.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", default="table", show_default=True, help="Output format: " + ", ".join(sorted(WRITERS)))
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to FILE instead of standard output.")
@click.option("--min-confidence", type=click.FloatRange(0, 1), default=0.0, show_default=True)
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(), help="Extra rule-pack folder (repeatable).")
@click.option("--strict", is_flag=True, help="Exit 3 when any input failed to scan.")
@click.option("--units", is_flag=True, help="Emit one 'unit' record per unit (accounting).")
@click.option("--flags-only", is_flag=True, help="Leave out findings of clean kinds (disclaimer, reporting...).")
@click.option("--follow-symlinks", is_flag=True, help="Follow symbolic links while walking folders.")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: when stderr is a terminal).")
@click.option("--show-paths", type=click.Choice(["relative", "absolute"]), default="relative", show_default=True,
              help="Paths in html/sarif/csv/md reports: relative to the scanned roots, or absolute on this machine.")
@click.option("--csv-bom", is_flag=True, help="CSV: start with a UTF-8 byte-order mark (for Excel).")
@click.option("--store", type=click.Path(dir_okay=False),
              help="Case store (SQLite): incremental, resumable scans and review decisions.")
@click.option("--baseline", type=click.Path(dir_okay=False),
              help="Leave out findings whose fingerprints are in this baseline file.")
@click.option("--write-baseline", type=click.Path(dir_okay=False),
              help="Write every finding's fingerprint to this baseline file.")
@click.option("--include-dismissed", is_flag=True, help="Keep findings dismissed in review (with --store).")
@click.option("--timeline", is_flag=True,
              help="Append timeline records (when each claim appeared, changed, was removed) "
                   "after the findings. Disclaimers are only seen without --flags-only.")
@click.option("--snapshots", type=click.Path(exists=True, dir_okay=False),
              help="CSV manifest path,url,timestamp naming files as captures of a URL (implies --timeline).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: every core this process may use; -j1 scans in this process). "
                   "The output is the same, in the same order, for any value.")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: this machine's cores; dask: a Dask cluster (--scheduler, or a LocalCluster of "
                   "--jobs workers). Needs profilewatch[cluster].")
@click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler to use, e.g. tcp://HOST:8786 (implies --executor dask).")
def scan_command(**params: Any) -> None:
    """Scan files and folders (archives, WARC, PDF, Office, HTML, code...)."""
    store, baseline = _open_case(params)
    fmt = params["fmt"]
    if fmt not in WRITERS:
        raise click.UsageError(f"unknown format {fmt!r}; choose from {', '.join(sorted(WRITERS))}")
    rules = load_rules_or_exit(params["rules_dirs"])
    job = ScanJob(params["paths"], rules=rules, store=store, baseline=baseline,
                  include_dismissed=params["include_dismissed"], timeline=params["timeline"],
                  snapshots=_manifest(params["snapshots"]), keep_findings=bool(params["write_baseline"]),
                  min_confidence=params["min_confidence"], rules_dirs=list(params["rules_dirs"]),
                  include_clean=not params["flags_only"], follow_symlinks=params["follow_symlinks"],
                  jobs=params["jobs"], executor=params["executor"], scheduler=params["scheduler"])
    arguments = {"paths": list(params["paths"]), "format": fmt, "min_confidence": params["min_confidence"],
                 "rules": list(params["rules_dirs"]), "strict": params["strict"], "flags_only": params["flags_only"]}
    show = None if params["units"] else (lambda d: d["type"] != "unit")
    try:
        with open_output(params["output"]) as out:
            writer = WRITERS[fmt](out, show_paths=params["show_paths"], csv_bom=params["csv_bom"], packs=rules.packs)
            summary = write_all(writer, header(rules, arguments), _progress(job, params["progress"]),
                                show=show, extras=job.extras)
        if job.collected is not None:
            n = write_baseline(params["write_baseline"], job.collected.findings, rules.digest)
            click.echo(f"profilewatch: wrote baseline of {n} fingerprints to {params['write_baseline']}", err=True)
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except CASE_ERRORS as exc:
        fail(str(exc))
    except Exception as exc:  # never exit 0 after an internal error
        fail(f"internal error, scan aborted: {type(exc).__name__}: {exc}", EXIT_INTERNAL)
    finally:
        if store is not None:
            store.close()
    if params["strict"] and (summary.errors or summary.units["error"]):
        sys.exit(EXIT_FAILED_INPUTS)
    sys.exit(EXIT_FLAGS if summary.flag_findings else EXIT_CLEAN)


def _open_case(params: dict[str, Any]) -> tuple[Store | None, set[str] | None]:
    """The store and baseline, checked before any output: a bad baseline or store exits 2."""
    arguments = {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()
                 if k not in ("write_baseline", "jobs", "executor", "scheduler")}  # where a scan runs changes no result
    try:
        baseline = load_baseline(params["baseline"]) if params["baseline"] else None
        if params["write_baseline"]:
            check_writable(params["write_baseline"])
        return (Store(params["store"], arguments=arguments) if params["store"] else None), baseline
    except CASE_ERRORS as exc:
        fail(str(exc))


def _manifest(path: str | None) -> Manifest | None:
    if not path:
        return None
    try:
        return Manifest.load(path)
    except (ManifestError, OSError, UnicodeDecodeError) as exc:
        fail(f"snapshot manifest: {exc}")


def _progress(records: Iterable[Record], enabled: bool | None) -> Iterator[Record]:
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield from records
        return
    from tqdm import tqdm

    with tqdm(unit=" units", file=sys.stderr, dynamic_ncols=True, leave=False) as bar:
        for rec in records:
            if isinstance(rec, UnitRecord):
                bar.update(1)
                bar.set_postfix_str(rec.file[-40:], refresh=False)
            yield rec
