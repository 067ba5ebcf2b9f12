"""The case store: an embedded SQLite database behind ``profilewatch scan --store case.db``.

It holds every scan (when, tool and rules versions, arguments), the records of every scanned
top-level unit (units, findings, errors/skipped records), review decisions and the bytes of
finding-bearing units (for evidence bundles).

All SQL of profilewatch lives in this package: :class:`Store` here (opening, migrations,
reading back, review decisions) and :class:`~profilewatch.case.session.ScanSession` (the
pipeline's cache: replay and atomic commit of top-level units).

Schema changes are ordered migration functions; ``PRAGMA user_version`` is the number applied.
The database runs in WAL mode with ``synchronous=NORMAL``: a killed process never loses a
committed unit (a power cut may lose the last few, which the next run rescans).
"""
from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .. import __version__
from ..records import Record, now, record_from_dict
from .passages import merge_sibling_findings

SQLITE_MAGIC = b"SQLite format 3\x00"
DECISIONS = ("confirmed", "dismissed", "open", "needs_translation", "duplicate")
"""Review statuses; ``dismissed`` is what the desk calls "false positive", ``open`` "unreviewed"."""
MAX_BLOB = 512 << 20
"""Larger finding-bearing units are not copied into the store; export re-reads them from disk."""


class StoreError(Exception):
    """The store cannot be used (newer schema, locked, corrupt, not found); CLI exit 2."""


STORE_ERRORS = (StoreError, sqlite3.Error)
"""What a caller reports as a bad store (exit 2) rather than as an internal error."""


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


def _m2_desk(db: sqlite3.Connection) -> None:
    """The investigator's desk: more review statuses, an append-only review log, a search index."""
    _script(db,
        """
        CREATE TABLE reviews_new(
            id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL,
            decision TEXT NOT NULL CHECK(decision IN ('confirmed', 'dismissed', 'open', 'needs_translation', 'duplicate')),
            note TEXT, reviewer TEXT NOT NULL, at TEXT NOT NULL, source TEXT NOT NULL DEFAULT 'cli');
        INSERT INTO reviews_new(id, fingerprint, decision, note, reviewer, at)
            SELECT id, fingerprint, decision, note, reviewer, at FROM reviews;
        DROP TABLE reviews;
        ALTER TABLE reviews_new RENAME TO reviews;
        CREATE INDEX reviews_fingerprint ON reviews(fingerprint, id);
        CREATE TABLE finding_facets(
            finding_rowid INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL, domain TEXT, lang TEXT,
            source_type TEXT, captured TEXT);
        CREATE INDEX finding_facets_fp ON finding_facets(fingerprint);
        CREATE VIRTUAL TABLE finding_fts USING fts5(text, file, gloss, tokenize='trigram');
        """
    )
    for event in ("UPDATE", "DELETE"):  # one statement each: their bodies hold a ';'
        db.execute(f"CREATE TRIGGER reviews_append_only_{event.lower()} BEFORE {event} ON reviews "
                   "BEGIN SELECT RAISE(ABORT, 'the review log is append-only'); END")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_m1_initial, _m2_desk, merge_sibling_findings]
"""Ordered; never edit or reorder a released one, append a new function instead."""
SCHEMA_VERSION = len(MIGRATIONS)


# --------------------------------------------------------------------------- the store

class Store:
    """An open case store.  ``create=False`` refuses a missing file (review, export)."""

    def __init__(self, path: str | os.PathLike, *, create: bool = True, arguments: dict[str, Any] | None = None,
                 timeout: float | None = None, threads: bool = False) -> None:
        """``threads=True``: the connection may be used from other threads (the caller serialises)."""
        self.path = Path(path)
        self.arguments = arguments
        if timeout is None:
            timeout = float(os.environ.get("PROFILEWATCH_STORE_TIMEOUT", "10"))
        self._check_file(create)
        try:
            self.db = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None,
                                      check_same_thread=not threads)
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

    # -- review ---------------------------------------------------------------------------

    def decisions(self) -> dict[str, dict[str, Any]]:
        """The current decision per fingerprint (latest wins): ``{fp: {decision, note, reviewer, at}}``."""
        rows = self.query(
            "SELECT fingerprint, decision, note, reviewer, at FROM reviews r WHERE id = "
            "(SELECT max(id) FROM reviews WHERE fingerprint = r.fingerprint)")
        return {r["fingerprint"]: {"decision": r["decision"], "note": r["note"], "reviewer": r["reviewer"],
                                   "at": r["at"]} for r in rows}

    def decide(self, fingerprint: str | Iterable[str], decision: str, reviewer: str, note: str | None = None,
               source: str = "cli") -> None:
        """Record a review decision on one fingerprint or several (one transaction; kept as an
        append-only history, the latest counts).  ``source`` names the front end (cli, desk)."""
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {DECISIONS}")
        fps = [fingerprint] if isinstance(fingerprint, str) else list(fingerprint)
        at = now()
        with self.transaction():
            self.db.executemany(
                "INSERT INTO reviews(fingerprint, decision, note, reviewer, at, source) VALUES (?, ?, ?, ?, ?, ?)",
                [(fp, decision, note, reviewer, at, source) for fp in fps])

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

    def unit_provenance(self, result_id: int, file: str, member: str | None, sha256: str) -> dict[str, Any] | None:
        """The provenance (WARC headers...) stored with a unit of a result, if any."""
        rows = self.query("SELECT provenance FROM units WHERE result_id = ? AND file = ? AND member IS ? "
                          "AND sha256 = ? LIMIT 1", (result_id, file, member, sha256))
        return json.loads(rows[0]["provenance"]) if rows and rows[0]["provenance"] else None

    def finding_places(self, fingerprint: str) -> list[sqlite3.Row]:
        """Every distinct (file, member, finding JSON) seen with a fingerprint, by place."""
        return self.query("SELECT DISTINCT f.file, f.member, f.json FROM findings f WHERE fingerprint = ? "
                          "ORDER BY f.file, f.member", (fingerprint,))

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


