"""Decide a unit's format from its content; the file extension is only a hint.

Container and document formats are recognised by magic bytes; text is told apart from binary
by NUL bytes and control characters, then classified as HTML, XML, JSON, CSV, source code,
Markdown or plain text.
"""
from __future__ import annotations

import re
import zipfile
import io

CODE_EXTENSIONS = frozenset(
    "c h cc cpp cxx hpp hh java kt kts js mjs cjs ts tsx jsx vue py rb go rs cs php swift m mm "
    "scala groovy gradle sh bash zsh ps1 sql lua pl conf ini cfg properties toml yaml yml dart".split()
)
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|div|p|table|span|script)\b", re.I | re.S)
_XML_START = re.compile(rb"^\s*(?:<\?xml|<[A-Za-z_][\w:.-]*[\s>/])", re.S)
_SHEBANG = re.compile(rb"^#!\s*/\S+")


def extension(name: str) -> str:
    """Lower-case extension of the innermost name (``.tar.gz`` counts as ``gz``)."""
    base = name.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def sniff(data: bytes, name: str = "", hint: str | None = None) -> str:
    """Return a format name: a container (``zip tar gzip bzip2 xz 7z warc``), a document
    (``pdf docx xlsx pptx odf``), ``image`` (PNG JPEG GIF WebP TIFF BMP), ``binary``, or a text format
    (``html xml json csv code markdown text``)."""
    head = data[:512]
    if head.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh") and len(head) > 3 and head[3:4].isdigit():
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    if head.startswith((b"WARC/", b"filedesc://")):
        return "warc"
    if _is_image(head):
        return "image"
    if len(data) > 262 and data[257:262] == b"ustar":
        return "tar"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) and _mostly_text(data[2:4096].decode("utf-16", "ignore")):
        return _text_kind(data.decode("utf-16", "ignore").encode("utf-8")[:4096], name, hint)
    if _is_binary(data[:8192]):
        return "binary"
    return _text_kind(data[:4096], name, hint)


def _is_image(head: bytes) -> bool:
    """PNG, JPEG, GIF, WebP, TIFF or BMP by their magic bytes (BMP: header fields checked too)."""
    if head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")):
        return True
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return True
    # BMP: "BM", reserved bytes zero, and a DIB header size BMP writers use
    return (head.startswith(b"BM") and len(head) >= 18 and head[6:10] == b"\0\0\0\0"
            and int.from_bytes(head[14:18], "little") in (12, 40, 52, 56, 64, 108, 124))


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                mt = zf.read("mimetype")[:100]
                if b"opendocument" in mt:
                    return "odf"
            if "word/document.xml" in names:
                return "docx"
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "ppt/presentation.xml" in names:
                return "pptx"
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, NotImplementedError, RuntimeError):
        pass
    return "zip"


def _mostly_text(text: str) -> bool:
    if not text:
        return False
    bad = sum(1 for c in text if (ord(c) < 32 and c not in "\r\n\t\f") or c == "\ufffd")
    return bad / len(text) < 0.02


_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))  # control bytes text does not use


def _is_binary(head: bytes) -> bool:
    if not head:
        return False
    if b"\x00" in head:
        return True
    ctrl = len(head) - len(head.translate(None, _CONTROL))
    return ctrl / len(head) > 0.05


def _text_kind(head: bytes, name: str, hint: str | None) -> str:
    ext = extension(name)
    hint = (hint or "").lower()
    if "html" in hint or ext in ("html", "htm", "xhtml", "shtml") or _HTML_START.match(head):
        return "html"
    if "json" in hint or ext in ("json", "geojson", "har", "ipynb"):
        return "json"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if ext in CODE_EXTENSIONS or _SHEBANG.match(head):
        return "code"
    if stripped[:1] in (b"{", b"[") and ext not in ("md", "txt", "csv"):
        return "json"
    if "xml" in hint or ext in ("xml", "svg", "plist", "xsd", "wsdl", "rss", "atom") or _XML_START.match(head):
        return "xml"
    if ext in ("csv", "tsv"):
        return "csv"
    if ext in ("md", "markdown", "rst"):
        return "markdown"
    return "text"
