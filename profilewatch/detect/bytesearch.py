"""The multi-pattern engines of the bytes-level gate, and the on-disk cache of the compiled gate.

``ENGINES[name](patterns, blob=None)`` builds an engine over byte patterns; ``matches(data)``
returns every ``(pattern index, start, end)`` of ``data`` matched ASCII case-insensitively (the
patterns are lower-cased), sorted by start, then end -- the same list, in the same order, from
both engines; ``blob()`` is what :func:`save` keeps so that the
next process need not compile again (Hyperscan takes about a second).  Hyperscan is used when its
wheel is installed (``profilewatch[gate]``), else ahocorasick-rs: the same answers.
"""
from __future__ import annotations

import operator
import os
import pickle
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from ..files import atomic_write

_POSITION = operator.itemgetter(1, 2)


class _AhoCorasick:
    name = "ahocorasick-rs"

    def __init__(self, patterns: list[bytes], blob: bytes | None = None) -> None:
        import ahocorasick_rs

        self._ac = ahocorasick_rs.BytesAhoCorasick(patterns)

    def blob(self) -> None:
        return None  # built in milliseconds: nothing to cache

    def matches(self, data: bytes) -> Iterable[tuple[int, int, int]]:
        found = self._ac.find_matches_as_indexes(data.lower(), overlapping=True)
        found.sort(key=_POSITION)  # (it reports them by end: Hyperscan's order, as the gate's answer may depend on it)
        return found


class _Hyperscan:
    name = "hyperscan"

    def __init__(self, patterns: list[bytes], blob: bytes | None = None) -> None:
        import hyperscan

        if blob is not None:
            self._db = hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK)
        else:
            self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            # the literal API reads C strings (a NUL, as in UTF-16, would cut a pattern): escaped bytes
            expressions = [b"".join(b"\\x%02x" % c for c in p) for p in patterns]
            self._db.compile(expressions=expressions, ids=list(range(len(patterns))), flags=hyperscan.HS_FLAG_CASELESS)
        self._lens = [len(p) for p in patterns]
        self._scratch = hyperscan.Scratch(self._db)

    def blob(self) -> bytes:
        import hyperscan

        return hyperscan.dumpb(self._db)

    def matches(self, data: bytes) -> Iterable[tuple[int, int, int]]:
        out: list[tuple[int, int, int]] = []
        lens = self._lens

        def on_match(pid: int, _from: int, to: int, _flags: int, _ctx: object) -> None:
            out.append((pid, to - lens[pid], to))

        self._db.scan(data, match_event_handler=on_match, scratch=self._scratch)
        out.sort(key=_POSITION)
        return out


ENGINES = {"hyperscan": _Hyperscan, "ahocorasick": _AhoCorasick}


@lru_cache(maxsize=1)
def has_hyperscan() -> bool:
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


# -- the compiled gates, cached between runs (building them costs about a second) -----------------

def _cache_path(name: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "profilewatch" / f"{name}.pickle"


def load_object(name: str):
    """What :func:`save_object` kept under ``name``; None if missing or unreadable."""
    try:
        with open(_cache_path(name), "rb") as fh:
            return pickle.load(fh)
    except Exception:  # missing, unreadable or from another version: build it again
        return None


def save_object(name: str, obj) -> None:
    path = _cache_path(name)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:
        pass  # a read-only home: build each time


def load(key: str):
    """The bytes gate's tables and engine blobs cached under ``key``; None if not there."""
    got = load_object(f"bytegate-{key}")
    try:
        tables, blobs = got
    except (TypeError, ValueError):
        return None
    return tables, blobs


def save(key: str, tables, blobs: dict) -> None:
    save_object(f"bytegate-{key}", (tables, {f: b for f, b in blobs.items() if b is not None}))
