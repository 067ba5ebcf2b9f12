"""The detector's shortcuts give what the plain code they replace gives (the plain code is written
out here as the reference): sentence bounds by regex instead of a character loop, cues of a
passage by bisection, normalisation steps without a Python call per match."""
from __future__ import annotations

import re
from functools import lru_cache

from hypothesis import given, settings, strategies as st

from profilewatch.detect.engine import _Piece, _sentence, _within
from profilewatch.detect.matcher import Hit
from profilewatch.text.normalize import _CAMEL, _SPECIAL, _compatible_char, _sub, normalize

_BOUNDARY = re.compile(r"[。！？；!?;\n]|\.\s")
PARTS = ["a", "b", "Ab", "C", "9", " ", "  ", ".", ". ", ".\n", "\n", "\n\n", "\t", "\r\n", "\u3000", "\u00a0", "。", "！",
         "?", ";", "维", "族", "維", "ＵＹＧＨＵＲ", "\u200b", "ﬁ", "①", "İ", "\\u7ef4", "&#x65cf;", "_", "-", "x" * 80]


def _sentence_reference(text: str, start: int, end: int, lines: int = 0) -> tuple[int, int]:
    left, floor = start, max(0, start - 300)
    while left > floor and not _BOUNDARY.match(text, left - 1):
        left -= 1
    right, ceiling = end, min(len(text), end + 300)
    while right < ceiling and not _BOUNDARY.match(text, right):
        right += 1
    for _ in range(lines):
        prev = text.rfind("\n", floor, max(left - 1, floor))
        left = prev + 1 if prev >= 0 else left
        nxt = text.find("\n", min(right + 1, ceiling), ceiling)
        right = nxt if nxt >= 0 else right
    return left, right


@settings(max_examples=500, deadline=None)
@given(parts=st.lists(st.sampled_from(PARTS), min_size=1, max_size=80), data=st.data())
def test_sentence_bounds_are_those_of_the_character_loop(parts, data):
    text = "".join(parts)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    lines = data.draw(st.sampled_from([0, 2]))
    assert _sentence(text, start, end, lines) == _sentence_reference(text, start, end, lines)


@settings(max_examples=300, deadline=None)
@given(spans=st.lists(st.tuples(st.integers(0, 400), st.integers(1, 12)), max_size=40), data=st.data())
def test_cues_of_a_passage_are_those_of_the_plain_filter(spans, data):
    cues = [Hit(s, s + n, "w", cue="person") for s, n in spans]
    if data.draw(st.booleans()):
        cues.sort(key=lambda h: h.end)  # the matcher's order (then the bisection is used)
    piece = _Piece(None, 0, None, [], cues)
    start = data.draw(st.integers(0, 420))
    end = data.draw(st.integers(start, 440))
    assert _within(piece, start, end) == [c for c in cues if start <= c.start and c.end <= end]


@settings(max_examples=500, deadline=None)
@given(parts=st.lists(st.sampled_from(PARTS), max_size=60), keep_lines=st.booleans())
def test_normalisation_gives_the_text_and_offsets_of_one_callback_per_match(parts, keep_lines):
    """Steps 2-4 of normalize() against _sub with a callback per match (how they were written)."""
    text = "".join(parts)
    got = normalize(text, keep_lines)
    ref = _reference_normalize(text, keep_lines)
    assert got.text == ref.text
    for i in range(len(got.text) + 1):
        assert got.to_original(i) == ref.to_original(i)


def _reference_normalize(text: str, keep_lines: bool):
    from profilewatch.text import normalize as n

    maps = []

    def step(result):
        if result[1] is not None:
            maps.append(result[1])
        return result[0]

    def collapse(m):
        run, s, (a, b) = m.group(0), m.string, m.span()
        newlines = run.count("\n")
        if newlines < 2 and 0 < a and b < len(s) and n.is_cjk(s[a - 1]) and n.is_cjk(s[b]):
            return ""
        r = "\n" if newlines > 1 or (keep_lines and (newlines or "\r" in run)) else " "
        return None if r == run else r

    spaces = re.compile(r"\s{2,}|[^\S ]|(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])")
    out = step(_sub(text, n._ESCAPE, n._unescaped)) if "\\" in text or "&#" in text else text
    if not out.isascii():
        out = step(_sub(out, _SPECIAL, lambda m: _compatible_char(m.group(0))))
    out = step(_sub(out, _CAMEL, lambda m: m.group(0) + " "))
    out = step(_sub(out.replace("_", " ").replace("-", " "), spaces, collapse))
    out = step(n._fold(out))
    return n.Normalized(out, text, maps)


def _regions_reference(hits: list[int], length: int, reach: int) -> list[tuple[int, int]]:
    regions: list[tuple[int, int]] = []
    for pos in sorted(hits):
        start, end = max(0, pos - reach), min(length, pos + reach)
        if regions and start <= regions[-1][1]:
            regions[-1] = (regions[-1][0], max(regions[-1][1], end))
        else:
            regions.append((start, end))
    return regions


@lru_cache(maxsize=1)
def _gate():
    from profilewatch.detect.engine import Detector
    from profilewatch.detect.rules import load_rules

    return Detector(load_rules([])).gate


GATE_PARTS = ["international", "nation", " ", "race", "trace", "维吾尔", "维\n", "维<b>", "民族", "x" * 700, "\n", "Uyghur",
              "recUygur", "\\u7ef4\\u543e", "İ", "."]


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.sampled_from(GATE_PARTS), max_size=60), reach=st.sampled_from([5, 40, 1500]))
def test_gate_regions_are_those_of_every_hit(parts, reach):
    """Gate.regions skips verifying hits inside the stretch made so far: the same stretches as
    from every verified hit (the detector's regions of a large segment)."""
    gate = _gate()
    text = "".join(parts)
    low = text.lower()
    assert gate.regions(low, text, reach, len(text)) == _regions_reference(gate.hits(low, text), len(text), reach)
