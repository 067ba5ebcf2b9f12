"""SARIF 2.1.0 output: schema-valid, rules from the packs, locations, levels, limits."""
from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import jsonschema
import pytest

from profilewatch.detect.rules import load_rules
from report_samples import HEADER, hostile_records, normal_records, render

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def sarif(records, **kw) -> dict:
    kw.setdefault("packs", load_rules().packs)  # the caller hands the writer the loaded packs
    doc = json.loads(render("sarif", records, **kw))
    jsonschema.validate(doc, SCHEMA)
    return doc


def by_file(doc) -> dict[str, dict]:
    return {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in doc["runs"][0]["results"]}


def test_valid_against_official_schema_even_when_empty_or_hostile():
    assert sarif([], summary=None)["runs"][0]["results"] == []
    head, records, _ = hostile_records()
    doc = sarif(records, header=head)
    assert len(doc["runs"]) == 1 and doc["version"] == "2.1.0"


def test_driver_lists_every_rule_with_descriptions_and_help():
    doc = sarif(normal_records())
    driver = doc["runs"][0]["tool"]["driver"]
    assert driver["name"] == "profilewatch" and driver["version"] == "0.1.0"
    assert driver["properties"]["rulesDigest"] == HEADER["rules_digest"]
    ids = [r["id"] for r in driver["rules"]]
    assert set(load_rules().rule_ids()) <= set(ids)
    assert len(ids) == len(set(ids))
    rule = driver["rules"][ids.index("ethnicity/capability_claim")]
    assert rule["shortDescription"]["text"] == "Ethnicity: capability claim"
    assert "infer ethnicity from a person's appearance" in rule["fullDescription"]["text"]
    assert rule["help"]["text"] and rule["help"]["markdown"]
    assert rule["defaultConfiguration"]["level"] == "error"
    assert rule["properties"]["category"] == "ethnicity" and rule["properties"]["flag"] is True
    assert driver["rules"][ids.index("ethnicity/disclaimer")]["defaultConfiguration"]["level"] == "note"
    for result in doc["runs"][0]["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_levels_regions_and_fingerprints():
    results = by_file(sarif(normal_records()))
    plain = results["html/datasheet.html"]
    assert plain["level"] == "error" and plain["ruleId"] == "ethnicity/capability_claim"
    assert plain["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    region = plain["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 12 and region["startColumn"] == 5
    assert region["snippet"]["text"].startswith("支持识别维族")
    assert plain["partialFingerprints"] == {"profilewatchFingerprint/v1": "f" * 32}
    assert plain["properties"]["sha256"] == "a" * 64 and plain["properties"]["confidence"] == 0.92
    assert '"维族"' in plain["message"]["text"] and "capability cue" in plain["message"]["text"]

    pdf = results["pdf/tender.pdf"]
    assert "region" not in pdf["locations"][0]["physicalLocation"]
    assert pdf["properties"]["page"] == 3 and pdf["properties"]["categories"] == ["skin_color", "ethnicity"]
    assert results["bin/firmware.bin"]["locations"][0]["physicalLocation"]["region"] == {
        "byteOffset": 4096, "snippet": {"text": "attr_uygur_score"}}
    assert results["bin/firmware.bin"]["level"] == "warning"


def test_archive_members_and_warc_records_are_unambiguous():
    results = by_file(sarif(normal_records()))
    member = results["archives/sdk.zip"]
    loc = member["locations"][0]
    assert "region" not in loc["physicalLocation"]  # a line of face.h is not a line of the zip
    assert loc["logicalLocations"] == [{"name": "include/face.h", "kind": "resource",
                                        "fullyQualifiedName": "archives/sdk.zip!/lib/tools.tar.gz!/include/face.h"}]
    assert member["properties"]["memberChain"] == ["lib/tools.tar.gz", "include/face.h"]
    assert member["properties"]["line"] == 40 and member["properties"]["column"] == 27
    assert member["level"] == "warning"
    warc = results["warc/site.warc.gz"]
    assert warc["level"] == "note"
    assert warc["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == (
        "warc/site.warc.gz#https://www.vendor.example/p/ai7.html 2019-04-08T10:00:00Z")
    props = warc["properties"]
    assert props["warcTargetUri"] == "https://www.vendor.example/p/ai7.html"
    assert props["warcDate"] == "2019-04-08T10:00:00Z"
    assert props["warcRecordId"] == "<urn:uuid:00000000-0000-0000-0000-000000000001>"


def test_skipped_and_failed_units_are_notifications():
    inv = sarif(normal_records())["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is True
    assert inv["startTimeUtc"] == "2026-11-27T20:00:00Z" and inv["endTimeUtc"] == "2026-11-27T20:01:00Z"
    notes = inv["toolExecutionNotifications"]
    assert [(n["level"], n["descriptor"]["id"]) for n in notes] == [("error", "corrupt"), ("warning", "limit")]
    assert notes[0]["message"]["text"] == "failed: Bad zip file"
    assert notes[1]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "archives/bomb.zip!/x/y.bin"
    assert notes[1]["properties"]["limit"] == "max_member_bytes"


def test_truncation_keeps_most_severe_and_says_so():
    doc = sarif(normal_records(), max_results=2)
    run = doc["runs"][0]
    assert [r["level"] for r in run["results"]] == ["error", "error"]
    note = run["invocations"][0]["toolExecutionNotifications"][0]
    assert note["descriptor"]["id"] == "results-truncated" and note["message"]["text"].startswith("3 of 5 results")
    assert run["properties"]["truncated"] == {"kept": 2, "total": 5}


def test_gzip_size_limit():
    noise = [hashlib.sha256(str(i).encode()).hexdigest() * 8 for i in range(300)]
    many = [dict(normal_records()[0], fingerprint=f"{i:032x}", evidence={"text": noise[i], "match": "x", "line": i + 1})
            for i in range(300)]
    text = render("sarif", many, max_gzip_bytes=20_000)
    assert len(gzip.compress(text.encode())) <= 21_000
    run = json.loads(text)["runs"][0]
    assert 0 < run["properties"]["truncated"]["kept"] < 300


def test_paths_and_hostile_uris():
    head, records, p = hostile_records()
    text = render("sarif", normal_records())
    assert "/home/alice" not in text
    assert json.loads(text)["runs"][0]["properties"]["arguments"]["paths"] == ["vendor-x", "corpus"]
    doc = sarif(records, header=head)
    for r in doc["runs"][0]["results"]:
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not any(c in uri for c in " <>\"':\u202e"), uri
    assert any("%3Cscript%3E" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
               for r in doc["runs"][0]["results"])
    names = [ll["name"] for r in doc["runs"][0]["results"] for ll in r["locations"][0].get("logicalLocations", [])]
    assert "invoice<U+202E>fdp.exe" in names


@pytest.mark.parametrize("mode", ["absolute"])
def test_absolute_paths_on_request(tmp_path, mode):
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "datasheet.html").write_text("x")
    doc = sarif(normal_records()[:1], header=dict(HEADER, arguments={"paths": [str(tmp_path)]}), show_paths=mode)
    loc = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc["uri"] == (tmp_path / "html" / "datasheet.html").as_uri()
    assert "uriBaseId" not in loc
