"""Detection: rule packs' own examples, finding fields, locators, fingerprints, custom packs."""
import shutil
from pathlib import Path

import pytest

import profilewatch
from profilewatch.detect.engine import Detector
from profilewatch.detect.rules import RuleError, builtin_dir, load_rules
from profilewatch.selftest import run_selftest
from profilewatch.records import Finding, Segment, Unit


@pytest.fixture(scope="module")
def detector():
    return Detector(load_rules())


def _findings(detector, text, context="prose", name="t.txt"):
    unit = Unit(name, None, text.encode("utf-8"))
    return detector.detect(unit, [Segment(text, context=context, line=1, column=1)])


def test_every_pack_example_and_fixture_passes():
    failures, total = run_selftest(load_rules())
    assert total >= 60
    assert failures == []


def test_every_category_has_flag_and_clean_examples():
    rules = load_rules()
    for pack in rules.packs:
        labels = {e.flag for e in rules.examples if e.pack == pack.id}
        assert labels == {True, False}, pack.id


def test_finding_fields_and_original_evidence(detector):
    text = "第一行\n平台对抓拍人员进行属性分析，凡判定为維吾爾族的人员自动推送预警。"
    (f,) = [f for f in _findings(detector, text) if f.flag]
    assert f.kind == "targeting_rule" and f.category == "ethnicity" and f.rule == "ethnicity/targeting_rule"
    assert f.evidence["match"] == "維吾爾族"  # the original (Traditional) spelling is quoted
    assert (f.evidence["line"], f.evidence["column"]) == (2, 19)
    assert "維吾爾族" in f.evidence["text"]
    assert 0 < f.confidence <= 1
    assert "预警" in f.cues["targeting"]
    assert "targeting" in f.explanation and "维吾尔族" in f.explanation


def test_several_candidates_in_one_passage_become_one_finding(detector):
    text = "支持分析人员目标的种族属性（如维族、汉族、藏族）。"
    flags = [f for f in _findings(detector, text) if f.flag]
    assert len(flags) == 1
    assert set(flags[0].terms) >= {"维族", "汉族", "藏族", "种族属性"}


def test_one_finding_per_passage_with_all_its_categories(detector):
    text = "支持分析人员目标的种族属性（如维族、汉族）以及人种肤色属性（如白人、黄种人、黑人）。"
    flags = [f for f in _findings(detector, text) if f.flag]
    assert len(flags) == 1
    (finding,) = flags
    assert sorted(finding.categories) == ["ethnicity", "skin_color"]
    # the primary category is the lead term's: a group name (黄种人, the longest) outranks an attribute
    assert finding.category == finding.categories[0] == "skin_color"
    assert finding.evidence["match"] == "黄种人" and finding.rule == "skin_color/" + finding.kind


def test_a_passage_with_one_category_keeps_it_primary(detector):
    text = "平台支持对人员进行宗教信仰识别，并对信教人员进行布控预警。"
    flags = [f for f in _findings(detector, text) if f.flag]
    assert [f.categories for f in flags] == [["religion"]]
    assert flags[0].category == "religion"


def test_fingerprint_is_stable_across_moves_and_whitespace(detector):
    a = _findings(detector, "序言。\n\n摄像机支持对抓拍人员进行民族属性识别，可区分维族与汉族。", name="a.txt")
    b = _findings(detector, "摄像机支持对抓拍人员进行民族属性识别，\n可区分维族与汉族。\n", name="moved/b.txt")
    assert [f.fingerprint for f in a if f.flag] == [f.fingerprint for f in b if f.flag]
    c = _findings(detector, "摄像机支持对抓拍人员进行民族属性识别，可区分维族与回族。")
    assert {f.fingerprint for f in c} != {f.fingerprint for f in a}


def test_no_finding_without_context(detector):
    assert _findings(detector, "维吾尔族") == []
    assert _findings(detector, "The nation celebrated its independence day.") == []


def test_binary_and_page_locators_are_copied(detector):
    seg = Segment("face attr: ethnic=uygur skin=yellow", context="binary", byte_offset=4096)
    (f, *_) = detector.detect(Unit("fw.bin", None, b""), [seg])
    assert f.evidence["byte_offset"] == 4096 and "line" not in f.evidence
    seg = Segment("The camera estimates each visitor's ethnicity from the face.", page=3)
    (f,) = detector.detect(Unit("d.pdf", None, b""), [seg])
    assert f.evidence["page"] == 3


def test_custom_rules_folder_is_loaded_and_changes_the_digest(tmp_path):
    pack = tmp_path / "caste.yaml"
    shutil.copy(builtin_dir() / "trade_union.yaml", pack)
    text = pack.read_text().replace("id: trade_union", "id: custom_union").replace("organizing risk,", "organizing risk, staff council,")
    pack.write_text(text)
    base = load_rules()
    extra = load_rules([str(tmp_path)])
    assert extra.digest != base.digest
    assert "custom_union" in [p.id for p in extra.packs]


@pytest.mark.parametrize(
    "body, message",
    [
        ("id: x\ncategory: caste\nterms: {group: [a]}\n", "unknown category"),
        ("id: x\ncategory: religion\nterms: {nouns: [a]}\n", "unknown term role"),
        ("id: x\ncategory: religion\n", "missing 'terms'"),
        ("id: x\ncategory: religion\nterms: {group: [a]}\npatterns: [{name: p, regex: '(('}]\n", "bad regex"),
        ("[unclosed\n", "not valid YAML"),
    ],
)
def test_bad_rule_packs_are_rejected(tmp_path, body, message):
    (tmp_path / "bad.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(RuleError, match=message):
        load_rules([str(tmp_path)])


def test_api_yields_typed_findings():
    examples = Path(__file__).parent.parent / "examples"
    records = list(profilewatch.scan([str(examples)]))
    flags = [r for r in records if isinstance(r, Finding) and r.flag]
    assert {f.file for f in flags} >= {"camera-spec-zh.html", "police-notice-zh.txt", "face_attr.h"}
    clean_files = {"vendor-statement-en.html", "idcard_reader.py", "news-report-zh.txt", "changelog.md"}
    assert not clean_files & {f.file for f in flags}


def test_a_pattern_marks_only_its_term_and_keeps_the_terms_inside_its_context(detector):
    # the 民族 watch-key pattern matches "民族...告警" but its hit is 民族 alone: 民族属性 stays a term
    found = _findings(detector, "系统支持民族属性实时告警，前端抓拍命中后推送。")
    assert found and all("民族属性" in f.terms for f in found)
    flags = [f for f in _findings(detector, "params = {'face_field': 'age,gender,race'}", context="code") if f.flag]
    assert flags and flags[0].evidence["match"] == "race"
