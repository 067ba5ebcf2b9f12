"""A sweep's output folder: one WARC file, a manifest of what is done, resumable after any kill.

``OUT/sweep.warc.gz`` gets one group of gzip members per record (``request``, ``response``,
``metadata`` -- or ``revisit``, ``metadata``), written in one ``write``; ``OUT/manifest.jsonl``
then gets one JSON line for it (key, URL, date, record id, payload digest, SHA-256, the group's
offsets).  A killed process loses nothing written (the kernel has it); both files are fsynced
every ``sync_seconds`` and at the end, against a machine crash (an fsync per record cost 70 % of
the sweep's time).  The ``metadata`` record closes a group and repeats the manifest row, so the
WARC is the truth and the manifest its index:

* a kill inside a group leaves a torn tail: it is cut back to the end of the last ``metadata``
  record (a group without its metadata is incomplete and is fetched again);
* a kill between the WARC write and the manifest line: the rows of the groups after the last
  manifest row are rebuilt from their ``metadata`` records;
* a torn last manifest line is dropped, and so are rows past the WARC's last whole group (after a
  machine crash the manifest may have reached the disk before the WARC did).

So a re-run fetches every record not yet in the WARC, and none twice.
"""
from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from fastwarc.warc import ArchiveIterator, WarcRecordType

from ..history.snapshots import url_key
from ..history.wayback import Appender, whole_members_end

WARC_NAME = "sweep.warc.gz"
MANIFEST_NAME = "manifest.jsonl"


def digest_key(url: str, digest: str) -> str:
    """Deduplication is by payload digest within one document (URL key): see :mod:`profilewatch.sweep.run`."""
    return f"{url_key(url)} {digest}"


class SweepStore:
    """The output folder of one sweep (created if missing); thread-safe :meth:`write`."""

    def __init__(self, folder: str | Path, sync_seconds: float = 1.0) -> None:
        self.folder = Path(folder)
        self.sync_seconds, self.synced = sync_seconds, time.monotonic()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.warc = self.folder / WARC_NAME
        self.manifest = self.folder / MANIFEST_NAME
        self.lock = threading.Lock()
        self.rows: dict[str, dict[str, Any]] = {}
        self.by_digest: dict[str, dict[str, Any]] = {}
        self.recovered = 0
        self._load_manifest()
        end = self._reconcile()
        self.repaired_bytes = max(0, (self.warc.stat().st_size if self.warc.exists() else 0) - end)
        self.appender = Appender(str(self.warc), end)
        self._man = open(self.manifest, "a", encoding="utf-8")
        for row in self._pending:
            self._log(row)

    def _load_manifest(self) -> None:
        good = 0
        if self.manifest.exists():
            data = self.manifest.read_bytes()
            for line in data.splitlines(keepends=True):
                try:
                    row = json.loads(line)
                except ValueError:
                    break
                if not line.endswith(b"\n"):
                    break
                good += len(line)
                self._remember(row)
            if good != len(data):
                with open(self.manifest, "r+b") as fh:
                    fh.truncate(good)

    def _remember(self, row: dict[str, Any]) -> None:
        self.rows[row["key"]] = row
        if row.get("kind") == "response" and row.get("cdx_digest"):
            self.by_digest.setdefault(digest_key(row["url"], row["cdx_digest"]), row)

    def _reconcile(self) -> int:
        """Cut a torn tail; recover rows of whole groups written after the last manifest row."""
        self._pending: list[dict[str, Any]] = []
        if not self.warc.exists():
            return 0
        with open(self.warc, "rb") as fh:
            members_end = whole_members_end(fh)
            ahead = [k for k, r in self.rows.items() if r.get("end", 0) > members_end]
            if ahead:
                self._drop(ahead)
            start = max((r.get("end", 0) for r in self.rows.values()), default=0)
            fh.seek(start)
            group_start, open_row = start, None
            try:
                for rec in ArchiveIterator(fh):  # stream_pos: the record's offset in the file
                    if open_row is not None:
                        self._recover(dict(open_row, offset=group_start, end=rec.stream_pos))
                        group_start, open_row = rec.stream_pos, None
                    if rec.stream_pos >= members_end:
                        break
                    if rec.record_type == WarcRecordType.metadata:
                        open_row = json.loads(rec.reader.read()).get("sweep")
            except Exception:  # the torn tail itself: everything before it is whole
                pass
        if open_row is not None:
            self._recover(dict(open_row, offset=group_start, end=members_end))
            group_start = members_end
        return group_start

    def _drop(self, keys: list[str]) -> None:
        """Forget rows whose records are not in the WARC; the manifest is rewritten without them."""
        for key in keys:
            del self.rows[key]
        self.by_digest = {k: r for k, r in self.by_digest.items() if r["key"] in self.rows}
        tmp = self.manifest.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in self.rows.values()),
                       encoding="utf-8")
        os.replace(tmp, self.manifest)

    def _recover(self, row: dict[str, Any]) -> None:
        row["warc"] = WARC_NAME
        if row["key"] not in self.rows:
            self._remember(row)
            self._pending.append(row)
            self.recovered += 1

    def done(self, key: str) -> bool:
        return key in self.rows

    def write(self, data: bytes, row: dict[str, Any]) -> dict[str, Any]:
        """Append one group's bytes, then its manifest row; returns the row with its offsets."""
        with self.lock:
            start, end = self.appender.append_bytes(data, sync=False)
            row = dict(row, warc=WARC_NAME, offset=start, end=end)
            self._remember(row)
            self._log(row)
            if time.monotonic() - self.synced >= self.sync_seconds:
                self.sync()
            return row

    def _log(self, row: dict[str, Any]) -> None:
        self._man.write(json.dumps(row, sort_keys=True, ensure_ascii=False) + "\n")
        self._man.flush()

    def sync(self) -> None:
        """Both files to disk, the WARC first."""
        self.appender.sync()
        os.fsync(self._man.fileno())
        self.synced = time.monotonic()

    def close(self) -> None:
        self.sync()
        self.appender.close()
        self._man.close()
