"""Multi-pattern automata over the rule packs (ahocorasick-rs, a Rust Aho-Corasick library;
it measured 3-5x faster than pyahocorasick's match iterator on the benchmark corpus).

Two automata are built per rule set:

* the *gate* (:class:`~profilewatch.detect.textgate.Gate`, re-exported here), run over raw
  lower-cased text: the seeds (:mod:`.spellings`) of every non-weak term (weak terms only count
  beside a strong one) and of the patterns' anchors.  A segment with no gate hit costs one pass
  and is done; only around gate hits does the costly normalisation and classification run;
* the *matcher*, run over normalised text: terms, exclude phrases and context cues.
"""
from __future__ import annotations

from dataclasses import dataclass

import ahocorasick_rs

from ..text.normalize import is_cjk
from .required import required_literals
from .rules import RuleSet, Term
from .textgate import Gate  # noqa: F401 - the gate, where it always was


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
        payloads: dict[str, list[tuple[str, object]]] = {}
        for t in rules.terms:
            payloads.setdefault(t.text, []).append(("term", t))
        for e in rules.excludes:
            payloads.setdefault(e, []).append(("exclude", e))
        for e in rules.muted:
            payloads.setdefault(e, []).append(("mute", e))
        for kind, words in rules.cues.items():
            for w in words:
                payloads.setdefault(w, []).append(("cue", kind))
        self._entries = [(word, items, not _has_cjk(word)) for word, items in payloads.items()]
        self._ac = ahocorasick_rs.AhoCorasick([word for word, _, _ in self._entries])
        # each pattern with the literals it cannot match without (None: always run it)
        self._patterns = [(p, required_literals(p.regex)) for p in rules.patterns]

    def scan(self, text: str) -> tuple[list[Hit], list[Hit]]:
        """Return ``(terms, cues)`` found in normalised ``text``; excluded terms and muted cues are dropped."""
        terms: list[Hit] = []
        cues: list[Hit] = []
        excluded: list[tuple[int, int]] = []
        muted: list[tuple[int, int]] = []
        flat = text.replace("\n", " ")
        entries = self._entries
        for index, start, stop in self._ac.find_matches_as_indexes(flat, overlapping=True):
            word, items, bounded = entries[index]
            if bounded:  # alphabetic words (Latin, Cyrillic...) need word boundaries
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
                elif kind == "mute":
                    muted.append((start, stop))
                else:
                    excluded.append((start, stop))
        for p, need in self._patterns:  # a pattern may mark the part that is the term with a group named ``t``
            if need is not None and not any(lit in flat for lit in need):
                continue  # (it cannot match: a few substring searches instead of a regex pass)
            for m in p.regex.finditer(flat):
                start, stop = m.span("t") if "t" in p.regex.groupindex and m.start("t") >= 0 else m.span()
                terms.append(Hit(start, stop, p.name, term=Term(p.name, p.category, p.role, p.pack)))
        if excluded:
            terms = [h for h in terms if not any(s <= h.start and h.end <= e for s, e in excluded)]
        if muted:  # a cue inside a muted phrase says nothing ("不具备参考意义" negates no capability)
            cues = [h for h in cues if not any(s <= h.start and h.end <= e for s, e in muted)]
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
    return c.isalnum() and not is_cjk(c)


def _has_cjk(text: str) -> bool:
    return any(is_cjk(c) for c in text)
