"""Files profilewatch writes for others to rely on (baselines, evidence bundles): written whole or not at all.

:func:`atomic_write` writes to a temporary file in the target's folder and renames it over the
target only when the block ends without an error, so a reader never sees half a file and a
crash leaves the old file in place.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb", **open_args: Any) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` (``mode`` ``"wb"`` or ``"w"``); rename it to ``path`` on success."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent if str(target.parent) else ".")
    try:
        with os.fdopen(fd, mode, **open_args) as fh:
            yield fh
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def is_url(path: str | os.PathLike | None) -> bool:
    """True for an fsspec URL (``s3://``, ``https://``, ``file://`` ...), read through fsspec."""
    return isinstance(path, str) and "://" in path[:16]


class MissingExtra(RuntimeError):
    """An optional dependency is not installed (the message names the extra)."""


def open_input(path: str | os.PathLike) -> IO[bytes]:
    """Open an input for reading: a local path, or an fsspec URL (needs ``profilewatch[cluster]``)."""
    if not is_url(path):
        return open(path, "rb")  # noqa: SIM115 - the caller closes it
    try:
        import fsspec
    except ImportError as exc:
        raise MissingExtra(f"reading {str(path).split('://', 1)[0]}:// inputs needs fsspec: "
                           "pip install 'profilewatch[cluster]'") from exc
    return fsspec.open(str(path), "rb").open()
