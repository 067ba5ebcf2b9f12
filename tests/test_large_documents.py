"""Units too large to hold or to extract whole: documents read whole up to max_member_bytes, large
texts read in windows, with the same findings as when they are small."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from profilewatch import api
from profilewatch.extract import stream
from profilewatch.options import Limits

DEV = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev" / "corpus"
DOCUMENTS = ["pdf/hs-ipc-ai7a2-datasheet.pdf", "docx/tender-tech-requirements.docx", "xlsx/alarm-rules-export.xlsx"]


def _plain(records) -> list[dict]:
    return [{k: v for k, v in r.to_dict().items() if k not in ("started", "finished")} for r in records]


def _of(records, kind: str) -> list[dict]:
    return [r for r in records if r["type"] == kind]


@pytest.mark.parametrize("rel", DOCUMENTS)
def test_a_document_too_large_to_hold_is_read_whole_not_as_text_windows(tmp_path, rel):
    if not (DEV / rel).exists():
        pytest.skip("the shared dev corpus is not beside the repository")
    doc = shutil.copy(DEV / rel, tmp_path / Path(rel).name)
    held = _plain(api.scan([doc]))
    streamed = _plain(api.scan([doc], max_in_memory=1024))  # the file's bytes stay on disk at first
    assert _of(held, "finding") and _of(streamed, "finding") == _of(held, "finding")
    [unit] = _of(streamed, "unit")
    assert unit == _of(held, "unit")[0] and unit["format"] != "streamed-text" and unit["outcome"] == "scanned"


def test_a_document_larger_than_max_member_bytes_is_an_error_naming_the_limit(tmp_path):
    if not (DEV / DOCUMENTS[0]).exists():
        pytest.skip("the shared dev corpus is not beside the repository")
    doc = shutil.copy(DEV / DOCUMENTS[0], tmp_path / "big.pdf")
    records = _plain(api.scan([doc], max_in_memory=1024, limits=Limits(max_member_bytes=2048)))
    [error] = _of(records, "error")
    assert (error["reason"], error["limit"], error["file"]) == ("limit_exceeded", "max_member_bytes", "big.pdf")
    assert not _of(records, "finding") and [u["outcome"] for u in _of(records, "unit")] == ["error"]


def test_a_large_text_held_in_memory_is_read_in_windows_with_the_same_findings(tmp_path, monkeypatch):
    lines = [f"2024-01-01T00:00:{i % 60:02d}Z INFO [ipc-{i % 9}] stream ok id={i}" for i in range(20000)]
    lines[12345] = "The camera estimates each visitor's ethnicity from the face and reports it in real time."
    log = tmp_path / "device.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    whole = _of(_plain(api.scan([str(log)])), "finding")
    calls = []
    real = stream.stream_segments
    monkeypatch.setattr(stream, "HOLD_TEXT", 64 << 10)
    monkeypatch.setattr("profilewatch.scanner.stream_segments",
                        lambda unit, window=256 << 10: calls.append(unit.file) or real(unit, window))
    windows = _of(_plain(api.scan([str(log)])), "finding")
    assert calls == ["device.log"]  # read in windows, from its bytes in memory
    assert [f["evidence"]["line"] for f in windows] == [12346] and windows == whole


def test_structured_text_is_never_windowed_and_windows_count_decode_errors(tmp_path, monkeypatch):
    monkeypatch.setattr(stream, "HOLD_TEXT", 1 << 10)
    calls = []
    real = stream.stream_segments
    monkeypatch.setattr("profilewatch.scanner.stream_segments",
                        lambda unit, window=1 << 12: calls.append(unit.file) or real(unit, window))
    rows = "\n".join(f"{i},camera-{i},ok" for i in range(2000))
    (tmp_path / "table.csv").write_text("id,name,status\n" + rows + "\n", encoding="utf-8")
    (tmp_path / "dump.json").write_text('{"rows": [' + ",".join(f'"r{i}"' for i in range(2000)) + "]}", encoding="utf-8")
    broken = b"\xef\xbb\xbf" + ("设备日志 line of a device log\n" * 500).encode() + b"\xff\xfe bad bytes \xff\n" + b"more log lines\n" * 200
    (tmp_path / "device.log").write_bytes(broken)
    units = {u["file"]: u for u in _of(_plain(api.scan([str(tmp_path)])), "unit")}
    assert calls == ["device.log"]  # CSV and JSON keep their structured extractors
    assert units["device.log"]["decode_errors"] == 3 and units["device.log"]["outcome"] == "scanned"
