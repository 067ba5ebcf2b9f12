"""Command line: a thin layer over :mod:`profilewatch.api`.

Exit codes (``profilewatch scan``):
  0  no flag findings
  1  flag findings
  2  usage, configuration or rule-pack error
  3  ``--strict`` and some inputs failed (errors were reported)
  4  internal error (the scan was aborted; never 0)
"""
from __future__ import annotations

import contextlib
import sys
from typing import Any

import click

from . import __version__
from .api import Summary, header, scan
from .casecli import COMMANDS as CASE_COMMANDS, ERRORS as CASE_ERRORS, CaseScan, case_options
from .historycli import COMMANDS as HISTORY_COMMANDS, TimelineScan, timeline_options
from .detect.rules import RuleError, load_rules
from .records import UnitRecord
from .report import WRITERS

EXIT_CLEAN, EXIT_FLAGS, EXIT_USAGE, EXIT_FAILED_INPUTS, EXIT_INTERNAL = 0, 1, 2, 3, 4


@click.group()
@click.version_option(__version__, prog_name="profilewatch")
def cli() -> None:
    """Find protected-attribute categorisation and group targeting in documents and code."""


@cli.command("scan")
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
@case_options
@timeline_options
def scan_command(paths: tuple[str, ...], fmt: str, output: str | None, min_confidence: float,
                 show_paths: str, csv_bom: bool,
                 rules_dirs: tuple[str, ...], strict: bool, units: bool, flags_only: bool,
                 follow_symlinks: bool, progress: bool | None, case: CaseScan, timeline: TimelineScan) -> None:
    """Scan files and folders (archives, WARC, PDF, Office, HTML, code...)."""
    if fmt not in WRITERS:
        raise click.UsageError(f"unknown format {fmt!r}; choose from {', '.join(sorted(WRITERS))}")
    try:
        rules = load_rules(list(rules_dirs))
    except RuleError as exc:
        click.echo(f"profilewatch: rule error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    arguments = {"paths": list(paths), "format": fmt, "min_confidence": min_confidence,
                 "rules": list(rules_dirs), "strict": strict, "flags_only": flags_only}
    summary = Summary()
    try:
        with _open_output(output) as out:
            writer = WRITERS[fmt](out, show_paths=show_paths, csv_bom=csv_bom)
            writer.header(header(rules, arguments))
            records = scan(paths, rules=rules, min_confidence=min_confidence, rules_dirs=list(rules_dirs),
                           include_clean=not flags_only, follow_symlinks=follow_symlinks, store=case.store)
            for rec in _progress(case.wrap(timeline.tap(records)), progress):
                summary.add(rec)
                if isinstance(rec, UnitRecord) and not units:
                    continue
                writer.record(case.annotate(rec.to_dict()))
            timeline.emit(writer)
            writer.summary(case.summary(summary.to_dict()))
        case.finish(rules.digest)
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except CASE_ERRORS as exc:
        click.echo(f"profilewatch: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except Exception as exc:  # never exit 0 after an internal error
        click.echo(f"profilewatch: internal error, scan aborted: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_INTERNAL)
    if strict and (summary.errors or summary.units["error"]):
        sys.exit(EXIT_FAILED_INPUTS)
    sys.exit(EXIT_FLAGS if summary.flag_findings else EXIT_CLEAN)


@contextlib.contextmanager
def _open_output(path: str | None):
    if path is None:
        yield sys.stdout
        return
    with open(path, "w", encoding="utf-8", newline="") as fh:
        yield fh


def _progress(records, enabled: bool | None):
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


@cli.command("report")
@click.argument("findings", type=click.File("r", encoding="utf-8", errors="replace"))
@click.option("--format", "fmt", default="html", show_default=True, help="Output format: " + ", ".join(sorted(WRITERS)))
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to FILE instead of standard output.")
@click.option("--show-paths", type=click.Choice(["relative", "absolute"]), default="relative", show_default=True,
              help="Paths relative to the scanned roots, or absolute (joined to the roots given at scan time).")
@click.option("--csv-bom", is_flag=True, help="CSV: start with a UTF-8 byte-order mark (for Excel).")
def report_command(findings, fmt: str, output: str | None, show_paths: str, csv_bom: bool) -> None:
    """Render saved JSON Lines output (FINDINGS.jsonl, or - for stdin) as another format without rescanning."""
    from .report.replay import replay

    if fmt not in WRITERS:
        raise click.UsageError(f"unknown format {fmt!r}; choose from {', '.join(sorted(WRITERS))}")
    with _open_output(output) as out:
        _, bad = replay(findings, WRITERS[fmt](out, show_paths=show_paths, csv_bom=csv_bom))
    if bad:
        click.echo(f"profilewatch: {bad} line(s) of {findings.name} were not JSON records and were ignored", err=True)


@cli.group()
def rules() -> None:
    """Show and test the rule packs."""


@rules.command("list")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path())
def rules_list(rules_dirs: tuple[str, ...]) -> None:
    """List loaded packs with their term counts and the rules digest."""
    rs = _load_or_exit(rules_dirs)
    for p in rs.packs:
        n = sum(1 for t in rs.terms if t.pack == p.id)
        ex = sum(1 for e in rs.examples if e.pack == p.id)
        click.echo(f"{p.id:<20} {p.category:<20} {n:>4} terms {ex:>3} examples  {p.name}")
    click.echo("cues: " + ", ".join(f"{k} {len(v)}" for k, v in rs.cues.items()))
    click.echo(f"digest: {rs.digest}")


@rules.command("test")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path())
def rules_test(rules_dirs: tuple[str, ...]) -> None:
    """Run every pack's examples and annotated fixtures; exit 1 on any failure."""
    from .detect.selftest import run_selftest

    rs = _load_or_exit(rules_dirs)
    failures, total = run_selftest(rs)
    for f in failures:
        click.echo(f"FAIL {f}")
    click.echo(f"{total - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


def _load_or_exit(rules_dirs: tuple[str, ...]):
    try:
        return load_rules(list(rules_dirs))
    except RuleError as exc:
        click.echo(f"profilewatch: rule error: {exc}", err=True)
        sys.exit(EXIT_USAGE)


for _command in CASE_COMMANDS + HISTORY_COMMANDS:
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point."""
    return cli.main(args=argv, prog_name="profilewatch")
