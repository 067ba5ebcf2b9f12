"""``profilewatch history`` and ``fetch-history``: timelines of claims across captures.

A bad manifest, or a WARC that cannot be appended to, ends with a clear message and exit code 2;
``fetch-history`` exits 3 when captures are left to fetch (re-run to resume).
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..history.render import render_text
from ..history.timeline import TimelineBuilder, history_records
from ..pipeline import Pipeline
from ..records import header
from ..sources.warc import is_warc
from ..report import WRITERS
from ..report.write import write_all
from .common import EXIT_FAILED_INPUTS, EXIT_INTERNAL, EXIT_NETWORK, fail, load_rules_or_exit, open_output
from .scan import _manifest


@click.command("history")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--from-warc", "warcs", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="A WARC file with captures of one or more URLs (repeatable).")
@click.option("--snapshots", type=click.Path(exists=True, dir_okay=False),
              help="CSV manifest path,url,timestamp naming files among PATHS as captures of a URL.")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl", "json"]), default="text", show_default=True,
              help="text: the terminal view; jsonl/json: timeline records.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to FILE instead of standard output.")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(), help="Extra rule-pack folder (repeatable).")
def history_command(paths: tuple[str, ...], warcs: tuple[str, ...], snapshots: str | None, fmt: str,
                    output: str | None, rules_dirs: tuple[str, ...]) -> None:
    """When did each claim appear, change and vanish? Scan captures and print their timelines.

    Captures come from WARC files (--from-warc), from files named like Wayback captures
    (20190408100000/http:/host/page) or from files listed in a --snapshots manifest.
    """
    inputs = list(warcs) + list(paths)
    if not inputs:
        raise click.UsageError("give WARC files with --from-warc, or PATHS with --snapshots or Wayback-style names")
    for warc in warcs:
        if not is_warc(warc):
            fail(f"--from-warc {warc}: not a WARC file (no WARC/1.x or ARC header, plain or gzip)")
    rules = load_rules_or_exit(rules_dirs)
    builder = TimelineBuilder(_manifest(snapshots))
    records = history_records(Pipeline(rules).run(inputs), builder, [p for p in inputs if Path(p).is_file()])
    try:
        with open_output(output) as out:
            if fmt == "text":
                _write_text(out, list(records), builder)
            else:
                write_all(WRITERS[fmt](out), header(rules, {"command": "history", "paths": inputs, "snapshots": snapshots}),
                          records, show=lambda d: d["type"] in ("error", "timeline"),
                          extras=lambda: {"histories": len(builder.histories()), "timelines": builder.count})
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as exc:  # never exit 0 after an internal error
        fail(f"internal error, history aborted: {type(exc).__name__}: {exc}", EXIT_INTERNAL)


def _write_text(out, records: list, builder: TimelineBuilder) -> None:
    for rec in records:  # an unreadable capture: its timeline may be missing a snapshot
        d = rec.to_dict()
        if d["type"] == "error":
            click.echo(f"profilewatch: {d['file']}{'!/' + d['member'] if d['member'] else ''}: "
                       f"{d['reason']}: {d['message']}", err=True)
    histories = builder.histories()
    if not histories:
        out.write("no captures found (WARC records, Wayback-style names or --snapshots manifest rows)\n")
    timelines = [rec.to_dict() for rec in records if rec.to_dict()["type"] == "timeline"]
    for line in render_text(histories, timelines):
        out.write(line + "\n")


# --------------------------------------------------------------------------- fetch-history


@click.command("fetch-history")
@click.argument("url")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="The WARC file to write (.warc.gz); re-running appends only captures not yet in it.")
@click.option("--from", "date_from", metavar="YYYY[MMDD...]", help="First capture time (CDX 'from').")
@click.option("--to", "date_to", metavar="YYYY[MMDD...]", help="Last capture time (CDX 'to').")
@click.option("--cdx-endpoint", default=None, help="CDX API URL (default: the Internet Archive's; pywb: http://host/COLL/cdx).")
@click.option("--capture-prefix", default=None,
              help="Prefix of raw capture URLs, followed by TIMESTAMPid_/URL (default: the Internet Archive's /web/).")
@click.option("--cdx-rate", type=click.FloatRange(min=0.1), default=24.0, show_default=True,
              help="At most this many CDX requests a minute.")
@click.option("--fetch-rate", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="At most this many capture downloads a minute.")
@click.option("--max-wait", type=click.FloatRange(min=0), default=300.0, show_default=True,
              help="Stop (resumable) when a 429/503 asks to wait longer than this many seconds.")
@click.option("--contact", help="An e-mail or URL added to the User-Agent so the archive can reach you.")
def fetch_history_command(url: str, out: str, date_from: str | None, date_to: str | None, cdx_endpoint: str | None,
                          capture_prefix: str | None, cdx_rate: float, fetch_rate: float, max_wait: float,
                          contact: str | None) -> None:
    """Fetch the capture history of URL from a Wayback Machine (or pywb) into a WARC file.

    Exit 0 when every capture is in the file, 3 when some could not be fetched or the archive
    asked to stop (re-run to resume), 5 when the archive cannot be reached at all (no DNS,
    connection refused, TLS failure: nothing is retried), 2 on bad options or an unusable output file.
    """
    from ..history.polite import NetworkError
    from ..history.wayback import FetchConfig, FetchError, OutputError, fetch_history

    for value, name in ((date_from, "--from"), (date_to, "--to")):
        if value is not None and not (value.isdigit() and 4 <= len(value) <= 14):
            raise click.BadParameter("use YYYY, YYYYMM, YYYYMMDD... (up to 14 digits)", param_hint=name)
    config = FetchConfig(cdx_per_minute=cdx_rate, fetch_per_minute=fetch_rate, max_wait=max_wait)
    if cdx_endpoint:
        config.cdx_endpoint = cdx_endpoint
    if capture_prefix:
        config.capture_prefix = capture_prefix if capture_prefix.endswith("/") else capture_prefix + "/"
    if contact:
        config.user_agent = config.user_agent[:-1] + f"; {contact})"
    try:
        report = fetch_history(url, out, config, date_from=date_from, date_to=date_to,
                               progress=lambda msg: click.echo(msg, err=True))
    except NetworkError as exc:
        fail(f"{exc}: check the network, or point --cdx-endpoint and --capture-prefix at a reachable archive "
             "(a local pywb, say); nothing was retried", EXIT_NETWORK)
    except FetchError as exc:
        fail(str(exc), EXIT_FAILED_INPUTS)
    except OutputError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{out}: {exc}")
    click.echo(f"{report.written} written, {report.revisits} revisits, {report.already} already in {out}, "
               f"{len(report.problems)} failed" + (f"; cut a torn record of {report.repaired_bytes} bytes"
                                                   if report.repaired_bytes else ""), err=True)
    for date, reason, message in report.problems:
        click.echo(f"  {date} {reason}: {message}", err=True)
    sys.exit(EXIT_FAILED_INPUTS if report.problems else 0)


COMMANDS = [history_command, fetch_history_command]
