"""Issue 12, nothing lost, nothing silent: hostile text, accounting, containers, partial results.

Every test here failed on main before the fix it names.
"""
from __future__ import annotations

import json

import pytest

import profilewatch

FLAG = "The camera estimates each visitor's ethnicity from the face."
DOCUMENTED = None  # filled lazily from README (the documented list of reasons)


def _scan(path, **options):
    return [r.to_dict() for r in profilewatch.scan([str(path)], **options)]


def _documented_reasons() -> set[str]:
    from profilewatch.records import REASONS

    return set(REASONS)


# -- 1. text never crashes the matcher ------------------------------------------------------------

HOSTILE = {
    "page.html": ('<html><body><p>{flag}</p><script>var s = {{"e": "\\ud83d x", "p": "\\ud83d\\ude00"}};'
                  "</script></body></html>"),
    "state.json": '{{"e": "\\ud83d", "claim": "{flag}", "n": "a\\u0000b"}}',
    "inline.js": 'const e = "\\udc00\\ud83d"; // {flag}\nconst bad = "\\q\\x zz";\n',
    "raw.txt": "{flag}\n\x00\x00 nul bytes \x00 and \\ud800 escapes\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_lone_surrogates_and_nuls_never_crash_the_matcher(tmp_path, name):
    (tmp_path / name).write_text(HOSTILE[name].format(flag=FLAG), encoding="utf-8")
    records = _scan(tmp_path)
    assert not [r for r in records if r["type"] == "error"], records
    assert any(r["type"] == "finding" and r["category"] == "ethnicity" for r in records)
    (unit,) = [r for r in records if r["type"] == "unit"]
    assert unit["outcome"] == "scanned"


def test_mixed_encodings_decode_with_replacement_and_are_counted(tmp_path):
    # UTF-8 text with a few stray cp1252/GBK bytes: decoded as UTF-8 with replacement, counted
    data = (FLAG + " 维吾尔族 ").encode() + b"caf\xe9 \xff\xfe stray \xb9\xfa\n" + ("维族 " * 200).encode()
    (tmp_path / "mixed.txt").write_bytes(data)
    records = _scan(tmp_path)
    (unit,) = [r for r in records if r["type"] == "unit"]
    assert unit["outcome"] == "scanned" and unit["decode_errors"] >= 3
    assert any(r["type"] == "finding" for r in records)


def test_surrogates_in_segments_are_counted_in_the_unit_record(tmp_path):
    (tmp_path / "state.json").write_text(HOSTILE["state.json"].format(flag=FLAG))
    (unit,) = [r for r in _scan(tmp_path) if r["type"] == "unit"]
    assert unit["decode_errors"] >= 1


def test_clean_unit_records_carry_no_decode_errors_field(tmp_path):
    (tmp_path / "ok.txt").write_text(FLAG)
    (unit,) = [r for r in _scan(tmp_path) if r["type"] == "unit"]
    assert "decode_errors" not in unit


def test_an_exception_with_its_own_reason_attribute_gives_a_documented_reason(tmp_path, monkeypatch):
    from profilewatch import scanner

    def broken(unit):
        raise UnicodeEncodeError("utf-8", "\ud83d", 0, 1, "surrogates not allowed")
        yield

    monkeypatch.setitem(scanner.EXTRACTORS, "text", broken)
    (tmp_path / "a.txt").write_text("plain words here\n" * 3)
    monkeypatch.setattr(scanner, "GATED_FORMATS", frozenset())
    (err,) = [r for r in _scan(tmp_path) if r["type"] == "error"]
    assert err["reason"] == "extract_failed"


def test_reasons_are_documented():
    from profilewatch.records import REASONS

    from pathlib import Path
    docs = (Path(__file__).parents[1] / "docs/containers.md").read_text()
    assert [r for r in REASONS if f"`{r}`" not in docs] == []


# -- 2. accounting: every path given and every entry walked ends as exactly one record -----------

import os  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from profilewatch.sources.walk import VCS_DIRS  # noqa: E402

DATA = Path(__file__).parent / "data"
DEV_CORPUS = Path("/work/shared/corpus/dev/corpus")


def _top(records):
    return [(r["file"], r["outcome"]) for r in records if r["type"] == "unit" and r["member"] is None]


def _entries(root: Path, base: Path | None = None) -> list[str]:
    base = base or root
    out = []
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        rel = Path(entry.path).relative_to(base).as_posix()
        if entry.is_dir(follow_symlinks=False) and not entry.name.startswith(".") and entry.name not in VCS_DIRS:
            out += _entries(Path(entry.path), base)
        else:
            out.append(rel + "/" if entry.is_dir(follow_symlinks=False) else rel)
    return out


def _assert_identity(records, root: Path | None = None):
    (summary,) = [r for r in records if r["type"] == "summary"] or [_summary(records)]
    u = summary["units"]
    assert u["seen"] == u["scanned"] + u["partial"] + u["skipped"] + u["error"]
    top = _top(records)
    assert u["inputs"] == len(top)
    assert len({f for f, _ in top}) == len(top), "an input ended as more than one unit record"
    if root is not None:
        assert sorted(f for f, _ in top) == sorted(_entries(root))


def _summary(records):
    from profilewatch.records import Summary

    s = Summary()
    for r in records:
        s.add(r)
    return s.to_dict()


def _corpora():
    roots = [p for p in sorted(DATA.iterdir()) if p.is_dir()]
    if DEV_CORPUS.is_dir():
        roots.append(DEV_CORPUS)
    return roots


@pytest.mark.parametrize("root", _corpora(), ids=lambda p: p.name)
def test_accounting_identity_on_every_corpus(root):
    records = [r.to_dict() for r in profilewatch.scan([str(root)])]
    _assert_identity(records, root)


def test_unreadable_subfolder_dir_symlink_fifo_socket_each_end_as_one_record(tmp_path, monkeypatch):
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "inside.txt").write_text(FLAG)
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.txt").write_text("fine\n")
    os.symlink(tmp_path / "real", tmp_path / "dirlink")
    os.mkfifo(tmp_path / "pipe")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "sock"))
    (tmp_path / ".hidden").write_text(FLAG)
    real_scandir = os.scandir

    def scandir(path="."):  # what chmod 000 does (the tests may run as root, who reads anything)
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    try:
        records = _scan(tmp_path)
    finally:
        monkeypatch.undo()
        sock.close()
    got = {(r["file"], r["type"], r["reason"]) for r in records if r["type"] in ("error", "skipped")}
    assert ("locked/", "error", "permission_denied") in got
    assert ("dirlink", "skipped", "symlink") in got
    assert ("pipe", "skipped", "not_regular_file") in got
    assert ("sock", "skipped", "not_regular_file") in got
    assert (".hidden", "skipped", "hidden") in got
    assert not [r for r in records if r["file"].startswith("locked/") and r["file"] != "locked/"]
    _assert_identity(records)


@pytest.mark.parametrize("kind", ["fifo", "socket"])
def test_a_fifo_or_socket_given_as_the_path_is_one_record(tmp_path, kind):
    path = tmp_path / kind
    sock = None
    if kind == "fifo":
        os.mkfifo(path)
    else:
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
    try:
        records = _scan(path)
    finally:
        if sock:
            sock.close()
    (p,) = [r for r in records if r["type"] in ("error", "skipped")]
    assert p["reason"] == "not_regular_file"
    _assert_identity(records)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "profilewatch", *args], capture_output=True, text=True)


@pytest.mark.parametrize("bad", ["does/not/exist", "htps://example.com/page.html"])  # https:// is read by fsspec
def test_a_bad_command_line_path_is_a_usage_error_unless_keep_going(tmp_path, bad):
    (tmp_path / "ok.txt").write_text("fine\n")
    run = _cli("scan", str(tmp_path), bad, "--format", "jsonl")
    assert run.returncode == 2 and bad in run.stderr
    run = _cli("scan", str(tmp_path), bad, "--format", "jsonl", "--keep-going")
    assert run.returncode == 0
    errors = [json.loads(line) for line in run.stdout.splitlines() if '"error"' in line]
    assert [(e["file"], e["reason"]) for e in errors if e.get("type") == "error"] == [
        (bad, "not_found" if "://" not in bad else "not_a_path")]


def test_a_fifo_on_the_command_line_is_a_usage_error(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    assert _cli("scan", str(tmp_path / "pipe")).returncode == 2


# -- 3. containers never end early ----------------------------------------------------------------

import gzip  # noqa: E402

from formats_helpers import gzip_members, http_response, make_zip, warc_record  # noqa: E402

PAGE = f"<html><body><p>{FLAG}</p></body></html>".encode()


def _warc(records: list[bytes], gz: bool) -> bytes:
    return gzip_members(records) if gz else b"".join(records)


def _three(middle: bytes) -> list[bytes]:
    return [warc_record("response", f"https://v.example/{n}", f"2024-01-0{i + 1}T00:00:00Z", block)
            for i, (n, block) in enumerate([("a", http_response(PAGE)), ("liar", middle), ("z", http_response(PAGE))])]


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate"])
def test_a_lying_content_encoding_is_reported_and_the_next_records_are_scanned(tmp_path, gz, encoding):
    liar = http_response(PAGE, headers={"Content-Encoding": encoding})  # says gzip, is plain
    (tmp_path / ("site.warc.gz" if gz else "site.warc")).write_bytes(_warc(_three(liar), gz))
    records = _scan(tmp_path)
    found = sorted({r["member"].split()[0] for r in records if r["type"] == "finding"})
    assert found == ["https://v.example/a", "https://v.example/z"]
    (bad,) = [r for r in records if r["type"] == "error"]
    assert bad["reason"] == "bad_content_encoding" and bad["member"].startswith("https://v.example/liar")
    _assert_identity(records)


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
def test_a_record_shorter_than_its_content_length_is_truncated(tmp_path, gz):
    whole = warc_record("response", "https://v.example/cut", "2024-01-02T00:00:00Z", http_response(PAGE))
    head, body = whole.split(b"\r\n\r\n", 1)
    cut = head + b"\r\n\r\n" + body[: len(body) // 2]  # the gzip member (or file) ends mid-record
    first = warc_record("response", "https://v.example/a", "2024-01-01T00:00:00Z", http_response(PAGE))
    data = (gzip.compress(first, mtime=0) + gzip.compress(cut, mtime=0)) if gz else first + cut
    (tmp_path / ("site.warc.gz" if gz else "site.warc")).write_bytes(data)
    records = _scan(tmp_path)
    assert any(r["type"] == "finding" and r["member"].startswith("https://v.example/a") for r in records)
    bad = [r for r in records if r["type"] == "error"]
    assert [r["reason"] for r in bad] == ["truncated"], bad
    assert "cut" in (bad[0]["member"] or "") or "cut" in bad[0]["message"]


def test_a_corrupt_zip_member_is_reported_and_the_next_members_are_scanned(tmp_path):
    import zipfile

    data = bytearray(make_zip({"a.txt": FLAG.encode() * 50, "b.txt": b"x" * 5000 + FLAG.encode() * 50,
                               "c.txt": FLAG.encode() * 50}, zipfile.ZIP_DEFLATED))
    at = data.find(b"b.txt") + 5 + 10  # inside b.txt's deflate stream
    data[at:at + 40] = b"\xff" * 40
    (tmp_path / "x.zip").write_bytes(bytes(data))
    records = _scan(tmp_path)
    found = sorted({r["member"] for r in records if r["type"] == "finding"})
    assert found == ["a.txt", "c.txt"]
    (bad,) = [r for r in records if r["type"] == "error"]
    assert bad["member"] == "b.txt" and bad["reason"] in ("corrupt", "truncated")
    _assert_identity(records)


# -- 4. partial results survive limits ------------------------------------------------------------

from dataclasses import replace as _replace  # noqa: E402

from profilewatch.options import Limits  # noqa: E402


def _limited(path, **limits):
    return _scan(path, limits=_replace(Limits(), **limits))


def test_a_deadline_is_checked_inside_binary_strings_even_when_nothing_is_found(tmp_path):
    with open(tmp_path / "zeros.bin", "wb") as fh:  # streamed (over max_in_memory): windows of zeros
        fh.write(b"\x7fELF\0\0" + FLAG.encode() + b"\0")
        fh.write(b"\0" * (24 << 20))
        fh.write(b"\0" + FLAG.encode() + b"\0")
    records = _scan(tmp_path, max_in_memory=1 << 20, limits=_replace(Limits(), unit_seconds=0.0))
    (unit,) = [r for r in records if r["type"] == "unit"]
    assert unit["outcome"] == "partial" and unit["partial"] is True
    (err,) = [r for r in records if r["type"] == "error"]
    assert (err["reason"], err["limit"]) == ("limit_exceeded", "unit_seconds")
    findings = [r for r in records if r["type"] == "finding"]
    assert findings and all(f["partial"] and f["evidence"]["byte_offset"] < 100 for f in findings)
    _assert_identity(records)


@pytest.mark.parametrize("kind", ["binary", "text"])
def test_extractor_loops_check_the_deadline_while_yielding_nothing(tmp_path, kind):
    from profilewatch.extract.stream import stream_segments
    from profilewatch.records import LimitHit, Unit

    path = tmp_path / "big"
    with open(path, "wb") as fh:
        fh.write(b"\x7fELF\0\0" if kind == "binary" else b"plain text\n")
        fh.write((b"\0" if kind == "binary" else b" ") * (24 << 20))
    unit = Unit("big", None, b"", path=str(path), size=path.stat().st_size, deadline=0.0)
    with pytest.raises(LimitHit, match="unit_seconds, reading") as hit:
        list(stream_segments(unit))
    assert hit.value.limit == "unit_seconds"


def _extractor_then(stop):
    from profilewatch.records import Segment

    def extract(unit):
        yield Segment(FLAG, line=1, column=1)
        stop(unit)
        yield Segment("never reached", line=2, column=1)
    return extract


@pytest.mark.parametrize("how", ["time", "size"])
def test_findings_found_before_a_limit_are_kept_and_marked_partial(tmp_path, monkeypatch, how):
    from profilewatch import scanner
    from profilewatch.sources.unpack import LimitExceeded

    def stop(unit):
        if how == "size":
            raise LimitExceeded("max_member_bytes", "part larger than max_member_bytes")
        unit.deadline = 0.0  # the clock ran out while the extractor was reading
        unit.check_time("reading the next part")

    monkeypatch.setitem(scanner.EXTRACTORS, "text", _extractor_then(stop))
    monkeypatch.setattr(scanner, "GATED_FORMATS", frozenset())
    (tmp_path / "a.txt").write_text(FLAG)
    records = _scan(tmp_path)
    findings = [r for r in records if r["type"] == "finding"]
    assert findings and all(f["partial"] is True for f in findings)
    (err,) = [r for r in records if r["type"] == "error"]
    assert (err["reason"], err["limit"]) == ("limit_exceeded", "unit_seconds" if how == "time" else "max_member_bytes")
    (unit,) = [r for r in records if r["type"] == "unit"]
    assert (unit["outcome"], unit["partial"], unit["findings"]) == ("partial", True, len(findings))
    summary = _summary(records)
    assert summary["units"]["partial"] == 1 and summary["units"]["scanned"] == 0


def test_a_complete_finding_has_no_partial_field(tmp_path):
    (tmp_path / "a.txt").write_text(FLAG)
    (f, *_) = [r for r in _scan(tmp_path) if r["type"] == "finding"]
    assert "partial" not in f


# -- 6. exit codes that cannot hide a failure -----------------------------------------------------


def test_report_on_a_file_that_is_not_jsonl_exits_2(tmp_path):
    (tmp_path / "notes.txt").write_text("hello\nnot json\n")
    run = _cli("report", str(tmp_path / "notes.txt"), "--format", "md")
    assert run.returncode == 2 and "not profilewatch JSON Lines" in run.stderr


def test_history_from_warc_on_a_file_that_is_not_a_warc_exits_2(tmp_path):
    (tmp_path / "page.html").write_text("<p>hello</p>")
    run = _cli("history", "--from-warc", str(tmp_path / "page.html"))
    assert run.returncode == 2 and "not a WARC" in run.stderr


def test_a_scan_where_every_input_failed_is_never_exit_0(tmp_path):
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04" + b"\xff" * 200)
    run = _cli("scan", str(tmp_path), "--format", "jsonl")
    assert run.returncode == 3, run.stdout


def test_unreadable_input_under_strict_is_never_exit_0(tmp_path, monkeypatch):
    (tmp_path / "ok.txt").write_text("fine\n")
    (tmp_path / "locked.txt").write_text(FLAG)
    os.chmod(tmp_path / "locked.txt", 0)
    try:
        if os.access(tmp_path / "locked.txt", os.R_OK):  # root: use a folder that cannot be listed instead
            os.chmod(tmp_path / "locked.txt", 0o644)
            pytest.skip("running as root: file permissions are not enforced")
        assert _cli("scan", str(tmp_path), "--strict").returncode == 3
    finally:
        os.chmod(tmp_path / "locked.txt", 0o644)


def test_scan_help_lists_the_exit_codes():
    out = _cli("scan", "--help").stdout
    assert "every input" in out and "--keep-going" in out


def test_a_dangling_link_followed_under_strict_is_exit_3(tmp_path):
    (tmp_path / "ok.txt").write_text("fine\n")
    os.symlink(tmp_path / "gone.txt", tmp_path / "dangling.txt")
    run = _cli("scan", str(tmp_path), "--strict", "--follow-symlinks", "--format", "jsonl")
    assert run.returncode == 3
    assert '"reason":"not_found"' in run.stdout.replace(" ", "")


# -- 5. PDF: pypdf's caps are limits, huge text streams are read in bounded windows ---------------

from pdf_bomb import inflating_pdf  # noqa: E402


def test_a_pdf_stream_over_pypdfs_cap_is_limit_exceeded_not_corrupt(tmp_path):
    (tmp_path / "bomb.pdf").write_bytes(inflating_pdf(FLAG, 80 << 20))  # pypdf caps inflation at 75 MB
    records = _scan(tmp_path)
    bad = [r for r in records if r["type"] == "error"]
    assert [r["reason"] for r in bad] in ([], ["limit_exceeded"])
    assert all(r["reason"] != "corrupt" for r in bad)
    assert any(r["type"] == "finding" and r["evidence"].get("page") == 1 for r in records)


def test_a_pdf_whose_text_stream_inflates_to_many_megabytes_is_read_in_windows(tmp_path):
    from profilewatch.extract import pdf

    (tmp_path / "big.pdf").write_bytes(inflating_pdf(FLAG, 20 << 20, tail_claim="The software flags Uyghur faces in the crowd and raises an alarm."))
    records = _scan(tmp_path)
    pages = [r["evidence"].get("page") for r in records if r["type"] == "finding"]
    assert pages and set(pages) == {1}
    assert len({r["evidence"]["where"].get("window") for r in records if r["type"] == "finding"}) == 2
    assert pdf.BIG_STREAM < 20 << 20


def test_fuzz_find_an_http_status_with_a_superscript_digit_is_not_a_crash():
    from formats_helpers import scan_bytes

    page = http_response(PAGE).replace(b"200 OK", b"20\xb2 OK")  # latin-1 "20²": str.isdigit() is True
    records, _ = scan_bytes("s.warc", warc_record("response", "https://v.example/a", "2024-01-01T00:00:00Z", page))
    assert not [r for r in records if r["type"] == "error"]
    assert [(r["format"], r["outcome"]) for r in records if r["type"] == "unit"] == [("html", "scanned"), ("warc", "container")]


def test_the_genre_pass_keeps_to_the_deadline_and_a_unit_it_cuts_is_partial(monkeypatch):
    """After the last segment the engine reads the unit's other text for its genre; past the
    unit's deadline it stops there, and the findings are kept but marked partial."""
    import time
    import types

    from profilewatch.detect import engine
    from profilewatch.detect.rules import load_rules
    from profilewatch.records import Segment, Unit

    detector = engine.Detector(load_rules())
    segments = [Segment(FLAG, line=1, column=1), *(Segment(f"Quarterly note {i}.", line=2 + i, column=1) for i in range(3))]
    unit = Unit("spec.txt", None, b"", deadline=time.monotonic() + 3600)
    assert detector.detect(unit, list(segments))  # in time: complete findings

    late = Unit("spec.txt", None, b"", deadline=time.monotonic() + 3600)
    monkeypatch.setattr(engine, "time", types.SimpleNamespace(monotonic=lambda: time.monotonic() + 7200))
    with pytest.raises(engine.PartialResult) as cut:  # the segments were read in time, the genre pass was not
        detector.detect(late, list(segments))
    assert cut.value.findings and all(f.partial for f in cut.value.findings)
    assert cut.value.limit == "unit_seconds" and "genre" in str(cut.value.cause)
