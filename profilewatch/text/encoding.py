"""Bytes to text: BOM, then a declared charset, then strict UTF-8, then detection.

Detection uses charset-normalizer.  GB2312/GBK are widened to GB18030 (a superset) and Big5 to
cp950, so vendor pages that lie about or omit their charset still decode.

Decoding never fails: UTF-8 text with a few stray bytes of another encoding (a mixed file) and
bytes no candidate decodes strictly are decoded as UTF-8 with U+FFFD replacement, and
:func:`decode_counted` says how many characters were replaced.  :func:`scrub` replaces lone
surrogates (``json.loads('"\\ud83d"')``) one for one, so the text can always be encoded.
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
    text, enc, _ = decode_counted(data, declared)
    return text, enc


def decode_counted(data: bytes, declared: str | None = None) -> tuple[str, str, int]:
    """Decode ``data``; returns ``(text, encoding, replaced)``: never raises."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return _replacing(data, enc)
    for enc in (canonical(declared), declared_charset(data)):
        if enc:
            try:
                return data.decode(enc), enc, 0
            except UnicodeDecodeError:
                pass
    try:
        return data.decode("utf-8"), "utf-8", 0
    except UnicodeDecodeError as exc:
        if exc.start > len(data) - 4 and len(data) > 4:  # a multi-byte char cut at a chunk end
            return data[: exc.start].decode("utf-8"), "utf-8", 0
    text, enc, bad = _replacing(data, "utf-8")
    if bad * 4 < len(_UTF8_MULTI.findall(data)):  # mostly UTF-8 with a few stray bytes: a mixed file
        return text, enc, bad
    return _detect(data)


_UTF8_MULTI = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _replacing(data: bytes, enc: str) -> tuple[str, str, int]:
    text = data.decode(enc, errors="replace")
    bad = text.count("\ufffd")
    if bad and enc.startswith("utf-8"):  # U+FFFD already written in the bytes is not a decode error
        bad -= data.count(b"\xef\xbf\xbd")
    return text, enc, bad


def scrub(text: str) -> tuple[str, int]:
    """``text`` with every lone surrogate replaced by U+FFFD (same length), and how many there were."""
    if text.isascii() or not _SURROGATE.search(text):  # (isascii: a flag of the string, no scan)
        return text, 0
    return _SURROGATE.subn("\ufffd", text)


def _detect(data: bytes) -> tuple[str, str, int]:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:262144], cp_isolation=None).best()
    candidates = [canonical(best.encoding)] if best is not None else []
    candidates += ["gb18030", "cp950", "cp1252"]
    for enc in candidates:
        if not enc:
            continue
        try:
            return data.decode(enc), enc, 0
        except UnicodeDecodeError:
            continue
    return _replacing(data, "utf-8")
