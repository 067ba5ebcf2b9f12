#!/usr/bin/env python3
"""Measure a learned passage model against the hand rules, with cross-validation grouped by source.

    python scripts/train_model.py [--realworld CACHE ...] [--cache FEATURES.json] [--folds 10]
                                  [--C 1.0] [--repeats N] [--markdown OUT.md]

Issue 13 asks whether a small, explainable learned model (L2 logistic regression over the
classifier's own features) measures better than the hand-set thresholds.  This script answers
it at the unit level, the way ``score.py`` scores (a unit is predicted flag when one of its
passages is a flag):

1. every labelled corpus (``calibrate.CORPORA`` and its ``unit_labels``, plus each ``--realworld``
   cache, e.g. ``../realworld/tune`` and ``../realworld/fresh``) is scanned once with the rules as
   they stand; ``Detector.observer`` hands over every classified candidate passage, the ones the
   hand rules reject included, and :func:`features` turns it into named, explainable features
   (term roles, categories, cue kinds in the sentence / neighbourhood / right beside the term,
   cue-word classes, negation, the unit's genre);
2. the hand rules and four learned variants are compared on the same folds (``GroupKFold``; the
   group is the corpus for a synthetic corpus, the repository or package for a real-world file,
   from ``tests/realworld/manifest.jsonl``): ``hand`` (the rules), ``rethreshold`` (a logistic fit
   of the hand score alone: flag-kind score, clean-kind score), ``model`` (the features),
   ``model+pairs`` (each feature also in conjunction with the context) and ``stacked`` (the
   features plus the hand verdict).  A passage is labelled with its unit's label (then, in a
   flag unit, only its best passages: :func:`fit`); a unit's probability is its highest passage
   probability; the unit threshold is chosen on the training folds (best pooled F1).
   ``--repeats`` adds the F1 spread over shuffled group-to-fold assignments;
3. trained on everything but the real-world fresh slice, scored on it (the hand rules' own
   situation: tuned on the rest, the fresh slice unseen), with a paired bootstrap against hand.

scikit-learn (the ``train`` extra) is used here only, at training time; nothing is written into
the repository (the decision, in docs/accuracy.md "A learned model?", was not to integrate).
Features are cached outside the repository (``--cache``): they are derived from third-party files.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from calibrate import CORPORA, ROOT, _key, unit_labels  # noqa: E402
from profilewatch import api  # noqa: E402
from profilewatch.detect import classify as C  # noqa: E402
from profilewatch.detect.rules import load_rules  # noqa: E402
from profilewatch.executors import shared_detector  # noqa: E402
from profilewatch.records import FLAG_KINDS, Finding  # noqa: E402

MANIFEST = ROOT / "tests" / "realworld" / "manifest.jsonl"
CUE_KINDS = ("capability", "targeting", "filtering", "search", "person", "biometric", "implementation",
             "disclaimer", "removal", "reporting", "evaluation", "record_field", "standard", "tooling", "unrelated")
ROLES = ("watch", "group", "attribute", "identifier", "weak")


# --------------------------------------------------------------------------- features

def features(terms, near, wide, context, genre) -> dict[str, float]:
    """Named binary features of one candidate passage: what the hand rules look at, unweighted."""
    f: dict[str, float] = {"bias": 1.0, f"context:{context}": 1.0}
    roles = Counter(t.term.role for t in terms)
    for r in ROLES:
        if roles[r]:
            f[f"role:{r}"] = 1.0
    strong = [t for t in terms if t.term.role in C.STRONG_ROLES]
    for cat in {t.term.category for t in (strong or terms)}:
        f[f"category:{cat}"] = 1.0
    if len({t.text for t in strong}) >= C.TOPICAL_TERMS:
        f["terms:several strong"] = 1.0
    if len({t.text for t in terms if t.term.role == "group"}) >= 2:
        f["terms:several groups"] = 1.0
    if len({t.text for t in terms if t.term.role in ("group", "watch")}) >= C.TABLE_GROUPS:
        f["terms:a table of groups"] = 1.0
    if len({t.text for t in terms if t.term.role == "weak"}) >= 2:
        f["terms:several weak class names"] = 1.0
    near_k, wide_k = C._by_kind(near), C._by_kind(wide)
    for k in CUE_KINDS:
        if k in near_k:
            f[f"sentence:{k}"] = 1.0
        elif k in wide_k:
            f[f"neighbourhood:{k}"] = 1.0
    for k in ("filtering", "search", "targeting", "capability"):
        if C._adjacent(terms, near, (k,)):
            f[f"beside the term:{k}"] = 1.0
    cap = wide_k.get("capability", set())
    if cap & C.INFERS:
        f["cue words:inference verb"] = 1.0
    if cap and not cap - C.GENERIC:
        f["cue words:only generic capability words"] = 1.0
    if near_k.get("capability", set()) and not near_k["capability"] - C.NOUNS:
        f["cue words:only capability nouns"] = 1.0
    if near_k.get("record_field") and near_k["record_field"] <= C.ASKED:
        f["cue words:form or survey words"] = 1.0
    if near_k.get("evaluation") and not near_k["evaluation"] - C.DATA_WORDS:
        f["cue words:dataset words only"] = 1.0
    if C._negates(near, terms):
        f["negation before the claim"] = 1.0
    kind = genre.kind()
    if kind:
        f[f"document:{kind}"] = 1.0
    for name, on in (("denial statement", genre.denies()), ("standard schema", genre.standardised()),
                     ("about seeing people", genre.about_people()),
                     ("image processing", len(genre.imaging) >= C.IMAGING_TERMS)):
        if on:
            f[f"document:{name}"] = 1.0
    return f


def hand_features(kind: str | None, score: float | None) -> dict[str, float]:
    """The hand classifier's verdict as features (for ``rethreshold`` and ``stacked``)."""
    if kind is None:
        return {"hand:no verdict": 1.0}
    group = "flag" if kind in FLAG_KINDS else "clean"
    return {f"hand:{group} score": float(score), f"hand:{group}": 1.0}


# --------------------------------------------------------------------------- corpora

def source_groups() -> dict[str, str]:
    """Real-world file -> its source: the GitHub repository, or the PyPI/npm package."""
    out = {}
    if MANIFEST.exists():
        for line in MANIFEST.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                src = row["source"]
                out[row["file"]] = f"{src['kind']}:{src.get('repo') or src.get('package')}"
    return out


def collect(name: str, corpus: Path, groups: dict[str, str], rules) -> list[dict]:
    """Every labelled unit of ``corpus``: label, group, the hand prediction, its passages' features."""
    labels = unit_labels(corpus)
    units = {key: {"corpus": name, "unit": f"{key[0]}!{key[1] or ''}", "truth": lab["label"] == "flag",
                   "group": groups.get(key[0], f"corpus:{name}") if name.startswith("rw-") else f"corpus:{name}",
                   "hand": False, "passages": []} for key, lab in labels.items()}
    detector = shared_detector(rules)

    def observe(unit, terms, near, wide, context, genre, verdict):
        row = units.get(_key(unit.file, unit.member))
        if row is None:
            return
        kind, score = (verdict.kind, verdict.confidence) if verdict else (None, None)
        row["passages"].append({"f": features(terms, near, wide, context, genre), "kind": kind, "score": score})

    detector.observer = observe
    try:
        for rec in api.scan([str(corpus)], rules=rules):
            if isinstance(rec, Finding) and rec.kind in FLAG_KINDS:
                row = units.get(_key(rec.file, rec.member))
                if row is not None:
                    row["hand"] = True
    finally:
        detector.observer = None
    return list(units.values())


def find_dev() -> Path | None:
    """The shared dev corpus: where calibrate.py looks, else ``shared/`` beside any parent (worktrees)."""
    if (CORPORA["dev"] / "labels.jsonl").exists():
        return CORPORA["dev"]
    for parent in ROOT.parents:
        cand = parent / "shared" / "corpus" / "dev" / "corpus"
        if (cand / "labels.jsonl").exists():
            return cand
    return None


# --------------------------------------------------------------------------- models

def _matrix(units, vocab, which):
    from scipy.sparse import lil_matrix
    rows, y, owner = [], [], []
    for i, u in enumerate(units):
        for p in u["passages"]:
            rows.append(which(p))
            y.append(u["truth"])
            owner.append(i)
    X = lil_matrix((len(rows), len(vocab)))
    for r, feats in enumerate(rows):
        for k, v in feats.items():
            if k in vocab:
                X[r, vocab[k]] = v
    return X.tocsr(), y, owner


def paired(f: dict[str, float]) -> dict[str, float]:
    """``f`` plus each feature in conjunction with the passage's context (the hand rules read most
    cues differently in code and in prose): ``code & sentence:capability``."""
    ctx = next((k.split(":", 1)[1] for k in f if k.startswith("context:")), None)
    out = dict(f)
    for k, v in f.items():
        if ctx and k not in ("bias",) and not k.startswith("context:"):
            out[f"{ctx} & {k}"] = v
    return out


VARIANTS = {
    "rethreshold": lambda p: {"bias": 1.0, **hand_features(p["kind"], p["score"])},
    "model": lambda p: p["f"],
    "model+pairs": lambda p: paired(p["f"]),
    "stacked": lambda p: {**p["f"], **hand_features(p["kind"], p["score"])},
}


MIL_ROUNDS = 2  # refits in which a flag unit's positives are only its best passages (multiple-instance)


def fit(units, which, c=1.0, rounds=None):
    """L2 logistic regression over passages labelled with their unit's label.  A flag unit has
    passages that claim nothing, so after the first fit only its best-scoring passage (and any
    within 0.1 of it) stays positive, the rest are left out, and the model is refitted."""
    from sklearn.linear_model import LogisticRegression
    vocab = {k: i for i, k in enumerate(sorted({k for u in units for p in u["passages"] for k in which(p)}))}
    X, y, owner = _matrix(units, vocab, which)
    keep = list(range(len(y)))
    for r in range(1 + (MIL_ROUNDS if rounds is None else rounds)):
        lr = LogisticRegression(C=c, max_iter=2000, fit_intercept=False)  # "bias" is a feature: it gets a weight
        lr.fit(X[keep], [y[i] for i in keep])
        probs = lr.predict_proba(X)[:, 1]
        best: dict[int, float] = {}
        for i, o in enumerate(owner):
            best[o] = max(best.get(o, 0.0), probs[i])
        keep = [i for i, o in enumerate(owner) if not y[i] or probs[i] >= best[o] - 0.1]
    model = {"vocab": vocab, "lr": lr}
    probs = unit_probs(model, units, which)
    model["threshold"] = best_threshold(probs, [u["truth"] for u in units])
    return model


def unit_probs(model, units, which) -> list[float]:
    X, _, owner = _matrix(units, model["vocab"], which)
    out = [0.0] * len(units)
    if X.shape[0]:
        for p, i in zip(model["lr"].predict_proba(X)[:, 1], owner):
            out[i] = max(out[i], float(p))
    return out


def best_threshold(probs, truth) -> float:
    """The unit threshold with the best F1 on ``probs``: the lowest probability of the flagged
    units (exact: a rounded threshold can sit above the unit it was meant to keep)."""
    best, best_f = 0.5, -1.0
    for t in sorted(set(probs)):
        f = prf([p >= t for p in probs], truth)[2]
        if f > best_f:
            best, best_f = t, f
    return best


def prf(pred, truth) -> tuple[float, float, float]:
    tp = sum(p and t for p, t in zip(pred, truth))
    fp = sum(p and not t for p, t in zip(pred, truth))
    fn = sum(t and not p for p, t in zip(pred, truth))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def cross_validate(units, folds: int, c: float, seed: int | None = None) -> dict[str, list[bool]]:
    """Out-of-fold unit predictions of every variant (``hand`` as scanned); ``seed`` shuffles
    which groups share a fold."""
    from sklearn.model_selection import GroupKFold
    preds = {"hand": [u["hand"] for u in units], **{v: [False] * len(units) for v in VARIANTS}}
    idx = list(range(len(units)))
    split = GroupKFold(n_splits=folds, shuffle=seed is not None, random_state=seed)
    for train, test in split.split(idx, groups=[u["group"] for u in units]):
        tr, te = [units[i] for i in train], [units[i] for i in test]
        for name, which in VARIANTS.items():
            model = fit(tr, which, c)
            for i, p in zip(test, unit_probs(model, te, which)):
                preds[name][i] = p >= model["threshold"]
    return preds


def held_out(units, test_corpus: str, c: float) -> dict[str, list[bool]]:
    tr = [u for u in units if u["corpus"] != test_corpus]
    te = [u for u in units if u["corpus"] == test_corpus]
    preds = {"hand": [u["hand"] for u in te]}
    for name, which in VARIANTS.items():
        model = fit(tr, which, c)
        preds[name] = [p >= model["threshold"] for p in unit_probs(model, te, which)]
    return preds, te


def _sets(units) -> dict[str, list[int]]:
    sets = defaultdict(list)
    for i, u in enumerate(units):
        sets[u["corpus"]].append(i)
        sets["pooled real-world" if u["corpus"].startswith("rw-") else "pooled synthetic"].append(i)
    if len(sets) > 2:
        sets["pooled all"] = list(range(len(units)))
    else:
        sets = {k: v for k, v in sets.items() if not k.startswith("pooled")}
    return sets


def repeated(units, folds: int, c: float, repeats: int) -> str:
    """F1 per set and variant over ``repeats`` shuffled group assignments: mean [min-max]."""
    sets, runs = _sets(units), [cross_validate(units, folds, c, seed) for seed in range(repeats)]
    names = list(runs[0])
    lines = [f"**F1 over {repeats} shuffled grouped {folds}-fold runs: mean [min-max]**", "",
             "| set | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for s in sorted(sets, key=lambda s: (s.startswith("pooled"), s)):
        ids = sets[s]
        truth = [units[i]["truth"] for i in ids]
        cells = []
        for n in names:
            f1 = [prf([run[n][i] for i in ids], truth)[2] * 100 for run in runs]
            cells.append(f"{sum(f1) / len(f1):.1f} [{min(f1):.1f}-{max(f1):.1f}]")
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def bootstrap(units, preds, a: str, b: str, n: int = 2000) -> str:
    """Paired bootstrap over units of F1(b) - F1(a): the 95% interval and how often b wins."""
    import random
    rnd, diffs = random.Random(13), []
    idx = list(range(len(units)))
    for _ in range(n):
        pick = [rnd.choice(idx) for _ in idx]
        truth = [units[i]["truth"] for i in pick]
        diffs.append(prf([preds[b][i] for i in pick], truth)[2] - prf([preds[a][i] for i in pick], truth)[2])
    diffs.sort()
    lo, hi = diffs[int(0.025 * n)], diffs[int(0.975 * n)]
    wins = sum(d > 0 for d in diffs) / n
    return f"{b} - {a}: F1 {100 * lo:+.1f} to {100 * hi:+.1f} points (95%), {b} ahead in {100 * wins:.0f}% of resamples"


def table(units, preds, title) -> str:
    sets = _sets(units)
    names = list(preds)
    head = "| set | units | flags | " + " | ".join(f"{n} P / R / F1" for n in names) + " |"
    lines = [f"**{title}**", "", head, "|---|---:|---:|" + "---|" * len(names)]
    for s in sorted(sets, key=lambda s: (s.startswith("pooled"), s)):
        ids = sets[s]
        truth = [units[i]["truth"] for i in ids]
        cells = []
        for n in names:
            p, r, f = prf([preds[n][i] for i in ids], truth)
            cells.append(f"{100 * p:.1f} / {100 * r:.1f} / {100 * f:.1f}")
        lines.append(f"| {s} | {len(ids)} | {sum(truth)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def top_weights(model, n=12) -> str:
    w = model["lr"].coef_[0]
    inv = {i: k for k, i in model["vocab"].items()}
    order = sorted(range(len(w)), key=lambda i: -abs(w[i]))[:n]
    return ", ".join(f"{inv[i]} {w[i]:+.2f}" for i in order)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--realworld", type=Path, action="append", default=[],
                    help="a real-world cache folder with labels.jsonl (repeatable: tune, fresh)")
    ap.add_argument("--cache", type=Path, help="features file (outside the repository): read if present, else written")
    ap.add_argument("--folds", type=int, default=10)
    ap.add_argument("--C", type=float, default=1.0, help="inverse L2 strength")
    ap.add_argument("--repeats", type=int, default=0, help="also this many shuffled grouped CV runs (F1 spread)")
    ap.add_argument("--markdown", type=Path, help="write the tables here")
    args = ap.parse_args()
    if args.cache and args.cache.exists():
        units = json.loads(args.cache.read_text(encoding="utf-8"))
    else:
        rules, groups = load_rules(), source_groups()
        corpora = dict(CORPORA, dev=find_dev())
        corpora.update({f"rw-{p.name}": p for p in args.realworld})
        units = []
        for name, corpus in corpora.items():
            if corpus is None or not (corpus / "labels.jsonl").exists():
                print(f"{name}: not found, left out", file=sys.stderr)
                continue
            got = collect(name, corpus, groups, rules)
            print(f"{name}: {len(got)} units, {sum(len(u['passages']) for u in got)} candidate passages",
                  file=sys.stderr)
            units += got
        if args.cache:
            args.cache.write_text(json.dumps(units, ensure_ascii=False), encoding="utf-8")
    out = []
    groups = {u["group"] for u in units}
    preds = cross_validate(units, args.folds, args.C)
    out.append(table(units, preds, f"Grouped {args.folds}-fold cross-validation ({len(groups)} source groups, "
                                   f"L2 C={args.C}); hand = the rules as they stand"))
    if args.repeats:
        out.append(repeated(units, args.folds, args.C, args.repeats))
    if any(u["corpus"] == "rw-fresh" for u in units):
        p2, te = held_out(units, "rw-fresh", args.C)
        out.append(table(te, p2, "Trained on everything but the fresh slice, scored on it"))
        out.append("Paired bootstrap on the fresh slice (units resampled):\n\n" + "\n".join(
            f"- {bootstrap(te, p2, 'hand', v)}" for v in VARIANTS))
    for name, which in VARIANTS.items():
        out.append(f"Top weights of `{name}` fitted on all units: {top_weights(fit(units, which, args.C))}")
    text = "\n\n".join(out)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
