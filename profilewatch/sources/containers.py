"""Containers: formats whose content is more units (archives, compressed files, WARC).

``OPENERS`` maps a format name to a function ``(unit, limits) -> Iterator[Unit | Problem]``
that yields the child units (``depth`` one deeper, ``member`` chained with ``!/``) or a
problem record for a child that cannot be read.  A limit that is hit is reported as an error
``Problem`` with ``limit`` set to the limit's name; the scan goes on.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..plugins import collect
from ..records import Problem, Unit


@dataclass(frozen=True, slots=True)
class Limits:
    """Safety limits for opening containers and reading units (all configurable)."""

    max_depth: int = 5
    max_member_bytes: int = 256 << 20
    max_total_bytes: int = 2 << 30
    max_ratio: float = 200.0
    max_members: int = 100_000
    unit_seconds: float = 60.0
    min_string: int = 6


Opener = Callable[[Unit, Limits], Iterator[Unit | Problem]]
OPENERS: dict[str, Opener] = {}



def child_member(parent: Unit, name: str) -> str:
    """The ``member`` of a child called ``name`` inside ``parent`` (nested with ``!/``)."""
    return f"{parent.member}!/{name}" if parent.member else name


OPENERS.update(collect(__package__, ("archives", "warc")))
