"""Zip archives, opened in memory with bounded reads (the limits: :mod:`.unpack`).

Every regular member becomes a child unit named by its path in the archive (``lib/a.h``);
directory entries are not units.  Encrypted members are errors ``encrypted``; a member with an
empty name is an error ``corrupt`` on the archive.  A zip whose central directory is missing
(cut short) is read front to back from its local headers and ends with an error ``truncated``.
"""
from __future__ import annotations

import lzma
import struct
import zipfile
import zlib
from collections.abc import Iterator

from ..options import Limits
from ..records import Problem, Unit
from .unpack import (Budget, LimitExceeded, Metered, Truncated, admit_member, budget_of, child, inflate, limit,
                     problem, read_member, source)


def open_zip(unit: Unit, limits: Limits) -> Iterator[Unit | Problem]:
    """Members of a zip archive (a zip without a central directory is read from local headers)."""
    budget = budget_of(unit)
    with source(unit) as fh:
        try:
            zf = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            yield from _zip_local_headers(unit, limits, budget)
            return
        with zf:
            try:
                yield from _zip_members(unit, limits, budget, zf)
            except LimitExceeded as exc:  # one member too many (admit_member): the archive stops
                yield limit(unit, exc)


def _zip_members(unit: Unit, limits: Limits, budget: Budget, zf: zipfile.ZipFile) -> Iterator[Unit | Problem]:
    """The members listed in the central directory of ``zf``."""
    for info in zf.infolist():
        if budget.exhausted:
            return
        name = info.filename
        if name.endswith("/"):  # a directory
            continue
        if (refused := admit_member(unit, name, limits, budget, require_name=True)) is not None:
            yield refused
            continue
        if info.flag_bits & 0x1:
            yield problem(unit, "error", "encrypted", "member is encrypted; not read", name)
            continue
        try:
            with zf.open(info) as raw:
                data = read_member(Metered(raw, limits, budget, info.compress_size), limits)
        except LimitExceeded as exc:
            yield limit(unit, exc, name)
            if exc.limit in ("max_total_bytes", "max_members"):
                return
            continue
        except NotImplementedError as exc:
            yield problem(unit, "error", "unsupported_compression", str(exc), name)
            continue
        except Truncated as exc:
            yield problem(unit, "error", "corrupt", f"{exc}", name)
            continue
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, lzma.LZMAError) as exc:
            yield problem(unit, "error", "corrupt", f"{type(exc).__name__}: {exc}", name)
            continue
        yield child(unit, name, data, budget)


_LOCAL = struct.Struct("<4sHHHHHIIIHH")


def _zip_local_headers(unit: Unit, limits: Limits, budget: Budget) -> Iterator[Unit | Problem]:
    """Read a zip front to back by its local headers (used when the central directory is gone)."""
    if unit.streamed:
        with source(unit) as fh:
            data = fh.read(limits.max_member_bytes)
    else:
        data = unit.data
    pos = data.find(b"PK\x03\x04")
    if pos < 0:
        yield problem(unit, "error", "corrupt", "not a readable zip archive (no central directory, no local header)")
        return
    while pos >= 0 and pos + _LOCAL.size <= len(data):
        if budget.exhausted:
            return
        (_, _, flags, method, _, _, _, csize, _, nlen, xlen) = _LOCAL.unpack_from(data, pos)
        start = pos + _LOCAL.size
        name = data[start:start + nlen].decode("utf-8" if flags & 0x800 else "cp437", "replace")
        body = start + nlen + xlen
        encrypted = bool(flags & 0x1)
        try:
            if name.endswith("/"):
                content, end = b"", body + csize
            elif (refused := admit_member(unit, name, limits, budget, count=not encrypted)) is not None:
                yield refused
                content, end = None, body + csize
            elif encrypted:  # checked after the path, before counting
                yield problem(unit, "error", "encrypted", "member is encrypted; not read", name)
                content, end = None, body + csize
            else:
                content, end = _inflate_local(data, body, csize, method, flags, limits, budget)
        except LimitExceeded as exc:
            yield limit(unit, exc, name)
            if exc.limit in ("max_total_bytes", "max_members"):
                return
            content, end = None, body + csize
        except (zlib.error, ValueError) as exc:
            yield problem(unit, "error", "truncated" if "incomplete" in str(exc) else "corrupt",
                          f"zip ends or breaks inside this member: {exc}", name)
            return
        if content is not None and name and not name.endswith("/"):
            yield child(unit, name, content, budget)
        nxt = data.find(b"PK\x03\x04", max(end, start))
        if nxt < 0:
            break
        pos = nxt
    yield problem(unit, "error", "truncated",
                  "zip central directory missing (file cut short?); members were read from local headers")


def _inflate_local(data: bytes, body: int, csize: int, method: int, flags: int, limits: Limits,
                   budget: Budget) -> tuple[bytes, int]:
    known = not flags & 0x8 and csize > 0
    if method == 0:
        if not known:
            raise ValueError("stored member without sizes")
        if body + csize > len(data):
            raise ValueError("stored member incomplete")
        chunk = data[body:body + csize]
        if len(chunk) > limits.max_member_bytes:
            raise LimitExceeded("max_member_bytes", f"member larger than max_member_bytes={limits.max_member_bytes}")
        budget.spend(len(chunk), limits)
        return chunk, body + csize
    if method != 8:
        raise ValueError(f"compression method {method} not supported in a zip without central directory")
    packed = data[body:body + csize] if known else data[body:]
    content, used = inflate(packed, -15, limits, budget)
    return content, body + used


FORMATS = {"zip": open_zip}
