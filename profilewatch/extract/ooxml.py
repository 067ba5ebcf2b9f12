"""The zip package under every Office format (OOXML and OpenDocument): limits, parts, XML.

* :func:`check_zip` opens the package after checking the sizes its zip directory declares
  against ``max_member_bytes``, ``max_total_bytes`` and ``max_ratio`` (zipfile never returns more
  than the size a member declares, so the check bounds what any parser can unpack).
* :func:`read_part` / :func:`xml` read a small part whole (defusedxml: entities refused).
* A large part is streamed by :func:`.xmlstream.iter_part` (lxml iterparse, or a streaming
  parse for text nodes past libxml2's 10 MB): the caller clears what it has read.
* :class:`Package` is the opened zip; ``stream_text`` tells :mod:`.xmlstream` which parse to use.
* :class:`TextWindow` gathers the lines of one slide or page into its segment; past
  :data:`WINDOW` characters the text is yielded in windows cut between lines (``where`` gains
  ``"window": i``), so a huge slide never becomes one huge segment.
* Damage (bad zip, bad deflate, bad XML) is an :class:`OfficeError` (reason ``corrupt``).  Damage
  in one part ends that part only (:func:`guarded`): the part gets an error record naming it
  (:func:`damaged`), the segments read before are kept, the next part is read, and the unit ends
  ``partial`` (issue 12).  Damage to a part that lists the others (relationships, content
  types, the workbook, the presentation) is reported so too (:func:`listed`), and the parts are
  found without it (the zip listing, their usual names); damage to the zip itself, or a package
  where no main part can be found, is the unit's error.
* :func:`chosen` / :func:`unchosen`: of an ``mc:AlternateContent`` (markup compatibility, in
  every OOXML format) only the branch an Office reader takes is read.
"""
from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import defusedxml.ElementTree as SafeET

from ..options import Limits
from ..records import LimitHit, Problem, Segment, Unit
from ..sources.unpack import RATIO_FLOOR

SEP = " | "
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_CHOICE, _FALLBACK = MC + "Choice", MC + "Fallback"
OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, KeyError, ValueError)


class OfficeError(ValueError):
    """An Office file that cannot be read; ``reason`` goes into the error record."""

    reason = "corrupt"


class Package(zipfile.ZipFile):
    """An Office zip whose sizes were checked; ``stream_text``: parse its parts with the streaming
    parse (:mod:`.xmlstream`), set when a first read met a text node over libxml2's cap."""

    stream_text = False
    limits: Limits


class OfficeLimitExceeded(LimitHit):
    """A part of the document would unpack beyond the safety limits (``limit`` names the limit)."""


def check_zip(data: bytes, limits: Limits | None = None) -> Package:
    """Open an Office zip after checking its declared sizes and ratios against the limits (the
    scan's ``Limits``; the defaults only when called without a scan)."""
    limits = limits or Limits()
    try:
        zf = Package(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise OfficeError(f"not a readable zip package: {exc}") from exc
    zf.limits = limits
    total = 0
    for info in zf.infolist():
        if info.flag_bits & 0x1:
            err = OfficeError(f"part {info.filename!r} is encrypted")
            err.reason = "encrypted"
            raise err
        total += info.file_size
        if info.file_size > limits.max_member_bytes:
            raise OfficeLimitExceeded("max_member_bytes", f"part {info.filename!r} is larger than "
                                      f"max_member_bytes={limits.max_member_bytes}")
        if total > limits.max_total_bytes:
            raise OfficeLimitExceeded("max_total_bytes", f"parts unpack to more than max_total_bytes={limits.max_total_bytes}")
        if info.file_size > RATIO_FLOOR and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise OfficeLimitExceeded("max_ratio", f"part {info.filename!r} has a compression ratio above "
                                      f"max_ratio={limits.max_ratio:g}")
    return zf


WINDOW = 4 << 20
"""A slide or page whose text grows past this many characters is yielded in windows of about this size."""


class TextWindow:
    """The non-blank lines of one slide or page: one segment ``where``, or windows of :data:`WINDOW`."""

    def __init__(self, where: dict[str, Any]) -> None:
        self.where, self.lines, self.size, self.windows = where, [], 0, 0

    def add(self, line: str) -> Iterator[Segment]:
        self.lines.append(line)
        self.size += len(line) + 1
        if self.size > WINDOW:
            self.windows += 1
            yield self._segment()

    def flush(self) -> Iterator[Segment]:
        """The segment of the lines not yet yielded (the whole text unless it was windowed)."""
        if self.lines:
            self.windows += bool(self.windows)
            yield self._segment()

    def _segment(self) -> Segment:
        text = "\n".join(self.lines)
        self.lines, self.size = [], 0
        where = {**self.where, "window": self.windows} if self.windows else self.where
        return Segment(text=text, context="prose", where=where)


def cut(text: str, limit: int) -> int:
    """Where to cut ``text`` at or before ``limit``: after its last line, sentence or word end in the 64K before."""
    floor = max(limit - (64 << 10), 1)
    for marks in (("\n",), (". ", "! ", "? ", "\u3002", "\uff01", "\uff1f"), (" ", "\t")):
        ends = [i + len(m) for m in marks if (i := text.rfind(m, floor, limit)) >= 0]
        if ends:
            return max(ends)
    return limit


class Pieces:
    """The text of one paragraph (row, shape) read in pieces, not held whole: given to :meth:`add`
    piece by piece, it comes out of :meth:`finish` as one segment ``where`` when it stays within
    :data:`WINDOW` characters (the segment a whole read gives), else in windows of at most
    :data:`WINDOW` cut at a line, sentence or word end (:func:`cut`), ``where`` gaining
    ``"window": i``.  Blank windows are not yielded (their numbers are skipped)."""

    def __init__(self, context: str = "prose") -> None:
        self.context, self.parts, self.size, self.windows = context, [], 0, 0

    def add(self, text: str, where: dict[str, Any]) -> Iterator[Segment]:
        self.parts.append(text)
        self.size += len(text)
        if self.size > WINDOW:
            text = "".join(self.parts)
            while len(text) > WINDOW:
                at = cut(text, WINDOW)
                yield from self._window(text[:at], where)
                text = text[at:]
            self.parts, self.size = [text], len(text)

    def finish(self, text: str, where: dict[str, Any]) -> Iterator[Segment]:
        """The last piece ``text``, then the segment (or the last window) of what is left."""
        yield from self.add(text, where)
        text, self.parts, self.size = "".join(self.parts), [], 0
        if not self.windows:
            if text.strip():
                yield Segment(text=text, context=self.context, where=where)
        else:
            yield from self._window(text, where)

    def _window(self, text: str, where: dict[str, Any]) -> Iterator[Segment]:
        self.windows += 1
        if text.strip():
            yield Segment(text=text, context=self.context, where={**where, "window": self.windows})


def row_segment(cells: list[str], where: dict[str, Any], context: str = "prose") -> Segment | None:
    """One segment for a table or sheet row: non-empty cells joined with :data:`SEP`,
    ``where["cell_starts"]`` giving each cell's offset in the text."""
    cells = [c.strip() for c in cells]
    kept = [c for c in cells if c]
    if not kept:
        return None
    starts, pos = [], 0
    for c in kept:
        starts.append(pos)
        pos += len(c) + len(SEP)
    return Segment(text=SEP.join(kept), context=context, where={**where, "cell_starts": starts})


def read_part(zf: zipfile.ZipFile, name: str) -> bytes:
    """A part's bytes; a damaged part is an :class:`OfficeError`."""
    try:
        return zf.read(name)
    except READ_ERRORS as exc:
        raise OfficeError(f"part {name!r} cannot be read: {type(exc).__name__}: {exc}") from exc


def xml(data: bytes) -> Any:
    """A small part parsed whole (defusedxml: a part declaring entities is refused)."""
    try:
        return SafeET.fromstring(data)
    except SafeET.ParseError as exc:
        raise OfficeError(f"XML part cannot be parsed: {exc}") from exc


def join(folder: str, target: str) -> str:
    """A relationship target resolved against the folder of its source part."""
    parts = folder.split("/") if folder else []
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


def rel_elements(zf: zipfile.ZipFile, names: set[str], part: str) -> list[tuple[str, str, str]]:
    """``(Id, Type, resolved target)`` of every relationship of ``part`` (``""`` = the package)."""
    folder = part.rpartition("/")[0]
    rels = rels_part(part)
    if rels not in names:
        return []
    out = []
    for rel in xml(read_part(zf, rels)).iter(f"{REL}Relationship"):
        target = rel.get("Target", "")
        out.append((rel.get("Id", ""), rel.get("Type", ""),
                    target.lstrip("/") if target.startswith("/") else join(folder, target)))
    return out


def rels_part(part: str) -> str:
    """The name of the relationships part of ``part`` (``""`` = the package: ``_rels/.rels``)."""
    folder, _, base = part.rpartition("/")
    return f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"


def rels(zf: zipfile.ZipFile, names: set[str], part: str) -> dict[str, str]:
    """Relationship id -> resolved target part name, for ``part``."""
    return {rid: target for rid, _, target in rel_elements(zf, names, part)}


def damaged(unit: Unit, part: str, exc: BaseException, listing: bool = False) -> None:
    """Report damage in ``part`` on ``unit``: an error record (the error's ``reason``, ``corrupt``
    for an :class:`OfficeError`) joins ``unit.meta["problems"]`` and ``unit.meta["partial"]`` is
    set, so the scanner ends the unit ``partial`` with its findings marked so.  ``listing``: the
    part is one of the package's that list the others (:func:`listed`)."""
    reason = getattr(exc, "reason", None)
    then = ("the parts it lists were found without it (the zip listing, the usual names)" if listing
            else "was read only up to the damage")
    unit.meta.setdefault("problems", []).append(Problem(
        "error", unit.file, unit.member, reason if isinstance(reason, str) else "corrupt",
        f"part {part!r} is {'missing or damaged' if listing else 'damaged'} ({exc}); {then}; "
        "the other parts are read, the unit is partial"[:500], unit.sha256))
    unit.meta["partial"] = True


def listed(unit: Unit, part: str, read: Callable[[], Any], default: Any) -> Any:
    """``read()``, which reads a package part listing others (relationships, content types, the
    workbook or presentation); when it is damaged, the damage is reported (:func:`damaged` with
    ``listing``) and ``default`` given, for the caller to find the parts without it (issue 12)."""
    try:
        return read()
    except OfficeError as exc:
        damaged(unit, part, exc, listing=True)
        return default


def guarded(unit: Unit, part: str, segments: Iterator[Segment]) -> Iterator[Segment]:
    """``segments`` of one part; damage in it (an :class:`OfficeError`) ends only this part
    (:func:`damaged`), the segments yielded before it stand.  Limits are raised as they come."""
    try:
        yield from segments
    except OfficeError as exc:
        damaged(unit, part, exc)


def chosen(alternate: Any) -> Any:
    """The branch of an ``mc:AlternateContent`` that is read: its first ``mc:Choice``, else its ``mc:Fallback``."""
    fallback = None
    for child in alternate:
        if child.tag == _CHOICE:
            return child
        if child.tag == _FALLBACK and fallback is None:
            fallback = child
    return fallback


def unchosen(elem: Any) -> bool:
    """True when ``elem`` is inside a branch of an ``mc:AlternateContent`` that is not read."""
    for anc in elem.iterancestors(_CHOICE, _FALLBACK):
        if chosen(anc.getparent()) is not anc:
            return True
    return False
