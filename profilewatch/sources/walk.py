"""Walk input paths into top-level units, ripgrep-style: the walker only finds files.

Folders are walked recursively in sorted order; hidden entries and VCS folders are skipped
(one ``skipped`` record each), symlinks are not followed unless asked.  Each file becomes a :class:`Unit` whose ``file`` is
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
import stat
from collections.abc import Iterator
from dataclasses import dataclass
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

    Every path given and every entry met ends as exactly one item: a unit, or a problem --
    ``not_found``/``not_a_path`` (a URL) for a path given, ``permission_denied``/``unreadable``
    for a folder that cannot be listed (``file`` ends in ``/``), ``symlink`` for a link not
    followed (to a file or a folder), ``symlink_loop``, ``hidden`` for a hidden or VCS entry
    (a folder is one record), ``not_regular_file`` for a device, socket or fifo.
    ``selection`` (:mod:`profilewatch.sources.ignore`) leaves out paths below a walked folder:
    each one left out is a ``skipped`` record with reason ``excluded``.  A file named on the
    command line is always scanned.
    """
    selection = selection or Selection(ignore_files=False)
    for given in paths:
        problem = given_problem(given)
        if problem is not None:
            yield problem
            continue
        if is_url(given):
            yield from _remote(given, max_in_memory, selection)
            continue
        root = Path(given)
        if root.is_dir():
            yield from _folder(root, "", _Walk(root, follow_symlinks, max_in_memory, include_hidden, selection),
                               {os.path.realpath(root)})
        else:
            yield from _file(root, root.name, follow_symlinks or not root.is_symlink(), max_in_memory)


def given_problem(given: str) -> Problem | None:
    """The problem with a path given on the command line, or ``None``: a local path that is not
    there (``not_found``), or a URL whose scheme fsspec does not know (``not_a_path``: a typo such
    as ``htps://``).  Without fsspec a URL is left to :func:`_remote`, which names the extra."""
    if is_url(given):
        try:
            import fsspec
        except ImportError:
            return None
        scheme = given.split("://", 1)[0].lower()
        if scheme not in fsspec.available_protocols():
            return Problem("error", given, None, "not_a_path", f"not a file, folder or known URL scheme ({scheme}://): {given}")
        return None
    if not os.path.lexists(given):
        return Problem("error", given, None, "not_found", f"no such file or folder: {given}")
    return None


@dataclass
class _Walk:
    root: Path
    follow_symlinks: bool
    max_in_memory: int
    include_hidden: bool
    selection: Selection


def _folder(folder: Path, here: str, w: _Walk, ancestors: set[str]) -> Iterator[Unit | Problem]:
    """The entries of ``folder`` (``here`` relative to the root): folders pruned, then files, then subfolders."""
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield _cannot_read(f"{here}/" if here else folder.as_posix().rstrip("/") + "/", exc)
        return
    w.selection.load_dir(folder, here)
    subfolders: list[tuple[os.DirEntry, str]] = []
    files: list[tuple[os.DirEntry, str]] = []
    for entry in entries:
        rel = f"{here}/{entry.name}" if here else entry.name
        try:
            is_dir = entry.is_dir(follow_symlinks=w.follow_symlinks)
        except OSError:
            is_dir = False
        (subfolders if is_dir else files).append((entry, rel))
    kept = []
    for entry, rel in subfolders:
        if entry.name in VCS_DIRS or (not w.include_hidden and entry.name.startswith(".")):
            yield _skip(rel + "/", "hidden", "hidden or VCS folder, not walked")
        elif (why := w.selection.excluded(rel, is_dir=True)) is not None:
            yield _excluded(rel + "/", why + "; the folder was not walked")
        elif entry.is_symlink() and os.path.realpath(entry.path) in ancestors:
            yield _skip(rel, "symlink_loop", "symbolic link to a folder it is inside of, not followed")
        else:
            kept.append((entry, rel))
    for entry, rel in files:
        if not w.include_hidden and entry.name.startswith("."):
            yield _skip(rel, "hidden", "hidden file, not scanned")
        elif entry.name in SKIP_NAMES:
            yield _excluded(rel, "a corpus label file")
        elif (why := w.selection.excluded(rel)) is not None:
            yield _excluded(rel, why)
        elif not entry.is_symlink():  # (the entry knows from the listing: no system call)
            yield _regular(entry, rel, w.max_in_memory)
        else:
            yield from _file(Path(entry.path), rel, w.follow_symlinks, w.max_in_memory)
    for entry, rel in kept:
        yield from _folder(Path(entry.path), rel, w, ancestors | {os.path.realpath(entry.path)})


def _skip(rel: str, reason: str, why: str) -> Problem:
    log.info("skipped %s: %s", rel, why)
    return Problem("skipped", rel, None, reason, why)


def _cannot_read(rel: str, exc: OSError) -> Problem:
    if isinstance(exc, PermissionError):
        return Problem("error", rel, None, "permission_denied", f"cannot read: {exc.strerror}")
    return Problem("error", rel, None, "unreadable", f"cannot read: {exc.strerror or exc}")


def _excluded(rel: str, why: str) -> Problem:
    log.info("skipped %s: %s", rel, why)
    return Problem("skipped", rel, None, "excluded", why)


def _file(path: Path, rel: str, follow_symlinks: bool, max_in_memory: int) -> Iterator[Unit | Problem]:
    if path.is_symlink() and not follow_symlinks:
        yield Problem("skipped", rel, None, "symlink", "symbolic link not followed (use --follow-symlinks)")
        return
    if path.is_symlink() and not path.exists():
        yield Problem("error", rel, None, "not_found", "symbolic link to nothing")
        return
    try:
        size = path.stat().st_size
        if not path.is_file():
            yield Problem("skipped", rel, None, "not_regular_file", "not a regular file (device, socket or fifo)")
            return
        if size > max_in_memory:
            yield Unit(file=rel, member=None, data=b"", path=str(path), size=size)
            return
        data = _read(str(path))
    except OSError as exc:
        yield _cannot_read(rel, exc)
        return
    yield Unit(file=rel, member=None, data=data, path=str(path))


def _regular(entry: os.DirEntry, rel: str, max_in_memory: int) -> Unit | Problem:
    """:func:`_file` for a listed entry that is not a symbolic link: one ``stat``, one read."""
    try:
        st = entry.stat()
        if not stat.S_ISREG(st.st_mode):
            return Problem("skipped", rel, None, "not_regular_file", "not a regular file (device, socket or fifo)")
        if st.st_size > max_in_memory:
            return Unit(file=rel, member=None, data=b"", path=entry.path, size=st.st_size)
        data = _read(entry.path)
    except OSError as exc:
        return _cannot_read(rel, exc)
    return Unit(file=rel, member=None, data=data, path=entry.path)


def _read(path: str) -> bytes:
    """The bytes of the file at ``path``."""
    with open(path, "rb", buffering=0) as fh:
        return fh.read()


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
