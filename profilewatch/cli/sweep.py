"""``profilewatch sweep`` and ``capture``: fetch a vendor's archived and live pages, then scan them.

Exit codes (``sweep``): 0 every listed record fetched and no flag finding; 1 every record
fetched and flag findings; 3 records left to fetch (failures, or the archive asked to stop:
re-run to resume); 2 bad options or an unusable output folder; 4 internal error; 5 the network
or an endpoint cannot be reached at all (no DNS, refused): nothing was retried.
``capture``: 0 all captured, 3 some failed, 5 unreachable.
"""
from __future__ import annotations

import functools
import sys
import time
from pathlib import Path
from typing import Any

import click

from ..api import ScanJob
from ..history.presence import unit_texts
from ..history.snapshots import warc_revisits
from ..history.timeline import TimelineBuilder
from ..history.polite import Client, FetchError, NetworkError, Politeness, USER_AGENT
from ..records import header
from ..report import WRITERS
from ..report.write import write_all
from ..sweep import sources as src
from ..sweep.capture import capture
from ..sweep.run import run_sweep
from ..sweep.store import SweepStore
from .common import EXIT_FAILED_INPUTS, EXIT_FLAGS, EXIT_INTERNAL, EXIT_NETWORK, fail, load_rules_or_exit

HINT = ("check the network; or point --cdx-endpoint / --cc-index / --cc-data (or --capture-prefix) at a "
        "reachable server (a local pywb, a mirror); a re-run resumes where this one stopped")
_EXT = {"jsonl": "jsonl", "json": "json", "html": "html", "markdown": "md", "md": "md", "csv": "csv", "sarif": "sarif"}


def _client(params: dict[str, Any]) -> Client:
    agent = USER_AGENT if not params.get("contact") else USER_AGENT[:-1] + f"; {params['contact']})"
    polite = Politeness(retries=params["retries"], backoff=params["backoff"], max_wait=params["max_wait"],
                        connect_timeout=min(10.0, params["timeout"]), read_timeout=params["timeout"],
                        per_host=params.get("per_host", 1), user_agent=agent)
    return Client(polite, {"cdx": params["index_rate"], "index": params["index_rate"], "fetch": params["fetch_rate"]},
                  time.monotonic, time.sleep)


def polite_options(f):
    """The politeness options ``sweep`` and ``capture`` share."""
    for opt in reversed([
        click.option("--fetch-rate", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
                     help="At most this many downloads a minute per host."),
        click.option("--index-rate", type=click.FloatRange(min=0.1), default=24.0, show_default=True,
                     help="At most this many index (CDX) queries a minute per host."),
        click.option("--max-wait", type=click.FloatRange(min=0), default=300.0, show_default=True,
                     help="Stop (resumable) when a 429/503 asks to wait longer than this many seconds."),
        click.option("--retries", type=click.IntRange(min=0), default=4, show_default=True,
                     help="Retries of a transient network error (timeouts, 429/5xx) per request."),
        click.option("--backoff", type=click.FloatRange(min=0), default=5.0, show_default=True,
                     help="First backoff in seconds after an error (doubles on each retry)."),
        click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
                     help="Read timeout in seconds."),
        click.option("--contact", help="An e-mail or URL added to the User-Agent so the archive can reach you."),
    ]):
        f = opt(f)
    return f


@click.command("sweep")
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--domain", "domains", multiple=True, help="A vendor domain (or URL prefix) to sweep (repeatable).")
@click.option("--match-type", type=click.Choice(["domain", "host", "prefix", "exact"]), default="domain", show_default=True,
              help="How the CDX indexes match --domain: its subdomains too, the host only, a URL prefix, one URL.")
@click.option("--from", "date_from", metavar="YYYY[MMDD...]", help="First capture time.")
@click.option("--to", "date_to", metavar="YYYY[MMDD...]", help="Last capture time.")
@click.option("--types", default=",".join(src.DEFAULT_TYPES), show_default=True,
              help="Document types to list: " + ", ".join(src.MIME_GROUPS) + ".")
@click.option("--mime", "mimes", multiple=True, help="A further mimetype to list (repeatable).")
@click.option("--status", "statuses", default=",".join(src.DEFAULT_STATUSES), show_default=True,
              help="HTTP statuses to list (404/410 captures are the evidence of deletions).")
@click.option("--no-wayback", is_flag=True, help="Do not query the Wayback CDX API for --domain.")
@click.option("--cdx-endpoint", default=src.DEFAULT_CDX, show_default=True, help="Wayback CDX API URL.")
@click.option("--capture-prefix", default=src.DEFAULT_PREFIX, show_default=True,
              help="Prefix of raw capture URLs (followed by TIMESTAMPid_/URL).")
@click.option("--crawl", "crawls", multiple=True, metavar="CC-MAIN-YYYY-WW|all",
              help="Also sweep this Common Crawl crawl (repeatable; 'all' lists them from collinfo.json).")
@click.option("--cc-index", default=src.DEFAULT_CC_INDEX, show_default=True, help="Common Crawl index server.")
@click.option("--cc-data", default=src.DEFAULT_CC_DATA, show_default=True,
              help="Prefix of Common Crawl WARC file URLs (range requests).")
@click.option("--columnar", metavar="PARQUET", help="Query a Parquet copy of the columnar index instead of the "
              "index server (needs profilewatch[columnar]); --domain are its hosts, --crawl its crawls.")
@click.option("--from-file", "files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="A file of URLs (fetched live), JSON lines or CDXJ lines (repeatable).")
@click.option("-j", "--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Concurrent fetches (threads).")
@click.option("--per-host", type=click.IntRange(min=1), default=2, show_default=True,
              help="At most this many requests in flight to one host.")
@polite_options
@click.option("--no-scan", is_flag=True, help="Only fetch; do not scan.")
@click.option("--format", "fmt", type=click.Choice(sorted(WRITERS)), default="jsonl", show_default=True,
              help="Format of the scan report written in the output folder.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Report file (default OUT/report.FORMAT).")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(), help="Extra rule-pack folder (repeatable).")
def sweep_command(**params: Any) -> None:
    """Fetch every capture of a vendor's pages and documents into OUT/sweep.warc.gz, then scan it.

    Sources: the Wayback CDX API (--domain), Common Crawl (--crawl, by range requests), a Parquet
    columnar index (--columnar), URL/CDXJ files (--from-file).  Resumable: re-run the same
    command.  Exit 0 done, 1 done with flags, 3 records left (re-run), 2 bad options,
    5 network unreachable.
    """
    for value, name in ((params["date_from"], "--from"), (params["date_to"], "--to")):
        if value is not None and not (value.isdigit() and 4 <= len(value) <= 14):
            raise click.BadParameter("use YYYY, YYYYMM, YYYYMMDD... (up to 14 digits)", param_hint=name)
    types = [t.strip() for t in params["types"].split(",") if t.strip()]
    if bad := [t for t in types if t not in src.MIME_GROUPS]:
        raise click.BadParameter(f"unknown type(s) {', '.join(bad)}", param_hint="--types")
    if not (params["domains"] or params["files"]):
        raise click.UsageError("give --domain (Wayback, --crawl, --columnar) and/or --from-file")
    rules = load_rules_or_exit(params["rules_dirs"])
    client = _client(params)
    try:
        store = SweepStore(params["out"])
    except (OSError, ValueError) as exc:
        fail(f"{params['out']}: {exc}")
    try:
        report = run_sweep(_records(client, params, src.mime_regex(types, list(params["mimes"]))), store, client,
                           workers=params["workers"], progress=lambda msg: click.echo(msg, err=True))
    except NetworkError as exc:
        fail(f"{exc}: {HINT}", EXIT_NETWORK)
    except FetchError as exc:
        fail(str(exc), EXIT_FAILED_INPUTS)
    except ValueError as exc:
        fail(str(exc))
    finally:
        store.close()
    click.echo(f"{report.fetched} fetched, {report.revisits} revisits, {report.already} already in {store.warc}, "
               f"{len(report.problems)} failed" + (f"; recovered {report.recovered} records after an interruption"
                                                    if report.recovered else ""), err=True)
    flags = 0 if params["no_scan"] else _scan(store, rules, params, report)
    left = report.problems or report.stopped
    sys.exit(EXIT_FAILED_INPUTS if left else EXIT_FLAGS if flags else 0)


def _records(client: Client, params: dict[str, Any], mimes: str):
    statuses = tuple(s.strip() for s in params["statuses"].split(",") if s.strip())
    dates = {"date_from": params["date_from"], "date_to": params["date_to"]}
    for path in params["files"]:
        yield from src.file_records(path, prefix=params["capture_prefix"], data_prefix=params["cc_data"])
    for domain in params["domains"]:
        if not params["no_wayback"]:
            yield from src.wayback_records(client, domain, endpoint=params["cdx_endpoint"],
                                           prefix=params["capture_prefix"], match_type=params["match_type"],
                                           mimes=mimes, statuses=statuses, **dates)
    if params["columnar"]:
        from ..sweep.columnar import columnar_records

        yield from columnar_records(params["columnar"], list(params["domains"]), mimes=mimes, statuses=statuses,
                                    crawls=[c for c in params["crawls"] if c != "all"],
                                    data_prefix=params["cc_data"], **dates)
        return
    if params["crawls"]:
        for crawl, api in src.cc_crawls(client, params["cc_index"], list(params["crawls"])):
            for domain in params["domains"]:
                yield from src.cc_records(client, api, crawl, domain, match_type=params["match_type"], mimes=mimes,
                                          statuses=statuses, data_prefix=params["cc_data"], **dates)


def scan_job(store: SweepStore, **options: Any) -> ScanJob:
    """The scan of a sweep's WARC with timelines: the builder also sees the WARC's revisit records
    (captures whose payload was already fetched) and re-reads a capture's text where a claim
    stopped being flagged (:mod:`profilewatch.history.presence`)."""
    paths = [str(store.warc)]
    job = ScanJob(paths, timeline=True, **options)
    for tap in job.pipeline.taps:
        if isinstance(tap, TimelineBuilder):
            tap.texts = functools.partial(unit_texts, paths)
            for rec in warc_revisits(store.warc):  # the scanner counts revisits; their captures count too
                tap.add(rec)
    return job


def _scan(store: SweepStore, rules, params: dict[str, Any], report) -> int:
    output = params["output"] or str(Path(params["out"]) / f"report.{_EXT.get(params['fmt'], params['fmt'])}")
    job = scan_job(store, rules=rules)
    args = {"command": "sweep", "out": params["out"], "domains": list(params["domains"]),
            "crawls": list(params["crawls"]), "files": list(params["files"]), "columnar": params["columnar"]}
    try:
        with open(output, "w", encoding="utf-8", newline="") as out:
            summary = write_all(WRITERS[params["fmt"]](out), header(rules, args), job,
                                extras=lambda: {**job.extras(), "sweep": report.to_dict()})
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as exc:  # never exit 0 after an internal error
        fail(f"internal error, scan of the sweep aborted: {type(exc).__name__}: {exc}", EXIT_INTERNAL)
    click.echo(f"report: {output} ({summary.flag_findings} flag findings)", err=True)
    return summary.flag_findings


@click.command("capture")
@click.argument("urls", nargs=-1, required=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The WARC file to write (appended to).")
@click.option("--documents", is_flag=True, help="Also capture the PDFs/documents each page links to (one level).")
@polite_options
def capture_command(urls: tuple[str, ...], out: str, documents: bool, **params: Any) -> None:
    """Capture live pages into a WARC file (request, response, SHA-256, retrieval time).

    No JavaScript is executed: the page as served.  Exit 0 all captured, 3 some failed,
    5 network unreachable.
    """
    if bad := [u for u in urls if not u.startswith(("http://", "https://"))]:
        raise click.BadParameter(f"not an http(s) URL: {bad[0]}", param_hint="URLS")
    try:
        report = capture(list(urls), out, _client(params), documents=documents,
                         progress=lambda msg: click.echo(msg, err=True))
    except NetworkError as exc:
        fail(f"{exc}: check the network or the URL; nothing was retried", EXIT_NETWORK)
    except FetchError as exc:
        fail(str(exc), EXIT_FAILED_INPUTS)
    except (OSError, ValueError) as exc:
        fail(f"{out}: {exc}")
    click.echo(f"{len(report.written)} captured into {out}, {len(report.problems)} failed", err=True)
    sys.exit(EXIT_FAILED_INPUTS if report.problems else 0)


COMMANDS = [sweep_command, capture_command]
