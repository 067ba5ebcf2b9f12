"""Context classification: which kind a passage with protected-attribute terms is.

Inputs are the term hits of one passage, the cue hits near them, what the segment is (prose,
code, data, binary strings) and the *genre* of the whole unit (news report, evaluation study,
vendor disclaimer), which is judged once per unit from its cue counts.

The decision, in order (each step names the cues that decided it in the explanation):

1. a negation or removal cue in the same sentence as the term (``不支持``, ``no longer``)
   -> ``disclaimer``;
2. the unit is a report or an evaluation study -> ``reporting`` / ``evaluation``;
3. ID-document cues (``身份证``, ``ID card``), unless a targeting cue and a named group share the
   sentence -> ``record_field``;
4. a targeting cue (alarm, watchlist, filter, special handling) -> ``targeting_rule``;
5. a capability cue, or an attribute in code/data beside person/face context ->
   ``implementation`` in code and data, ``capability_claim`` in prose;
6. otherwise nothing is reported (the words alone prove nothing).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .lexicon import Hit

STRONG_ROLES = ("group", "attribute", "identifier")
TABLE_GROUPS = 5  # this many distinct group names in one passage make it a code table
ROLE_WEIGHT = {"group": 0.55, "identifier": 0.5, "attribute": 0.4, "weak": 0.2}


@dataclass(slots=True)
class Genre:
    """What the unit as a whole is, judged from distinct cue words over all of its text."""

    reporting: set[str] = field(default_factory=set)
    evaluation: set[str] = field(default_factory=set)
    disclaimer: set[str] = field(default_factory=set)

    def add(self, cues: list[Hit]) -> None:
        for h in cues:
            if h.cue in ("reporting", "evaluation", "disclaimer"):
                getattr(self, h.cue).add(h.text)

    def kind(self) -> str | None:
        """``reporting`` or ``evaluation`` when the unit is clearly that kind of document."""
        if len(self.reporting) >= 3 and len(self.reporting) >= len(self.evaluation):
            return "reporting"
        if len(self.evaluation) >= 3:
            return "evaluation"
        return None


@dataclass(slots=True)
class Verdict:
    kind: str
    categories: list[str]
    confidence: float
    cues: dict[str, list[str]]
    reason: str


def classify(terms: list[Hit], near: list[Hit], wide: list[Hit], context: str, genre: Genre) -> Verdict | None:
    """Classify a passage: ``near`` cues share the term's sentence, ``wide`` ones its neighbourhood."""
    strong = [t for t in terms if t.term.role in STRONG_ROLES]
    near_kinds = _by_kind(near)
    wide_kinds = _by_kind(wide)
    cues = {k: sorted(v) for k, v in wide_kinds.items()}
    categories = sorted({t.term.category for t in (strong or terms)})
    roles = Counter(t.term.role for t in terms)
    base = max(ROLE_WEIGHT[r] for r in roles)

    if "disclaimer" in near_kinds:
        return Verdict("disclaimer", categories, 0.7, cues, "negation/removal cue beside the term")
    genre_kind = genre.kind()
    if genre_kind:
        return Verdict(genre_kind, categories, 0.6, cues, f"the document reads as {genre_kind}")
    if "unrelated" in near_kinds and not (roles.get("group") and near_kinds.get("targeting")):
        return None
    has_group = roles.get("group", 0) > 0
    targeting = near_kinds.get("targeting") or (has_group and wide_kinds.get("targeting"))
    capability = wide_kinds.get("capability")
    person = wide_kinds.get("person")
    implementation = wide_kinds.get("implementation")
    record = "record_field" in near_kinds or ("record_field" in wide_kinds and "capability" not in near_kinds)
    if record and not (near_kinds.get("targeting") and has_group):
        if "evaluation" in near_kinds:
            return Verdict("evaluation", categories, 0.5, cues, "measurement cue beside the term")
        return Verdict("record_field", categories, 0.6, cues, "identity-document field, no targeting cue")
    if "evaluation" in near_kinds and not targeting:
        return Verdict("evaluation", categories, 0.5, cues, "measurement cue beside the term")
    if "reporting" in near_kinds:
        return Verdict("reporting", categories, 0.5, cues, "reporting cue beside the term")
    if not strong:
        if targeting and person and roles.get("weak", 0) >= 2:
            return Verdict("targeting_rule", categories, 0.45, cues, "several weak terms with a targeting cue")
        return None
    per_category = Counter(c for c, _ in {(t.term.category, t.text) for t in terms if t.term.role == "group"})
    if context != "prose" and max(per_category.values(), default=0) >= TABLE_GROUPS and not near_kinds.get("targeting"):
        return None  # a full code table or picker of groups: administrative, not categorisation
    if not has_group and not roles.get("identifier") and context == "prose" and not (
        near_kinds.get("capability") or near_kinds.get("targeting")
    ):
        return None  # an attribute word in prose needs a capability or targeting cue in its sentence
    if targeting and (has_group or person or near_kinds.get("targeting")):
        conf = min(0.99, base + 0.25 + (0.1 if person else 0) + (0.05 if capability else 0))
        return Verdict("targeting_rule", categories, conf, cues, "a targeting cue keyed on the group/attribute")
    coded = context in ("code", "data", "binary")
    if capability and (person or (has_group and not coded) or (coded and implementation and roles.get("identifier"))):
        conf = min(0.99, base + 0.2 + (0.15 if person else 0))
        kind = "implementation" if coded else "capability_claim"
        return Verdict(kind, categories, conf, cues, "a capability cue with the attribute" + (" about people" if person else ""))
    if coded and (person or implementation) and (has_group or roles.get("identifier", 0) or person):
        conf = min(0.95, base + 0.15 + (0.1 if person and implementation else 0))
        return Verdict("implementation", categories, conf, cues, "the attribute as a field/enum beside person-attribute context")
    return None


def _by_kind(hits: list[Hit]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for h in hits:
        out.setdefault(h.cue, set()).add(h.text)
    return out
