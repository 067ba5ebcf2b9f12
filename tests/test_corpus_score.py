"""Labelled corpora scored with the shared score.py: the done-when bars.

Three corpora: the shared development corpus (``../shared/corpus/dev``, beside the repository on
developer machines and in CI) and the repo's own red-team corpora, written independently of the
dev corpus from the documented cases and confusers: ``tests/data/redteam`` (text formats and
code), ``tests/data/redteam2`` (PDF, Office, nested archives, WARC histories, firmware) and
``tests/data/redteam3`` (near-miss pairs: the same document with and without the claim) and
``tests/data/redteam4`` (long noisy documents with the decisive sentence buried), and
``tests/data/heldout5``, written last and scored once untuned (P 82.6%, R 90.5%) before its fixes.  Without the shared
folder (which also holds score.py) the tests are skipped loudly.

A passage is one finding (``category`` its primary category, ``categories`` all it names); score.py
reads ``category`` before ``categories``, so the findings are handed to it with ``category`` set to
the list of the passage's categories, the list form its docstring documents.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "dev"
DATA = Path(__file__).resolve().parent / "data"
CORPORA = {"dev": DEV / "corpus", "redteam": DATA / "redteam", "redteam2": DATA / "redteam2" / "corpus",
           "redteam3": DATA / "redteam3", "redteam4": DATA / "redteam4", "heldout5": DATA / "heldout5"}
BARS = {"precision": 0.90, "recall": 0.90, "category": 0.90}


@pytest.fixture(scope="module", params=sorted(CORPORA))
def metrics(request, tmp_path_factory):
    if not (DEV / "score.py").exists():
        pytest.skip(f"SKIPPED LOUDLY: shared corpus and score.py not found at {DEV}")
    corpus = CORPORA[request.param]
    out = tmp_path_factory.mktemp(f"score-{request.param}")
    findings = out / "findings.jsonl"
    scan = subprocess.run([sys.executable, "-m", "profilewatch", "scan", str(corpus), "--format", "jsonl",
                           "--output", str(findings)], capture_output=True, text=True)
    assert scan.returncode in (0, 1), scan.stderr
    passages = out / "passages.jsonl"
    with findings.open(encoding="utf-8") as src, passages.open("w", encoding="utf-8") as dst:
        for line in src:
            rec = json.loads(line)
            if rec.get("type") == "finding":
                rec["category"] = rec["categories"]
            dst.write(json.dumps(rec, ensure_ascii=False) + "\n")
    result = out / "metrics.json"
    subprocess.run([sys.executable, str(DEV / "score.py"), str(corpus / "labels.jsonl"), str(passages),
                    "--json", str(result), "--quiet"], check=True, capture_output=True)
    return json.loads(result.read_text())


def test_precision_and_recall(metrics):
    assert metrics["precision"] >= BARS["precision"], metrics
    assert metrics["recall"] >= BARS["recall"], metrics


def test_category_agreement(metrics):
    assert metrics["category"]["micro_f1"] >= BARS["category"], metrics["category"]
    assert metrics["category"]["exact_match_all_true_flags"] >= BARS["category"], metrics["category"]
