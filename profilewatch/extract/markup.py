"""XML: element text and attribute values, parsed safely with defusedxml.

Entity declarations (billion laughs), external entities and DTD tricks are refused by
defusedxml and reported as an error.  A document that is not well-formed XML is scanned as
plain text instead, so a fragment or a template still gets read.  Each element becomes one
line ``path attr=value ... text`` of a ``data`` segment; ``where.element`` gives the path.
"""
from __future__ import annotations

from collections.abc import Iterator
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from ..records import Segment, Unit


class UnsafeXML(ValueError):
    """The XML uses entity declarations or other constructs refused for safety."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def extract(unit: Unit) -> Iterator[Segment]:
    """Segments of an XML unit."""
    source = unit.text()
    try:
        root = SafeET.fromstring(source.encode("utf-8"), forbid_dtd=False)
    except DefusedXmlException as exc:
        raise UnsafeXML(f"XML refused: {type(exc).__name__}: {exc}") from exc
    except ParseError:
        yield Segment(text=source, context="data", line=1, column=1)
        return
    lines: list[str] = []
    _render(root, "", lines)
    yield Segment(text="\n".join(lines), context="data", where={"rendering": "element per line"}, source=source)


def _render(node, parent: str, lines: list[str]) -> None:
    path = f"{parent}/{_local(node.tag)}"
    parts = [path]
    parts += [f"{_local(k)}={v}" for k, v in node.attrib.items()]
    if node.text and node.text.strip():
        parts.append(node.text.strip())
    lines.append(" ".join(parts))
    for child in node:
        _render(child, path, lines)
        if child.tail and child.tail.strip():
            lines.append(f"{path} {child.tail.strip()}")
