"""Typed records that flow through a scan and out of it.

A scan is a stream of independent :class:`Unit` objects (a file, an archive member, a WARC
record).  Each unit is extracted into :class:`Segment` objects, detection turns segments into
:class:`Finding` objects, and every unit ends as scanned, skipped or error.  Every record
serialises to one JSON object with a ``type`` field (see README "Output contract").
"""
from __future__ import annotations

import datetime as _dt
import hashlib
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from . import __version__

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
                with open(self.path, "rb") as fh:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        digest.update(block)
                self._sha256 = digest.hexdigest()
            else:
                self._sha256 = hashlib.sha256(self.data).hexdigest()
        return self._sha256

    def text(self) -> str:
        """The unit's bytes decoded (BOM, declared charset, UTF-8, detection), decoded once."""
        if self._text is None:
            from .text.encoding import decode

            self._text = decode(self.data, self.charset)[0]
        return self._text

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
    text_source: str | None = None
    """``"ocr"`` when the text was read from an image (evidence then has ``bbox`` and ``ocr``)."""

    def to_dict(self) -> dict[str, Any]:
        return _record("finding", self, ("provenance", "review", "gloss", "text_source"))


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
    """Accounting for one unit: how it ended (``scanned``, ``skipped``, ``error``)."""

    file: str
    member: str | None
    sha256: str | None
    size: int
    format: str
    outcome: str
    findings: int = 0
    provenance: dict[str, Any] | None = None
    text_layer: str | None = None
    """PDFs: ``none`` (no page has a text layer) or ``unreliable`` (some pages have none, or mostly
    ``(cid:N)``, U+FFFD or private-use characters); unset when every page has usable text."""
    ocr: dict[str, Any] | None = None
    """What OCR did for this unit: ``status`` (``read``, ``unavailable``, ``off``, ``not_requested``),
    engine, version, pages or frames read, lines recognised."""

    def to_dict(self) -> dict[str, Any]:
        return _record("unit", self, ("provenance", "text_layer", "ocr"))


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
    d.update(asdict(obj))
    for name in optional:
        if d[name] is None:
            del d[name]
    return d


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
            if record["outcome"] != "container":
                self.formats[record["format"]] += 1

    def to_dict(self) -> dict[str, Any]:
        seen = sum(v for k, v in self.units.items() if k != "container")
        return {
            "type": "summary",
            "units": {"seen": seen, "scanned": self.units["scanned"], "skipped": self.units["skipped"],
                      "error": self.units["error"], "containers": self.units["container"]},
            "formats": dict(sorted(self.formats.items())),
            "findings": self.findings,
            "flag_findings": self.flag_findings,
            "findings_by_kind": dict(sorted(self.findings_by_kind.items())),
            "findings_by_category": dict(sorted(self.findings_by_category.items())),
            "errors": self.errors,
            "skipped": self.skipped,
            "finished": now(),
        }
