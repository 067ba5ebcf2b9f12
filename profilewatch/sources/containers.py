"""Containers: formats whose content is more units (archives, compressed files, WARC).

``OPENERS`` maps a format name to a function ``(unit, limits) -> Iterator[Unit | Problem]``
that yields the child units (``depth`` one deeper, ``member`` chained with ``!/``) or a
problem record for a child that cannot be read.  A limit that is hit is reported as an error
``Problem`` with ``limit`` set to the limit's name; the scan goes on.

Each format module (:mod:`.zip`, :mod:`.tar`, :mod:`.compressed`, :mod:`.sevenzip`, :mod:`.warc`)
declares its openers in ``FORMATS``; the unpacking limits they share live in :mod:`.unpack`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

from ..plugins import collect
from ..options import Limits
from ..records import Problem, Unit


Opener = Callable[[Unit, Limits], Iterator[Unit | Problem]]
OPENERS: dict[str, Opener] = collect(__package__, ("zip", "tar", "compressed", "sevenzip", "warc"))
