"""required_literals: every match of a pattern sits in a text holding one of its literals."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from profilewatch.detect.required import required_literals
from profilewatch.detect.rules import load_rules


@pytest.mark.parametrize("pattern,expected", [
    (r"\brace\b[^\n]{0,60}?\b(?:yellow|white)\b", {"race"}),
    (r"(?:a|bc)", None),  # a one-character branch is still a literal...
    (r"x*", None),
    (r"(?=民族[^。]{0,16}?(?:布控|预警))(?P<t>民族)", {"民族"}),
    (r"(?:foo|bar\w*)baz?", {"foo", "bar"}),
    (r"(?i)race", None),
    (r"ab|c?", None),
])
def test_literals_of_known_patterns(pattern, expected):
    got = required_literals(re.compile(pattern))
    if pattern == r"(?:a|bc)":
        assert got == {"a", "bc"}
    else:
        assert got == (frozenset(expected) if expected else None)


RULES = load_rules([])
WORDS = ["race", "white", "skin", "民族", "布控", "预警", "nation", "minzu", "==", " in ", "3", "17", "face", "nationality",
         "party", "members", "of the", "likely", "conservative", "political", "lean", "wzry", "x", " ", "。", "\n", "yellow", "black"]


@settings(max_examples=1500, deadline=None)
@given(parts=st.lists(st.sampled_from(WORDS), max_size=14))
def test_no_rule_pattern_matches_a_text_without_its_literals(parts):
    text = "".join(parts)
    for p in RULES.patterns:
        need = required_literals(p.regex)
        if need is not None and p.regex.search(text):
            assert any(lit in text for lit in need), (p.name, text)


def test_every_rule_pattern_has_literals():
    assert all(required_literals(p.regex) for p in RULES.patterns)
