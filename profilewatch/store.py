"""The case store: an embedded SQLite database behind ``profilewatch scan --store case.db``.

It holds every scan (when, tool and rules versions, arguments), the records of every scanned
top-level unit (units, findings, errors/skipped records), review decisions and the bytes of
finding-bearing units (for evidence bundles).

Incremental scanning and crash safety rest on one rule: the records of a top-level unit (and
of everything inside it) are committed in ONE transaction together with its ``done`` marker
keyed by (scan id, file, sha256, rules digest).  A top-level unit whose file, sha256 and
configuration (tool code, rules digest, scan options) are already in ``results`` is not
extracted again: its records are replayed from the store.  A scan killed at any point is
resumed by running the same command again (an unfinished scan with the same paths and
configuration is continued under its id); completed units are replayed, the rest scanned.

Schema changes are ordered migration functions; ``PRAGMA user_version`` is the number applied.
The database runs in WAL mode with ``synchronous=NORMAL``: a killed process never loses a
committed unit (a power cut may lose the last few, which the next run rescans).

Test hook: ``PROFILEWATCH_TEST_UNIT_DELAY`` (seconds, float) sleeps before each top-level unit
that is scanned (not replayed) with a store, so a test can kill the process mid-scan.
"""
from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from . import __version__
from .records import Finding, Problem, Record, Unit, UnitRecord

SQLITE_MAGIC = b"SQLite format 3\x00"
DECISIONS = ("confirmed", "dismissed", "open")
MAX_BLOB = 512 << 20
"""Larger finding-bearing units are not copied into the store; export re-reads them from disk."""


class StoreError(Exception):
    """The store cannot be used (newer schema, locked, corrupt, not found); CLI exit 2."""


def now() -> str:
    """UTC timestamp, ISO 8601 with seconds."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- migrations

def _script(db: sqlite3.Connection, sql: str) -> None:
    """Run ``;``-separated DDL inside the caller's transaction (``executescript`` would commit it)."""
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)


def _m1_initial(db: sqlite3.Connection) -> None:
    _script(db,
        """
        CREATE TABLE migrations(version INTEGER PRIMARY KEY, applied TEXT NOT NULL, tool_version TEXT NOT NULL);
        CREATE TABLE scans(
            id INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT, status TEXT NOT NULL,
            tool TEXT NOT NULL, version TEXT NOT NULL, code_digest TEXT NOT NULL,
            rules_digest TEXT NOT NULL, config_digest TEXT NOT NULL, resume_key TEXT NOT NULL,
            paths TEXT NOT NULL, arguments TEXT NOT NULL);
        CREATE INDEX scans_resume ON scans(resume_key, status);
        CREATE TABLE results(
            id INTEGER PRIMARY KEY, file TEXT NOT NULL, sha256 TEXT NOT NULL,
            rules_digest TEXT NOT NULL, config_digest TEXT NOT NULL,
            scan_id INTEGER NOT NULL REFERENCES scans(id), scanned TEXT NOT NULL, seconds REAL NOT NULL,
            UNIQUE(file, sha256, config_digest));
        CREATE TABLE done(
            scan_id INTEGER NOT NULL REFERENCES scans(id), file TEXT NOT NULL, sha256 TEXT NOT NULL,
            rules_digest TEXT NOT NULL, result_id INTEGER NOT NULL REFERENCES results(id),
            completed TEXT NOT NULL, reused INTEGER NOT NULL,
            PRIMARY KEY(scan_id, file, sha256, rules_digest));
        CREATE TABLE units(
            result_id INTEGER NOT NULL REFERENCES results(id), seq INTEGER NOT NULL,
            file TEXT NOT NULL, member TEXT, depth INTEGER NOT NULL, sha256 TEXT, size INTEGER,
            format TEXT, outcome TEXT NOT NULL, findings INTEGER, provenance TEXT, json TEXT NOT NULL,
            PRIMARY KEY(result_id, seq));
        CREATE TABLE findings(
            result_id INTEGER NOT NULL REFERENCES results(id), seq INTEGER NOT NULL,
            fingerprint TEXT NOT NULL, file TEXT NOT NULL, member TEXT, sha256 TEXT, kind TEXT,
            category TEXT, rule TEXT, confidence REAL, flag INTEGER NOT NULL, json TEXT NOT NULL,
            PRIMARY KEY(result_id, seq));
        CREATE INDEX findings_fingerprint ON findings(fingerprint);
        CREATE TABLE problems(
            result_id INTEGER NOT NULL REFERENCES results(id), seq INTEGER NOT NULL,
            type TEXT NOT NULL, file TEXT NOT NULL, member TEXT, sha256 TEXT, reason TEXT,
            message TEXT, json TEXT NOT NULL, PRIMARY KEY(result_id, seq));
        CREATE TABLE scan_problems(
            scan_id INTEGER NOT NULL REFERENCES scans(id), type TEXT NOT NULL, file TEXT NOT NULL,
            reason TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY(scan_id, file, reason));
        CREATE TABLE reviews(
            id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL,
            decision TEXT NOT NULL CHECK(decision IN ('confirmed', 'dismissed', 'open')),
            note TEXT, reviewer TEXT NOT NULL, at TEXT NOT NULL);
        CREATE INDEX reviews_fingerprint ON reviews(fingerprint, id);
        CREATE TABLE blobs(sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, data BLOB, path TEXT);
        """
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_m1_initial]
"""Ordered; never edit or reorder a released one, append a new function instead."""
SCHEMA_VERSION = len(MIGRATIONS)


# --------------------------------------------------------------------------- digests

@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 over profilewatch's own source: results of other code are never replayed."""
    digest = hashlib.sha256()
    root = Path(__file__).parent
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


# --------------------------------------------------------------------------- records <-> JSON

def _dumps(d: dict[str, Any]) -> str:
    return json.dumps(d, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _build(cls: type, d: dict[str, Any]) -> Any:
    names = {f.name for f in fields(cls) if not f.name.startswith("_")}
    return cls(**{k: v for k, v in d.items() if k in names})


def record_from_dict(d: dict[str, Any]) -> Record:
    """Rebuild a typed record from its ``to_dict()`` form."""
    t = d.get("type")
    if t == "finding":
        return _build(Finding, d)
    if t == "unit":
        return _build(UnitRecord, d)
    return _build(Problem, d)


# --------------------------------------------------------------------------- the store

class Store:
    """An open case store.  ``create=False`` refuses a missing file (review, export)."""

    def __init__(self, path: str | os.PathLike, *, create: bool = True, arguments: dict[str, Any] | None = None,
                 timeout: float | None = None) -> None:
        self.path = Path(path)
        self.arguments = arguments
        if timeout is None:
            timeout = float(os.environ.get("PROFILEWATCH_STORE_TIMEOUT", "10"))
        self._check_file(create)
        try:
            self.db = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open case store {self.path}: {exc}") from exc
        try:
            self._setup()
        except StoreError:
            self.db.close()
            raise
        except sqlite3.Error as exc:
            self.db.close()
            raise self._error(exc) from exc

    def _check_file(self, create: bool) -> None:
        if self.path.is_dir():
            raise StoreError(f"case store {self.path} is a folder, not a database file")
        if not self.path.exists():
            if not create:
                raise StoreError(f"no case store at {self.path} (create one with: profilewatch scan --store {self.path} ...)")
            return
        with open(self.path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
        if head and head != SQLITE_MAGIC:
            raise StoreError(f"{self.path} is not a profilewatch case store (not an SQLite database); left untouched")

    def _setup(self) -> None:
        db = self.db
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"case store {self.path} has schema version {version}, newer than this profilewatch "
                f"{__version__} supports ({SCHEMA_VERSION}); upgrade profilewatch (the store was left untouched)")
        if version == 0 and db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise StoreError(f"{self.path} is an SQLite database but not a profilewatch case store; left untouched")
        if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        self._begin()  # probes the write lock now, before any output
        try:
            for number in range(version + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[number - 1](db)
                db.execute("INSERT INTO migrations VALUES (?, ?, ?)", (number, now(), __version__))
                db.execute(f"PRAGMA user_version = {number}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _begin(self) -> None:
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise self._error(exc) from exc

    def _error(self, exc: sqlite3.Error) -> StoreError:
        text = str(exc)
        if "locked" in text or "busy" in text:
            return StoreError(f"case store {self.path} is locked by another process ({text}); try again when it is done")
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError) \
                or "malformed" in text or "not a database" in text:
            return StoreError(f"case store {self.path} is corrupt ({text}); left untouched")
        return StoreError(f"case store {self.path}: {text}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def transaction(self) -> _Transaction:
        """``with store.transaction():`` -- BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error)."""
        return _Transaction(self)

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """Read rows (as :class:`sqlite3.Row`); sqlite errors become :class:`StoreError`."""
        try:
            cur = self.db.execute(sql, tuple(params))
            cur.row_factory = sqlite3.Row
            return cur.fetchall()
        except sqlite3.Error as exc:
            raise self._error(exc) from exc

    # -- scanning -----------------------------------------------------------------------

    def session(self, paths: list[str], rules_digest: str, options: Any) -> ScanSession:
        """Start (or resume, when the last same scan did not finish) a scan; see :class:`ScanSession`."""
        return ScanSession(self, paths, rules_digest, options)

    # -- review ---------------------------------------------------------------------------

    def decisions(self) -> dict[str, dict[str, Any]]:
        """The current decision per fingerprint (latest wins): ``{fp: {decision, note, reviewer, at}}``."""
        rows = self.query(
            "SELECT fingerprint, decision, note, reviewer, at FROM reviews r WHERE id = "
            "(SELECT max(id) FROM reviews WHERE fingerprint = r.fingerprint)")
        return {r["fingerprint"]: {"decision": r["decision"], "note": r["note"], "reviewer": r["reviewer"],
                                   "at": r["at"]} for r in rows}

    def decide(self, fingerprint: str, decision: str, reviewer: str, note: str | None = None) -> None:
        """Record a review decision on a fingerprint (kept as history; the latest counts)."""
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {DECISIONS}")
        with self.transaction():
            self.db.execute("INSERT INTO reviews(fingerprint, decision, note, reviewer, at) VALUES (?, ?, ?, ?, ?)",
                            (fingerprint, decision, note, reviewer, now()))

    def history(self, fingerprint: str) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM reviews WHERE fingerprint = ? ORDER BY id", (fingerprint,))

    def resolve(self, prefix: str) -> str:
        """The full fingerprint for a unique prefix of one seen in the store."""
        rows = self.query("SELECT DISTINCT fingerprint FROM findings WHERE fingerprint >= ? AND fingerprint < ? "
                          "LIMIT 2", (prefix, prefix + "\U0010ffff"))
        if not rows:
            raise StoreError(f"no finding with fingerprint {prefix!r} in {self.path}")
        if len(rows) > 1:
            raise StoreError(f"fingerprint prefix {prefix!r} is ambiguous; give more characters")
        return rows[0][0]

    # -- reading back ---------------------------------------------------------------------

    def latest_scan(self, complete_only: bool = True) -> sqlite3.Row | None:
        where = "WHERE status = 'complete'" if complete_only else ""
        rows = self.query(f"SELECT * FROM scans {where} ORDER BY id DESC LIMIT 1")
        return rows[0] if rows else None

    def scan_row(self, scan_id: int) -> sqlite3.Row:
        rows = self.query("SELECT * FROM scans WHERE id = ?", (scan_id,))
        if not rows:
            raise StoreError(f"no scan {scan_id} in {self.path}")
        return rows[0]

    def scan_findings(self, scan_id: int) -> list[sqlite3.Row]:
        """Finding rows of a scan in scan order, with the result's scan time."""
        return self.query(
            "SELECT f.*, r.scanned AS scanned, r.scan_id AS scanned_by FROM done d "
            "JOIN results r ON r.id = d.result_id JOIN findings f ON f.result_id = r.id "
            "WHERE d.scan_id = ? ORDER BY d.rowid, f.seq", (scan_id,))

    def replay(self, result_id: int) -> list[Record]:
        """The records of one stored top-level unit, in their original order."""
        rows = self.db.execute(
            "SELECT seq, json FROM findings WHERE result_id = ?1 UNION ALL "
            "SELECT seq, json FROM units WHERE result_id = ?1 UNION ALL "
            "SELECT seq, json FROM problems WHERE result_id = ?1 ORDER BY seq", (result_id,)).fetchall()
        return [record_from_dict(json.loads(j)) for _, j in rows]

    def blob(self, sha256: str) -> tuple[bytes | None, str | None]:
        """Stored bytes of a unit (or ``None``) and the disk path it was read from."""
        rows = self.query("SELECT data, path FROM blobs WHERE sha256 = ?", (sha256,))
        if not rows:
            return None, None
        return rows[0]["data"], rows[0]["path"]


class _Transaction:
    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> None:
        self.store._begin()

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        db = self.store.db
        if exc_type is None:
            try:
                db.execute("COMMIT")
                return
            except sqlite3.Error as err:
                db.execute("ROLLBACK")
                raise self.store._error(err) from err
        if db.in_transaction:
            db.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise self.store._error(exc) from exc


class _CapturingDetector:
    """Wraps the detector to keep the units that produced findings (their bytes go to ``blobs``)."""

    def __init__(self, detector: Any) -> None:
        self._detector = detector
        self.units: dict[str, Unit] = {}

    def detect(self, unit: Unit, segments: Any, **kwargs: Any) -> Any:
        found = self._detector.detect(unit, segments, **kwargs)
        if found:
            self.units.setdefault(unit.sha256, unit)
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._detector, name)


class ScanSession:
    """One scan in the store: replays completed top-level units, commits new ones atomically."""

    def __init__(self, store: Store, paths: list[str], rules_digest: str, options: Any) -> None:
        self.store = store
        self.rules_digest = rules_digest
        self.config = config_digest(rules_digest, options)
        self.delay = float(os.environ.get("PROFILEWATCH_TEST_UNIT_DELAY", "0") or 0)
        self.replayed = self.scanned = 0
        resume_key = "sha256:" + hashlib.sha256(_dumps(
            {"paths": [os.path.abspath(p) for p in paths], "config": self.config,
             "follow_symlinks": options.follow_symlinks}).encode()).hexdigest()
        with store.transaction():
            row = store.db.execute("SELECT id FROM scans WHERE resume_key = ? AND status = 'running' "
                                   "ORDER BY id DESC LIMIT 1", (resume_key,)).fetchone()
            if row:
                self.scan_id, self.resumed = row[0], True
            else:
                cur = store.db.execute(
                    "INSERT INTO scans(started, status, tool, version, code_digest, rules_digest, config_digest, "
                    "resume_key, paths, arguments) VALUES (?, 'running', 'profilewatch', ?, ?, ?, ?, ?, ?, ?)",
                    (now(), __version__, code_digest(), rules_digest, self.config, resume_key, _dumps({"paths": paths}),
                     _dumps(store.arguments or {"paths": paths})))
                self.scan_id, self.resumed = cur.lastrowid, False

    def scan_unit(self, unit: Unit, detector: Any, options: Any,
                  scan: Callable[[Unit, Any, Any], Iterator[Record]] | None = None) -> Iterator[Record]:
        """Records of a top-level unit: replayed from the store, or scanned and committed first."""
        if scan is None:
            from .scanner import scan_unit as scan
        db = self.store.db
        sha = unit.sha256
        row = db.execute("SELECT id FROM results WHERE file = ? AND sha256 = ? AND config_digest = ?",
                         (unit.file, sha, self.config)).fetchone()
        if row is not None:
            records = self.store.replay(row[0])
            with self.store.transaction():
                db.execute("INSERT OR IGNORE INTO done VALUES (?, ?, ?, ?, ?, ?, 1)",
                           (self.scan_id, unit.file, sha, self.rules_digest, row[0], now()))
            self.replayed += 1
            yield from records
            return
        if self.delay:
            time.sleep(self.delay)
        started = time.monotonic()
        capture = _CapturingDetector(detector)
        records = list(scan(unit, capture, options))
        self._commit(unit, records, capture.units, time.monotonic() - started)
        self.scanned += 1
        yield from records

    def _commit(self, unit: Unit, records: list[Record], captured: dict[str, Unit], seconds: float) -> None:
        db = self.store.db
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
                d = rec.to_dict()
                text = _dumps(d)
                if isinstance(rec, Finding):
                    with_findings.add(rec.sha256)
                    db.execute("INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               (rid, seq, rec.fingerprint, rec.file, rec.member, rec.sha256, rec.kind, rec.category,
                                rec.rule, rec.confidence, int(rec.flag), text))
                elif isinstance(rec, UnitRecord):
                    depth = rec.member.count("!/") + 1 if rec.member else 0
                    db.execute("INSERT INTO units VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               (rid, seq, rec.file, rec.member, depth, rec.sha256, rec.size, rec.format, rec.outcome,
                                rec.findings, _dumps(rec.provenance) if rec.provenance else None, text))
                else:
                    db.execute("INSERT INTO problems VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               (rid, seq, rec.type, rec.file, rec.member, rec.sha256, rec.reason, rec.message, text))
            for sha in sorted(with_findings):
                if sha in captured:
                    self._store_blob(captured[sha])
            db.execute("INSERT OR REPLACE INTO done VALUES (?, ?, ?, ?, ?, ?, 0)",
                       (self.scan_id, unit.file, unit.sha256, self.rules_digest, rid, now()))

    def _store_blob(self, unit: Unit) -> None:
        db = self.store.db
        path = os.path.abspath(unit.path) if unit.path else None
        if db.execute("SELECT 1 FROM blobs WHERE sha256 = ?", (unit.sha256,)).fetchone():
            return
        if not unit.streamed:
            db.execute("INSERT INTO blobs VALUES (?, ?, ?, ?)", (unit.sha256, unit.size, unit.data, path))
            return
        if unit.size > MAX_BLOB:
            db.execute("INSERT INTO blobs VALUES (?, ?, NULL, ?)", (unit.sha256, unit.size, path))
            return
        cur = db.execute("INSERT INTO blobs VALUES (?, ?, zeroblob(?), ?)", (unit.sha256, unit.size, unit.size, path))
        with db.blobopen("blobs", "data", cur.lastrowid) as blob, open(unit.path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                blob.write(block)

    def problem(self, problem: Problem) -> None:
        """Note a problem met while walking the inputs (not found, unreadable...)."""
        with self.store.transaction():
            self.store.db.execute("INSERT OR IGNORE INTO scan_problems VALUES (?, ?, ?, ?, ?)",
                                  (self.scan_id, problem.type, problem.file, problem.reason, _dumps(problem.to_dict())))

    def finish(self) -> None:
        """Mark the scan complete (only called once every input was walked)."""
        with self.store.transaction():
            self.store.db.execute("UPDATE scans SET status = 'complete', finished = ? WHERE id = ?", (now(), self.scan_id))


# --------------------------------------------------------------------------- output filters

def suppress(records: Iterable[Record], fingerprints: set[str], counts: dict[str, int], reason: str) -> Iterator[Record]:
    """Leave out findings whose fingerprint is in ``fingerprints`` (counted in ``counts[reason]``)."""
    counts.setdefault(reason, 0)
    for rec in records:
        if isinstance(rec, Finding) and rec.fingerprint in fingerprints:
            counts[reason] += 1
            continue
        yield rec
