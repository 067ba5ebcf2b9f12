"""A shard folder (``scan --output-dir DIR``): one JSON Lines shard per top-level unit, a
manifest and a merged summary, for runs too large for one output stream.

Layout::

    DIR/shards/<key>.jsonl   the records of one top-level unit (file, archive, WARC), written whole
                             or not at all (renamed into place), so a shard that exists is complete
    DIR/manifest.json        the header, then every top-level input in input order: its shard
                             (status ``complete`` / ``reused``), or ``failed`` / ``walk_problem``
                             with its records inline, or ``pending`` (the run stopped first)
    DIR/summary.json         the summary record of the whole run (every shard counted)

:class:`ShardFolder` is the pipeline's cache (:class:`profilewatch.pipeline.Cache`): before a
unit is scanned it is looked up, so a rerun reads complete shards back instead of scanning
again; a unit whose every attempt failed (``worker_lost``) gets no shard and is scanned again
by the next run.  The key of a shard is the unit's name, size and modification time.

:func:`folder_lines` gives a folder back as the JSON Lines of one scan (header, records in
input order, summary): ``profilewatch report DIR`` renders it like a saved ``.jsonl``.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..files import atomic_write, is_url
from ..records import Problem, Record, Unit, UnitRecord, record_from_dict
from .jsonl import dumps

MANIFEST = "manifest.json"
SUMMARY = "summary.json"


_dumps = dumps  # one record a line, as the JSONL writer writes it


class ShardFolder:
    """Writes (and on a rerun reads back) the shards of one scan under ``root``."""

    keeps_evidence = False  # the bytes of units with findings are not kept (the case store keeps them)

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        (self.root / "shards").mkdir(parents=True, exist_ok=True)
        self.entries: list[dict[str, Any]] = []
        self._by_key: dict[str, dict[str, Any]] = {}
        self.reused = self.written = self.failures = 0

    # -- the pipeline's cache ------------------------------------------------------------------

    def lookup(self, unit: Unit) -> list[Record] | None:
        key = self.key(unit)
        entry = {"file": unit.file, "shard": f"shards/{key}.jsonl", "status": "pending"}
        self.entries.append(entry)
        self._by_key[key] = entry
        path = self.root / entry["shard"]
        if not path.exists():
            return None
        records = [record_from_dict(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line]
        entry.update(status="reused", records=len(records))
        self.reused += 1
        return records

    def commit(self, unit: Unit, records: list[Record], found: dict[str, Unit], seconds: float) -> None:
        entry = self._by_key[self.key(unit)]
        with atomic_write(self.root / entry["shard"], "w", encoding="utf-8") as fh:
            for rec in records:
                fh.write(_dumps(rec.to_dict()) + "\n")
        entry.update(status="complete", records=len(records), seconds=round(seconds, 3),
                     findings=sum(1 for r in records if r.to_dict()["type"] == "finding"))
        self.written += 1

    def failed(self, unit: Unit, records: list[Record]) -> None:
        """A unit no worker could scan: reported in the manifest, no shard (a rerun tries again)."""
        entry = self._by_key[self.key(unit)]
        entry.update(status="failed", shard=None, inline=[r.to_dict() for r in records])
        self.failures += 1

    def problem(self, problem: Problem) -> None:
        unit = UnitRecord(problem.file, problem.member, problem.sha256, 0, "unknown", problem.type)
        self.entries.append({"file": problem.file, "shard": None, "status": "walk_problem",
                             "inline": [problem.to_dict(), unit.to_dict()]})

    def finish(self) -> None:
        """Every input was walked (the manifest is written by :meth:`close`)."""

    # -- the folder ------------------------------------------------------------------------------

    @staticmethod
    def key(unit: Unit) -> str:
        mtime = ""
        if unit.path and not is_url(unit.path):
            try:
                mtime = str(os.stat(unit.path).st_mtime_ns)
            except OSError:
                pass
        return hashlib.sha256(f"{unit.file}\0{unit.size}\0{mtime}".encode()).hexdigest()[:24]

    def close(self, header: dict[str, Any], summary: dict[str, Any] | None) -> None:
        """Write the manifest (and the merged summary when the run completed)."""
        counts = {s: sum(1 for e in self.entries if e["status"] == s)
                  for s in ("complete", "reused", "failed", "walk_problem", "pending")}
        manifest = {"version": 1, "header": header, "counts": counts, "inputs": self.entries}
        with atomic_write(self.root / MANIFEST, "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, ensure_ascii=False, indent=1)
        if summary is not None:
            with atomic_write(self.root / SUMMARY, "w", encoding="utf-8") as fh:
                json.dump(summary, fh, ensure_ascii=False, indent=1)


def is_shard_folder(path: str | os.PathLike) -> bool:
    return (Path(path) / MANIFEST).is_file()


def folder_lines(root: str | os.PathLike) -> Iterator[str]:
    """The JSON Lines of the scan kept in a shard folder: header, records in input order, summary."""
    root = Path(root)
    manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    yield _dumps(manifest["header"])
    for entry in manifest["inputs"]:
        if entry.get("shard"):
            path = root / entry["shard"]
            if path.exists():
                with open(path, encoding="utf-8") as fh:
                    yield from (line for line in fh if line.strip())
        for rec in entry.get("inline") or []:
            yield _dumps(rec)
    if (root / SUMMARY).is_file():
        yield _dumps(json.loads((root / SUMMARY).read_text(encoding="utf-8")))
