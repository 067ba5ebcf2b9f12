"""The training hook and the learned-model measurement script (``scripts/train_model.py``).

``Detector.observer`` must see every classified candidate passage, the ones the hand rules
reject included, without changing the findings; the script's features must name what decided
a passage (cue kinds in the sentence, term roles, the document's genre).  scikit-learn is a
training-time tool only: the fit test skips loudly without it.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from profilewatch.detect.engine import Detector
from profilewatch.detect.rules import load_rules
from profilewatch.records import Segment, Unit

ROOT = Path(__file__).resolve().parent.parent
TEXT = "系统对抓拍人员进行民族属性识别，支持区分维族与汉族。\n\n他来自维族家庭。"


def _script():
    sys.path.insert(0, str(ROOT / "scripts"))
    spec = importlib.util.spec_from_file_location("train_model", ROOT / "scripts" / "train_model.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["train_model"] = module
    spec.loader.exec_module(module)
    return module


def _scan(observer=None):
    det = Detector(load_rules())
    det.observer = observer
    unit = Unit(file="a.txt", member=None, data=TEXT.encode())
    return det.detect(unit, [Segment(text=unit.text(), context="prose")])


def test_the_observer_sees_rejected_passages_and_changes_nothing():
    seen = []
    findings = _scan(lambda unit, terms, near, wide, context, genre, verdict: seen.append((unit.file, verdict)))
    assert [(f.kind, f.rule) for f in findings] == [(f.kind, f.rule) for f in _scan()]
    assert len(seen) == 2 and {file for file, _ in seen} == {"a.txt"}
    kinds = [v.kind if v else None for _, v in seen]
    assert kinds[0] in ("capability_claim", "targeting_rule") and kinds[1] is None, kinds
    assert [f for f in findings if f.flag], findings


def test_features_name_what_the_rules_look_at():
    script = _script()
    rows = []
    _scan(lambda unit, terms, near, wide, context, genre, verdict: rows.append(
        script.features(terms, near, wide, context, genre)))
    claim, plain = rows
    assert {"bias", "context:prose", "sentence:capability", "category:ethnicity", "role:group"} <= set(claim), claim
    assert "role:group" in plain and not any(k.startswith(("sentence:", "neighbourhood:")) for k in plain), plain
    assert all(v == 1.0 for v in claim.values())


def test_the_model_is_fitted_by_unit_and_keeps_the_best_passage_of_a_flag_unit():
    pytest.importorskip("sklearn", reason="SKIPPED LOUDLY: scikit-learn (training only) is not installed")
    script = _script()
    pos = {"f": {"bias": 1.0, "sentence:capability": 1.0}, "kind": None, "score": None}
    neg = {"f": {"bias": 1.0, "sentence:unrelated": 1.0}, "kind": None, "score": None}
    units = ([{"truth": True, "passages": [pos, neg]} for _ in range(10)]
             + [{"truth": False, "passages": [neg]} for _ in range(10)])
    model = script.fit(units, script.VARIANTS["model"])
    probs = script.unit_probs(model, units, script.VARIANTS["model"])
    assert [p >= model["threshold"] for p in probs] == [u["truth"] for u in units]
    weights = dict(zip(sorted(model["vocab"], key=model["vocab"].get), model["lr"].coef_[0]))
    assert weights["sentence:capability"] > 0 > weights["sentence:unrelated"], weights
