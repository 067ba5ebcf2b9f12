"""Hostile and broken inputs: each gives one exact error/skipped record and the scan goes on."""
from __future__ import annotations

import gzip
import io
import struct
import zipfile
from pathlib import Path

import pypdf

from formats_helpers import (CORPUS, make_tar, make_zip, needs_corpus, problems, scan_bytes, scan_paths, slim, units,
                             warc_record, with_limits)

NEXT = "zz-next.txt"  # sorts last: proves the scan went on after the bad file


def _scan_with_next(tmp_path: Path, name: str, data: bytes, **limits) -> list[dict]:
    (tmp_path / name).write_bytes(data)
    (tmp_path / NEXT).write_text("the scan went on\n")
    records, _ = scan_paths([tmp_path], limits=with_limits(**limits) if limits else None)
    assert units(records)[-1] == (NEXT, None) and units(records, "scanned")[-1] == (NEXT, None)
    return records


def _bad(records: list[dict]) -> list[tuple]:
    return [slim(p) for p in problems(records)]


# -- zip bombs and limits -------------------------------------------------------------------------


def test_single_high_ratio_member_is_a_max_ratio_error(tmp_path):
    data = make_zip({"readme.txt": b"fine\n", "zeros.bin": b"\0" * (20 << 20)})
    records = _scan_with_next(tmp_path, "bomb.zip", data)
    assert _bad(records) == [("error", "limit_exceeded", "max_ratio", "bomb.zip", "zeros.bin")]
    assert ("bomb.zip", "readme.txt") in units(records, "scanned")
    assert ("bomb.zip", "zeros.bin") in units(records, "error")


def test_nested_42_zip_style_bomb_stops_at_max_total_bytes(tmp_path):
    layer = make_zip({f"{i}.bin": b"\0" * (1 << 20) for i in range(4)})  # 1 MiB each: under the ratio floor
    for depth in range(3):
        layer = make_zip({f"l{depth}-{i}.zip": layer for i in range(4)})  # 256 MiB in all
    records = _scan_with_next(tmp_path, "42.zip", layer, max_total_bytes=16 << 20)
    bad = _bad(records)
    assert len(bad) == 1  # reported once; every opener of the file stops
    kind, reason, limit, file, member = bad[0]
    assert (kind, reason, limit, file) == ("error", "limit_exceeded", "max_total_bytes", "42.zip")
    assert member.count("!/") == 3  # hit while unpacking a leaf member
    assert len(units(records, "scanned")) == 16  # 16 MiB of 1 MiB leaves, then the budget is gone


def test_gzip_bomb_single_file(tmp_path):
    records = _scan_with_next(tmp_path, "big.log.gz", gzip.compress(b"\0" * (30 << 20)))
    assert _bad(records) == [("error", "limit_exceeded", "max_ratio", "big.log.gz", "big.log")]


def test_archive_nested_deeper_than_max_depth(tmp_path):
    data = make_zip({"deep.txt": b"bottom\n"})
    for level in range(6, 0, -1):
        data = make_zip({f"l{level}.zip": data})
    records = _scan_with_next(tmp_path, "top.zip", data)
    assert _bad(records) == [("error", "limit_exceeded", "max_depth", "top.zip", "l1.zip!/l2.zip!/l3.zip!/l4.zip!/l5.zip")]
    assert ("top.zip", "l1.zip!/l2.zip!/l3.zip!/l4.zip!/l5.zip") in units(records, "error")


def test_max_members_and_max_member_bytes(tmp_path):
    many = make_zip({f"f{i}.txt": b"text %d\n" % i for i in range(10)})
    records, _ = scan_bytes("many.zip", many, limits=with_limits(max_members=3))
    assert _bad(records) == [("error", "limit_exceeded", "max_members", "many.zip", None)]
    assert len(units(records, "scanned")) == 3
    big = make_zip({"small.txt": b"ok\n", "big.txt": b"x" * 5000, "after.txt": b"after\n"})
    records, _ = scan_bytes("big.zip", big, limits=with_limits(max_member_bytes=1000))
    assert _bad(records) == [("error", "limit_exceeded", "max_member_bytes", "big.zip", "big.txt")]
    assert units(records, "scanned") == [("big.zip", "small.txt"), ("big.zip", "after.txt")]
    tar = make_tar({"small.txt": b"ok\n", "big.txt": b"x" * 5000, "after.txt": b"after\n"}, mode="w:gz")
    records, _ = scan_bytes("big.tar.gz", tar, limits=with_limits(max_member_bytes=1000))
    assert _bad(records) == [("error", "limit_exceeded", "max_member_bytes", "big.tar.gz", "big.txt")]
    assert units(records, "scanned") == [("big.tar.gz", "small.txt"), ("big.tar.gz", "after.txt")]


def test_unit_seconds_while_unpacking():
    records, _ = scan_bytes("slow.zip", make_zip({"a.txt": b"text\n"}), limits=with_limits(unit_seconds=-1))
    assert _bad(records) == [("error", "limit_exceeded", "unit_seconds", "slow.zip", "a.txt")]


def test_office_document_with_a_bomb_part(tmp_path):
    data = make_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>",
                     "word/media/pad.bin": b"\0" * (20 << 20)})
    records = _scan_with_next(tmp_path, "bomb.docx", data)
    assert _bad(records) == [("error", "limit_exceeded", "max_ratio", "bomb.docx", None)]


# -- unsafe names ---------------------------------------------------------------------------------


def test_member_climbing_out_is_reported_and_never_written(tmp_path):
    data = make_zip({"ok.txt": b"fine\n", "../../etc/x": b"evil\n", "/abs/y": b"evil\n"})
    records = _scan_with_next(tmp_path, "evil.zip", data)
    assert _bad(records) == [("error", "unsafe_path", None, "evil.zip", "../../etc/x"),
                             ("error", "unsafe_path", None, "evil.zip", "/abs/y")]
    assert ("evil.zip", "ok.txt") in units(records, "scanned")
    assert not (tmp_path.parent.parent / "etc/x").exists() and not Path("/abs/y").exists()
    tar = make_tar({"../../etc/x": b"evil\n", "ok.txt": b"fine\n"}, mode="w:gz")
    records, _ = scan_bytes("evil.tgz", tar)
    assert _bad(records) == [("error", "unsafe_path", None, "evil.tgz", "../../etc/x")]
    assert units(records, "scanned") == [("evil.tgz", "ok.txt")]


# -- truncated and corrupt archives --------------------------------------------------------------


@needs_corpus
def test_truncated_warc_gz_keeps_the_records_before_the_cut(tmp_path):
    whole = (CORPUS / "warc/hs-ipc-ai7a2-history.warc.gz").read_bytes()
    records = _scan_with_next(tmp_path, "cut.warc.gz", whole[: len(whole) // 2])
    # the record the cut falls in is a truncated error on that record (issue 12: not scanned as if complete)
    assert _bad(records)[-1] == ("error", "truncated", None, "cut.warc.gz",
                                 "https://www.haishengvision.example/cn/products/ipc/HS-IPC-AI7A2-JR.html 2019-08-15T03:12:40Z")
    assert all(p[0] == "skipped" for p in _bad(records)[:-1])
    scanned = [m for f, m in units(records, "scanned") if f == "cut.warc.gz"]
    assert scanned[:1] == [
        "https://www.haishengvision.example/cn/products/ipc/HS-IPC-AI7A2-JR.html 2019-04-08T10:00:00Z"]


def _warc_pages(*names: str) -> list[bytes]:
    return [warc_record("response", f"https://v.example/{n}", f"2019-01-0{i}T00:00:00Z",
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npage " + n.encode())
            for i, n in enumerate(names, 1)]


def test_warc_with_a_garbled_header(tmp_path):
    a, b, c = _warc_pages("a", "b", "c")
    records = _scan_with_next(tmp_path, "bad.warc", a + b.replace(b"WARC/1.0", b"WARX/1.0") + c)
    assert _bad(records) == [("error", "corrupt", None, "bad.warc", None)]
    assert units(records, "scanned")[0] == ("bad.warc", "https://v.example/a 2019-01-01T00:00:00Z")
    message = problems(records)[0]["message"]
    assert "after 1 record(s)" in message and "https://v.example/a 2019-01-01T00:00:00Z" in message


def test_warc_record_longer_than_the_file(tmp_path):
    a, b = _warc_pages("a", "b")
    records = _scan_with_next(tmp_path, "long.warc", a + b.replace(b"Content-Length: ", b"Content-Length: 9"))
    assert _bad(records) == [("error", "truncated", None, "long.warc", "https://v.example/b 2019-01-02T00:00:00Z")]
    assert "declares" in problems(records)[0]["message"]


def test_warc_with_a_garbled_record_type_is_counted_not_scanned():
    a, b, c = _warc_pages("a", "b", "c")
    records, _ = scan_bytes("t.warc", a + b.replace(b"WARC-Type: response", b"WARC-Type response") + c)
    assert _bad(records) == [("skipped", "warc_unknown_record", None, "t.warc", "https://v.example/b 2019-01-02T00:00:00Z")]
    assert len(units(records, "scanned")) == 2


def test_truncated_zip_is_read_from_its_local_headers(tmp_path):
    data = make_zip({"a.txt": b"first member\n", "b.txt": b"second member\n", "c.txt": b"x" * 3000},
                    compression=zipfile.ZIP_STORED)
    cut = data[: data.index(b"x" * 100) + 50]  # inside c.txt, before the central directory
    records = _scan_with_next(tmp_path, "cut.zip", cut)
    assert units(records, "scanned")[:2] == [("cut.zip", "a.txt"), ("cut.zip", "b.txt")]
    assert _bad(records) == [("error", "truncated", None, "cut.zip", "c.txt")]
    data = make_zip({"a.txt": b"first member\n", "b.txt": b"second member\n"})
    records, _ = scan_bytes("nodir.zip", data[: data.index(b"PK\x01\x02")])  # central directory cut off
    assert units(records, "scanned") == [("nodir.zip", "a.txt"), ("nodir.zip", "b.txt")]
    assert _bad(records) == [("error", "truncated", None, "nodir.zip", None)]


def test_truncated_tar_gz_keeps_what_was_read(tmp_path):
    data = make_tar({"a.txt": b"first\n", "b.bin": bytes(range(256)) * 400}, mode="w:gz")
    records = _scan_with_next(tmp_path, "cut.tar.gz", data[: len(data) * 2 // 3])
    assert ("cut.tar.gz", "a.txt") in units(records, "scanned")
    assert _bad(records)[-1] == ("error", "truncated", None, "cut.tar.gz", None)


def test_corrupt_gzip_is_an_error_unit(tmp_path):
    records = _scan_with_next(tmp_path, "junk.gz", b"\x1f\x8b\x08\x00" + b"\xff" * 64)
    assert _bad(records) == [("error", "corrupt", None, "junk.gz", None)]
    assert ("junk.gz", None) in units(records, "error")  # nothing could be read: not an empty container


def _encrypted_zip() -> bytes:
    data = bytearray(make_zip({"plain.txt": b"readable\n", "secret.txt": b"hidden\n"}))
    # set the "encrypted" flag bit of secret.txt in its local header and central directory entry
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = -1
        while (pos := data.find(sig, pos + 1)) >= 0:
            name_len = struct.unpack_from("<H", data, pos + (26 if sig == b"PK\x03\x04" else 28))[0]
            name_at = pos + (30 if sig == b"PK\x03\x04" else 46)
            if data[name_at:name_at + name_len] == b"secret.txt":
                flags = struct.unpack_from("<H", data, pos + flag_at)[0]
                struct.pack_into("<H", data, pos + flag_at, flags | 1)
    return bytes(data)


def test_encrypted_zip_member(tmp_path):
    records = _scan_with_next(tmp_path, "enc.zip", _encrypted_zip())
    assert _bad(records) == [("error", "encrypted", None, "enc.zip", "secret.txt")]
    assert ("enc.zip", "plain.txt") in units(records, "scanned")


# -- documents ------------------------------------------------------------------------------------


def _pdf(user_password: str | None = None) -> bytes:
    writer = pypdf.PdfWriter()
    writer.append(pypdf.PdfReader(CORPUS / "pdf/vendor-letter-disclaimer.pdf"))
    if user_password is not None:
        writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-256")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@needs_corpus
def test_encrypted_pdf(tmp_path):
    records = _scan_with_next(tmp_path, "locked.pdf", _pdf("secret"))
    assert _bad(records) == [("error", "encrypted", None, "locked.pdf", None)]
    assert problems(records)[0]["message"].startswith("EncryptedPDF: PDF is encrypted with a user password")


@needs_corpus
def test_pdf_encrypted_with_an_empty_user_password_is_read(tmp_path):
    records, collect = scan_bytes("owner-only.pdf", _pdf(""))
    assert units(records, "scanned") == [("owner-only.pdf", None)]
    assert [s.page for s in collect.segments[("owner-only.pdf", None)] if s.page] == [1, 2]


@needs_corpus
def test_corrupted_pdf(tmp_path):
    whole = (CORPUS / "pdf/vendor-letter-disclaimer.pdf").read_bytes()
    records = _scan_with_next(tmp_path, "broken.pdf", whole[: len(whole) // 3])
    assert _bad(records) == [("error", "corrupt", None, "broken.pdf", None)]
    assert problems(records)[0]["message"].startswith("MalformedPDF: ")


def test_xml_billion_laughs(tmp_path):
    laughs = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
              b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n<lolz>&lol3;</lolz>\n')
    records = _scan_with_next(tmp_path, "laughs.xml", laughs)
    assert _bad(records) == [("error", "extract_failed", None, "laughs.xml", None)]
    assert problems(records)[0]["message"] == (
        "UnsafeXML: XML refused: EntitiesForbidden: EntitiesForbidden(name='lol', system_id=None, public_id=None)")


def test_zero_byte_file(tmp_path):
    records = _scan_with_next(tmp_path, "empty.bin", b"")
    assert _bad(records) == [("skipped", "empty", None, "empty.bin", None)]
    assert ("empty.bin", None) in units(records, "skipped")


def test_zero_byte_archive_member():
    records, _ = scan_bytes("e.zip", make_zip({"empty.txt": b"", "a.txt": b"text\n"}))
    assert _bad(records) == [("skipped", "empty", None, "e.zip", "empty.txt")]
