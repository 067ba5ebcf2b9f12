"""The gate's hit checks: a hit counts only if normalisation and matching could still make a term of it."""
from __future__ import annotations

import pytest

from profilewatch.detect.engine import Detector
from profilewatch.detect.rules import load_rules


@pytest.fixture(scope="module")
def gate():
    return Detector(load_rules([])).gate


def passes(gate, text: str) -> bool:
    return gate.any(text.lower(), text)


@pytest.mark.parametrize("text", [
    "Video surveillance for international destinations",  # veil, nation inside words
    "方法\n支持",  # 法 cut by a line break, not followed by a term's next character
    "<li>卡口</li><li>镜头</li>\n<p>产品</p>",  # 口 and 头 cut by tags
    '{"name": "\\u65b0\\u54c1"}',  # escaped 新, then 品: no term
])
def test_hits_that_cannot_become_terms_do_not_pass(gate, text):
    assert not passes(gate, text)


@pytest.mark.parametrize("text", [
    "The camera estimates ethnicity.",
    "EM_NATION_TYPE_UYGUR",  # joiners are boundaries
    "recUygur = true",  # camel case is a boundary
    "uygur02",  # letter/digit is a boundary
    "Uyghurs are",  # plural
    "维\n族",
    "维<span>族</span>",  # inline tag
    "维 <b> <i>族",
    "维<script>x</script>族",  # dropped content: passes unchecked
    "\\u7ef4\\u65cf",  # escaped 维族
    "&#32500;&#26063;",
    "維\n族",  # Traditional
    "维\u200b族",  # zero-width space
])
def test_possible_terms_pass(gate, text):
    assert passes(gate, text)


def test_without_original_case_camel_case_is_assumed(gate):
    assert gate.any("dauygur")  # no original text: a camel-case boundary (daUygur) cannot be ruled out
    assert not gate.any("dauygur", "dauygur")
    assert gate.any("dauygur", "daUygur")


def test_the_gate_spellings_cached_on_disk_are_the_computed_ones(monkeypatch, tmp_path):
    """The text gate keeps its seeds under the cache folder (computing them loads three OpenCC
    converters): a cached gate has the same words as a computed one, and a damaged file is rebuilt."""
    from profilewatch.detect.lexicon import Gate
    from profilewatch.detect.spellings import seeds

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    rules = load_rules([])
    first = Gate(rules)
    (cached,) = (tmp_path / "profilewatch").glob("seeds-*.pickle")
    again = Gate(rules)
    entries = seeds(Gate.items(rules))
    computed = (sorted(entries), [entries[w] for w in sorted(entries)])
    assert (first._words, first._info) == (again._words, again._info) == computed
    cached.write_bytes(b"not a pickle")
    assert (Gate(rules)._words, Gate(rules)._info) == computed
