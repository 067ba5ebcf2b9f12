"""Where option values come from, and how loud a command is: config files, ``-q``/``-v``, colour.

Contract.  Precedence, highest first: command-line flags > environment variables
(``PROFILEWATCH_<COMMAND>_<LONG_OPTION>``, e.g. ``PROFILEWATCH_SCAN_FORMAT=jsonl``;
:func:`name_envvars` names them) > the project
config > the user config > built-in defaults.  Click applies it: the two config files become its
``default_map``.

* project config: the nearest ``.profilewatch.toml`` (whole file) or ``pyproject.toml`` with a
  ``[tool.profilewatch]`` table, looking from the current folder up to the filesystem root;
* user config: ``$PROFILEWATCH_CONFIG`` if set, else ``$XDG_CONFIG_HOME/profilewatch/config.toml``
  (``~/.config/profilewatch/config.toml``).

Top-level keys are ``scan`` options (``format = "jsonl"``, ``exclude = ["*.log"]``,
``min_confidence = 0.5``); a table named after another command (``[report]``, ``[sweep]``)
holds that command's options.  An unknown key or a bad TOML file is a configuration error
(exit 2, naming the file).  ``profilewatch config show`` prints the merged result and where
each value came from.

Verbosity: ``-q`` silences notes on stderr and the progress bar; ``-v`` logs at INFO, ``-vv`` at
DEBUG (logging, to stderr).  Colour: ``--color auto`` colours table output only when it goes to a
terminal and ``NO_COLOR`` is not set; ``always``/``never`` force it.
"""
from __future__ import annotations

import logging
import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from .common import fail

PROJECT_FILE = ".profilewatch.toml"


@dataclass
class Loaded:
    """The merged configuration: ``values[command][param]`` and ``origin[command][key]`` (a file)."""

    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    origin: dict[str, dict[str, str]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def user_config_path() -> Path:
    if os.environ.get("PROFILEWATCH_CONFIG"):
        return Path(os.environ["PROFILEWATCH_CONFIG"])
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "profilewatch" / "config.toml"


def project_config(start: Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The nearest project config above ``start`` (default: the current folder) and its table."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        own = folder / PROJECT_FILE
        if own.is_file():
            return own, _read(own)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            table = _read(pyproject).get("tool", {}).get("profilewatch")
            if isinstance(table, dict):
                return pyproject, table
    return None


def _read(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        fail(f"config {path}: {exc}")


def load(group: click.Group) -> Loaded:
    """Both config files, checked against ``group``'s commands and merged (project over user)."""
    loaded = Loaded()
    user = user_config_path()
    sources = [(user, _read(user))] if user.is_file() else []
    project = project_config()
    if project is not None:
        sources.append(project)
    for path, table in sources:
        loaded.files.append(str(path))
        for command, entries in _by_command(table).items():
            _merge(loaded, group, command, entries, str(path))
    return loaded


def _by_command(table: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {"scan": {}}
    for key, value in table.items():
        if isinstance(value, dict):
            out.setdefault(key, {}).update(value)
        else:
            out["scan"][key] = value
    return out


def _merge(loaded: Loaded, group: click.Group, command: str, entries: dict[str, Any], origin: str) -> None:
    cmd = group.commands.get(command)
    if cmd is None:
        fail(f"config {origin}: no command {command!r} (commands: {', '.join(sorted(group.commands))})")
    names = option_names(cmd)
    for key, value in entries.items():
        param = names.get(key.replace("-", "_"))
        if param is None:
            fail(f"config {origin}: {command} has no option {key!r} (options: {', '.join(sorted(names))})")
        loaded.values.setdefault(command, {})[param] = value
        loaded.origin.setdefault(command, {})[key.replace("-", "_")] = origin


def option_names(cmd: click.Command) -> dict[str, str]:
    """Config key (the long option without dashes, ``_`` for ``-``) -> click parameter name."""
    names: dict[str, str] = {}
    for p in cmd.params:
        if isinstance(p, click.Option):
            for opt in p.opts:
                if opt.startswith("--"):
                    names[opt[2:].replace("-", "_")] = p.name
    return names


def name_envvars(group: click.Group, prefix: str = "PROFILEWATCH") -> None:
    """Give every option of every command a variable named after its long option:
    ``PROFILEWATCH_SCAN_FORMAT``, ``PROFILEWATCH_SCAN_MIN_CONFIDENCE``, ``PROFILEWATCH_REVIEW_LIST_STATUS``."""
    for name, cmd in group.commands.items():
        here = f"{prefix}_{name.upper().replace('-', '_')}"
        if isinstance(cmd, click.Group):
            name_envvars(cmd, here)
            continue
        for key, param in option_names(cmd).items():
            p = next(p for p in cmd.params if p.name == param)
            if p.envvar is None and key not in ("quiet", "verbose", "color", "colour", "help"):
                p.envvar = f"{here}_{key.upper()}"


# --------------------------------------------------------------------------- verbosity and colour

@dataclass
class Output:
    """How loud and how colourful this invocation is (kept in the click context's ``meta``)."""

    verbosity: int = 0
    color: str = "auto"

    def colour_for(self, stream: Any) -> bool:
        if self.color != "auto":
            return self.color == "always"
        if os.environ.get("NO_COLOR"):
            return False
        return bool(getattr(stream, "isatty", lambda: False)())


def output_state() -> Output:
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return Output()
    return ctx.find_root().meta.setdefault("profilewatch.output", Output())


def _set_quiet(ctx: click.Context, _param: Any, value: bool) -> None:
    if value:
        output_state().verbosity = -1


def _set_verbose(ctx: click.Context, _param: Any, value: int) -> None:
    if value:
        state = output_state()
        state.verbosity = max(state.verbosity, value)
        logging.basicConfig(stream=sys.stderr, format="profilewatch: %(levelname)s %(name)s: %(message)s",
                            level=logging.INFO if value == 1 else logging.DEBUG, force=True)


def _set_color(ctx: click.Context, _param: Any, value: str | None) -> None:
    if value:
        output_state().color = value


def output_options(fn: Any) -> Any:
    """``-q``, ``-v`` and ``--color``, accepted before or after the command name."""
    for decorator in (
        click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=_set_quiet,
                     help="No notes and no progress bar on stderr (errors are still printed)."),
        click.option("-v", "--verbose", count=True, expose_value=False, callback=_set_verbose,
                     help="Log what happens on stderr: -v info (excluded paths, replayed units), -vv debug."),
        click.option("--color", "--colour", type=click.Choice(["auto", "always", "never"]), default=None,
                     expose_value=False, callback=_set_color,
                     help="Colour table output: auto (a terminal, unless NO_COLOR is set), always, never."),
    ):
        fn = decorator(fn)
    return fn


def note(message: str) -> None:
    """A note on stderr (``profilewatch: message``), unless ``-q``."""
    if output_state().verbosity >= 0:
        click.echo(f"profilewatch: {message}", err=True)
