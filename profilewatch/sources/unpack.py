"""Unpacking safety shared by every container opener (zip, tar, compressed files, 7z, WARC).

Every member becomes a child :class:`~profilewatch.records.Unit` whose ``member`` chains the
path inside the container onto the parent's with ``!/`` (:func:`child_member`).

Safety:

* nothing is ever written to disk; member names are labels only.  A member whose name is
  absolute or climbs out with ``..`` is an error ``unsafe_path`` and is not read at all (such
  an archive is hostile or broken; the record makes it visible and ``--strict`` fails on it);
* decompression reads at most 1 MiB at a time and counts what comes out, so header sizes are
  never trusted: ``max_member_bytes`` per member, ``max_total_bytes`` over everything unpacked
  from one top-level file (nested archives included), ``max_ratio`` (unpacked / packed, once a
  member passes ``RATIO_FLOOR`` bytes), ``max_members`` over one top-level file, and
  ``unit_seconds`` per member.  A hit is an error ``Problem`` with ``limit`` set and the scan
  goes on (with the next member where the archive allows it);
* a truncated or corrupt archive ends with an error ``truncated`` / ``corrupt`` on the
  archive, after every member read before the damage.

The :class:`Budget` of a top-level file travels in ``unit.meta[BUDGET_KEY]`` to every unit
nested in it, so nested archives spend from the same limits.
"""
from __future__ import annotations

import io
import lzma
import re
import tarfile
import time
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from ..files import open_input
from ..options import Limits
from ..records import LimitHit, Problem, Unit

CHUNK = 1 << 20
RATIO_FLOOR = 1 << 20
"""The compression ratio is only checked once a member has unpacked this many bytes, so small
highly repetitive files (a page of spaces) are not mistaken for bombs."""

BUDGET_KEY = "_budget"


class Truncated(Exception):
    """The stream ended (or broke) inside a member; ``data`` holds what was read before."""

    def __init__(self, data: bytes, cause: BaseException) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.data = data


class LimitExceeded(LimitHit):
    """A safety limit was hit while unpacking; ``limit`` is the name of the :class:`Limits` field."""


@dataclass(slots=True)
class Budget:
    """What one top-level file has unpacked so far, shared by all units nested in it."""

    total: int = 0
    members: int = 0
    exhausted: bool = False
    """Set once ``max_total_bytes`` or ``max_members`` is hit: every opener of the file stops."""
    most_bytes: int | None = None
    most_members: int | None = None
    """This file's own caps where they exceed the limits (:func:`scaled_to`); else the limits'."""

    def spend(self, n: int, limits: Limits) -> None:
        self.total += n
        cap = max(limits.max_total_bytes, self.most_bytes or 0)
        if self.total > cap:
            self.exhausted = True
            raise LimitExceeded("max_total_bytes", f"more than max_total_bytes={cap} unpacked from this file")

    def count_member(self, limits: Limits) -> None:
        self.members += 1
        cap = max(limits.max_members, self.most_members or 0)
        if self.members > cap:
            self.exhausted = True
            raise LimitExceeded("max_members", f"more than max_members={cap} members in this file")

    def scaled_to(self, size: int, limits: Limits) -> Budget:
        """Caps in proportion to ``size`` bytes read from disk, for a file of many independent
        records (a WARC crawl: a 1 GB Common Crawl file holds ~150,000 records and inflates to
        ~5 GB): ``max_ratio`` times its size unpacked, a member per KB of it.  A bomb stays
        bounded by its size; an honest crawl of any size is read whole."""
        self.most_bytes = int(limits.max_ratio * size)
        self.most_members = size // 1024
        return self


def budget_of(unit: Unit) -> Budget:
    """The unpacking budget of the top-level file ``unit`` belongs to (created at the top)."""
    budget = unit.meta.get(BUDGET_KEY)
    if budget is None:
        budget = unit.meta[BUDGET_KEY] = Budget()
    return budget


class Metered(io.RawIOBase):
    """A read-only stream over unpacked bytes that counts them against the limits.

    ``packed`` is the compressed size the bytes come from (``None``: no ratio check).
    """

    def __init__(self, raw: BinaryIO, limits: Limits, budget: Budget, packed: int | None) -> None:
        self.raw, self.limits, self.budget, self.packed = raw, limits, budget, packed
        self.count = 0
        self.deadline = time.monotonic() + limits.unit_seconds

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        block = self.raw.read(min(len(buffer), CHUNK))
        n = len(block)
        buffer[:n] = block
        self.count += n
        self.budget.spend(n, self.limits)
        if self.packed is not None and self.count > RATIO_FLOOR and self.count > self.limits.max_ratio * max(self.packed, 1):
            raise LimitExceeded("max_ratio", f"compression ratio above max_ratio={self.limits.max_ratio:g} "
                                f"({self.count} bytes from {self.packed})")
        if time.monotonic() > self.deadline:
            raise LimitExceeded("unit_seconds", f"unpacking took longer than unit_seconds={self.limits.unit_seconds:g}")
        return n

    def restart_clock(self) -> None:
        self.deadline = time.monotonic() + self.limits.unit_seconds


def read_member(stream: BinaryIO, limits: Limits, expected: int | None = None, budget: Budget | None = None) -> bytes:
    """Read ``stream`` to its end in bounded blocks; at most ``max_member_bytes``.

    A stream that ends early or breaks raises :class:`Truncated` with the bytes read so far.
    With ``budget`` the bytes are counted against it and ``unit_seconds`` is checked here (what
    :class:`Metered` does, without its extra copy: a WARC record's reader is already bounded).
    """
    chunks: list[bytes] = []
    n = 0
    deadline = time.monotonic() + limits.unit_seconds if budget is not None else None
    while True:
        want = CHUNK if expected is None else min(CHUNK, max(expected - n, 0) or 1)
        try:
            block = stream.read(want)
        except (EOFError, OSError, zlib.error, lzma.LZMAError, tarfile.TarError) as exc:
            raise Truncated(b"".join(chunks), exc) from exc
        if not block:
            break
        n += len(block)
        if budget is not None:
            budget.spend(len(block), limits)
        if n > limits.max_member_bytes:
            raise LimitExceeded("max_member_bytes", f"member larger than max_member_bytes={limits.max_member_bytes}")
        chunks.append(block)
        if deadline is not None and time.monotonic() > deadline:
            raise LimitExceeded("unit_seconds", f"unpacking took longer than unit_seconds={limits.unit_seconds:g}")
        if expected is not None and n >= expected:
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def inflate(packed: bytes, wbits: int, limits: Limits, budget: Budget) -> tuple[bytes, int]:
    """Inflate a zlib/deflate/gzip stream (``wbits`` as in :mod:`zlib`) in bounded blocks.

    Returns the bytes and how much of ``packed`` the stream used; raises ``ValueError`` when
    the stream is incomplete and :class:`LimitExceeded` on a limit.
    """
    inflater = zlib.decompressobj(wbits)
    out: list[bytes] = []
    n = 0
    pending = packed
    while pending and not inflater.eof:
        block = inflater.decompress(pending, CHUNK)
        pending = inflater.unconsumed_tail
        n += len(block)
        budget.spend(len(block), limits)
        if n > limits.max_member_bytes:
            raise LimitExceeded("max_member_bytes", f"member larger than max_member_bytes={limits.max_member_bytes}")
        if n > RATIO_FLOOR and n > limits.max_ratio * max(len(packed) - len(pending), 1):
            raise LimitExceeded("max_ratio", f"compression ratio above max_ratio={limits.max_ratio:g}")
        out.append(block)
        if not block and not pending:
            break
    if not inflater.eof:
        raise ValueError("deflate stream incomplete")
    return b"".join(out), len(packed) - len(inflater.unused_data)


def unsafe_name(name: str) -> bool:
    """True for a member path that is absolute or climbs out of the archive with ``..``."""
    path = name.replace("\\", "/")
    return path.startswith("/") or bool(re.match(r"^[A-Za-z]:", path)) or ".." in path.split("/")


def source(unit: Unit) -> BinaryIO:
    """The unit's bytes as a file object (from disk for a unit too large to hold)."""
    return open_input(unit.path) if unit.streamed else io.BytesIO(unit.data)  # noqa: SIM115


def damage(exc: BaseException) -> str:
    """The reason for an archive that broke with ``exc``: ``truncated`` or ``corrupt``."""
    text = str(exc).lower()
    return "truncated" if isinstance(exc, EOFError) or "end of" in text or "truncated" in text else "corrupt"


# -- child units and problem records -----------------------------------------------------------

def child_member(parent: Unit, name: str) -> str:
    """The ``member`` of a child called ``name`` inside ``parent`` (nested with ``!/``).

    A WARC record's name is ``"<uri> <date>"``, so a WARC nested in an archive gives
    ``"<archive member>!/<uri> <date>"``.
    """
    return f"{parent.member}!/{name}" if parent.member else name


def child(unit: Unit, name: str, data: bytes, budget: Budget) -> Unit:
    """The child unit ``name`` of ``unit`` holding ``data``, spending from ``budget``."""
    return Unit(file=unit.file, member=child_member(unit, name), data=data, depth=unit.depth + 1,
                meta={BUDGET_KEY: budget})


def problem(unit: Unit, kind: str, reason: str, message: str, name: str | None = None,
            limit: str | None = None) -> Problem:
    """A ``kind`` (error / skipped) record on the member ``name`` of ``unit``, or on ``unit`` itself."""
    member = child_member(unit, name) if name is not None else unit.member
    return Problem(kind, unit.file, member, reason, message, None if name is not None else unit.sha256, limit)


def limit(unit: Unit, exc: LimitExceeded, name: str | None = None) -> Problem:
    """The error ``limit_exceeded`` record for ``exc`` (on the member ``name``, or on ``unit``)."""
    return problem(unit, "error", "limit_exceeded", str(exc), name, exc.limit)


def admit_member(unit: Unit, name: str, limits: Limits, budget: Budget, *, require_name: bool = False,
                 count: bool = True) -> Problem | None:
    """The checks an archive opener makes on a (non-directory) member before reading it.

    In this order: an empty name, where the format requires one (``require_name``), is an
    error ``corrupt`` on the archive; an absolute path or one that climbs out with ``..`` is an
    error ``unsafe_path`` on the member.  Either is returned, the member is not read and the
    archive goes on.  Otherwise the member is counted against ``max_members`` (unless
    ``count`` is false) and ``None`` is returned: read it.  One member too many raises
    :class:`LimitExceeded`; the opener reports it and stops.
    """
    if require_name and not name:
        return problem(unit, "error", "corrupt", "a member has an empty name; not read")
    if unsafe_name(name):
        return problem(unit, "error", "unsafe_path", "member path is absolute or climbs out with '..'; not read", name)
    if count:
        budget.count_member(limits)
    return None
