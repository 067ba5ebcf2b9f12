"""Evidence bundles: export from a case store, verify, and fail on any altered byte."""
from __future__ import annotations

import hashlib
import io
import json
import random
import zipfile
from pathlib import Path

import pytest

from casecorpus import FLAG_ZH, findings_of, make_corpus, run_cli
from profilewatch.case.verify import verify
from profilewatch.sources import containers

WARC_URI = "http://vendor.example/products/ipc-x1.html"
WARC_DATE = "2019-04-08T10:00:00Z"
WARC_BODY = ("<html><body><p>" + FLAG_ZH.format(i="X1") + "</p></body></html>").encode("utf-8")


def _warc(path: Path) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        record = writer.create_warc_record(WARC_URI, "response", payload=io.BytesIO(WARC_BODY), http_headers=http,
                                           warc_headers_dict={"WARC-Date": WARC_DATE})
        writer.write_record(record)


@pytest.fixture
def case(tmp_path):
    """A store with one complete scan of text files, a zip and (if supported) a WARC."""
    corpus = make_corpus(tmp_path / "corpus", n=3)
    if "warc" in containers.OPENERS:
        _warc(corpus / "capture.warc.gz")
    db = tmp_path / "case.db"
    res = run_cli("scan", str(corpus), "--store", str(db), "--format", "jsonl")
    assert res.exit_code == 1, res.output
    return corpus, db, findings_of(res.stdout)


def _export(db: Path, out: Path, *extra: str):
    res = run_cli("export-evidence", "--store", str(db), "--out", str(out), *extra)
    assert res.exit_code == 0, res.output
    return res


def test_bundle_holds_report_findings_sources_and_manifest(tmp_path, case):
    corpus, db, found = case
    bundle = tmp_path / "bundle.zip"
    res = _export(db, bundle)
    with zipfile.ZipFile(bundle) as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read("manifest.json"))
        assert names[0] == "manifest.json"
        assert set(names) == {"manifest.json", "SHA256SUMS"} | {f["path"] for f in manifest["files"]}
        for entry in manifest["files"]:
            assert hashlib.sha256(zf.read(entry["path"])).hexdigest() == entry["sha256"]
        exported = [json.loads(line) for line in zf.read("findings.jsonl").decode().splitlines()]
        assert sorted(f["fingerprint"] for f in exported) == sorted(f["fingerprint"] for f in found)
        report = manifest["report"]["path"]
        assert report in names and report in ("report.html", "findings.md")
        sources = {e["origins"][0]["member"] or e["origins"][0]["file"]: e for e in manifest["files"]
                   if e["role"] == "source"}
        # plain files, archive members extracted as their own files, WARC records as their payload
        assert zf.read(sources["doc000.txt"]["path"]) == (corpus / "doc000.txt").read_bytes()
        if "zip" in containers.OPENERS:
            with zipfile.ZipFile(corpus / "bundle.zip") as original:
                assert zf.read(sources["sdk/notes/alarm.txt"]["path"]) == original.read("sdk/notes/alarm.txt")
            assert sources["sdk/notes/alarm.txt"]["origins"][0]["file"] == "bundle.zip"
        if "warc" in containers.OPENERS:
            warc = next(e for e in manifest["files"] if e["role"] == "source" and e["origins"][0].get("uri") == WARC_URI)
            assert zf.read(warc["path"]) == WARC_BODY
            assert warc["origins"][0]["capture_date"] == WARC_DATE
            assert warc["path"].endswith("/ipc-x1.html")
    assert "doc002.txt" not in sources  # clean file: no finding, no copy
    assert manifest["tool"]["name"] == "profilewatch" and manifest["rules_digest"].startswith("sha256:")
    assert manifest["scan"]["started"] and manifest["scan"]["finished"]
    assert all(o["scanned"] for e in sources.values() for o in e["origins"])
    assert f"manifest sha256: {hashlib.sha256(zipfile.ZipFile(bundle).read('manifest.json')).hexdigest()}" in res.stdout

    ok = run_cli("verify-evidence", str(bundle))
    assert ok.exit_code == 0, ok.output
    assert "OK" in ok.stdout


def test_confirmed_only_and_dismissed(tmp_path, case):
    _, db, found = case
    flags = sorted({f["fingerprint"] for f in found})
    run_cli("review", "confirm", "--store", str(db), flags[0], "--reviewer", "ana", "--note", "seen in datasheet")
    run_cli("review", "dismiss", "--store", str(db), flags[1], "--reviewer", "ana")
    confirmed = tmp_path / "confirmed.zip"
    _export(db, confirmed, "--confirmed-only")
    with zipfile.ZipFile(confirmed) as zf:
        rows = [json.loads(line) for line in zf.read("findings.jsonl").decode().splitlines()]
        reviews = [json.loads(line) for line in zf.read("reviews.jsonl").decode().splitlines()]
    assert {r["fingerprint"] for r in rows} == {flags[0]}
    assert all(r["review"]["decision"] == "confirmed" for r in rows)
    assert [(r["decision"], r["note"]) for r in reviews] == [("confirmed", "seen in datasheet")]
    default = tmp_path / "default.zip"
    _export(db, default)
    with zipfile.ZipFile(default) as zf:
        fps = {json.loads(line)["fingerprint"] for line in zf.read("findings.jsonl").decode().splitlines()}
    assert flags[1] not in fps and flags[0] in fps
    assert verify(confirmed).ok and verify(default).ok


def _rewrite(bundle: Path, name: str, change) -> None:
    """Rewrite the bundle as a valid ZIP with one member's bytes changed (CRC recomputed)."""
    with zipfile.ZipFile(bundle) as zf:
        items = [(info, zf.read(info.filename)) for info in zf.infolist()]
    with zipfile.ZipFile(bundle, "w") as zf:
        for info, data in items:
            zf.writestr(info, change(data) if info.filename == name else data)


def test_verify_fails_on_a_one_byte_change_in_a_source(tmp_path, case):
    bundle = tmp_path / "bundle.zip"
    _export(db := case[1], bundle)
    with zipfile.ZipFile(bundle) as zf:
        source = next(n for n in zf.namelist() if n.startswith("sources/"))
    _rewrite(bundle, source, lambda d: d[:5] + bytes([d[5] ^ 0x01]) + d[6:])
    res = run_cli("verify-evidence", str(bundle))
    assert res.exit_code == 2
    assert f"{source}: altered" in res.stderr and "verification FAILED" in res.stderr
    assert db.exists()


def test_verify_fails_on_any_flipped_byte_of_the_file(tmp_path, case):
    bundle = tmp_path / "bundle.zip"
    _export(case[1], bundle)
    original = bundle.read_bytes()
    rng = random.Random(7)
    positions = sorted({0, 4, 30, len(original) // 2, len(original) - 1, len(original) - 22}
                       | {rng.randrange(len(original)) for _ in range(40)})
    for pos in positions:
        damaged = bytearray(original)
        damaged[pos] ^= 0x20
        path = tmp_path / f"damaged-{pos}.zip"
        path.write_bytes(bytes(damaged))
        result = verify(path, strict=True)
        assert not result.ok, f"flipping byte {pos} went unnoticed"
    res = run_cli("verify-evidence", "--strict", str(tmp_path / f"damaged-{positions[3]}.zip"))
    assert res.exit_code == 2 and "verification FAILED" in res.stderr


def test_verify_fails_on_added_file_and_rewritten_manifest(tmp_path, case):
    bundle = tmp_path / "bundle.zip"
    res = _export(case[1], bundle)
    digest = res.stdout.split("manifest sha256: ")[1].strip()
    assert verify(bundle, digest).ok
    extra = tmp_path / "extra.zip"
    extra.write_bytes(bundle.read_bytes())
    with zipfile.ZipFile(extra, "a") as zf:
        zf.writestr("sources/planted.txt", b"planted")
    assert any("planted.txt: in the bundle but not in the manifest" in p for p in verify(extra).problems)
    # a consistent rewrite of a file and its manifest entry is caught by the recorded manifest digest
    forged = tmp_path / "forged.zip"
    forged.write_bytes(bundle.read_bytes())
    with zipfile.ZipFile(forged) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    entry = next(e for e in manifest["files"] if e["path"] == "findings.jsonl")
    entry["sha256"], entry["size"] = hashlib.sha256(b"").hexdigest(), 0
    _rewrite(forged, "findings.jsonl", lambda d: b"")
    _rewrite(forged, "manifest.json", lambda d: json.dumps(manifest).encode())
    result = verify(forged, digest)
    assert not result.ok and any("manifest.json SHA-256" in p for p in result.problems)


def test_export_without_a_complete_scan_is_exit_2(tmp_path):
    from profilewatch.case.store import Store

    Store(tmp_path / "empty.db").close()
    res = run_cli("export-evidence", "--store", str(tmp_path / "empty.db"), "--out", str(tmp_path / "b.zip"))
    assert res.exit_code == 2 and "no completed scan" in res.stderr
    assert not (tmp_path / "b.zip").exists()
    res = run_cli("verify-evidence", str(tmp_path / "empty.db"))
    assert res.exit_code == 2 and "not a readable ZIP" in res.stderr


def test_large_streamed_unit_is_copied_into_the_store_and_bundle(tmp_path):
    from profilewatch import api
    from profilewatch.case.evidence import export
    from profilewatch.case.store import Store

    corpus = make_corpus(tmp_path / "corpus", n=2, with_zip=False)
    big = corpus / "doc000.txt"
    big.write_text("Filler line about the weather.\n" * 200 + FLAG_ZH.format(i="big"), encoding="utf-8")
    with Store(tmp_path / "case.db") as store:
        records = list(api.scan([str(corpus)], store=store, max_in_memory=1024))  # doc000 is read in windows
        assert any(getattr(r, "file", None) == "doc000.txt" and r.to_dict()["type"] == "finding" for r in records)
        big.write_text("changed after the scan\n")  # the store kept its own copy
        export(store, tmp_path / "b.zip")
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        manifest = json.loads(zf.read("manifest.json"))
        entry = next(e for e in manifest["files"] if e["role"] == "source" and e["origins"][0]["file"] == "doc000.txt")
        data = zf.read(entry["path"])
    assert data.endswith(FLAG_ZH.format(i="big").encode("utf-8")) and len(data) > 1024
    assert manifest["missing_sources"] == []
    assert verify(tmp_path / "b.zip").ok


def _unpack(bundle: Path, folder: Path) -> Path:
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(folder)
    return folder


def _rezip(folder: Path, out: Path, *, prefix: str = "", reverse: bool = True) -> Path:
    """Zip ``folder`` as an archiver would: deflated, folder entries, other order, today's timestamps."""
    files = sorted((p for p in folder.rglob("*")), key=lambda p: p.as_posix(), reverse=reverse)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for p in files:
            zf.write(p, prefix + p.relative_to(folder).as_posix() + ("/" if p.is_dir() else ""))
        zf.writestr(prefix + "__MACOSX/._manifest.json", b"\x00\x05\x16\x07")
    return out


def test_a_rezipped_bundle_verifies_whatever_the_order_and_folder_entries(tmp_path, case):
    bundle = tmp_path / "bundle.zip"
    digest = _export(case[1], bundle).stdout.split("manifest sha256: ")[1].strip()
    folder = _unpack(bundle, tmp_path / "unpacked")
    for i, prefix in enumerate(("", "bundle/")):
        rezipped = _rezip(folder, tmp_path / f"rezipped{i}.zip", prefix=prefix)
        with zipfile.ZipFile(rezipped) as zf:
            assert zf.namelist()[0] != prefix + "manifest.json" and any(n.endswith("/") for n in zf.namelist())
        result = verify(rezipped, digest)
        assert result.ok, result.problems
        assert result.canonical is False and any("re-packed" in n for n in result.notes)
        res = run_cli("verify-evidence", str(rezipped), "--manifest-sha256", digest)
        assert res.exit_code == 0 and "OK" in res.stdout, res.output
        assert not verify(rezipped, strict=True).ok
    assert verify(bundle, strict=True).ok and verify(bundle).canonical is True


def test_an_altered_file_in_a_rezipped_bundle_is_one_clear_line(tmp_path, case):
    bundle = tmp_path / "bundle.zip"
    _export(case[1], bundle)
    folder = _unpack(bundle, tmp_path / "unpacked")
    source = next(p for p in (folder / "sources").rglob("*") if p.is_file())
    data = source.read_bytes()
    source.write_bytes(data[:3] + bytes([data[3] ^ 0x01]) + data[4:])
    res = run_cli("verify-evidence", str(_rezip(folder, tmp_path / "altered.zip")))
    assert res.exit_code == 2
    lines = [line for line in res.stderr.splitlines() if "note:" not in line]
    name = source.relative_to(folder).as_posix()
    assert len(lines) == 3, lines  # the file, SHA256SUMS disagreeing with it, the verdict
    assert f"{name}: altered (SHA-256 " in lines[0]
    assert "SHA256SUMS" in lines[1] and name in lines[1]
    assert lines[2].endswith("verification FAILED (1 altered)")


def test_folder_mode_verifies_an_unpacked_bundle_and_catches_changes(tmp_path, case):
    bundle = tmp_path / "bundle.zip"
    digest = _export(case[1], bundle).stdout.split("manifest sha256: ")[1].strip()
    folder = _unpack(bundle, tmp_path / "unpacked")
    res = run_cli("verify-evidence", str(folder), "--manifest-sha256", digest)
    assert res.exit_code == 0 and f"{folder}: OK" in res.stdout, res.output
    assert verify(folder).canonical is None
    (folder / "findings.jsonl").write_text("")
    (folder / "reviews.jsonl").unlink()
    (folder / "sources" / "planted.txt").write_text("planted")
    result = verify(folder)
    assert (result.altered, result.missing, result.extra) == (1, 1, 1)
    assert any(p.startswith("findings.jsonl: altered") for p in result.problems)
    assert "reviews.jsonl: missing (listed in the manifest)" in result.problems
    assert "sources/planted.txt: in the bundle but not in the manifest" in result.problems
    assert run_cli("verify-evidence", str(tmp_path / "nothing-here")).exit_code == 2


def test_sha256sums_and_readme_let_recipients_check_without_profilewatch(tmp_path, case):
    import shutil
    import subprocess

    bundle = tmp_path / "bundle.zip"
    _export(case[1], bundle)
    folder = _unpack(bundle, tmp_path / "unpacked")
    with zipfile.ZipFile(bundle) as zf:
        assert zf.namelist()[:2] == ["manifest.json", "SHA256SUMS"]
        manifest = json.loads(zf.read("manifest.json"))
    sums = dict(reversed(line.split("  ", 1)) for line in (folder / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == {"manifest.json"} | {f["path"] for f in manifest["files"]}
    for name, sha in sums.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == sha
    readme = (folder / "README.txt").read_text()
    assert "sha256sum -c SHA256SUMS" in readme and "verify-evidence" in readme
    assert any(f["path"] == "README.txt" and f["role"] == "readme" for f in manifest["files"])
    if shutil.which("sha256sum") is None:
        pytest.skip("sha256sum not installed: the SHA256SUMS format was checked above")
    ok = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout.count(": OK") == len(sums), ok.stdout + ok.stderr
    (folder / "findings.jsonl").write_text("changed")
    bad = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert bad.returncode == 1 and "findings.jsonl: FAILED" in bad.stdout


def test_export_refuses_to_overwrite_without_force(tmp_path, case):
    out = tmp_path / "bundle.zip"
    out.write_bytes(b"precious")
    res = run_cli("export-evidence", "--store", str(case[1]), "--out", str(out))
    assert res.exit_code == 2 and "--force" in res.stderr and "exists" in res.stderr
    assert out.read_bytes() == b"precious"
    res = run_cli("export-evidence", "--store", str(case[1]), "--out", str(out), "--force")
    assert res.exit_code == 0 and verify(out).ok
