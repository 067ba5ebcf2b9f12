"""Suite-wide checks.

Every record any test writes through :func:`profilewatch.report.write.write_all` (the one place
``scan``, ``history``, ``sweep``, ``export-evidence`` and ``serve`` exports hand records to a
writer, whatever the format) is validated against ``profilewatch/schemas/records.schema.json``.
A record that does not match fails the test that produced it, at teardown, with the record and
the schema error -- so a new field of the wrong shape or a dropped required field cannot slip in.
Output written by a subprocess is not seen here; ``report`` (replay of saved, possibly foreign,
JSONL) does not go through ``write_all`` and is not checked.
"""
from __future__ import annotations

import importlib
import json
import pkgutil
import sys

import pytest

import profilewatch
from profilewatch.records import schema
from profilewatch.report import write as _write

try:
    from jsonschema import Draft202012Validator
except ImportError:  # pragma: no cover - jsonschema is in the test extra
    Draft202012Validator = None

VALIDATOR = Draft202012Validator(schema()) if Draft202012Validator else None
VIOLATIONS: list[str] = []
CHECKED = {"records": 0}
_original = _write.write_all


def check_record(record: dict) -> None:
    """Note ``record`` as a violation if it does not match the records schema."""
    CHECKED["records"] += 1
    errors = sorted(VALIDATOR.iter_errors(record), key=lambda e: list(e.absolute_path))
    for err in errors[:3]:
        where = "/".join(str(p) for p in err.absolute_path) or "(record)"
        VIOLATIONS.append(f"{where}: {err.message}\n    record: {json.dumps(record, ensure_ascii=False)[:400]}")


class _CheckingWriter:
    """Delegates to the real writer after checking each record (records are checked as dicts)."""

    def __init__(self, writer):
        self._writer = writer

    def __getattr__(self, name):
        return getattr(self._writer, name)

    def header(self, record):
        check_record(record)
        return self._writer.header(record)

    def record(self, record):
        check_record(record)
        return self._writer.record(record)

    def summary(self, record):
        check_record(record)
        return self._writer.summary(record)


def _checking_write_all(writer, header, records, **options):
    return _original(_CheckingWriter(writer), header, records, **options)


def _install() -> None:
    """Rebind ``write_all`` in every profilewatch module that imported it by name."""
    for info in pkgutil.walk_packages(profilewatch.__path__, "profilewatch."):
        if info.name.endswith("__main__"):
            continue
        try:
            importlib.import_module(info.name)
        except Exception:  # noqa: BLE001 - an optional extra missing; its tests skip on their own
            continue
    for name, module in list(sys.modules.items()):
        if name.startswith("profilewatch") and getattr(module, "write_all", None) is _original:
            module.write_all = _checking_write_all


if VALIDATOR is not None:
    _install()


@pytest.fixture(autouse=True)
def _records_match_schema():
    """Fail the test if any record it wrote does not match the records schema."""
    if VALIDATOR is None:
        yield
        return
    del VIOLATIONS[:]
    yield
    if VIOLATIONS:
        found = "\n".join(VIOLATIONS[:10])
        del VIOLATIONS[:]
        pytest.fail(f"records that do not match profilewatch/schemas/records.schema.json:\n{found}", pytrace=False)
