"""The records schema (profilewatch/schemas/records.schema.json): real output matches it, broken records do not."""
from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema (test extra) is needed to check the records schema")

from profilewatch.cli import cli  # noqa: E402
from profilewatch.records import schema  # noqa: E402

import conftest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
VALIDATOR = jsonschema.Draft202012Validator(schema())


def _scan(*args: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["scan", *args, "--format", "jsonl"])
    assert result.exit_code in (0, 1), result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def _errors(record: dict) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(record)]


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> list[dict]:
    root = tmp_path_factory.mktemp("mixed")
    for p in (ROOT / "examples").iterdir():
        (root / p.name).write_bytes(p.read_bytes())
    (root / "empty.txt").write_bytes(b"")
    (root / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    with zipfile.ZipFile(root / "bundle.zip", "w") as z:
        z.writestr("inner/spec.txt", "The camera detects ethnicity (Uyghur) of every passer-by.")
    return _scan(str(root), "--units")


def test_the_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(schema())
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_every_record_type_of_a_real_scan_matches(records):
    types = {r["type"] for r in records}
    assert {"header", "finding", "unit", "summary"} <= types
    assert types & {"error", "skipped"}
    for r in records:
        assert _errors(r) == [], r


def test_the_suite_hook_checks_records_written_by_tests(records):
    before = conftest.CHECKED["records"]
    _scan(str(ROOT / "examples" / "face_attr.h"))
    assert conftest.CHECKED["records"] >= before + 3  # header, findings, summary went past the hook


def test_extra_fields_are_allowed(records):
    f = next(r for r in records if r["type"] == "finding")
    f = dict(f, partial=True, text_source="ocr", decode_errors=3)
    f["evidence"] = dict(f["evidence"], bbox=[1, 2, 3, 4])
    assert _errors(f) == []
    assert _errors({"type": "summary", **{k: v for k, v in records[-1].items() if k != "type"}, "new": 1}) == []


@pytest.mark.parametrize("field", ["file", "member", "kind", "category", "rule", "confidence", "evidence",
                                   "sha256", "fingerprint"])
def test_a_finding_without_a_contract_field_fails(records, field):
    f = copy.deepcopy(next(r for r in records if r["type"] == "finding"))
    del f[field]
    assert any(repr(field) in e for e in _errors(f))


@pytest.mark.parametrize("change, word", [
    (lambda f: f.update(confidence=1.5), "1.5"),
    (lambda f: f.update(member=3), "3"),
    (lambda f: f["evidence"].pop("match"), "'match'"),
    (lambda f: f.update(sha256="XYZ"), "XYZ"),
    (lambda f: f.update(rule="no-slash"), "no-slash"),
])
def test_a_finding_of_the_wrong_shape_fails(records, change, word):
    f = copy.deepcopy(next(r for r in records if r["type"] == "finding"))
    change(f)
    errors = _errors(f)
    assert errors and any(word in e for e in errors), errors


def test_other_record_types_fail_without_their_fields(records):
    problem = next(r for r in records if r["type"] in ("error", "skipped"))
    assert _errors({k: v for k, v in problem.items() if k != "reason"})
    unit = next(r for r in records if r["type"] == "unit")
    assert _errors({k: v for k, v in unit.items() if k != "outcome"})
    summary = copy.deepcopy(records[-1])
    del summary["units"]["seen"]
    assert _errors(summary)
    assert _errors({"type": "header", "tool": "somethingelse", "arguments": {}})
    assert _errors({"type": "timeline", "url": "http://example.org/"})
    assert _errors({"type": "mystery"})
    assert _errors({"file": "no type"})


def test_the_suite_hook_catches_a_record_that_does_not_match():
    import io

    from profilewatch.report import WRITERS
    from profilewatch.report import write

    head = {"type": "header", "tool": "profilewatch", "arguments": {}}
    write.write_all(WRITERS["jsonl"](io.StringIO()), head, [{"type": "finding", "file": "a.txt"}])
    caught, conftest.VIOLATIONS[:] = list(conftest.VIOLATIONS), []
    assert any("'member' is a required property" in v for v in caught), caught
