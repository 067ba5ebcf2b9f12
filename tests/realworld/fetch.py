#!/usr/bin/env python3
"""Rebuild the real-world corpus in a local cache (outside the repository) from its manifest.

    python tests/realworld/fetch.py [--cache DIR] [--mirror DIR] [--slice rwp,rwn] [--network]

The texts are third-party files and are never committed: ``manifest.jsonl`` beside this script
keeps, per file, its id, where it was found (GitHub repository + commit + path, or a PyPI/npm
package version + path inside it), its SHA-256 and length, and the labels.  This script
fetches each file, checks it against the recorded SHA-256 (a file that differs is reported and
left out) and writes ``labels.jsonl`` in the cache, so that

    profilewatch scan CACHE --format jsonl > out.jsonl
    python ../shared/corpus/dev/score.py CACHE/labels.jsonl out.jsonl

scores it.  GitHub files are read from local git mirrors (``--mirror``: one bare repository per
``owner+name`` folder, as the team's search tool fetches them) or, with ``--network``, fetched
with ``git fetch --depth 1 <commit>``; PyPI and npm files are downloaded with ``pip download``
and ``npm pack`` (the package registries).  Exit 1 when any file is missing or differs.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.jsonl"
LABEL_FIELDS = ("file", "member", "label", "categories", "kind", "lang", "note")


def from_git(source: dict, mirrors: Path, network: bool, work: Path) -> bytes | None:
    git_dir = mirrors / source["repo"].replace("/", "+")
    if (git_dir / "repo").is_dir():  # the search tool's snapshots: owner+name/repo
        git_dir = git_dir / "repo"
    if (git_dir / ".git").is_dir():  # ... sometimes a checkout holding .git
        git_dir = git_dir / ".git"
    if not git_dir.is_dir() and network:
        git_dir = work / source["repo"].replace("/", "+")
        if not git_dir.is_dir():
            subprocess.run(["git", "init", "-q", "--bare", str(git_dir)], check=True)
        subprocess.run(["git", "--git-dir", str(git_dir), "fetch", "-q", "--depth", "1",
                        f"https://github.com/{source['repo']}.git", source["commit"]], check=False)
    if not git_dir.is_dir():
        return None
    shown = subprocess.run(["git", "--git-dir", str(git_dir), "show", f"{source['commit']}:{source['path']}"],
                           capture_output=True)
    return shown.stdout if shown.returncode == 0 else None


def from_package(source: dict, work: Path, downloaded: dict[str, Path]) -> bytes | None:
    key = f"{source['kind']}:{source['package']}=={source['version']}"
    if key not in downloaded:
        folder = Path(tempfile.mkdtemp(dir=work))
        if source["kind"] == "pypi":
            cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(folder),
                   f"{source['package']}=={source['version']}"]
            if str(source.get("archive", "")).endswith((".tar.gz", ".zip")):
                cmd[4:4] = ["--no-binary", ":all:"]
        else:
            cmd = ["npm", "pack", "--silent", "--pack-destination", str(folder), f"{source['package']}@{source['version']}"]
        subprocess.run(cmd, check=False, capture_output=True)
        archives = sorted(p for p in folder.iterdir() if p.is_file())
        downloaded[key] = archives[0] if archives else folder
    archive = downloaded[key]
    if not archive.is_file():
        return None
    try:
        if archive.suffix in (".whl", ".zip"):
            with zipfile.ZipFile(archive) as zf:
                name = member_name(zf.namelist(), source["path"])
                return zf.read(name) if name else None
        with tarfile.open(archive) as tf:
            name = member_name(tf.getnames(), source["path"])
            member = tf.extractfile(name) if name else None
            return member.read() if member else None
    except (KeyError, OSError, tarfile.TarError, zipfile.BadZipFile):
        return None


def member_name(names: list[str], path: str) -> str | None:
    """The archive member for a manifest path: the exact name, else the one name ending in
    ``/<path>`` (an sdist's ``pkg-1.0/`` folder, a wheel's ``pkg-1.0.data/purelib/``)."""
    if path in names:
        return path
    ends = [n for n in names if n.endswith("/" + path)]
    return ends[0] if len(ends) == 1 else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "profilewatch-realworld")
    ap.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--slice", default="", help="comma-separated slices (default: all)")
    ap.add_argument("--network", action="store_true", help="fetch GitHub files missing from the mirrors")
    ap.add_argument("--copy-from", type=Path, help="a folder with copies (e.g. an earlier cache): used where the SHA-256 matches")
    args = ap.parse_args(argv)
    wanted = set(filter(None, args.slice.split(",")))
    rows = [json.loads(line) for line in MANIFEST.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if not wanted or r["slice"] in wanted]
    problems, labels = [], []
    source: dict = {}
    downloaded: dict[str, Path] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for r in rows:
            target = args.cache / r["file"]
            data = target.read_bytes() if target.is_file() else None
            if (data is None or hashlib.sha256(data).hexdigest() != r["sha256"]) and args.copy_from \
                    and (args.copy_from / r["file"]).is_file():
                data = (args.copy_from / r["file"]).read_bytes()
            if data is None or hashlib.sha256(data).hexdigest() != r["sha256"]:
                source = r["source"]
                data = (from_git(source, args.mirror, args.network, work) if source["kind"] == "github"
                        else from_package(source, work, downloaded))
            if data is None:
                problems.append(f"{r['id']}: not found ({json.dumps(source)})")
                continue
            if hashlib.sha256(data).hexdigest() != r["sha256"] or len(data) != r["bytes"]:
                problems.append(f"{r['id']}: SHA-256 differs from the manifest; left out")
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            labels.append({k: r[k] for k in LABEL_FIELDS})
    args.cache.mkdir(parents=True, exist_ok=True)
    (args.cache / "labels.jsonl").write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in labels),
                                             encoding="utf-8")
    print(f"{len(labels)} of {len(rows)} files in {args.cache}; labels.jsonl written")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
