"""Large files read in bounded windows, so memory stays flat whatever the file size.

A file too large to hold (see ``ScanOptions.max_in_memory``), or a text or code unit larger
than ``HOLD_TEXT`` held in memory, is read ``WINDOW`` bytes at a time.  Each window, plus the
last ``OVERLAP`` characters of the one before so that a phrase
cut at a window edge is still seen, becomes one segment with its true starting line.  The
encoding is settled on the first window.  Binary files go through the strings extractor
window by window, with absolute byte offsets.
"""
from __future__ import annotations

import io
from collections.abc import Iterator

from ..files import open_input
from ..records import Segment, Unit
from ..sources.sniff import sniff
from ..text.encoding import decode

WINDOW = 2 << 20
"""Bytes read at a time.  The detector holds several working copies of a window's text (its
normalised forms and their offset maps): 8 MB windows took a 100 MB text file to 292 MB peak RSS,
2 MB windows to 167 MB, with the same findings (benchmarks/RESULTS.md, bench_bigfile)."""
OVERLAP = 2048


WINDOWED_FORMATS = frozenset({"text", "code"})
"""Formats whose whole-text extractor gives the windows' own reading (prose or code, line by
line): past ``HOLD_TEXT`` they are read in windows even when their bytes are in memory.  CSV,
JSON and Markdown are not: their extractors read structure (data rows, fences) that windows do not."""
HOLD_TEXT = 16 << 20
"""The largest text unit extracted whole.  The whole-text extractors hold the decoded text, its
lines and their segments at once, about 6x the bytes (60 MB of text took 451 MB peak RSS); in
windows a text of any size stays under ~170 MB (benchmarks/RESULTS.md, bench_bigfile)."""


def windowed(unit: Unit, fmt: str) -> bool:
    """Whether a unit is read in windows: its bytes stay on disk, or it is a large text or code unit."""
    return unit.streamed or (fmt in WINDOWED_FORMATS and unit.size > HOLD_TEXT)


def stream_segments(unit: Unit, window: int = WINDOW) -> Iterator[Segment]:
    """Segments of a unit read in windows: from disk (``unit.path``), or from its bytes in memory."""
    with (io.BytesIO(unit.data) if unit.data else open_input(unit.path)) as fh:  # BytesIO shares the bytes
        first = fh.read(window)
        fmt = sniff(first, unit.name, unit.hint)
        if fmt == "binary":
            from .binary import strings_stream

            yield from strings_stream(fh, first, window, unit=unit)  # strings cut by a window edge are read whole
            return
        _, encoding = decode(first[: 1 << 20], unit.charset)
        context = "code" if fmt in ("code", "json", "html", "xml") else "prose"
        line = 1
        tail = ""
        tail_at_line_start = True
        block = first
        while block:
            pending = b""
            # keep multi-byte characters whole across the window edge
            while True:
                try:
                    text = block.decode(encoding)
                    break
                except UnicodeDecodeError as exc:
                    if exc.start >= len(block) - 4 and len(block) > 4:
                        pending = block[exc.start :] + pending
                        block = block[: exc.start]
                        continue
                    text = block.decode(encoding, errors="replace")
                    unit.decode_errors += text.count("\ufffd") - _intended(block, encoding)
                    break
            start_line = line - tail.count("\n")
            column = 1 if not tail or tail_at_line_start else None
            yield Segment(text=tail + text, context=context, line=start_line, column=column)
            line += text.count("\n")
            tail = text[-OVERLAP:]
            cut = tail.find("\n")
            tail_at_line_start = cut >= 0
            if tail_at_line_start:
                tail = tail[cut + 1 :]
            unit.check_time(f"reading line {line}")
            block = pending + fh.read(window)
            if pending and len(block) == len(pending):
                break


def _intended(block: bytes, encoding: str) -> int:
    """U+FFFD characters the bytes themselves spell (not replacements of bad bytes)."""
    return block.count("\ufffd".encode(encoding, errors="ignore") or b"\x00\x00\x00\x00")
