"""Containers: member chains, compressed files, WARC/ARC records and unit accounting."""
from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import zlib

import pytest
from click.testing import CliRunner

from formats_helpers import (CORPUS, gzip_members, http_response, labels, make_tar, make_zip, needs_corpus, problems,
                             scan_bytes, scan_paths, slim, units, warc_record)
from profilewatch.cli import cli

# -- dev corpus ---------------------------------------------------------------------------------


@needs_corpus
def test_archive_members_match_the_dev_corpus_labels():
    records, _ = scan_paths([CORPUS / "archives"])
    scanned = {("archives/" + f, m) for f, m in units(records, "scanned")}
    assert scanned == labels("archives/")
    containers = {("archives/" + f, m) for f, m in units(records, "container")}
    assert containers == {
        ("archives/community-app-src.zip", None), ("archives/hs-faceattr-sdk-v5.5.2.zip", None),
        ("archives/hs-ipc-fw-update-5.5.3.tar.gz", None), ("archives/idreader-sdk-2.4.tar.gz", None),
        ("archives/vms-plugin-pack-4.2.zip", None), ("archives/hs-faceattr-sdk-v5.5.2.zip", "lib/tools.tar.gz"),
        ("archives/vms-plugin-pack-4.2.zip", "plugins/attr-analytics-1.3.zip"),
        ("archives/vms-plugin-pack-4.2.zip", "plugins/people-count-2.0.zip"),
    }
    assert problems(records) == []


@needs_corpus
def test_nested_tar_gz_members_sit_directly_under_the_tar_gz(tmp_path):
    records, collect = scan_paths([CORPUS / "archives/hs-faceattr-sdk-v5.5.2.zip"])
    assert ("hs-faceattr-sdk-v5.5.2.zip", "lib/tools.tar.gz!/include/face.h") in units(records, "scanned")
    unit = next(r for r in records if r["type"] == "unit" and r["member"] == "lib/tools.tar.gz!/include/face.h")
    assert unit["format"] == "code" and unit["size"] == 627
    assert "hs_face_t" in collect.segments[("hs-faceattr-sdk-v5.5.2.zip", "lib/tools.tar.gz!/include/face.h")][0].text


@needs_corpus
def test_warc_members_and_skipped_records_match_the_dev_corpus():
    records, collect = scan_paths([CORPUS / "warc"])
    scanned = {("warc/" + f, m) for f, m in units(records, "scanned")}
    assert scanned == labels("warc/")
    reasons = {}
    for p in problems(records):
        assert p["type"] == "skipped", p
        reasons[p["reason"]] = reasons.get(p["reason"], 0) + 1
    # every response has a request record; each file has a warcinfo; some have metadata; one revisit
    assert reasons == {"warc_warcinfo_record": 4, "warc_request_record": 17, "warc_metadata_record": 4,
                       "warc_revisit_record": 1}
    revisit = next(p for p in problems(records) if p["reason"] == "warc_revisit_record")
    assert revisit["file"] == "yunlan-face-attribute-doc-history.warc.gz"
    assert revisit["member"] == "https://help.yunlan.example/document_detail/face-attribute.html 2021-03-01T08:00:00Z"
    assert "https://help.yunlan.example/document_detail/face-attribute.html 2021-01-05T08:00:00Z" in revisit["message"]


@needs_corpus
def test_warc_payloads_are_dechunked_decompressed_and_carry_provenance():
    records, collect = scan_paths([CORPUS / "warc"])
    by_member = {(r["file"], r["member"]): r for r in records if r["type"] == "unit" and r["outcome"] == "scanned"}
    chunked = ("audiencelens-demographics-history.warc.gz", "https://audiencelens.example/features/demographics 2019-06-01T12:00:00Z")
    gzipped = ("yunlan-face-attribute-doc-history.warc.gz",
               "https://help.yunlan.example/document_detail/face-attribute.html 2020-06-11T08:00:00Z")
    gbk = ("dinghua-hoc-feature-list-history.warc.gz",
           "http://support.dinghua-smart.example/support/project/hoc/feature-list.html 2019-12-10T06:00:00Z")
    for key in (chunked, gzipped, gbk):
        assert by_member[key]["format"] == "html"
        text = "".join(s.text for s in collect.segments[key])
        assert "\r\n0\r\n" not in text and "\x1f\x8b" not in text
    assert "维" in "".join(s.text for s in collect.segments[gbk])  # GBK decoded via the HTTP charset
    prov = by_member[gzipped]["provenance"]
    assert prov["date"] == "2020-06-11T08:00:00Z"
    assert prov["target_uri"] == "https://help.yunlan.example/document_detail/face-attribute.html"
    assert prov["record_type"] == "response" and prov["http_status"] == 200
    assert prov["record_id"].startswith("<urn:uuid:")
    assert prov["content_type"].lower().startswith("text/html")
    assert set(prov) == {"record_id", "date", "target_uri", "payload_digest", "content_type", "http_status",
                         "record_type"}


# -- compressed files and archives built here --------------------------------------------------


@pytest.mark.parametrize("suffix,compress", [("gz", gzip.compress), ("bz2", bz2.compress), ("xz", lzma.compress)])
def test_single_compressed_file_yields_one_child_without_the_suffix(suffix, compress):
    records, collect = scan_bytes(f"logs/notes.txt.{suffix}", compress("hello 维吾尔族 world\n".encode()))
    assert units(records, "scanned") == [(f"logs/notes.txt.{suffix}", "notes.txt")]
    assert collect.segments[(f"logs/notes.txt.{suffix}", "notes.txt")][0].text.startswith("hello 维吾尔族")


@pytest.mark.parametrize("mode,name", [("w", "a.tar"), ("w:gz", "a.tar.gz"), ("w:bz2", "a.tbz2"), ("w:xz", "a.tar.xz")])
def test_tar_members_directly_under_the_file(mode, name):
    data = make_tar({"dir/": b"", "dir/x.py": b"print('x')\n", "README.txt": b"hello there\n"}, mode=mode,
                    links={"dir/link": "../x"})
    records, _ = scan_bytes(name, data)
    assert units(records, "scanned") == [(name, "dir/x.py"), (name, "README.txt")]
    assert [slim(p) for p in problems(records)] == [("skipped", "archive_link", None, name, "dir/link")]
    assert units(records, "container") == [(name, None)]


def test_zip_directory_entries_are_not_units_and_nesting_chains():
    inner = make_zip({"i18n/zh.json": '{"a": "民族"}'.encode()})
    outer = make_zip({"docs/": b"", "docs/a.md": b"# A\n\ntext\n", "plugins/p.zip": inner,
                      "lib/t.tar.gz": make_tar({"include/face.h": b"int x;\n"}, mode="w:gz")})
    records, _ = scan_bytes("sdk.zip", outer)
    assert units(records, "scanned") == [("sdk.zip", "docs/a.md"), ("sdk.zip", "plugins/p.zip!/i18n/zh.json"),
                                         ("sdk.zip", "lib/t.tar.gz!/include/face.h")]
    assert units(records, "container") == [("sdk.zip", "plugins/p.zip"), ("sdk.zip", "lib/t.tar.gz"), ("sdk.zip", None)]


def _7z(members: dict[str, bytes], **kwargs) -> bytes:
    py7zr = pytest.importorskip("py7zr")
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w", **kwargs) as archive:
        for name, data in members.items():
            archive.writestr(data, name)
    return buf.getvalue()


def test_7z_members_nested_and_limits():
    data = _7z({"a/b.txt": "民族 text".encode(), "in.zip": make_zip({"x.md": b"# x\n"}), "c.txt": b"after"})
    records, collect = scan_bytes("a.7z", data)
    assert units(records, "scanned") == [("a.7z", "a/b.txt"), ("a.7z", "in.zip!/x.md"), ("a.7z", "c.txt")]
    assert collect.segments[("a.7z", "a/b.txt")][0].text == "民族 text"
    bomb = _7z({"a.txt": b"hello there", "zeros.bin": b"\0" * (30 << 20), "c.txt": b"after"})
    records, _ = scan_bytes("bomb.7z", bomb)
    assert [slim(p) for p in problems(records)] == [("error", "limit_exceeded", "max_ratio", "bomb.7z", "zeros.bin")]
    assert units(records, "scanned") == [("bomb.7z", "a.txt")]


def test_7z_encrypted_and_damaged():
    for kwargs in ({"password": "pw"}, {"password": "pw", "header_encryption": True}):
        records, _ = scan_bytes("enc.7z", _7z({"s.txt": b"secret"}, **kwargs))
        assert [slim(p) for p in problems(records)] == [("error", "encrypted", None, "enc.7z", None)]
        assert units(records) == [("enc.7z", None)] and units(records, "error") == [("enc.7z", None)]
    whole = _7z({"a.txt": b"hello there" * 100, "b.txt": b"second" * 100})
    records, _ = scan_bytes("cut.7z", whole[: len(whole) // 2])
    assert [slim(p) for p in problems(records)] == [("error", "corrupt", None, "cut.7z", None)]


# -- WARC built here ----------------------------------------------------------------------------

URI = "https://vendor.example/p/1"


def _warc(body_records: list[bytes]) -> bytes:
    info = warc_record("warcinfo", None, "2019-01-01T00:00:00Z", b"software: test\r\n",
                       extra={"WARC-Filename": "t.warc.gz"})
    return b"".join([info, *body_records])


def test_warc_plain_per_record_gzip_and_whole_file_compression_agree():
    chunked_body = b"5\r\n<p>hi\r\n7\r\n ethnic\r\n0\r\n\r\n"
    deflated = zlib.compress(b"<p>deflated page</p>")
    recs = [
        warc_record("response", URI, "2019-04-08T10:00:00Z", http_response(b"<p>plain</p>")),
        warc_record("request", URI, "2019-04-08T10:00:00Z", b"GET /p/1 HTTP/1.1\r\nHost: vendor.example\r\n\r\n"),
        warc_record("response", URI, "2019-05-08T10:00:00Z",
                    http_response(chunked_body, headers={"Transfer-Encoding": "chunked"})),
        warc_record("response", URI, "2019-06-08T10:00:00Z",
                    http_response(deflated, headers={"Content-Encoding": "deflate"})),
        warc_record("resource", "file:///doc.txt", "2019-07-08T10:00:00Z", "民族 text".encode(),
                    content_type="text/plain; charset=utf-8"),
        warc_record("metadata", URI, "2019-06-08T10:00:00Z", b"via: x\r\n"),
    ]
    expected_scanned = [f"{URI} 2019-04-08T10:00:00Z", f"{URI} 2019-05-08T10:00:00Z", f"{URI} 2019-06-08T10:00:00Z",
                        "file:///doc.txt 2019-07-08T10:00:00Z"]
    plain = _warc(recs)
    variants = {"a.warc": plain, "a.warc.gz": gzip_members([_warc([]), *recs]),
                "b.warc.gz": gzip.compress(plain), "c.warc.bz2": bz2.compress(plain), "d.warc.xz": lzma.compress(plain)}
    for name, data in variants.items():
        records, collect = scan_bytes(name, data)
        assert [m for _, m in units(records, "scanned")] == expected_scanned, name
        texts = ["".join(s.text for s in collect.segments[(name, m)]) for m in expected_scanned]
        assert "hi" in texts[1] and "ethnic" in texts[1] and "5\r\n" not in texts[1], name
        assert "deflated page" in texts[2], name
        assert texts[3] == "民族 text", name
        assert [slim(p) for p in problems(records)] == [
            ("skipped", "warc_warcinfo_record", None, name, "t.warc.gz 2019-01-01T00:00:00Z"),
            ("skipped", "warc_request_record", None, name, f"{URI} 2019-04-08T10:00:00Z"),
            ("skipped", "warc_metadata_record", None, name, f"{URI} 2019-06-08T10:00:00Z"),
        ], name


def test_warc_brotli_content_encoding():
    brotli = pytest.importorskip("brotli")
    rec = warc_record("response", URI, "2020-01-01T00:00:00Z",
                      http_response(brotli.compress("维吾尔族 page".encode()), headers={"Content-Encoding": "br"}))
    records, collect = scan_bytes("br.warc", _warc([rec]))
    assert units(records, "scanned") == [("br.warc", f"{URI} 2020-01-01T00:00:00Z")]
    assert "维吾尔族 page" in collect.segments[("br.warc", f"{URI} 2020-01-01T00:00:00Z")][0].text


def test_warc_inside_a_zip_keeps_the_archive_path():
    data = make_zip({"crawl/site.warc.gz": gzip.compress(_warc([
        warc_record("response", URI, "2019-04-08T10:00:00Z", http_response(b"<p>x</p>"))]))})
    records, _ = scan_bytes("bundle.zip", data)
    assert units(records, "scanned") == [("bundle.zip", f"crawl/site.warc.gz!/{URI} 2019-04-08T10:00:00Z")]


def test_arc_records():
    body = http_response(b"<html><body>ARC page</body></html>", content_type="text/html")
    header = b"filedesc://t.arc 0.0.0.0 20190101000000 text/plain 9\n1 0 test\n\n"
    record = f"{URI} 1.2.3.4 20190408100000 text/html {len(body)}\n".encode() + body + b"\n"
    records, collect = scan_bytes("old.arc", header + record)
    assert units(records, "scanned") == [("old.arc", f"{URI} 20190408100000")]
    assert "ARC page" in "".join(s.text for s in collect.segments[("old.arc", f"{URI} 20190408100000")])
    records, _ = scan_bytes("old.arc.gz", gzip.compress(header + record))
    assert units(records, "scanned") == [("old.arc.gz", f"{URI} 20190408100000")]


# -- accounting ---------------------------------------------------------------------------------


@needs_corpus
def test_cli_unit_records_add_up_to_the_summary(tmp_path):
    (tmp_path / "sdk.zip").write_bytes(make_zip({"a.txt": b"some text here\n", "in.zip": make_zip({"b.md": b"# b\n"}),
                                                 "../evil.txt": b"x"}))
    (tmp_path / "site.warc.gz").write_bytes((CORPUS / "warc/hs-ipc-ai7a2-history.warc.gz").read_bytes())
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "note.txt").write_text("plain note\n")
    result = CliRunner().invoke(cli, ["scan", "--units", "--format", "jsonl", str(tmp_path)])
    assert result.exit_code in (0, 1), result.output
    rows = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    summary = rows[-1]
    unit_rows = [r for r in rows if r["type"] == "unit"]
    outcomes = {}
    for r in unit_rows:
        outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
    assert summary["type"] == "summary"
    seen = summary["units"]["seen"]
    assert seen == len([r for r in unit_rows if r["outcome"] != "container"])
    assert seen == summary["units"]["scanned"] + summary["units"]["skipped"] + summary["units"]["error"]
    # 2 zip members + 5 WARC responses + note = 8 scanned; warcinfo + 5 requests + 1 metadata + empty = 8 skipped
    assert outcomes == {"scanned": 8, "skipped": 8, "error": 1, "container": 3}
    assert summary["errors"] == 1 and summary["skipped"] == 8


@needs_corpus
def test_containers_too_large_to_hold_are_opened_from_disk(tmp_path):
    import profilewatch

    tar = make_tar({"a/face.h": b"int minzu;\n", "README": b"readme text here\n"}, mode="w:gz")
    (tmp_path / "big.zip").write_bytes(make_zip({"doc.txt": b"x" * 5000, "t.tar.gz": tar}))
    (tmp_path / "big.tar.gz").write_bytes(tar + b"\0" * 2000)  # zero padding after the gzip stream
    (tmp_path / "site.warc.gz").write_bytes((CORPUS / "warc/audiencelens-demographics-history.warc.gz").read_bytes())
    records = [r.to_dict() for r in profilewatch.scan([str(tmp_path)], max_in_memory=1000)]
    assert set(units(records, "scanned")) == {
        ("big.zip", "doc.txt"), ("big.zip", "t.tar.gz!/a/face.h"), ("big.zip", "t.tar.gz!/README"),
        ("big.tar.gz", "a/face.h"), ("big.tar.gz", "README"),
        ("site.warc.gz", "https://audiencelens.example/features/demographics 2018-09-01T12:00:00Z"),
        ("site.warc.gz", "https://audiencelens.example/features/demographics 2019-06-01T12:00:00Z"),
        ("site.warc.gz", "https://audiencelens.example/features/demographics 2020-07-01T12:00:00Z")}
    assert [r for r in records if r["type"] == "error"] == []
