"""Tar archives, read front to back as a stream with bounded reads (the limits: :mod:`.unpack`).

Every regular member becomes a child unit named by its path in the archive; directory entries
are not units, links are skipped with reason ``archive_link`` (never followed) and devices,
fifos and the like with reason ``special_file``.  An archive that ends or breaks inside a member
yields what was read of it, then an error ``truncated`` / ``corrupt`` on the archive.  The
members of a compressed tar are read through :func:`tar_members` by :mod:`.compressed`.
"""
from __future__ import annotations

import lzma
import tarfile
import zlib
from collections.abc import Iterator

from ..options import Limits
from ..records import Problem, Unit
from .unpack import (LimitExceeded, Metered, Truncated, admit_member, budget_of, child, damage, limit, problem,
                     read_member, source, unsafe_name)


def open_tar(unit: Unit, limits: Limits) -> Iterator[Unit | Problem]:
    """Members of an uncompressed tar archive."""
    budget = budget_of(unit)
    with source(unit) as fh:
        yield from tar_members(unit, limits, Metered(fh, limits, budget, None))


def tar_members(unit: Unit, limits: Limits, stream: Metered) -> Iterator[Unit | Problem]:
    """Members of a tar read front to back from ``stream`` (streaming mode: no seeking)."""
    budget = stream.budget
    try:
        tf = tarfile.open(fileobj=stream, mode="r|")
    except LimitExceeded as exc:
        yield limit(unit, exc)
        return
    except (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
        yield problem(unit, "error", damage(exc), f"not a readable tar archive: {type(exc).__name__}: {exc}")
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
            if (refused := admit_member(unit, name, limits, budget)) is not None:
                yield refused
                continue
            if info.issym() or info.islnk():
                yield problem(unit, "skipped", "archive_link", f"link to {info.linkname!r}; not followed", name)
                continue
            if not info.isreg():
                yield problem(unit, "skipped", "special_file", "device, fifo or other non-regular member", name)
                continue
            stream.restart_clock()
            if info.size > limits.max_member_bytes:
                yield problem(unit, "error", "limit_exceeded",
                              f"member larger than max_member_bytes={limits.max_member_bytes}", name, "max_member_bytes")
                continue
            try:
                member = tf.extractfile(info)
                data = read_member(member, limits, info.size) if member is not None else b""
            except LimitExceeded as exc:
                if exc.limit not in ("max_member_bytes",):
                    raise
                yield limit(unit, exc, name)
                continue
            except Truncated as exc:
                yield child(unit, name, exc.data, budget)
                yield problem(unit, "error", "truncated",
                              f"archive ends or breaks inside member {name!r} after {len(exc.data)} of {info.size} "
                              f"bytes ({exc}); what was read was scanned")
                return
            yield child(unit, name, data, budget)
            if len(data) < info.size:
                yield problem(unit, "error", "truncated",
                              f"archive ends inside member {name!r} after {len(data)} of {info.size} bytes; "
                              "what was read was scanned")
                return
            current = None
    except LimitExceeded as exc:  # max_members (admit_member) or a total/ratio/time limit
        yield limit(unit, exc, current if current and not unsafe_name(current) else None)
        return
    except (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
        where = f" in member {current!r}" if current else ""
        yield problem(unit, "error", damage(exc), f"archive damaged{where}: {type(exc).__name__}: {exc}; "
                      "members before it were scanned")
        return
    finally:
        tf.close()


FORMATS = {"tar": open_tar}
