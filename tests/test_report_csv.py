"""CSV output: stable columns, one row per finding, formula neutralisation, BOM option."""
from __future__ import annotations

import csv
import io

from profilewatch.report.csv import COLUMNS, cell
from report_samples import hostile_records, normal_records, render


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_columns_are_stable():
    text = render("csv", normal_records())
    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert COLUMNS[:4] == ("file", "member", "warc_target_uri", "warc_date")
    assert text.endswith("\r\n") and not text.startswith("\ufeff")


def test_one_row_per_finding_with_locators():
    got = rows(render("csv", normal_records()))
    assert len(got) == 5  # problems and timeline records are not rows
    first = got[0]
    assert first["file"] == "html/datasheet.html" and first["member"] == ""
    assert (first["line"], first["column"], first["page"]) == ("12", "5", "")
    assert (first["level"], first["flag"], first["kind"]) == ("error", "true", "capability_claim")
    assert first["categories"] == "ethnicity" and first["confidence"] == "0.92"
    assert first["match"] == "维族" and first["terms"] == "维族;汉族"
    assert first["snippet"].startswith("支持识别") and first["sha256"] == "a" * 64
    assert got[1]["member"] == "lib/tools.tar.gz!/include/face.h" and got[1]["level"] == "warning"
    assert got[2]["page"] == "3" and got[2]["categories"] == "skin_color;ethnicity"
    warc = got[3]
    assert warc["warc_target_uri"] == "https://www.vendor.example/p/ai7.html"
    assert warc["warc_date"] == "2019-04-08T10:00:00Z" and warc["flag"] == "false" and warc["level"] == "note"
    assert warc["warc_record_id"] == "<urn:uuid:00000000-0000-0000-0000-000000000001>"
    assert got[4]["byte_offset"] == "4096"


def test_formula_injection_neutralised():
    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert cell(bad) == "'" + bad
    assert cell("a=1") == "a=1" and cell(0.5) == 0.5 and cell(None) == ""
    head, records, p = hostile_records()
    got = rows(render("csv", records, header=head))
    formula = got[3]
    assert formula["snippet"] == "'" + p["formula"]
    assert formula["sha256"] == "'" + p["formula"]
    assert formula["file"] == "csv/" + p["formula"]  # not at the start of the cell: harmless
    for r in got:
        for value in r.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_bom_option_and_multiline_cells():
    text = render("csv", normal_records(), csv_bom=True)
    assert text.startswith("\ufeff" + "file,member,")
    rec = dict(normal_records()[0], evidence={"text": "line one\nline \"two\"", "match": "one", "line": 1})
    assert rows(render("csv", [rec]))[0]["snippet"] == "line one\nline \"two\""


def test_paths_relative():
    rec = dict(normal_records()[0], file="/home/alice/cases/vendor-x/a.html")
    assert rows(render("csv", [rec]))[0]["file"] == "a.html"
