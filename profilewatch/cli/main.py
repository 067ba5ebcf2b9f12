"""The ``profilewatch`` command group: ``scan``, ``report``, ``rules``, the case and history wings.

Only this package imports click; each command is a thin layer over the library (see
:mod:`profilewatch.cli.common` for the exit codes every command shares).
"""
from __future__ import annotations

import itertools
import os
import json
import sys
from typing import Any

import click

from .. import __version__
from ..detect.rules import RuleError, load_rules
from ..report import WRITERS
from .common import fail, load_rules_or_exit, open_output
from .scan import scan_command
from .settings import load as load_config
from .settings import name_envvars, option_names, output_options, project_config, user_config_path

# Commands whose modules are imported when a command of theirs is first looked up (or all of
# them listed): ``scan`` alone does not pay for the history, sweep, case and desk wings (~0.1 s).
LAZY = {"review": "case", "export-evidence": "case", "verify-evidence": "case", "serve": "desk", "export-ftm": "desk",
        "history": "history", "fetch-history": "history", "sweep": "sweep", "capture": "sweep"}


class _Commands(dict):
    """A group's commands, the ``LAZY`` ones imported on first use: looking one up imports its
    module (and names its options' environment variables); listing them imports every one."""

    def _load(self, module: str) -> None:
        from importlib import import_module

        for command in import_module(f"{__package__}.{module}").COMMANDS:
            self[command.name] = command
            name_envvars(_Single(command))

    def _load_name(self, name: object) -> None:
        if name in LAZY and not dict.__contains__(self, name):
            self._load(LAZY[name])

    def _load_all(self) -> None:
        for module in dict.fromkeys(LAZY.values()):
            if any(not dict.__contains__(self, name) for name, m in LAZY.items() if m == module):
                self._load(module)

    def __getitem__(self, name):
        self._load_name(name)
        return super().__getitem__(name)

    def get(self, name, default=None):
        self._load_name(name)
        return super().get(name, default)

    def __contains__(self, name) -> bool:
        return super().__contains__(name) or name in LAZY

    def __iter__(self):
        self._load_all()
        return super().__iter__()

    def __len__(self) -> int:
        self._load_all()
        return super().__len__()

    def keys(self):
        self._load_all()
        return super().keys()

    def values(self):
        self._load_all()
        return super().values()

    def items(self):
        self._load_all()
        return super().items()


class _Single:
    """A one-command stand-in group for :func:`name_envvars` (it walks ``group.commands``)."""

    def __init__(self, command: click.Command) -> None:
        self.commands = {command.name: command}


def _version(ctx: click.Context, _param: Any, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    try:
        digest = load_rules([]).digest
    except RuleError as exc:  # the built-in packs should always load; say so if they do not
        digest = f"unavailable ({exc})"
    click.echo(f"profilewatch {__version__}\nrules digest {digest}")
    ctx.exit()


@click.group(epilog="Run 'profilewatch COMMAND --help' for a command's options, exit codes and examples.")
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_version,
              help="Print the version and the built-in rules digest, then exit.")
@output_options
def cli() -> None:
    """Find protected-attribute categorisation and group targeting in documents and code."""


@cli.group("config")
def config_group() -> None:
    """Show the configuration in force (config files, environment)."""


@config_group.command("show")
def config_show() -> None:
    """Print the options set by config files and PROFILEWATCH_* variables, and where each comes from.

    Precedence: command-line flags > environment (PROFILEWATCH_SCAN_FORMAT...) > project config
    (.profilewatch.toml or [tool.profilewatch] in pyproject.toml) > user config.
    """
    import os

    loaded = load_config(cli)
    project = project_config()
    click.echo(f"# user config:    {user_config_path()}{'' if user_config_path().is_file() else ' (none)'}")
    click.echo(f"# project config: {project[0] if project else '(none)'}")
    for command in sorted(loaded.values):
        click.echo(f"[{command}]")
        cmd = cli.commands[command]
        names = {v: k for k, v in option_names(cmd).items()}
        for param, value in sorted(loaded.values[command].items()):
            key = names.get(param, param)
            click.echo(f"{key} = {json.dumps(value, ensure_ascii=False)}  # {loaded.origin[command].get(key, '?')}")
    env = sorted(k for k in os.environ if k.startswith("PROFILEWATCH_") and not k.startswith("PROFILEWATCH_TEST_"))
    for k in env:
        click.echo(f"# environment: {k}={os.environ[k]}")


@cli.command("report")
@click.argument("findings", type=click.Path(exists=True, allow_dash=True))
@click.option("--format", "fmt", default="html", show_default=True, help="Output format: " + ", ".join(sorted(WRITERS)))
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to FILE instead of standard output.")
@click.option("--show-paths", type=click.Choice(["relative", "absolute"]), default="relative", show_default=True,
              help="Paths relative to the scanned roots, or absolute (joined to the roots given at scan time).")
@click.option("--csv-bom", is_flag=True, help="CSV: start with a UTF-8 byte-order mark (for Excel).")
def report_command(findings, fmt: str, output: str | None, show_paths: str, csv_bom: bool) -> None:
    """Render saved JSON Lines output (FINDINGS.jsonl, - for stdin, or a scan --output-dir shard
    folder) as another format without rescanning."""
    from ..report.replay import replay
    from ..report.shards import folder_lines, is_shard_folder

    if fmt not in WRITERS:
        raise click.UsageError(f"unknown format {fmt!r}; choose from {', '.join(sorted(WRITERS))}")
    if os.path.isdir(findings):
        if not is_shard_folder(findings):
            raise click.UsageError(f"{findings} is a folder without manifest.json (not a scan --output-dir folder)")
        source = folder_lines(findings)
    else:
        source = iter(click.open_file(findings, "r", encoding="utf-8", errors="replace"))
    first = next(source, "")
    while first and not first.strip():
        first = next(source, "")
    if not _is_record(first):
        fail(f"{findings} is not profilewatch JSON Lines output (its first line is not a JSON object"
             "); write one with 'profilewatch scan --format jsonl -o FILE'")
    lines = itertools.chain([first], source)
    with open_output(output) as out:
        writer = WRITERS[fmt](out, show_paths=show_paths, csv_bom=csv_bom, packs=_packs_of(first))
        _, bad = replay(lines, writer)
    if bad:
        click.echo(f"profilewatch: {bad} line(s) of {findings} were not JSON records and were ignored", err=True)


def _is_record(line: str) -> bool:
    try:
        record = json.loads(line)
    except ValueError:
        return False
    return isinstance(record, dict)  # a record; bare findings of other tools have no "type"


def _packs_of(first_line: str) -> list[Any]:
    """The rule packs a saved scan used: built-in plus its ``--rules`` folders when still present."""
    try:
        head = json.loads(first_line)
        extra = [r for r in head.get("arguments", {}).get("rules") or [] if isinstance(r, str)]
    except (ValueError, AttributeError):
        extra = []
    for dirs in (extra, []):
        try:
            return load_rules(dirs).packs
        except (RuleError, OSError):
            continue
    return []


@cli.group()
def rules() -> None:
    """Show and test the rule packs."""


@rules.command("list")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(), help="Extra rule-pack folder (repeatable).")
def rules_list(rules_dirs: tuple[str, ...]) -> None:
    """List loaded packs with their term counts and the rules digest."""
    rs = load_rules_or_exit(rules_dirs)
    for p in rs.packs:
        n = sum(1 for t in rs.terms if t.pack == p.id)
        ex = sum(1 for e in rs.examples if e.pack == p.id)
        click.echo(f"{p.id:<20} {p.category:<20} {n:>4} terms {ex:>3} examples  {p.name}")
    click.echo("cues: " + ", ".join(f"{k} {len(v)}" for k, v in rs.cues.items()))
    click.echo(f"digest: {rs.digest}")


@rules.command("test")
@click.option("--rules", "rules_dirs", multiple=True, type=click.Path(), help="Extra rule-pack folder (repeatable).")
def rules_test(rules_dirs: tuple[str, ...]) -> None:
    """Run every pack's examples and annotated fixtures; exit 1 on any failure."""
    from ..selftest import run_selftest

    rs = load_rules_or_exit(rules_dirs)
    failures, total = run_selftest(rs)
    for f in failures:
        click.echo(f"FAIL {f}")
    click.echo(f"{total - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


cli.commands = _Commands(cli.commands)
cli.add_command(scan_command)
name_envvars(_Single(scan_command))
for _name in ("config", "report", "rules"):
    name_envvars(_Single(cli.commands[_name]))


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point: config files as defaults, PROFILEWATCH_* variables over them."""
    return cli.main(args=argv, prog_name="profilewatch", default_map=load_config(cli).values)
