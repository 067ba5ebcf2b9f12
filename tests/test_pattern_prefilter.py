"""The matcher skips a pattern on a text that lacks every literal it cannot match without
(:func:`profilewatch.detect.required.required_literals`): those literals are really required.

Strings generated to match each pattern (of the rule packs and of tricky hand-written ones)
always hold one string of every required set; case-insensitive parts require nothing; the
matcher finds the same pattern hits with and without the shortcut."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from profilewatch.detect.matcher import Matcher
from profilewatch.detect.required import required_literals
from profilewatch.detect.rules import load_rules

RULES = load_rules([])
TRICKY = [r"ab(?i:cd)ef", r"a|bc", r"(?:xy|z)+q", r"x*", r"(?=ab)abd", r"\bfoo\b (?:bar|baz)", r"(?i)abc",
          r"(?:ab){2,3}c?d", r"(a)?bc\1", r"[xy]z(?:q|r|)", r"(?>ab|cd)e", r"(?:民族|种族)[^。]{0,5}?识别"]


def _holds(required, text: str) -> bool:
    return required is None or any(r in text for r in required)


@pytest.mark.parametrize("pattern", RULES.patterns, ids=lambda p: p.name)
def test_every_rule_pattern_has_a_requirement(pattern):
    assert required_literals(pattern.regex)  # else the shortcut does nothing for it


def test_requirements_of_hand_written_patterns():
    got = {rx: required_literals(re.compile(rx)) for rx in TRICKY}
    assert got[r"a|bc"] == {"a", "bc"}
    assert got[r"x*"] is None and got[r"(?i)abc"] is None
    assert got[r"[xy]z(?:q|r|)"] == {"z"}  # an empty branch requires nothing
    assert got[r"ab(?i:cd)ef"] in ({"ab"}, {"ef"})  # the case-insensitive part requires nothing


@pytest.mark.parametrize("regex", [p.regex for p in RULES.patterns] + [re.compile(rx) for rx in TRICKY],
                         ids=lambda r: r.pattern[:40])
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_generated_matches_hold_the_required_strings(regex, data):
    try:
        text = data.draw(st.from_regex(regex))
    except Exception as exc:  # noqa: BLE001 - hypothesis cannot generate for some syntax (lookbehind)
        pytest.skip(f"hypothesis cannot generate for this pattern: {exc}")
    if regex.search(text):
        assert _holds(required_literals(regex), text), text


def test_matcher_finds_the_same_pattern_hits_with_and_without_the_shortcut():
    matcher = Matcher(RULES)
    texts = ["the camera reads race: white, black, asian faces", "if nation == 3 then alert", "民族 布控 预警 系统",
             "party members and the opposition party", "likely conservative voters", "skin colour: white or brown",
             "wzry sfwz lookup", "nationality from face photos", "nothing here at all", "race condition in the face detector"]
    plain = Matcher(RULES, prefilter=False)
    for text in texts:
        a, b = matcher.scan(text), plain.scan(text)
        assert [(h.start, h.end, h.text) for h in a[0]] == [(h.start, h.end, h.text) for h in b[0]]
    assert any(h.term.category == "ethnicity" for h in matcher.scan(texts[1])[0])


WORDS = ["race", "minority", "face", "gender", "age", " ", ", ", ".", "。", "\n", "nation", "international", "民族",
         "== 3", " in (4, 17)", "[5]", "skin", "complexion", "white", "yellow", "black", "人种", "肤色", "political",
         "lean", "party members", "opposition ", "likely", "predicted", "nationality", "analyze(img, actions=['race'])",
         "wzry", "sfwz", "布控", "预警", "x" * 30, "race(", "mz dm", "ethnic code"]


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(parts=st.lists(st.sampled_from(WORDS), max_size=40))
def test_windowed_pattern_search_finds_what_finditer_finds(parts):
    """The matcher searches a rule pattern only from just before its literals (required.literal_window):
    the same hits as running every pattern over the whole text."""
    text = "".join(parts)
    a, b = FAST.scan(text), PLAIN.scan(text)
    assert [(h.start, h.end, h.text) for h in a[0]] == [(h.start, h.end, h.text) for h in b[0]], text


FAST, PLAIN = Matcher(RULES), Matcher(RULES, prefilter=False)
