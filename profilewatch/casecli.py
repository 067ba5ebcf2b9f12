"""Command-line parts of the case store: scan options and the review/evidence commands.

``scan`` gains ``--store``, ``--baseline``, ``--write-baseline`` and ``--include-dismissed``
through :func:`case_options`; ``review``, ``export-evidence`` and ``verify-evidence`` are in
:data:`COMMANDS`.  Bad input (store from a newer schema, locked or corrupt store, baseline that
is not valid JSON, tampered bundle) ends with a clear message and exit code 2.
"""
from __future__ import annotations

import functools
import getpass
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import click

from .baseline import BaselineError, check_writable, load_baseline, write_baseline
from .records import Finding, Record
from .store import Store, StoreError, suppress

EXIT_USAGE = 2
ERRORS = (StoreError, BaselineError, sqlite3.Error)
"""What the scan command reports as bad input (exit 2) rather than as an internal error."""


def _fail(message: str) -> None:
    click.echo(f"profilewatch: {message}", err=True)
    sys.exit(EXIT_USAGE)


class CaseScan:
    """The case-store side of one ``profilewatch scan``: store, baseline, dismissed findings."""

    def __init__(self, store: str | None, baseline: str | None, write_baseline: str | None,
                 include_dismissed: bool, arguments: dict[str, Any]) -> None:
        self.write_baseline_to = write_baseline
        self.counts: dict[str, int] = {}
        self.seen: list[Finding] = []
        self.baseline = load_baseline(baseline) if baseline else None
        if write_baseline:
            check_writable(write_baseline)
        self.store = Store(store, arguments=arguments) if store else None
        self.decisions = self.store.decisions() if self.store else {}
        self.dismissed = set() if include_dismissed else {
            fp for fp, d in self.decisions.items() if d["decision"] == "dismissed"}
        self.rules_digest = ""

    def wrap(self, records: Iterable[Record]) -> Iterator[Record]:
        """Records with baseline and dismissed findings left out (all findings kept for --write-baseline)."""
        if self.write_baseline_to:
            records = self._collect(records)
        if self.baseline is not None:
            records = suppress(records, self.baseline, self.counts, "baseline")
        if self.dismissed:
            records = suppress(records, self.dismissed, self.counts, "dismissed")
        return iter(records)

    def _collect(self, records: Iterable[Record]) -> Iterator[Record]:
        for rec in records:
            if isinstance(rec, Finding):
                self.seen.append(rec)
            yield rec

    def annotate(self, record: dict[str, Any]) -> dict[str, Any]:
        """A finding's dict with its review decision (``review``) when it has one."""
        if record.get("type") == "finding" and record.get("fingerprint") in self.decisions:
            record["review"] = self.decisions[record["fingerprint"]]
        return record

    def summary(self, record: dict[str, Any]) -> dict[str, Any]:
        """The summary with how many findings were left out and why."""
        if self.counts:
            record["suppressed"] = dict(self.counts)
        return record

    def finish(self, rules_digest: str) -> None:
        """After a complete scan: write the baseline, close the store."""
        if self.write_baseline_to:
            n = write_baseline(self.write_baseline_to, self.seen, rules_digest)
            click.echo(f"profilewatch: wrote baseline of {n} fingerprints to {self.write_baseline_to}", err=True)
        if self.store is not None:
            self.store.close()


def case_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the case-store options to ``scan``; the command receives them as ``case: CaseScan``."""

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        store, baseline = kwargs.pop("store"), kwargs.pop("baseline")
        write_to, include_dismissed = kwargs.pop("write_baseline"), kwargs.pop("include_dismissed")
        arguments = {k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()}
        arguments.update(store=store, baseline=baseline, include_dismissed=include_dismissed)
        try:
            case = CaseScan(store, baseline, write_to, include_dismissed, arguments)
        except ERRORS as exc:
            _fail(str(exc))
        return command(case=case, **kwargs)

    for option in reversed([
        click.option("--store", type=click.Path(dir_okay=False),
                     help="Case store (SQLite): incremental, resumable scans and review decisions."),
        click.option("--baseline", type=click.Path(dir_okay=False),
                     help="Leave out findings whose fingerprints are in this baseline file."),
        click.option("--write-baseline", type=click.Path(dir_okay=False),
                     help="Write every finding's fingerprint to this baseline file."),
        click.option("--include-dismissed", is_flag=True, help="Keep findings dismissed in review (with --store)."),
    ]):
        wrapper = option(wrapper)
    return wrapper


# --------------------------------------------------------------------------- review

def _open(path: str) -> Store:
    try:
        return Store(path, create=False)
    except StoreError as exc:
        _fail(str(exc))
        raise  # unreachable


def _store_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--store", "store_path", required=True, type=click.Path(dir_okay=False),
                        help="The case store.")(fn)


@click.group()
def review() -> None:
    """Review findings in a case store: decisions attach to fingerprints and carry over to rescans."""


@review.command("list")
@_store_option
@click.option("--status", type=click.Choice(["open", "confirmed", "dismissed"]), help="Only this review status.")
@click.option("--scan", "scan_id", type=int, help="Findings of this scan (default: the latest).")
@click.option("--flags-only", is_flag=True, help="Only findings of flag kinds.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per fingerprint.")
def review_list(store_path: str, status: str | None, scan_id: int | None, flags_only: bool, as_json: bool) -> None:
    """List the findings of a scan, one line per fingerprint, with their review status."""
    with _open(store_path) as store:
        try:
            scan = store.scan_row(scan_id) if scan_id is not None else store.latest_scan(complete_only=False)
        except StoreError as exc:
            _fail(str(exc))
        if scan is None:
            _fail(f"no scan in {store_path}")
        decisions = store.decisions()
        groups: dict[str, list[Any]] = {}
        for row in store.scan_findings(scan["id"]):
            groups.setdefault(row["fingerprint"], []).append(row)
    for fp, rows in groups.items():
        d = json.loads(rows[0]["json"])
        decision = decisions.get(fp, {}).get("decision", "open")
        if (status and decision != status) or (flags_only and not d["flag"]):
            continue
        if as_json:
            click.echo(json.dumps({"fingerprint": fp, "status": decision, "review": decisions.get(fp),
                                   "kind": d["kind"], "categories": d["categories"], "flag": d["flag"],
                                   "locations": [[r["file"], r["member"]] for r in rows],
                                   "text": d["evidence"].get("text")}, ensure_ascii=False))
            continue
        place = d["file"] + (f" !/ {d['member']}" if d.get("member") else "")
        more = f" (+{len(rows) - 1} more)" if len(rows) > 1 else ""
        click.echo(f"{fp[:16]}  {decision:<9} {'FLAG ' if d['flag'] else 'clean'} {d['kind']:<17} "
                   f"{','.join(d['categories']):<14} {_clean(place)}{more}")
        click.echo(f"{'':18}{_clean(str(d['evidence'].get('text', '')))[:160]}")


def _clean(text: str) -> str:
    """One line, control characters (terminal escapes from scanned files) never printed raw."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


@review.command("show")
@_store_option
@click.argument("fingerprint")
def review_show(store_path: str, fingerprint: str) -> None:
    """Show a finding (every place it was seen) and its review history."""
    with _open(store_path) as store:
        try:
            fp = store.resolve(fingerprint)
        except StoreError as exc:
            _fail(str(exc))
        rows = store.query("SELECT DISTINCT f.file, f.member, f.json FROM findings f WHERE fingerprint = ? "
                           "ORDER BY f.file, f.member", (fp,))
        history = store.history(fp)
        current = store.decisions().get(fp, {}).get("decision", "open")
    first = json.loads(rows[0]["json"])
    click.echo(f"fingerprint {fp}\nstatus      {current}\nrule        {first['rule']} "
               f"({'FLAG' if first['flag'] else 'clean'}, confidence {first['confidence']})\n"
               f"why         {_clean(first['explanation'])}")
    seen = set()
    for row in rows:
        d = json.loads(row["json"])
        key = (row["file"], row["member"], d["evidence"].get("line"), d["evidence"].get("page"))
        if key in seen:
            continue
        seen.add(key)
        place = row["file"] + (f" !/ {row['member']}" if row["member"] else "")
        where = "".join(f" {k} {d['evidence'][k]}" for k in ("line", "page") if d["evidence"].get(k) is not None)
        click.echo(f"seen in     {_clean(place)}{where}\n            {_clean(str(d['evidence'].get('text', '')))}")
    for h in history:
        click.echo(f"{h['at']}  {h['decision']:<9} by {h['reviewer']}" + (f": {h['note']}" if h["note"] else ""))


def _decide(decision: str) -> Callable[..., None]:
    def command(store_path: str, fingerprint: str, note: str | None, reviewer: str | None) -> None:
        with _open(store_path) as store:
            try:
                fp = store.resolve(fingerprint)
                store.decide(fp, decision, reviewer or _whoami(), note)
            except StoreError as exc:
                _fail(str(exc))
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
def export_evidence(store_path: str, out: str, scan_id: int | None, confirmed_only: bool,
                    include_dismissed: bool) -> None:
    """Write an evidence bundle: report, findings, source copies and a SHA-256 manifest."""
    from .evidence import EvidenceError, export

    with _open(store_path) as store:
        try:
            info = export(store, out, scan_id=scan_id, confirmed_only=confirmed_only,
                          include_dismissed=include_dismissed)
        except (StoreError, EvidenceError) as exc:
            _fail(str(exc))
    click.echo(f"wrote {info['path']}: {info['findings']} findings, {info['sources']} source files, "
               f"{info['report']}")
    if info["missing_sources"]:
        click.echo(f"warning: {info['missing_sources']} source units could not be included (see manifest)", err=True)
    click.echo(f"manifest sha256: {info['manifest_sha256']}")


@click.command("verify-evidence")
@click.argument("bundle", type=click.Path(dir_okay=False))
@click.option("--manifest-sha256", help="Also require the manifest to have this SHA-256 (recorded at export).")
def verify_evidence(bundle: str, manifest_sha256: str | None) -> None:
    """Check an evidence bundle; exit 2 on any altered, missing or extra byte."""
    from .evidence import verify

    result = verify(bundle, manifest_sha256)
    if not result.ok:
        for problem in result.problems:
            click.echo(f"profilewatch: {bundle}: {problem}", err=True)
        click.echo(f"profilewatch: {bundle}: verification FAILED", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"{bundle}: OK, {result.files} files match the manifest; manifest sha256 {result.manifest_sha256}")


COMMANDS = [review, export_evidence, verify_evidence]
