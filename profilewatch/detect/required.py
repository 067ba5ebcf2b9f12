"""The literals a regular expression cannot match without: a cheap test before running it.

:func:`required_literals` reads a compiled pattern's parse tree (``re._parser``) and returns a set
of strings such that every match of the pattern -- lookaheads and lookbehinds included -- lies
in a text containing at least one of them, or ``None`` when it cannot say (a pattern that may
match without any fixed literal, a case-insensitive part).  The matcher runs a rule pattern over
a normalised text only when one of its literals is in it: ``any(lit in text for lit in need)``
costs a few substring searches where the regex costs a pass of Python's backtracking engine.
"""
from __future__ import annotations

import re

try:  # Python 3.11+
    from re import _constants as _c, _parser as _p
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT} | ({_c.POSSESSIVE_REPEAT} if hasattr(_c, "POSSESSIVE_REPEAT") else set())


def required_literals(regex: re.Pattern) -> frozenset[str] | None:
    """Strings one of which every text holding a match of ``regex`` contains (None: unknown)."""
    if regex.flags & re.IGNORECASE or not isinstance(regex.pattern, str):
        return None
    try:
        tree = _p.parse(regex.pattern, regex.flags)
    except Exception:  # an internal parser change: no shortcut, run the regex
        return None
    found = _sequence(list(tree))
    return frozenset(found) if found else None


def holds_one_of(regex: re.Pattern, words: list[str]) -> bool:
    """Does every text holding a match of ``regex`` hold one of ``words``?  (False when that
    cannot be told from the parse tree: a word spread over several parts, a case-insensitive part.)"""
    if regex.flags & re.IGNORECASE or not isinstance(regex.pattern, str) or not words:
        return False
    try:
        tree = _p.parse(regex.pattern, regex.flags)
    except Exception:
        return False
    return _covered(list(tree), [w for w in words if w])


def _covered(items: list, words: list[str]) -> bool:
    run: list[str] = []
    for op, av in items + [(None, None)]:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        if run and any(w in "".join(run) for w in words):
            return True  # every part of a sequence is in every match
        run = []
        if op is _c.SUBPATTERN and not av[1] & re.IGNORECASE and _covered(list(av[3]), words):
            return True
        if op is _c.BRANCH and all(_covered(list(b), words) for b in av[1]):
            return True
        if op in _REPEATS and av[0] >= 1 and _covered(list(av[2]), words):
            return True
        if op is _c.ASSERT and _covered(list(av[1]), words):
            return True
    return False


def _best(candidates: list[set[str]]) -> set[str] | None:
    """The most selective requirement: literals of 4 characters or more, then the fewest."""
    if not candidates:
        return None
    return max(candidates, key=lambda c: (min(4, min(len(s) for s in c)), -len(c)))


def _sequence(items: list) -> set[str] | None:
    candidates: list[set[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        if run:
            candidates.append({"".join(run)})
            run = []
        need = _node(op, av)
        if need:
            candidates.append(need)
    if run:
        candidates.append({"".join(run)})
    return _best(candidates)


def _node(op, av) -> set[str] | None:
    if op is _c.SUBPATTERN:
        _group, add_flags, _del_flags, pattern = av
        return None if add_flags & re.IGNORECASE else _sequence(list(pattern))
    if op is _c.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            need = _sequence(list(branch))
            if not need:
                return None  # a branch that needs nothing: the alternation needs nothing
            out |= need
        return out
    if op in _REPEATS:
        low, _high, item = av
        return _sequence(list(item)) if low >= 1 else None
    if op is _c.ASSERT:  # a lookaround's text must be there too
        return _sequence(list(av[1]))
    return None  # classes, anchors, negative lookarounds, back references: no literal
