"""XML: element text and attribute values, parsed safely with defusedxml.

Entity declarations (billion laughs), external entities and DTD tricks are refused by
defusedxml and reported as an error.  A document that is not well-formed XML is scanned as
plain text instead, so a fragment or a template still gets read.  The text layer has already
decoded the bytes (declared charset, BOM, detection), so the parser is given UTF-8 with the XML
declaration's ``encoding`` rewritten to say so: expat refuses multi-byte encodings such as GBK and
Big5 outright, and an unknown name would be refused too.  Each element becomes one
line ``path attr=value ... text`` of a ``data`` segment (the path cut to its last three tags).
"""
from __future__ import annotations

from collections.abc import Iterator
from xml.etree.ElementTree import ParseError

import re

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from ..records import Segment, Unit


PATH_DEPTH = 3
# the encoding pseudo-attribute of an XML declaration at the start of the text
_DECLARED = re.compile(r"""\A(\s*<\?xml\b[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2""")


class UnsafeXML(ValueError):
    """The XML uses entity declarations or other constructs refused for safety."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def extract(unit: Unit) -> Iterator[Segment]:
    """Segments of an XML unit."""
    source = unit.text()
    try:
        root = SafeET.fromstring(_DECLARED.sub(r"\1\2utf-8\2", source, count=1).encode("utf-8"), forbid_dtd=False)
    except DefusedXmlException as exc:
        raise UnsafeXML(f"XML refused: {type(exc).__name__}: {exc}") from exc
    except ParseError:
        yield Segment(text=source, context="data", line=1, column=1)
        return
    yield Segment(text="\n".join(_render(root)), context="data", where={"rendering": "element per line"},
                  source=source)


def _render(root) -> list[str]:
    """One line per element, ``a/b/c attr=value ... text`` with the last PATH_DEPTH tags of its
    path (enough context for ``face/ethnic/value uygur``), walked without recursion."""
    lines: list[str] = []
    stack = [(root, (_local(root.tag),))]
    while stack:
        node, path = stack.pop()
        name = "/".join(path[-PATH_DEPTH:])
        parts = [name] + [f"{_local(k)}={v}" for k, v in node.attrib.items()]
        if node.text and node.text.strip():
            parts.append(node.text.strip())
        lines.append(" ".join(parts))
        if node.tail and node.tail.strip() and len(path) > 1:
            lines.append(f"{'/'.join(path[-PATH_DEPTH - 1:-1])} {node.tail.strip()}")
        stack.extend((child, path + (_local(child.tag),)) for child in reversed(list(node)))
    return lines
