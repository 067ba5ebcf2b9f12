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
from functools import lru_cache

try:  # Python 3.11+
    from re import _constants as _c, _parser as _p
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT} | ({_c.POSSESSIVE_REPEAT} if hasattr(_c, "POSSESSIVE_REPEAT") else set())


def required_literals(regex: re.Pattern) -> frozenset[str] | None:
    """Strings one of which every text holding a match of ``regex`` contains (None: unknown)."""
    found = _analysed(regex)
    return found[0] if found else None


def literal_window(regex: re.Pattern) -> tuple[int, int | None, int | None] | None:
    """``(reach, extent, spaced)`` for the literals of :func:`required_literals`: every match
    starting at ``s`` holds one of them starting in ``[s, s + reach]`` (lookaheads included), and
    no match attempt at ``s`` reads a character at or past ``s + extent`` (``\\b`` and lookaheads
    included; None: unbounded) -- or past ``s + spaced`` in a text without two whitespace
    characters in a row (normalised text: its ``\\s*`` reads one space and the character after).
    None when the reach is unbounded or a literal may sit in a lookbehind.  The matcher uses it
    to start searching just before a literal and, with an extent, to stop where no match
    through that literal can reach (:meth:`profilewatch.detect.matcher.Matcher.scan`)."""
    found = _analysed(regex)
    if not found or found[1] is None:
        return None
    tree = _tree(regex)
    return found[1], _extent(tree), _extent(_spaces_capped(tree))


_SPACE_CLASS = [(_c.IN, [(_c.CATEGORY, _c.CATEGORY_SPACE)])]


def _spaces_capped(items: list) -> list:
    """``items`` with every unbounded repeat of ``\\s`` read as ``{low, 2}``: in a text without two
    whitespace characters in a row it consumes at most one and looks at one more."""
    def sub(group) -> "_p.SubPattern":  # (re's own width computation wants its own node type)
        return _p.SubPattern(_p.State(), _spaces_capped(list(group)))

    out = []
    for op, av in items:
        if op in _REPEATS and av[1] >= _c.MAXREPEAT and list(av[2]) == _SPACE_CLASS:
            av = (av[0], max(av[0], 2), av[2])
        elif op is _c.SUBPATTERN:
            av = (*av[:-1], sub(av[-1]))
        elif op is _c.ATOMIC_GROUP:
            av = sub(av)
        elif op is _c.BRANCH:
            av = (av[0], [sub(b) for b in av[1]])
        elif op in _REPEATS:
            av = (av[0], av[1], sub(av[2]))
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            av = (av[0], sub(av[1]))
        out.append((op, av))
    return out


def _tree(regex: re.Pattern) -> list:
    return list(_p.parse(regex.pattern, regex.flags))


@lru_cache(maxsize=256)
def _analysed(regex: re.Pattern) -> tuple[frozenset[str], int | None] | None:
    if regex.flags & re.IGNORECASE or not isinstance(regex.pattern, str):
        return None
    try:
        tree = _tree(regex)
    except Exception:  # an internal parser change: no shortcut, run the regex
        return None
    found = _sequence(tree)
    return (frozenset(found[0]), found[1]) if found else None


def holds_one_of(regex: re.Pattern, words: list[str]) -> bool:
    """Does every text holding a match of ``regex`` hold one of ``words``?  (False when that
    cannot be told from the parse tree: a word spread over several parts, a case-insensitive part.)"""
    if regex.flags & re.IGNORECASE or not isinstance(regex.pattern, str) or not words:
        return False
    try:
        tree = _tree(regex)
    except Exception:
        return False
    return _covered(tree, [w for w in words if w])


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


# A requirement is ``(literals, reach)``: ``reach`` is the furthest a literal can start after the
# point where the requirement's sequence starts (None: unbounded, or inside a lookbehind).
Need = tuple[set[str], "int | None"]


def _best(candidates: list[Need]) -> Need | None:
    """The most selective requirement: literals of 4 characters or more, then the fewest."""
    if not candidates:
        return None
    return max(candidates, key=lambda c: (min(4, min(len(s) for s in c[0])), -len(c[0])))


def _width(items: list) -> int | None:
    """The most characters ``items`` consume (None: unbounded)."""
    hi = _p.SubPattern(_p.State(), items).getwidth()[1] if items else 0
    return None if hi >= _c.MAXREPEAT else hi


def _shifted(need: Need | None, by: int | None) -> Need | None:
    if need is None:
        return None
    return need[0], (None if need[1] is None or by is None else need[1] + by)


def _sequence(items: list) -> Need | None:
    candidates: list[Need] = []
    run: list[str] = []
    run_at = 0
    for i, (op, av) in enumerate(items):
        if op is _c.LITERAL:
            if not run:
                run_at = i
            run.append(chr(av))
            continue
        if run:
            candidates.append(({"".join(run)}, _width(items[:run_at])))
            run = []
        need = _shifted(_node(op, av), _width(items[:i]))
        if need:
            candidates.append(need)
    if run:
        candidates.append(({"".join(run)}, _width(items[:run_at])))
    return _best(candidates)


def _node(op, av) -> Need | None:
    if op is _c.SUBPATTERN:
        _group, add_flags, _del_flags, pattern = av
        return None if add_flags & re.IGNORECASE else _sequence(list(pattern))
    if op is _c.BRANCH:
        out: set[str] = set()
        reach: int | None = 0
        for branch in av[1]:
            need = _sequence(list(branch))
            if not need:
                return None  # a branch that needs nothing: the alternation needs nothing
            out |= need[0]
            reach = None if reach is None or need[1] is None else max(reach, need[1])
        return out, reach
    if op in _REPEATS:
        low, _high, item = av
        return _sequence(list(item)) if low >= 1 else None  # (the literal of the first repetition)
    if op is _c.ASSERT:  # a lookaround's text must be there too
        need = _sequence(list(av[1]))
        return need if av[0] >= 0 or need is None else (need[0], None)  # in a lookbehind: before the match
    return None  # classes, anchors, negative lookarounds, back references: no literal


def _extent(items: list) -> int | None:
    """How far past its start a match attempt of ``items`` may read: consumed characters, the
    character a ``\\b``/``$`` looks at, lookahead text (None: unbounded or unknown)."""
    at = reach = 0
    for op, av in items:
        if op in (_c.LITERAL, _c.NOT_LITERAL, _c.IN, _c.ANY, _c.CATEGORY):
            at += 1
            reach = max(reach, at)
        elif op is _c.AT:
            reach = max(reach, at + 1)
        elif op is _c.SUBPATTERN or op is _c.ATOMIC_GROUP:
            inner = list(av[-1]) if op is _c.SUBPATTERN else list(av)
            sub, width = _extent(inner), _width(inner)
            if sub is None or width is None:
                return None
            reach, at = max(reach, at + sub), at + width
        elif op is _c.BRANCH:
            subs = [_extent(list(b)) for b in av[1]]
            widths = [_width(list(b)) for b in av[1]]
            if None in subs or None in widths:
                return None
            reach, at = max(reach, at + max(subs)), at + max(widths)
        elif op in _REPEATS:
            _low, high, item = av
            sub, width = _extent(list(item)), _width(list(item))
            if sub is None or width is None or high >= _c.MAXREPEAT:
                return None
            reach = max(reach, at + max(0, high - 1) * width + sub)
            at += high * width
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            direction, sub_items = av
            if direction >= 0:  # a lookahead reads on from here; a lookbehind only before
                sub = _extent(list(sub_items))
                if sub is None:
                    return None
                reach = max(reach, at + sub)
        else:  # back references, conditionals, anything else: unknown
            return None
    return reach
