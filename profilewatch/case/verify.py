"""Verify an evidence bundle (``profilewatch verify-evidence``): a ZIP, or the folder it was unpacked to.

Every file must match the SHA-256 and size the bundle's ``manifest.json`` lists, nothing may be
missing or added, and ``SHA256SUMS`` (what recipients without profilewatch check with
``sha256sum -c``) must agree.  Entry order, folder entries, a single enclosing folder and
archiver junk (``__MACOSX/``, ``.DS_Store``) do not matter, so a bundle unzipped and zipped
again still verifies (with a note); ``strict`` also requires the ZIP to be byte for byte the
canonical container :func:`profilewatch.case.evidence.export` wrote.  Each problem is one line.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .evidence import _CHUNK, _JUNK, BUNDLE_VERSION, MANIFEST, SUMS, _file_sha256, _sha256, _write_zip


@dataclass
class Verification:
    """What :func:`verify` found: ``ok`` when ``problems`` is empty.

    ``problems`` are one line each (``NAME: altered (...)``, ``NAME: missing``...); ``notes``
    say what was tolerated (re-packed container, folder entries, archiver junk); ``canonical``
    is True when a ZIP is byte for byte the one export wrote, None for a folder.
    """

    path: str
    files: int = 0
    manifest_sha256: str | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    canonical: bool | None = None
    altered: int = 0
    missing: int = 0
    extra: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


Opener = Callable[[], BinaryIO]


def _zip_entries(zf: zipfile.ZipFile) -> tuple[dict[str, Opener], int, bool]:
    """Files of a ZIP (folder entries dropped): name -> opener, folder entries, duplicates seen."""
    entries: dict[str, Opener] = {}
    folders, duplicates = 0, False
    for info in zf.infolist():
        if info.is_dir():
            folders += 1
            continue
        duplicates |= info.filename in entries
        entries[info.filename] = (lambda i=info: zf.open(i))
    return entries, folders, duplicates


def _dir_entries(root: Path) -> dict[str, Opener]:
    return {p.relative_to(root).as_posix(): (lambda p=p: open(p, "rb"))
            for p in sorted(root.rglob("*")) if p.is_file()}


def _rooted(entries: dict[str, Opener]) -> tuple[str, dict[str, Opener], list[str]]:
    """The bundle's root inside ``entries`` (a re-zip may put it under one folder): prefix, its files, the rest."""
    manifests = sorted((n for n in entries if n == MANIFEST or n.endswith("/" + MANIFEST) and not _JUNK.search(n)),
                       key=lambda n: (n.count("/"), n))
    prefix = manifests[0][: -len(MANIFEST)] if manifests else ""
    inside = {n[len(prefix):]: o for n, o in entries.items() if n.startswith(prefix)}
    return prefix, inside, sorted(n for n in entries if not n.startswith(prefix))


def _digest(opener: Opener) -> tuple[str, int]:
    digest, n = hashlib.sha256(), 0
    with opener() as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
            n += len(chunk)
    return digest.hexdigest(), n


def verify(path: str | os.PathLike, manifest_sha256: str | None = None, *, strict: bool = False) -> Verification:
    """Check every file of a bundle (a ZIP, or the folder it was unpacked to) against its manifest.

    Entry order, folder entries, a single enclosing folder and archiver junk (``__MACOSX/``,
    ``.DS_Store``) do not matter: a bundle unzipped and zipped again still verifies.  With
    ``strict`` a ZIP must also be byte for byte the canonical container export wrote.
    """
    result = Verification(str(path))
    if Path(path).is_dir():
        _check(result, _dir_entries(Path(path)), manifest_sha256)
        return result
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        result.problems.append(f"not a readable ZIP file: {exc}")
        return result
    with zf:
        entries, folders, duplicates = _zip_entries(zf)
        if folders:
            result.notes.append(f"{folders} folder entries ignored")
        if duplicates:
            result.problems.append("duplicate entries in the ZIP file")
        listed = _check(result, entries, manifest_sha256)
        if result.problems or listed is None:
            return result
        names = [i.filename for i in zf.infolist()]
        order = [MANIFEST] + ([SUMS] if SUMS in names else []) + listed
        result.canonical = names == order and _canonical_digest(zf, order) == _file_sha256(str(path))
    if not result.canonical:
        if strict:
            result.problems.append("ZIP container differs from the canonical bundle (file contents match the manifest)")
        else:
            result.notes.append("re-packed: the ZIP container is not the one export wrote; every file's contents match")
    return result


def _check(result: Verification, entries: dict[str, Opener], expected: str | None) -> list[str] | None:
    """Check ``entries`` against the manifest among them; returns the listed paths (None: no usable manifest)."""
    prefix, inside, outside = _rooted(entries)
    if prefix:
        result.notes.append(f"bundle found under {prefix!r}")
    if MANIFEST not in inside:
        result.problems.append(f"no {MANIFEST}: not a profilewatch evidence bundle")
        return None
    try:
        with inside[MANIFEST]() as fh:
            raw = fh.read()
        manifest = json.loads(raw)
        listed = [(f["path"], f["sha256"], f["size"]) for f in manifest["files"]]
    except Exception as exc:  # noqa: BLE001 - any damage is reported the same way
        result.problems.append(f"{MANIFEST} is damaged: {type(exc).__name__}: {exc}")
        return None
    result.manifest_sha256 = _sha256(raw)
    if expected and expected.lower() != result.manifest_sha256:
        result.problems.append(f"{MANIFEST} SHA-256 is {result.manifest_sha256}, expected {expected}")
    if manifest.get("profilewatch_evidence") != BUNDLE_VERSION:
        result.problems.append(f"unknown bundle version {manifest.get('profilewatch_evidence')!r}")
    known = {MANIFEST, SUMS} | {p for p, _, _ in listed}
    junk = sorted(n for n in [*inside, *outside] if n not in known and _JUNK.search(n))
    if junk:
        result.notes.append(f"{len(junk)} archiver files ignored ({', '.join(junk[:3])}{', ...' if len(junk) > 3 else ''})")
    for extra in sorted(set(inside) - known - set(junk)) + [n for n in outside if n not in junk]:
        result.extra += 1
        result.problems.append(f"{extra}: in the bundle but not in the manifest")
    actual = {MANIFEST: result.manifest_sha256}
    for name, sha, size in listed:
        if name not in inside:
            result.missing += 1
            result.problems.append(f"{name}: missing (listed in the manifest)")
            continue
        try:
            digest, n = _digest(inside[name])
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            result.altered += 1
            result.problems.append(f"{name}: altered or damaged ({exc})")
            continue
        actual[name] = digest
        result.files += 1
        if digest != sha or n != size:
            result.altered += 1
            result.problems.append(f"{name}: altered (SHA-256 {digest}, {n} bytes; manifest says {sha}, {size} bytes)")
    if SUMS in inside:
        _check_sums(result, inside[SUMS], actual, known)
    return [p for p, _, _ in listed]


def _check_sums(result: Verification, opener: Opener, actual: dict[str, str], known: set[str]) -> None:
    """SHA256SUMS must agree with the files and the manifest (it is what recipients check)."""
    try:
        with opener() as fh:
            lines = fh.read().decode("utf-8", "replace").splitlines()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        result.altered += 1
        result.problems.append(f"{SUMS}: altered or damaged ({exc})")
        return
    sums = {}
    for line in lines:
        sha, _, name = line.partition(" ")
        sums[name[1:] if name[:1] in " *" else name] = sha
    for name, sha in sums.items():
        if name not in known:
            result.problems.append(f"{SUMS}: lists {name}, which the manifest does not")
        elif name in actual and actual[name] != sha:
            result.problems.append(f"{SUMS}: its line for {name} does not match the file")
    unlisted = sorted(known - {SUMS} - set(sums))
    if unlisted:
        result.problems.append(f"{SUMS}: does not list {', '.join(unlisted[:3])}{' ...' if len(unlisted) > 3 else ''}")


def _canonical_digest(zf: zipfile.ZipFile, order: list[str]) -> str:
    def stream(name: str) -> Iterator[bytes]:
        with zf.open(name) as fh:
            yield from iter(lambda: fh.read(_CHUNK), b"")

    with tempfile.TemporaryFile() as tmp:
        _write_zip(tmp, [(n, zf.getinfo(n).file_size, stream(n)) for n in order])
        tmp.seek(0)
        digest = hashlib.sha256()
        for chunk in iter(lambda: tmp.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()
