"""Bad input for the core pipeline: each case gets a clear record and the scan goes on."""
import os
import tracemalloc

import profilewatch
from profilewatch.records import Finding, Problem, UnitRecord

FLAG = "The camera estimates each visitor's ethnicity from the face."


def _scan(path, **options):
    return list(profilewatch.scan([str(path)], **options))


def _problems(records):
    return {(p.file, p.type, p.reason) for p in records if isinstance(p, Problem)}


def test_empty_file_is_skipped_and_scan_goes_on(tmp_path):
    (tmp_path / "a_empty.txt").write_bytes(b"")
    (tmp_path / "b.txt").write_text(FLAG)
    recs = _scan(tmp_path)
    assert ("a_empty.txt", "skipped", "empty") in _problems(recs)
    assert any(isinstance(r, Finding) and r.file == "b.txt" for r in recs)


def test_missing_path_is_an_error(tmp_path):
    recs = _scan(tmp_path / "nope")
    (p,) = [r for r in recs if isinstance(r, Problem)]
    assert (p.type, p.reason) == ("error", "not_found")


def test_fifo_and_symlink_are_skipped_with_reasons(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "real.txt").write_text("x")
    os.symlink(tmp_path / "real.txt", tmp_path / "link.txt")
    problems = _problems(_scan(tmp_path))
    assert ("pipe", "skipped", "not_regular_file") in problems
    assert ("link.txt", "skipped", "symlink") in problems


def test_symlink_followed_when_asked(tmp_path):
    (tmp_path / "real.txt").write_text(FLAG)
    os.symlink(tmp_path / "real.txt", tmp_path / "link.txt")
    files = {r.file for r in _scan(tmp_path, follow_symlinks=True) if isinstance(r, Finding)}
    assert files == {"real.txt", "link.txt"}


def test_unreadable_file_is_an_error(tmp_path, monkeypatch):
    from profilewatch.sources import walk

    target = tmp_path / "secret.txt"
    target.write_text(FLAG)
    real = walk._read

    def deny(path):
        if path.endswith("secret.txt"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(walk, "_read", deny)  # (chmod denies nothing to root)
    assert ("secret.txt", "error", "permission_denied") in _problems(_scan(tmp_path))


def test_binary_file_in_a_text_path_is_not_an_error(tmp_path):
    (tmp_path / "notes.txt").write_bytes(b"\x00\x01\x02\xff" * 1000)
    recs = _scan(tmp_path)
    (u,) = [r for r in recs if isinstance(r, UnitRecord)]
    assert u.format == "binary" and u.outcome in ("scanned", "skipped")


def test_undecodable_bytes_still_scan(tmp_path):
    (tmp_path / "mixed.txt").write_bytes(FLAG.encode() + b"\n\xff\xfe\xfa broken \x81\n")
    recs = _scan(tmp_path)
    assert any(isinstance(r, Finding) for r in recs)


def test_large_single_line_file_streams_with_bounded_memory(tmp_path):
    big = tmp_path / "bundle.min.js"
    filler = ("var a=function(b){return b+1};" * 2000).encode()
    with open(big, "wb") as fh:
        for i in range(200):  # ~12 MB on one line
            fh.write(filler)
            if i == 150:
                fh.write(b'var l={minzu:"\\u7ef4\\u65cf",label:"face attribute: ethnicity (Uyghur) recognised"};')
    tracemalloc.start()
    recs = _scan(big, max_in_memory=1 << 20)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    findings = [r for r in recs if isinstance(r, Finding)]
    assert findings and findings[0].evidence["line"] == 1
    (u,) = [r for r in recs if isinstance(r, UnitRecord)]
    assert u.outcome == "scanned" and u.size == big.stat().st_size
    assert peak < 120 << 20  # windows of 8 MB, not the whole file plus copies
