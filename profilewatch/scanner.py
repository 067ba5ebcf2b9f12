"""Scan one top-level unit: sniff, open containers, extract, detect; account for every unit.

:func:`scan_unit` is a pure function of a unit, the options and the loaded rules: it keeps no
global state, so top-level units can be spread over worker processes.  Each unit it meets
(including children of containers) ends as exactly one :class:`UnitRecord` -- ``scanned``,
``partial``, ``skipped``, ``error`` or ``container`` -- preceded by its findings or its problem
record.  A unit stopped by a limit (time, size, ratio) keeps the findings found before it: they
and the unit record carry ``partial: true``, and an error ``limit_exceeded`` names the limit.
A unit an extractor read past damage (``unit.meta["partial"]``, e.g. a damaged part of an Office
file, whose error record the extractor left in ``unit.meta["problems"]``) ends the same way.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from .detect.engine import Detector, PartialResult
from .extract import EXTRACTORS
from .files import open_input
from .text.encoding import DecodeError
from .extract.stream import stream_segments, windowed
from .options import ScanOptions
from .records import Problem, Record, Unit, UnitRecord, documented_reason
from .sources.containers import OPENERS
from .sources.sniff import sniff

# Text formats whose every extracted segment is a transformation of the decoded text that the
# gate's surface forms cover (escapes, entities, split tags): a unit without a gate hit is done.
GATED_FORMATS = frozenset({"text", "markdown", "csv", "json", "code", "html", "xml"})
# Formats whose units may be read by OCR: they get ``ocr_seconds`` on top of ``unit_seconds``.
OCR_FORMATS = frozenset({"pdf", "image"})
# Documents whose extractor parses all of their bytes: a file too large to hold is read whole
# (up to max_member_bytes), never as text windows.
WHOLE_FORMATS = frozenset({"pdf", "docx", "xlsx", "pptx", "odf", "image"})


def scan_unit(unit: Unit, detector: Detector, options: ScanOptions,
              on_findings: Callable[[Unit], object] | None = None) -> Iterator[Record]:
    """Yield findings, problems and unit records for ``unit`` and everything inside it.

    ``on_findings`` is called with every unit (this one or one inside it) that has findings,
    before they are yielded (the case store keeps those units' bytes as evidence).
    """
    started = time.monotonic()
    try:
        fmt = _streamed_format(unit) if unit.streamed else sniff(unit.data, unit.name, unit.hint)
    except Exception as exc:  # sniffing must never stop a scan
        yield from _failed(unit, "unknown", "sniff_failed", exc)
        return
    if unit.size == 0:
        problem = Problem("skipped", unit.file, unit.member, "empty", "empty file (0 bytes)", unit.sha256)
        yield problem
        yield _unit_record(unit, "empty", "skipped", provenance=_prov(unit))
        return
    if fmt in OPENERS:
        yield from _open_container(unit, fmt, detector, options, on_findings)
        return
    if fmt in WHOLE_FORMATS and unit.streamed:
        problem = _read_whole(unit, fmt, options)
        if problem is not None:
            yield problem
            yield _unit_record(unit, fmt, "error", provenance=_prov(unit))
            return
    if fmt == "streamed-text" or windowed(unit, fmt):
        segments = stream_segments(unit)
    elif fmt in EXTRACTORS:
        extractor = EXTRACTORS[fmt]
        segments = extractor(unit, options) if getattr(extractor, "takes_options", False) else extractor(unit)
    else:
        yield Problem("skipped", unit.file, unit.member, "unsupported_format",
                      f"no extractor for format {fmt!r}", unit.sha256)
        yield _unit_record(unit, fmt, "skipped")
        return
    unit.deadline = started + options.limits.unit_seconds + (
        options.limits.ocr_seconds if fmt in OCR_FORMATS and options.ocr != "off" else 0)
    try:
        findings = detector.detect(unit, segments, deadline=unit.deadline, prefilter=fmt in GATED_FORMATS)
    except PartialResult as part:  # a limit stopped the unit: keep what was found, say which limit
        kept = _kept(part.findings, options)
        if kept and on_findings is not None:
            on_findings(unit)
        yield from kept
        yield from unit.meta.pop("problems", ())
        yield Problem("error", unit.file, unit.member, "limit_exceeded",
                      f"{part.cause}; the {len(kept)} finding(s) before it are kept (partial)", unit.sha256, part.limit)
        record = _unit_record(unit, fmt, "partial", len(kept))
        record.partial = True
        yield record
        return
    except DecodeError as exc:
        yield from _failed(unit, fmt, "undecodable", exc)
        return
    except Exception as exc:  # a malformed unit must not stop the scan
        # extractors may name the failure (e.g. EncryptedPDF.reason == "encrypted"); other
        # exceptions' .reason (UnicodeError, URLError) is not ours
        named = getattr(exc, "reason", None)
        yield from _failed(unit, fmt, named if isinstance(named, str) and documented_reason(named)
                           else "extract_failed", exc)
        return
    kept = _kept(findings, options)
    damaged = unit.meta.pop("partial", False)  # an extractor read past a damaged part (ooxml.damaged)
    if kept and on_findings is not None:
        on_findings(unit)
    for finding in kept if damaged else ():
        finding.partial = True
    yield from kept
    yield from unit.meta.pop("problems", ())  # from extractors: ocr_unavailable, partly read images and pages
    record = _unit_record(unit, fmt, "partial" if damaged else "scanned", len(kept))
    record.partial = True if damaged else None
    yield record


def _kept(findings: list, options: ScanOptions) -> list:
    return [f for f in findings if f.confidence >= options.min_confidence and (options.include_clean or f.flag)]


def scan_warc_range(unit: Unit, start: int, end: int, detector: Detector, options: ScanOptions,
                    on_findings: Callable[[Unit], object] | None = None) -> Iterator[Record]:
    """The records :func:`scan_unit` gives for the WARC records in bytes ``start``..``end`` of the
    top-level WARC file ``unit`` (a range from :func:`~profilewatch.sources.warcsplit.record_ranges`);
    the range that ends the file also yields the file's own unit record."""
    from .sources.warc import open_warc_range

    fmt = _streamed_format(unit)
    last = end >= unit.size
    yield from _open_container(unit, fmt, detector, options, on_findings,
                               open_warc_range(unit, options.limits, start, end), final=last)


def _open_container(unit: Unit, fmt: str, detector: Detector, options: ScanOptions,
                    on_findings: Callable[[Unit], object] | None, opened: Iterator[Unit | Problem] | None = None,
                    final: bool = True) -> Iterator[Record]:
    if unit.depth >= options.limits.max_depth:
        yield Problem("error", unit.file, unit.member, "limit_exceeded",
                      f"archive nested deeper than max_depth={options.limits.max_depth}", unit.sha256, "max_depth")
        yield _unit_record(unit, fmt, "error")
        return
    children = 0
    broken = False  # the opener reported an error on the container itself
    try:
        for child in OPENERS[fmt](unit, options.limits) if opened is None else opened:
            if isinstance(child, Problem):
                yield child
                if child.member is not None and child.member != unit.member:
                    children += 1
                    yield UnitRecord(child.file, child.member, child.sha256, 0, "unknown", child.type)
                else:
                    broken = broken or child.type == "error"
                continue
            children += 1
            yield from scan_unit(child, detector, options, on_findings)
    except Exception as exc:
        yield from _failed(unit, fmt, "container_failed", exc)
        return
    # a container that could not be read at all ends as an error unit, not as an empty container
    if final:
        yield _unit_record(unit, fmt, "error" if broken and not children else "container")


def _streamed_format(unit: Unit) -> str:
    """A file too large to hold: containers are opened from disk, documents that need their whole
    bytes (``WHOLE_FORMATS``) are read whole, anything else is read in windows."""
    with open_input(unit.path) as fh:
        head = fh.read(1 << 16)
    fmt = sniff(head, unit.name, unit.hint)
    return fmt if fmt in OPENERS or fmt in WHOLE_FORMATS else "streamed-text"


def _read_whole(unit: Unit, fmt: str, options: ScanOptions) -> Problem | None:
    """Read a large document whose extractor needs all of its bytes (a PDF, an Office file, an
    image), up to ``max_member_bytes``; past it (as walked, or grown since), the problem to report."""
    limit = options.limits.max_member_bytes
    if unit.size <= limit:
        with open_input(unit.path) as fh:
            data = fh.read(limit + 1)
        if len(data) <= limit:
            unit.data, unit.size = data, len(data)
            return None
    return Problem("error", unit.file, unit.member, "limit_exceeded",
                   f"a {fmt} larger than max_member_bytes={limit}: not read "
                   "(--limit max_member_bytes=... reads it)", unit.sha256, "max_member_bytes")


def _failed(unit: Unit, fmt: str, reason: str, exc: Exception) -> Iterator[Record]:
    yield from unit.meta.pop("problems", ())
    message = f"{type(exc).__name__}: {exc}"[:500]
    yield Problem("error", unit.file, unit.member, reason, message, unit.sha256, getattr(exc, "limit", None))
    yield _unit_record(unit, fmt, "error")


def _prov(unit: Unit) -> dict | None:
    return unit.meta.get("warc") or None


def _unit_record(unit: Unit, fmt: str, outcome: str, findings: int = 0, provenance: dict | None = None) -> UnitRecord:
    return UnitRecord(unit.file, unit.member, unit.sha256, unit.size, fmt, outcome, findings,
                      provenance if provenance is not None else _prov(unit), unit.decode_errors or None,
                      text_layer=unit.meta.get("text_layer"), ocr=unit.meta.get("ocr"))

