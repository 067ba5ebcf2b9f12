"""Typed records that flow through a scan and out of it.

A scan is a stream of independent :class:`Unit` objects (a file, an archive member, a WARC
record).  Each unit is extracted into :class:`Segment` objects, detection turns segments into
:class:`Finding` objects, and every unit ends as scanned, skipped or error.  Every record
serialises to one JSON object with a ``type`` field (see README "Output contract"); :func:`schema`
returns the JSON Schema those objects follow (``profilewatch/schemas/records.schema.json``).
"""
from __future__ import annotations

import copy
import datetime as _dt
import hashlib
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from functools import lru_cache
from typing import Any

from . import __version__
from .files import open_input

FLAG_KINDS = ("capability_claim", "implementation", "targeting_rule")
CLEAN_KINDS = ("record_field", "disclaimer", "reporting", "evaluation", "unrelated")
CATEGORIES = (
    "ethnicity",
    "skin_color",
    "religion",
    "political_opinion",
    "trade_union",
    "sexual_orientation",
)

# The documented reasons of ``error`` and ``skipped`` records (README "Output contract" and
# docs/containers.md "Reasons"); a record never carries any other reason.
REASONS = {
    "not_found": "a path given does not exist",
    "not_regular_file": "a device, socket or fifo",
    "not_a_path": "a path given is a URL or not a file or folder",
    "permission_denied": "the file or folder cannot be read (permissions)",
    "unreadable": "the file or folder cannot be read (another I/O error)",
    "symlink": "a symbolic link that was not followed",
    "symlink_loop": "a followed symbolic link leads back into a folder being walked",
    "hidden": "a hidden file or folder, or a VCS folder (.git, node_modules...), not walked",
    "excluded": "left out by --exclude/--include or .profilewatchignore",
    "empty": "0 bytes",
    "unsupported_format": "no extractor for the format",
    "limit_exceeded": "a safety limit was hit (named in ``limit``)",
    "encrypted": "password-protected",
    "corrupt": "damaged archive, WARC, PDF or Office file",
    "truncated": "the bytes end before the declared length or the end of the format",
    "bad_content_encoding": "a WARC record whose HTTP Content-Encoding does not decode",
    "unsafe_path": "archive member path absolute or with ..",
    "unsupported_compression": "an archive member compressed with a method that cannot be read",
    "archive_link": "a link inside an archive (never followed)",
    "special_file": "a device or fifo inside an archive",
    "undecodable": "bytes that are not text (kept for old stores; decoding now replaces)",
    "sniff_failed": "the format could not be determined",
    "extract_failed": "the extractor failed on malformed input",
    "container_failed": "the archive opener failed on malformed input",
    "worker_lost": "the worker process died on this unit, on every try (--task-attempts)",
    "task_failed": "the scan task of this unit raised in its worker (-jN or Dask), on every try (--task-attempts)",
    "workers_failing": "-jN or Dask: tries of units alone failed in a row on every worker, so the scan stopped: "
                       "the unit was not scanned",
    "no_workers": "a Dask scan whose cluster had no worker for --worker-timeout seconds: the unit was not scanned",
    "ocr_unavailable": "an image or scanned page that needs OCR, and no OCR engine is installed",
    "needs_extra": "an input that needs an optional extra (a URL without fsspec: the cluster extra)",
    "split_mismatch": "a WARC byte range that does not end on a record (the whole file is read instead)",
    "capture_unavailable": "an archived capture that could not be fetched",
}
WARC_SKIPS = ("warc_request_record", "warc_metadata_record", "warc_warcinfo_record", "warc_revisit_record",
              "warc_resource_record", "warc_conversion_record", "warc_continuation_record")
"""``skipped`` reasons of WARC records that carry no page (``warc_<type>_record``)."""


def documented_reason(reason: str) -> bool:
    """True for a reason from :data:`REASONS` or ``warc_<type>_record``."""
    return reason in REASONS or (reason.startswith("warc_") and reason.endswith("_record"))


class LimitHit(Exception):
    """A safety limit stopped reading a unit: ``limit`` names it (``unit_seconds``, ``max_member_bytes``...)."""

    reason = "limit_exceeded"

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit


@dataclass(slots=True)
class Unit:
    """One scannable thing: its bytes and where it came from.

    ``file`` is relative to the scanned root (``/``-separated); ``member`` is ``None`` for a
    plain file, the archive path (nested archives joined with ``!/``) or, for a WARC record,
    ``"<WARC-Target-URI> <WARC-Date>"``.  ``meta`` carries provenance (WARC headers, HTTP
    content type...) and ``hint`` a declared media type or charset when a container knows it.
    """

    file: str
    member: str | None
    data: bytes
    depth: int = 0
    meta: dict[str, Any] = field(default_factory=dict)
    hint: str | None = None
    charset: str | None = None
    path: str | None = None
    size: int = -1
    decode_errors: int = 0
    """Characters replaced by U+FFFD while decoding the unit or scrubbing its segments."""
    deadline: float | None = None
    """``time.monotonic()`` past which reading the unit stops (set by the scanner from ``unit_seconds``)."""
    _sha256: str | None = None
    _text: str | None = None

    def __post_init__(self) -> None:
        if self.size < 0:
            self.size = len(self.data)

    @property
    def sha256(self) -> str:
        """SHA-256 of the unit's bytes (streamed from disk for a large file not held in memory)."""
        if self._sha256 is None:
            if self.path is not None and not self.data:
                digest = hashlib.sha256()
                with open_input(self.path) as fh:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        digest.update(block)
                self._sha256 = digest.hexdigest()
            else:
                self._sha256 = hashlib.sha256(self.data).hexdigest()
        return self._sha256

    def text(self) -> str:
        """The unit's bytes decoded (BOM, declared charset, UTF-8, detection), decoded once."""
        if self._text is None:
            from .text.encoding import decode_counted

            self._text, _, bad = decode_counted(self.data, self.charset)
            self.decode_errors += bad
        return self._text

    def known_text(self, text: str) -> None:
        """Take ``text`` as :meth:`text`'s answer: the bytes decoded exactly as it would decode them,
        nothing replaced (the bytes gate decodes a unit to tell its encoding)."""
        if self._text is None:
            self._text = text

    def check_time(self, where: str = "") -> None:
        """Raise :class:`LimitHit` (``unit_seconds``) when the unit's deadline has passed; extractors
        call it inside their loops, so a loop that finds nothing still stops in time."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise LimitHit("unit_seconds", "unit took longer than unit_seconds" + (f", {where}" if where else ""))

    @property
    def streamed(self) -> bool:
        """True when the bytes stay on disk (too large to hold) and are read in windows."""
        return self.path is not None and not self.data and self.size > 0

    @property
    def name(self) -> str:
        """The innermost path (member path, else file), used for extension hints."""
        if self.member and not self.meta.get("warc"):
            return self.member.split("!/")[-1]
        return self.file

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.file, self.member)


@dataclass(slots=True)
class Segment:
    """A run of text extracted from a unit, with where it sits in the unit.

    ``context`` tells the classifier what the text is: ``prose`` (document text), ``code``
    (source code), ``data`` (JSON/XML keys and values, spreadsheet cells) or ``binary``
    (strings from a blob).  When ``line`` is set, the text starts at that 1-based line and
    ``column`` of the decoded unit and offsets inside the text map to lines and columns.
    Other locators (``page``, ``byte_offset``, ``where``) place the segment as a whole; when
    ``source`` (the unit's decoded text) is given, a match is also looked up there for a line.
    """

    text: str
    context: str = "prose"
    line: int | None = None
    column: int | None = None
    page: int | None = None
    byte_offset: int | None = None
    where: dict[str, Any] = field(default_factory=dict)
    source: str | None = None
    ocr: Any = None
    """Text read by OCR: an object whose ``locate(start, end)`` gives a match's box, confidence,
    engine and cropped image (:class:`profilewatch.extract.ocr.OcrPage`)."""


@dataclass(slots=True)
class Finding:
    """A passage of a unit that a rule classified into a kind and categories."""

    file: str
    member: str | None
    kind: str
    category: str
    categories: list[str]
    rule: str
    confidence: float
    evidence: dict[str, Any]
    sha256: str
    explanation: str
    fingerprint: str
    flag: bool
    terms: list[str]
    cues: dict[str, list[str]]
    provenance: dict[str, Any] | None = None
    review: dict[str, Any] | None = None
    """The current review decision on this fingerprint (set by the review stage of a scan with a store)."""
    gloss: dict[str, str] | None = None
    """English glosses of the matched terms and cues that have one (``rules/glosses.yaml``)."""
    score: float | None = None
    """The classifier's score before calibration (``confidence`` is the calibrated one)."""
    partial: bool | None = None
    """True when a limit stopped its unit: found in what was read before the limit."""
    text_source: str | None = None
    """``"ocr"`` when the text was read from an image (evidence then has ``bbox`` and ``ocr``)."""

    def to_dict(self) -> dict[str, Any]:
        return _record("finding", self, ("provenance", "review", "gloss", "score", "partial", "text_source"))


@dataclass(slots=True)
class Problem:
    """A unit (or input path) that could not be scanned: ``type`` is ``error`` or ``skipped``."""

    type: str
    file: str
    member: str | None
    reason: str
    message: str
    sha256: str | None = None
    limit: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _record(None, self, ("limit",))


@dataclass(slots=True)
class UnitRecord:
    """Accounting for one unit: how it ended (``scanned``, ``partial``, ``skipped``, ``error``, ``container``)."""

    file: str
    member: str | None
    sha256: str | None
    size: int
    format: str
    outcome: str
    findings: int = 0
    provenance: dict[str, Any] | None = None
    decode_errors: int | None = None
    """Characters decoded with replacement (lone surrogates, invalid bytes); only when some were."""
    partial: bool | None = None
    """True when a limit stopped the unit: its findings so far are kept (outcome ``partial``)."""
    text_layer: str | None = None
    """PDFs: ``none`` (no page has a text layer) or ``unreliable`` (some pages have none, or mostly
    ``(cid:N)``, U+FFFD or private-use characters); unset when every page has usable text."""
    ocr: dict[str, Any] | None = None
    """What OCR did for this unit: ``status`` (``read``, ``unavailable``, ``off``, ``not_requested``),
    engine, version, pages or frames read, lines recognised."""

    def to_dict(self) -> dict[str, Any]:
        return _record("unit", self, ("provenance", "decode_errors", "partial", "text_layer", "ocr"))


@dataclass(slots=True)
class Timeline:
    """One claim followed through the snapshots of a URL (built by :mod:`profilewatch.history`)."""

    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return self.data


Record = Finding | Problem | UnitRecord | Timeline


def _record(type_: str | None, obj: Any, optional: tuple[str, ...]) -> dict[str, Any]:
    """``obj`` as a JSON-ready dict with ``type`` first; the ``optional`` fields only when set."""
    d = {"type": type_} if type_ else {}
    for name in _field_names(type(obj)):  # dataclasses.asdict, without its deep copy of plain values
        d[name] = _plain(getattr(obj, name))
    for name in optional:
        if d[name] is None:
            del d[name]
    return d


@lru_cache(maxsize=None)
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    """What ``asdict`` makes of a field's value: plain values as they are, containers copied."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, dict):
        if type(value) is dict and all(type(v) in _SCALARS for v in value.values()) and all(
                type(k) in _SCALARS for k in value):
            return dict(value)  # (provenance, where, cut: a copy of scalars, without a call per item)
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_plain(v) for v in value)
    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else copy.deepcopy(value)


def record_from_dict(d: dict[str, Any]) -> Record:
    """Rebuild a typed record from its ``to_dict()`` form (unknown keys are ignored)."""
    t = d.get("type")
    if t == "timeline":
        return Timeline(d)
    cls = Finding if t == "finding" else UnitRecord if t == "unit" else Problem
    names = {f.name for f in fields(cls) if not f.name.startswith("_")}
    return cls(**{k: v for k, v in d.items() if k in names})


def header(rules: Any, arguments: dict[str, Any]) -> dict[str, Any]:
    """The first record of every output: tool, rules digest (``rules`` is a loaded RuleSet), arguments, start time."""
    return {
        "type": "header",
        "tool": "profilewatch",
        "version": __version__,
        "rules_digest": rules.digest,
        "rule_packs": [p.id for p in rules.packs],
        "arguments": arguments,
        "started": now(),
    }


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of every record type, shipped as ``schemas/records.schema.json``."""
    import json
    from importlib.resources import files

    return json.loads(files(__package__).joinpath("schemas/records.schema.json").read_text(encoding="utf-8"))


def now() -> str:
    """UTC timestamp, ISO 8601 with seconds."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


@dataclass
class Summary:
    """Running totals of a scan over record dicts; ``to_dict`` is the last record of every output."""

    units: Counter = field(default_factory=Counter)
    formats: Counter = field(default_factory=Counter)
    findings_by_kind: Counter = field(default_factory=Counter)
    findings_by_category: Counter = field(default_factory=Counter)
    flag_findings: int = 0
    findings: int = 0
    errors: int = 0
    skipped: int = 0
    inputs: int = 0

    def add(self, record: dict[str, Any]) -> None:
        t = record.get("type")
        if t == "finding":
            self.findings += 1
            self.findings_by_kind[record.get("kind")] += 1
            for c in record.get("categories") or ():
                self.findings_by_category[c] += 1
            self.flag_findings += bool(record.get("flag"))
        elif t == "error":
            self.errors += 1
        elif t == "skipped":
            self.skipped += 1
        elif t == "unit":
            self.units[record["outcome"]] += 1
            self.inputs += record.get("member") is None
            if record["outcome"] != "container":
                self.formats[record["format"]] += 1

    def to_dict(self) -> dict[str, Any]:
        seen = sum(v for k, v in self.units.items() if k != "container")
        return {
            "type": "summary",
            # seen = scanned + partial + skipped + error; inputs: top-level units (paths given and walked)
            "units": {"seen": seen, "scanned": self.units["scanned"], "skipped": self.units["skipped"],
                      "error": self.units["error"], "containers": self.units["container"],
                      "partial": self.units["partial"], "inputs": self.inputs},
            "formats": dict(sorted(self.formats.items())),
            "findings": self.findings,
            "flag_findings": self.flag_findings,
            "findings_by_kind": dict(sorted(self.findings_by_kind.items())),
            "findings_by_category": dict(sorted(self.findings_by_category.items())),
            "errors": self.errors,
            "skipped": self.skipped,
            "finished": now(),
        }
