"""Baselines: a small, committable JSON file of known finding fingerprints.

``profilewatch scan --write-baseline FILE`` writes every finding of the scan; ``--baseline FILE``
leaves those out, so CI reports (and its exit code follows) only new findings.  The file is
deterministic (sorted, no timestamps) so it diffs cleanly::

    {"profilewatch_baseline": 1, "rules_digest": "sha256:...",
     "findings": [{"fingerprint": "...", "kind": "...", "category": "...", "file": "...", "member": null}]}
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from ..files import atomic_write
from ..records import Finding

FORMAT_VERSION = 1


class BaselineError(Exception):
    """The baseline file cannot be read (missing, not JSON, wrong shape); CLI exit 2."""


def load_baseline(path: str | os.PathLike) -> set[str]:
    """The fingerprints listed in a baseline file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise BaselineError(f"baseline {path} is not UTF-8 text: {exc}") from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"baseline {path} is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list):
        raise BaselineError(f"baseline {path} is not a profilewatch baseline (expected an object with a 'findings' list)")
    version = doc.get("profilewatch_baseline")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BaselineError(f"baseline {path} has format version {version!r}; this profilewatch reads up to {FORMAT_VERSION}")
    fps: set[str] = set()
    for i, entry in enumerate(doc["findings"]):
        fp = entry.get("fingerprint") if isinstance(entry, dict) else entry
        if not isinstance(fp, str) or not fp:
            raise BaselineError(f"baseline {path}: findings[{i}] has no fingerprint")
        fps.add(fp)
    return fps


def check_writable(path: str | os.PathLike) -> None:
    """Fail early (before scanning) when a baseline cannot be written to ``path``."""
    target = Path(path)
    if target.is_dir():
        raise BaselineError(f"cannot write baseline {path}: it is a folder")
    if not target.parent.is_dir():
        raise BaselineError(f"cannot write baseline {path}: no folder {target.parent}")


def write_baseline(path: str | os.PathLike, findings: Iterable[Finding], rules_digest: str) -> int:
    """Write (atomically) a baseline of ``findings``; returns the number of fingerprints."""
    entries: dict[str, dict] = {}
    for f in findings:
        entries.setdefault(f.fingerprint, {"fingerprint": f.fingerprint, "kind": f.kind, "category": f.category,
                                           "file": f.file, "member": f.member})
    doc = {"profilewatch_baseline": FORMAT_VERSION, "rules_digest": rules_digest,
           "findings": [entries[k] for k in sorted(entries)]}
    check_writable(path)
    try:
        with atomic_write(path, "w", encoding="utf-8", newline="\n") as fh:
            json.dump(doc, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
    except OSError as exc:
        raise BaselineError(f"cannot write baseline {path}: {exc.strerror or exc}") from exc
    return len(entries)
