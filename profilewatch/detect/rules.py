"""Rule packs: YAML data that says which terms matter and which context decides the kind.

A *category pack* (``rules/<category>.yaml``) lists the terms of one protected category by
role -- ``watch`` (a police watch category that singles a group out: 涉疆人员, 藏维族人员),
``group`` (names a group: 维族, Uyghur), ``attribute`` (names the attribute: 种族,
ethnicity), ``identifier`` (code shapes, written as normalised tokens: ``em nation type``),
``weak`` (needs a stronger term or a targeting cue beside it) -- optional ``patterns`` (regular
expressions over normalised text that act as terms, e.g. a nation field compared with the GB 3304
codes of chosen groups), plus ``exclude`` phrases that
make a term innocent (新疆维吾尔自治区, race condition) and its own ``examples``.

The *cue pack* (``rules/cues.yaml``) lists context cues by the kind they point to, and ``mute``
phrases inside which no cue counts (``v-model`` is no model, ``不具备参考意义`` negates nothing).

Terms are folded by :func:`profilewatch.text.normalize.fold_term` at load time, so packs are
written in Simplified Chinese and plain spelling; Traditional, full-width, escaped and split
spellings are reached through normalisation.  :func:`load_rules` returns a :class:`RuleSet`
with a digest over every loaded file, which goes into every output.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from ..text.normalize import fold_term
from ..records import CATEGORIES, CLEAN_KINDS, FLAG_KINDS
from .calibration import Calibration

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # same documents, ~10x faster with libyaml

TERM_ROLES = ("watch", "group", "attribute", "identifier", "weak")
CUE_KINDS = (
    "capability",
    "targeting",
    "filtering",
    "search",
    "person",
    "biometric",
    "appearance",
    "implementation",
    "disclaimer",
    "removal",
    "reporting",
    "evaluation",
    "record_field",
    "standard",
    "tooling",
    "humanities",
    "scale",
    "software",
    "control",
    "training",
    "unrelated",
)


class RuleError(ValueError):
    """A rule pack is malformed."""


@dataclass(frozen=True, slots=True)
class Term:
    text: str  # normalised form that is matched
    category: str
    role: str
    pack: str


@dataclass(frozen=True, slots=True)
class Pattern:
    """A regular expression over normalised text that acts as a term (e.g. GB 3304 code sets)."""

    regex: re.Pattern
    name: str
    category: str
    role: str
    pack: str
    anchors: tuple[str, ...] = ()  # words the gate looks for so the pattern gets its chance ("*x*": inside words)


@dataclass(slots=True)
class Example:
    text: str
    flag: bool
    kind: str | None
    context: str
    pack: str


@dataclass(slots=True)
class Pack:
    id: str
    category: str
    name: str
    description: str
    references: list[str]
    path: str


@dataclass(slots=True)
class RuleSet:
    """Everything the detector needs: terms, excludes, cues, examples and a digest."""

    packs: list[Pack] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)
    patterns: list[Pattern] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)
    muted: list[str] = field(default_factory=list)
    """Phrases in which no cue counts (the cue pack's ``mute``: "v-model", "不具备参考意义")."""
    cues: dict[str, list[str]] = field(default_factory=dict)
    examples: list[Example] = field(default_factory=list)
    digest: str = ""
    fixtures: list[Path] = field(default_factory=list)
    glosses: dict[str, str] = field(default_factory=dict)
    """English gloss per normalised term or cue (``glosses.yaml``: a ``glosses`` mapping)."""
    calibration: Calibration = field(default_factory=Calibration)
    """Score -> confidence curves (``calibration.yaml``, see :mod:`.calibration`)."""

    def rule_ids(self) -> list[str]:
        """Every rule id a finding can carry: ``<category>/<kind>``."""
        return [f"{p.category}/{k}" for p in self.packs for k in FLAG_KINDS + CLEAN_KINDS]


def builtin_dir() -> Path:
    """The folder of the packs shipped with profilewatch."""
    return Path(str(resources.files("profilewatch") / "rules"))


def load_rules(extra_dirs: list[str] | None = None) -> RuleSet:
    """Load the built-in packs plus every ``*.yaml`` in ``extra_dirs``."""
    files = sorted(builtin_dir().glob("*.yaml"))
    fixtures = sorted((builtin_dir() / "fixtures").glob("*"))
    for d in extra_dirs or []:
        path = Path(d)
        if not path.is_dir():
            raise RuleError(f"rules folder not found: {d}")
        files += sorted(path.glob("*.yaml"))
        fixtures += sorted((path / "fixtures").glob("*")) if (path / "fixtures").is_dir() else []
    rules = RuleSet(fixtures=fixtures)
    digest = hashlib.sha256()
    for f in files:
        raw = f.read_bytes()
        digest.update(f.name.encode() + b"\0" + raw + b"\0")
        try:
            doc = yaml.load(raw, Loader=_LOADER)  # noqa: S506 - a safe loader (libyaml's when built)
        except yaml.YAMLError as exc:
            raise RuleError(f"{f}: not valid YAML: {exc}") from exc
        if not isinstance(doc, dict):
            raise RuleError(f"{f}: a rule pack must be a mapping")
        if "glosses" in doc:
            _load_glosses(doc, f, rules)
        elif "calibration" in doc:
            _load_calibration(doc, f, rules)
        elif "cues" in doc:
            _load_cues(doc, f, rules)
        else:
            _load_pack(doc, f, rules)
    missing = [k for k in CUE_KINDS if k not in rules.cues]
    if missing:
        raise RuleError(f"no cue pack defines: {', '.join(missing)}")
    rules.digest = "sha256:" + digest.hexdigest()
    return rules


def _strings(value, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleError(f"{where}: expected a list of strings")
    return value


def _folded_lists(doc: dict, key: str, allowed: tuple[str, ...], path: Path, what: str):
    """Yield ``(name, folded words)`` for a mapping of lists such as ``terms`` or ``cues``."""
    mapping = doc[key]
    if not isinstance(mapping, dict):
        raise RuleError(f"{path}: '{key}' must map a {what} to a list")
    for name, words in mapping.items():
        if name not in allowed:
            raise RuleError(f"{path}: unknown {what} {name!r} (known: {', '.join(allowed)})")
        yield name, [f for f in (fold_term(w) for w in _strings(words, f"{path}: {key}.{name}")) if f]


def _load_glosses(doc: dict, path: Path, rules: RuleSet) -> None:
    mapping = doc["glosses"]
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        raise RuleError(f"{path}: 'glosses' must map a term to its English gloss (strings)")
    for term, gloss in mapping.items():
        if fold_term(term):
            rules.glosses[fold_term(term)] = gloss.strip()


def _load_calibration(doc: dict, path: Path, rules: RuleSet) -> None:
    spec = doc["calibration"]
    curves = spec.get("curves") if isinstance(spec, dict) else None
    if not isinstance(curves, dict):
        raise RuleError(f"{path}: 'calibration' needs 'curves': a mapping of group to [score, confidence] knots")
    for group, knots in curves.items():
        try:
            pairs = [(float(x), float(y)) for x, y in knots]
        except (TypeError, ValueError) as exc:
            raise RuleError(f"{path}: calibration curve {group!r}: knots must be [score, confidence] pairs") from exc
        if pairs != sorted(pairs) or any(not 0 <= y <= 1 for _, y in pairs):
            raise RuleError(f"{path}: calibration curve {group!r} must rise and stay within 0..1")
        rules.calibration.curves[str(group)] = pairs
    rules.calibration.fitted_on = dict(spec.get("fitted_on") or {})


def _load_cues(doc: dict, path: Path, rules: RuleSet) -> None:
    for kind, words in _folded_lists(doc, "cues", CUE_KINDS, path, "cue kind"):
        rules.cues.setdefault(kind, []).extend(words)
    rules.excludes.extend(fold_term(w) for w in _strings(doc.get("exclude"), f"{path}: exclude"))
    rules.muted.extend(f for f in (fold_term(w) for w in _strings(doc.get("mute"), f"{path}: mute")) if f)
    _load_examples(doc, path, "cues", rules)


def _load_pack(doc: dict, path: Path, rules: RuleSet) -> None:
    for key in ("id", "category", "terms"):
        if key not in doc:
            raise RuleError(f"{path}: missing '{key}'")
    category = doc["category"]
    if category not in CATEGORIES:
        raise RuleError(f"{path}: unknown category {category!r}")
    pack = Pack(str(doc["id"]), category, str(doc.get("name", doc["id"])),
                str(doc.get("description", "")).strip(), _strings(doc.get("references"), f"{path}: references"),
                str(path))
    rules.packs.append(pack)
    for role, words in _folded_lists(doc, "terms", TERM_ROLES, path, "term role"):
        rules.terms.extend(Term(w, category, role, pack.id) for w in words)
    for p in doc.get("patterns") or []:
        if not isinstance(p, dict) or "regex" not in p or "name" not in p:
            raise RuleError(f"{path}: each pattern needs 'name' and 'regex'")
        role = p.get("role", "group")
        if role not in TERM_ROLES:
            raise RuleError(f"{path}: pattern {p['name']!r}: unknown role {role!r}")
        try:
            regex = re.compile(p["regex"])
        except re.error as exc:
            raise RuleError(f"{path}: pattern {p['name']!r}: bad regex: {exc}") from exc
        anchors = tuple(a.lower() for a in _strings(p.get("anchors"), f"{path}: pattern {p['name']} anchors"))
        rules.patterns.append(Pattern(regex, str(p["name"]), category, role, pack.id, anchors))
    rules.excludes.extend(fold_term(w) for w in _strings(doc.get("exclude"), f"{path}: exclude"))
    _load_examples(doc, path, pack.id, rules)


def _load_examples(doc: dict, path: Path, pack: str, rules: RuleSet) -> None:
    examples = doc.get("examples") or {}
    for label in ("flag", "clean"):
        for ex in examples.get(label) or []:
            if isinstance(ex, str):
                ex = {"text": ex}
            if not isinstance(ex, dict) or "text" not in ex:
                raise RuleError(f"{path}: each example needs 'text'")
            kind = ex.get("kind")
            allowed = FLAG_KINDS if label == "flag" else CLEAN_KINDS
            if kind is not None and kind not in allowed:
                raise RuleError(f"{path}: example kind {kind!r} is not a {label} kind")
            rules.examples.append(Example(ex["text"], label == "flag", kind, ex.get("context", "prose"), pack))
