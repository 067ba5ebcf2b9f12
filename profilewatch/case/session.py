"""One scan in the case store: the pipeline's :class:`~profilewatch.pipeline.Cache`.

Incremental scanning and crash safety rest on one rule: the records of a top-level unit (and
of everything inside it) are committed in ONE transaction together with its ``done`` marker
keyed by (scan id, file, sha256, rules digest).  A top-level unit whose file, sha256 and
configuration (tool code, rules digest, scan options) are already in ``results`` is not
extracted again: its records are replayed from the store.  A scan killed at any point is
resumed by running the same command again (an unfinished scan with the same paths and
configuration is continued under its id); completed units are replayed, the rest scanned.

Test hook: ``PROFILEWATCH_TEST_UNIT_DELAY`` (seconds, float) sleeps before each top-level unit
that is scanned (not replayed) with a store, so a test can kill the process mid-scan.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .. import __version__
from ..files import is_url, open_input
from ..records import Finding, Problem, Record, Unit, UnitRecord, now
from .store import MAX_BLOB, Store


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 over profilewatch's own source: results of other code are never replayed."""
    digest = hashlib.sha256()
    root = Path(__file__).parent.parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return "sha256:" + digest.hexdigest()


def config_digest(rules_digest: str, options: Any) -> str:
    """Everything that decides a unit's records besides its bytes: code, rules, options."""
    payload = {
        "version": __version__,
        "code": code_digest(),
        "rules": rules_digest,
        "min_confidence": options.min_confidence,
        "include_clean": options.include_clean,
        "limits": asdict(options.limits),
        "max_in_memory": options.max_in_memory,
    }
    return "sha256:" + hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def dumps(d: dict[str, Any]) -> str:
    """A record as stored: compact, sorted JSON."""
    return json.dumps(d, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


class ScanSession:
    """One scan in the store: replays completed top-level units, commits new ones atomically."""

    def __init__(self, store: Store, paths: list[str], rules_digest: str, options: Any) -> None:
        self.store = store
        self.rules_digest = rules_digest
        self.config = config_digest(rules_digest, options)
        self.delay = float(os.environ.get("PROFILEWATCH_TEST_UNIT_DELAY", "0") or 0)
        self.replayed = self.scanned = 0
        resume_key = "sha256:" + hashlib.sha256(dumps(
            {"paths": [os.path.abspath(p) for p in paths], "config": self.config,
             "follow_symlinks": options.follow_symlinks,
             **({"select": [options.include, options.exclude, options.ignore_files]}
                if options.include or options.exclude or not options.ignore_files else {})}).encode()).hexdigest()
        with store.transaction():
            row = store.db.execute("SELECT id FROM scans WHERE resume_key = ? AND status = 'running' "
                                   "ORDER BY id DESC LIMIT 1", (resume_key,)).fetchone()
            if row:
                self.scan_id, self.resumed = row[0], True
            else:
                cur = store.db.execute(
                    "INSERT INTO scans(started, status, tool, version, code_digest, rules_digest, config_digest, "
                    "resume_key, paths, arguments) VALUES (?, 'running', 'profilewatch', ?, ?, ?, ?, ?, ?, ?)",
                    (now(), __version__, code_digest(), rules_digest, self.config, resume_key, dumps({"paths": paths}),
                     dumps(store.arguments or {"paths": paths})))
                self.scan_id, self.resumed = cur.lastrowid, False

    def lookup(self, unit: Unit) -> list[Record] | None:
        """The stored records of a top-level unit (marked done in this scan), or ``None``."""
        db = self.store.db
        row = db.execute("SELECT id FROM results WHERE file = ? AND sha256 = ? AND config_digest = ?",
                         (unit.file, unit.sha256, self.config)).fetchone()
        if row is None:
            if self.delay:
                time.sleep(self.delay)
            return None
        records = self.store.replay(row[0])
        with self.store.transaction():
            db.execute("INSERT OR IGNORE INTO done VALUES (?, ?, ?, ?, ?, ?, 1)",
                       (self.scan_id, unit.file, unit.sha256, self.rules_digest, row[0], now()))
        self.replayed += 1
        return records

    def commit(self, unit: Unit, records: list[Record], found: dict[str, Unit], seconds: float) -> None:
        """Store a scanned top-level unit's records, the bytes of ``found`` units and its done marker."""
        db = self.store.db
        self.scanned += 1
        with self.store.transaction():
            row = db.execute("SELECT id FROM results WHERE file = ? AND sha256 = ? AND config_digest = ?",
                             (unit.file, unit.sha256, self.config)).fetchone()
            if row is not None:  # another process sharing the store committed it meanwhile
                db.execute("INSERT OR IGNORE INTO done VALUES (?, ?, ?, ?, ?, ?, 1)",
                           (self.scan_id, unit.file, unit.sha256, self.rules_digest, row[0], now()))
                return
            cur = db.execute("INSERT INTO results(file, sha256, rules_digest, config_digest, scan_id, scanned, seconds) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (unit.file, unit.sha256, self.rules_digest, self.config, self.scan_id, now(), seconds))
            rid = cur.lastrowid
            with_findings: set[str] = set()
            for seq, rec in enumerate(records):
                text = dumps(rec.to_dict())
                if isinstance(rec, Finding):
                    with_findings.add(rec.sha256)
                    db.execute("INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               (rid, seq, rec.fingerprint, rec.file, rec.member, rec.sha256, rec.kind, rec.category,
                                rec.rule, rec.confidence, int(rec.flag), text))
                elif isinstance(rec, UnitRecord):
                    depth = rec.member.count("!/") + 1 if rec.member else 0
                    db.execute("INSERT INTO units VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               (rid, seq, rec.file, rec.member, depth, rec.sha256, rec.size, rec.format, rec.outcome,
                                rec.findings, dumps(rec.provenance) if rec.provenance else None, text))
                else:
                    db.execute("INSERT INTO problems VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               (rid, seq, rec.type, rec.file, rec.member, rec.sha256, rec.reason, rec.message, text))
            for sha in sorted(with_findings):
                if sha in found:
                    self._store_blob(found[sha])
            db.execute("INSERT OR REPLACE INTO done VALUES (?, ?, ?, ?, ?, ?, 0)",
                       (self.scan_id, unit.file, unit.sha256, self.rules_digest, rid, now()))

    def _store_blob(self, unit: Unit) -> None:
        db = self.store.db
        path = (unit.path if is_url(unit.path) else os.path.abspath(unit.path)) if unit.path else None
        if db.execute("SELECT 1 FROM blobs WHERE sha256 = ?", (unit.sha256,)).fetchone():
            return
        if not unit.streamed:
            db.execute("INSERT INTO blobs VALUES (?, ?, ?, ?)", (unit.sha256, unit.size, unit.data, path))
            return
        if unit.size > MAX_BLOB:
            db.execute("INSERT INTO blobs VALUES (?, ?, NULL, ?)", (unit.sha256, unit.size, path))
            return
        cur = db.execute("INSERT INTO blobs VALUES (?, ?, zeroblob(?), ?)", (unit.sha256, unit.size, unit.size, path))
        with db.blobopen("blobs", "data", cur.lastrowid) as blob, open_input(unit.path) as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                blob.write(block)

    def problem(self, problem: Problem) -> None:
        """Note a problem met while walking the inputs (not found, unreadable...)."""
        with self.store.transaction():
            self.store.db.execute("INSERT OR IGNORE INTO scan_problems VALUES (?, ?, ?, ?, ?)",
                                  (self.scan_id, problem.type, problem.file, problem.reason, dumps(problem.to_dict())))

    def finish(self) -> None:
        """Mark the scan complete (only called once every input was walked)."""
        with self.store.transaction():
            self.store.db.execute("UPDATE scans SET status = 'complete', finished = ? WHERE id = ?", (now(), self.scan_id))
