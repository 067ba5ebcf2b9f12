"""The part of a finding a timeline follows: :class:`Hit`, its claim key, and grouping by key.

A claim key is ``"<category>: <folded terms, sorted>"``; flag findings of one snapshot with the
same key are one claim (see :mod:`profilewatch.history.timeline` for how claims are matched
across snapshots).
"""
from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..text.normalize import fold_term as _fold_term

fold_term = functools.lru_cache(maxsize=8192)(_fold_term)  # terms repeat across snapshots


@dataclass(slots=True)
class Hit:
    """The part of a finding a timeline needs."""

    fingerprint: str
    key: str
    category: str
    categories: list[str]
    kind: str
    terms: list[str]
    text: str


def claim_key(category: str, terms: Iterable[str]) -> str:
    folded = sorted({fold_term(t) for t in terms if t and t.strip()})
    return f"{category}: {', '.join(folded)}"


def hit_of(rec: dict[str, Any]) -> Hit:
    """A finding record (as a dict) reduced to a :class:`Hit`."""
    terms = list(rec.get("terms") or [])
    category = rec.get("category") or (rec.get("categories") or ["unknown"])[0]
    key = claim_key(category, terms)
    return Hit(rec.get("fingerprint") or key, key, category, list(rec.get("categories") or [category]),
               rec.get("kind", ""), terms, str((rec.get("evidence") or {}).get("text", "")))


def group(hits: list[Hit]) -> dict[str, list[Hit]]:
    """Hits by claim key."""
    groups: dict[str, list[Hit]] = {}
    for h in hits:
        groups.setdefault(h.key, []).append(h)
    return groups
