"""Helpers for the container / format tests: build inputs in memory, scan without the detector."""
from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from profilewatch.records import Finding, Problem, Segment, Unit, UnitRecord
from profilewatch.options import ScanOptions
from profilewatch.scanner import scan_unit
from profilewatch.options import Limits
from profilewatch.sources.walk import walk

def _find_dev() -> Path:
    here = Path(__file__).resolve()
    for base in (os.environ.get("PROFILEWATCH_CORPUS"), here.parents[2] / "shared/corpus/dev", "/work/shared/corpus/dev"):
        if base and (Path(base) / "corpus/labels.jsonl").exists():
            return Path(base)
    return here.parents[2] / "shared/corpus/dev"


DEV = _find_dev()
CORPUS = DEV / "corpus"
needs_corpus = pytest.mark.skipif(not CORPUS.exists(), reason=f"SKIPPED LOUDLY: dev corpus not found at {DEV}")


class Collect:
    """A detector stand-in: consumes every segment (so extraction errors surface) and finds nothing."""

    def __init__(self) -> None:
        self.segments: dict[tuple[str, str | None], list[Segment]] = {}

    def detect(self, unit: Unit, segments, deadline: float | None = None, **_: Any) -> list[Finding]:
        self.segments[unit.key] = list(segments)
        return []


def scan_paths(paths: list[Path | str], limits: Limits | None = None, detector: Any = None
               ) -> tuple[list[dict], Collect]:
    """Records (as dicts) of scanning ``paths`` like ``api.scan`` does, with a collecting detector."""
    collect = detector or Collect()
    options = ScanOptions(limits=limits or Limits())
    out: list[dict] = []
    for item in walk([str(p) for p in paths]):
        if isinstance(item, Problem):
            out.append(item.to_dict())
            out.append(UnitRecord(item.file, item.member, item.sha256, 0, "unknown", item.type).to_dict())
            continue
        out.extend(r.to_dict() for r in scan_unit(item, collect, options))
    return out, collect


def scan_bytes(name: str, data: bytes, limits: Limits | None = None, detector: Any = None
               ) -> tuple[list[dict], Collect]:
    """Records of scanning one in-memory top-level unit called ``name``."""
    collect = detector or Collect()
    options = ScanOptions(limits=limits or Limits())
    unit = Unit(file=name, member=None, data=data)
    return [r.to_dict() for r in scan_unit(unit, collect, options)], collect


def units(records: list[dict], outcome: str | None = None) -> list[tuple[str, str | None]]:
    return [(r["file"], r["member"]) for r in records
            if r["type"] == "unit" and (outcome is None or r["outcome"] == outcome)]


def problems(records: list[dict]) -> list[dict]:
    return [r for r in records if r["type"] in ("error", "skipped")]


def slim(problem: dict) -> tuple:
    """(type, reason, limit, file, member) of a problem record."""
    return (problem["type"], problem["reason"], problem.get("limit"), problem["file"], problem["member"])


def make_zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            if name.endswith("/"):
                zf.writestr(zipfile.ZipInfo(name), b"")
            else:
                zf.writestr(name, data)
    return buf.getvalue()


def make_tar(members: dict[str, bytes], mode: str = "w", links: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            if name.endswith("/"):
                info.type = tarfile.DIRTYPE
                tf.addfile(info)
                continue
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tf.addfile(info)
    return buf.getvalue()


def warc_record(kind: str, uri: str | None, date: str, block: bytes, extra: dict[str, str] | None = None,
                content_type: str | None = None, record_id: str = "<urn:uuid:00000000-0000-0000-0000-000000000001>"
                ) -> bytes:
    headers = {"WARC-Type": kind, "WARC-Record-ID": record_id, "WARC-Date": date}
    if uri:
        headers["WARC-Target-URI"] = uri
    headers["Content-Type"] = content_type or ("application/http; msgtype=response" if kind == "response"
                                               else "application/http; msgtype=request" if kind == "request"
                                               else "application/warc-fields")
    headers.update(extra or {})
    headers["Content-Length"] = str(len(block))
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode() + block + b"\r\n\r\n"


def http_response(body: bytes, content_type: str = "text/html; charset=utf-8", status: str = "200 OK",
                  headers: dict[str, str] | None = None) -> bytes:
    all_headers = {"Content-Type": content_type, **(headers or {})}
    if "Transfer-Encoding" not in all_headers:
        all_headers["Content-Length"] = str(len(body))
    head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in all_headers.items()) + "\r\n"
    return head.encode() + body


def gzip_members(records: list[bytes]) -> bytes:
    """Per-record gzip, as in the dev corpus WARCs."""
    return b"".join(gzip.compress(r, mtime=0) for r in records)


def labels(prefix: str) -> set[tuple[str, str | None]]:
    out = set()
    for line in (CORPUS / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["file"].startswith(prefix):
            out.add((row["file"], row["member"]))
    return out


def with_limits(**changes: Any) -> Limits:
    return replace(Limits(), **changes)
