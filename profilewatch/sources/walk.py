"""Walk input paths into top-level units, ripgrep-style: the walker only finds files.

Folders are walked recursively in sorted order; hidden entries and VCS folders are skipped,
symlinks are not followed unless asked.  Each file becomes a :class:`Unit` whose ``file`` is
relative to the path given on the command line (``/``-separated).  Files larger than
``max_in_memory`` are not read here: the scanner reads them in bounded windows.

An fsspec URL (``s3://bucket/crawl/``, ``https://host/file.warc.gz``, ``file:///data/``) is
read through fsspec (the ``cluster`` extra; without it the URL is an error record with reason
``needs_extra``): a folder-like URL is listed recursively (sorted; ``file`` relative to it), an
``http(s)://`` URL is always one file (``file`` = the URL).
"""
from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

from ..files import is_url
from ..records import Problem, Unit
from .ignore import Selection

log = logging.getLogger(__name__)
VCS_DIRS = frozenset({".git", ".hg", ".svn", ".bzr", "CVS", "_darcs", "__pycache__", "node_modules"})
SKIP_NAMES = frozenset({"labels.jsonl"})


def walk(paths: list[str], *, follow_symlinks: bool = False, max_in_memory: int = 64 << 20,
         include_hidden: bool = False, selection: Selection | None = None) -> Iterator[Unit | Problem]:
    """Yield a unit per file under ``paths`` (or a problem record for what cannot be read).

    ``selection`` (:mod:`profilewatch.sources.ignore`) leaves out paths below a walked folder:
    each one left out is a ``skipped`` record with reason ``excluded``.  A file named on the
    command line is always scanned.
    """
    selection = selection or Selection(ignore_files=False)
    for given in paths:
        if is_url(given):
            yield from _remote(given, max_in_memory, selection)
            continue
        root = Path(given)
        if not root.exists() and not root.is_symlink():
            yield Problem("error", given, None, "not_found", f"no such file or folder: {given}")
            continue
        if root.is_file() or (root.is_symlink() and not root.is_dir()):
            yield from _file(root, root.name, follow_symlinks, max_in_memory)
            continue
        for dirpath, dirnames, filenames in os.walk(root, followlinks=follow_symlinks,
                                                    onerror=None):
            here = Path(dirpath).relative_to(root).as_posix()
            here = "" if here == "." else here
            selection.load_dir(Path(dirpath), here)
            kept = []
            for d in sorted(d for d in dirnames if d not in VCS_DIRS and (include_hidden or not d.startswith("."))):
                why = selection.excluded(f"{here}/{d}" if here else d, is_dir=True)
                if why is None:
                    kept.append(d)
                else:
                    yield _excluded(f"{here}/{d}/" if here else f"{d}/", why + "; the folder was not walked")
            dirnames[:] = kept
            for name in sorted(filenames):
                if (not include_hidden and name.startswith(".")) or name in SKIP_NAMES:
                    continue
                full = Path(dirpath) / name
                rel = full.relative_to(root).as_posix()
                why = selection.excluded(rel)
                if why is not None:
                    yield _excluded(rel, why)
                    continue
                yield from _file(full, rel, follow_symlinks, max_in_memory)


def _excluded(rel: str, why: str) -> Problem:
    log.info("skipped %s: %s", rel, why)
    return Problem("skipped", rel, None, "excluded", why)


def _file(path: Path, rel: str, follow_symlinks: bool, max_in_memory: int) -> Iterator[Unit | Problem]:
    if path.is_symlink() and not follow_symlinks:
        yield Problem("skipped", rel, None, "symlink", "symbolic link not followed (use --follow-symlinks)")
        return
    try:
        size = path.stat().st_size
        if not path.is_file():
            yield Problem("skipped", rel, None, "not_regular_file", "not a regular file (device, socket or fifo)")
            return
        if size > max_in_memory:
            yield Unit(file=rel, member=None, data=b"", path=str(path), size=size)
            return
        data = path.read_bytes()
    except PermissionError as exc:
        yield Problem("error", rel, None, "permission_denied", f"cannot read: {exc.strerror}")
        return
    except OSError as exc:
        yield Problem("error", rel, None, "unreadable", f"cannot read: {exc.strerror or exc}")
        return
    yield Unit(file=rel, member=None, data=data, path=str(path))


def _remote(url: str, max_in_memory: int, selection: Selection) -> Iterator[Unit | Problem]:
    try:
        import fsspec
    except ImportError:
        yield Problem("error", url, None, "needs_extra",
                      "reading URLs (s3://, https://, file://) needs fsspec: pip install 'profilewatch[cluster]'")
        return
    try:
        fs, root = fsspec.core.url_to_fs(url)
        if not url.startswith(("http://", "https://")) and fs.isdir(root):
            base = root.rstrip("/") + "/"
            for found in sorted(fs.find(root)):
                rel = found[len(base):] if found.startswith(base) else found
                why = selection.excluded(rel)
                if why is not None:
                    yield _excluded(rel, why)
                elif not any(part.startswith(".") for part in rel.split("/")):
                    yield from _remote_file(fs, found, rel, fs.unstrip_protocol(found), max_in_memory)
            return
    except Exception as exc:  # noqa: BLE001 - any backend's failure is a record, not a crash
        yield Problem("error", url, None, "unreadable", f"cannot list: {type(exc).__name__}: {exc}"[:500])
        return
    yield from _remote_file(fs, root, url, url, max_in_memory)


def _remote_file(fs, path: str, rel: str, url: str, max_in_memory: int) -> Iterator[Unit | Problem]:
    try:
        size = fs.size(path)
        if size is not None and size > max_in_memory:
            yield Unit(file=rel, member=None, data=b"", path=url, size=size)
            return
        data = fs.cat_file(path)
    except FileNotFoundError:
        yield Problem("error", rel, None, "not_found", f"no such file or folder: {url}")
        return
    except Exception as exc:  # noqa: BLE001
        yield Problem("error", rel, None, "unreadable", f"cannot read: {type(exc).__name__}: {exc}"[:500])
        return
    yield Unit(file=rel, member=None, data=data, path=url)
