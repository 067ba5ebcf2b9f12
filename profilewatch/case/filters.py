"""Stream stages of a case: baseline and dismissed-finding suppression, review annotation.

Each is a pipeline filter (``records -> records``) or tap (see :mod:`profilewatch.pipeline`);
any caller of the Python API can switch them on.  Suppressed findings are counted by reason
in a dict the caller passes, so the summary can say how many were left out and why.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import Any

from ..records import Finding, Record


def suppress(fingerprints: set[str], counts: dict[str, int], reason: str):
    """A filter leaving out findings whose fingerprint is in ``fingerprints`` (counted in ``counts[reason]``)."""

    def stage(records: Iterable[Record]) -> Iterator[Record]:
        counts.setdefault(reason, 0)
        for rec in records:
            if isinstance(rec, Finding) and rec.fingerprint in fingerprints:
                counts[reason] += 1
                continue
            yield rec

    return stage


def annotate(decisions: dict[str, dict[str, Any]]):
    """A filter setting each finding's ``review`` to its current decision, when it has one."""

    def stage(records: Iterable[Record]) -> Iterator[Record]:
        for rec in records:
            if isinstance(rec, Finding) and rec.fingerprint in decisions:
                rec = dataclasses.replace(rec, review=decisions[rec.fingerprint])
            yield rec

    return stage


class FindingCollector:
    """A tap keeping every finding before suppression (what ``--write-baseline`` writes)."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def add(self, record: Record) -> None:
        if isinstance(record, Finding):
            self.findings.append(record)

    def finish(self) -> Iterable[Record]:
        return ()
