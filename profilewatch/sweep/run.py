"""Run a sweep: fetch the listed records into the store, politely and concurrently; then scan them.

:func:`run_sweep` takes the records of any source (:mod:`profilewatch.sweep.sources`), skips
those the store already has (resume), and fetches the rest through a :data:`Mapper`
(:func:`~profilewatch.sweep.executor.thread_map` by default; the shared executor can replace it).

Deduplication is by payload digest *within one document* (URL key): a capture whose index
digest was already fetched for the same URL, by any source, is written as a ``revisit`` record
referring to it, not fetched.  Identical payloads under different URLs are fetched again, so
that each URL's history stands on its own records (a 404 page shared by a whole site must stay
the evidence of each deletion).  Only the first record of each digest is fetched in a round;
the others wait for it and become revisits (or are fetched in the next round if it failed).

A record that fails (after the client's retries) is reported and left out of the manifest: a
re-run tries it again.  A server that asks for too long a pause stops the run (``stopped``);
an unreachable network raises :class:`~profilewatch.history.polite.NetworkError` at once.

The scan of the result is :func:`profilewatch.cli.sweep.scan_job` (the API floor is not below
this wing).
"""
from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..history.polite import Client, FetchError, NetworkError
from .executor import Mapper, thread_map
from .fetch import Fetched, fetch_record, revisit
from .sources import SweepRecord
from .store import SweepStore, digest_key


@dataclass
class SweepReport:
    """What a run did; ``problems`` are ``(record key, reason, message)``."""

    listed: int = 0
    already: int = 0
    fetched: int = 0
    revisits: int = 0
    recovered: int = 0
    repaired_bytes: int = 0
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    stopped: str | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"listed": self.listed, "already": self.already, "fetched": self.fetched, "revisits": self.revisits,
                "recovered": self.recovered, "repaired_bytes": self.repaired_bytes, "failed": len(self.problems),
                "stopped": self.stopped, "seconds": round(self.seconds, 3)}


def run_sweep(records: Iterable[SweepRecord], store: SweepStore, client: Client, *, workers: int = 1,
              mapper: Mapper = thread_map, progress: Callable[[str], None] | None = None) -> SweepReport:
    """Fetch every record not yet in ``store``; returns what happened (``NetworkError`` propagates)."""
    say = progress or (lambda _msg: None)
    started = time.monotonic()
    report = SweepReport(recovered=store.recovered, repaired_bytes=store.repaired_bytes)
    unique: dict[str, SweepRecord] = {}
    for rec in records:
        unique.setdefault(rec.key, rec)
    report.listed = len(unique)
    pending = [r for r in unique.values() if not store.done(r.key)]
    report.already = report.listed - len(pending)
    pending.sort(key=lambda r: (r.timestamp, r.url, r.key))
    say(f"{report.listed} records listed, {report.already} already fetched, {len(pending)} to go")
    try:
        while pending:
            batch, rest, claimed = [], [], set()
            for rec in pending:
                dkey = digest_key(rec.url, rec.digest) if rec.digest else None
                if dkey and dkey in store.by_digest:
                    _keep(store, revisit(rec, store.by_digest[dkey]), report, say)
                elif dkey and dkey in claimed:
                    rest.append(rec)
                else:
                    if dkey:
                        claimed.add(dkey)
                    batch.append(rec)
            for got in mapper(functools.partial(fetch_record, client), batch, workers):
                _keep(store, got, report, say)
            pending = rest
    except NetworkError:
        raise
    except FetchError as exc:
        report.stopped = str(exc)
        say(f"stopped: {exc}")
    report.seconds = time.monotonic() - started
    return report


def _keep(store: SweepStore, got: Fetched, report: SweepReport, say: Callable[[str], None]) -> None:
    rec = got.record
    if got.problem is not None:
        report.problems.append((rec.key, *got.problem))
        say(f"FAILED {rec.url} {rec.timestamp}: {got.problem[0]}: {got.problem[1]}")
        return
    row = store.write(got.data, got.row)
    if row["kind"] == "revisit":
        report.revisits += 1
    else:
        report.fetched += 1
    say(f"{row['kind']} {rec.url} {row['date']}")
