"""``profilewatch review``, ``export-evidence`` and ``verify-evidence``: the case store's commands.

Bad input (store from a newer schema, locked or corrupt store, tampered bundle) ends with a
clear message and exit code 2.
"""
from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from ..case.review import list_findings, show_finding
from ..case.store import DECISIONS, Store, StoreError
from ..records import CATEGORIES, CLEAN_KINDS, FLAG_KINDS
from ..text.display import terminal_safe
from .common import EXIT_USAGE, fail


def _open(path: str) -> Store:
    try:
        return Store(path, create=False)
    except StoreError as exc:
        fail(str(exc))


def _store_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--store", "store_path", required=True, type=click.Path(dir_okay=False),
                        help="The case store.")(fn)


def _place(file: str, member: str | None) -> str:
    return terminal_safe(file + (f" !/ {member}" if member else ""), collapse=True)


@click.group()
def review() -> None:
    """Review findings in a case store: decisions attach to fingerprints and carry over to rescans."""


@review.command("list")
@_store_option
@click.option("--status", type=click.Choice(list(DECISIONS)), help="Only this review status.")
@click.option("--scan", "scan_id", type=int, help="Findings of this scan (default: the latest).")
@click.option("--flags-only", is_flag=True, help="Only findings of flag kinds.")
@click.option("--file", "files", multiple=True, metavar="GLOB|PATH",
              help="Only findings in these files or archive members (a glob such as '*.pdf', or a path; a folder "
                   "selects what is under it). Repeatable.")
@click.option("--category", "categories", multiple=True, type=click.Choice(CATEGORIES),
              help="Only findings involving this category. Repeatable.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(FLAG_KINDS + CLEAN_KINDS),
              help="Only findings of this kind. Repeatable.")
@click.option("--min-confidence", type=click.FloatRange(0, 1), help="Only findings with at least this confidence.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per fingerprint.")
def review_list(store_path: str, status: str | None, scan_id: int | None, flags_only: bool, files: tuple[str, ...],
                categories: tuple[str, ...], kinds: tuple[str, ...], min_confidence: float | None,
                as_json: bool) -> None:
    """List the findings of a scan, one line per fingerprint, with their review status.

    Filters combine; a repeated filter matches any of its values, e.g.
    `review list --store case.db --status open --category ethnicity --kind implementation --file 'src/**'`."""
    with _open(store_path) as store:
        try:
            listed = list_findings(store, scan_id, status=status, flags_only=flags_only, files=files,
                                   categories=categories, kinds=kinds, min_confidence=min_confidence)
        except StoreError as exc:
            fail(str(exc))
    for item in listed:
        d = item.finding
        if as_json:
            click.echo(json.dumps({"fingerprint": item.fingerprint, "status": item.status, "review": item.review,
                                   "kind": d["kind"], "categories": d["categories"], "flag": d["flag"],
                                   "locations": [list(p) for p in item.places],
                                   "text": d["evidence"].get("text")}, ensure_ascii=False))
            continue
        more = f" (+{len(item.places) - 1} more)" if len(item.places) > 1 else ""
        click.echo(f"{item.fingerprint[:16]}  {item.status:<9} {'FLAG ' if d['flag'] else 'clean'} {d['kind']:<17} "
                   f"{','.join(d['categories']):<14} {_place(d['file'], d.get('member'))}{more}")
        click.echo(f"{'':18}{terminal_safe(str(d['evidence'].get('text', '')), 160, collapse=True)}")


@review.command("show")
@_store_option
@click.argument("fingerprint")
def review_show(store_path: str, fingerprint: str) -> None:
    """Show a finding (every place it was seen) and its review history."""
    with _open(store_path) as store:
        try:
            shown = show_finding(store, fingerprint)
        except StoreError as exc:
            fail(str(exc))
    first = shown.finding
    click.echo(f"fingerprint {shown.fingerprint}\nstatus      {shown.status}\nrule        {first['rule']} "
               f"({'FLAG' if first['flag'] else 'clean'}, confidence {first['confidence']})\n"
               f"why         {terminal_safe(first['explanation'], collapse=True)}")
    for file, member, d in shown.places:
        where = "".join(f" {k} {d['evidence'][k]}" for k in ("line", "page") if d["evidence"].get(k) is not None)
        click.echo(f"seen in     {_place(file, member)}{where}\n"
                   f"            {terminal_safe(str(d['evidence'].get('text', '')), collapse=True)}")
    for h in shown.history:
        click.echo(f"{h['at']}  {h['decision']:<9} by {h['reviewer']}" + (f": {h['note']}" if h["note"] else ""))


def _decide(decision: str) -> Callable[..., None]:
    def command(store_path: str, fingerprint: str, note: str | None, reviewer: str | None) -> None:
        with _open(store_path) as store:
            try:
                fp = store.resolve(fingerprint)
                store.decide(fp, decision, reviewer or _whoami(), note)
            except StoreError as exc:
                fail(str(exc))
        click.echo(f"{fp} {decision}")

    command.__doc__ = {"confirmed": "Confirm a finding (it stays in reports and evidence bundles).",
                       "dismissed": "Dismiss a finding: it drops out of scan output unless --include-dismissed.",
                       "open": "Reopen a finding (undo confirm or dismiss)."}[decision]
    return command


def _whoami() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return os.environ.get("USER") or "unknown"


for _name, _decision in (("confirm", "confirmed"), ("dismiss", "dismissed"), ("reopen", "open")):
    review.command(_name)(
        _store_option(click.argument("fingerprint")(
            click.option("--note", help="Why (kept with the decision).")(
                click.option("--reviewer", help="Who decided (default: the current user).")(_decide(_decision))))))


# --------------------------------------------------------------------------- evidence

@click.command("export-evidence")
@_store_option
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The bundle to write (ZIP).")
@click.option("--scan", "scan_id", type=int, help="Which scan (default: the latest complete one).")
@click.option("--confirmed-only", is_flag=True, help="Only findings confirmed in review.")
@click.option("--include-dismissed", is_flag=True, help="Keep findings dismissed in review.")
@click.option("--force", is_flag=True, help="Replace --out if it exists (default: refuse).")
def export_evidence(store_path: str, out: str, scan_id: int | None, confirmed_only: bool,
                    include_dismissed: bool, force: bool) -> None:
    """Write an evidence bundle: report, findings, source copies, a SHA-256 manifest, SHA256SUMS and README.txt."""
    from ..case.evidence import EvidenceError, export

    if os.path.lexists(out) and not force:
        fail(f"{out} exists; pass --force to replace it")
    with _open(store_path) as store:
        try:
            info = export(store, out, scan_id=scan_id, confirmed_only=confirmed_only,
                          include_dismissed=include_dismissed)
        except (StoreError, EvidenceError) as exc:
            fail(str(exc))
    click.echo(f"wrote {info['path']}: {info['findings']} findings, {info['sources']} source files, "
               f"{info['report']}")
    if info["missing_sources"]:
        click.echo(f"warning: {info['missing_sources']} source units could not be included (see manifest)", err=True)
    click.echo(f"manifest sha256: {info['manifest_sha256']}")


@click.command("verify-evidence")
@click.argument("bundle", type=click.Path(exists=True))
@click.option("--manifest-sha256", help="Also require the manifest to have this SHA-256 (recorded at export).")
@click.option("--strict", is_flag=True, help="Also require the ZIP container to be byte for byte the one export wrote.")
def verify_evidence(bundle: str, manifest_sha256: str | None, strict: bool) -> None:
    """Check an evidence bundle (a ZIP, or the folder it was unpacked to); exit 2 on any altered, missing or
    extra file.  Entry order and folder entries do not matter; recipients without profilewatch can run
    `sha256sum -c SHA256SUMS` in the unpacked folder."""
    from ..case.verify import verify

    result = verify(bundle, manifest_sha256, strict=strict)
    for note in result.notes:
        click.echo(f"profilewatch: {bundle}: note: {note}", err=True)
    if not result.ok:
        for problem in result.problems:
            click.echo(f"profilewatch: {bundle}: {problem}", err=True)
        counts = ", ".join(f"{n} {what}" for n, what in ((result.altered, "altered"), (result.missing, "missing"),
                                                         (result.extra, "extra")) if n)
        click.echo(f"profilewatch: {bundle}: verification FAILED" + (f" ({counts})" if counts else ""), err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"{bundle}: OK, {result.files} files match the manifest; manifest sha256 {result.manifest_sha256}")


COMMANDS = [review, export_evidence, verify_evidence]
