"""A one-page PDF whose text content stream inflates to ``inflated`` bytes (tests and benchmarks)."""
from __future__ import annotations

import zlib


def inflating_pdf(claim: str, inflated: int, tail_claim: str | None = None) -> bytes:
    """One page: ``claim`` shown as text, then spaces and no-op moves up to ``inflated`` bytes."""
    head = f"BT /F1 12 Tf 72 720 Td ({claim}) Tj ET\n".encode()
    filler = b"BT 0 0 Td ( ) Tj ET\n" * ((inflated - len(head)) // 20)
    tail = f"BT /F1 12 Tf 72 700 Td ({tail_claim}) Tj ET\n".encode() if tail_claim else b""
    content = zlib.compress(head + filler + tail, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
