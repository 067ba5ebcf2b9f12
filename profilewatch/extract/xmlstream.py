"""One XML part of an Office package, streamed as ``(event, element)`` pairs, whatever its size.

Contract of :func:`iter_part`: ``("end", element)`` for every element whose tag is asked for, in
document order, from a tree the caller clears as it reads (:func:`clear_read`), so memory holds
what the caller has not cleared.  The unit's deadline is checked on every block read from the zip
stream.  Damage is raised after the elements that end before it (a damaged part keeps what was
read, :func:`.ooxml.guarded`).  Entities are never resolved, no DTD is loaded, nothing is fetched; with ``no_entities`` a
part declaring entities is refused (the exception it builds).  Damage is an
:class:`~.ooxml.OfficeError`.

Two parses, one tree shape:

* **fast** (the default): lxml's pull parser (the parser of ``lxml.etree.iterparse``), the tree
  built in C; the elements read before damage are given before the damage is raised.  libxml2's own cap on
  one text node (10 MB, ``huge_tree`` off) is its memory bound: with ``huge_tree=True`` a text
  node of a 240 MB part is held whole, then copied into a Python string (502 MB measured for the
  extraction alone).  A part whose text node passes the cap raises :class:`LongText`, and the
  document is read again (``Package.stream_text``, see :func:`~.office.read_twice`).
* **streaming** (``zf.stream_text``): ``lxml.etree.XMLParser(target=...)`` fed block by block with
  ``huge_tree=True``.  The same elements are built (lxml's ``TreeBuilder``), but character data
  never goes into the tree past :data:`HUGE_TEXT` bytes in one run: from there it comes out as
  ``("text", Spill)`` events of at most :data:`SPILL` characters, cut at a line, sentence or word
  end where there is one (``Spill.node`` numbers such text runs in the part, ``Spill.window`` the
  pieces of one).  Text runs up to :data:`HUGE_TEXT` stay in the tree, so the segments before
  the first huge text node are those the fast parse gave.  It also gives the end events of the
  ``pieces`` tags (a paragraph's runs): the fast parse gives way to it (:class:`LongText`) when
  :data:`QUIET` bytes of a part give no element asked for, so a paragraph of millions of runs is
  read in pieces (:mod:`.wordml`) and normal parts pay nothing for run events.  libxml2 still holds a single markup
  token (an attribute value, comment, CDATA section, processing instruction, the DTD) whole:
  more than :data:`HUGE_TEXT` bytes fed without the parser reporting anything is refused as
  damage, as the fast parse refuses it.  A part with a DTD is refused here before its
  declarations are read (a target parser would expand internal entities): with
  ``no_entities``, as entities are; else as damage.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..records import LimitHit, Segment, Unit
from .ooxml import READ_ERRORS, OfficeError, cut

HUGE_TEXT = 10_000_000
"""libxml2's cap on one text node without ``huge_tree`` (``XML_MAX_TEXT_LENGTH``, bytes of UTF-8)."""
SPILL = 4 << 20
"""Characters of a huge text run per ``("text", Spill)`` event (the size of a slide window)."""
QUIET = 4 << 20
"""Bytes of a part without an element asked for, past which a caller reading in ``pieces`` gets the streaming parse."""
_BLOCK = 1 << 16
_HUGE_MESSAGES = ("Text node too long", "huge text node")


class LongText(Exception):
    """A part holds a text node over libxml2's cap, or an element over :data:`QUIET` bytes for a
    caller reading in ``pieces``: the document is to be read again, streaming."""


@dataclass(slots=True)
class Spill:
    """A piece of a huge text run: ``text``, the ``node``-th such run of the part, piece ``window``;
    ``holder`` is the element the text is in (for a tail, the element around it)."""

    text: str
    node: int
    window: int
    holder: Any

    def segment(self, where: dict[str, Any], context: str = "prose") -> Segment:
        return Segment(text=self.text, context=context, where={**where, "text_node": self.node, "window": self.window})


def iter_part(zf: Any, name: str, unit: Unit, tags: tuple[str, ...], *, pieces: tuple[str, ...] = (),
              no_entities: Callable[[Any], Exception] | None = None, strip_pis: bool = False) -> Iterator[Any]:
    """``(event, element)`` end events of ``tags`` in part ``name`` (see the module docstring);
    ``("text", Spill)`` too when ``zf.stream_text``.  ``strip_pis`` drops processing instructions.
    ``pieces``: tags whose end events only the streaming parse gives (a paragraph's runs, for a
    caller that reads a paragraph of millions of runs in pieces); with them, the fast parse gives
    way to the streaming one (:class:`LongText`) when :data:`QUIET` bytes give no element asked for."""
    try:
        fh = zf.open(name)
    except READ_ERRORS as exc:
        raise OfficeError(f"part {name!r} cannot be read: {type(exc).__name__}: {exc}") from exc
    with fh:
        if getattr(zf, "stream_text", False):
            yield from _streamed(fh, name, unit, tags + pieces, no_entities)
        else:
            yield from _fast(fh, name, unit, tags, no_entities, strip_pis, bool(pieces))


def _fast(fh: Any, name: str, unit: Unit, tags: tuple[str, ...], no_entities: Callable[[Any], Exception] | None,
          strip_pis: bool, crowded: bool = False) -> Iterator[Any]:
    """The fast parse: lxml's pull parser fed block by block (iterparse's parser).  Unlike
    iterparse, the events parsed before damage in the same block are still given, then the damage."""
    from lxml import etree

    parser = etree.XMLPullParser(events=("end",), tag=tags, resolve_entities=False, load_dtd=False,
                                 no_network=True, remove_comments=True, remove_pis=strip_pis)
    checked, refused, damage, root, where = no_entities is None, None, None, None, f"in part {name}"
    quiet = 0  # bytes fed since the last event
    while refused is None:
        try:
            unit.check_time(where)
            block = fh.read(_BLOCK)
            if block:
                parser.feed(block)
            else:
                root = parser.close()
        except (LimitHit, OfficeError):
            raise
        except etree.XMLSyntaxError as exc:
            if any(m in str(exc) for m in _HUGE_MESSAGES):
                raise LongText(f"part {name!r} has a text node over {HUGE_TEXT} bytes") from exc
            damage = OfficeError(f"XML part {name!r} cannot be parsed: {exc}")
        except READ_ERRORS as exc:
            damage = OfficeError(f"part {name!r} cannot be read: {type(exc).__name__}: {exc}")
        quiet += len(block) if block else 0
        for event in parser.read_events():
            quiet = 0
            if not checked:
                checked, refused = True, _refused(event[1], no_entities)
                if refused is not None:
                    break
            yield event
        if damage is not None:
            raise damage
        if crowded and quiet > QUIET:
            raise LongText(f"part {name!r} has an element over {QUIET} bytes (a paragraph of many runs)")
        if not block:
            if not checked and root is not None:
                refused = _refused(root, no_entities)
            break
    if refused is not None:
        raise refused


class _Builder:
    """Parser target: the tree lxml's TreeBuilder builds, with huge character data spilled (module docstring)."""

    def __init__(self, tags: tuple[str, ...]) -> None:
        from lxml import etree

        self.tree, self.tags = etree.TreeBuilder(), frozenset(tags)
        self.open: list[Any] = []  # the elements started and not ended
        self.text: list[str] = []  # character data since the last start or end tag
        self.size = 0  # its bytes (until it spills), then its characters
        self.spilling = False
        self.nodes = self.windows = 0
        self.calls = 0  # callbacks so far: the guard against one huge markup token
        self.events: list[Any] = []
        self.refused = False

    def start(self, tag: str, attrib: Any, nsmap: Any = None) -> None:
        self.calls += 1
        self._flush()
        if nsmap and "" in nsmap:  # lxml 6 gives the default namespace as "", its TreeBuilder wants None
            nsmap = {k or None: v for k, v in nsmap.items()}
        self.open.append(self.tree.start(tag, attrib, nsmap))

    def end(self, tag: str) -> None:
        self.calls += 1
        self._flush()
        elem = self.tree.end(tag)
        self.open.pop()
        if tag in self.tags:
            self.events.append(("end", elem))

    def data(self, text: str) -> None:
        self.calls += 1
        self.text.append(text)
        if self.spilling:
            self.size += len(text)
            if self.size > SPILL:
                self._spill(final=False)
        else:
            self.size += len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
            if self.size > HUGE_TEXT:
                self.spilling, self.nodes, self.windows = True, self.nodes + 1, 0
                self._spill(final=False)

    def doctype(self, *_: Any) -> None:
        """A DTD: refused before its declarations are read (a target parser expands internal entities)."""
        self.refused = True
        raise _Declared()

    def close(self) -> Any:
        if self.refused:  # lxml closes the target after the error: the refusal, not "no root element"
            raise _Declared()
        self._flush()
        return self.tree.close()

    def _flush(self) -> None:
        if self.spilling:
            self._spill(final=True)
            self.spilling = False
        elif self.text:
            self.tree.data("".join(self.text))
        self.text, self.size = [], 0

    def _spill(self, final: bool) -> None:
        text = "".join(self.text)
        holder = self.open[-1] if self.open else None
        while len(text) > SPILL or (final and text):
            end = len(text) if len(text) <= SPILL else cut(text, SPILL)
            self.windows += 1
            self.events.append(("text", Spill(text[:end], self.nodes, self.windows, holder)))
            text = text[end:]
        self.text, self.size = [text] if text else [], len(text)


def _streamed(fh: Any, name: str, unit: Unit, tags: tuple[str, ...],
              no_entities: Callable[[Any], Exception] | None) -> Iterator[Any]:
    from lxml import etree

    builder = _Builder(tags)
    parser = etree.XMLParser(target=builder, huge_tree=True, resolve_entities=False, load_dtd=False,
                             no_network=True, remove_comments=True, remove_pis=True)
    where, quiet, calls = f"in part {name}", 0, 0
    try:
        while True:
            unit.check_time(where)
            block = fh.read(_BLOCK)
            if block:
                parser.feed(block)
            else:
                parser.close()
            quiet = quiet + len(block) if builder.calls == calls else 0
            calls = builder.calls
            if quiet > HUGE_TEXT:
                raise OfficeError(f"XML part {name!r} cannot be parsed: one markup token (an attribute value, "
                                  f"comment, CDATA section, processing instruction or DTD) over {HUGE_TEXT} bytes")
            yield from builder.events
            builder.events.clear()
            if not block:
                return
    except (LimitHit, OfficeError):
        raise
    except _Declared as exc:
        if no_entities is not None:
            raise no_entities(exc) from None
        raise OfficeError(f"XML part {name!r} cannot be parsed: it declares a DTD") from None
    except etree.XMLSyntaxError as exc:
        raise OfficeError(f"XML part {name!r} cannot be parsed: {exc}") from exc
    except READ_ERRORS as exc:
        raise OfficeError(f"part {name!r} cannot be read: {type(exc).__name__}: {exc}") from exc


class _Declared(Exception):
    """A DTD met by the streaming parse: refused as entities are (lxml's target parser gives no details)."""

    name = content = system_url = None


def entities_forbidden(entity: Any) -> Exception:
    """defusedxml's ``EntitiesForbidden`` for a declared entity (what a whole-part parse raised)."""
    from defusedxml import EntitiesForbidden

    return EntitiesForbidden(entity.name, entity.content, None, entity.system_url, None, None)


def _refused(elem: Any, error: Callable[[Any], Exception]) -> Exception | None:
    """``error(entity)`` for the first entity the part's DTD declares, else None."""
    dtd = elem.getroottree().docinfo.internalDTD
    entity = next(dtd.iterentities(), None) if dtd is not None else None
    return error(entity) if entity is not None else None


def clear_read(elem: Any) -> None:
    """Free an element read to its end, and the siblings before it (the iterparse idiom)."""
    elem.clear()
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]
