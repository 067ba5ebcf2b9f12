"""Mutated bytes of every format through scanner.scan_unit: nothing escapes, every unit is accounted.

Openers must turn damage into ``corrupt`` / ``truncated`` / limit records themselves: a
``container_failed`` record (an exception the opener did not expect) fails the test.
"""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import random

import docx
import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import pytest

from formats_helpers import (CORPUS, gzip_members, http_response, make_tar, make_zip, scan_bytes, warc_record,
                             with_limits)
from test_containers import _7z
from test_formats import _odt, _pptx


def _docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("可分析目标人员所属民族")
    document.add_table(rows=1, cols=2).cell(0, 0).text = "维吾尔族"
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active["B2"] = "face.nation_attr"
    hidden = book.create_sheet("h")
    hidden.sheet_state = "hidden"
    hidden["A1"] = "维吾尔族"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _bin() -> bytes:
    blob = bytearray(random.Random(1).randbytes(4096))
    blob[100:100 + 14] = "\0民族\0维族\0".encode("utf-16le")
    blob[900:912] = "\0维族人员\0".encode("gbk") + b"\0" * 2
    return bytes(blob)


_WARC = b"".join([
    warc_record("warcinfo", None, "2019-01-01T00:00:00Z", b"software: t\r\n", extra={"WARC-Filename": "t.warc"}),
    warc_record("response", "https://v.example/a", "2019-01-02T00:00:00Z", http_response("民族 page".encode())),
    warc_record("request", "https://v.example/a", "2019-01-02T00:00:00Z", b"GET /a HTTP/1.1\r\n\r\n"),
    warc_record("response", "https://v.example/b", "2019-01-03T00:00:00Z",
                http_response(b"4\r\nabcd\r\n0\r\n\r\n", headers={"Transfer-Encoding": "chunked"})),
])
_TAR = make_tar({"a/": b"", "a/face.h": b"int minzu; /* 2 weizu */\n", "README": b"readme text\n"})

SEEDS = {
    "a.zip": make_zip({"doc/a.md": "# 民族属性\n".encode(), "in.zip": make_zip({"x.json": b'{"race": 1}'}),
                       "t.tar.gz": gzip.compress(_TAR)}),
    "a.tar": _TAR,
    "a.tar.gz": gzip.compress(_TAR),
    "a.tar.bz2": bz2.compress(_TAR),
    "a.tar.xz": lzma.compress(_TAR),
    "a.7z": _7z({"a/face.h": b"int minzu; /* 2 weizu */\n", "in.zip": make_zip({"x.md": b"# x\n"}), "b.txt": b"b"}),
    "n.txt.gz": gzip.compress("民族 text\n".encode() * 20),
    "a.warc": _WARC,
    "a.warc.gz": gzip_members([_WARC[: len(_WARC) // 2], _WARC[len(_WARC) // 2:]]),
    "a.warc.bz2": bz2.compress(_WARC),

    "a.arc": b"filedesc://a.arc 0.0.0.0 20190101000000 text/plain 3\nabc\n"
             + b"https://v.example/ 1.2.3.4 20190102000000 text/html 40\nHTTP/1.1 200 OK\r\n\r\n<p>minzu weizu</p>..\n",

    "a.docx": _docx(),
    "a.xlsx": _xlsx(),
    "a.pptx": _pptx(),
    "a.odt": _odt(),
    "a.bin": _bin(),
    "a.xml": "<r><f name=\"nation\">维吾尔族</f></r>".encode(),
    "a.html": "<html><head><meta charset=gbk><title>t</title></head><body><p>民族</p></body></html>".encode("gbk"),
    # hostile text (issue 12): escaped lone surrogates, NULs, invalid escapes, mixed encodings
    "s.json": '{"e": "\\ud83d", "t": "维吾尔族 \\udc00 ethnicity", "n": "a\\u0000b \\q"}'.encode(),
    "s.html": '<p>民族 ethnicity</p><script>var s = {"e": "\\ud83d\\ude00 \\ud800"};</script>'.encode(),
    "s.js": 'const e = "\\udc00\\ud83d"; // Uyghur ethnicity\n\x00\x00 "\\x zz"\n'.encode(),
    "m.txt": "维吾尔族 ethnicity ".encode() * 30 + b"caf\xe9 \xff\xfe \xb9\xfa\n" + "民族".encode("gbk"),
}
if CORPUS.exists():  # real-world seeds from the dev corpus
    SEEDS["dev.warc.gz"] = (CORPUS / "warc/audiencelens-demographics-history.warc.gz").read_bytes()
    SEEDS["a.pdf"] = (CORPUS / "pdf/vendor-letter-disclaimer.pdf").read_bytes()
OUTCOMES = {"scanned", "partial", "skipped", "error", "container"}


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """The seed with a few flips, cuts, insertions and deletions."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "flip", "cut", "insert", "delete", "zero"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 64))]
        elif op == "zero":
            data[pos:pos + 32] = b"\0" * len(data[pos:pos + 32])
    return bytes(data)


@pytest.mark.parametrize("name", sorted(SEEDS))
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_mutated_input_never_escapes(name, data):
    blob = data.draw(mutated(SEEDS[name]))
    records, _ = scan_bytes(name, blob, limits=with_limits(max_total_bytes=64 << 20, unit_seconds=30))
    units = [r for r in records if r["type"] == "unit"]
    assert units and units[-1]["file"] == name and units[-1]["member"] is None  # the file itself, last
    assert all(u["outcome"] in OUTCOMES for u in units)
    check_records(name, records)


def check_records(name: str, records: list[dict]) -> None:
    """What must hold for the records of any input (shared with benchmarks/fuzz.py)."""
    from profilewatch.records import documented_reason

    units = [r for r in records if r["type"] == "unit"]
    assert units and units[-1]["file"] == name and units[-1]["member"] is None  # the file itself, last
    assert all(u["outcome"] in OUTCOMES for u in units)
    for r in records:
        assert r["type"] in ("finding", "error", "skipped", "unit")
        if r["type"] in ("error", "skipped"):
            assert r["reason"] != "container_failed", r
            assert documented_reason(r["reason"]), r
            assert r["file"] == name
    # accounting: one unit record per (file, member) except WARC request/metadata twins
    problems = [r for r in records if r["type"] in ("error", "skipped")]
    assert len(problems) >= sum(u["outcome"] in ("skipped", "error", "partial") for u in units) - 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["\\ud83d", "\\udc00", "\\u0000", "\\q", "\x00", "\ud7ff", "&#xD800;", "&#55357;",
                                 "维吾尔族", " ethnicity ", "\n", '"', "\\", "\ufffd"]), max_size=40),
       st.sampled_from(["t.json", "t.html", "t.js", "t.txt"]))
def test_hostile_text_never_fails_a_unit(parts, name):
    text = "The camera estimates each visitor's ethnicity from the face. " + "".join(parts)
    records, _ = scan_bytes(name, text.encode("utf-8", "surrogatepass"))
    assert [r for r in records if r["type"] == "error"] == []
    check_records(name, records)


def test_seeds_are_clean():
    """Unmutated seeds scan without errors (so the fuzz test starts from valid inputs)."""
    for name, blob in SEEDS.items():
        records, _ = scan_bytes(name, blob)
        assert [r for r in records if r["type"] == "error"] == [], name
