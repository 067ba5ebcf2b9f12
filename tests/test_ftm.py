"""FollowTheMoney export validates against followthemoney's own model (and so does docs/ftm-example.jsonl).

Each entity of ``export-ftm`` over the desk world (files, a zip, a two-capture WARC, review
decisions) is parsed by the model: the schema exists, every property belongs to it, the required
ones are there, ``Schema.validate`` accepts the values, re-cleaning them as untrusted input
(``get_proxy(cleaned=False)``) changes nothing, and every entity reference points at an entity
in the same export.  Skips loudly without followthemoney (the serve extra).
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from casecorpus import run_cli
from desk_world import CAPTURES, VENDOR_URL, make_store

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "ftm-example.jsonl"


@pytest.fixture(scope="module")
def model():
    try:
        from followthemoney import model
    except ImportError as exc:
        msg = f"SKIPPED: FtM validation needs followthemoney (pip install -e '.[serve]'): {exc}"
        warnings.warn(msg)
        pytest.skip(msg)
    return model


def validate(model, entities: list[dict]) -> None:
    ids = [e["id"] for e in entities]
    assert len(ids) == len(set(ids)) and all(ids)
    for e in entities:
        schema = model.get(e["schema"])
        assert schema is not None, e["schema"]
        props = e["properties"]
        assert set(props) <= set(schema.properties), (e["schema"], set(props) - set(schema.properties))
        assert set(schema.required) <= set(props), (e["schema"], set(schema.required) - set(props))
        schema.validate(e)  # raises InvalidData
        again = model.get_proxy(e, cleaned=False).to_dict()
        assert again["schema"] == e["schema"] and again["id"] == e["id"]
        assert {k: sorted(v) for k, v in again["properties"].items()} == {k: sorted(v) for k, v in props.items()}
        for name, values in props.items():
            if schema.properties[name].type.name == "entity":
                assert set(values) <= set(ids), (e["schema"], name)


def test_export_ftm_entities_validate_with_the_followthemoney_model(model, tmp_path):
    db = make_store(tmp_path, hostile=True)
    fps = [json.loads(x)["fingerprint"] for x in run_cli("review", "list", "--store", str(db), "--json").stdout.splitlines()]
    run_cli("review", "confirm", fps[0], "--store", str(db), "--note", "vendor claim", "--reviewer", "ana")
    out = tmp_path / "case.ftm.jsonl"
    res = run_cli("export-ftm", "--store", str(db), "--out", str(out))
    assert res.exit_code == 0, res.output
    entities = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    validate(model, entities)
    notes = [e for e in entities if e["schema"] == "Note"]
    assert len({n["properties"]["notes"][0].split(";")[0] for n in notes}) == len(fps)  # every fingerprint
    assert any("review: confirmed by ana: vendor claim" in n["properties"]["notes"][0] for n in notes)
    captures = [e for e in entities if e["schema"] == "Document" and e["properties"].get("sourceUrl") == [VENDOR_URL]]
    assert sorted(d["properties"]["retrievedAt"][0] for d in captures) == [c[:16] for c in CAPTURES]  # FtM keeps minutes
    assert all(d["properties"]["publisherUrl"] == ["http://www.vendor.example/"] for d in captures)
    assert all(d["properties"]["parent"] for d in captures)


def test_the_example_in_docs_validates(model):
    entities = [json.loads(line) for line in EXAMPLE.read_text(encoding="utf-8").splitlines()]
    validate(model, entities)
    assert {e["schema"] for e in entities} == {"Document", "Note"}
    assert any(e["properties"].get("sourceUrl") == [VENDOR_URL] for e in entities)
