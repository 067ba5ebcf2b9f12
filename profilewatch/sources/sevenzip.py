"""7z archives, read with py7zr in a helper thread (the limits: :mod:`.unpack`).

py7zr is the optional extra ``profilewatch[7z]``; without it a 7z file is skipped with reason
``unsupported_format``.  py7zr extracts in one call, so it runs in a helper thread that hands
over one member at a time and waits until the scan of that member is done.  Each block py7zr
writes is counted against the same limits; py7zr caps one block at 128 MB, so a bomb is stopped
at most one block past ``max_member_bytes``.  Encrypted 7z archives are errors ``encrypted``;
symbolic links are skipped with reason ``archive_link``.
"""
from __future__ import annotations

import time
from collections.abc import Iterator

from ..options import Limits
from ..records import Problem, Unit
from .unpack import RATIO_FLOOR, Budget, LimitExceeded, admit_member, budget_of, child, damage, limit, problem, source

_DONE = object()


class _Stop(Exception):
    """The consumer of a 7z extraction went away: unwind the helper thread."""


def open_7z(unit: Unit, limits: Limits) -> Iterator[Unit | Problem]:
    """Members of a 7z archive (needs py7zr)."""
    try:
        import py7zr
        from py7zr.io import Py7zIO, WriterFactory
    except ImportError:
        yield problem(unit, "skipped", "unsupported_format", "7z needs the optional py7zr package "
                      "(pip install 'profilewatch[7z]')")
        return
    budget = budget_of(unit)
    with source(unit) as fh:
        try:
            archive = py7zr.SevenZipFile(fh, mode="r")
        except py7zr.PasswordRequired as exc:
            yield problem(unit, "error", "encrypted", f"7z archive is encrypted; not read ({exc})")
            return
        except Exception as exc:  # py7zr raises many types on damaged headers
            yield problem(unit, "error", damage(exc), f"not a readable 7z archive: {type(exc).__name__}: {exc}")
            return
        with archive:
            if archive.needs_password():
                yield problem(unit, "error", "encrypted", "7z archive is encrypted; not read")
                return
            targets = []
            try:
                for info in archive.list():
                    name = info.filename
                    if info.is_directory:
                        continue
                    if (refused := admit_member(unit, name, limits, budget)) is not None:
                        yield refused
                        continue
                    if getattr(info, "is_symlink", False):
                        yield problem(unit, "skipped", "archive_link", "symbolic link; not followed", name)
                        continue
                    targets.append(name)
            except LimitExceeded as exc:  # one member too many (admit_member): the archive stops
                yield limit(unit, exc)
                return
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
                yield limit(unit, item, getattr(item, "member", None))
                return
            if isinstance(item, BaseException):
                yield problem(unit, "error", damage(item), f"7z archive damaged: {type(item).__name__}: {item}; "
                              "members before it were scanned")
                return
            name, data = item
            yield child(unit, name, data, budget)
            resume.release()
    finally:
        stop.set()
        resume.release()
        worker.join(timeout=5)


FORMATS = {"7z": open_7z}
