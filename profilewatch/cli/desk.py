"""``profilewatch serve`` (the investigator's desk) and ``profilewatch export-ftm``.

Both need the ``serve`` extra; without it they end with a clear message and exit 2.
"""
from __future__ import annotations

import sys

import click

from ..case.store import Store, StoreError
from .case import _store_option, _whoami
from .common import fail, open_output


@click.command("serve")
@_store_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; the desk answers only to loopback names and this one.")
@click.option("--port", default=8765, show_default=True, type=int, help="TCP port to listen on.")
@click.option("--reviewer", help="Name recorded with decisions (default: the current user).")
@click.option("--mt-model", type=click.Path(exists=True, file_okay=False),
              help="CTranslate2 model folder (with SentencePiece models) to machine-translate evidence "
                   "sentences; shown labelled 'machine translation — verify'. Needs the mt extra; nothing is downloaded.")
def serve(store_path: str, host: str, port: int, reviewer: str | None, mt_model: str | None) -> None:
    """Open the investigator's desk: a local web app to filter, search, review and export findings."""
    try:
        import uvicorn

        from ..serve.app import create_app
        from ..serve.security import LOOPBACK
    except ImportError as exc:
        fail(f"the desk needs the serve extra: pip install 'profilewatch[serve]' ({exc})")
    allowed = LOOPBACK if host in ("0.0.0.0", "::", "") else (*LOOPBACK, host)
    if host not in LOOPBACK:
        click.echo(f"warning: binding {host}: the desk has no login; anyone who can reach it can review", err=True)
    translator = None
    if mt_model:
        from ..serve.mt import MtUnavailable, Translator

        try:
            translator = Translator(mt_model)
        except MtUnavailable as exc:
            fail(str(exc))
    try:
        app = create_app(store_path, reviewer=reviewer or _whoami(), allowed_hosts=allowed, translator=translator)
    except StoreError as exc:
        fail(str(exc))
    click.echo(f"profilewatch desk on http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}/ "
               f"(store {store_path}); Ctrl-C stops it", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


@click.command("export-ftm")
@_store_option
@click.option("--out", "-o", "output", type=click.Path(dir_okay=False), help="JSON-lines file (default: stdout).")
@click.option("--scan", "scan_id", type=int, help="Which scan (default: the latest).")
@click.option("--confirmed-only", is_flag=True, help="Only findings confirmed in review.")
@click.option("--include-dismissed", is_flag=True, help="Keep findings dismissed in review.")
def export_ftm(store_path: str, output: str | None, scan_id: int | None, confirmed_only: bool,
               include_dismissed: bool) -> None:
    """Write FollowTheMoney entities (Document, Note) of the findings, for import into Aleph."""
    from ..case.ftm import write_jsonl

    try:
        with Store(store_path, create=False) as store, open_output(output) as out:
            n = write_jsonl(store, out, scan_id=scan_id, confirmed_only=confirmed_only,
                            include_dismissed=include_dismissed)
    except StoreError as exc:
        fail(str(exc))
    if output:
        click.echo(f"wrote {n} FollowTheMoney entities to {output}", err=True)
    sys.stdout.flush()


COMMANDS = [serve, export_ftm]
