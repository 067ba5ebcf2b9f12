"""The detector: segments of a unit in, findings out.

Per segment: the gate automaton runs over the raw lower-cased text; a segment without a gate
hit is done.  Otherwise the text is normalised (whole, or only the regions around gate hits
when the segment is large), terms and cues are matched, term hits are grouped into passages
(hits whose sentences -- lines, in code -- overlap), and each passage is classified (see
:mod:`.classify`).  A passage is one finding, whatever the number of categories it names: its
``categories`` lists them all, ``category`` is the lead term's (see ``lead_rank``).  The
unit's genre (report, study, tooling) is judged from all of its normalised text before any
passage is classified (for a large unit: every normalised piece, and the first ``KEEP_BYTES`` of
its other segments -- memory stays bounded whatever the number of segments).
"""
from __future__ import annotations

import bisect
import hashlib
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..text.encoding import scrub
from ..text.normalize import Normalized, normalize
from ..records import FLAG_KINDS, Finding, LimitHit, Segment, Unit
from .classify import STRONG_ROLES, STRUCTURED as _STRUCTURED, Genre, Verdict, classify, lead_rank
from .bytegate import ByteGate
from .lexicon import Gate
from .matcher import CueMatcher, Hit, Matcher
from .rules import RuleSet

REGION = 1500  # characters kept on each side of a gate hit in a large segment
LARGE = 4096  # segments longer than this are normalised only around gate hits
GENRE_LIMIT = 1 << 20  # segments longer than this are not read again for the unit's genre
KEEP_BYTES = 32 << 20  # about this much of a unit's segments is kept for the genre pass (memory bound)
WIDE = 220  # cue window on each side of a passage
SNIPPET = 160  # evidence characters on each side of the match
_BOUNDARY = re.compile(r"[。！？；!?;\n]|\.\s")
_BOUNDARY_AT = re.compile(r"(?=[。！？；!?;\n]|\.\s)")  # every position _BOUNDARY matches at, overlapping
_WS = re.compile(r"\s+")
# lines of code that use nothing: an import statement, and code commented out (a comment line whose body is a
# call or an assignment: `# "race": build_model("Race")`, `// $attrs = 'gender,age,race';`); explanatory
# comments (`// 人种 1:黄种人 2:黑种人`) are not matched
_UNUSED_LINE = re.compile(r"[^\S\n]*(?:from[^\S\n]+[\w. ]+[^\S\n]+import\b[^\n]*|import[^\S\n]+[\w. ,]+$"
                          r"|(?:#|//)[^\n]*?(?:\w[^\S\n]*\([^\n]*\)|[\w\]'\"][^\S\n]*=[^\S\n]*['\"\w\[{(])[^\n]*$)", re.M)
# a UI-strings bundle by its path: an i18n/locale/lang folder, or a locale-named resource file
_UI_STRINGS = re.compile(r"(?:^|[/\\])(?:i18n|l10n|locales?|lang|langs|translations?)[/\\]"
                         r"|(?:^|[/\\._-])[a-z]{2}[-_][A-Z]{2}\.(?:json|js|properties|ya?ml|po|strings|xml|ts)$"
                         r"|\bi18n\b[^/\\]*$")


_MARKDOWN = re.compile(r"\.(?:md|markdown|mdx|rst)$", re.I)  # a README or doc page by its name


class PartialResult(Exception):
    """A limit stopped a unit's segments: ``findings`` were found before it, ``cause`` is the limit."""

    def __init__(self, findings: list[Finding], cause: BaseException) -> None:
        super().__init__(str(cause))
        self.findings = findings
        self.cause = cause
        self.limit = getattr(cause, "limit", None) or "unit_seconds"


@dataclass(slots=True)
class _Piece:
    """A normalised stretch of a segment: ``base`` is its offset in ``segment.text``."""

    segment: Segment
    base: int
    norm: Normalized
    terms: list[Hit]
    cues: list[Hit]
    cue_ends: list[int] | None = None
    """The cues' ends when they come in order of their ends (the matcher's order), for
    :func:`_within`; ``[]``: not in that order (set on first use)."""


def _within(piece: _Piece, start: int, end: int) -> list[Hit]:
    """``[c for c in piece.cues if start <= c.start and c.end <= end]``: in the cues ordered by
    their ends, the ones ending in ``[start, end]`` found by bisection, then filtered by start
    (a passage's neighbourhood is a few hundred characters of a piece with many cues)."""
    cues = piece.cues
    if piece.cue_ends is None:
        ends = [c.end for c in cues]
        piece.cue_ends = ends if all(a <= b for a, b in zip(ends, ends[1:])) else []
    ends = piece.cue_ends
    if not ends:
        return [c for c in cues if start <= c.start and c.end <= end]
    lo, hi = bisect.bisect_left(ends, start), bisect.bisect_right(ends, end)
    return [c for c in cues[lo:hi] if start <= c.start]


class Detector:
    """Turns segments into findings with the loaded rule set; safe to share across units."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.gate = Gate(rules)
        self.bytegate: ByteGate | None = ByteGate(self.gate)
        """The bytes-level gate (:mod:`.bytegate`); ``None`` switches it off (same findings, slower)."""
        self.matcher = Matcher(rules)
        self.genre_cues = CueMatcher(rules, lambda kind, word: Genre.slot(kind, word) is not None)
        """The cues the genre reads (:meth:`Genre.add`), alone: the genre pass over a unit's other text."""
        # called with (unit, terms, near, wide, context, genre, verdict) for every classified passage,
        # the rejected ones too (verdict None): for training and audits (scripts/train_model.py)
        self.observer: Callable | None = None

    def detect(self, unit: Unit, segments: Iterable[Segment], deadline: float | None = None,
               prefilter: bool = False) -> list[Finding]:
        """All findings of one unit (deduplicated by fingerprint and location).

        With ``prefilter`` the bytes-level gate runs over the unit's raw bytes, then the gate over
        the whole decoded unit, and a unit without a hit is done before its (lazy) segments are
        extracted at all: for text formats whose segments are transformations the gate's
        surface forms cover."""
        if prefilter:
            verdict, text = (None, None) if self.bytegate is None or unit.streamed else self.bytegate.decided(unit.data, unit.charset)
            if verdict is False:
                return []  # not decoded for the text layer: the bytes hold no gate spelling in any encoding
            if text is not None:
                unit.known_text(text)  # (the text layer's own decode, done by the gate to tell the encoding)
            if verdict is None and not self.gate.any(unit.text().lower(), unit.text()):
                return []  # (True: the bytes showed a hit the text gate passes too)
        pieces: list[_Piece] = []  # only pieces with term hits: the others' cues go to the genre at once
        genre = Genre()
        kept: list[Segment] = []  # segments for the genre pass (not kept when streamed, nor past KEEP_BYTES)
        budget = 0 if unit.streamed else KEEP_BYTES
        stopped: BaseException | None = None
        if deadline is not None and (unit.deadline is None or deadline < unit.deadline):
            unit.deadline = deadline  # extractors check it inside their loops (Unit.check_time)
        it = iter(segments)
        while True:
            try:
                seg = next(it)
            except StopIteration:
                break
            except (LimitHit, TimeoutError) as exc:  # keep what was found: a partial unit
                stopped = exc
                break
            except Exception as exc:
                if not getattr(exc, "limit", None):
                    raise
                stopped = exc
                break
            text, bad = scrub(seg.text)
            if bad:  # lone surrogates (json.loads of "\ud83d"): replaced, counted on the unit
                seg.text = text
                unit.decode_errors += bad
            found = self._pieces(seg)
            unit.decode_errors += sum(_escaped_surrogates(p.norm) for p in found)
            for piece in found:
                genre.add(piece.cues)
                if piece.terms:
                    pieces.append(piece)
            whole = len(found) == 1 and len(found[0].norm.original) == len(seg.text)
            if budget > 0 and not whole and len(seg.text) <= GENRE_LIMIT:  # else: read already, or too large
                budget -= 2 * len(seg.text) + 400
                kept.append(seg)
            try:
                unit.check_time("between segments")
            except LimitHit as exc:
                stopped = exc
                break
        if not self._genre(genre, pieces, kept, unit.deadline if stopped is None else float("-inf")) and stopped is None:
            stopped = LimitHit("unit_seconds", "unit took longer than unit_seconds, in the document-genre pass")
        del kept
        genre.ui_strings = bool(_UI_STRINGS.search(unit.member or unit.file or ""))
        genre.markdown = bool(_MARKDOWN.search(unit.member or unit.file or ""))
        findings: list[Finding] = []
        seen: set[tuple] = set()
        for piece in pieces:
            lines = 2 if piece.segment.context in ("code", "data", "binary") else 0
            for group, span in _passages(piece.norm.text, piece.terms, lines):
                for finding in self._findings(unit, piece, group, span, genre):
                    ev = finding.evidence
                    key = (finding.fingerprint, ev.get("line"), ev.get("page"), ev.get("byte_offset"))
                    if key not in seen:
                        seen.add(key)
                        findings.append(finding)
        if stopped is not None:
            for finding in findings:
                finding.partial = True
            raise PartialResult(findings, stopped)
        return findings

    def _genre(self, genre: Genre, pieces: list[_Piece], kept: list[Segment], deadline: float | None) -> bool:
        """What the unit is (report, study, statement...), added to ``genre`` (which holds the cues of
        every normalised piece already).  Only a unit with a candidate passage (a strong term) pays
        for reading the rest of its kept text for cues.  False when ``deadline`` stopped it (the
        genre is then the pieces' alone, and the unit is partial)."""
        if not any(h.term.role in STRONG_ROLES for p in pieces for h in p.terms):
            return True
        for seg in kept:
            if deadline is not None and time.monotonic() > deadline:
                return False
            genre.add(self.genre_cues.scan(normalize(seg.text, keep_lines=seg.context != "prose").text))
        return True

    def _pieces(self, seg: Segment) -> list[_Piece]:
        text = seg.text
        lower = text.lower()
        if len(text) <= LARGE:
            if not self.gate.any(lower, text):
                return []
            regions = [(0, len(text))]
        else:
            regions = self.gate.regions(lower, text, REGION, len(text))
        out = []
        for start, end in regions:
            norm = normalize(text[start:end], keep_lines=seg.context != "prose")
            terms, cues = self.matcher.scan(norm.text)
            out.append(_Piece(seg, start, norm, terms, cues))
        return out

    def _findings(self, unit: Unit, piece: _Piece, group: list[Hit], span: tuple[int, int],
                  genre: Genre) -> list[Finding]:
        """The finding of a classified passage (none if unclassified)."""
        text = piece.norm.text
        g_start = min(h.start for h in group)
        g_end = max(h.end for h in group)
        s_start, s_end = span
        w_start, w_end = max(0, g_start - WIDE), min(len(text), g_end + WIDE)
        if piece.segment.context == "prose":  # in prose, the neighbourhood ends with the paragraph
            w_start = max(w_start, text.rfind("\n", 0, s_start) + 1)
            stop = text.find("\n", s_end)
            w_end = min(w_end, stop if stop >= 0 else len(text))
        near = _within(piece, s_start, s_end)
        wide = _within(piece, w_start, w_end)
        context = piece.segment.context
        if context == "prose" and _STRUCTURED.search(piece.norm.original, *piece.norm.span(s_start, s_end)):
            context = "data"  # a table row, code span or JSON inside prose: API docs, field lists
        if text[s_end : s_end + 1] in ("?", "？"):
            return []  # a question claims nothing ("Can the SDK estimate ethnicity? No.")
        if piece.segment.context == "code" and all(_unused(text, h.start) for h in group):
            return []  # the terms are only imported or in code commented out: nothing runs them
        verdict = classify(group, near, wide, context, genre)
        if self.observer is not None:
            self.observer(unit, group, near, wide, context, genre, verdict)
        if verdict is None:
            return []
        return [self._build(unit, piece, group, verdict, (s_start, s_end))]

    def _build(self, unit: Unit, piece: _Piece, group: list[Hit], verdict: Verdict,
               sentence: tuple[int, int]) -> Finding:
        lead = max((h for h in group if h.term.category in verdict.categories),
                   key=lambda h: lead_rank(h.text, h.term.category, h.term.role))
        category = lead.term.category
        rule = f"{category}/{verdict.kind}"
        terms = sorted({h.text for h in group})
        described = sorted({f"{h.text} ({h.term.category}, {h.term.role})" for h in group})
        cue_text = "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(verdict.cues.items()))
        explanation = f"{verdict.kind} — {verdict.reason}. Terms: {', '.join(described)}." + (
            f" Cues: {cue_text}." if cue_text else " No context cues."
        )
        return Finding(
            file=unit.file,
            member=unit.member,
            kind=verdict.kind,
            category=category,
            categories=[category, *(c for c in verdict.categories if c != category)],
            rule=rule,
            confidence=self.rules.calibration.confidence(verdict.kind, verdict.confidence),
            score=verdict.confidence,
            evidence=_evidence(piece, group, lead, sentence),
            sha256=unit.sha256,
            explanation=explanation,
            fingerprint=fingerprint(rule, terms, piece.norm.text[sentence[0] : sentence[1]]),
            flag=verdict.kind in FLAG_KINDS,
            terms=terms,
            cues=verdict.cues,
            provenance=unit.meta.get("warc"),
            gloss=self._gloss(terms, verdict.cues),
            text_source="ocr" if piece.segment.ocr is not None else None,
        )

    def _gloss(self, terms: list[str], cues: dict[str, list[str]]) -> dict[str, str] | None:
        glosses = self.rules.glosses
        words = [*terms, *(w for ws in cues.values() for w in ws)]
        found = {w: glosses[w] for w in words if w in glosses}
        return found or None


def fingerprint(rule: str, terms: list[str], sentence: str) -> str:
    """Stable identity of a finding: rule, normalised terms and normalised sentence without
    whitespace -- no path, line or time, so it survives rescans, moves and reflowed markup."""
    key = "\0".join([rule, ",".join(sorted(terms)), _WS.sub("", sentence)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _evidence(piece: _Piece, group: list[Hit], lead: Hit, sentence: tuple[int, int]) -> dict:
    """The original snippet (the sentence, at most SNIPPET characters each side of the match),
    the original match and every matched spelling, and the locator of the match."""
    norm, seg = piece.norm, piece.segment
    original = norm.original
    m_start, m_end = norm.span(lead.start, lead.end)
    s0, s1 = norm.span(*sentence)
    snip_start = _word_start(original, max(m_start - SNIPPET, 0, min(s0, m_start)), m_start)
    snip_end = _word_end(original, min(m_end + SNIPPET, len(original), max(s1, m_end)), m_end)
    match = original[m_start:m_end]
    evidence: dict = {
        "text": original[snip_start:snip_end].strip(),
        "cut": {"start": snip_start > 0 and snip_start > s0, "end": snip_end < len(original) and snip_end < s1},
        "match": match,
        "matches": sorted({original[slice(*norm.span(h.start, h.end))] for h in group}),
    }
    evidence.update(_locate(seg, piece.base + m_start, match))
    if seg.where:
        evidence["where"] = dict(seg.where)
    return evidence


def _wordy(c: str) -> bool:
    """A character that belongs to a space-separated word (not CJK: any CJK character is a boundary)."""
    return c.isalnum() and ord(c) < 0x2E80


def _word_start(text: str, i: int, limit: int) -> int:
    """``i`` moved forward (at most to ``limit``) so that the snippet does not start mid-word."""
    j = i
    while 0 < j < limit and _wordy(text[j - 1]) and _wordy(text[j]):
        j += 1
    return j


def _word_end(text: str, i: int, limit: int) -> int:
    """``i`` moved back (not before ``limit``) so that the snippet does not end mid-word."""
    j = i
    while limit < j < len(text) and _wordy(text[j - 1]) and _wordy(text[j]):
        j -= 1
    return j


# a statement commented out after the code: a literal ending in ";" (`//'gender,age,race';`), not a note (`# 'a' / 'b'`)
_TRAILING = re.compile(r"(?:^|(?<=[\s;,)]))(?://|#)[^\S\n]*(?=['\"][^\n]*['\"][^\S\n]*;[^\S\n]*$)", re.M)


def _unused(text: str, pos: int) -> bool:
    """Is the line of normalised code around ``pos`` an import statement or code commented out (a whole
    line, or a literal commented out after the code: ``$p = 'none'; //'gender,age,race'``)?"""
    start = text.rfind("\n", 0, pos) + 1
    m = _UNUSED_LINE.match(text, start)
    if m is not None and m.end() >= pos:
        return True
    end = text.find("\n", pos)
    return any(c.start() < pos for c in _TRAILING.finditer(text, start, end if end >= 0 else len(text)))


def _escaped_surrogates(norm: Normalized) -> int:
    """Lone surrogates written as escapes (``\\ud83d``), which normalisation replaced by U+FFFD."""
    if "\ufffd" not in norm.text:
        return 0
    return max(0, norm.text.count("\ufffd") - norm.original.count("\ufffd"))


def _passages(text: str, terms: list[Hit], lines: int) -> list[tuple[list[Hit], tuple[int, int]]]:
    """Group term hits whose sentences overlap into passages: ``(hits, sentence span)``."""
    out: list[tuple[list[Hit], tuple[int, int]]] = []
    for h in sorted(terms, key=lambda h: h.start):
        start, end = _sentence(text, h.start, h.end, lines)
        if out and start < out[-1][1][1]:
            out[-1][0].append(h)
            out[-1] = (out[-1][0], (out[-1][1][0], max(end, out[-1][1][1])))
        else:
            out.append(([h], (start, end)))
    return out


def _sentence(text: str, start: int, end: int, lines: int = 0) -> tuple[int, int]:
    """The sentence of normalised text around ``[start, end)``; in code and data, plus
    ``lines`` lines on each side (a statement's meaning spans lines there)."""
    floor = max(0, start - 300)
    left = floor  # just after the last boundary in [floor, start): matches overlap, so every position is tried
    for m in _BOUNDARY_AT.finditer(text, floor, start + 1):  # (". " at start - 1 reads text[start])
        if m.start() >= start:
            break
        left = m.start() + 1
    ceiling = min(len(text), end + 300)
    m = _BOUNDARY.search(text, end, ceiling + 1)  # (". " at ceiling - 1 reads text[ceiling])
    right = min(m.start(), ceiling) if m is not None and end < ceiling else (ceiling if end < ceiling else end)
    for _ in range(lines):
        prev = text.rfind("\n", floor, max(left - 1, floor))
        left = prev + 1 if prev >= 0 else left
        nxt = text.find("\n", min(right + 1, ceiling), ceiling)
        right = nxt if nxt >= 0 else right
    return left, right


def _locate(seg: Segment, offset: int, match: str) -> dict:
    """Line/column (or page, byte offset) of a match at ``offset`` in ``seg.text``."""
    loc: dict = {}
    if seg.page is not None:
        loc["page"] = seg.page
    if seg.ocr is not None:
        loc.update(seg.ocr.locate(offset, offset + len(match)))
    if seg.byte_offset is not None:
        loc["byte_offset"] = seg.byte_offset
    if seg.line is not None:
        newlines = seg.text.count("\n", 0, offset)
        loc["line"] = seg.line + newlines
        if newlines:
            loc["column"] = offset - seg.text.rfind("\n", 0, offset)
        elif seg.column is not None:
            loc["column"] = seg.column + offset
    elif seg.source is not None and match:
        pos = _find_in_source(seg.source, match, seg.text[max(0, offset - 8) : offset],
                              seg.text[offset + len(match) : offset + len(match) + 8])
        if pos >= 0:  # (counted in place: no copy of the page up to the match)
            loc["line"] = seg.source.count("\n", 0, pos) + 1
            loc["column"] = pos - seg.source.rfind("\n", 0, pos)
    return loc


def _find_in_source(source: str, match: str, before: str, after: str) -> int:
    """Where an extracted match sits in the page source: of its occurrences, the one whose
    neighbourhood holds the text around the match; -1 if the match is not in the source verbatim
    (decoded entities, split tags) and neither is its longest word."""
    if match not in source:
        match = max(re.findall(r"\w{2,}", match), key=len, default="")
        if not match:
            return -1
    best, best_score = source.find(match), -1
    pos = best
    for _ in range(64):
        if pos < 0:
            break
        window = source[max(0, pos - 200) : pos + len(match) + 200]
        score = (bool(before.strip()) and before.strip() in window) + (bool(after.strip()) and after.strip() in window)
        if score > best_score:
            best, best_score = pos, score
            if score == 2:
                break
        pos = source.find(match, pos + 1)
    return best

