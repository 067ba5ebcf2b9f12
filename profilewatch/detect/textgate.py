"""The text gate: may raw text hold a term at all?  One multi-pattern pass over raw lower-cased
text, before extraction and normalisation.

Contract: :meth:`Gate.any` is False only when the text layer finds no non-weak term and no rule
pattern in the text -- whatever extraction (HTML entities, inline tags, XML CDATA) and
normalisation (escapes, invisible characters, NFKC, identifier splits, whitespace,
Traditional -> Simplified) make of it -- within the limits :mod:`.spellings` states;
:meth:`Gate.hits` gives positions within ``SETTLE`` characters of every term's raw start.

The automaton holds the seeds of :mod:`.spellings`; a hit counts once checked:

* a whole spelling needs a possible word boundary on each side where the term needs one
  (``veil`` inside ``surveillance`` or ``nation`` inside ``international`` does not count;
  camel case, letter/digit changes and escapes nearby are boundaries, as normalisation splits
  there);
* a partial seed needs the text after it to go on, past whitespace, invisible characters,
  ``-``/``_``, tags, CDATA markers, entities and escapes that decode to any of those, with a
  character the term can continue with (a tag whose content extraction drops -- script, style,
  template, comment -- and anything unclear count as yes);
* an in-word seed (a Latin word cut by a tag) needs the word to go on right after inline tags
  (no space, no block or cell tag, where the HTML extractor breaks lines); cut after its first
  letter, it needs no letter before it;
* a rare seed is settled: the ``SETTLE`` characters around it are folded as the text layer would
  (CDATA markers dropped as XML does, or the section as HTML does; rare characters by NFKC,
  escapes and named entities decoded, twice) and the other seeds are searched in that.  Past
  ``WINDOWS`` rare hits the whole text is folded once instead (and :meth:`Gate.hits` gives every
  later rare hit as a position, when the folded text holds a term).

All tests look only at the raw characters around the hit and err towards passing.  A rule
pattern is reached through its anchors, kept only if every match of its regex holds one
(:func:`pattern_anchors`; else the literals it cannot match without are added).
"""
from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import ahocorasick_rs

from ..text.normalize import _INVISIBLE, _t2s, fold_term
from .required import holds_one_of, required_literals
from .rules import Pattern, RuleSet
from ..extract.html import _BLOCK, _CELL
from .spellings import INWORD, PARTIAL, RARE, STARTS, WHOLE, cached_seeds, entity, fold, joiners, legacy

SETTLE = 256  # characters folded on each side of a rare hit
WINDOWS = 8  # rare hits settled one by one before the whole text is folded (any())
_DROPPED = ("script", "style", "template", "!--", "/script", "/style", "/template", "![cdata[")
_MAX_TAGS = 16
_NEXT_ESCAPE = re.compile(r"\\+u([0-9a-f]{4})|&#(\d{2,7});?|&#x([0-9a-f]{2,6});?")
_ENTITY = re.compile(r"&([a-z][a-z0-9]{1,31});?")
_TAG = re.compile(r"</?([a-z0-9]*)")
_CDATA_COMMENT = re.compile(r"<!\[cdata\[[^>]*>?")
_LETTER = re.compile("[a-z]")
_ESCAPED = re.compile(r"\\[nrt]$")  # an escaped line break or tab right before: a separator
_BREAKS = _BLOCK | _CELL  # tags the HTML extractor breaks text at
_POSITION = operator.itemgetter(1, 2)  # matches in order of start, then end
_CONTROL = re.compile(r"\\+[nrt]")  # a line break or tab written in a string literal
_KEEP = frozenset("<>")  # decoded, these would make markup that was not there


def pattern_anchors(p: Pattern) -> tuple[str, ...]:
    """The words the gate looks for to give pattern ``p`` its chance: its ``anchors`` when every
    match holds one, else also the literals the regex cannot match without (as ``*literal*``)."""
    if holds_one_of(p.regex, [fold_term(a.strip("*")) for a in p.anchors]):
        return tuple(p.anchors)
    return tuple(p.anchors) + tuple(f"*{lit.strip()}*" for lit in sorted(required_literals(p.regex) or ()) if lit.strip())


_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_ASCII_DIGIT = frozenset("0123456789")


def _boundary(low: str, text: str | None, p: int) -> bool:
    """Could normalisation put a word boundary between raw ``low[p-1]`` and ``low[p]``?  False
    only when both are ASCII letters/digits that no identifier split (camel case,
    letter/digit) or escape separates: then the matcher's word-boundary test fails there too.
    (It runs on every hit inside a word, ``nation`` in ``international``: set lookups, and the
    entity regex only when an ``&`` is near.)"""
    a, b = low[p - 1], low[p]
    if a not in _ASCII_WORD or b not in _ASCII_WORD or (a in _ASCII_DIGIT) != (b in _ASCII_DIGIT):
        return True
    near = low[max(0, p - 10):p]
    if "&" in near and ("&#" in near or _legacy_end().search(low, max(0, p - 9), p)) or "\\" in near[-7:]:
        return True  # an escape (or an entity HTML reads without its ";": &nbspUyghur) may end here as a separator
    if text is None:
        return True
    a, b = text[p - 1], text[p]
    return (a.islower() and b.isupper()) or (a.isupper() and b.isupper() and p + 1 < len(text) and text[p + 1].islower())


@lru_cache(maxsize=1)
def _legacy_end() -> re.Pattern:
    return re.compile("&(?:" + "|".join(sorted(legacy(), key=len, reverse=True)) + ")$")


def follows(low: str, start: int, stop: int, nxt: frozenset[str], kind: int = PARTIAL) -> bool:
    """The test of a partial seed ``low[start:stop]``: does the term go on after it?  An escaped
    first character must end where the seed does (``&#32500`` is not ``&#325001``); a seed ending
    with the start of a tag, entity or escape is read from that start; an ``INWORD`` seed only
    past inline tags."""
    if low[start] in "&\\":
        m = _NEXT_ESCAPE.match(low, start)
        if m is None or not (m.end() == stop or (m.end() == stop + 1 and low[stop] == ";")):
            return False
        return _continues(low, m.end(), nxt)
    return _continues(low, stop - 1 if low[stop - 1] in STARTS else stop, nxt, kind == INWORD)


def _continues(low: str, p: int, nxt: frozenset[str], inword: bool = False) -> bool:
    """Does the raw text from ``p`` go on, past what the text layer removes between two
    characters (``inword``: between two letters of a word -- inline tags only), with one of
    ``nxt``?  (Module docstring.)"""
    n = len(low)
    skip = joiners() if not inword else frozenset()
    for _ in range(_MAX_TAGS):
        while p < n and low[p] in skip:
            p += 1
        if p >= n:
            return True
        c = low[p]
        if c == "<":
            if low.startswith(_DROPPED, p + 1):
                return True  # (and CDATA: XML reads on inside it, HTML drops it as a comment)
            close = low.find(">", p, p + 1000)
            if close < 0:
                return True
            if inword and _TAG.match(low, p).group(1) in _BREAKS:
                return False  # a block or cell: the extractor starts a new line
            p = close + 1
        elif c == "]" and low.startswith("]]>", p):
            p += 3
        elif c == "&" or c == "\\":
            m = _NEXT_ESCAPE.match(low, p)
            if m is not None:
                ch = escaped_char(m)
            elif c == "\\":
                m = _CONTROL.match(low, p)
                if m is None:
                    return next_char_fits(c, nxt)
                ch = " "
            else:
                m = _ENTITY.match(low, p)
                got = entity(m.group(1)) if m else None
                if got is None:
                    return next_char_fits(c, nxt)  # not an entity: a literal "&"
                ch = got[0][0]
                if got[1] < len(m.group(1)):  # a legacy entity without its ";" ("&nbspx")
                    m = None
                    end = p + 1 + got[1]
            if ch is None or ch in "&\\":
                return True  # unclear, or escaped twice
            if ch not in skip and (not inword or ch not in _INVISIBLE):
                return next_char_fits(ch.lower(), nxt)
            p = m.end() if m is not None else end
        else:
            return next_char_fits(c, nxt)
    return True


def escaped_char(m: re.Match | None) -> str | None:
    """The character an escape matched by ``_NEXT_ESCAPE`` (str or bytes) stands for; None if unclear."""
    if m is None:
        return None
    code = m.group(1) or m.group(3)
    try:
        c = chr(int(code, 16)) if code else chr(int(m.group(2)))
    except (ValueError, OverflowError):
        return None
    return "\ufffd" if "\ud800" <= c <= "\udfff" else c  # (a lone surrogate: what normalisation makes of it)


def next_char_fits(c: str, nxt: frozenset[str]) -> bool:
    """May the (lower-cased) character ``c`` be, once normalised, one of ``nxt``?"""
    if c in nxt:
        return True
    if c.isascii():
        return False
    n_c, simplified = _folded(c)
    return n_c in nxt or simplified in nxt or n_c.lower() in nxt or simplified.lower() in nxt


@lru_cache(maxsize=65536)
def _folded(c: str) -> tuple[str, str]:
    n_c = unicodedata.normalize("NFKC", c)
    return n_c, _t2s().convert(n_c)


class Gate:
    """Cheap first pass: does raw text contain anything that could become a term?  (Module docstring.)"""

    def __init__(self, rules: RuleSet) -> None:
        entries = cached_seeds(self.items(rules))
        self._words = sorted(entries)  # (a stable order: the bytes gate caches its tables by it)
        self._info = [entries[w] for w in self._words]
        self._automaton = None
        rare = "".join(sorted(re.escape(w) for w, e in entries.items() if e[4] == RARE and len(w) == 1))
        self._foldable = re.compile(r"\\+u([0-9a-f]{4})|&(?:amp;)?#(\d{2,7});?|&(?:amp;)?#x([0-9a-f]{2,6});?"
                                    r"|&([a-z][a-z0-9]{1,31});?" + (f"|[{rare}]" if rare else ""))
        self.finder = None
        """A faster search giving the same ``(word index, start, stop)`` matches over lower-cased
        text, in the same order (the bytes gate installs Hyperscan's); None: an Aho-Corasick
        automaton of the words."""

    @staticmethod
    def items(rules: RuleSet) -> list[tuple[str, bool, bool]]:
        """What the seeds are spelled from (:func:`.spellings.seeds`)."""
        items = [(t.text, True, True) for t in rules.terms if t.role != "weak"]  # weak terms count only beside a strong one
        for p in rules.patterns:  # a pattern is reached through its anchor words ("*" = inside a word)
            for a in pattern_anchors(p):
                items.append((fold_term(a.strip("*")), not a.startswith("*"), not a.endswith("*")))
        return items

    @property
    def _ac(self):
        if self._automaton is None:  # (built on first use: with Hyperscan installed, never)
            self._automaton = ahocorasick_rs.AhoCorasick(self._words)
        return self._automaton

    def _verified(self, low: str, text: str | None, settle: bool = True, everywhere: bool = False,
                  covered=None) -> Iterator[int]:
        """Start of every checked hit (module docstring), in order; ``everywhere``: of every hit, not
        the first one only; ``covered(start)``: True for a hit that need not be checked at all."""
        if text is not None and len(text) != len(low):
            text = None
        n = len(low)
        info = self._info
        found = self.finder(low) if self.finder is not None else sorted(
            self._ac.find_matches_as_indexes(low, overlapping=True), key=_POSITION)  # (the finder's order)
        rare = 0
        whole: bool | None = None  # the whole text folded, once past WINDOWS rare hits (any())
        for index, start, stop in found:
            if covered is not None and covered(start):
                continue
            _, nxt, left, right, kind = info[index]
            if kind != RARE and left and start > 0 and not _boundary(low, text, start):
                continue
            if kind == INWORD and stop - start == 2 and left and start > 0 and _LETTER.match(low, start - 1) \
                    and not _ESCAPED.search(low, max(0, start - 10), start):
                continue  # (a one-letter in-word seed starts a word: not after a letter, camel case or not)
            if kind == WHOLE:
                if right and stop < n and low[stop] != "s" and not _boundary(low, text, stop):
                    continue
            elif kind == PARTIAL or kind == INWORD:
                if not follows(low, start, stop, nxt, kind):
                    continue
            elif not settle:
                continue
            else:
                rare += 1
                if rare > WINDOWS:
                    if whole is None:
                        whole = self._settled(low, 0, n)
                    if not whole:
                        continue  # (nor any window of it: only the other seeds are left to test)
                    if not everywhere:
                        yield start
                        return
                    # hits(): every rare hit from here on is a position (regions may be wider than needed)
                elif not self._settled(low, max(0, start - SETTLE), stop + SETTLE):
                    continue
            yield start

    def _settled(self, low: str, start: int, end: int) -> bool:
        """The other seeds over ``low[start:end]`` folded as the text layer would fold it."""
        window = low[start:end]
        readings = [window.replace("<![cdata[", "").replace("]]>", "")]  # XML: a CDATA section's text is the element's
        if "<![cdata[" in window:
            readings.append(_CDATA_COMMENT.sub("", window))  # HTML: a comment, to its first ">"
        for folded in readings:
            for _ in range(2):  # what one pass decodes may spell an escape (&amp;#1091; in HTML): a second pass
                folded = self._foldable.sub(_fold_match, folded)
            if any(True for _ in self._verified(folded, None, settle=False)):
                return True
        return False

    def hits(self, raw_lower: str, text: str | None = None) -> list[int]:
        """Start positions of gate hits in lower-cased raw text (``text``: the same text before
        lower-casing, for camel-case word boundaries; without it those count as boundaries)."""
        return list(self._verified(raw_lower, text, everywhere=True))

    def regions(self, raw_lower: str, text: str | None, reach: int, length: int) -> list[tuple[int, int]]:
        """The stretches ``reach`` characters either side of each position of :meth:`hits` (cut
        to ``[0, length]``), overlapping ones merged: a hit inside the stretch made so far is not
        checked at all (it would change nothing), which is most of a long page's hits."""
        regions: list[tuple[int, int]] = []

        def covered(start: int) -> bool:  # (starts come in order: lo is inside too)
            return bool(regions) and min(length, start + reach) <= regions[-1][1]

        for start in self._verified(raw_lower, text, everywhere=True, covered=covered):
            lo, hi = max(0, start - reach), min(length, start + reach)
            if regions and lo <= regions[-1][1]:
                regions[-1] = (regions[-1][0], max(hi, regions[-1][1]))
            else:
                regions.append((lo, hi))
        return regions

    def any(self, raw_lower: str, text: str | None = None) -> bool:
        for _ in self._verified(raw_lower, text):
            return True
        return False


def _fold_match(m: re.Match) -> str:
    """What the text layer makes of a rare character, escape, named entity or CDATA marker."""
    code = m.group(1) or m.group(3)
    if code or m.group(2):
        try:
            value = chr(int(code, 16)) if code else chr(int(m.group(2)))
        except (ValueError, OverflowError):
            return m.group(0)
    elif m.group(4):
        got = entity(m.group(4))
        if got is None:
            return m.group(0)
        value, length = got
        if length < len(m.group(4)):  # a legacy entity without its ";": the letters after it stay
            return _fold_text(value) + m.group(0)[1 + length:]
    else:
        value = m.group(0)
    if value in _KEEP or "\ud800" <= value[0] <= "\udfff":
        return m.group(0)
    return _fold_text(value)


def _fold_text(value: str) -> str:
    out = "".join(fold(c) for c in value.lower())
    return " " if out.isspace() else out
