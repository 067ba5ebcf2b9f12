"""The bytes-level gate is sound: whatever the text gate would pass on the decoded text, the bytes
gate passes on the raw bytes, in every encoding profilewatch reads, and scanning every corpus
with the bytes gate on and off gives the same records.  A deliberately broken gate is caught."""
from __future__ import annotations

import importlib.util
import sys
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formats_helpers import CORPUS
from profilewatch import api
from profilewatch.detect import bytegate, bytesearch
from profilewatch.detect.engine import Detector
from profilewatch.detect.rules import load_rules
from profilewatch.executors import shared_detector
from profilewatch.scanner import GATED_FORMATS
from profilewatch.sources.sniff import sniff
from profilewatch.text.encoding import decode_counted

HERE = Path(__file__).parent
CORPORA = {"dev": CORPUS, "examples": HERE.parent / "examples",
           **{p.name: p for p in sorted((HERE / "data").glob("redteam*"))}, "heldout5": HERE / "data" / "heldout5"}
ENGINES = ["ahocorasick"] + (["hyperscan"] if importlib.util.find_spec("hyperscan") else [])
if len(ENGINES) == 1:
    warnings.warn("hyperscan not installed (extra 'gate'): the bytes gate is tested on ahocorasick-rs only")


@pytest.fixture(scope="module")
def rules():
    return load_rules([])


@pytest.fixture(scope="module", params=ENGINES)
def gates(request, rules):
    text_gate = Detector(rules).gate
    return text_gate, bytegate.build_gate(rules, text_gate, engine=request.param)


def text_passes(text_gate, data: bytes, charset: str | None = None) -> bool:
    text = decode_counted(data, charset)[0]
    return text_gate.any(text.lower(), text)


# every way a term can sit in the raw text that the text gate knows
POSSIBLE = [
    "The camera estimates ethnicity.", "EM_NATION_TYPE_UYGUR", "recUygur = true", "uygur02", "Uyghurs are",
    "UYGHUR", "维\n族", "维<span>族</span>", "维 <b> <i>族", "维<script>x</script>族", "\\u7ef4\\u65cf",
    "\\\\u7ef4\\\\u65cf", "&#32500;&#26063;", "&#x7EF4;&#x65CF;", "&#32500族", "維\n族", "维\u200b族", "维吾尔族",
    "維吾爾族", "ＵＹＧＨＵＲ", "Ｕｙｇｈｕｒ", "ｕｙｇｈｕｒ", "宗教信仰", "少数民族", "种族", "skin-color", "skin_tone",
    "民族：维吾尔", "x&#32500;族", "<td>维</td><td>族</td>", "民\u3000族",
]
BENIGN = ["Video surveillance for international destinations", "方法\n支持", "<li>卡口</li><li>镜头</li>\n<p>产品</p>",
          '{"name": "\\u65b0\\u54c1"}', "产品 方案 系统 平台 设备 网络 摄像机 硬盘录像机"]
ENCODINGS = [("utf-8", None, b""), ("gb18030", "gbk", b""), ("cp950", "big5", b""), ("utf-16-le", None, b"\xff\xfe"),
             ("utf-16-be", None, b"\xfe\xff"), ("utf-8", None, b"\xef\xbb\xbf"), ("utf-16-le", "utf-16le", b""),
             ("cp1252", "windows-1252", b"")]


def _encoded(text: str, codec: str, bom: bytes) -> bytes | None:
    try:
        return bom + text.encode(codec)
    except UnicodeEncodeError:
        return None


@pytest.mark.parametrize("codec,charset,bom", ENCODINGS, ids=lambda v: str(v))
@pytest.mark.parametrize("text", POSSIBLE)
def test_whatever_the_text_gate_passes_the_bytes_gate_passes(gates, text, codec, charset, bom):
    text_gate, gate = gates
    for wrapped in (text, f"<p>前 {text} 后</p>", f"x{text}y"):
        data = _encoded(wrapped, codec, bom)
        if data is None:
            continue
        passes, verdict = text_passes(text_gate, data, charset), gate.verdict(data, charset)
        assert verdict is not False or not passes, (wrapped, codec)
        assert verdict is not True or passes, (wrapped, codec)


@pytest.mark.parametrize("codec,charset,bom", ENCODINGS[:5], ids=lambda v: str(v))
@pytest.mark.parametrize("text", BENIGN)
def test_benign_bytes_are_gated_out_in_every_encoding(gates, text, codec, charset, bom):
    text_gate, gate = gates
    data = _encoded(text + "\n", codec, bom)
    if data is None:  # simplified characters outside Big5: the Traditional spelling
        import opencc

        data = _encoded(opencc.OpenCC("s2t").convert(text) + "\n", codec, bom)
    assert data is not None and not text_passes(text_gate, data, charset)
    assert not gate.maybe(data, charset)


def test_gb18030_declared_in_the_page_is_read_as_gb18030(gates):
    _, gate = gates
    page = '<html><head><meta charset="gbk"></head><body><p>支持识别维吾尔族人员</p></body></html>'
    assert gate.maybe(page.encode("gb18030"))
    assert not gate.maybe(page.replace("维吾尔族", "摄像机").encode("gb18030"))


@pytest.mark.parametrize("data,charset", [
    ("维吾尔族".encode("gb18030"), None),  # undeclared and not UTF-8: the text layer detects, so we pass
    ("\ufeff产品".encode("utf-32"), None),  # UTF-32: no patterns
    ("民族".encode("shift_jis"), "shift_jis"),  # an encoding without patterns
    ("İSTANBUL".encode(), None),  # a lower case two characters long: lengths change
])
def test_bytes_that_cannot_be_judged_cheaply_pass(gates, data, charset):
    assert gates[1].maybe(data, charset)


FRAGMENTS = ["维", "吾尔", "族", "民", "民族", "維", "種族", "宗教", "信仰", "uyghur", "UYGHUR", "Uyghur", "Ｕｙｇ", "ＨＵＲ",
             "ｈｕｒ", "&#32500;", "&#x7ef4;", "&#X65CF;", "\\u7ef4", "\\u65CF", "\\\\u5b97", "<b>", "</span>", "<!-- -->",
             "\n", " ", "\r\n", "\u200b", "\u3000", "race", "Race", "RACE", "embrace", "ethnic", "ity", "nation",
             "inter", "x", "1", "_", "-", "İ", "\u212a", "urd", "K", "skin", "color", "tone", "religion", "Ethn",
             "产品", "摄像机", "。", "，", '"', "&", "\\", "\\n", "&#", ";", "Ａ", "К", "Уйгур", "уйгур"]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=12),
       encoding=st.sampled_from(ENCODINGS))
def test_random_mixtures_of_terms_escapes_cuts_and_capitals(gates, parts, encoding):
    text_gate, gate = gates
    codec, charset, bom = encoding
    data = _encoded("".join(parts), codec, bom)
    if data is None:
        return
    passes, verdict = text_passes(text_gate, data, charset), gate.verdict(data, charset)
    assert verdict is not False or not passes, ("".join(parts), codec)
    assert verdict is not True or passes, ("".join(parts), codec)  # "certain" is certain


# -- every corpus: the same records with the bytes gate on and off ----------------------------

def generated_corpus(tmp_path_factory, dense: bool) -> Path:
    sys.path.insert(0, str(HERE.parent / "benchmarks"))
    import gen_corpus

    out = tmp_path_factory.mktemp("dense" if dense else "generated") / "corpus"
    gen_corpus.generate(out, 3, 7, **({"dense": True} if dense else {}))
    return out


def _records(rules, path: Path, gate) -> list[dict]:
    detector = shared_detector(rules)
    saved = detector.bytegate
    detector.bytegate = gate
    try:
        return [r.to_dict() for r in api.scan([str(path)], rules=rules, jobs=1)]
    finally:
        detector.bytegate = saved


def _corpus(name: str, tmp_path_factory) -> Path:
    if name in ("generated", "dense"):
        return generated_corpus(tmp_path_factory, name == "dense")
    path = CORPORA[name]
    if not path.is_dir():
        warnings.warn(f"SKIPPED LOUDLY: corpus {name} not found at {path}")
        pytest.skip(f"SKIPPED LOUDLY: corpus {name} not found at {path}")
    return path


@pytest.mark.parametrize("name", [*CORPORA, "generated", "dense"])
def test_every_corpus_gives_the_same_records_with_the_bytes_gate_on_and_off(rules, name, tmp_path_factory):
    path = _corpus(name, tmp_path_factory)
    detector = shared_detector(rules)
    on = _records(rules, path, detector.bytegate)
    assert on == _records(rules, path, None)
    assert any(r["type"] == "unit" for r in on)
    if name == "dev":
        assert sum(r["type"] == "finding" for r in on) > 100


@pytest.mark.parametrize("name", [*CORPORA, "generated"])
def test_every_text_file_gated_out_has_no_text_gate_hit(rules, name, tmp_path_factory):
    """Stronger than equal findings: no text file the bytes gate rules out has a text-gate hit."""
    path = _corpus(name, tmp_path_factory)
    detector = shared_detector(rules)
    out = checked = 0
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        data = file.read_bytes()
        if sniff(data, file.name) not in GATED_FORMATS:
            continue
        checked += 1
        verdict, passes = detector.bytegate.verdict(data), text_passes(detector.gate, data)
        out += verdict is False
        assert verdict is not False or not passes, file
        assert verdict is not True or passes, file
    assert checked


class _Broken(bytegate.ByteGate):
    """A gate that forgets the cut and escaped partial forms (维<span>族, \\u7ef4\\u65cf)."""

    def _continues(self, *args) -> bool:
        return False


def test_a_broken_gate_is_caught_by_the_corpus_comparison(rules, tmp_path_factory):
    detector = shared_detector(rules)
    broken = _Broken(detector.gate)
    caught = [name for name in ("dev", "redteam", "heldout5") if CORPORA[name].is_dir()
              and _records(rules, CORPORA[name], broken) != _records(rules, CORPORA[name], None)]
    assert caught, "a gate that drops partial forms went unnoticed"


def test_a_gated_out_unit_keeps_its_unit_record_sha256_and_counts(tmp_path, rules):
    import hashlib

    (tmp_path / "benign.html").write_bytes("<p>摄像机 surveillance</p>".encode())
    (tmp_path / "flag.txt").write_text("The camera estimates each visitor's ethnicity from the face.\n")
    assert not shared_detector(rules).bytegate.maybe((tmp_path / "benign.html").read_bytes())
    records = [r.to_dict() for r in api.scan([str(tmp_path)], rules=rules)]
    units = {r["file"]: r for r in records if r["type"] == "unit"}
    assert units["benign.html"]["outcome"] == "scanned" and units["benign.html"]["findings"] == 0
    assert units["benign.html"]["sha256"] == hashlib.sha256((tmp_path / "benign.html").read_bytes()).hexdigest()
    from profilewatch.records import Summary

    summary = Summary()
    for r in records:
        summary.add(r)
    counted = summary.to_dict()
    assert counted["units"]["scanned"] == counted["units"]["seen"] == 2
    assert counted["findings"] == sum(r["type"] == "finding" for r in records) == units["flag.txt"]["findings"] >= 1


def test_without_the_hyperscan_wheel_the_gate_runs_on_ahocorasick(rules, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setitem(sys.modules, "hyperscan", None)  # import hyperscan -> ImportError
    bytesearch.has_hyperscan.cache_clear()
    try:
        gate = bytegate.build_gate(rules)
        assert gate.engine == "ahocorasick"
        assert gate.maybe("维吾尔族".encode()) and not gate.maybe(b"surveillance")
    finally:
        bytesearch.has_hyperscan.cache_clear()


def test_a_damaged_cache_file_is_rebuilt(rules, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = bytegate.build_gate(rules, engine="ahocorasick")
    (cached,) = (tmp_path / "profilewatch").glob("bytegate-*.pickle")
    cached.write_bytes(b"not a pickle")
    again = bytegate.build_gate(rules, engine="ahocorasick")
    assert again.patterns == first.patterns and again.maybe("ＵＹＧＨＵＲ".encode())


@pytest.fixture(scope="module")
def hs_text_gate(rules):
    if "hyperscan" not in ENGINES:
        pytest.skip("SKIPPED LOUDLY: hyperscan not installed (extra 'gate')")
    return Detector(rules).gate


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(st.sampled_from(FRAGMENTS + ["\U0001f600", "é", "İ", "ß"]), min_size=1, max_size=14))
def test_the_hyperscan_search_over_text_finds_what_aho_corasick_finds(hs_text_gate, parts):
    assert hs_text_gate.finder is not None
    low = "".join(parts).lower()
    assert sorted(hs_text_gate.finder(low)) == sorted(hs_text_gate._ac.find_matches_as_indexes(low, overlapping=True))
