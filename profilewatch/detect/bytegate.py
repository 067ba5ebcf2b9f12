"""The bytes-level gate: may a raw text unit hold a gate term at all?  Answered on the bytes,
before charset detection, HTML parsing and normalisation.

Contract (stable; the WARC reader and the scanner rely on it)::

    gate = build_gate(rules)                  # or ByteGate(Gate(rules)) to share a text Gate
    gate.maybe(data: bytes, charset: str | None = None) -> bool
    gate.decided(data, charset) -> (verdict, text)   # text: the decode the judgement needed, or None

``maybe`` returns False only when the text gate (:class:`~profilewatch.detect.textgate.Gate`) would
find nothing in ``data`` decoded as the text layer decodes it
(:func:`profilewatch.text.encoding.decode_counted` with the same ``charset``, e.g. an HTTP
header's).  Findings of a text format (plain text, source code, Markdown, CSV, JSON, HTML, XML, a
WARC record's payload after transfer and content decoding) need a text-gate hit on the unit's
decoded text, so a False unit has no findings: it is accounted for (unit record, sha256) and not
decoded, parsed or normalised.  True means "decode and look": it is also the answer whenever the
bytes cannot be judged cheaply (an encoding outside the list below, undeclared bytes that are
not UTF-8, a UTF-32 BOM, a Turkish dotted capital I, whose lower case is two characters, a rare
character or escape the text gate settles by folding the text around it, a one-letter in-word
seed at the very start).  :meth:`ByteGate.verdict` tells the two Trues apart: True is a hit the
text gate passes too (certain), None "may be".
Never call it for formats whose text is not a transcoding of their bytes (compressed data, PDF,
Office parts, images, archives): the scanner gates only its text formats.

How: every seed of the text gate (:mod:`.spellings`: whole spellings, partial seeds, rare
characters and escapes) is searched at once, as bytes in each encoding family
(:mod:`.bytetables`), by a multi-pattern engine (Hyperscan when the ``gate`` extra is installed,
else ahocorasick-rs; the same patterns, the same matches in the same order, the same answers).
The encoding the text layer will use is derived from the BOM, the declared charsets and a
strict decode (no detection).  A whole Latin spelling counts when the raw bytes allow a word
boundary on both sides (the text gate's own test, on bytes, erring towards passing: the byte
before a hit in GB18030/Big5 may be a trail byte, so it counts as a boundary unless an ASCII
byte precedes it); a whole CJK spelling counts at once; a partial seed counts when the
character after it, read on the bytes (an ordinary character or escape right after it) or by
the text gate's own test on the text decoded after it (cuts, tags, entities), is one the term
goes on with (a one-letter seed cut inside a word by a tag, ``e<``, is searched in UTF-8 and
cp1252 with the byte before it: ``name</td>`` is no word start); a rare seed (an invisible
character, a compatibility character, an escape of a letter) that the decoded unit holds --
not a two-byte pattern matched across two characters -- leaves the unit to the text gate
(None); a capital is settled by the text gate over the decoded bytes around it, cut at
character boundaries.  In GB18030 and Big5 the strict decode that settles the encoding is the
text the contract refers to, so the text gate answers over it directly (two-byte patterns
matched across characters would cost more to settle one by one), and :meth:`ByteGate.decided`
hands that decode back as the unit's text so it is not decoded twice.  The matches of both
engines are sorted by start, then end, so every answer is the same whichever engine gives them.
"""
from __future__ import annotations

import re
import sys

from ..text.encoding import _BOMS, canonical, declared_charset
from .bytesearch import ENGINES, has_hyperscan, load, save
from .bytetables import (ASCII_COMPATIBLE, CACHE_VERSION, CAPITAL, CODEC, CONTEXT, FULL, LONG, MULTIBYTE, PARTIAL,  # noqa: F401
                         RARE, cache_key, tables)
from .rules import RuleSet
from .spellings import INWORD, PARTIAL as _SEED_PARTIAL, joiners
from .textgate import _BREAKS, _DROPPED, _MAX_TAGS, _NEXT_ESCAPE, Gate, escaped_char, follows, next_char_fits

_KNOWN = {"utf-8": "utf8", "utf-8-sig": "utf8", "gb18030": "gb", "cp950": "big5", "cp1252": "latin",
          "utf-16-le": "u16le", "utf-16-be": "u16be", "utf-16": "u16le" if sys.byteorder == "little" else "u16be"}
NEAR = 192  # bytes decoded first after a partial seed's hit
RIGHT = 2048  # bytes decoded after a partial seed's hit (the text gate reads on past spaces and tags)
MARGIN = 160  # bytes decoded on each side of a hit settled by the text gate (seeds are <= 72 bytes)
_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789")
_DIGIT = frozenset(b"0123456789")
_UPPER = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LOWER = frozenset(b"abcdefghijklmnopqrstuvwxyz")
_KELVIN = "\u212a".encode()
_SAFE_GB = (b"\n", b" ", b"<", b">", b'"', b"\r", b"\t")  # single-byte in GB18030 and Big5 (never a trail byte)
_NEXT_ESCAPE_BYTES = re.compile(_NEXT_ESCAPE.pattern.encode(), re.I)  # over the raw bytes: ASCII case folded by re
_LOW = bytes(range(256)).lower()  # a byte lower-cased (ASCII only), as bytes.lower() folds it: the data is not copied
_STARTS = frozenset(b"<&\\")  # a seed ending with one starts a construct: read by the text gate's test
_OPAQUE = frozenset("<]&\\")  # characters after a seed that the bytes test leaves to the text gate's
_HEX = frozenset(b"0123456789abcdef")
_ENTITY_END = re.compile(rb"&[a-z0-9]{2,8}\Z", re.I)  # (every entity HTML reads without its ";" is such)
_ESCAPE_NEAR = re.compile(rb"&#|\\|&[a-z0-9]{2,8}\Z", re.I)
_LONE_LETTER = re.compile(rb"[a-z]<")
_TAG_BYTES = re.compile(rb"</?([a-z0-9]*)", re.I)
_BREAK_BYTES = frozenset(t.encode() for t in _BREAKS)
_ASCII_JOINERS = frozenset(ord(c) for c in joiners() if c.isascii())
_OPAQUE_BYTES = frozenset(b"]&\\")  # after a tag: CDATA's end or an escape, read by the text test
_DROPPED_BYTES = tuple(t.encode() for t in _DROPPED)  # elements whose content extraction drops: the text test's
EXACT, LENIENT = 2, 1  # how sure a passed test is
_EXACT = frozenset({"utf8", "latin"})  # one byte, one character for ASCII: byte tests are the text's


def build_gate(rules: RuleSet, gate: Gate | None = None, engine: str | None = None) -> "ByteGate":
    """The bytes-level gate of ``rules`` (``gate``: an already built text gate of the same rules;
    ``engine``: "hyperscan" or "ahocorasick", default the best installed)."""
    return ByteGate(gate or Gate(rules), engine)


class ByteGate:
    """See the module docstring: :meth:`maybe` on raw bytes, sound with respect to the text gate."""

    def __init__(self, gate: Gate, engine: str | None = None) -> None:
        self.gate = gate
        name = engine or ("hyperscan" if has_hyperscan() else "ahocorasick")
        key = cache_key(gate, name)
        cached = load(key)
        if cached is not None:
            self._tables, blobs = cached
            blobs = blobs or {}
            try:
                self._engines = {f: ENGINES[name](t.patterns, blobs.get(f)) for f, t in self._tables.items()}
            except Exception:  # a database of another Hyperscan build or CPU: compile it again
                cached = None
        if cached is None:
            self._tables = tables(gate)
            self._engines = {f: ENGINES[name](t.patterns) for f, t in self._tables.items()}
            save(key, self._tables, {f: e.blob() for f, e in self._engines.items()})
        self.patterns = sum(len(t.patterns) for f, t in self._tables.items() if f != "text")
        self.engine = name
        if name == "hyperscan":  # the text gate's own search over str, on UTF-8 bytes: same matches, faster
            gate.finder = self._text_matches
        # patterns that are only Latin seeds needing a boundary before them: inside a word (a
        # lower-case letter before a lower-case first letter, no escape in the unit) they cannot count
        self._inner = {f: frozenset(i for i, (p, slots) in enumerate(zip(pats, meta)) if slots and p[:1].isalpha()
                                    and all(k in (FULL, PARTIAL) and left for k, _, left, _ in slots))
                       for f, (pats, meta, _, _) in self._tables.items()}

    def _text_matches(self, low: str) -> list[tuple[int, int, int]]:
        """``(word index, start, stop)`` of every gate word in lower-cased ``low`` (char offsets)."""
        data = low.encode("utf-8", "surrogatepass")
        found = self._engines["text"].matches(data)  # (its pattern i is the gate's word i)
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
        if family in MULTIBYTE and text is not None:
            return self.gate.any(text.lower(), text), text
        return self._judged(data, family), text

    def _judged(self, data: bytes, family: str) -> bool | None:
        """:meth:`verdict` of ``data`` in ``family``, on the bytes."""
        if family in CONTEXT and _LONE_LETTER.match(data[:5].lower(), next((len(b) for b, _ in _BOMS if data.startswith(b)), 0)):
            return None  # (a one-letter in-word seed is searched with the byte before it: there is none)
        matches = self._engines[family].matches(data)
        if matches and family in _EXACT:
            inner = self._inner[family]  # "nation" inside "international": the text gate's own test, cheaply
            if b"&" not in data and b"\\" not in data:
                matches = [m for m in matches if not (m[0] in inner and m[1] and data[m[1] - 1] in _LOWER
                                                      and data[m[1]] in _LOWER)]
            else:  # (an escape just before may decode to a separator: _byte_boundary's test)
                matches = [m for m in matches if not (m[0] in inner and m[1] and data[m[1] - 1] in _LOWER
                                                      and data[m[1]] in _LOWER and not _ESCAPE_NEAR.search(data, max(0, m[1] - 48), m[1]))]
        if not matches:
            return False
        patterns, meta, needles, leads = self._tables[family]
        info = self.gate._info
        exact = family in _EXACT
        windows: list[tuple[int, int]] = []
        rare: list[int] = []
        for pid, start, end in matches:
            if pid in leads:
                start += leads[pid]
            for kind, word, left, right in meta[pid]:
                if kind == FULL or kind == PARTIAL:
                    got = _byte_boundary(data, start, family) if left and start > 0 else EXACT
                    if got and kind == FULL and right and end < len(data) and _LOW[data[end]] != 0x73:
                        got = min(got, _byte_boundary(data, end, family))
                    if got and kind == PARTIAL:
                        got = min(got, self._continues(data, start, end, family, info[word][1], info[word][4]))
                    if got:
                        return True if exact and got == EXACT else None
                elif kind == LONG:
                    return None
                elif kind == RARE:
                    rare.append(pid)
                elif windows and start - MARGIN <= windows[-1][1] and end + MARGIN >= windows[-1][0]:
                    windows[-1] = (min(windows[-1][0], max(0, start - MARGIN)), max(windows[-1][1], end + MARGIN))
                else:
                    windows.append((max(0, start - MARGIN), end + MARGIN))
        if rare and _holds_one(data, family, [needles.get(pid) for pid in rare]):
            return None  # (rare characters and escapes: the text gate folds the text around them)
        if len(windows) > 4 or sum(b - a for a, b in windows) > len(data) // 4:
            return self._settled(data, 0, len(data), family)  # the whole unit: the text gate's own answer
        return None if any(self._settled(data, a, b, family) for a, b in windows) else False

    @staticmethod
    def _continues(data: bytes, start: int, end: int, family: str, nxt: frozenset[str],
                   kind: int = _SEED_PARTIAL) -> int:
        """The text gate's test of a partial seed (textgate.follows) on what follows the hit: an
        ordinary character or escape right after a seed that ends with a cut or a term's
        character is read on the bytes (EXACT); anything else (spaces, tags, entities, a seed
        that is an escape or ends with ``<``/``&``/``\\``) on the text decoded from the hit on
        (LENIENT: the window's end reads as "more to come"; a hit that does not start on a
        character boundary is no occurrence)."""
        p = end
        if family in ASCII_COMPATIBLE and end < len(data):
            if data[start] in (0x26, 0x5C):  # an escaped first character: its digits end with the seed's
                if data[start] == 0x26 and _LOW[data[end]] in (_HEX if _LOW[data[start + 2]] == 0x78 else _DIGIT):
                    return 0  # (a longer number: another character)
                p += data[end] == 0x3B  # ";"
            elif data[end - 1] in _STARTS:
                if kind == INWORD and (m := _TAG_BYTES.match(data, end - 1)) and m.group(1).lower() in _BREAK_BYTES:
                    return 0  # a block or cell tag inside a word: the extractor breaks the line there
                if data[end - 1] == 0x3C and family in _EXACT and (got := _after_tag(data, end - 1, nxt, kind == INWORD)) is not None:
                    return got
                p = -1  # (a tag, entity or escape: the text gate's test)
            if 0 <= p < len(data):
                b = _LOW[data[p]]
                if b in (0x5C, 0x26):  # "\\" or "&": an escaped next character
                    got = _escape_fits(data, p, nxt)
                    if got is not None:
                        return got
                elif b < 0x80:
                    c = chr(b)
                    if c not in joiners() and c not in _OPAQUE:
                        return EXACT * next_char_fits(c, nxt)
                elif family == "utf8" and b >= 0xC0:
                    c = data[p:p + (2 if b < 0xE0 else 3 if b < 0xF0 else 4)].decode("utf-8", "ignore").lower()
                    if len(c) == 1 and c not in joiners():
                        return EXACT * next_char_fits(c, nxt)
        codec = CODEC[family]
        seed = len(data[start:end].decode(codec, "ignore"))
        for right in (NEAR, RIGHT):
            text = data[start:end + right].decode(codec, "ignore").lower()
            if seed and follows(text, 0, seed, nxt, kind):
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
            if ascii_only and family in ASCII_COMPATIBLE:
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
        text = data[start:end].decode(CODEC[family] if family != "utf8" or start else "utf-8-sig", "ignore")
        return self.gate.any(text.lower(), text)


_UNICODE_ESCAPES: dict[tuple[bytes, frozenset[str]], int | None] = {}
""":func:`_escape_fits` of a ``\\uXXXX`` by its digits and the characters wanted (JSON-escaped
pages repeat a few thousand escapes: the answer is looked up, not parsed again)."""
_UNSET = -1


def _escape_fits(data: bytes, at: int, nxt: frozenset[str]) -> int | None:
    """The escape at ``data[at]`` (``\\``/``&``) read on the bytes: EXACT when it stands for one of
    ``nxt``, 0 when for another character; None when the text gate's test must read on (unclear,
    a joiner, or a character that may start markup).  A ``\\uXXXX`` is decided by its four digits."""
    if data[at] == 0x5C and data[at + 1:at + 2] in (b"u", b"U"):
        key = (data[at + 2:at + 6], nxt)
        got = _UNICODE_ESCAPES.get(key, _UNSET)
        if got == _UNSET:
            got = _escape_read(data, at, nxt)
            if len(_UNICODE_ESCAPES) < 1 << 16:
                _UNICODE_ESCAPES[key] = got
        return got
    return _escape_read(data, at, nxt)


def _escape_read(data: bytes, at: int, nxt: frozenset[str]) -> int | None:
    c = escaped_char(_NEXT_ESCAPE_BYTES.match(data, at))
    if c is None or c in joiners() or c in _OPAQUE:
        return None
    return EXACT * next_char_fits(c.lower(), nxt)


def _after_tag(data: bytes, p: int, nxt: frozenset[str], inword: bool) -> int | None:
    """The text gate's test (textgate._continues) from the tag opening at ``data[p]``, on the
    bytes of UTF-8 or cp1252 (one byte, one character for ASCII), while it meets only tags and
    ASCII joiners and the tags close within the test's reach: EXACT when the character after
    them is one the term may go on with, 0 when not (or a block tag inside a word); None leaves
    the hit to the test on the decoded text (a dropped element, a comment or CDATA, an escape,
    a non-ASCII byte, the end of the data, ``_MAX_TAGS`` tags)."""
    n = len(data)
    for _ in range(_MAX_TAGS):
        while not inword and p < n and data[p] in _ASCII_JOINERS:
            p += 1
        if p >= n:
            return None
        b = _LOW[data[p]]
        if b != 0x3C:  # "<"
            if b >= 0x80 or b in _OPAQUE_BYTES:
                return None
            return EXACT * next_char_fits(chr(b), nxt)
        if data[p + 1:p + 10].translate(_LOW).startswith(_DROPPED_BYTES):
            return None
        close = data.find(b">", p, p + 1000)  # (1000 bytes hold at most 1000 characters: the text test's reach)
        if close < 0:
            return None
        if inword and (m := _TAG_BYTES.match(data, p)) and m.group(1).lower() in _BREAK_BYTES:
            return 0  # a block or cell tag inside a word: the extractor breaks the line there
        p = close + 1
    return None


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
    if family in MULTIBYTE and p >= 2 and data[p - 2] >= 0x80:
        return LENIENT  # data[p - 1] may be a trail byte of a two-byte character
    back = data[max(0, p - 48):p]  # (no letters to fold in "&#" or "\\")
    if b"&#" in back or b"\\" in back or _ENTITY_END.search(data, max(0, p - 9), p):
        return LENIENT  # an escape (or an entity without its ";") may end here and decode to a separator
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
    elif family in MULTIBYTE and start > 0:
        for reach in (256, 4096):  # (most text has a space or a tag near: look near first)
            floor = max(0, start - reach)
            safe = max(data.rfind(s, floor, start) for s in _SAFE_GB)
            if safe >= 0 or floor == 0:
                break
        if safe < 0:
            return (0, end) if floor == 0 else (None, end)
        start = safe + 1
    return start, end


def _holds_one(data: bytes, family: str, needles: list[frozenset[str] | None]) -> bool:
    """Does a rare hit count: an ASCII one (None) always, another when the unit decoded as the
    text layer decodes it holds one of its texts (not across two characters, nor in the BOM)?"""
    if None in needles:
        return True
    bom = next((len(b) for b, _ in _BOMS if data.startswith(b)), 0)
    text = data[bom:].decode(CODEC[family], "ignore")
    return any(n in text for n in set().union(*needles))
