#!/usr/bin/env python3
"""Fit ``profilewatch/rules/calibration.yaml`` on every labelled corpus and print its reliability.

    python scripts/calibrate.py [--realworld CACHE] [--write]

Corpora: the shared development corpus, the repo's red-team and held-out corpora and, with
``--realworld``, the real-world tuning set (a cache built by ``tests/realworld/fetch.py``).  Every
finding is scanned with the rules as they stand; a flag finding counts as correct when its unit is
labelled ``flag``, a clean-kind finding when its unit is not.  ``--write`` fits one isotonic curve
per group (flag, clean) from the raw ``score`` to the observed precision and writes the file; it
also writes ``tests/realworld/calibration_points.jsonl`` (id, kind, score, correct: no text) so the
calibration test can include the real-world set where its texts are absent.

The unit of calibration is the finding, so a document with many findings weighs more: that is
what a reader of a report sees.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from profilewatch import api  # noqa: E402
from profilewatch.detect.calibration import fit, group_of, reliability  # noqa: E402
from profilewatch.detect.rules import load_rules  # noqa: E402
from profilewatch.records import FLAG_KINDS, Finding  # noqa: E402

DATA = ROOT / "tests" / "data"
CORPORA = {
    "dev": ROOT.parent / "shared" / "corpus" / "dev" / "corpus",
    "redteam": DATA / "redteam", "redteam2": DATA / "redteam2" / "corpus", "redteam3": DATA / "redteam3",
    "redteam4": DATA / "redteam4", "heldout5": DATA / "heldout5",
}
POINTS = ROOT / "tests" / "realworld" / "calibration_points.jsonl"
OUT = ROOT / "profilewatch" / "rules" / "calibration.yaml"


def _key(file: str, member: str | None) -> tuple[str, str | None]:
    file = file.replace("\\", "/").removeprefix("./")
    return file, (member or None)


def unit_labels(corpus: Path) -> dict[tuple[str, str | None], dict]:
    """A labelled corpus's ``labels.jsonl`` by unit key ``(file, member)`` (score.py's units)."""
    labels = {}
    for line in (corpus / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            lab = json.loads(line)
            labels[_key(lab["file"], lab.get("member"))] = lab
    return labels


def labelled_findings(corpus: Path) -> list[dict]:
    """Every finding of a labelled corpus as ``{id, kind, score, confidence, correct}``."""
    labels = unit_labels(corpus)
    out = []
    for rec in api.scan([str(corpus)]):
        if not isinstance(rec, Finding):
            continue
        lab = labels.get(_key(rec.file, rec.member))
        if lab is None:
            continue
        truth = lab["label"] == "flag"
        correct = truth if rec.kind in FLAG_KINDS else not truth
        out.append({"id": lab.get("id") or f"{rec.file}!{rec.member or ''}", "kind": rec.kind,
                    "score": rec.score if rec.score is not None else rec.confidence,
                    "confidence": rec.confidence, "correct": correct})
    return out


def recorded_points() -> list[dict]:
    """The real-world set's findings as recorded by the last ``--write`` run with ``--realworld``."""
    if not POINTS.exists():
        return []
    calibration = load_rules().calibration
    rows = [json.loads(line) for line in POINTS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [dict(r, confidence=calibration.confidence(r["kind"], r["score"])) for r in rows]


def table(rows: list[dict], group: str) -> str:
    lines = [f"| band ({group}) | findings | mean confidence | precision |", "|---|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['band']} | {r['n']} | {r['confidence']:.2f} | {r['precision']:.2f} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--realworld", type=Path, help="cache folder of the real-world tuning set (with labels.jsonl)")
    ap.add_argument("--write", action="store_true", help="fit and write rules/calibration.yaml (and the points file)")
    args = ap.parse_args()
    found: dict[str, list[dict]] = {}
    for name, corpus in CORPORA.items():
        if (corpus / "labels.jsonl").exists():
            found[name] = labelled_findings(corpus)
    if args.realworld:
        found["realworld"] = labelled_findings(args.realworld)
    elif POINTS.exists():
        found["realworld (recorded)"] = recorded_points()
    every = [f for fs in found.values() for f in fs]
    for name, fs in found.items():
        print(f"{name}: {len(fs)} findings, {sum(f['kind'] in FLAG_KINDS for f in fs)} flag")
    if args.write:
        curves = {}
        for group in ("flag", "clean"):
            pts = [(f["score"], f["correct"]) for f in every if group_of(f["kind"]) == group]
            curves[group] = [list(k) for k in fit(pts)] if pts else []
        fitted = {name: len(fs) for name, fs in found.items()}
        doc = {"calibration": {"fitted_on": fitted, "curves": curves}}
        header = ("# Score -> confidence curves, fitted by scripts/calibrate.py --write (isotonic regression on\n"
                  "# every labelled corpus; see profilewatch/detect/calibration.py). Do not edit by hand.\n")
        import yaml
        OUT.write_text(header + yaml.safe_dump(doc, sort_keys=True, allow_unicode=True), encoding="utf-8")
        if args.realworld:
            POINTS.write_text("".join(json.dumps({k: f[k] for k in ("id", "kind", "score", "correct")}) + "\n"
                                      for f in found["realworld"]), encoding="utf-8")
        rules = load_rules()
        for f in every:
            f["confidence"] = rules.calibration.confidence(f["kind"], f["score"])
    for group in ("flag", "clean"):
        rows = reliability([(f["confidence"], f["correct"]) for f in every if group_of(f["kind"]) == group])
        print(table(rows, group))
    return 0


if __name__ == "__main__":
    sys.exit(main())
