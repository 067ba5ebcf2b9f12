"""Compressed single files: gzip, bzip2 and xz, unpacked in bounded reads (the limits: :mod:`.unpack`).

A compressed tar (``.tar.gz``, ``.tar.bz2``, ``.tar.xz``, ``.tgz``...) yields the tar's members
directly under the compressed file (:func:`.tar.tar_members`), and a compressed WARC
(``.warc.gz``, ``.warc.bz2``, ``.warc.xz``) is handed to :mod:`.warc`; any other compressed file
yields one child named by dropping the suffix (``notes.txt.gz`` -> ``notes.txt``).  A stream
that ends or breaks yields what was read, then an error ``truncated`` / ``corrupt``.
"""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from ..options import Limits
from ..records import Problem, Unit
from .tar import tar_members
from .unpack import LimitExceeded, Metered, Truncated, budget_of, child, damage, limit, problem, read_member, source
from .warc import open_warc

_SUFFIXES = {
    "gzip": ((".tgz", ".tar"), (".gz", ""), (".gzip", ""), (".z", "")),
    "bzip2": ((".tbz2", ".tar"), (".tbz", ".tar"), (".bz2", ""), (".bz", "")),
    "xz": ((".txz", ".tar"), (".xz", ""), (".lzma", "")),
}
_OPEN = {"gzip": gzip.GzipFile, "bzip2": bz2.BZ2File, "xz": lzma.LZMAFile}
PEEK = 1024


def inner_name(name: str, fmt: str) -> str:
    """The name of the single file inside a compressed file: its own name without the suffix."""
    base = name.rsplit("/", 1)[-1]
    for suffix, replacement in _SUFFIXES[fmt]:
        if base.lower().endswith(suffix) and len(base) > len(suffix):
            return base[: -len(suffix)] + replacement
    return base + ".out"


def _decompressor(fmt: str, fh: BinaryIO) -> BinaryIO:
    return gzip.GzipFile(fileobj=fh, mode="rb") if fmt == "gzip" else _OPEN[fmt](fh, mode="rb")


def _open_compressed(unit: Unit, limits: Limits, fmt: str) -> Iterator[Unit | Problem]:
    budget = budget_of(unit)
    packed = unit.size
    try:
        with source(unit) as fh:
            head = _decompressor(fmt, fh).read(PEEK)
    except (OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
        head = b""
        if not isinstance(exc, EOFError):
            yield problem(unit, "error", "corrupt", f"cannot decompress {fmt}: {type(exc).__name__}: {exc}")
            return
    if head.startswith((b"WARC/", b"filedesc://")):
        if fmt == "gzip":  # FastWARC reads gzip itself, record by record
            yield from open_warc(unit, limits)
            return
        with source(unit) as fh:  # FastWARC needs a seekable stream: unpack (bounded) first
            try:
                whole = read_member(Metered(_decompressor(fmt, fh), limits, budget, packed), limits)
            except LimitExceeded as exc:
                yield limit(unit, exc)
                return
            except Truncated as exc:
                yield problem(unit, "error", damage(exc.__cause__), f"{fmt} stream breaks: {exc}; WARC not read")
                return
        yield from open_warc(unit, limits, io.BytesIO(whole))
        return
    with source(unit) as fh:
        stream = Metered(_decompressor(fmt, fh), limits, budget, packed)
        if len(head) > 262 and head[257:262] == b"ustar":
            yield from tar_members(unit, limits, stream)
            return
        name = inner_name(unit.name, fmt)
        try:
            budget.count_member(limits)
            data = read_member(stream, limits)
        except LimitExceeded as exc:
            yield limit(unit, exc, name)
            return
        except Truncated as exc:
            if exc.data:
                yield child(unit, name, exc.data, budget)
            yield problem(unit, "error", damage(exc.__cause__),
                          f"{fmt} stream ends or breaks after {len(exc.data)} bytes ({exc}); what was read was scanned")
            return
        yield child(unit, name, data, budget)


def open_gzip(unit: Unit, limits: Limits) -> Iterator[Unit | Problem]:
    """A gzip file: a tar's members, a WARC's records, or the one file inside."""
    return _open_compressed(unit, limits, "gzip")


def open_bzip2(unit: Unit, limits: Limits) -> Iterator[Unit | Problem]:
    """A bzip2 file: a tar's members, a WARC's records, or the one file inside."""
    return _open_compressed(unit, limits, "bzip2")


def open_xz(unit: Unit, limits: Limits) -> Iterator[Unit | Problem]:
    """An xz file: a tar's members, a WARC's records, or the one file inside."""
    return _open_compressed(unit, limits, "xz")


FORMATS = {"gzip": open_gzip, "bzip2": open_bzip2, "xz": open_xz}
