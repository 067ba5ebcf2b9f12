"""Which walked paths a scan leaves out: ``--include``/``--exclude`` globs and ``.profilewatchignore``.

Contract: :class:`Selection` answers, for a path relative to a walked root (``/``-separated,
folders ending in ``/``), whether it is excluded and by what.  Patterns use gitignore syntax
(through the maintained ``pathspec`` library, ``GitIgnoreSpec``): ``*.log``, ``build/``,
``docs/**/draft*``, ``!keep.log``; a pattern without a ``/`` matches at any depth.

* ``--exclude`` patterns and every ``.profilewatchignore`` found while walking (at any depth:
  its patterns are relative to its own folder, as in git) exclude files and prune folders.
  As in git, a file inside an excluded folder cannot be re-included.
* ``--include`` patterns, when given, keep only the files that match one of them (ripgrep's
  ``-g``); they never prune folders.

An excluded entry is not silently dropped: the walker reports it as a ``skipped`` record with
reason ``excluded`` (a pruned folder is one record whose ``file`` ends in ``/``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pathspec

IGNORE_FILE = ".profilewatchignore"


def _spec(lines: list[str]) -> pathspec.PathSpec:
    return pathspec.GitIgnoreSpec.from_lines(lines)


@dataclass
class Selection:
    """The include/exclude patterns of one scan, plus the ignore files met while walking."""

    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    ignore_files: bool = True

    def __post_init__(self) -> None:
        self._include = _spec(self.include) if self.include else None
        self._exclude = _spec(self.exclude) if self.exclude else None
        self._ignores: dict[str, pathspec.PathSpec | None] = {}

    @property
    def active(self) -> bool:
        return bool(self.include or self.exclude or self.ignore_files)

    def load_dir(self, folder: Path, rel: str) -> None:
        """Read ``folder``'s ignore file, if any (``rel``: the folder relative to the root, ``""`` at the top)."""
        if not self.ignore_files or rel in self._ignores:
            return
        spec = None
        try:
            text = (folder / IGNORE_FILE).read_text(encoding="utf-8", errors="replace")
            spec = _spec(text.splitlines())
        except OSError:
            pass
        self._ignores[rel] = spec

    def excluded(self, rel: str, is_dir: bool = False) -> str | None:
        """Why ``rel`` is left out (a message), or ``None`` when it is walked / scanned."""
        path = rel + "/" if is_dir else rel
        if self._exclude is not None and self._exclude.match_file(path):
            return "excluded by --exclude"
        parts = rel.split("/")
        for depth in range(len(parts)):
            base = "/".join(parts[:depth])
            spec = self._ignores.get(base)
            if spec is not None and spec.match_file(path[len(base) + 1:] if base else path):
                return f"excluded by {base + '/' if base else ''}{IGNORE_FILE}"
        if not is_dir and self._include is not None and not self._include.match_file(path):
            return "not matched by any --include pattern"
        return None
