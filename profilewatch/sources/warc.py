"""WARC (and ARC) web archives: each captured page becomes a unit.

``response`` and ``resource`` records become units with ``member`` =
``"<WARC-Target-URI> <WARC-Date>"`` (the date exactly as written in the header; a WARC nested in
an archive chains it as ``"<archive member>!/<uri> <date>"``) and ``data`` =
the HTTP payload with transfer encoding (chunked) and content encoding (gzip, deflate, br)
undone here, not by FastWARC: a body whose Content-Encoding lies is an error ``bad_content_encoding``
on its record and the next record is read (FastWARC's decoder would end the file there).  A
record block shorter than its declared ``Content-Length`` is an error ``truncated`` on the
record (what was read is not scanned as if complete).  ``charset`` and ``hint`` come from the HTTP ``Content-Type``;
``meta["warc"]`` holds the record's provenance.  ``request``, ``metadata``, ``warcinfo``,
``revisit`` (and other) records are counted, not scanned: each yields a skipped
``Problem`` with reason ``warc_<type>_record``.

Whole-file gzip, per-record gzip, zstd and lz4 WARCs are read by FastWARC directly; a
``.warc.bz2`` / ``.warc.xz`` arrives here already unpacked (bounded) by
:mod:`profilewatch.sources.compressed`.  A garbled or truncated WARC ends with an error
``Problem`` on the file (reason ``corrupt`` or ``truncated``) after every record read before
the damage.

ARC files (``filedesc://`` first line; the Internet Archive's format before WARC) are read by
a small parser: each record line ``URL IP DATE TYPE LENGTH`` is followed by LENGTH bytes of
HTTP response; the member is ``"<URL> <DATE>"``.
"""
from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO

from fastwarc.warc import ArchiveIterator, WarcRecordType

from ..files import open_input
from ..options import Limits
from ..records import Problem, Unit
from .unpack import (BUDGET_KEY, Budget, LimitExceeded, Metered, Truncated, budget_of, child_member, inflate,
                     limit, problem, read_member, source)


SPLIT_MISMATCH = "split_mismatch"
"""Reason of the problem a WARC range yields when it does not end on a record boundary."""
SCANNED = WarcRecordType.response | WarcRecordType.resource
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)


def open_warc(unit: Unit, limits: Limits, stream: BinaryIO | None = None) -> Iterator[Unit | Problem]:
    """Records of a WARC (or ARC) file; ``stream`` is an already decompressed reader if given."""
    budget = budget_of(unit)
    if not unit.depth:
        budget.scaled_to(unit.size, limits)
    own = stream is None
    fh: Any = source(unit) if own else stream
    try:
        head = _peek(fh)
        if head.startswith(b"filedesc://"):
            yield from _arc_records(unit, limits, fh, budget)
        else:
            yield from _warc_records(unit, limits, fh, budget)
    finally:
        if own:
            fh.close()


_OTHER_COMPRESSION = (b"BZh", b"\xfd7zXZ", b"\x28\xb5\x2f\xfd", b"\x04\x22\x4d\x18")  # bz2, xz, zstd, lz4


def is_warc(path: str) -> bool:
    """True when the file at ``path`` starts like a WARC or ARC (plain or gzip; other compressions
    are taken on trust)."""
    with open(path, "rb") as fh:
        head = _peek(fh)
        fh.seek(0)
        raw = fh.read(8)
    return head.lstrip(b"\r\n").startswith((b"WARC/", b"filedesc://")) or raw.startswith(_OTHER_COMPRESSION)


def _peek(fh: Any) -> bytes:
    """The first bytes of the (decompressed) archive, leaving ``fh`` where it was."""
    if hasattr(fh, "seekable") and fh.seekable():
        pos = fh.tell()
        raw = fh.read(512)
        fh.seek(pos)
        if raw[:2] == b"\x1f\x8b":
            try:
                return gzip.GzipFile(fileobj=io.BytesIO(raw)).read(64)
            except (OSError, EOFError):
                return b""
        return raw
    return b""


def _member(uri: str | None, date: str | None) -> str:
    return f"{uri or ''} {date or ''}".strip()


def open_warc_range(unit: Unit, limits: Limits, start: int, end: int) -> Iterator[Unit | Problem]:
    """The records of bytes ``start``..``end`` of the WARC file ``unit.path``, a range from
    :func:`profilewatch.sources.warcsplit.record_ranges`: the records a whole-file read gives for
    that range, offsets included; the range that ends the file also checks for a cut."""
    from .warcsplit import RangeReader

    budget = budget_of(unit).scaled_to(end - start, limits)  # a range's share of the file's caps
    with RangeReader(unit.path, start, end) as part, open_input(unit.path) as whole:
        if end >= whole.seek(0, 2):
            yield from _warc_records(unit, limits, part, budget, base=start, whole=whole)
            return
        ends: list[tuple[int, int]] = []
        clean = True
        for item in _warc_records(unit, limits, part, budget, base=start, whole=None, ends=ends):
            clean = clean and not (isinstance(item, Problem) and item.member == unit.member and item.type == "error")
            yield item
        if not clean or not ends or _cut_short(part, ends[-1][0] - start, ends[-1][1]):
            # the range does not end where a record ends (a member header planted in a payload,
            # or damage): the caller reads the whole file instead
            yield problem(unit, "error", SPLIT_MISMATCH, f"bytes {start}-{end} do not end on a WARC record boundary")


def _warc_records(unit: Unit, limits: Limits, fh: Any, budget: Budget, base: int = 0,
                  whole: Any = True, ends: list | None = None) -> Iterator[Unit | Problem]:
    """``base``: where ``fh`` starts in the file; ``whole``: the whole file to check for a cut
    (``True``: ``fh`` itself; ``None``: no check, a later range ends the file).

    A WARC file given or walked (depth 0) is a stream of independent captures: its
    ``max_total_bytes``/``max_members`` grow with the bytes read (:meth:`Budget.scaled_to`: a
    1 GB crawl may hold a million records and unpack 200 GB; a small bomb stays bounded), so a
    whole-file read and a read in ranges give the same records for any honest crawl.  A WARC
    inside an archive counts against that archive's budget."""
    whole = fh if whole is True else whole
    iterator = ArchiveIterator(fh, parse_http=False, auto_decode="none", fsspec_args=False)
    last = None
    last_at: tuple[int, int] | None = None  # stream position and Content-Length of the last record
    count = 0
    while not budget.exhausted:
        try:
            record = next(iterator)
        except StopIteration:
            break
        except LimitExceeded as exc:
            yield limit(unit, exc)
            return
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - OSError from FastWARC, or a Rust panic (BaseException)
            yield _damaged(unit, exc, last, count)
            return
        count += 1
        pos = base + record.stream_pos
        last_at = (pos, record.content_length)
        if ends is not None:
            ends.append(last_at)
        headers = record.headers
        target = headers.get("WARC-Target-URI")
        uri = target or headers.get("WARC-Filename") or record.record_id
        date = headers.get("WARC-Date")
        member = _member(uri, date)
        last = member or f"record at offset {pos}"
        if not member:
            member = f"urn:offset:{pos}"
        rtype = record.record_type
        kind = str(rtype)
        try:
            budget.count_member(limits)
        except LimitExceeded as exc:
            yield limit(unit, exc)
            return
        if not rtype & SCANNED:
            yield problem(unit, "skipped", f"warc_{kind}_record", _skip_message(kind, headers), member)
            continue
        try:
            declared = record.content_length
            block = read_member(record.reader, limits, declared, budget)
            if len(block) < declared:
                last_at = None  # the cut is reported on the record itself
                yield problem(unit, "error", "truncated", f"record block holds {len(block)} of the "
                              f"{declared} bytes its Content-Length declares; not scanned", member)
                continue
            record_ctype = headers.get("Content-Type")
            is_http = "application/http" in (record_ctype or "").lower()
            status, http, data = _split_http(block) if is_http else (None, {}, block)
            data = _decode_http(data, http, limits, budget)
        except LimitExceeded as exc:
            yield limit(unit, exc, member)
            if exc.limit == "max_total_bytes":
                return
            continue
        except Truncated as exc:
            yield problem(unit, "error", "corrupt", f"payload cannot be decoded: {exc}", member)
            continue
        except BadEncoding as exc:
            yield problem(unit, "error", "bad_content_encoding", f"HTTP body does not decode as its "
                          f"Content-Encoding says: {exc}; the next records are read", member)
            continue
        warc = {"record_id": record.record_id, "date": date, "target_uri": target,
                "payload_digest": headers.get("WARC-Payload-Digest"), "content_type": None,
                "http_status": status, "record_type": kind}
        yield _unit(unit, member, data, warc, http.get("content-type") or record_ctype, budget)
    if whole is not None and not budget.exhausted and last_at is not None and (cut := _cut_short(whole, *last_at)):
        yield problem(unit, "error", "truncated", f"WARC ends early: {cut}; the last record {last!r} may be incomplete; "
                      "records before it were scanned")


def _cut_short(fh: Any, last_pos: int, last_length: int) -> str | None:
    """Why the WARC in ``fh`` ends early (FastWARC stops quietly at a cut), or ``None``."""
    if not (hasattr(fh, "seekable") and fh.seekable()):
        return None
    fh.seek(0)
    if fh.read(2) == b"\x1f\x8b":
        fh.seek(last_pos)  # the members before the last record's were read whole by FastWARC
        return None if _gzip_complete(fh) else "the last gzip member is cut short"
    size = fh.seek(0, 2)
    fh.seek(last_pos)
    head = fh.read(64 << 10)
    end = head.find(b"\r\n\r\n")
    if end < 0:
        return "the last record header is cut short"
    missing = last_pos + end + 4 + last_length - size
    return f"the last record declares {missing} more bytes than the file holds" if missing > 0 else None


def _gzip_complete(fh: Any) -> bool:
    """True when every gzip member in ``fh`` ends properly (output is discarded as it comes)."""
    inflater = zlib.decompressobj(31)
    pending, started = b"", False
    while True:
        if not pending:
            pending = fh.read(1 << 20)
            if not pending:
                return not started or inflater.eof
        if not started and not pending.strip(b"\x00"):  # zero padding between members
            pending = b""
            continue
        started = True
        inflater.decompress(pending, 1 << 16)
        pending = inflater.unconsumed_tail
        if inflater.eof:
            pending, inflater, started = inflater.unused_data, zlib.decompressobj(31), False


def _unit(unit: Unit, member: str, data: bytes, warc: dict[str, Any], content_type: str | None,
          budget: Budget) -> Unit:
    """The child unit of a response or resource record; ``warc``: its provenance."""
    media = content_type.split(";", 1)[0].strip().lower() if content_type else None
    match = _CHARSET.search(content_type) if content_type else None
    warc["content_type"] = content_type
    return Unit(file=unit.file, member=child_member(unit, member), data=data, depth=unit.depth + 1,
                meta={"warc": warc, BUDGET_KEY: budget}, hint=media,
                charset=match.group(1) if match else None)


def _skip_message(kind: str, headers: Any) -> str:
    if kind == "revisit":
        refers = " ".join(x for x in (headers.get("WARC-Refers-To-Target-URI"), headers.get("WARC-Refers-To-Date")) if x)
        profile = headers.get("WARC-Profile") or ""
        tail = f" of {refers}" if refers else ""
        return f"WARC revisit record{tail} ({profile.rsplit('/', 1)[-1] or 'no profile'}): payload not stored; not scanned"
    return f"WARC {kind} record: counted, not scanned"


def _damaged(unit: Unit, exc: BaseException, last: str | None, count: int) -> Problem:
    text = str(exc)
    reason = "truncated" if "end of file" in text.lower() or isinstance(exc, EOFError) else "corrupt"
    after = f"after {count} record(s), the last {last!r}" if last else "before the first record"
    return problem(unit, "error", reason,
                   f"WARC unreadable {after}: {type(exc).__name__}: {text}; records before it were scanned")


# -- ARC ---------------------------------------------------------------------------------------

_ARC_LINE = re.compile(rb"^(\S+) (\S+) (\d{14}) (\S*) (\d+)\s*$")


def _arc_records(unit: Unit, limits: Limits, fh: Any, budget: Budget) -> Iterator[Unit | Problem]:
    """Records of an ARC v1 file (optionally gzip per record or whole file)."""
    raw = fh.read(limits.max_total_bytes + 1)
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = read_member(Metered(gzip.GzipFile(fileobj=io.BytesIO(raw)), limits, budget, len(raw)), limits)
        except (LimitExceeded, Truncated) as exc:
            hit = getattr(exc, "limit", None)
            yield problem(unit, "error", "limit_exceeded" if hit else "truncated", str(exc), None, hit)
            return
    pos = 0
    first = True
    while pos < len(raw):
        while pos < len(raw) and raw[pos:pos + 1] in (b"\n", b"\r"):
            pos += 1
        if pos >= len(raw):
            break
        end = raw.find(b"\n", pos)
        line = raw[pos:end if end >= 0 else len(raw)]
        match = _ARC_LINE.match(line)
        if not match:
            yield problem(unit, "error", "corrupt", f"ARC record header garbled at offset {pos}; records before it were scanned")
            return
        url, _, date, ctype, length = (g.decode("latin-1") for g in match.groups())
        body_start = end + 1 if end >= 0 else len(raw)
        body = raw[body_start:body_start + int(length)]
        pos = body_start + int(length)  # always past the header line: the loop moves forward
        member = f"{url} {date}"
        if first:
            first = False
            yield problem(unit, "skipped", "warc_warcinfo_record", "ARC file header (filedesc): counted, not scanned", member)
            continue
        truncated = len(body) < int(length)
        status, http, payload = _split_http(body)
        content_type = http.get("content-type") or ctype
        charset = _CHARSET.search(content_type or "")
        try:
            payload = _decode_http(payload, http, limits, budget)
        except (LimitExceeded, BadEncoding) as exc:
            hit = getattr(exc, "limit", None)
            yield problem(unit, "error", hit and "limit_exceeded" or "corrupt", f"payload cannot be decoded: {exc}",
                          member, hit)
            continue
        warc = {"record_id": None, "date": date, "target_uri": url, "payload_digest": None,
                "content_type": content_type, "http_status": status, "record_type": "response"}
        yield Unit(file=unit.file, member=child_member(unit, member), data=payload, depth=unit.depth + 1,
                   meta={"warc": warc, BUDGET_KEY: budget},
                   hint=content_type.split(";", 1)[0].strip().lower() if content_type else None,
                   charset=charset.group(1) if charset else None)
        if truncated:
            yield problem(unit, "error", "truncated", f"ARC ends inside record {member!r}; what was read was scanned")
            return


def _split_http(body: bytes) -> tuple[int | None, dict[str, str], bytes]:
    if not body.startswith(b"HTTP/"):
        return None, {}, body
    cut = body.find(b"\r\n\r\n")
    sep = 4
    if cut < 0:
        cut, sep = body.find(b"\n\n"), 2
    if cut < 0:
        return None, {}, body
    lines = body[:cut].decode("latin-1").splitlines()
    parts = lines[0].split()
    status = int(parts[1]) if len(parts) > 1 and parts[1].isascii() and parts[1].isdigit() else None  # not "20²"
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip()
    return status, headers, body[cut + sep:]


class BadEncoding(ValueError):
    """An HTTP body that does not decode as its Transfer-/Content-Encoding says."""


def _decode_http(payload: bytes, headers: dict[str, str], limits: Limits, budget: Budget) -> bytes:
    """The body with chunking and content encoding (gzip, deflate, br; in the order applied) undone."""
    try:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            payload = _dechunk(payload)
        for encoding in reversed([e.strip() for e in headers.get("content-encoding", "").lower().split(",")]):
            if encoding in ("gzip", "x-gzip", "deflate"):
                wbits = 31 if "gzip" in encoding else (15 if payload[:1] == b"\x78" else -15)
                payload, _ = inflate(payload, wbits, limits, budget)
            elif encoding == "br":
                payload = _unbrotli(payload, limits, budget)
    except (zlib.error, ValueError) as exc:  # ValueError: a stream cut short, a bad chunk size
        raise BadEncoding(f"{type(exc).__name__}: {exc}") from exc
    return payload


def _unbrotli(payload: bytes, limits: Limits, budget: Budget) -> bytes:
    try:
        import brotli
    except ImportError as exc:
        raise ValueError("brotli body and the brotli module is not installed") from exc
    inflater, out, n = brotli.Decompressor(), [], 0
    try:
        for at in range(0, len(payload), 1024):  # small input steps: the output is checked as it grows
            block = inflater.process(payload[at:at + 1024])
            n += len(block)
            budget.spend(len(block), limits)
            if n > limits.max_member_bytes:
                raise LimitExceeded("max_member_bytes", f"member larger than max_member_bytes={limits.max_member_bytes}")
            out.append(block)
        done = inflater.is_finished()
    except brotli.error as exc:
        raise ValueError(f"brotli: {exc}") from exc
    if not done:
        raise ValueError("brotli stream incomplete")
    return b"".join(out)


def _dechunk(body: bytes) -> bytes:
    out = bytearray()
    pos = 0
    while pos < len(body):
        end = body.find(b"\r\n", pos)
        if end < 0:
            break
        size = int(body[pos:end].split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            break
        out += body[end + 2:end + 2 + size]
        pos = end + 2 + size + 2
    return bytes(out)


FORMATS = {"warc": open_warc}
