"""The matchers over normalised text (ahocorasick-rs automata): :class:`Matcher` finds terms,
excludes, muted phrases and context cues, and runs the rule patterns; :class:`CueMatcher` finds
only the cues a unit's genre reads.  Latin words need word boundaries; a term inside a longer
term of its category is dropped (:func:`_outermost`).
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass

import ahocorasick_rs

from ..text.normalize import is_cjk
from .required import literal_window, required_literals
from .rules import RuleSet, Term


@dataclass(slots=True, unsafe_hash=True)
class Hit:
    """A term or cue found in normalised text: ``[start, end)``.  Never changed once made
    (``dataclasses.replace`` for a variant); not ``frozen`` only because a frozen dataclass's
    ``__init__`` costs five ``object.__setattr__`` calls, and the matcher makes one per match."""

    start: int
    end: int
    text: str
    term: Term | None = None
    cue: str | None = None


_TERM, _CUE, _MUTE, _EXCLUDE = 0, 1, 2, 3


class Matcher:
    """Terms, excludes and cues over normalised text, with word boundaries for Latin words.

    One Aho-Corasick pass finds the words of every kind and, in the same pass, the literals the
    rule patterns cannot match without (:mod:`.required`): a pattern's regex runs only over text
    holding one of its literals (``prefilter=False``: every pattern runs over every text)."""

    def __init__(self, rules: RuleSet, prefilter: bool = True) -> None:
        payloads: dict[str, list[tuple[int, object]]] = {}
        for t in rules.terms:
            payloads.setdefault(t.text, []).append((_TERM, t))
        for e in rules.excludes:
            payloads.setdefault(e, []).append((_EXCLUDE, e))
        for e in rules.muted:
            payloads.setdefault(e, []).append((_MUTE, e))
        for kind, words in rules.cues.items():
            for w in words:
                payloads.setdefault(w, []).append((_CUE, kind))
        # each pattern with the literals it cannot match without (None: always run it)
        self._patterns = [(p, required_literals(p.regex) if prefilter else None, Term(p.name, p.category, p.role, p.pack),
                           "t" in p.regex.groupindex, literal_window(p.regex) if prefilter else None) for p in rules.patterns]
        needs: dict[str, set[int]] = {}  # literal -> the patterns it lets run
        for i, (_, need, _, _, _) in enumerate(self._patterns):
            for lit in need or ():
                needs.setdefault(lit, set()).add(i)
        self._always = [i for i, (_, need, _, _, _) in enumerate(self._patterns) if need is None]
        words = list(payloads) + [w for w in needs if w not in payloads]
        # (word, items, bounded, patterns its presence lets run)
        self._entries = [(w, tuple(payloads.get(w, ())), not _has_cjk(w), frozenset(needs.get(w, ()))) for w in words]
        self._ac = ahocorasick_rs.AhoCorasick(words)

    def scan(self, text: str) -> tuple[list[Hit], list[Hit]]:
        """Return ``(terms, cues)`` found in normalised ``text``; excluded terms and muted cues are dropped."""
        terms: list[Hit] = []
        cues: list[Hit] = []
        excluded: list[tuple[int, int]] = []
        muted: list[tuple[int, int]] = []
        flat = text.replace("\n", " ")
        n = len(flat)
        entries = self._entries
        found: dict[int, list[int]] = {}  # pattern -> where its literals start
        for index, start, stop in self._ac.find_matches_as_indexes(flat, overlapping=True):
            word, items, bounded, lets = entries[index]
            for i in lets:  # a literal of a pattern: present, whatever the boundaries
                found.setdefault(i, []).append(start)
            if not items:
                continue
            if bounded:  # alphabetic words (Latin, Cyrillic...) need word boundaries
                stop = _bounded(flat, start, stop, n)
                if stop < 0:
                    continue
            for kind, payload in items:
                if kind == _TERM:
                    terms.append(Hit(start, stop, word, payload))
                elif kind == _CUE:
                    cues.append(Hit(start, stop, word, None, payload))
                elif kind == _MUTE:
                    muted.append((start, stop))
                else:
                    excluded.append((start, stop))
        if found or self._always:
            patterns = self._patterns
            spaced: bool | None = None  # no two whitespace characters in a row (asked once, if needed)
            for i in sorted(found.keys() | self._always):  # in rule order, as each pattern's hits were
                p, _, term, marked, window = patterns[i]
                at = found.get(i)
                if at is None or window is None:
                    matches = p.regex.finditer(flat)
                else:
                    reach, extent, single = window
                    if extent is None and single is not None:
                        if spaced is None:
                            spaced = _SPACE_PAIR.search(flat) is None
                        extent = single if spaced else None
                    matches = _windowed(p.regex, flat, at, reach, extent)
                for m in matches:
                    # a pattern may mark the part that is the term with a group named ``t``
                    start, stop = m.span("t") if marked and m.start("t") >= 0 else m.span()
                    terms.append(Hit(start, stop, p.name, term))
        if excluded:
            terms = [h for h in terms if not _inside(h, excluded)] if len(excluded) < 4 else _outside(terms, excluded)
        if muted:  # a cue inside a muted phrase says nothing ("不具备参考意义" negates no capability)
            cues = [h for h in cues if not _inside(h, muted)] if len(muted) < 4 else _outside(cues, muted)
        return _outermost(terms), cues


_SPACE_PAIR = re.compile(r"\s\s")


def _windowed(regex: re.Pattern, text: str, at: list[int], reach: int, extent: int | None) -> list[re.Match]:
    """``list(regex.finditer(text))``, searched from just before each place ``at`` where one of
    the pattern's required literals starts (:func:`~.required.literal_window`: a match starting
    at ``s`` has one in ``[s, s + reach]``, so none starts before ``literal - reach``; with an
    ``extent``, a search through one literal stops where no match starting before it can read).
    ``pos``/``endpos`` searches see the whole text behind them (lookbehinds, ``\\b``), so each
    match found is the one ``finditer`` finds: Python's ``re`` has no skip of its own for a
    pattern that starts with a branch or a lookaround and tries it at every character."""
    at.sort()
    n = len(text)
    out: list[re.Match] = []
    pos = k = 0
    while k < len(at):
        lit = at[k]
        if lit < pos:
            k += 1
            continue
        start = max(pos, lit - reach)
        m = regex.search(text, start) if extent is None else regex.search(text, start, min(n, lit + extent + 1))
        if m is not None and m.end() == m.start():
            return list(regex.finditer(text))  # an empty match: finditer's own rules for what follows it
        if m is None and extent is None:
            break  # no match from start to the end of the text
        if extent is not None and (m is None or m.start() > lit):  # a match after lit is looked for again,
            pos, k = lit + 1, k + 1  # with the whole text its attempt may read
            continue
        out.append(m)
        pos = m.end()
    return out


def _bounded(flat: str, start: int, stop: int, n: int) -> int:
    """Where a bounded word matched at ``flat[start:stop]`` ends (``stop``, or ``stop + 1`` for a
    plural ``s``), or -1 when a word character touches it (``_word_char``, written out: it runs
    on most matches)."""
    if start > 0:
        c = flat[start - 1]
        if c.isalnum() and not ("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf"
                                or "\uf900" <= c <= "\ufaff" or "\U00020000" <= c <= "\U0002fa1f"):
            return -1
    if stop < n and _word_char(flat[stop]):
        if flat[stop] == "s" and (stop + 1 == n or not _word_char(flat[stop + 1])):
            return stop + 1
        return -1
    return stop


class CueMatcher:
    """Only the cues that ``wanted(kind, word)`` keeps, with the muted phrases that silence them:
    the cues :meth:`Matcher.scan` finds in a text, less the others, without terms, excludes
    or patterns (the unit's genre pass reads only such cues, from all of its text)."""

    def __init__(self, rules: RuleSet, wanted: Callable[[str, str], bool]) -> None:
        payloads: dict[str, list[str | None]] = {}
        for kind, words in rules.cues.items():
            for w in words:
                if wanted(kind, w):
                    payloads.setdefault(w, []).append(kind)
        for e in rules.muted:
            payloads.setdefault(e, []).append(None)  # None: a muted phrase
        self._entries = [(w, kinds, not _has_cjk(w)) for w, kinds in payloads.items()]
        self._ac = ahocorasick_rs.AhoCorasick(list(payloads)) if payloads else None

    def scan(self, text: str) -> list[Hit]:
        """The wanted cues of normalised ``text``, in the order :meth:`Matcher.scan` gives them."""
        if self._ac is None:
            return []
        cues: list[Hit] = []
        muted: list[tuple[int, int]] = []
        flat = text.replace("\n", " ")
        n = len(flat)
        entries = self._entries
        for index, start, stop in self._ac.find_matches_as_indexes(flat, overlapping=True):
            word, kinds, bounded = entries[index]
            if bounded:
                stop = _bounded(flat, start, stop, n)
                if stop < 0:
                    continue
            for kind in kinds:
                if kind is None:
                    muted.append((start, stop))
                else:
                    cues.append(Hit(start, stop, word, None, kind))
        if muted and cues:
            cues = [h for h in cues if not _inside(h, muted)] if len(muted) < 4 else _outside(cues, muted)
        return cues


def _inside(h: Hit, spans: list[tuple[int, int]]) -> bool:
    for s, e in spans:
        if s <= h.start and h.end <= e:
            return True
    return False


def _outside(hits: list[Hit], spans: list[tuple[int, int]]) -> list[Hit]:
    """The hits inside none of ``spans`` (``[h for h in hits if not _inside(h, spans)]`` with a
    bisect over the spans sorted by start and the furthest end among them so far)."""
    spans = sorted(spans)
    starts = [s for s, _ in spans]
    reach, furthest = [], -1
    for _, e in spans:
        furthest = max(furthest, e)
        reach.append(furthest)
    out = []
    for h in hits:
        k = bisect.bisect_right(starts, h.start)
        if not (k and reach[k - 1] >= h.end):
            out.append(h)
    return out


def _outermost(hits: list[Hit]) -> list[Hit]:
    """Drop term hits inside a longer hit of the same category (维吾尔 inside 维吾尔族)."""
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[Hit] = []
    for h in hits:
        if any(k.start <= h.start and h.end <= k.end and k.term.category == h.term.category and k is not h
               and (k.end - k.start) > (h.end - h.start) for k in kept[-8:]):
            continue
        kept.append(h)
    return kept


def _word_char(c: str) -> bool:
    return c.isalnum() and not is_cjk(c)


def _has_cjk(text: str) -> bool:
    return any(is_cjk(c) for c in text)
