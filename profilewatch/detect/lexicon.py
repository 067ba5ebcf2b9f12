"""Multi-pattern automata over the rule packs (ahocorasick-rs, a Rust Aho-Corasick library;
it measured 3-5x faster than pyahocorasick's match iterator on the benchmark corpus).

Two automata are built per rule set:

* the *gate* (:class:`~profilewatch.detect.textgate.Gate`, re-exported here), run over raw
  lower-cased text: the seeds (:mod:`.spellings`) of every non-weak term (weak terms only count
  beside a strong one) and of the patterns' anchors.  A segment with no gate hit costs one pass
  and is done; only around gate hits does the costly normalisation and classification run;
* the *matcher*, run over normalised text: terms, exclude phrases and context cues
  (:mod:`.matcher`, re-exported here).
"""
from __future__ import annotations

from .matcher import CueMatcher, Hit, Matcher  # noqa: F401 - the matchers, where they were
from .textgate import Gate  # noqa: F401 - the gate, where it always was
