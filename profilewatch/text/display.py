"""Text from scanned files shown on a terminal: visible, never executed.

:func:`terminal_safe` is the one cleaner every terminal view uses (table output, review
listings, the history view): control characters (escape sequences, bidi overrides, NULs)
become ``\\xNN`` escapes, so a hostile file can never drive the reader's terminal.
"""
from __future__ import annotations


def terminal_safe(text: str, width: int | None = None, *, collapse: bool = False) -> str:
    """``text`` with control characters escaped; ``collapse`` joins whitespace runs into one
    space (one line); ``width`` cuts the result to that many characters, ending with ``…``."""
    if collapse:
        text = " ".join(text.split())
    if not text.isprintable():
        text = "".join(c if c.isprintable() or c == " " else f"\\x{ord(c):02x}" for c in text)
    if width is not None and len(text) > width:
        text = text[: width - 1] + "…"
    return text
