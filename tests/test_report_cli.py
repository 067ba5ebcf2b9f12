"""CLI: ``scan --format html|sarif|csv|md`` and ``report FINDINGS.jsonl`` without rescanning."""
from __future__ import annotations

import csv
import io
import json

from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from selectolax.lexbor import LexborHTMLParser

from profilewatch.cli import cli
from profilewatch.detect.rules import load_rules


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A folder with the packs' own flag examples (so the scan finds something) and a clean file."""
    root = tmp_path_factory.mktemp("case-files")
    examples = [e.text for e in load_rules().examples if e.flag and e.context == "prose"][:6]
    (root / "docs").mkdir()
    (root / "docs" / "datasheet.txt").write_text("\n\n".join(examples) + "\n", encoding="utf-8")
    (root / "notes.txt").write_text("Nothing to see here.\n", encoding="utf-8")
    (root / "<img src=x onerror=alert(1)>.txt").write_text(
        examples[0] + "\n", encoding="utf-8")
    return root


def run(*args: str):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


def test_scan_writes_html_without_scanning_machine_paths(corpus, tmp_path):
    out = tmp_path / "report.html"
    result = run("scan", str(corpus), "--format", "html", "--output", str(out))
    assert result.exit_code == 1, result.output  # flag findings
    html = out.read_text(encoding="utf-8")
    assert str(corpus) not in html and str(tmp_path) not in html
    doc = LexborHTMLParser(html)
    sources = [h.text() for h in doc.css("#findings section.source h3 .path")]
    assert sources[0] == "docs/datasheet.txt" and "<img src=x onerror=alert(1)>.txt" in sources
    assert not doc.css("img") and len(doc.css("script")) == 1
    assert len(doc.css("article.finding")) >= 3
    footer = doc.css_first("footer").text()
    assert f"paths = {corpus.name}" in footer

    out_abs = tmp_path / "abs.html"
    run("scan", str(corpus), "--format", "html", "--output", str(out_abs), "--show-paths", "absolute")
    assert str(corpus / "docs" / "datasheet.txt") in out_abs.read_text(encoding="utf-8")


def test_report_renders_saved_jsonl_in_every_format(corpus, tmp_path):
    saved = tmp_path / "findings.jsonl"
    assert run("scan", str(corpus), "--format", "jsonl", "--output", str(saved)).exit_code == 1
    records = [json.loads(line) for line in saved.read_text(encoding="utf-8").splitlines()]
    findings = [r for r in records if r["type"] == "finding"]
    assert findings

    html = run("report", str(saved), "--format", "html").output
    doc = LexborHTMLParser(html)
    assert len(doc.css("article.finding")) == len(findings)
    assert doc.css(".card .n")[1].text() == str(records[-1]["flag_findings"])
    assert "counted from the records" not in html  # summary came from the file

    sarif = json.loads(run("report", str(saved), "--format", "sarif").output)
    jsonschema.validate(sarif, json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text()))
    assert len(sarif["runs"][0]["results"]) == len(findings)
    assert "%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.txt" in {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert sarif["runs"][0]["tool"]["driver"]["properties"]["rulesDigest"] == records[0]["rules_digest"]

    out = tmp_path / "f.csv"
    assert run("report", str(saved), "--format", "csv", "--csv-bom", "-o", str(out)).exit_code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbffile,member,")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert [r["fingerprint"] for r in rows] == [f["fingerprint"] for f in findings]

    md = run("report", str(saved), "--format", "md").output
    assert md.startswith("# profilewatch report") and "### `docs/datasheet.txt`" in md
    assert "### `<img src=x onerror=alert(1)>.txt`" in md  # inside a code span: inert


def test_report_tolerates_missing_header_summary_and_junk(corpus, tmp_path):
    saved = tmp_path / "findings.jsonl"
    run("scan", str(corpus), "--format", "jsonl", "--output", str(saved))
    findings = [line for line in saved.read_text(encoding="utf-8").splitlines() if '"type":"finding"' in line]
    only = tmp_path / "only-findings.jsonl"
    only.write_text("\n".join(findings) + "\nnot json\n[1, 2]\n\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", str(only), "--format", "html"])
    assert result.exit_code == 0
    assert "2 line(s) of" in result.stderr and "were ignored" in result.stderr
    doc = LexborHTMLParser(result.stdout)
    assert "counted from the records" in doc.css_first("#summary").text()
    assert doc.css(".card .n")[1].text() == str(len(findings))

    sarif = json.loads(CliRunner().invoke(cli, ["report", "-", "--format", "sarif"], input="\n".join(findings)).stdout)
    assert len(sarif["runs"][0]["results"]) == len(findings)


def test_report_rejects_unknown_format(tmp_path):
    saved = tmp_path / "x.jsonl"
    saved.write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", str(saved), "--format", "pdf"])
    assert result.exit_code == 2 and "unknown format" in result.output


def test_report_accepts_bare_findings_from_other_tools(tmp_path):
    """Findings without ``type`` and with a string evidence / list category (other tools' output)."""
    saved = tmp_path / "other.jsonl"
    saved.write_text(
        '{"file": "archives/a.zip", "member": "x/y.h", "kind": "implementation", "category": ["ethnicity"]}\n'
        '{"file": "txt/b.txt", "member": null, "kind": "reporting", "category": "religion", "evidence": "uyghur"}\n',
        encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(run("report", str(saved), "--format", "csv").output, newline="")))
    assert [(r["file"], r["kind"], r["categories"], r["flag"], r["rule"], r["snippet"]) for r in rows] == [
        ("archives/a.zip", "implementation", "ethnicity", "true", "ethnicity/implementation", ""),
        ("txt/b.txt", "reporting", "religion", "false", "religion/reporting", "uyghur")]
    doc = LexborHTMLParser(run("report", str(saved), "--format", "html").output)
    assert [a.attributes["data-kind"] for a in doc.css("article.finding")] == ["implementation", "reporting"]
