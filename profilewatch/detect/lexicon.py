"""Multi-pattern automata over the rule packs (pyahocorasick, a C Aho-Corasick library).

Two automata are built per rule set:

* the *gate*, run over raw lower-cased text of every segment: surface spellings of every term
  (Simplified and Traditional Chinese, joined/underscored identifier forms, full-width Latin,
  ``&#NNNN;``/``\\uXXXX`` escapes and CJK terms cut by a tag, line break or zero-width space).
  A segment with no gate hit costs one pass and is done; only around gate hits does the costly
  normalisation and classification run;
* the *matcher*, run over normalised text: terms, exclude phrases and context cues.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import ahocorasick

from ..normalize import is_cjk
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
        for joiner in ("", "_", "-"):
            forms.add(term.replace(" ", joiner))
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


class Gate:
    """Cheap first pass: does raw text contain anything that could become a term?"""

    def __init__(self, rules: RuleSet) -> None:
        self._ac = ahocorasick.Automaton()
        forms: set[str] = set()
        for t in rules.terms:
            forms |= surface_forms(t.text)
        for f in forms:
            self._ac.add_word(f, len(f))
        self._ac.make_automaton()

    def hits(self, raw_lower: str) -> list[int]:
        """Start positions of gate hits in lower-cased raw text."""
        return [end - length + 1 for end, length in self._ac.iter(raw_lower)]

    def any(self, raw_lower: str) -> bool:
        for _ in self._ac.iter(raw_lower):
            return True
        return False


@dataclass(frozen=True, slots=True)
class Hit:
    """A term or cue found in normalised text: ``[start, end)``."""

    start: int
    end: int
    text: str
    term: Term | None = None
    cue: str | None = None


class Matcher:
    """Terms, excludes and cues over normalised text, with word boundaries for Latin words."""

    def __init__(self, rules: RuleSet) -> None:
        self._ac = ahocorasick.Automaton()
        payloads: dict[str, list[tuple[str, object]]] = {}
        for t in rules.terms:
            payloads.setdefault(t.text, []).append(("term", t))
        for e in rules.excludes:
            payloads.setdefault(e, []).append(("exclude", e))
        for kind, words in rules.cues.items():
            for w in words:
                payloads.setdefault(w, []).append(("cue", kind))
        for word, items in payloads.items():
            self._ac.add_word(word, (word, items))
        self._ac.make_automaton()
        self._patterns = rules.patterns

    def scan(self, text: str) -> tuple[list[Hit], list[Hit]]:
        """Return ``(terms, cues)`` found in normalised ``text``; excluded terms are dropped."""
        terms: list[Hit] = []
        cues: list[Hit] = []
        excluded: list[tuple[int, int]] = []
        flat = text.replace("\n", " ")
        for end, (word, items) in self._ac.iter(flat):
            start = end - len(word) + 1
            stop = end + 1
            if _latin(word):
                if start > 0 and _word_char(flat[start - 1]):
                    continue
                if stop < len(flat) and _word_char(flat[stop]):
                    if flat[stop] == "s" and (stop + 1 == len(flat) or not _word_char(flat[stop + 1])):
                        stop += 1
                    else:
                        continue
            for kind, payload in items:
                if kind == "term":
                    terms.append(Hit(start, stop, word, term=payload))
                elif kind == "cue":
                    cues.append(Hit(start, stop, word, cue=payload))
                else:
                    excluded.append((start, stop))
        if excluded:
            terms = [h for h in terms if not any(s <= h.start and h.end <= e for s, e in excluded)]
        for p in self._patterns:
            for m in p.regex.finditer(flat):
                terms.append(Hit(m.start(), m.end(), p.name, term=Term(p.name, p.category, p.role, p.pack)))
        return _outermost(terms), cues


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
    return c.isascii() and c.isalnum()
