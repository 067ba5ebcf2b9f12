"""Are a claim's terms still in a snapshot?  The check behind ``removed`` vs ``no_longer_flagged``.

A flag claim that is not flagged in a later capture has either been deleted by the vendor or
missed by the detector on that capture (a reworded neighbourhood, a lost cue).  Only the first
is a ``removed`` event, and it needs the claim's matched terms to be *gone* from the later
snapshot.  :class:`~profilewatch.history.timeline.TimelineBuilder` decides that in two steps:

1. from the scan records it already has: any finding of the later snapshot (a clean-kind finding
   such as ``reporting`` or ``record_field``, or a flag finding of another claim) carrying one of
   the claim's terms (folded) shows the terms are still there -- no text needed;
2. otherwise it asks :func:`unit_texts` for the text of just those snapshots (typically a handful)
   and looks the folded terms up in the folded text with :func:`find_terms`.

:func:`unit_texts` re-reads the scanned inputs (plain files, and the records of WARC files and
other containers one level deep) and extracts text with the scanner's own extractors, so the
check sees the same text the detector saw; it keeps only the units asked for.  This is a
second read of a few units at the end of a scan, chosen over carrying a term index for every
unit through the record stream (which would change the output contract and cost memory).
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..extract import EXTRACTORS
from ..options import ScanOptions
from ..records import Unit
from ..sources.containers import OPENERS
from ..sources.sniff import sniff
from ..sources.walk import walk
from ..text.normalize import fold_term, normalize

Key = tuple[str, "str | None"]
QUOTE = 120  # characters of context each side of a term found in a snapshot's text


def find_terms(text: str, terms: Iterable[str]) -> tuple[list[str], str] | None:
    """``(terms found, quoted passage)`` when any of ``terms`` (folded) is in ``text``, else ``None``."""
    norm = normalize(text)
    found, first = [], None
    for term in sorted(set(terms)):
        folded = fold_term(term)
        at = norm.text.find(folded) if folded else -1
        if at >= 0:
            found.append(term)
            if first is None or at < first[0]:
                first = (at, at + len(folded))
    if first is None:
        return None
    start, end = norm.span(max(0, first[0] - QUOTE), min(len(norm.text), first[1] + QUOTE))
    return found, " ".join(norm.original[start:end].split())


def terms_state(terms: list[str], hits: Iterable, where: Key, texts: dict | None,
                need: set) -> tuple[str, list[str], str]:
    """``("present", terms found, quote)``, ``("absent", [], "")`` or ``("unknown", [], "")``.

    ``hits``: the snapshot's other findings (:class:`~profilewatch.history.claims.Hit`);
    ``texts``: the texts read so far (``None`` value: unreadable); a snapshot not in it yet
    is added to ``need`` and is ``unknown`` for now.
    """
    folded = {fold_term(x) for x in terms}
    for h in hits:
        common = sorted({x for x in h.terms if fold_term(x) in folded})
        if common:
            return "present", common, h.text
    if texts is None or texts.get(where) is None:
        if texts is not None and where not in texts:
            need.add(where)
        return "unknown", [], ""
    found = find_terms(texts[where], terms)
    return ("present", *found) if found else ("absent", [], "")


def _text(unit: Unit) -> str | None:
    fmt = sniff(unit.data, unit.name, unit.hint)
    if fmt not in EXTRACTORS:
        return None
    return "\n".join(seg.text for seg in EXTRACTORS[fmt](unit))


def unit_texts(paths: Iterable[str | Path], wanted: set[Key], options: ScanOptions | None = None) -> dict[Key, str]:
    """The extracted text of the units ``(file, member)`` in ``wanted`` found under ``paths``.

    Top-level files and the children of containers (WARC records, archive members) one level
    deep; a unit that cannot be read or extracted is left out (the caller treats it as unknown).
    """
    limits = (options or ScanOptions()).limits
    out: dict[Key, str] = {}
    files = {f for f, _ in wanted}
    for item in walk([str(p) for p in paths]):
        if not isinstance(item, Unit) or item.file not in files:
            continue
        if not item.data and item.path:
            item.data = Path(item.path).read_bytes()
        try:
            fmt = sniff(item.data, item.name, item.hint)
            children = OPENERS[fmt](item, limits) if fmt in OPENERS else ()
            for unit in [item, *children]:
                if isinstance(unit, Unit) and unit.key in wanted and unit.key not in out:
                    text = _text(unit)
                    if text is not None:
                        out[unit.key] = text
        except Exception:  # a damaged input: its units stay unknown, never "gone"
            continue
    return out
