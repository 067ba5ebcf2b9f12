"""``profilewatch scan``: options -> :class:`~profilewatch.api.ScanJob` -> one writer.

Exit codes: see :mod:`profilewatch.cli.common` (0 clean, 1 flags, 2 usage, 3 ``--strict`` and
failed inputs, 4 internal error).
"""
from __future__ import annotations

import os
import sys
from dataclasses import fields
from typing import Any

import click

from ..api import ScanJob
from ..case.baseline import BaselineError, check_writable, load_baseline, write_baseline
from ..case.store import STORE_ERRORS, Store
from ..history.snapshots import Manifest, ManifestError
from ..options import Limits
from ..files import is_url
from ..records import Problem, header
from ..sources.walk import given_problem
from ..report import WRITERS
from ..report.write import write_all
from .common import EXIT_CLEAN, EXIT_FAILED_INPUTS, EXIT_FLAGS, EXIT_INTERNAL, fail, load_rules_or_exit, open_output
from .progress import progress
from .settings import note, output_options, output_state

CASE_ERRORS = (*STORE_ERRORS, BaselineError)
"""What the scan command reports as bad input (exit 2) rather than as an internal error."""


SCAN_EPILOG = """\b
Exit codes:
  0  no flag findings
  1  flag findings
  2  usage, configuration or rule-pack error; unusable case store or baseline
  3  --strict and some inputs failed (they are still reported); or every input
     failed (nothing could be read), with or without --strict
  4  internal error: the scan was aborted (never 0)

\b
Examples:
  profilewatch scan examples/
  profilewatch scan vendor-site/ --exclude '*.min.js' --format html -o report.html
  profilewatch scan CORPUS --store case.db --format jsonl -o findings.jsonl

Options can also be set in .profilewatch.toml, [tool.profilewatch] in pyproject.toml, a user
config or PROFILEWATCH_SCAN_<OPTION> variables ('profilewatch config show').
"""


@click.command("scan", epilog=SCAN_EPILOG)
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(sorted(WRITERS)), default="table", show_default=True,
              help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to FILE instead of standard output.")
@click.option("--min-confidence", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Leave out findings whose confidence (0..1) is below this.")
@click.option("--include", "include", multiple=True, metavar="GLOB",
              help="Only scan files under walked folders that match this gitignore-style glob (repeatable).")
@click.option("--exclude", "exclude", multiple=True, metavar="GLOB",
              help="Leave out files and folders matching this gitignore-style glob (repeatable); "
                   "each is reported as skipped/excluded.")
@click.option("--no-ignore", is_flag=True, help="Do not read .profilewatchignore files.")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(), help="Extra rule-pack folder (repeatable).")
@click.option("--ocr", type=click.Choice(["auto", "all", "off"]), default="auto", show_default=True,
              help="Read text in pictures (text only; docs/ocr.md). auto: scanned PDF pages and image files; "
                   "all: also images inside WARC records and documents (PDF pages with text, Office media); off: no OCR.")
@click.option("--limit", "limit", multiple=True, metavar="NAME=VALUE", callback=lambda ctx, param, value: _limits(value),
              help="Set a safety limit (repeatable), e.g. --limit unit_seconds=600 --limit max_member_bytes=1G; "
                   "names: " + ", ".join(f.name for f in fields(Limits)) + ". A unit that reaches one is reported "
                   "partial, with the limit named.")
@click.option("--strict", is_flag=True, help="Exit 3 when any input failed to scan.")
@click.option("--keep-going", is_flag=True,
              help="A path given that does not exist, is a URL or is not a regular file or folder is an "
                   "error record instead of a usage error (exit 2).")
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
@click.option("--worker-timeout", type=click.FloatRange(min=1), default=None, metavar="SECONDS",
              help="Dask: how long to wait while the cluster has no worker at all (default 300); then every "
                   "unit not scanned is an error record no_workers and the scan exits 3.")
@click.option("--task-attempts", type=click.IntRange(min=1), default=None, metavar="N",
              help="-jN and Dask: how often a unit whose worker died or whose task raised is tried in "
                   "all before it is an error record worker_lost (task_failed); one in flight when a worker "
                   "died is tried alone at least once; default 3.")
@click.option("--output-dir", type=click.Path(file_okay=False),
              help="Write one JSONL shard per top-level input under DIR, with manifest.json and summary.json "
                   "(read it with 'profilewatch report DIR'); a rerun skips shards already complete. "
                   "Nothing else is written unless -o is given.")
@output_options
def scan_command(**params: Any) -> None:
    """Scan files and folders (archives, WARC, PDF, Office, HTML, code...).

    Folders are walked recursively; hidden and VCS folders are skipped, and so is what
    .profilewatchignore files (gitignore syntax, at any depth) and --exclude leave out.
    """
    if params["store"] and params["output_dir"]:
        raise click.UsageError("--store and --output-dir cannot be combined: choose one place to keep the results")
    if not params["keep_going"]:
        _check_paths(params["paths"])
    store, baseline = _open_case(params)
    fmt = params["fmt"]
    rules = load_rules_or_exit(params["rules_dirs"])
    job = ScanJob(params["paths"], rules=rules, store=store, baseline=baseline,
                  include_dismissed=params["include_dismissed"], timeline=params["timeline"],
                  snapshots=_manifest(params["snapshots"]), keep_findings=bool(params["write_baseline"]),
                  min_confidence=params["min_confidence"], rules_dirs=list(params["rules_dirs"]),
                  include_clean=not params["flags_only"], follow_symlinks=params["follow_symlinks"],
                  include=list(params["include"]), exclude=list(params["exclude"]),
                  ignore_files=not params["no_ignore"], ocr=params["ocr"],
                  jobs=params["jobs"], executor=params["executor"], scheduler=params["scheduler"],
                  worker_timeout=params["worker_timeout"], task_attempts=params["task_attempts"],
                  output_dir=params["output_dir"], limits=params["limit"])
    arguments = {"paths": list(params["paths"]), "format": fmt, "min_confidence": params["min_confidence"],
                 "rules": list(params["rules_dirs"]), "strict": params["strict"], "flags_only": params["flags_only"], "ocr": params["ocr"],
                 **{k: list(params[k]) for k in ("include", "exclude") if params[k]},
                 **({"limits": _changed(params["limit"])} if params["limit"] != Limits() else {})}
    show = None if params["units"] else (lambda d: d["type"] != "unit")
    summary = None
    head = header(rules, arguments)
    quiet_out = params["output_dir"] and not params["output"]
    try:
        with open_output(os.devnull if quiet_out else params["output"]) as out:
            colour = output_state().colour_for(out)
            with progress(job, params, out) as (records, shown_out):
                writer = WRITERS[fmt](shown_out, show_paths=params["show_paths"], csv_bom=params["csv_bom"],
                                      packs=rules.packs, color=colour)
                summary = write_all(writer, head, records, show=show, extras=job.extras)
        if job.collected is not None:
            n = write_baseline(params["write_baseline"], job.collected.findings, rules.digest)
            note(f"wrote baseline of {n} fingerprints to {params['write_baseline']}")
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except CASE_ERRORS as exc:
        fail(str(exc))
    except Exception as exc:  # never exit 0 after an internal error
        fail(f"internal error, scan aborted: {type(exc).__name__}: {exc}", EXIT_INTERNAL)
    finally:
        if store is not None:
            store.close()
        if job.shards is not None:
            _close_shards(job, head, summary)
    if job.gave_up:
        note(f"the scan is incomplete: {job.gave_up}")  # it names the reason of the units not scanned
        sys.exit(EXIT_FAILED_INPUTS)  # a cluster that went away, or failing workers, never end as a clean or flagged scan
    if params["strict"] and (summary.errors or summary.units["error"]):
        sys.exit(EXIT_FAILED_INPUTS)
    if summary.units["error"] and not (summary.units["scanned"] + summary.units["partial"]):
        note("no input could be read: every unit failed")
        sys.exit(EXIT_FAILED_INPUTS)  # a scan where every input failed is never 0
    sys.exit(EXIT_FLAGS if summary.flag_findings else EXIT_CLEAN)


def _limits(settings: tuple[str, ...]) -> Limits:
    try:
        return Limits().with_settings(settings)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--limit") from None


def _changed(limits: Limits) -> dict[str, Any]:
    """The limits that differ from the defaults (for the header's arguments)."""
    default = Limits()
    return {f.name: getattr(limits, f.name) for f in fields(Limits) if getattr(limits, f.name) != getattr(default, f.name)}


def _check_paths(paths: tuple[str, ...]) -> None:
    """A local path that is not there, or neither a regular file nor a folder, is a usage error
    (a URL is read through fsspec: what cannot be read there is an error record)."""
    for path in paths:
        problem = given_problem(path)
        if problem is None and not is_url(path) and not (os.path.isfile(path) or os.path.isdir(path)):
            problem = Problem("skipped", path, None, "not_regular_file", f"not a regular file or folder: {path}")
        if problem is not None:
            fail(f"{problem.message} (use --keep-going to report it and scan the rest)")


def _close_shards(job: ScanJob, head: dict[str, Any], summary: Any) -> None:
    record = None
    if summary is not None:
        record = {**summary.to_dict(), **job.extras()}
    job.shards.close(head, record)
    s = job.shards
    note(f"shards in {s.root}: {s.written} written, {s.reused} reused (already complete), {s.failures} failed"
         + ("" if summary is not None else "; the run stopped early: rerun the same command to finish"))


def _open_case(params: dict[str, Any]) -> tuple[Store | None, set[str] | None]:
    """The store and baseline, checked before any output: a bad baseline or store exits 2."""
    arguments = {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()
                 if k not in ("write_baseline", "jobs", "executor", "scheduler", "worker_timeout", "task_attempts", "limit")}  # where a scan runs changes no result
    if params["limit"] != Limits():
        arguments["limit"] = _changed(params["limit"])  # other limits can change what is found
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
