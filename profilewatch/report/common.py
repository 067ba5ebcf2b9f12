"""Helpers shared by the document writers (HTML, SARIF, CSV, Markdown).

Everything in a finding -- text, match, file and member names, WARC URIs -- comes from the
scanned material and is treated as hostile: the helpers here never build markup, they split
text into typed pieces that each writer escapes in its own way.

:class:`DocumentWriter` collects the stream and renders once at the end; :class:`PathPolicy`
keeps absolute paths of the scanning machine out of reports unless asked
(``show_paths="absolute"``).
"""
from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from typing import Any, TextIO

from . import Writer
from ..records import CATEGORIES, CLEAN_KINDS, FLAG_KINDS

KIND_TEXT = {
    "capability_claim": "says a product can infer {cat} from a person's appearance or analyse people by it",
    "implementation": "code, SDK header, API schema or configuration that outputs, stores or exposes an inferred {cat}",
    "targeting_rule": "an alarm, watchlist, search, filter, quota or special handling keyed on a group defined by {cat}",
    "record_field": "a {cat} field copied from an identity document or a form, with no inference and no targeting",
    "disclaimer": "a statement that a product does not or no longer does {cat} categorisation",
    "reporting": "news, NGO or research text about {cat} categorisation, even when it quotes it",
    "evaluation": "a fairness or accuracy study measuring performance across {cat} groups",
    "unrelated": "another use of a {cat} term (language lists, census tables, 'race condition'...)",
}
CATEGORY_LABEL = {
    "ethnicity": "ethnicity",
    "skin_color": "skin colour",
    "religion": "religion",
    "political_opinion": "political opinion",
    "trade_union": "trade-union membership",
    "sexual_orientation": "sexual orientation",
}
SEVERITY = {"error": 0, "warning": 1, "note": 2}


def kind_label(kind: str) -> str:
    return kind.replace("_", " ")


def category_label(category: str) -> str:
    return CATEGORY_LABEL.get(category, category.replace("_", " "))


def verdict(finding: dict[str, Any]) -> str:
    """The reader's word: ``flag`` for flag kinds, ``context`` for clean kinds (shown so the reader
    sees why a passage was not flagged).  SARIF keeps its own levels (:func:`level`)."""
    return "flag" if finding.get("flag", finding.get("kind") in FLAG_KINDS) else "context"


def level(finding: dict[str, Any]) -> str:
    """SARIF-style severity: flag kinds are ``error`` (confidence >= 0.7) or ``warning``; clean kinds ``note``."""
    if not finding.get("flag", finding.get("kind") in FLAG_KINDS):
        return "note"
    return "error" if _num(finding.get("confidence")) >= 0.7 else "warning"


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


# -- hidden and confusable characters -------------------------------------------------------

def is_hidden(ch: str) -> bool:
    """Characters that would be invisible or reorder text (bidi overrides, zero-width, controls)."""
    if ch in "\n\t":
        return False
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn")


def hidden_label(ch: str) -> str:
    """How a hidden character is shown: its code point, e.g. ``U+202E``."""
    return f"U+{ord(ch):04X}"


def reveal(text: str) -> str:
    """Plain-text form with hidden characters written as ``<U+202E>``."""
    return "".join(f"<{hidden_label(c)}>" if is_hidden(c) else c for c in text)


_SCRIPT_WORD = re.compile(r"\w+")
_SCRIPTS_OF_INTEREST = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC", "FULLWIDTH")


def mixed_script(text: str) -> bool:
    """True when a word mixes Latin letters with look-alike scripts (``Uуghur`` with a Cyrillic у)."""
    for word in _SCRIPT_WORD.findall(text or ""):
        scripts = set()
        for c in word:
            if c.isalpha():
                name = unicodedata.name(c, "")
                first = name.split(" ", 1)[0]
                if first in _SCRIPTS_OF_INTEREST:
                    scripts.add(first)
        if len(scripts) > 1:
            return True
    return False


# -- highlighting ---------------------------------------------------------------------------

def needles(finding: dict[str, Any]) -> list[str]:
    """The strings to highlight: the match, each entry of ``matches`` and the matched terms."""
    ev = finding.get("evidence") or {}
    out: list[str] = []
    for value in [ev.get("match"), *(ev.get("matches") or []), *(finding.get("terms") or [])]:
        if isinstance(value, dict):
            value = value.get("match") or value.get("text")
        if isinstance(value, str) and value.strip():
            out.append(value)
    return out


def match_spans(text: str, finding: dict[str, Any]) -> list[tuple[int, int]]:
    """Character spans of ``text`` to highlight, merged and sorted.

    Offsets given in ``evidence.matches`` (``start``/``end``) are used when they fall inside
    the text; otherwise the needles are looked up case-insensitively.
    """
    spans: list[tuple[int, int]] = []
    ev = finding.get("evidence") or {}
    for m in ev.get("matches") or []:
        if isinstance(m, dict) and isinstance(m.get("start"), int) and isinstance(m.get("end"), int):
            if 0 <= m["start"] < m["end"] <= len(text):
                spans.append((m["start"], m["end"]))
    words = sorted(set(needles(finding)), key=len, reverse=True)
    if words:
        pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
        spans += [(m.start(), m.end()) for m in pattern.finditer(text) if m.end() > m.start()]
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def pieces(text: str, spans: list[tuple[int, int]] = ()) -> list[tuple[str, bool, str]]:
    """Split ``text`` into ``(kind, highlighted, text)`` runs; kind is ``text`` or ``hidden``.

    A ``hidden`` piece holds one invisible character's label (``U+202E``); writers show it as a
    visible badge, so an override can never reorder the report.  The caller escapes each piece.
    """
    out: list[tuple[str, bool, str]] = []
    pos = 0
    for s, e in [*spans, (len(text), len(text))]:
        s, e = max(s, pos), min(e, len(text))
        if s > pos:
            _split_hidden(text[pos:s], False, out)
        if e > s:
            _split_hidden(text[s:e], True, out)
        pos = max(pos, e)
    return out


def _split_hidden(chunk: str, hit: bool, out: list[tuple[str, bool, str]]) -> None:
    if chunk.replace("\n", "").replace("\t", "").isprintable():  # fast path: nothing hidden
        out.append(("text", hit, chunk))
        return
    start = 0
    for i, ch in enumerate(chunk):
        if is_hidden(ch):
            if i > start:
                out.append(("text", hit, chunk[start:i]))
            out.append(("hidden", hit, hidden_label(ch)))
            start = i + 1
    if start < len(chunk):
        out.append(("text", hit, chunk[start:]))


def clip(text: str, limit: int = 4000) -> tuple[str, bool]:
    """At most ``limit`` characters of ``text`` and whether it was cut."""
    return (text, False) if len(text) <= limit else (text[:limit], True)


# -- locators -------------------------------------------------------------------------------

def warc_parts(finding: dict[str, Any]) -> tuple[str | None, str | None]:
    """(target URI, date) of a WARC record unit, from provenance or the member string."""
    prov = finding.get("provenance") or {}
    uri, date = prov.get("target_uri"), prov.get("date")
    member = finding.get("member")
    if (uri is None or date is None) and member and "!/" not in member and " " in member:
        head, _, tail = member.rpartition(" ")
        if re.match(r"^\d{4}-\d\d-\d\d", tail) or prov:
            uri, date = uri or head, date or tail
    return uri, date


def is_warc(finding: dict[str, Any]) -> bool:
    prov = finding.get("provenance") or {}
    if prov.get("record_id") or prov.get("target_uri"):
        return True
    return warc_parts(finding)[0] is not None


def member_chain(finding: dict[str, Any]) -> list[str]:
    """Archive member chain (``a.tar.gz!/b.txt`` -> ``["a.tar.gz", "b.txt"]``); empty for WARC."""
    member = finding.get("member")
    if not member or is_warc(finding):
        return []
    return member.split("!/")


def place(ev: dict[str, Any]) -> list[tuple[str, Any]]:
    """Human locator fields present in evidence: page, line, column, byte offset, where."""
    out = []
    for key, label in (("page", "page"), ("line", "line"), ("column", "column"), ("byte_offset", "byte")):
        if ev.get(key) is not None:
            out.append((label, ev[key]))
    where = ev.get("where")
    if isinstance(where, dict):
        out += [(str(k), v) for k, v in where.items() if v not in (None, "", [], {})]
    return out


# -- paths ----------------------------------------------------------------------------------

class PathPolicy:
    """Shows file paths relative to the scanned roots (default) or absolute on this machine.

    Records carry paths relative to the path given on the command line; the header's
    ``arguments`` carry those given paths, which may be absolute.  In ``relative`` mode a
    given path is shown by its last component only and absolute prefixes are removed from
    messages; in ``absolute`` mode record paths are joined to the matching root.
    """

    def __init__(self, mode: str = "relative", arguments: dict[str, Any] | None = None) -> None:
        if mode not in ("relative", "absolute"):
            raise ValueError(f"show_paths must be 'relative' or 'absolute', not {mode!r}")
        self.mode = mode
        self.roots = [str(p) for p in (arguments or {}).get("paths") or [] if isinstance(p, str)]
        prefixes = {os.path.abspath(p) for p in self.roots} | {p for p in self.roots if os.path.isabs(p)}
        prefixes.add(os.path.expanduser("~"))
        self._prefixes = sorted((p for p in prefixes if len(p) > 1), key=len, reverse=True)

    def given(self, path: str) -> str:
        """A path given on the command line (header arguments)."""
        if self.mode == "absolute":
            return os.path.abspath(path)
        name = os.path.basename(os.path.normpath(path)) if os.path.isabs(path) or path.startswith("~") or ".." in path else path
        return name or "."

    def file(self, path: str) -> str:
        """A record's ``file`` (relative to its root)."""
        if not path:
            return path
        if self.mode == "relative":
            return self.given(path) if os.path.isabs(path) else path
        if os.path.isabs(path):
            return path
        for root in self.roots:
            base = os.path.abspath(root)
            if os.path.isfile(base) and os.path.basename(base) == path:
                return base
            if os.path.isdir(base) and os.path.exists(os.path.join(base, path)):
                return os.path.join(base, path)
        if len(self.roots) == 1 and os.path.isdir(self.roots[0]):
            return os.path.join(os.path.abspath(self.roots[0]), path)
        return path

    def scrub(self, text: str) -> str:
        """Remove absolute prefixes of the scanning machine from free text (error messages)."""
        if self.mode == "absolute" or not text:
            return text
        for prefix in self._prefixes:
            if prefix in text:
                text = re.sub(re.escape(prefix) + r"/+", "", text)
                text = re.sub(re.escape(prefix) + r"(?![\w.-])", os.path.basename(prefix) or ".", text)
        return text

    def arguments(self, arguments: dict[str, Any] | None) -> dict[str, Any]:
        """The header's arguments with every path shown per the policy."""
        out: dict[str, Any] = {}
        for key, value in (arguments or {}).items():
            if key in ("paths", "rules") and isinstance(value, list):
                out[key] = [self.given(v) if isinstance(v, str) else v for v in value]
            elif key in ("output", "input") and isinstance(value, str):
                out[key] = self.given(value)
            elif isinstance(value, str):
                out[key] = self.scrub(value)
            else:
                out[key] = value
        return out


# -- collecting writer ----------------------------------------------------------------------

class DocumentWriter(Writer):
    """Collects header, records and summary; :meth:`render` writes the document at the end."""

    def __init__(self, out: TextIO, **options: Any) -> None:
        super().__init__(out, **options)
        self.head: dict[str, Any] = {}
        self.findings: list[dict[str, Any]] = []
        self.problems: list[dict[str, Any]] = []
        self.units: list[dict[str, Any]] = []
        self.timeline: list[dict[str, Any]] = []
        self.paths = PathPolicy(options.get("show_paths") or "relative")

    def header(self, record: dict[str, Any]) -> None:
        self.head = dict(record)
        self.paths = PathPolicy(self.options.get("show_paths") or "relative", record.get("arguments"))

    def record(self, record: dict[str, Any]) -> None:
        t = record.get("type")
        if t == "finding":
            self.findings.append(record)
        elif t in ("error", "skipped"):
            self.problems.append(record)
        elif t == "unit":
            self.units.append(record)
        elif t == "timeline":
            self.timeline.append(record)

    def summary(self, record: dict[str, Any]) -> None:
        self.render(record or summarise(self.findings, self.problems, self.units))

    def render(self, summary: dict[str, Any]) -> None:
        raise NotImplementedError


def summarise(findings: list[dict], problems: list[dict], units: list[dict]) -> dict[str, Any]:
    """A summary record rebuilt from records (for saved JSONL without one)."""
    outcomes = Counter(u.get("outcome") for u in units)
    if units:
        seen = sum(v for k, v in outcomes.items() if k != "container")
        counts = {"seen": seen, "scanned": outcomes["scanned"], "skipped": outcomes["skipped"],
                  "error": outcomes["error"], "containers": outcomes["container"], "partial": outcomes["partial"],
                  "inputs": sum(1 for u in units if u.get("member") is None)}
    else:
        scanned = {(f.get("file"), f.get("member")) for f in findings}
        failed = Counter(p.get("type") for p in problems)
        counts = {"seen": len(scanned) + len(problems), "scanned": len(scanned), "skipped": failed["skipped"],
                  "error": failed["error"], "containers": 0}
    by_kind = Counter(f.get("kind") for f in findings)
    by_cat = Counter(c for f in findings for c in f.get("categories") or [f.get("category")])
    return {
        "type": "summary",
        "units": counts,
        "findings": len(findings),
        "flag_findings": sum(1 for f in findings if f.get("flag")),
        "findings_by_kind": dict(sorted((k, v) for k, v in by_kind.items() if k)),
        "findings_by_category": dict(sorted((k, v) for k, v in by_cat.items() if k)),
        "errors": sum(1 for p in problems if p.get("type") == "error"),
        "skipped": sum(1 for p in problems if p.get("type") == "skipped"),
        "computed": True,
    }


def flag_matrix(findings: list[dict]) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    """Flag findings counted by (category, kind); returns the categories, kinds and counts present."""
    counts: Counter = Counter()
    for f in findings:
        if f.get("flag"):
            for c in f.get("categories") or [f.get("category")]:
                counts[(c, f.get("kind"))] += 1
    cats = [c for c in CATEGORIES if any(k[0] == c for k in counts)] + sorted(
        {k[0] for k in counts if k[0] not in CATEGORIES and k[0]})
    kinds = [k for k in FLAG_KINDS if any(x[1] == k for x in counts)] + sorted(
        {x[1] for x in counts if x[1] not in FLAG_KINDS and x[1]})
    return cats, kinds, dict(counts)


def sort_key(finding: dict[str, Any]) -> tuple:
    """Most severe first, then by place in the unit."""
    ev = finding.get("evidence") or {}
    return (SEVERITY[level(finding)], -_num(finding.get("confidence")), finding.get("member") or "",
            ev.get("page") or 0, ev.get("line") or 0, ev.get("byte_offset") or 0)


ALL_KINDS = FLAG_KINDS + CLEAN_KINDS
