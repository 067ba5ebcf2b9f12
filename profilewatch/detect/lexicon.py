"""Multi-pattern automata over the rule packs (ahocorasick-rs, a Rust Aho-Corasick library;
it measured 3-5x faster than pyahocorasick's match iterator on the benchmark corpus).

Two automata are built per rule set:

* the *gate*, run over raw lower-cased text of every segment: surface spellings of every
  non-weak term (weak terms only count beside a strong one) and the anchors of the patterns
  (Simplified and Traditional Chinese, joined/underscored identifier forms, full-width Latin,
  ``&#NNNN;``/``\\uXXXX`` escapes and CJK terms cut by a tag, line break or zero-width space).
  A segment with no gate hit costs one pass and is done; only around gate hits does the costly
  normalisation and classification run;
* the *matcher*, run over normalised text: terms, exclude phrases and context cues.
"""
from __future__ import annotations

import bisect
import hashlib
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ahocorasick_rs

from ..text.normalize import _t2s, is_cjk
from .required import literal_window, required_literals
from .rules import RuleSet, Term


@lru_cache(maxsize=1)
def _s2t_converters():
    import opencc

    return [opencc.OpenCC(c) for c in ("s2t", "s2tw", "s2hk")]


def _latin(text: str) -> bool:
    return any("a" <= c <= "z" or "0" <= c <= "9" for c in text)


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def surface_forms(term: str) -> set[str]:
    """Raw (lower-cased) spellings under which a normalised term can appear in a file."""
    forms = {term}
    if _latin(term):
        words = term.split(" ")
        if len(words) <= 4:  # every mix of joiners: "same-sex couples", "skin_color type"
            for joiners in itertools.product(("", "_", "-", " "), repeat=len(words) - 1):
                forms.add(words[0] + "".join(j + w for j, w in zip(joiners, words[1:])))
        else:
            forms |= {term.replace(" ", joiner) for joiner in ("", "_", "-")}
        forms |= {_fullwidth(f) for f in list(forms)}
    if any(is_cjk(c) for c in term):
        for conv in _s2t_converters():
            forms.add(conv.convert(term))
        for variant in list(forms):
            first = variant[0]
            if is_cjk(first):
                forms |= {f"&#{ord(first)};", f"&#x{ord(first):x};", f"\\u{ord(first):04x}"}
            for i in range(1, len(variant)):
                if is_cjk(variant[i - 1]) and is_cjk(variant[i]):
                    for cut in ("<", "\n", "\r", " ", "\u200b", "\u3000"):
                        forms.add(variant[:i] + cut)
    return {f for f in forms if f.strip()}


_CUTS = ("<", "\n", "\r", " ", "\u200b", "\u3000")
_SKIPPED = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")  # removed by normalisation
_DROPPED = ("script", "style", "template", "!--", "/script", "/style", "/template")
_MAX_TAGS = 16
_NEXT_ESCAPE = re.compile(r"\\+u([0-9a-f]{4})|&#(\d{2,7});?|&#x([0-9a-f]{2,6});?")


def _partial(form: str, variants: set[str]) -> frozenset[str] | None:
    """Characters that must follow a *partial* gate form (a CJK prefix cut by a space, line break
    or zero-width space; an escaped first character) for a term to be possible; None for a
    form that is a whole spelling."""
    if form.startswith(("&#", "\\u")):
        first = chr(int(form[3:-1], 16) if form.startswith("&#x") else int(form[2:-1]) if form.startswith("&#")
                    else int(form[2:], 16))
        prefix = first
    elif len(form) > 1 and form[-1] in _CUTS:
        prefix = form[:-1]
    else:
        return None
    nxt = {v[len(prefix)] for v in variants if v.startswith(prefix) and len(v) > len(prefix)}
    if not nxt or prefix in variants:
        return None
    return frozenset(nxt)


def _ascii_word(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _boundary(low: str, text: str | None, p: int) -> bool:
    """Could normalisation put a word boundary between raw ``low[p-1]`` and ``low[p]``?  False
    only when both are ASCII letters/digits that no identifier split (camel case,
    letter/digit) or escape separates: then the matcher's word-boundary test fails there too."""
    a, b = low[p - 1], low[p]
    if not (_ascii_word(a) and _ascii_word(b)) or a.isdigit() != b.isdigit():
        return True
    if "&#" in low[max(0, p - 10):p] or "\\" in low[max(0, p - 7):p]:
        return True  # an escape may end here and decode to a separator
    if text is None:
        return True
    a, b = text[p - 1], text[p]
    return (a.islower() and b.isupper()) or (a.isupper() and b.isupper() and p + 1 < len(text) and text[p + 1].islower())


def _continues(low: str, p: int, nxt: frozenset[str]) -> bool:
    """Does the raw text from ``p`` (after spaces, invisible characters and tags) go on with one
    of ``nxt``?  A tag whose content extraction drops (script, style, template, comment) counts
    as a yes, as does anything unclear."""
    n = len(low)
    for _ in range(_MAX_TAGS):
        while p < n and (low[p].isspace() or low[p] in _SKIPPED):
            p += 1
        if p >= n:
            return True
        if low[p] != "<":
            break
        if low.startswith(_DROPPED, p + 1):
            return True
        close = low.find(">", p, p + 1000)
        if close < 0:
            return True
        p = close + 1
    else:
        return True
    c = low[p]
    if c in "\\&":
        c = escaped_char(_NEXT_ESCAPE.match(low, p))
        if c is None:
            return True
    return next_char_fits(c, nxt)


def escaped_char(m: re.Match | None) -> str | None:
    """The character an escape matched by ``_NEXT_ESCAPE`` (str or bytes) stands for; None if unclear."""
    if m is None:
        return None
    code = m.group(1) or m.group(3)
    try:
        return chr(int(code, 16)) if code else chr(int(m.group(2)))
    except (ValueError, OverflowError):
        return None


def next_char_fits(c: str, nxt: frozenset[str]) -> bool:
    """May the (lower-cased) character ``c`` be, once normalised, one of ``nxt``?"""
    if c in nxt:
        return True
    if c.isascii():
        return False
    n_c, simplified = _folded(c)
    return n_c in nxt or simplified in nxt


@lru_cache(maxsize=65536)
def _folded(c: str) -> tuple[str, str]:
    n_c = unicodedata.normalize("NFKC", c)
    return n_c, _t2s().convert(n_c)


class Gate:
    """Cheap first pass: does raw text contain anything that could become a term?

    A hit counts only if it could survive normalisation and matching: a Latin spelling needs
    a possible word boundary on both sides (``veil`` inside ``surveillance`` or ``nation``
    inside ``international`` does not count), and a partial CJK form (``维`` cut by a line
    break, an escaped first character) must go on with a character of the term.  Both tests
    look only at the raw characters around the hit and err towards passing.
    """

    def __init__(self, rules: RuleSet) -> None:
        from .bytesearch import load_object, save_object  # (the cache lives beside the bytes gate's)

        key = _spellings_key(rules)
        cached = load_object(key, "gate")
        if cached is None:
            cached = self._spellings(rules)
            save_object(key, cached, "gate")
        self._words, self._info = cached
        self._automaton = None
        self.finder = None
        """A faster search giving the same ``(word index, start, stop)`` matches over lower-cased
        text (the bytes gate installs Hyperscan's); None: an Aho-Corasick automaton of the words."""

    @property
    def _ac(self):
        if self._automaton is None:  # (built on first use: with Hyperscan installed, never)
            self._automaton = ahocorasick_rs.AhoCorasick(self._words)
        return self._automaton

    @staticmethod
    def _spellings(rules: RuleSet) -> tuple[list[str], list[tuple]]:
        """The gate's words, sorted, and for each ``(length, next characters of a partial form,
        left boundary needed, right boundary needed)``."""
        forms: dict[str, frozenset[str] | None] = {}
        for t in rules.terms:
            if t.role == "weak":  # weak terms count only beside a strong one, which the gate finds
                continue
            variants = {t.text}
            if any(is_cjk(c) for c in t.text):
                variants |= {conv.convert(t.text) for conv in _s2t_converters()}
            for f in surface_forms(t.text):
                nxt = _partial(f, variants)
                if f in forms and (forms[f] is None or nxt is None):
                    forms[f] = None
                else:
                    forms[f] = (forms.get(f) or frozenset()) | nxt if nxt is not None else None
        entries = {f: (len(f), nxt, _ascii_word(f[0]), _ascii_word(f[-1])) for f, nxt in forms.items()}
        for p in rules.patterns:  # a pattern is reached through its anchor words ("*" = inside a word)
            for a in p.anchors:
                word = a.strip("*")
                left = not a.startswith("*") and _ascii_word(word[0])
                right = not a.endswith("*") and _ascii_word(word[-1])
                entries[word] = (len(word), None, left, right)
        words = sorted(entries)  # (a stable order: the bytes gate caches its tables by it)
        return words, [entries[w] for w in words]

    def _verified(self, low: str, text: str | None) -> Iterator[int]:
        if text is not None and len(text) != len(low):
            text = None
        n = len(low)
        info = self._info
        found = self.finder(low) if self.finder is not None else self._ac.find_matches_as_indexes(low, overlapping=True)
        for index, start, stop in found:
            length, nxt, left, right = info[index]
            end = stop - 1
            if nxt is not None:
                if not _continues(low, end if low[end] == "<" else end + 1, nxt):
                    continue
            elif (left and start > 0 and not _boundary(low, text, start)) or (
                    right and end + 1 < n and low[end + 1] != "s" and not _boundary(low, text, end + 1)):
                continue
            yield start

    def hits(self, raw_lower: str, text: str | None = None) -> list[int]:
        """Start positions of gate hits in lower-cased raw text (``text``: the same text before
        lower-casing, for camel-case word boundaries; without it those count as boundaries)."""
        return list(self._verified(raw_lower, text))

    def any(self, raw_lower: str, text: str | None = None) -> bool:
        for _ in self._verified(raw_lower, text):
            return True
        return False


def _spellings_key(rules: RuleSet) -> str:
    """What the gate's spellings depend on: the terms and anchors, the code that spells them
    (this module and text/normalize.py, read as bytes) and OpenCC's version (its conversions)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        opencc_version = version("opencc")
    except PackageNotFoundError:
        opencc_version = "?"
    code = [Path(__file__).read_bytes(), (Path(__file__).parent.parent / "text" / "normalize.py").read_bytes()]
    what = repr(([(t.text, t.role) for t in rules.terms], [p.anchors for p in rules.patterns], opencc_version))
    digest = hashlib.sha256(what.encode("utf-8", "surrogatepass"))
    for blob in code:
        digest.update(blob)
    return digest.hexdigest()[:32]


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
_KINDS = {"term": _TERM, "cue": _CUE, "mute": _MUTE, "exclude": _EXCLUDE}


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
            for i in sorted(found.keys() | self._always):  # in rule order, as each pattern's hits were
                p, _, term, marked, window = patterns[i]
                at = found.get(i)
                for m in p.regex.finditer(flat) if at is None or window is None else _windowed(p.regex, flat, at, *window):
                    # a pattern may mark the part that is the term with a group named ``t``
                    start, stop = m.span("t") if marked and m.start("t") >= 0 else m.span()
                    terms.append(Hit(start, stop, p.name, term))
        if excluded:
            terms = [h for h in terms if not _inside(h, excluded)] if len(excluded) < 4 else _outside(terms, excluded)
        if muted:  # a cue inside a muted phrase says nothing ("不具备参考意义" negates no capability)
            cues = [h for h in cues if not _inside(h, muted)] if len(muted) < 4 else _outside(cues, muted)
        return _outermost(terms), cues


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
