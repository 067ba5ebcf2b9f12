"""Bytes to text: BOM, then a declared charset, then strict UTF-8, then detection.

Detection uses charset-normalizer.  GB2312/GBK are widened to GB18030 (a superset) and Big5 to
cp950, so vendor pages that lie about or omit their charset still decode.
"""
from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED = re.compile(
    rb"""(?:<meta[^>]{0,200}?charset\s*=\s*["']?|<\?xml[^>]{0,100}?encoding\s*=\s*["']|@charset\s+["'])([A-Za-z0-9_\-.:]{2,40})""",
    re.I,
)
_WIDER = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "big5": "cp950", "x-gbk": "gb18030",
          "iso-8859-1": "cp1252", "latin-1": "cp1252", "ascii": "utf-8", "us-ascii": "utf-8"}


class DecodeError(ValueError):
    """The bytes are not text in any encoding we can establish."""


def canonical(name: str | None) -> str | None:
    """A Python codec name for a declared charset, widened to its superset; None if unknown."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _WIDER.get(name, name)
    try:
        return _WIDER.get(codecs.lookup(name).name, codecs.lookup(name).name)
    except LookupError:
        return None


def declared_charset(data: bytes) -> str | None:
    """The charset a document declares about itself in its first 4 KB (HTML meta, XML, CSS)."""
    m = _DECLARED.search(data[:4096])
    return canonical(m.group(1).decode("ascii", "replace")) if m else None


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data``; returns ``(text, encoding)``.  ``declared`` is e.g. an HTTP charset."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc, errors="replace"), enc
    for enc in (canonical(declared), declared_charset(data)):
        if enc:
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError:
                pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start > len(data) - 4 and len(data) > 4:  # a multi-byte char cut at a chunk end
            return data[: exc.start].decode("utf-8"), "utf-8"
    return _detect(data)


def _detect(data: bytes) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:262144], cp_isolation=None).best()
    candidates = [canonical(best.encoding)] if best is not None else []
    candidates += ["gb18030", "cp950", "cp1252"]
    for enc in candidates:
        if not enc:
            continue
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise DecodeError("bytes do not decode in any detected encoding")
