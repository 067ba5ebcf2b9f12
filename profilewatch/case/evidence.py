"""Evidence bundles: ``profilewatch export-evidence`` and ``profilewatch verify-evidence``.

A bundle is a ZIP file holding, for one scan of a case store:

* ``manifest.json`` (always the first entry): tool, code and rules versions, the scan (ids,
  timestamps, arguments), and every other file with its SHA-256, size and role; for source
  copies also where they came from (file, archive member chain, WARC URI and capture date,
  when they were scanned) and the fingerprints of the findings in them;
* ``report.html`` (the registered ``html`` writer) or, when it is not available,
  ``findings.md`` -- the manifest's ``report`` says which and why;
* ``findings.jsonl`` (one finding per line, with its review decision) and ``reviews.jsonl``
  (the decision history of those fingerprints);
* ``sources/<sha256 prefix>/<name>``: a copy of each unit that holds a finding, archive members
  and WARC records extracted as their own files.

* ``SHA256SUMS`` (second entry; ``sha256sum -c SHA256SUMS`` in the unpacked folder checks the
  manifest and every file it lists) and ``README.txt`` (what is inside, how to check it).

The ZIP is written canonically (stored, not compressed; fixed timestamps and attributes; entry
order fixed by the manifest).  :mod:`profilewatch.case.verify` checks every file against the
manifest, whatever the container (re-zipped, unpacked), and with ``--strict`` the container
byte for byte.  The manifest's own SHA-256 is printed on export; record it elsewhere (case
notes, a ticket) and pass it to ``verify-evidence --manifest-sha256`` to also rule out a
rewritten manifest.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from .. import __version__
from ..files import atomic_write
from ..records import now
from ..report import WRITERS
from ..report.write import write_all
from .session import code_digest
from .store import Store

BUNDLE_VERSION = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
README = "README.txt"
# left by archivers and file browsers, never part of a bundle: ignored (and said so) when verifying
_JUNK = re.compile(r"(^|/)(__MACOSX/.*|\.DS_Store|Thumbs\.db|desktop\.ini|\._[^/]*)$")
_EPOCH = (1980, 1, 1, 0, 0, 0)
_CHUNK = 1 << 20


class EvidenceError(Exception):
    """The bundle cannot be written (nothing to export, missing source...)."""


# --------------------------------------------------------------------------- canonical zip

def _zipinfo(name: str, size: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    info.file_size = size
    return info


def _write_zip(fh: BinaryIO, entries: list[tuple[str, int, Iterator[bytes]]]) -> None:
    """Write ``(name, size, chunks)`` entries as a canonical stored ZIP."""
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, size, chunks in entries:
            with zf.open(_zipinfo(name, size), "w", force_zip64=size >= zipfile.ZIP64_LIMIT) as dst:
                for chunk in chunks:
                    dst.write(chunk)


def _chunks(data: bytes) -> Iterator[bytes]:
    for i in range(0, len(data), _CHUNK):
        yield data[i:i + _CHUNK]


def _file_chunks(path: str) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        yield from iter(lambda: fh.read(_CHUNK), b"")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- export

def _safe_name(file: str, member: str | None, provenance: dict[str, Any] | None) -> str:
    if provenance or (member and " " in member and "://" in member):
        uri = (provenance or {}).get("target_uri") or (member or file).split(" ")[0]
        parts = urlsplit(str(uri))
        name = parts.path.rstrip("/").rsplit("/", 1)[-1] or parts.netloc or "record"
    else:
        name = (member or file).split("!/")[-1].rstrip("/").rsplit("/", 1)[-1]
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "unit"
    return name[:80]


def _origin(prov: dict[str, Any] | None, file: str, member: str | None) -> dict[str, Any]:
    origin: dict[str, Any] = {"file": file, "member": member}
    if prov:
        origin["uri"] = prov.get("target_uri")
        origin["capture_date"] = prov.get("date")
        origin["warc"] = prov
    elif member and " " in member and "://" in member:
        uri, _, date = member.partition(" ")
        origin["uri"], origin["capture_date"] = uri, date
    return origin


def _report(scan: Any, findings: list[dict[str, Any]]) -> tuple[str, bytes, dict[str, Any]]:
    """The human-readable report: HTML, or Markdown should the HTML writer fail (the bundle must be made)."""
    header = {"type": "header", "tool": "profilewatch", "version": scan["version"],
              "rules_digest": scan["rules_digest"], "rule_packs": [],
              "arguments": json.loads(scan["arguments"]), "started": scan["started"]}
    try:
        return "report.html", _render("html", header, findings), {"writer": "html"}
    except Exception as exc:  # noqa: BLE001 - reported in the manifest
        note = f"HTML writer failed: {type(exc).__name__}: {exc}"[:300]
    return "findings.md", _render("markdown", header, findings), {"writer": "markdown", "note": note}


def _render(fmt: str, header: dict[str, Any], findings: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    write_all(WRITERS[fmt](out), header, findings)
    return out.getvalue().encode("utf-8")


def export(store: Store, out: str | os.PathLike, *, scan_id: int | None = None, confirmed_only: bool = False,
           include_dismissed: bool = False, fingerprints: set[str] | None = None) -> dict[str, Any]:
    """Write an evidence bundle of a scan (default: the latest complete one); returns a summary.
    ``fingerprints``: only these findings (the desk's current selection)."""
    if Path(out).resolve() == store.path.resolve():
        raise EvidenceError(f"--out {out} is the case store itself; choose another file")
    scan = store.scan_row(scan_id) if scan_id is not None else store.latest_scan()
    if scan is None:
        raise EvidenceError(f"no completed scan in {store.path}; run profilewatch scan --store first (or pass --scan ID)")
    decisions = store.decisions()
    rows = []
    for row in store.scan_findings(scan["id"]):
        decision = decisions.get(row["fingerprint"], {}).get("decision", "open")
        if fingerprints is not None and row["fingerprint"] not in fingerprints:
            continue
        if confirmed_only and decision != "confirmed":
            continue
        if decision == "dismissed" and not (include_dismissed or confirmed_only):
            continue
        rows.append(row)
    findings: list[dict[str, Any]] = []
    sources: dict[str, dict[str, Any]] = {}
    for row in rows:
        d = json.loads(row["json"])
        if row["fingerprint"] in decisions:
            d["review"] = decisions[row["fingerprint"]]
        findings.append(d)
        src = sources.setdefault(row["sha256"], {"origins": [], "findings": [], "first": row})
        key = (row["file"], row["member"])
        if key not in [(o["file"], o["member"]) for o in src["origins"]]:
            provenance = store.unit_provenance(row["result_id"], row["file"], row["member"], row["sha256"])
            origin = _origin(provenance, row["file"], row["member"])
            origin.update(scanned=row["scanned"], scanned_by_scan=row["scanned_by"])
            src["origins"].append(origin)
            src.setdefault("name", _safe_name(row["file"], row["member"], provenance))
        if row["fingerprint"] not in src["findings"]:
            src["findings"].append(row["fingerprint"])

    entries: list[tuple[str, int, Iterator[bytes]]] = []
    files: list[dict[str, Any]] = []

    def add(name: str, data: bytes, role: str, **extra: Any) -> None:
        entries.append((name, len(data), _chunks(data)))
        files.append({"path": name, "role": role, "sha256": _sha256(data), "size": len(data), **extra})

    add(README, _readme(scan, len(findings), len(sources)), "readme")
    report_name, report_bytes, report_info = _report(scan, findings)
    add(report_name, report_bytes, "report")
    add("findings.jsonl", "".join(json.dumps(d, ensure_ascii=False, sort_keys=True) + "\n"
                                  for d in findings).encode("utf-8"), "findings")
    reviews = [dict(r) for fp in sorted({d["fingerprint"] for d in findings}) for r in store.history(fp)]
    add("reviews.jsonl", "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n"
                                 for r in reviews).encode("utf-8"), "reviews")
    missing = []
    for sha, src in sources.items():
        info = {"origins": src["origins"], "findings": src["findings"]}
        data, path = store.blob(sha)
        if path:
            info["disk_path"] = path  # where the scanned file was (top-level files only)
        name = f"sources/{sha[:16]}/{src['name']}"
        if data is not None:
            if _sha256(data) != sha:
                raise EvidenceError(f"stored copy of {sha} does not match its SHA-256; the store is damaged")
            add(name, data, "source", **info)
            continue
        if path and os.path.isfile(path) and _file_sha256(path) == sha:
            size = os.path.getsize(path)
            entries.append((name, size, _file_chunks(path)))
            files.append({"path": name, "role": "source", "sha256": sha, "size": size, **info})
            continue
        missing.append({"sha256": sha, **info, "reason": "bytes not stored and the original file changed or is gone"})
    manifest = {
        "profilewatch_evidence": BUNDLE_VERSION,
        "created": now(),
        "tool": {"name": "profilewatch", "version": __version__, "code_digest": code_digest()},
        "scan": {"id": scan["id"], "started": scan["started"], "finished": scan["finished"], "status": scan["status"],
                 "version": scan["version"], "code_digest": scan["code_digest"], "rules_digest": scan["rules_digest"],
                 "arguments": json.loads(scan["arguments"])},
        "rules_digest": scan["rules_digest"],
        "selection": {"confirmed_only": confirmed_only, "include_dismissed": include_dismissed,
                      "findings": len(findings), "sources": len(sources)},
        "report": {"path": report_name, **report_info},
        "files": files,
        "missing_sources": missing,
    }
    manifest_bytes = (json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
    sums = _sha256sums([(MANIFEST, _sha256(manifest_bytes))] + [(f["path"], f["sha256"]) for f in files])
    target = Path(out)
    with atomic_write(target) as fh:
        _write_zip(fh, [(MANIFEST, len(manifest_bytes), _chunks(manifest_bytes)),
                        (SUMS, len(sums), _chunks(sums))] + entries)
    return {"path": str(target), "manifest_sha256": _sha256(manifest_bytes), "findings": len(findings),
            "sources": len(sources) - len(missing), "missing_sources": len(missing), "report": report_name}


def _sha256sums(pairs: list[tuple[str, str]]) -> bytes:
    """``sha256sum`` format (two spaces, text mode), so ``sha256sum -c SHA256SUMS`` checks the unpacked bundle."""
    return "".join(f"{sha}  {name}\n" for name, sha in pairs).encode("utf-8")


def _readme(scan: Any, findings: int, sources: int) -> bytes:
    return README_TEXT.format(scan=scan["id"], started=scan["started"], findings=findings, sources=sources,
                              version=__version__).encode("utf-8")


README_TEXT = """profilewatch evidence bundle
============================

Scan {scan} (started {started}): {findings} findings, {sources} source files. Written by profilewatch {version}.

What is inside
  manifest.json   every other file with its SHA-256, size and role; for source copies also where
                  they came from (file, archive member, WARC URI and capture date) and the
                  fingerprints of the findings in them
  SHA256SUMS      the SHA-256 of manifest.json and of every file the manifest lists
  README.txt      this file
  report.html     the findings as a readable report (findings.md if HTML could not be written)
  findings.jsonl  one finding per line, with its review decision
  reviews.jsonl   the review history of those findings
  sources/        a copy of each file (archive member, WARC record) that holds a finding

How to check it without profilewatch
  unzip the bundle, then, in the folder that holds SHA256SUMS:
      sha256sum -c SHA256SUMS          (Linux; macOS: shasum -a 256 -c SHA256SUMS)
  Every line must end in OK.  Compare the SHA-256 of manifest.json with the value recorded when
  the bundle was exported (case notes, ticket): that rules out a rewritten manifest.

With profilewatch
      profilewatch verify-evidence BUNDLE.zip [--manifest-sha256 HEX]
      profilewatch verify-evidence UNPACKED_FOLDER [--manifest-sha256 HEX]
"""


def _file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    for chunk in _file_chunks(path):
        digest.update(chunk)
    return digest.hexdigest()
