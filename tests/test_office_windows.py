"""A DOCX paragraph of millions of runs is read run by run, not held whole (issue 12, memory bounded):
past ``xmlstream.QUIET`` bytes without a paragraph end the part is read by the streaming parse,
which gives run events; past ``wordml.RUNS`` runs a paragraph's runs are read in pieces and dropped, and past ``ooxml.WINDOW``
characters its text comes in windows (``where`` gains ``"window": i``); a paragraph that stays
under the window gives the one segment a whole read gives."""
from __future__ import annotations

import pytest

from formats_helpers import scan_bytes
from profilewatch.detect.engine import Detector
from profilewatch.detect.rules import load_rules
from profilewatch.records import FLAG_KINDS
from test_office_parts import docx_package

CLAIM = "The camera estimates each visitor's ethnicity from the face."


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(load_rules())


def _runs(n: int, last: str = CLAIM, inner: str = "") -> str:
    """One paragraph of ``n`` runs of a log line each (``inner`` after the 10th), ``last`` its last run."""
    runs = [f'<w:r><w:t xml:space="preserve">Maintenance log line {i}: lenses cleaned. </w:t></w:r>' for i in range(n)]
    runs.insert(10, inner)
    return "<w:p><w:pPr><w:jc w:val=\"left\"/></w:pPr>" + "".join(runs) + f"<w:r><w:t>{last}</w:t></w:r></w:p>"


def _segments(data: bytes) -> list[tuple[str, dict]]:
    _, collect = scan_bytes("runs.docx", data)
    return [(s.text, s.where) for s in collect.segments[("runs.docx", None)]]


def _package(n: int = 3000, inner: str = "") -> bytes:
    return docx_package("<w:p><w:r><w:t>Before.</w:t></w:r></w:p>" + _runs(n, inner=inner)
                        + "<w:p><w:r><w:t>After.</w:t></w:r></w:p>")


def test_a_paragraph_of_many_runs_is_read_in_pieces_and_yielded_in_windows(monkeypatch, detector):
    from profilewatch.extract import ooxml, wordml, xmlstream

    data = _package()
    (before, whole, after) = _segments(data)  # read whole: one segment per paragraph
    assert [w for _, w in (before, whole, after)] == [{"paragraph": 1}, {"paragraph": 2}, {"paragraph": 3}]
    monkeypatch.setattr(xmlstream, "QUIET", 1)  # the fast parse gives way to the streaming one at once
    monkeypatch.setattr(wordml, "RUNS", 100)
    assert _segments(data) == [before, whole, after]  # in pieces, under the window: the same segment
    monkeypatch.setattr(ooxml, "WINDOW", 2000)
    got = _segments(data)
    assert got[0] == before and got[-1] == after
    windows = got[1:-1]
    assert len(windows) > 30 and all(len(t) <= 2000 for t, _ in windows)
    assert [w for _, w in windows] == [{"paragraph": 2, "window": i} for i in range(1, len(windows) + 1)]
    assert "".join(t for t, _ in windows) == whole[0]  # nothing lost, cut at sentence ends
    assert all(t.endswith(". ") for t, _ in windows[:-1])
    records, _ = scan_bytes("runs.docx", data, detector=detector)
    found = [r for r in records if r["type"] == "finding" and r["kind"] in FLAG_KINDS]
    assert [f["evidence"]["where"] for f in found] == [{"paragraph": 2, "window": len(windows)}], records


def test_pieces_drop_the_runs_read(monkeypatch):
    """The paragraph's runs are dropped as they are read: the tree never holds more than RUNS of them."""
    from profilewatch.extract import wordml, xmlstream

    seen: list[int] = []
    real = wordml.paragraph_parts

    def parts(children):
        seen.append(len(children))
        return real(children)

    monkeypatch.setattr(xmlstream, "QUIET", 1)
    monkeypatch.setattr(wordml, "RUNS", 100)
    monkeypatch.setattr(wordml, "paragraph_parts", parts)
    _segments(_package(3000))
    assert len(seen) >= 25 and max(seen) <= 101  # the pieces, then the paragraph's last runs (and its pPr)


def test_the_fast_parse_gives_way_only_past_quiet_bytes(monkeypatch):
    """Normal parts are read by the fast parse, without run events: a paragraph is read whole."""
    from profilewatch.extract import wordml

    seen: list[int] = []
    real = wordml.paragraph_parts
    monkeypatch.setattr(wordml, "RUNS", 100)
    monkeypatch.setattr(wordml, "paragraph_parts", lambda children: seen.append(len(children)) or real(children))
    _segments(_package(3000))
    assert seen == []  # paragraph_texts on the whole paragraph: no pieces


def test_tracked_deletions_in_a_long_paragraph_are_read_again(monkeypatch):
    from profilewatch.extract import ooxml, wordml, xmlstream

    deleted = '<w:del w:id="1" w:author="A"><w:r><w:delText>Removed: it sorts visitors by race. </w:delText></w:r></w:del>'
    data = _package(2000, inner=deleted)
    whole = _segments(data)
    assert [w for _, w in whole] == [{"paragraph": 1}, {"paragraph": 2}, {"paragraph": 2, "revision": "deleted"},
                                     {"paragraph": 3}]
    monkeypatch.setattr(xmlstream, "QUIET", 1)
    monkeypatch.setattr(wordml, "RUNS", 50)
    assert _segments(data) == whole
    monkeypatch.setattr(ooxml, "WINDOW", 3000)
    got = _segments(data)[1:-1]
    now = [t for t, w in got if "revision" not in w]
    gone = [(t, w) for t, w in got if "revision" in w]
    assert "".join(now) == whole[1][0] and "".join(t for t, _ in gone) == whole[2][0]
    assert all(w["window"] >= 1 and w["paragraph"] == 2 for _, w in got) and len(gone) > 5
