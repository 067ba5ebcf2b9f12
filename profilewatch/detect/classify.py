"""Context classification: which kind a passage with protected-attribute terms is.

Inputs are the term hits of one passage, the cue hits near them, what the segment is (prose,
code, data, binary strings) and the *genre* of the whole unit (news report, evaluation study,
vendor disclaimer, a standard's schema, image processing), which is judged once per unit from
its distinct cue words.

The decision, in order (each step names the cues that decided it in the explanation):

1. a removal cue in the same sentence as the term (``已删除``, ``removed``), or a negation cue
   before the term or capability word it negates (``不支持``, ``does not``; ``is prohibited`` also
   after it) -> ``disclaimer``;
2. the unit is a report or a study measuring across groups -> ``reporting`` / ``evaluation``;
   a screening/moderation word list, skin colour as a pixel class, a text about peoples
   (culture, history, genetics, census) with no face or targeting beside the term, or a
   data-exchange standard's field layout (GA/T 1400) -> nothing / ``record_field``;
3. ID-document cues (``身份证``, ``ID card``), unless a targeting cue and a named group share the
   sentence -> ``record_field`` (form and survey words lose to a face or an inference verb);
4. a targeting cue (alarm, watchlist, special handling) in the sentence -- or in the paragraph when
   a group is named -- or a filtering/search cue right next to the term *over people seen* (a
   dating filter over declared fields is not targeting) -> ``targeting_rule``; a prose sentence
   that claims the capability stays a claim when its result is only searchable;
5. a capability cue, or an attribute in code/data beside face context -> ``implementation`` in
   code and data, ``capability_claim`` in prose.  In code, generic words (model, attribute,
   value) need a face word or an inference verb; an attribute valued in colour classes of people
   (白皮肤, 黄种人) needs neither; three looks of a face (glasses, mask, beard: ``appearance``
   cues) count as a face word and overrule an ID-card cue that is only nearby;
6. otherwise nothing is reported (the words alone prove nothing).

In a UI-strings bundle (``Genre.ui_strings``: an i18n/locale file) a claim or targeting reading
becomes ``implementation``: the labels are the strings of the product's screens.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from ..records import CATEGORIES
from .matcher import Hit
from .wordsets import (CAVEATS, COSMETICS, COSMETICS_TERMS, DISTRIBUTION, NAME_PROXY, NATIONALITY, OWN_METRICS,
                       RACE_CLASS_NAMES, measures_of, near_measures)

STRONG_ROLES = ("watch", "group", "attribute", "identifier")
# prose that is really a table row, code span, JSON key or a field definition of an API document
# ("byNation BYTE 民族：0-未知，1-汉族", "是否为少数民族：0 否，1 是", a row "uyghur | Float | ..."): classified as data
STRUCTURED = re.compile(r"\|[^|\n]*\|[^|\n]*\||`[^`\n]+`|\"\w+\"\s*:"
                        r"|^[^\S\n]*[A-Za-z_][\w.\[\]]*[^\S\n]*\|[^\S\n]*(?:Integer|Float|Double|String|Boolean|Bool|Number"
                        r"|Object|Array|Long|int|float|double|string|bool|long|number|object|array)[^\S\n]*\|"
                        r"|\b[a-z]+(?:[A-Z]\w*|_\w+)\s+(?:BYTE|WORD|DWORD|int|char|float|bool|string|String|Integer|Boolean"
                        r"|uint8_t|int32|u?int\d*|enum)\b"
                        r"|(?<![\d.])0\s*[-:：=]?\s*(?:否|未知|无|不是|unknown|no|false)\s*[，,;；、]\s*1\s*[-:：=]?\s*\S", re.M)
ADJACENT = 8  # a filtering cue this close to a term (normalised chars) keys the filter on it
ADJACENT_WORDS = 24  # the same for English words
TABLE_GROUPS = 8  # this many distinct group names in one passage make it a code table
TOPICAL_TERMS = 2  # this many distinct attribute terms make a passage about the attribute
BIOMETRIC_TERMS = 2  # this many distinct face/camera words make a whole unit about seeing people
STANDARD_TERMS = 3  # this many distinct field names of a standard make a unit its schema
IMAGING_TERMS = 2  # this many distinct image-processing words make skin colour a pixel class
APPEARANCE_TERMS = 3  # this many distinct looks of a face (glasses, mask, beard) beside a term: a face-attribute struct
NEGATION_REACH = 60  # a negation cue negates a term or capability word at most this far after it (normalised chars)
SOFTWARE_REPORTING_TERMS = 4  # this many in a README with install commands (prose otherwise: 3)
CODE_REPORTING_TERMS = 5  # this many distinct news words make code a report's data (a word list, a feed), not an SDK
DOCUMENT_TERMS = 6  # this many distinct ID-document words (OCR, 出生日期, 签发机关, passport...) make a unit a card reader
HUMANITIES_TERMS = 3  # this many distinct culture/history/genetics/census words make a unit about peoples
DENIAL_TERMS = 3  # this many distinct negation/removal words make a unit a denial statement
CODE_RECORD_NOISE = frozenset({"id info"})  # Objective-C's generic type: `completion:(void(^)(id info, NSError *error))`
CODE_NOISE = frozenset({"track", "tracked", "tracking", "count", "counts", "flag", "flags"})  # ids and counters in code, not filters
NOUNS = frozenset({"属性", "特征", "attribute", "attributes", "feature", "features"})  # capability words that claim no act
INFERS = frozenset({"predict", "predicts", "predicted", "predicting", "prediction", "infer", "infers", "inferred",
                    "inferring", "inference", "estimate", "estimates", "estimated", "estimating", "derived from",
                    "impute", "imputes", "imputed", "imputation", "perceived",
                    "推断", "预测", "估计"})  # verbs that say the attribute is inferred
DESCRIBED = frozenset({"appearance", "外貌", "长相"})  # looks as a record describes them (a property label)
EVENTS = frozenset({"alarm", "alarms", "alert", "alerts", "alerting"})
"""event-channel words of SDK code (struFaceSnapAlarm, ALARM_INFO): with no group named they target nobody"""
SCORES = frozenset({"置信度", "confidence", "probability", "prob", "概率"})  # the score of a class: inferred
ASKED = frozenset({"survey", "questionnaire", "respondent", "respondents", "问卷", "调查问卷", "填写", "registration form"})
"""record cues that are answers or form words, not identity documents: inference or a face beside them wins"""
MEDIA = frozenset({"image", "images", "photo", "photos", "图像", "图片", "照片", "video", "视频", "snapshot", "capture",
                   "captured"})  # media words: with no face, person or camera word they are not about people
AFTERWARDS = frozenset({"prohibited", "is not used", "are not used", "never used"})  # negate from after the claim too
FAIRNESS = frozenset({"bias", "biased", "fairness", "公平性", "偏差", "偏见", "demographic differential",
                      "demographic differentials", "per-group", "across groups", "disaggregated", "subgroup", "subgroups",
                      "accuracy gap", "performance gap", "protected attribute", "protected attributes", "prot attr",
                      "aif360", "fairlearn", "disparate impact", "equalized odds", "demographic parity",
                      "statistical parity", "debiasing", "准确率差异", "识别率差异", "分组统计", "准确度差异", "错误率",
                      "不同种族", "跨种族", "种族偏差", "cross-race", "cross race",
                      "error rate", "error rates", "false non-match", "false non match", "fitzpatrick", "monk skin",
                      "nist", "frvt", "志愿者"}) | DISTRIBUTION
"""evaluation words that measure across groups: a study needs one (accuracy alone is a spec sheet)"""
COMPARATIVE = frozenset({"comparison table", "comparison of", "precision rate", "racial faces in the wild"})
"""a tester's comparison of products' accuracy for the attribute: a study, though not across groups"""
GROUPWISE = FAIRNESS - {"错误率", "error rate", "error rates", "false non-match", "false non match", "nist", "志愿者"}
"""the same without plain error rates: code (an SDK's 错误率 of a stream) needs a measure across groups"""
IMAGING = frozenset({"ycrcb", "ycbcr", "cr分量", "cb分量", "cr 分量", "cb 分量", "像素", "pixel", "pixels", "色彩空间",
                     "color space", "colour space", "cv2", "cv 2", "opencv", "threshold", "阈值", "skin segmentation",
                     "skin detection", "肤色分割", "肤色模型", "肤色检测", "二值化", "hsv", "椭圆模型"})
GENERIC = frozenset({"model", "模型", "attribute", "attributes", "属性", "feature", "features", "特征", "confidence",
                     "probability", "prob", "置信度", "概率", "reads", "scans", "提取", "返回", "输出", "labelled", "labeled",
                     "tagged", "算法", "demographic", "demographics"})  # capability words that code uses for anything
BARE = frozenset({"race", "minority", "nationality"})
"""bare attribute words (weak alone) that are a face's attribute among three of its looks in code"""
OUTPUTS = frozenset({"dominant race", "race preds", "race pred", "race probs", "race prob", "race scores",
                     "race logits", "race head", "race output", "ethnicity pred", "ethnicity preds", "logits race",
                     "logit race", "probs race", "preds race", "race probability", "race confidence",
                     "ethnicity probability", "ethnicity confidence", "ethnicity score", "ethnicity scores"})
"""identifiers that are a classifier's output for the attribute (a result key, a score per class): inferred"""
COLOUR_CLASSES = frozenset({"race-colour-classes", "skin-colour-classes", "colour-classes-of-people"})
"""patterns of an attribute valued in colour classes of people (EM_RACE_YELLOW/BLACK/WHITE, 1: 黄色 2: 黑色)"""
EMOJI = frozenset({"smileys emotion", "people body", "animals nature", "food drink", "travel places", "emoji", "emojis"})
"""Unicode CLDR emoji group keys: EMOJI_TERMS of them make a unit emoji metadata (skin-tone modifiers, 宗教场所)"""
EMOJI_TERMS = 3
CLASSIFIES = frozenset({"classify", "classifies", "classifier", "classification", "classified", "classifying", "categorize",
                        "categorise", "categorization", "categorisation", "categorized", "categorised", "分类", "归类"})
"""capability words that put a thing into one of several categories"""
LABELS = frozenset({"label", "labels"})  # the category's name assigned in code ("tone_labels")
QUERY_FIELDS = frozenset({"minzu-query-field"})
"""patterns of 民族 as a field of a query form (a select, an input, a value read for the query)"""
CONTROL_TERMS = 2  # this many distinct police control-list words (重点人员, 列控, 管控对象...) make a unit a list of watched people
SCALE_REACH = 40
AMONG_LOOKS = frozenset({"race-among-face-attributes", "race-as-analysis-action"})
"""patterns of race among a person's looks (age, gender, emotion, face) or as a face-analysis action"""
CONCURRENCY = frozenset({"thread", "threads", "mutex", "atomic", "concurrency", "deadlock", "sanitizer", "goroutine"})
"""unrelated cues of a race condition: away from a race among a person's looks they are the code's plumbing (asyncio.to_thread)"""
CONCURRENCY_REACH = 60  # a concurrency word this close to that race makes it a race condition ("a race between threads")  # "according to" this close before a scale names the classification's standard, not a source
ROLE_WEIGHT = {"watch": 0.6, "group": 0.55, "identifier": 0.5, "attribute": 0.4, "weak": 0.2}


def lead_rank(text: str, category: str, role: str) -> tuple:
    """How strongly a matched term speaks for its passage: role, then length, then the
    category's place in LABELS.md's order.  The top-ranked term of a passage is its lead: the
    match shown as evidence, and its category is the finding's primary ``category``.  Uses only
    what a stored finding keeps (term text, category, role), so the case store can re-derive it."""
    order = CATEGORIES.index(category) if category in CATEGORIES else len(CATEGORIES)
    return ROLE_WEIGHT.get(role, 0.0), len(text), -order


@dataclass(slots=True)
class Genre:
    """What the unit as a whole is, judged from distinct cue words over all of its text."""

    reporting: set[str] = field(default_factory=set)
    evaluation: set[str] = field(default_factory=set)
    tooling: set[str] = field(default_factory=set)
    biometric: set[str] = field(default_factory=set)
    denial: set[str] = field(default_factory=set)
    standard: set[str] = field(default_factory=set)
    imaging: set[str] = field(default_factory=set)
    emoji: set[str] = field(default_factory=set)
    cosmetics: set[str] = field(default_factory=set)
    humanities: set[str] = field(default_factory=set)
    scale: set[str] = field(default_factory=set)
    software: set[str] = field(default_factory=set)
    control: set[str] = field(default_factory=set)
    training: set[str] = field(default_factory=set)
    search: set[str] = field(default_factory=set)
    record: set[str] = field(default_factory=set)
    ui_strings: bool = False  # the unit is a UI-strings bundle (i18n/locale file): its labels are the product's
    markdown: bool = False  # the unit is a markdown/reST document (a README, a doc page)

    def add(self, cues: list[Hit]) -> None:
        for h in cues:
            name = self.slot(h.cue, h.text)
            if name is not None:
                getattr(self, name).add(h.text)

    @staticmethod
    def slot(cue: str, word: str) -> str | None:
        """The set a cue word of kind ``cue`` goes to, or None: the genre ignores it."""
        if cue in ("reporting", "evaluation", "tooling", "biometric", "standard", "humanities", "scale", "software",
                   "control", "search", "training"):
            return cue
        if cue == "unrelated" and word in IMAGING:
            return "imaging"
        if cue == "unrelated" and word in EMOJI:
            return "emoji"
        if cue == "unrelated" and word in COSMETICS:
            return "cosmetics"
        if cue in ("disclaimer", "removal"):
            return "denial"
        if cue == "record_field" and word not in ASKED:
            return "record"
        return None

    def controls(self) -> bool:
        """The unit is a searchable list of persons under police control (key persons, 列控/管控对象)."""
        return len(self.control) >= CONTROL_TERMS and bool(self.search)

    def denies(self) -> bool:
        """The unit is a statement that denies or withdraws the capability."""
        return len(self.denial) >= DENIAL_TERMS and not self.software  # a README's "don't" and "does not" deny nothing

    def standardised(self) -> bool:
        """The unit is a data-exchange standard's object layout (GA/T 1400 field names throughout)."""
        return len(self.standard) >= STANDARD_TERMS

    def about_people(self) -> bool:
        """The unit is about seeing people (faces, cameras, video) somewhere in its text -- unless
        it is about identity documents throughout (an ID-card OCR's photos are the card's)."""
        return len(self.biometric) >= BIOMETRIC_TERMS and bool(self.biometric - MEDIA) and not self.documentary()

    def documentary(self) -> bool:
        """The unit reads identity documents (OCR of ID cards, passports: many distinct card fields)."""
        return len(self.record) >= DOCUMENT_TERMS

    def about_peoples(self) -> bool:
        """The unit is about peoples, not persons: culture, history, genetics, census statistics."""
        return len(self.humanities) >= HUMANITIES_TERMS

    def kind(self, coded: bool = False) -> str | None:
        """``reporting``, ``evaluation`` or ``unrelated`` (a compliance or moderation tool that
        lists the words itself) when the unit is clearly that kind of document.  For a passage
        of code (``coded``) a few news words do not make a report (a camera SDK says 曝光
        "exposure", 媒体 "media stream", "according to"): it takes CODE_REPORTING_TERMS (a word
        list or a news feed's data), and a study needs a measure *across groups*, not an error rate."""
        if len(self.tooling) >= 2:
            return "unrelated"
        # software documentation (install commands) takes one news word more: a README's citations ("Journal
        # of ..."), an abstract quoted in a BibTeX entry and "according to your requirements" are no report
        news = CODE_REPORTING_TERMS if coded else SOFTWARE_REPORTING_TERMS if self.software else 3
        if len(self.reporting) >= news and len(self.reporting) >= len(self.evaluation):
            return "reporting"
        measures = measures_of(self.evaluation, self.evaluation, self.training)  # in prose "bias" and "biased" are one word (a caveat, not a study)
        if not coded and not self.evaluation & (FAIRNESS | COMPARATIVE) - CAVEATS:
            measures = measures - OWN_METRICS
        if len(measures if coded else {_lemma(w) for w in measures}) >= 3 and measures & (
                GROUPWISE if coded else FAIRNESS | COMPARATIVE):
            return "evaluation"  # accuracy figures alone (FAR, pass rate) are a spec, not a study across groups
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
    if context in ("code", "data", "binary") and len({c.text for c in wide if c.cue == "appearance"}) >= APPEARANCE_TERMS:
        # `private String race;` among glasses, mask, beard, smile: the bare word is a seen face's attribute
        terms = [replace(t, term=replace(t.term, role="attribute")) if t.term.role == "weak" and t.text in BARE else t
                 for t in terms]
    if context in ("code", "data", "binary") and {t.text for t in terms} & NATIONALITY and {t.text for t in terms} & RACE_CLASS_NAMES and any(
            c.cue == "biometric" and c.text not in DESCRIBED for c in wide) and any(c.cue == "capability" for c in wide):
        # a nationality valued in races (Indian, African, Asian) beside an image and a model: a classifier's classes
        terms = [replace(t, term=replace(t.term, role="attribute")) if t.term.role == "weak" and t.text in NATIONALITY
                 else t for t in terms]
    if context in ("code", "data", "binary"):
        near, wide = ([c for c in hits if not (c.cue == "record_field" and c.text in CODE_RECORD_NOISE)] for hits in (near, wide))
    strong = [t for t in terms if t.term.role in STRONG_ROLES]
    categories = sorted({t.term.category for t in (strong or terms)})
    # a skin tone classified onto a scale or palette of human skin tones (Monk, Fitzpatrick, PERLA) is a person's
    # category: the pixel work that gets there (thresholds, cv2) is no image processing for its own sake
    scales = {c.text for c in wide if c.cue == "scale"} | genre.scale
    scaled = "skin_color" in categories and bool(scales) and any(
        (c.cue == "capability" and c.text in CLASSIFIES) or (c.cue == "implementation" and c.text in LABELS) for c in wide)
    if scaled:  # "classifies the skin tone according to the Fitzpatrick scale": the scale is no news source
        near = [c for c in near if not (c.text == "according to" and any(
            s.cue == "scale" and 0 <= s.start - c.end <= SCALE_REACH for s in near))]
    near_kinds, wide_kinds = _by_kind(near), _by_kind(wide)
    cues = {k: sorted(v) for k, v in wide_kinds.items()}

    def verdict(kind: str, confidence: float, reason: str) -> Verdict:
        if genre.ui_strings and kind in ("capability_claim", "targeting_rule"):
            # an i18n bundle's attribute and alarm labels are the strings of the product's UI
            kind, reason = "implementation", f"{reason}; the labels of a UI-strings bundle implement the product's screens"
        elif genre.markdown and genre.software and kind == "implementation":
            # a README with install commands pitches its project: the output its code blocks show is what it claims
            kind, reason = "capability_claim", f"{reason}; a README's code block shows what the project claims to do"
        return Verdict(kind, categories, round(min(confidence, 0.99), 2), cues, reason)

    # 1. clean kinds, decided by the sentence or by the document as a whole (before the rest is
    # worked out: most passages of a report end here)
    if "removal" in near_kinds or _negates(near, terms):
        return verdict("disclaimer", 0.7, "negation/removal cue beside the term")
    if len(genre.emoji) >= EMOJI_TERMS:
        return None  # emoji metadata: skin-tone modifiers and place symbols name no person
    document = genre.kind(context in ("code", "binary"))
    if document == "unrelated":
        return None
    if document:
        return verdict(document, 0.6, f"the document reads as {document}")
    roles = Counter(t.term.role for t in terms)
    has_group = roles["group"] + roles["watch"] > 0
    # weak class names beside their attribute ("ethnicity: Asian, Caucasian") name the classes of people
    classes = len({t.text for t in terms if t.term.role == "weak" and t.term.category in categories}) >= 2
    coded = context in ("code", "data", "binary")
    filtering = _adjacent(terms, [c for c in near if not (coded and c.text in CODE_NOISE)], ("filtering", "search"))
    topical = has_group or len({t.text for t in strong}) >= TOPICAL_TERMS  # the passage is about the group
    near_targeting = near_kinds.get("targeting", set())
    plumbing = context in ("code", "binary") and not (has_group or classes)  # an SDK's event channel, not a rule
    if plumbing:
        near_targeting = near_targeting - EVENTS  # struFaceSnapAlarm.byEthnic: the alarm is the event the value rides on
    pinned = near_targeting or ({"watch category"} if roles["watch"] else None)  # in the sentence
    # a code table of attribute values (汉族, 维族...) is the attribute's definition, whatever alarms are near
    enumerated = coded and len({t.text for t in terms if t.term.role == "group"}) >= 2
    capability, biometric, schema = (wide_kinds.get(k) for k in ("capability", "biometric", "implementation"))
    looks = wide_kinds.get("appearance", set())
    if len(looks) >= APPEARANCE_TERMS:  # age, glasses, mask, beard, expression: the attributes of a seen face
        biometric = (biometric or set()) | looks
    seen = biometric or genre.about_people() or scaled  # faces, cameras, bodies: people are looked at
    outputs = {t.text for t in terms if t.term.role == "identifier"} & OUTPUTS  # race_prob, dominant_race
    inferred = (capability or set()) & INFERS | outputs
    scored = has_group and (capability or set()) & SCORES  # "是否为维族的置信度": a group with a score is a classifier's output
    if coded and capability and not (capability - GENERIC or biometric):
        capability = None  # "model", "attribute", "value" are everyday words of code; they claim nothing alone
    # a search or filter over people seen is targeting; one over fields people declared (a dating filter) is not
    filtering = filtering if seen or pinned else set()
    wide_targeting = wide_kinds.get("targeting", set()) - (EVENTS if plumbing else set())
    targeting = pinned or (topical and not enumerated and wide_targeting) or filtering
    # "Race, age and gender detection": race detected among a person's looks is about people, face word or not
    looked_at = {t.text for t in terms} & AMONG_LOOKS
    if looked_at and not coded and near_kinds.get("capability", set()) - GENERIC - NOUNS:
        seen = seen or looked_at
    person = wide_kinds.get("person") or seen or {t.text for t in terms} & NAME_PROXY  # a person's name is the person
    if coded and not (seen or inferred):
        person = None  # a user or customer field in code is a record until something infers it
    base = max(ROLE_WEIGHT[r] for r in roles)
    if strong and all(t.text in QUERY_FIELDS for t in strong):
        if genre.controls():  # 民族 as a search field over key persons / controlled persons
            return verdict("targeting_rule", base + 0.25, "an ethnicity search field of a list of persons under police control"
                           f" ({', '.join(sorted(genre.control))})")
        return None  # the same field in a registration form or an HR/school register records what people state
    unrelated = near_kinds.get("unrelated", set())
    if categories != ["skin_color"] or scaled:
        unrelated = unrelated - IMAGING  # an image library (opencv) beside race says nothing of pixels
    if categories != ["skin_color"]:
        unrelated = unrelated - COSMETICS  # Face++'s beauty and skin-status fields beside ethnicity are a face's looks
    if looked_at and not any(c.text in CONCURRENCY and any(
            max(c.start - t.end, t.start - c.end) <= CONCURRENCY_REACH for t in terms if t.text in looked_at) for c in near):
        unrelated = unrelated - CONCURRENCY  # race beside age and gender is no race condition, a thread further on no matter
    if unrelated and not (has_group and near_kinds.get("targeting")):
        return None
    if genre.about_peoples() and not ((biometric or set()) - MEDIA or near_kinds.get("targeting") or (inferred and wide_kinds.get("person"))):
        return None  # a culture, history, genetics or census text about peoples classifies no person
    if categories == ["skin_color"] and not has_group and len(genre.imaging) >= IMAGING_TERMS and not scaled:
        return None  # skin-colour pixels in image processing (skin segmentation, YCbCr thresholds)
    if categories == ["skin_color"] and not has_group and len(genre.cosmetics) >= COSMETICS_TERMS and not near_kinds.get(
            "targeting"):
        return None  # a skin type or tone as the input of skin-care advice (oily, dry, Fitzpatrick I-VI)
    if "tooling" in near_kinds and not (person or capability):
        return None  # a word list of a screening or moderation tool: the words are its data
    record = "record_field" in near_kinds or ("record_field" in wide_kinds and "capability" not in near_kinds)
    if record and near_kinds.get("record_field", set()) <= ASKED and (
            near_kinds.get("capability", set()) & INFERS or near_kinds.get("biometric")):
        record = False  # "predicts it from the voice, no survey needed", "fill in the face attributes": not asked
    if record and "record_field" not in near_kinds and len(looks) >= APPEARANCE_TERMS:
        record = False  # a face-attribute struct beside the file's ID-card fields is still a face's attributes
    if record and not (near_kinds.get("targeting") and has_group):
        if "evaluation" in near_kinds:
            return verdict("evaluation", 0.5, "measurement cue beside the term")
        return verdict("record_field", 0.6, "identity-document field, no targeting cue")
    if genre.standardised() and not (has_group and targeting) and not inferred:
        return verdict("record_field", 0.5, "fields of a data-exchange standard's schema, no group targeted")
    if "standard" in wide_kinds and not capability and not targeting:
        return verdict("record_field", 0.5, "fields of a data-exchange standard, no capability or targeting cue")
    measured = near_measures(near_kinds.get("evaluation", set()) - (scales if scaled else set()), genre)  # a tone's scale measures nothing
    claiming = near_kinds.get("capability", set()) - GENERIC  # "model", "attribute" claim nothing against a measure
    if measured and not targeting and (len(measured) >= 2 or not claiming):
        return verdict("evaluation", 0.5, "measurement cue beside the term")
    if "reporting" in near_kinds:
        return verdict("reporting", 0.5, "reporting cue beside the term")

    # 2. is the evidence enough to flag?
    if not strong:
        if targeting and person and len({t.text for t in terms}) >= 2:
            return verdict("targeting_rule", 0.45, "several weak terms with a targeting cue")
        return None
    groups = Counter(c for c, _ in {(t.term.category, t.text) for t in terms if t.term.role in ("group", "watch")
                                    or (t.term.role == "weak" and t.text.endswith("族"))})  # + other nationalities
    if coded and max(groups.values(), default=0) >= TABLE_GROUPS and not (
        near_kinds.get("targeting") or near_kinds.get("capability")
    ):
        return None  # a full code table or picker of groups: administrative, not categorisation
    if context == "prose" and not (has_group or roles["identifier"]) and not (
        near_kinds.get("capability") or targeting or filtering
    ):
        return None  # an attribute word in prose needs a capability or targeting cue in its sentence

    # 3. which flag kind
    # a sentence that claims the capability is a claim, even when the result is searchable or the paragraph alarms
    claimed = context == "prose" and not pinned and not near_kinds.get("filtering") and (
        near_kinds.get("capability", set()) - NOUNS)
    if targeting and not claimed and (has_group or person or near_kinds.get("targeting") or filtering):
        conf = base + 0.25 + (0.1 if person else 0) + (0.05 if capability else 0)
        return verdict("targeting_rule", conf, "a targeting cue keyed on the group/attribute")
    # a prose title "Asian Ethnicity Classifier" in a README about pictures claims the capability
    named = not coded and roles["identifier"] and genre.biometric and near_kinds.get("capability", set()) - NOUNS - GENERIC
    # weak class names (Asian, Indian) need a real act beside them: a data file's "@attribute race {White, Asian-Pac-Islander}"
    # names a column's values, it claims nothing
    if capability and (person or ((has_group or (classes and capability - GENERIC)) and not coded) or named or (coded and schema and (seen or inferred) and (
            roles["identifier"] or len(capability) >= 2))):
        if genre.denies() and not coded and not (has_group or roles["identifier"]):
            return verdict("disclaimer", 0.5, "an attribute named in a statement that denies or withdraws it")
        kind = "implementation" if coded else "capability_claim"
        about = " about people" if person else ""
        return verdict(kind, base + 0.2 + (0.15 if person else 0), f"a capability cue with the attribute{about}")
    if coded and (roles["attribute"] or roles["identifier"]) and any(
            (t.term.role == "group" and t.term.category == "skin_color")
            or (t.text in COLOUR_CLASSES and roles["identifier"]) for t in terms):  # EM_RACE_YELLOW, not "White alone"
        return verdict("implementation", base + 0.2, "an attribute valued in colour classes of people (白种人, 黑皮肤)")
    # "appearance: label: Physical appearance" is a property a record describes, not a face seen
    seen_people = (biometric or set()) - DESCRIBED or (genre.about_people() and (schema or capability or scored))
    if coded and outputs:
        return verdict("implementation", base + 0.3, "a classifier's output key of the attribute (dominant_race, race_prob)")
    if coded and ((seen_people and (roles["attribute"] or roles["identifier"] or scored)) or (roles["identifier"] and has_group)):
        conf = base + 0.15 + (0.1 if schema else 0)
        return verdict("implementation", conf, "the attribute as a field/enum beside person-attribute context")
    return None


def _lemma(word: str) -> str:
    """A crude English lemma for counting distinct words ("bias" and "biased" are one word)."""
    return re.sub(r"(?:ed|es|s)$", "", re.sub(r"(?:ed)$", "", word)) if word.isascii() and len(word) > 3 else word


def _negates(near: list[Hit], terms: list[Hit]) -> bool:
    """A negation cue shortly before a term or capability word of the sentence negates the claim
    ("does not identify ethnicity"); one after it does not ("...classifies them, even when they
    never state it"), nor one that negates another verb further back ("Never answer 'unknown'.
    Output: male, 40, asian")."""
    heads = [t.start for t in terms] + [c.start for c in near if c.cue in ("capability", "targeting")]
    return any(c.cue == "disclaimer" and (c.text in AFTERWARDS or any(
        0 <= h - c.start <= NEGATION_REACH + len(c.text) for h in heads)) for c in near)


def _adjacent(terms: list[Hit], cues: list[Hit], kinds: tuple[str, ...]) -> set[str]:
    """Cues of ``kind`` right next to a term ("按民族检索", "search faces by ethnicity", "ethnicity
    filter"): within ADJACENT characters, or ADJACENT_WORDS characters when the gap is Latin text."""
    out = set()
    for c in cues:
        if c.cue not in kinds:
            continue
        for t in terms:
            gap = max(c.start - t.end, t.start - c.end)
            if gap <= ADJACENT or (gap <= ADJACENT_WORDS and t.text.isascii() and c.text.isascii()):
                out.add(c.text)
    return out


def _by_kind(hits: list[Hit]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for h in hits:
        out.setdefault(h.cue, set()).add(h.text)
    return out
