"""Calibrated confidence: a finding's ``confidence`` is the precision findings like it have.

The classifier gives each verdict a hand-set ``score`` (role weight plus cue bonuses, see
:mod:`.classify`).  ``rules/calibration.yaml`` maps that score to a confidence with one monotone
monotone curve per group (``flag`` for the flag kinds, ``clean`` for the others): a step function, fitted by
isotonic regression (pool-adjacent-violators, :func:`fit`) on every labelled corpus by
``scripts/calibrate.py``: among flag findings with confidence near 0.8, about 80% lie on units
labelled flag.  The file records which corpora and how many findings it was fitted on.  Without a
curve the score is the confidence.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from ..records import FLAG_KINDS


@dataclass(slots=True)
class Calibration:
    """Curves by group: sorted ``(score, confidence)`` steps: a score gets the confidence of the
    last step at or below it (the first step's below them all)."""

    curves: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    fitted_on: dict = field(default_factory=dict)

    def confidence(self, kind: str, score: float) -> float:
        curve = self.curves.get(group_of(kind))
        if not curve:
            return score
        i = bisect.bisect_right([x for x, _ in curve], round(score, 2))
        return round(curve[max(i - 1, 0)][1], 2)


def group_of(kind: str) -> str:
    return "flag" if kind in FLAG_KINDS else "clean"


def fit(points: list[tuple[float, bool]], floor: float = 0.05, ceiling: float = 0.99) -> list[tuple[float, float]]:
    """Isotonic (non-decreasing) fit of correctness on score (pool-adjacent-violators): one step
    per pooled block of scores, starting at the block's lowest score, with the block's precision
    clamped to ``[floor, ceiling]``."""
    by_score: dict[float, list[int]] = {}
    for score, correct in points:
        by_score.setdefault(round(score, 2), []).append(int(correct))
    blocks = [[s, float(sum(v)), len(v)] for s, v in sorted(by_score.items())]  # score, hits, weight
    merged: list[list[float]] = []
    for s, hits, n in blocks:
        merged.append([s, hits, n])
        while len(merged) > 1 and merged[-2][1] / merged[-2][2] > merged[-1][1] / merged[-1][2]:
            b = merged.pop()
            a = merged[-1]
            a[1] += b[1]
            a[2] += b[2]
    return [(start, round(min(max(hits / n, floor), ceiling), 3)) for start, hits, n in merged]


def reliability(findings: list[tuple[float, bool]], edges=(0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)) -> list[dict]:
    """Per confidence band: how many findings, their mean confidence and their precision."""
    rows = []
    for lo, hi in zip(edges, edges[1:]):
        band = [(c, ok) for c, ok in findings if lo <= c < hi]
        if band:
            rows.append({"band": f"{lo:.1f}-{min(hi, 1.0):.1f}", "n": len(band),
                         "confidence": round(sum(c for c, _ in band) / len(band), 3),
                         "precision": round(sum(ok for _, ok in band) / len(band), 3)})
    return rows
