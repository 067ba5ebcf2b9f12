"""Multi-pattern automata over the rule packs (ahocorasick-rs, a Rust Aho-Corasick library;
it measured 3-5x faster than pyahocorasick's match iterator on the benchmark corpus).

Two automata are built per rule set:

* the *gate*, run over raw lower-cased text of every segment: surface spellings of every
  non-weak term (weak terms only count beside a strong one) and the anchors of the patterns
  (Simplified and Traditional Chinese, joined/underscored identifier forms, full-width Latin,
  ``&#NNNN;``/``\\uXXXX`` escapes and CJK terms cut by a tag, line break or zero-width space).
  A segment with no gate hit costs one pass and is done; only around gate hits does the costly
  normalisation and classification run;
* the *matcher*, run over normalised text: terms, exclude phrases and context cues
  (:mod:`.matcher`).
"""
from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import ahocorasick_rs

from ..text.normalize import _t2s, is_cjk
from .rules import RuleSet


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
        for index, start, stop in self._found(low):
            if self._counts(low, text, n, index, start, stop):
                yield start

    def _found(self, low: str):
        """Every ``(word index, start, stop)`` of the gate's words in ``low``, verified or not."""
        return self.finder(low) if self.finder is not None else self._ac.find_matches_as_indexes(low, overlapping=True)

    def _counts(self, low: str, text: str | None, n: int, index: int, start: int, stop: int) -> bool:
        """Does the word found at ``low[start:stop]`` count (boundaries, a partial form's next character)?"""
        length, nxt, left, right = self._info[index]
        end = stop - 1
        if nxt is not None:
            return _continues(low, end if low[end] == "<" else end + 1, nxt)
        return not ((left and start > 0 and not _boundary(low, text, start)) or (
            right and end + 1 < n and low[end + 1] != "s" and not _boundary(low, text, end + 1)))

    def regions(self, raw_lower: str, text: str | None, reach: int, length: int) -> list[tuple[int, int]]:
        """The stretches ``reach`` characters either side of each gate hit (cut to ``[0, length]``),
        overlapping ones merged: a hit inside the stretch made so far is not verified at all (it
        would change nothing), which is most of a long page's hits."""
        if text is not None and len(text) != len(raw_lower):
            text = None
        n = len(raw_lower)
        regions: list[tuple[int, int]] = []
        for index, start, stop in sorted(self._found(raw_lower), key=lambda m: m[1]):
            lo, hi = max(0, start - reach), min(length, start + reach)
            if regions and hi <= regions[-1][1]:
                continue  # (lo is inside too: starts come in order)
            if not self._counts(raw_lower, text, n, index, start, stop):
                continue
            if regions and lo <= regions[-1][1]:
                regions[-1] = (regions[-1][0], hi)
            else:
                regions.append((lo, hi))
        return regions

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
    import opencc

    opencc_version = getattr(opencc, "__version__", "?")
    code = [Path(__file__).read_bytes(), (Path(__file__).parent.parent / "text" / "normalize.py").read_bytes()]
    what = repr(([(t.text, t.role) for t in rules.terms], [p.anchors for p in rules.patterns], opencc_version))
    digest = hashlib.sha256(what.encode("utf-8", "surrogatepass"))
    for blob in code:
        digest.update(blob)
    return digest.hexdigest()[:32]

