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
