"""Command-line parts of issue 4: ``scan --timeline``, ``history`` and ``fetch-history``.

``scan`` gains ``--timeline`` and ``--snapshots`` through :func:`timeline_options`; the
``history`` and ``fetch-history`` commands are in :data:`COMMANDS`.  A bad manifest, or a
WARC that cannot be appended to, ends with a clear message and exit code 2.
"""
from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import click

from .history import Manifest, ManifestError, TimelineBuilder, warc_revisits
from .records import Problem, Record

EXIT_USAGE, EXIT_FAILED, EXIT_INTERNAL = 2, 3, 4


def _fail(message: str, code: int = EXIT_USAGE) -> None:
    click.echo(f"profilewatch: {message}", err=True)
    sys.exit(code)


def _manifest(path: str | None) -> Manifest | None:
    if not path:
        return None
    try:
        return Manifest.load(path)
    except (ManifestError, OSError, UnicodeDecodeError) as exc:
        _fail(f"snapshot manifest: {exc}")
        raise  # unreachable


class TimelineScan:
    """The timeline side of one ``profilewatch scan``: a no-op unless ``--timeline`` was given."""

    def __init__(self, enabled: bool, manifest: Manifest | None) -> None:
        self.builder = TimelineBuilder(manifest) if enabled else None

    def tap(self, records: Iterable[Record]) -> Iterator[Record]:
        """Pass records through, noting what the timelines need (before any suppression)."""
        for rec in records:
            if self.builder is not None:
                self.builder.add(rec)
            yield rec

    def emit(self, writer: Any) -> int:
        """Write the timeline records (after the findings, before the summary); how many."""
        if self.builder is None:
            return 0
        n = 0
        for tl in self.builder.timelines():
            writer.record(tl)
            n += 1
        return n


def timeline_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--timeline`` and ``--snapshots`` to ``scan``; the command receives ``timeline: TimelineScan``."""

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        enabled, snapshots = kwargs.pop("timeline"), kwargs.pop("snapshots")
        return command(timeline=TimelineScan(enabled or bool(snapshots), _manifest(snapshots)), **kwargs)

    wrapper = click.option("--snapshots", type=click.Path(exists=True, dir_okay=False),
                           help="CSV manifest path,url,timestamp naming files as captures of a URL (implies --timeline).")(wrapper)
    wrapper = click.option("--timeline", is_flag=True,
                           help="Append timeline records (when each claim appeared, changed, was removed) "
                                "after the findings. Disclaimers are only seen without --flags-only.")(wrapper)
    return wrapper


# --------------------------------------------------------------------------- history


def _short(date: str | None) -> str:
    return (date or "?")[:16].replace("T", " ")


def _clip(text: str, n: int = 90) -> str:
    text = " ".join(text.split())
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    return text if len(text) <= n else text[: n - 1] + "…"


_STATE_MARK = {"present": "●", "absent": "○", "gone": "✕", "disclaimer": "D", "not_yet": "·", "unreadable": "?",
               "redirect": "→", "http_error": "!", "revisit": "?"}


def render_text(histories: list[dict[str, Any]], timelines: list[dict[str, Any]]) -> Iterator[str]:
    """A readable terminal timeline: per URL its captures, then each claim's events."""
    by_url: dict[str, list[dict[str, Any]]] = {}
    for tl in timelines:
        by_url.setdefault(tl["url_key"], []).append(tl)
    for h in histories:
        snaps = h["snapshots"]
        claims = by_url.get(h["url_key"], [])
        yield _clip(h["url"], 200)
        yield (f"  {len(snaps)} capture(s) {_short(snaps[0]['date'])} .. {_short(snaps[-1]['date'])}; "
               f"{len(claims)} claim(s)")
        for s in snaps:
            status = s["http_status"] if s["http_status"] is not None else "-"
            notes = [f"{s['claims']} flag finding(s)" if s["claims"] else "no flag findings"]
            if s["disclaimer"]:
                notes.append("disclaimer")
            if s["condition"] != "ok":
                notes.append(s["condition"])
            yield f"    {_short(s['date'])}  HTTP {status:<4} {', '.join(notes)}"
        if claims:
            yield "  (● present  ○ absent  ✕ HTTP 404/410  D disclaimer  · not yet  ? unreadable  → redirect)"
        for tl in claims:
            yield ""
            yield f"  claim {_clip(tl['claim'], 80)}  [{', '.join(tl['kinds'])}]  now: {tl['status']}"
            yield "    " + " ".join(_STATE_MARK.get(s["state"], "?") for s in tl["states"])
            for ev in tl["events"]:
                before = ev["before"]
                if ev["event"] == "appeared":
                    where = f"first seen; last absent {_short(before['date'])}" if before else "present in the first capture"
                elif ev["event"] == "changed":
                    where = f"reworded since {_short(before['date'])}"
                elif ev["event"] == "removed":
                    status = ev["first_absent"]["http_status"]
                    gone = f" (HTTP {status})" if status in (404, 410) else ""
                    where = f"last seen {_short(ev['last_seen']['date'])}, first absent {_short(ev['date'])}{gone}"
                elif ev["event"] == "reappeared":
                    where = f"absent {_short(before['date'])}, last seen before {_short(ev['last_seen']['date'])}"
                else:
                    where = f"after {_short(before['date']) if before else '-'}: “{_clip(ev['disclaimer']['text'], 60)}”"
                yield f"    {_short(ev['date'])}  {ev['event']:<23} {where}"
                ids = [x["record_id"] for x in (before, ev["after"]) if x and x.get("record_id")]
                if ids:
                    yield f"{'':22}records {' -> '.join(ids)}"
            yield f"    first: “{_clip(tl['evidence']['first'])}”"
            if tl["evidence"]["last"] != tl["evidence"]["first"]:
                yield f"    last:  “{_clip(tl['evidence']['last'])}”"
        yield ""


@click.command("history")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--from-warc", "warcs", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="A WARC file with captures of one or more URLs (repeatable).")
@click.option("--snapshots", type=click.Path(exists=True, dir_okay=False),
              help="CSV manifest path,url,timestamp naming files among PATHS as captures of a URL.")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl", "json"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to FILE instead of standard output.")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(), help="Extra rule-pack folder (repeatable).")
def history_command(paths: tuple[str, ...], warcs: tuple[str, ...], snapshots: str | None, fmt: str,
                    output: str | None, rules_dirs: tuple[str, ...]) -> None:
    """When did each claim appear, change and vanish? Scan captures and print their timelines.

    Captures come from WARC files (--from-warc), from files named like Wayback captures
    (20190408100000/http:/host/page) or from files listed in a --snapshots manifest.
    """
    from .api import Summary, header, scan
    from .detect.rules import RuleError, load_rules
    from .report import WRITERS

    inputs = list(warcs) + list(paths)
    if not inputs:
        raise click.UsageError("give WARC files with --from-warc, or PATHS with --snapshots or Wayback-style names")
    try:
        rules = load_rules(list(rules_dirs))
    except RuleError as exc:
        _fail(f"rule error: {exc}")
    builder = TimelineBuilder(_manifest(snapshots))
    summary = Summary()
    errors: list[dict[str, Any]] = []
    try:
        for rec in scan(inputs, rules=rules, rules_dirs=list(rules_dirs), include_clean=True):
            summary.add(rec)
            builder.add(rec)
            if isinstance(rec, Problem) and rec.type == "error":
                errors.append(rec.to_dict())
        for path in inputs:
            if Path(path).is_file():
                for rec in _revisits(path):
                    builder.add(rec)
        timelines = list(builder.timelines())
        histories = builder.histories()
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as exc:  # never exit 0 after an internal error
        _fail(f"internal error, history aborted: {type(exc).__name__}: {exc}", EXIT_INTERNAL)
    out = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        if fmt == "text":
            for d in errors:  # an unreadable capture: its timeline may be missing a snapshot
                click.echo(f"profilewatch: {d['file']}{'!/' + d['member'] if d['member'] else ''}: "
                           f"{d['reason']}: {d['message']}", err=True)
            if not histories:
                out.write("no captures found (WARC records, Wayback-style names or --snapshots manifest rows)\n")
            for line in render_text(histories, timelines):
                out.write(line + "\n")
        else:
            writer = WRITERS[fmt](out)
            writer.header(header(rules, {"command": "history", "paths": inputs, "snapshots": snapshots}))
            for rec in errors + timelines:
                writer.record(rec)
            writer.summary(dict(summary.to_dict(), histories=len(histories), timelines=len(timelines)))
    finally:
        if output:
            out.close()


def _revisits(path: str) -> Iterator[dict[str, Any]]:
    """Revisit records of ``path`` when it is a WARC file (nothing otherwise)."""
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if magic[:2] != b"\x1f\x8b" and magic != b"WARC":
        return iter(())
    return warc_revisits(path)


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
    asked to stop (re-run to resume), 2 on bad options or an unusable output file.
    """
    from .wayback import FetchConfig, FetchError, OutputError, fetch_history

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
    except FetchError as exc:
        _fail(str(exc), EXIT_FAILED)
    except OutputError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{out}: {exc}")
    click.echo(f"{report.written} written, {report.revisits} revisits, {report.already} already in {out}, "
               f"{len(report.problems)} failed" + (f"; cut a torn record of {report.repaired_bytes} bytes"
                                                   if report.repaired_bytes else ""), err=True)
    for date, reason, message in report.problems:
        click.echo(f"  {date} {reason}: {message}", err=True)
    sys.exit(EXIT_FAILED if report.problems else 0)


COMMANDS = [history_command, fetch_history_command]
