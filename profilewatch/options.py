"""What a scan does and how far it may go: :class:`ScanOptions` and the safety :class:`Limits`.

Ground floor: every layer reads these, none of them is imported here.  Every field has a safe
default; the CLI and the Python API set them by name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace

MAX_IN_MEMORY = 64 << 20
"""Files larger than this are not read whole: the scanner reads them from disk in bounded windows."""


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
    max_image_pixels: int = 40_000_000
    """Images (and rendered pages) with more pixels are refused before they are decoded."""
    max_frames: int = 10
    """Frames of an animated or multi-page image (GIF, TIFF, WebP) read by OCR."""
    ocr_seconds: float = 600.0
    """Time OCR may spend on one unit (added to ``unit_seconds``); pages past it are reported."""
    ocr_dpi: int = 150
    """Resolution at which PDF pages without a usable text layer are rendered for OCR."""
    max_shared_strings: int = 32 << 20
    """Bytes of an XLSX's shared-strings table held for its cells; strings past it are scanned on
    their own, and a cell that refers to one ends its unit partial (limit ``max_shared_strings``)."""

    def with_settings(self, settings: list[str] | tuple[str, ...]) -> Limits:
        """These limits with ``NAME=VALUE`` settings applied (``--limit unit_seconds=600``); sizes
        take K/M/G suffixes (powers of 1024).  A ValueError names a bad setting and the names."""
        changed = {}
        types = {f.name: f.type for f in fields(self)}
        for setting in settings:
            name, _, value = setting.partition("=")
            name = name.strip().replace("-", "_")
            if name not in types or not value.strip():
                raise ValueError(f"{setting!r}: expected NAME=VALUE, NAME one of {', '.join(types)}")
            changed[name] = _limit_value(name, value.strip(), types[name])
        return replace(self, **changed)


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([KMG]?)i?B?", re.IGNORECASE)


def _limit_value(name: str, value: str, kind: str) -> int | float:
    if kind == "float":
        try:
            number = float(value)
        except ValueError:
            number = -1.0
    else:
        match = _SIZE.fullmatch(value)
        number = int(float(match.group(1)) * (1 << (10 * " KMG".index((match.group(2) or " ").upper())))) if match else -1
    if number <= 0:
        raise ValueError(f"{name}={value}: expected a positive {'number' if kind == 'float' else 'integer (K/M/G allowed)'}")
    return number


@dataclass(slots=True)
class ScanOptions:
    """What a scan does; every field has a safe default."""

    rules_dirs: list[str] = field(default_factory=list)
    min_confidence: float = 0.0
    include_clean: bool = True
    follow_symlinks: bool = False
    limits: Limits = field(default_factory=Limits)
    max_in_memory: int = MAX_IN_MEMORY
    include: list[str] = field(default_factory=list)
    """Gitignore-style globs: when given, only files under walked folders that match one are scanned."""
    exclude: list[str] = field(default_factory=list)
    """Gitignore-style globs of files and folders to leave out (reported as ``skipped``/``excluded``)."""
    ignore_files: bool = True
    """Read ``.profilewatchignore`` files in walked folders (at any depth)."""
    split_bytes: int = 32 << 20
    """With several workers, a WARC file too large to hold (``max_in_memory``) is split into record
    ranges of about this many bytes, scanned by different workers (:mod:`profilewatch.sources.warcsplit`)."""
    ocr: str = "auto"
    """``auto``: OCR scanned PDF pages and image files (not images inside WARC records or
    documents); ``all``: every image and every PDF page without a usable text layer, also
    inside WARC records; ``off``: no OCR (images are read for metadata strings only)."""
