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
        text = cut_words(text, width - 1)
    return text


def cut_words(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters (plus ``…``) at a word boundary when one is
    near (a space in the last fifth), else at a character boundary; unchanged when short enough."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(" ")
    if space >= limit * 4 // 5:
        head = head[:space]
    return head.rstrip() + "…"


def snippet_lines(text: str, cut: dict | None = None, *, max_lines: int = 8, width: int = 200) -> list[str]:
    """An evidence snippet for reading: its own line breaks kept (as lines, never ``\\x0a``),
    tabs and other whitespace shown as spaces, blank lines dropped, each line cleaned with
    :func:`terminal_safe` and cut to ``width``; ``…`` marks every cut, including where the
    snippet itself was cut out of a longer sentence (``cut``: ``{"start": bool, "end": bool}``)."""
    import textwrap

    text = textwrap.dedent(text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4))
    lines = [terminal_safe(line.rstrip(), width) for line in text.split("\n") if line.strip()]
    if not lines:
        return []
    if len(lines) > max_lines:
        lines = lines[:max_lines - 1] + [lines[-1]]
        lines[-2] += " …"
    cut = cut or {}
    if cut.get("start"):
        lines[0] = "…" + lines[0]
    if cut.get("end"):
        lines[-1] += "…"
    return lines
