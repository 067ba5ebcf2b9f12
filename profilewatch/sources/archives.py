"""Archives: zip, tar, gzip, bzip2 and xz, opened in memory with bounded reads.

Every member becomes a child :class:`~profilewatch.records.Unit` whose ``member`` chains the
path inside the archive onto the parent's with ``!/``.  A compressed tar (``.tar.gz``,
``.tar.bz2``, ``.tar.xz``) yields the tar's members directly under the compressed file, and a
compressed WARC (``.warc.gz``) is handed to :mod:`profilewatch.sources.warc`; any other
compressed file yields one child named by dropping the suffix (``notes.txt.gz`` -> ``notes.txt``).

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
* encrypted zip members are errors ``encrypted``; a truncated or corrupt archive ends with an
  error ``truncated`` / ``corrupt`` on the archive, after every member read before the damage.
  A zip whose central directory is missing (cut short) is read from its local headers.

7z is read with py7zr (the optional extra ``profilewatch[7z]``; without it a 7z file is
skipped with reason ``unsupported_format``).  py7zr extracts in one call, so it runs in a helper
thread that hands over one member at a time and waits until the scan of that member is done.
Each block py7zr writes is counted against the same limits; py7zr caps one block at 128 MB, so a
bomb is stopped at most one block past ``max_member_bytes``.  Encrypted 7z archives are errors
``encrypted``.
"""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import re
import struct
import tarfile
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from ..records import Problem, Unit

if TYPE_CHECKING:  # containers imports this module to register its openers: no import cycle at load
    from .containers import Limits


def child_member(parent: Unit, name: str) -> str:
    """:func:`profilewatch.sources.containers.child_member` (imported when first needed)."""
    from .containers import child_member as chain

    return chain(parent, name)

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


class LimitExceeded(Exception):
    """A safety limit was hit while unpacking; ``limit`` is the name of the :class:`Limits` field."""

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit


@dataclass(slots=True)
class Budget:
    """What one top-level file has unpacked so far, shared by all units nested in it."""

    total: int = 0
    members: int = 0
    exhausted: bool = False
    """Set once ``max_total_bytes`` or ``max_members`` is hit: every opener of the file stops."""

    def spend(self, n: int, limits: Limits) -> None:
        self.total += n
        if self.total > limits.max_total_bytes:
            self.exhausted = True
            raise LimitExceeded("max_total_bytes",
                                f"more than max_total_bytes={limits.max_total_bytes} unpacked from this file")

    def count_member(self, limits: Limits) -> None:
        self.members += 1
        if self.members > limits.max_members:
            self.exhausted = True
            raise LimitExceeded("max_members", f"more than max_members={limits.max_members} members in this file")


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


def read_member(stream: BinaryIO, limits: Limits, expected: int | None = None) -> bytes:
    """Read ``stream`` to its end in bounded blocks; at most ``max_member_bytes``.

    A stream that ends early or breaks raises :class:`Truncated` with the bytes read so far.
    """
    chunks: list[bytes] = []
    n = 0
    while True:
        want = CHUNK if expected is None else min(CHUNK, max(expected - n, 0) or 1)
        try:
            block = stream.read(want)
        except (EOFError, OSError, zlib.error, lzma.LZMAError, tarfile.TarError) as exc:
            raise Truncated(b"".join(chunks), exc) from exc
        if not block:
            break
        n += len(block)
        if n > limits.max_member_bytes:
            raise LimitExceeded("max_member_bytes", f"member larger than max_member_bytes={limits.max_member_bytes}")
        chunks.append(block)
        if expected is not None and n >= expected:
            break
    return b"".join(chunks)


def unsafe_name(name: str) -> bool:
    """True for a member path that is absolute or climbs out of the archive with ``..``."""
    path = name.replace("\\", "/")
    return path.startswith("/") or bool(re.match(r"^[A-Za-z]:", path)) or ".." in path.split("/")


def source(unit: Unit) -> BinaryIO:
    """The unit's bytes as a file object (from disk for a unit too large to hold)."""
    return open(unit.path, "rb") if unit.streamed else io.BytesIO(unit.data)  # noqa: SIM115


def _child(unit: Unit, name: str, data: bytes, budget: Budget) -> Unit:
    return Unit(file=unit.file, member=child_member(unit, name), data=data, depth=unit.depth + 1,
                meta={BUDGET_KEY: budget})


def _problem(unit: Unit, kind: str, reason: str, message: str, name: str | None = None,
             limit: str | None = None) -> Problem:
    member = child_member(unit, name) if name is not None else unit.member
    return Problem(kind, unit.file, member, reason, message, None if name is not None else unit.sha256, limit)


def _limit(unit: Unit, exc: LimitExceeded, name: str | None = None) -> Problem:
    return _problem(unit, "error", "limit_exceeded", str(exc), name, exc.limit)


# -- zip ---------------------------------------------------------------------------------------

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
            for info in zf.infolist():
                if budget.exhausted:
                    return
                if not info.filename:
                    yield _problem(unit, "error", "corrupt", "a member has an empty name; not read")
                    continue
                if info.is_dir():
                    continue
                name = info.filename
                if unsafe_name(name):
                    yield _problem(unit, "error", "unsafe_path",
                                   "member path is absolute or climbs out with '..'; not read", name)
                    continue
                try:
                    budget.count_member(limits)
                except LimitExceeded as exc:
                    yield _limit(unit, exc)
                    return
                if info.flag_bits & 0x1:
                    yield _problem(unit, "error", "encrypted", "member is encrypted; not read", name)
                    continue
                try:
                    with zf.open(info) as raw:
                        data = read_member(Metered(raw, limits, budget, info.compress_size), limits)
                except LimitExceeded as exc:
                    yield _limit(unit, exc, name)
                    if exc.limit in ("max_total_bytes", "max_members"):
                        return
                    continue
                except NotImplementedError as exc:
                    yield _problem(unit, "error", "unsupported_compression", str(exc), name)
                    continue
                except Truncated as exc:
                    yield _problem(unit, "error", "corrupt", f"{exc}", name)
                    continue
                except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, lzma.LZMAError) as exc:
                    yield _problem(unit, "error", "corrupt", f"{type(exc).__name__}: {exc}", name)
                    continue
                yield _child(unit, name, data, budget)


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
        yield _problem(unit, "error", "corrupt", "not a readable zip archive (no central directory, no local header)")
        return
    while pos >= 0 and pos + _LOCAL.size <= len(data):
        if budget.exhausted:
            return
        (_, _, flags, method, _, _, _, csize, _, nlen, xlen) = _LOCAL.unpack_from(data, pos)
        start = pos + _LOCAL.size
        name = data[start:start + nlen].decode("utf-8" if flags & 0x800 else "cp437", "replace")
        body = start + nlen + xlen
        try:
            if name.endswith("/"):
                content, end = b"", body + csize
            elif unsafe_name(name):
                yield _problem(unit, "error", "unsafe_path", "member path is absolute or climbs out with '..'; not read", name)
                content, end = None, body + csize
            elif flags & 0x1:
                yield _problem(unit, "error", "encrypted", "member is encrypted; not read", name)
                content, end = None, body + csize
            else:
                budget.count_member(limits)
                content, end = _inflate_local(data, body, csize, method, flags, limits, budget)
        except LimitExceeded as exc:
            yield _limit(unit, exc, name)
            if exc.limit in ("max_total_bytes", "max_members"):
                return
            content, end = None, body + csize
        except (zlib.error, ValueError) as exc:
            yield _problem(unit, "error", "truncated" if "incomplete" in str(exc) else "corrupt",
                           f"zip ends or breaks inside this member: {exc}", name)
            return
        if content is not None and name and not name.endswith("/"):
            yield _child(unit, name, content, budget)
        nxt = data.find(b"PK\x03\x04", max(end, start))
        if nxt < 0:
            break
        pos = nxt
    yield _problem(unit, "error", "truncated",
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


# -- tar ---------------------------------------------------------------------------------------

def open_tar(unit: Unit, limits: Limits) -> Iterator[Unit | Problem]:
    """Members of an uncompressed tar archive."""
    budget = budget_of(unit)
    with source(unit) as fh:
        yield from _tar_members(unit, limits, Metered(fh, limits, budget, None))


def _tar_members(unit: Unit, limits: Limits, stream: Metered) -> Iterator[Unit | Problem]:
    """Members of a tar read front to back from ``stream`` (streaming mode: no seeking)."""
    budget = stream.budget
    try:
        tf = tarfile.open(fileobj=stream, mode="r|")
    except LimitExceeded as exc:
        yield _limit(unit, exc)
        return
    except (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
        yield _problem(unit, "error", _damage(exc), f"not a readable tar archive: {type(exc).__name__}: {exc}")
        return
    current: str | None = None
    try:
        for info in tf:
            if budget.exhausted:
                return
            current = info.name
            if info.isdir():
                continue
            name = info.name
            if unsafe_name(name):
                yield _problem(unit, "error", "unsafe_path", "member path is absolute or climbs out with '..'; not read", name)
                continue
            budget.count_member(limits)
            if info.issym() or info.islnk():
                yield _problem(unit, "skipped", "archive_link", f"link to {info.linkname!r}; not followed", name)
                continue
            if not info.isreg():
                yield _problem(unit, "skipped", "special_file", "device, fifo or other non-regular member", name)
                continue
            stream.restart_clock()
            if info.size > limits.max_member_bytes:
                yield _problem(unit, "error", "limit_exceeded",
                               f"member larger than max_member_bytes={limits.max_member_bytes}", name, "max_member_bytes")
                continue
            try:
                member = tf.extractfile(info)
                data = read_member(member, limits, info.size) if member is not None else b""
            except LimitExceeded as exc:
                if exc.limit not in ("max_member_bytes",):
                    raise
                yield _limit(unit, exc, name)
                continue
            except Truncated as exc:
                yield _child(unit, name, exc.data, budget)
                yield _problem(unit, "error", "truncated",
                               f"archive ends or breaks inside member {name!r} after {len(exc.data)} of {info.size} "
                               f"bytes ({exc}); what was read was scanned")
                return
            yield _child(unit, name, data, budget)
            if len(data) < info.size:
                yield _problem(unit, "error", "truncated",
                               f"archive ends inside member {name!r} after {len(data)} of {info.size} bytes; "
                               "what was read was scanned")
                return
            current = None
    except LimitExceeded as exc:
        yield _limit(unit, exc, current if current and not unsafe_name(current) else None)
        return
    except (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
        where = f" in member {current!r}" if current else ""
        yield _problem(unit, "error", _damage(exc), f"archive damaged{where}: {type(exc).__name__}: {exc}; "
                       "members before it were scanned")
        return
    finally:
        tf.close()


def _damage(exc: BaseException) -> str:
    text = str(exc).lower()
    return "truncated" if isinstance(exc, EOFError) or "end of" in text or "truncated" in text else "corrupt"


# -- gzip / bzip2 / xz -------------------------------------------------------------------------

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
            yield _problem(unit, "error", "corrupt", f"cannot decompress {fmt}: {type(exc).__name__}: {exc}")
            return
    if head.startswith((b"WARC/", b"filedesc://")):
        from . import warc

        if fmt == "gzip":  # FastWARC reads gzip itself, record by record
            yield from warc.open_warc(unit, limits)
            return
        with source(unit) as fh:  # FastWARC needs a seekable stream: unpack (bounded) first
            try:
                whole = read_member(Metered(_decompressor(fmt, fh), limits, budget, packed), limits)
            except LimitExceeded as exc:
                yield _limit(unit, exc)
                return
            except Truncated as exc:
                yield _problem(unit, "error", _damage(exc.__cause__), f"{fmt} stream breaks: {exc}; WARC not read")
                return
        yield from warc.open_warc(unit, limits, io.BytesIO(whole))
        return
    with source(unit) as fh:
        stream = Metered(_decompressor(fmt, fh), limits, budget, packed)
        if len(head) > 262 and head[257:262] == b"ustar":
            yield from _tar_members(unit, limits, stream)
            return
        name = inner_name(unit.name, fmt)
        try:
            budget.count_member(limits)
            data = read_member(stream, limits)
        except LimitExceeded as exc:
            yield _limit(unit, exc, name)
            return
        except Truncated as exc:
            if exc.data:
                yield _child(unit, name, exc.data, budget)
            yield _problem(unit, "error", _damage(exc.__cause__),
                           f"{fmt} stream ends or breaks after {len(exc.data)} bytes ({exc}); what was read was scanned")
            return
        yield _child(unit, name, data, budget)


def open_gzip(unit: Unit, limits: Limits) -> Iterator[Unit | Problem]:
    """A gzip file: a tar's members, a WARC's records, or the one file inside."""
    return _open_compressed(unit, limits, "gzip")


def open_bzip2(unit: Unit, limits: Limits) -> Iterator[Unit | Problem]:
    """A bzip2 file: a tar's members, a WARC's records, or the one file inside."""
    return _open_compressed(unit, limits, "bzip2")


def open_xz(unit: Unit, limits: Limits) -> Iterator[Unit | Problem]:
    """An xz file: a tar's members, a WARC's records, or the one file inside."""
    return _open_compressed(unit, limits, "xz")


# -- 7z ----------------------------------------------------------------------------------------

_DONE = object()


class _Stop(Exception):
    """The consumer of a 7z extraction went away: unwind the helper thread."""


def open_7z(unit: Unit, limits: Limits) -> Iterator[Unit | Problem]:
    """Members of a 7z archive (needs py7zr)."""
    try:
        import py7zr
        from py7zr.io import Py7zIO, WriterFactory
    except ImportError:
        yield _problem(unit, "skipped", "unsupported_format", "7z needs the optional py7zr package "
                       "(pip install 'profilewatch[7z]')")
        return
    budget = budget_of(unit)
    with source(unit) as fh:
        try:
            archive = py7zr.SevenZipFile(fh, mode="r")
        except py7zr.PasswordRequired as exc:
            yield _problem(unit, "error", "encrypted", f"7z archive is encrypted; not read ({exc})")
            return
        except Exception as exc:  # py7zr raises many types on damaged headers
            yield _problem(unit, "error", _damage(exc), f"not a readable 7z archive: {type(exc).__name__}: {exc}")
            return
        with archive:
            if archive.needs_password():
                yield _problem(unit, "error", "encrypted", "7z archive is encrypted; not read")
                return
            targets = []
            for info in archive.list():
                name = info.filename
                if info.is_directory:
                    continue
                if unsafe_name(name):
                    yield _problem(unit, "error", "unsafe_path", "member path is absolute or climbs out with '..'; not read", name)
                    continue
                try:
                    budget.count_member(limits)
                except LimitExceeded as exc:
                    yield _limit(unit, exc)
                    return
                if getattr(info, "is_symlink", False):
                    yield _problem(unit, "skipped", "archive_link", "symbolic link; not followed", name)
                    continue
                targets.append(name)
            if targets:
                yield from _7z_members(unit, limits, budget, archive, targets, Py7zIO, WriterFactory)


def _7z_members(unit: Unit, limits: Limits, budget: Budget, archive, targets: list[str], Py7zIO, WriterFactory
                ) -> Iterator[Unit | Problem]:
    import queue
    import threading

    handover: queue.Queue = queue.Queue(maxsize=1)
    resume = threading.Semaphore(0)
    stop = threading.Event()
    packed = unit.size

    class Writer(Py7zIO):
        def __init__(self, name: str) -> None:
            self.name, self.chunks, self.count = name, [], 0
            self.deadline = time.monotonic() + limits.unit_seconds

        def write(self, data) -> int:
            if stop.is_set():
                raise _Stop()
            n = len(data)
            self.count += n
            try:
                budget.spend(n, limits)
                if self.count > limits.max_member_bytes:
                    raise LimitExceeded("max_member_bytes", f"member larger than max_member_bytes={limits.max_member_bytes}")
                if self.count > RATIO_FLOOR and self.count > limits.max_ratio * max(packed, 1):
                    raise LimitExceeded("max_ratio", f"compression ratio above max_ratio={limits.max_ratio:g} "
                                        f"({self.count} bytes from a {packed}-byte archive)")
                if time.monotonic() > self.deadline:
                    raise LimitExceeded("unit_seconds", f"unpacking took longer than unit_seconds={limits.unit_seconds:g}")
            except LimitExceeded as exc:
                exc.member = self.name
                raise
            self.chunks.append(bytes(data))
            return n

        def read(self, size: int | None = None) -> bytes:
            return b""

        def seek(self, offset: int, whence: int = 0) -> int:
            return 0

        def flush(self) -> None:
            return None

        def size(self) -> int:
            return self.count

        def close(self) -> None:  # py7zr calls this when a member is complete
            if stop.is_set():
                return
            handover.put((self.name, b"".join(self.chunks)))
            self.chunks = []
            resume.acquire()  # wait until the member has been scanned

    class Factory(WriterFactory):
        def create(self, filename: str) -> Py7zIO:
            return Writer(filename)

    def run() -> None:
        try:
            archive.extract(targets=targets, factory=Factory())
        except _Stop:
            return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer as a record
            handover.put(exc)
            return
        handover.put(_DONE)

    worker = threading.Thread(target=run, name="profilewatch-7z", daemon=True)
    worker.start()
    try:
        while True:
            item = handover.get()
            if item is _DONE:
                return
            if isinstance(item, LimitExceeded):
                yield _limit(unit, item, getattr(item, "member", None))
                return
            if isinstance(item, BaseException):
                yield _problem(unit, "error", _damage(item), f"7z archive damaged: {type(item).__name__}: {item}; "
                               "members before it were scanned")
                return
            name, data = item
            yield _child(unit, name, data, budget)
            resume.release()
    finally:
        stop.set()
        resume.release()
        worker.join(timeout=5)


FORMATS = {"zip": open_zip, "tar": open_tar, "gzip": open_gzip, "bzip2": open_bzip2, "xz": open_xz, "7z": open_7z}
