"""What every command shares: exit codes, failing with a message, rule loading, output files.

Exit codes (every command):
  0  no flag findings / done
  1  flag findings
  2  usage, configuration, rule-pack, store or input-kind error
  3  ``--strict`` and some inputs failed, or every input failed; ``fetch-history``: captures left
     to fetch (re-run)
  4  internal error (aborted; never 0)
"""
from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import NoReturn, TextIO

import click

from ..detect.rules import RuleError, RuleSet, load_rules

EXIT_CLEAN, EXIT_FLAGS, EXIT_USAGE, EXIT_FAILED_INPUTS, EXIT_INTERNAL = 0, 1, 2, 3, 4
EXIT_NETWORK = 5  # sweep, capture, fetch-history: the archive or index cannot be reached at all (not resumable as is)


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print ``profilewatch: message`` on stderr and exit with ``code``."""
    click.echo(f"profilewatch: {message}", err=True)
    sys.exit(code)


def load_rules_or_exit(rules_dirs: tuple[str, ...] | list[str]) -> RuleSet:
    """The built-in packs plus ``rules_dirs``; a broken pack exits 2 with its error."""
    try:
        return load_rules(list(rules_dirs))
    except RuleError as exc:
        fail(f"rule error: {exc}")


@contextlib.contextmanager
def open_output(path: str | None) -> Iterator[TextIO]:
    """``path`` opened for writing UTF-8 text, or standard output when ``None``."""
    if path is None:
        yield sys.stdout
        return
    with open(path, "w", encoding="utf-8", newline="") as fh:
        yield fh
