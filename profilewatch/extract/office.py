"""Office documents: DOCX, XLSX, PPTX and OpenDocument (ODT/ODS/ODP).

Segments are grouped so the detector sees a claim with its context: one per paragraph, one
per table row (cells joined with `` | ``, ``where["cell_starts"]`` gives each cell's offset in
the text), one per spreadsheet row, one per slide.  What each format reads and its locators are
in the reading modules and docs/containers.md:

* DOCX (:mod:`.wordml`): body paragraphs and tables (tracked insertions read, tracked deletions
  read again as ``"revision": "deleted"``, content controls, text boxes once), headers and
  footers, footnotes, endnotes and comments; ``where["part"]`` names every part but the body.
* XLSX (:mod:`.sheetml`): every sheet including hidden ones, one segment per non-empty row.
* PPTX (:mod:`.slideml`): slides and speaker notes.  ODF (:mod:`.odfml`): ``content.xml``.

These formats are zip files: before any part is parsed, the sizes in the zip directory are
checked against the scan's ``max_member_bytes``, ``max_total_bytes`` and ``max_ratio``
(:func:`.ooxml.check_zip` with ``options.limits``; zipfile never returns more than the size a
member declares, so the check bounds what the parsers can unpack).  Parts are streamed
(:mod:`.xmlstream`); a part with a text node over libxml2's 10 MB cap makes the document be read
again with the streaming parse (:func:`read_twice`), the segments already yielded skipped.

A damaged part (bad XML or deflate in one part, an embedded image that cannot be read) gets an
error record naming it and ends only that part: the parts before and after it are read, the
unit ends ``partial`` (:func:`.ooxml.guarded`, issue 12).  A damaged or missing part listing the
others (content types, relationships, workbook, presentation) is reported so too and the parts
are found without it (:func:`.ooxml.listed`); damage to the zip itself, or no main part to be
found, leaves nothing to read: the unit is an ``error``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..options import Limits
from ..records import Segment, Unit
from . import odfml, sheetml, slideml, wordml
from .ooxml import OfficeError, OfficeLimitExceeded, Package, check_zip, damaged, read_part as _read
from .xmlstream import LongText

__all__ = ["OfficeError", "OfficeLimitExceeded", "check_zip", "FORMATS", "MEDIA"]


def read_twice(read: Callable[[Unit, Package], Iterator[Segment]], unit: Unit, limits: Limits) -> Iterator[Segment]:
    """``read``'s segments of the package; if a part holds a text node over libxml2's cap
    (:class:`~.xmlstream.LongText`), the package is read again with the streaming parse and the
    segments already yielded are skipped (both parses give the same segments up to that node), and
    the damaged parts the first read reported are reported by the second only."""
    done, reported = 0, len(unit.meta.get("problems", ()))
    try:
        for segment in read(unit, check_zip(unit.data, limits)):
            done += 1
            yield segment
        return
    except LongText:
        del unit.meta.get("problems", [])[reported:]  # the second read reports its damaged parts again
    zf = check_zip(unit.data, limits)
    zf.stream_text = True
    for n, segment in enumerate(read(unit, zf)):
        if n >= done:
            yield segment


MEDIA = ("word/media/", "ppt/media/", "xl/media/", "Pictures/")
"""Where DOCX, PPTX, XLSX and ODF keep embedded images (read by OCR with ``--ocr all``)."""


def _extractor(read: Callable[[Unit, Package], Iterator[Segment]], doc: str) -> Any:
    """The extractor of one format: ``read``'s segments under the scan's limits, then (``--ocr
    all``) the OCR text of the document's embedded images."""
    def extract(unit: Unit, options: Any = None) -> Iterator[Segment]:
        limits = options.limits if options is not None else Limits()
        yield from read_twice(read, unit, limits)
        if options is None or options.ocr != "all":
            return
        from . import image
        from ..sources.sniff import sniff

        zf = check_zip(unit.data, limits)
        for name in zf.namelist():
            if name.startswith(MEDIA) and not name.endswith("/"):
                try:
                    data = _read(zf, name)
                except OfficeError as exc:  # a damaged image: reported, the next one read
                    damaged(unit, name, exc)
                    continue
                if sniff(data, name) == "image":
                    yield from image.embedded(unit, data, options, {"media": name})

    extract.takes_options = True  # type: ignore[attr-defined]
    extract.__doc__ = doc
    return extract


FORMATS = {
    "docx": _extractor(wordml.docx, "Segments of a Word document (streamed: see :mod:`.wordml`)."),
    "xlsx": _extractor(sheetml.xlsx, "Segments of an Excel workbook: one per non-empty row of every sheet "
                                     "(streamed: see :mod:`.sheetml`)."),
    "pptx": _extractor(slideml.pptx, "Segments of a PowerPoint presentation: one per slide, one per slide's "
                                     "notes (streamed: see :mod:`.slideml`)."),
    "odf": _extractor(odfml.odf, "Segments of an OpenDocument file, text, spreadsheet or presentation "
                                 "(streamed: see :mod:`.odfml`)."),
}
