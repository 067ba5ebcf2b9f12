"""A large WARC split into record ranges gives the records of a whole-file read: per-record gzip
(members found by their header and verified) and plain WARC (records followed by Content-Length),
with a misleading ``WARC/1.0`` header and a gzip member planted inside payloads."""
from __future__ import annotations

import gzip
import io
import random
import zlib
from pathlib import Path

import pytest

from profilewatch import api
from profilewatch.executors import Part, plan
from profilewatch.options import ScanOptions
from profilewatch.records import Unit
from profilewatch.sources.warcsplit import record_ranges

FLAG = "该系统可自动识别维吾尔族人员并实时报警。"
FAKE = (b"\r\n\r\nWARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://fake.example/\r\n"
        b"Content-Length: 10\r\n\r\n0123456789\r\n\r\n")


def _write(path: Path, gz: bool, pages: int = 80) -> Path:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    rnd = random.Random(7)
    fake_member = gzip.compress(b"WARC/1.0\r\nWARC-Type: resource\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n")
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        for i in range(pages):
            text = f"<html><body><p>page {i} about cameras and retail analytics.</p>"
            if i % 9 == 4:
                text += f"<p>{FLAG}</p>"
            body = text.encode("utf-8")
            if i % 10 == 3:  # a misleading record header inside the payload
                body += FAKE * 3
            if i % 10 == 6:  # incompressible bytes and a whole gzip'd WARC record: stored raw in the member
                body += rnd.randbytes(40_000) + fake_member + rnd.randbytes(40_000)
            else:
                body += rnd.randbytes(2000).hex().encode()  # bulk, so the file splits into many ranges
            body += b"</body></html>"
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            record = writer.create_warc_record(f"http://vendor.example/p{i}", "response", payload=io.BytesIO(body),
                                               http_headers=http,
                                               warc_headers_dict={"WARC-Date": f"2024-01-01T00:00:{i % 60:02d}Z"})
            writer.write_record(record)
    return path


def _inflate(raw: bytes) -> bytes:
    return zlib.decompressobj(31).decompress(raw)


def _dicts(records) -> list[dict]:
    return [r.to_dict() for r in records]


@pytest.mark.parametrize("gz", [True, False], ids=["gzip-per-record", "plain"])
def test_ranges_start_on_records_and_cover_the_file(tmp_path, gz):
    path = _write(tmp_path / ("crawl.warc.gz" if gz else "crawl.warc"), gz)
    size = path.stat().st_size
    ranges = record_ranges(str(path), 20_000)
    assert len(ranges) > 5
    assert ranges[0][0] == 0 and ranges[-1][1] == size
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
    data = path.read_bytes()
    for start, _ in ranges:
        head = _inflate(data[start:start + 40_000])[:8] if gz else data[start:start + 8]
        assert head.startswith(b"WARC/1.")
        if gz:  # a whole gzip'd record planted raw in a payload's stored deflate block is not a start
            assert not _inflate(data[start:start + 400]).startswith(b"WARC/1.0\r\nWARC-Type: resource")
    if not gz:  # the planted headers inside payloads never start a range
        starts = {a for a, _ in ranges}
        fakes = {i + 4 for i in range(len(data)) if data.startswith(b"\r\n\r\nWARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://fake", i)}
        assert fakes and not starts & fakes


def test_a_small_or_whole_file_gzip_warc_is_one_range(tmp_path):
    path = _write(tmp_path / "crawl.warc", False, pages=6)  # no planted member
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(path.read_bytes()))
    assert record_ranges(str(whole), 2_000) == [(0, whole.stat().st_size)]
    assert record_ranges(str(path), 10 << 20) == [(0, path.stat().st_size)]


@pytest.mark.parametrize("gz", [True, False], ids=["gzip-per-record", "plain"])
def test_a_split_warc_gives_the_records_of_a_whole_file_read(tmp_path, gz):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    path = _write(corpus / ("crawl.warc.gz" if gz else "crawl.warc"), gz)
    (corpus / "notes.txt").write_text(FLAG, encoding="utf-8")
    small = dict(max_in_memory=10_000, split_bytes=20_000)
    unit = Unit(file=path.name, member=None, data=b"", path=str(path), size=path.stat().st_size)
    parts = plan(unit, ScanOptions(**small), jobs=2)
    assert len(parts) > 5 and all(isinstance(p, Part) for p in parts)
    whole = _dicts(api.scan([str(corpus)], jobs=1, **small))
    split = _dicts(api.scan([str(corpus)], jobs=2, **small))
    assert split == whole
    if gz:  # the Dask executor splits the same way
        pytest.importorskip("distributed", reason="the Dask executor needs the cluster extra")
        assert _dicts(api.scan([str(corpus)], executor="dask", jobs=2, **small)) == whole
    findings = [d for d in whole if d["type"] == "finding" and d["file"] == path.name]
    members = {d["member"] for d in findings}
    assert {f"http://vendor.example/p{i} 2024-01-01T00:00:{i % 60:02d}Z" for i in range(4, 80, 9) if i % 10 != 6} <= members  # p76 holds raw binary
    assert not any("fake.example" in (d.get("member") or "") for d in whole)
    units = [d for d in whole if d["type"] == "unit" and d["file"] == path.name]
    assert units[-1]["member"] is None and units[-1]["outcome"] == "container"
    assert sum(1 for u in units if u["outcome"] == "scanned") == 80


def test_a_planted_gzip_member_that_misleads_the_split_falls_back_to_a_whole_read(tmp_path):
    """A cut placed on a member header planted inside a stored deflate block is caught by the range
    before it (its last member does not end at the cut); the file is then read whole."""
    from profilewatch.executors import ProcessExecutor
    from profilewatch.pipeline import Pipeline
    from profilewatch.detect.rules import load_rules

    path = _write(tmp_path / "crawl.warc.gz", True, pages=30)
    data = path.read_bytes()
    planted = data.find(b"\x1f\x8b\x08", 100)
    while planted > 0 and not _inflate(data[planted:planted + 400]).startswith(b"WARC/1.0\r\nWARC-Type: resource"):
        planted = data.find(b"\x1f\x8b\x08", planted + 1)
    opts = ScanOptions(max_in_memory=10_000, split_bytes=20_000)
    rules = load_rules([])
    unit = Unit(file=path.name, member=None, data=b"", path=str(path), size=len(data))
    bad = [Part(unit, 0, planted, 0, 2), Part(unit, planted, len(data), 1, 2)]
    executor = ProcessExecutor(rules, opts, jobs=2)
    import profilewatch.executors as ex

    original = ex.plan
    ex.plan = lambda u, o, j: bad if u.file == path.name else original(u, o, j)
    try:
        pipeline = Pipeline(rules, opts, executor=executor)
        split = _dicts(pipeline.run([str(path)]))
    finally:
        ex.plan = original
        executor.close()
    assert planted > 0
    assert split == _dicts(api.scan([str(path)], jobs=1, max_in_memory=10_000))


def test_a_worker_killed_on_a_range_is_replaced_and_the_file_is_complete(tmp_path, monkeypatch):
    path = _write(tmp_path / "crawl.warc.gz", True, pages=40)
    small = dict(max_in_memory=10_000, split_bytes=20_000)
    whole = _dicts(api.scan([str(path)], jobs=1, **small))
    marker = tmp_path / "killed"
    monkeypatch.setenv("PROFILEWATCH_TEST_KILL_WORKER", f"crawl.warc.gz:{marker}")
    split = _dicts(api.scan([str(path)], jobs=2, **small))
    assert marker.exists() and split == whole
