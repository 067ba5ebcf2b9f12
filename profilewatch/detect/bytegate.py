"""The bytes-level gate: may a raw text unit hold a gate term at all?  Answered on the bytes,
before charset detection, HTML parsing and normalisation.

Contract (stable; the WARC reader and the scanner rely on it)::

    gate = build_gate(rules)                  # or ByteGate(Gate(rules)) to share a text Gate
    gate.maybe(data: bytes, charset: str | None = None) -> bool
    gate.decided(data, charset) -> (verdict, text)   # text: the decode the judgement needed, or None

``maybe`` returns False only when the text gate (:class:`~profilewatch.detect.lexicon.Gate`) would
find nothing in ``data`` decoded as the text layer decodes it
(:func:`profilewatch.text.encoding.decode_counted` with the same ``charset``, e.g. an HTTP
header's).  Findings of a text format (plain text, source code, Markdown, CSV, JSON, HTML, XML, a
WARC record's payload after transfer and content decoding) need a text-gate hit on the unit's
decoded text, so a False unit has no findings: it is accounted for (unit record, sha256) and not
decoded, parsed or normalised.  True means "decode and look": it is also the answer whenever the
bytes cannot be judged cheaply (an encoding outside the list below, undeclared bytes that are
not UTF-8, a UTF-32 BOM, a Turkish dotted capital I, whose lower case is two characters).
Never call it for formats whose text is not a transcoding of their bytes (compressed data, PDF,
Office parts, images, archives): the scanner gates only its text formats.

How: every spelling of the text gate (surface forms of the non-weak terms and the patterns'
anchors, with their Traditional, joined, full-width, ``&#NNNN;``/``&#xHHHH;``/``\\uXXXX`` and
cut forms) is encoded in UTF-8, GB18030, Big5 (cp950, every byte pair that decodes to a
character), UTF-16LE/BE and cp1252, lower-cased byte-wise (ASCII only; the data is lower-cased
the same way), and searched at once by a multi-pattern engine (Hyperscan when the ``gate``
extra is installed, else ahocorasick-rs; the same patterns, the same answers).  Characters whose
lower case is a gate character but which byte-wise lower-casing misses (full-width capitals,
Cyrillic capitals, the Kelvin sign) are searched too.  The encoding the text layer will use is
derived from the BOM, the declared charsets and a strict decode (no detection).  A hit of a
whole Latin spelling counts when the raw bytes allow a word boundary on both sides (the text
gate's own test, on bytes, erring towards passing: the byte before a hit in GB18030/Big5 may be
a trail byte, so it counts as a boundary unless an ASCII byte precedes it); a whole CJK spelling
counts at once; every other hit (a cut or escaped partial form, a capital) is settled by the text
gate itself over the decoded bytes around the hit, cut at character boundaries.
"""
from __future__ import annotations

import hashlib
import re
import sys
from functools import lru_cache


from ..text.encoding import _BOMS, canonical, declared_charset
from .bytesearch import ENGINES, has_hyperscan, load, save
from .lexicon import Gate
from .lexicon import _NEXT_ESCAPE, _SKIPPED, escaped_char, next_char_fits
from .lexicon import _continues as _text_continues
from .rules import RuleSet

# families of encodings the gate has patterns for: (family, Python codec)
FAMILIES = (("utf8", "utf-8"), ("gb", "gb18030"), ("big5", "cp950"), ("u16le", "utf-16-le"),
            ("u16be", "utf-16-be"), ("latin", "cp1252"))
_CODEC = dict(FAMILIES)
_KNOWN = {"utf-8": "utf8", "utf-8-sig": "utf8", "gb18030": "gb", "cp950": "big5", "cp1252": "latin",
          "utf-16-le": "u16le", "utf-16-be": "u16be", "utf-16": "u16le" if sys.byteorder == "little" else "u16be"}
_ASCII_COMPATIBLE = frozenset({"utf8", "gb", "big5", "latin"})
_MULTIBYTE = frozenset({"gb", "big5"})  # a byte after a lead byte may be an ASCII-range trail byte
NEAR = 192  # bytes decoded first after a partial form's hit
RIGHT = 2048  # bytes decoded after a partial form's hit (the text gate reads on past spaces and tags)
CACHE_VERSION = 1  # bump when the tables' meaning changes
MARGIN = 160  # bytes decoded on each side of a hit settled by the text gate (forms are <= 72 bytes)
_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789")
_DIGIT = frozenset(b"0123456789")
_UPPER = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LOWER = frozenset(b"abcdefghijklmnopqrstuvwxyz")
_KELVIN = "\u212a".encode()
_SAFE_GB = (b"\n", b" ", b"<", b">", b'"', b"\r", b"\t")  # single-byte in GB18030 and Big5 (never a trail byte)
_NEXT_ESCAPE_BYTES = re.compile(_NEXT_ESCAPE.pattern.encode(), re.I)  # over the raw bytes: ASCII case folded by re
_LOW = bytes(range(256)).lower()  # a byte lower-cased (ASCII only), as bytes.lower() folds it: the data is not copied
EXACT, LENIENT = 2, 1  # how sure a passed test is
_EXACT = frozenset({"utf8", "latin"})  # one byte, one character for ASCII: byte tests are the text's
FULL, PARTIAL, CAPITAL, LONG = 0, 1, 2, 3  # what a pattern hit means (LONG: U+0130, answer True)


def build_gate(rules: RuleSet, gate: Gate | None = None, engine: str | None = None) -> "ByteGate":
    """The bytes-level gate of ``rules`` (``gate``: an already built text gate of the same rules;
    ``engine``: "hyperscan" or "ahocorasick", default the best installed)."""
    return ByteGate(gate or Gate(rules), engine)


@lru_cache(maxsize=None)
def _byte_forms(codec: str) -> dict[str, list[bytes]]:
    """Every byte sequence that decodes to a character, for the two-byte codecs whose tables
    hold duplicates (Big5: two codes for a few characters); the encoder's own one comes first."""
    table: dict[str, list[bytes]] = {}
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            seq = bytes((lead, trail))
            try:
                ch = seq.decode(codec)
            except UnicodeDecodeError:
                continue
            if len(ch) == 1:
                table.setdefault(ch, []).append(seq)
    return table


def _encodings(text: str, family: str) -> list[bytes]:
    """``text`` in ``family``'s codec: every byte spelling (one, unless a character has duplicates)."""
    codec = _CODEC[family]
    try:
        first = text.encode(codec)
    except UnicodeEncodeError:
        return []
    if family not in _MULTIBYTE or text.isascii():
        return [first]
    table = _byte_forms(codec)
    out = [b""]
    for ch in text:
        own = ch.encode(codec)
        seqs = [own] + [s for s in table.get(ch, ()) if s != own]
        out = [o + s for o in out for s in seqs][:64]
    return out


def _capitals(alphabet: set[str]) -> list[str]:
    """Non-ASCII characters whose lower case holds a gate character (byte-wise lower-casing
    folds only ASCII): full-width and Cyrillic capitals, the Kelvin sign..."""
    out = []
    for code in range(0x80, 0x10000):
        c = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        low = c.lower()
        if low != c and any(ch in alphabet for ch in low):
            out.append(c)
    return out


def _tables(gate: Gate) -> dict[str, tuple[list[bytes], list[list[tuple[int, int, bool, bool]]]]]:
    """Per family: the byte patterns and, for each, what a hit means (kind, word index, boundaries)."""
    # per family: byte pattern -> [(kind, word index or -1, left, right)]
    tables: dict[str, dict[bytes, list[tuple[int, int, bool, bool]]]] = {f: {} for f, _ in FAMILIES}

    def add(family: str, pattern: bytes, kind: int, word: int = -1, left: bool = False, right: bool = False) -> None:
        pattern = pattern.lower()
        slot = tables[family].setdefault(pattern, [])
        if pattern and (kind, word, left, right) not in slot:
            slot.append((kind, word, left, right))

    alphabet: set[str] = set()
    for index, (word, (_, nxt, left, right)) in enumerate(zip(gate._words, gate._info)):
        alphabet |= set(word)
        for family, _ in FAMILIES:
            for enc in _encodings(word, family):
                if nxt is not None:
                    add(family, enc, PARTIAL, index)
                elif family in _ASCII_COMPATIBLE or not (left or right):
                    add(family, enc, FULL, index, left, right)
                else:  # no byte-level boundary test in UTF-16: the text gate settles it
                    add(family, enc, CAPITAL)
    for c in _capitals(alphabet):
        for family, _ in FAMILIES:
            for enc in _encodings(c, family):
                add(family, enc, CAPITAL)
    for family, _ in FAMILIES:
        for enc in _encodings("\u0130", family):
            add(family, enc, LONG)
    return {f: (list(t), list(t.values())) for f, t in tables.items()}


class ByteGate:
    """See the module docstring: :meth:`maybe` on raw bytes, sound with respect to the text gate."""

    def __init__(self, gate: Gate, engine: str | None = None) -> None:
        self.gate = gate
        name = engine or ("hyperscan" if has_hyperscan() else "ahocorasick")
        key = hashlib.sha256(repr((CACHE_VERSION, name, gate._words, [
            (n, sorted(nxt) if nxt is not None else None, left, right) for n, nxt, left, right in gate._info
        ])).encode("utf-8", "surrogatepass")).hexdigest()[:32]
        cached = load(key)
        if cached is not None:
            self._tables, blobs = cached
            blobs = blobs or {}
            try:
                self._engines = {f: ENGINES[name](p, blobs.get(f)) for f, (p, _) in self._tables.items()}
            except Exception:  # a database of another Hyperscan build or CPU: compile it again
                cached = None
        if cached is None:
            self._tables = _tables(gate)
            self._engines = {f: ENGINES[name](p) for f, (p, _) in self._tables.items()}
            save(key, self._tables, {f: e.blob() for f, e in self._engines.items()})
        self.patterns = sum(len(p) for p, _ in self._tables.values())
        self.engine = name
        # patterns that are only a whole Latin word needing a boundary before it: inside a word
        # (a lower-case letter before a lower-case first letter, no escape in the unit) they cannot count
        if name == "hyperscan":  # the text gate's own search over str, on UTF-8 bytes: same matches, faster
            self._words = [next((w for k, w, _, _ in slots if k in (FULL, PARTIAL)), -1) for slots in self._tables["utf8"][1]]
            gate.finder = self._text_matches
        self._inner = {f: frozenset(i for i, (p, slots) in enumerate(zip(pats, meta))
                                    if slots and p[:1].isalpha() and all(k == FULL and left for k, _, left, _ in slots))
                       for f, (pats, meta) in self._tables.items()}

    def _text_matches(self, low: str) -> list[tuple[int, int, int]]:
        """``(word index, start, stop)`` of every gate word in lower-cased ``low`` (char offsets)."""
        data = low.encode("utf-8", "surrogatepass")
        words = self._words
        found = [(words[pid], a, b) for pid, a, b in self._engines["utf8"].matches(data) if words[pid] >= 0]
        if not found or len(data) == len(low):
            return found  # ASCII: byte offsets are character offsets
        chars: dict[int, int] = {}
        last = count = 0
        for offset in sorted({o for _, a, b in found for o in (a, b)}):
            count += len(data[last:offset].decode("utf-8", "surrogatepass"))
            chars[offset], last = count, offset
        return [(w, chars[a], chars[b]) for w, a, b in found]

    # -- the question -------------------------------------------------------------------------

    def maybe(self, data: bytes, charset: str | None = None) -> bool:
        """May ``data`` (a text unit's raw bytes; ``charset``: a declared charset such as an HTTP
        header's) hold a gate term once decoded?  False is certain (module docstring)."""
        return self.verdict(data, charset) is not False

    def verdict(self, data: bytes, charset: str | None = None) -> bool | None:
        """:meth:`maybe`, in three: False (no gate term, certain), True (the text gate passes the
        decoded text too, certain: a whole spelling in UTF-8 or cp1252 with exact boundaries, or
        a partial form whose next character is read on the bytes), None (may be: ask the text gate)."""
        return self.decided(data, charset)[0]

    def decided(self, data: bytes, charset: str | None = None) -> tuple[bool | None, str | None]:
        """:meth:`verdict`, and the text of ``data`` when judging it meant decoding it (to tell its
        encoding): the text layer's own decode of it (``decode_counted``: the same codec, strict,
        nothing replaced), which the unit need not decode again.  In GB18030 and Big5 the text
        gate itself answers, over that text: their two-byte capitals and trail bytes match byte
        patterns across character boundaries, which settling costs more than the text gate."""
        if not data:
            return False, None
        family, text = self._family(data, charset)
        if family is None:
            return None, None
        if family in _MULTIBYTE and text is not None:
            return self.gate.any(text.lower(), text), text
        return self._judged(data, family), text

    def _judged(self, data: bytes, family: str) -> bool | None:
        """:meth:`verdict` of ``data`` in ``family``, on the bytes."""
        matches = self._engines[family].matches(data)
        if matches and family in _EXACT and b"&#" not in data and b"\\" not in data:
            inner = self._inner[family]  # "nation" inside "international": the text gate's own test, cheaply
            matches = [m for m in matches if not (m[0] in inner and m[1] and data[m[1] - 1] in _LOWER
                                                  and data[m[1]] in _LOWER)]
        if not matches:
            return False
        patterns, meta = self._tables[family]
        info = self.gate._info
        exact = family in _EXACT
        windows: list[tuple[int, int]] = []
        for pid, start, end in matches:
            for kind, word, left, right in meta[pid]:
                if kind == FULL:
                    lft = _byte_boundary(data, start, family) if left and start > 0 else EXACT
                    if lft and right and end < len(data) and _LOW[data[end]] != 0x73:
                        lft = min(lft, _byte_boundary(data, end, family))
                    if lft:
                        return True if exact and lft == EXACT else None
                elif kind == PARTIAL:
                    got = self._continues(data, start, end, family, info[word][1])
                    if got:
                        return True if exact and got == EXACT else None
                elif kind == LONG:
                    return None
                elif windows and start - MARGIN <= windows[-1][1] and end + MARGIN >= windows[-1][0]:
                    windows[-1] = (min(windows[-1][0], max(0, start - MARGIN)), max(windows[-1][1], end + MARGIN))
                else:
                    windows.append((max(0, start - MARGIN), end + MARGIN))
        if len(windows) > 4 or sum(b - a for a, b in windows) > len(data) // 4:
            return self._settled(data, 0, len(data), family)  # the whole unit: the text gate's own answer
        return None if any(self._settled(data, a, b, family) for a, b in windows) else False

    @staticmethod
    def _continues(data: bytes, start: int, end: int, family: str, nxt: frozenset[str]) -> int:
        """The text gate's test of a partial form (lexicon._continues) on what follows the hit:
        an escape or a character right after it is read on the bytes (EXACT); anything else
        (spaces, tags) on the text decoded from the hit on (LENIENT: the window's end reads as
        "more to come"; a hit that does not start on a character boundary is no occurrence)."""
        if end < len(data) and family in _ASCII_COMPATIBLE:
            b = data[end]
            if b in (0x5C, 0x26):  # "\\" or "&": an escaped next character
                if b == 0x5C and data[end + 1:end + 2] in (b"u", b"U"):  # \uXXXX: decided by its four digits
                    key = (data[end + 2:end + 6], nxt)
                    got = _UNICODE_ESCAPES.get(key)
                    if got is None:
                        got = _escape_fits(data, end, nxt)
                        if len(_UNICODE_ESCAPES) < 1 << 16:
                            _UNICODE_ESCAPES[key] = got
                    return got
                return _escape_fits(data, end, nxt)
            if family == "utf8" and b >= 0xC0:
                c = data[end:end + (2 if b < 0xE0 else 3 if b < 0xF0 else 4)].decode("utf-8", "ignore").lower()
                if len(c) == 1 and not c.isspace() and c not in _SKIPPED:
                    return EXACT * next_char_fits(c, nxt)
        codec = _CODEC[family]
        form = data[start:end].decode(codec, "ignore").lower()
        p = len(form) - 1 if form.endswith("<") else len(form)
        for right in (NEAR, RIGHT):
            text = data[start:end + right].decode(codec, "ignore").lower()
            if _text_continues(text, p, nxt):
                return LENIENT
            if end + right >= len(data) or "&" not in text[-12:]:
                return 0  # not an entity cut by the window's end
        return 0

    def _family(self, data: bytes, charset: str | None) -> tuple[str | None, str | None]:
        """The encoding family the text layer will decode ``data`` with (None if not cheaply known),
        and ``data`` decoded when telling it took a strict decode (None otherwise)."""
        for bom, enc in _BOMS:
            if data.startswith(bom):
                if enc == "utf-32":
                    return None, None
                if enc == "utf-16":
                    enc = "utf-16-le" if bom == b"\xff\xfe" else "utf-16-be"
                    try:
                        data[2:].decode(enc)
                    except UnicodeDecodeError:
                        return None, None
                    return _KNOWN[enc], None
                try:
                    data.decode("utf-8-sig")
                except UnicodeDecodeError:
                    return None, None
                return "utf8", None
        ascii_only = data.isascii()
        for enc in (canonical(charset), declared_charset(data)):
            if not enc:
                continue
            family = _KNOWN.get(enc)
            if family is None:
                return None, None
            if ascii_only and family in _ASCII_COMPATIBLE:
                return "utf8", None
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            return family, text
        if ascii_only:
            return "utf8", None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start > len(data) - 4 and len(data) > 4:  # a character cut at the end: decoded without it
                return "utf8", None
            return None, None
        return "utf8", text

    def _settled(self, data: bytes, start: int, end: int, family: str) -> bool:
        """The text gate over ``data[start:end]`` decoded, cut at character boundaries."""
        start, end = _aligned(data, start, min(end, len(data)), family)
        if start is None:
            return True
        text = data[start:end].decode(_CODEC[family] if family != "utf8" or start else "utf-8-sig", "ignore")
        return self.gate.any(text.lower(), text)


_UNICODE_ESCAPES: dict[tuple[bytes, frozenset[str]], int] = {}
""":func:`_escape_fits` of a ``\\uXXXX`` by its digits and the characters wanted (JSON-escaped
pages repeat a few thousand escapes: the answer is looked up, not parsed again)."""


def _escape_fits(data: bytes, at: int, nxt: frozenset[str]) -> int:
    """The escape at ``data[at]`` (``\\``/``&``) stands for one of ``nxt``: EXACT, or 0; LENIENT when unclear."""
    c = escaped_char(_NEXT_ESCAPE_BYTES.match(data, at))
    return LENIENT if c is None else EXACT * next_char_fits(c, nxt)


def _byte_boundary(data: bytes, p: int, family: str) -> int:
    """Could normalisation put a word boundary between the characters ending and starting at
    byte ``p`` (lexicon._boundary on the bytes)?  EXACT: yes, as the text gate decides; LENIENT:
    perhaps (a trail byte, an escape nearby, a non-ASCII letter next); 0: no."""
    a, b = _LOW[data[p - 1]], _LOW[data[p]]
    if a not in _WORD or b not in _WORD or (a in _DIGIT) != (b in _DIGIT):
        if family not in _EXACT or _KELVIN in data[max(0, p - 3):p + 3]:
            return LENIENT  # (a trail byte; a Kelvin sign, whose lower case is an ASCII k)
        return EXACT
    a, b = data[p - 1], data[p]
    if a in _LOWER and b in _UPPER:
        return EXACT
    if a in _UPPER and b in _UPPER and p + 1 < len(data) and data[p + 1] in _LOWER:
        return EXACT
    if family in _MULTIBYTE and p >= 2 and data[p - 2] >= 0x80:
        return LENIENT  # data[p - 1] may be a trail byte of a two-byte character
    back = data[max(0, p - 48):p]  # (no letters to fold in "&#" or "\\")
    if b"&#" in back or b"\\" in back:
        return LENIENT  # an escape may end here and decode to a separator
    if a in _UPPER and b in _UPPER and p + 1 < len(data) and data[p + 1] >= 0x80:
        return LENIENT  # a non-ASCII lower-case letter may follow
    return 0


def _aligned(data: bytes, start: int, end: int, family: str) -> tuple[int | None, int]:
    """``start`` moved back to a character start (None when none is near), ``end`` as given (a
    character cut there is dropped by the decoder, which the text gate reads as more to come)."""
    if family == "utf8":
        while start > 0 and 0x80 <= data[start] < 0xC0:
            start -= 1
    elif family in ("u16le", "u16be"):
        bom = 2 if data[:2] in (b"\xff\xfe", b"\xfe\xff") else 0
        start -= (start - bom) % 2 if start >= bom else start
        start = max(start, bom)
    elif family in _MULTIBYTE and start > 0:
        floor = max(0, start - 4096)
        safe = max(data.rfind(s, floor, start) for s in _SAFE_GB)
        if safe < 0:
            return (0, end) if floor == 0 else (None, end)
        start = safe + 1
    return start, end
