"""The README's commands, run as written, so the README cannot drift.

Every fenced ```bash block of README.md is run by a test here (synopses with placeholders are
```text blocks and are not run):

* the quickstart's command 1 (a fresh venv, ``pip install .``, scan the examples) in a copy of
  the repository; command 2 (the whole suite) only with ``PROFILEWATCH_README_SUITE=1``, since
  it would run this file again -- the nested run skips both quickstart tests;
* the worked example, line by line in one bash session, in a temporary folder holding a copy of
  ``examples/`` (each line's exit status is checked: 0, or 0/1 for ``scan``, whose 1 means
  flag findings);
* shell completion, with ``HOME`` pointing at a temporary folder, then asked to complete.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent
NESTED = os.environ.get("PROFILEWATCH_README_NESTED") == "1"


def blocks() -> list[tuple[str, str, str]]:
    """(the heading above, info string, body) of every fenced block."""
    out, heading = [], ""
    for m in re.finditer(r"^(#+ [^\n]*)$|^```(\w*)\n(.*?)^```$", README, re.M | re.S):
        if m.group(1):
            heading = m.group(1).lstrip("# ").strip()
        else:
            out.append((heading, m.group(2), m.group(3)))
    return out


def bash_block(heading: str) -> str:
    found = [body for h, info, body in blocks() if info == "bash" and h == heading]
    assert len(found) == 1, f"README: expected one bash block under '{heading}'"
    return found[0]


def commands(body: str) -> list[str]:
    """The command lines of a block: comments and blank lines dropped, ``\\`` continuations joined."""
    text = re.sub(r"\\\n\s*", " ", body)
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def env(home: Path) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("PROFILEWATCH_")}
    e.update(PATH=f"{BIN}{os.pathsep}{e.get('PATH', '')}", HOME=str(home), NO_COLOR="1",
             PROFILEWATCH_README_NESTED="1")
    return e


def run_lines(lines: list[str], cwd: Path, home: Path, timeout: float = 600) -> list[tuple[str, int]]:
    """Run ``lines`` in one bash session (variables and ``cd`` carry over); each line's exit status."""
    script = "".join(f"{line}\necho \"::rc:{i}:$?\" >&2\n" for i, line in enumerate(lines))
    proc = subprocess.run(["bash", "-c", script], cwd=cwd, env=env(home), capture_output=True, text=True,
                          timeout=timeout)
    codes = {int(i): int(rc) for i, rc in re.findall(r"^::rc:(\d+):(\d+)$", proc.stderr, re.M)}
    assert len(codes) == len(lines), f"the session stopped early:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    run_lines.last = proc  # type: ignore[attr-defined]
    return [(line, codes[i]) for i, line in enumerate(lines)]


def test_every_bash_block_is_run_by_this_file():
    headings = [h for h, info, _ in blocks() if info == "bash"]
    assert sorted(headings) == sorted(["Quickstart", "Worked example", "Shell completion"]), (
        "a new ```bash block in README.md: run it in tests/test_readme.py, or make it ```text if it is a synopsis")


def test_quickstart_has_the_two_commands_ci_runs():
    lines = commands(bash_block("Quickstart"))
    assert len(lines) == 2
    assert lines[0] == "python3 -m venv .venv && .venv/bin/pip install -q . && .venv/bin/profilewatch scan examples/"
    assert lines[1] == "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest"
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install -q -e '.[test]'" in ci and ".venv/bin/python -m pytest" in ci


def _fresh_copy(tmp_path: Path) -> Path:
    """The repository as a fresh clone would have it (tracked and new, not ignored, files)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=False)
    if listed.returncode != 0:
        pytest.skip("not a git checkout: cannot make a fresh copy of the repository")
    dest = tmp_path / "clone"
    for name in filter(None, listed.stdout.decode().split("\0")):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


@pytest.mark.skipif(NESTED, reason="inside the README's own test command")
def test_quickstart_command_1_installs_and_scans_the_examples(tmp_path):
    clone = _fresh_copy(tmp_path)
    line = commands(bash_block("Quickstart"))[0]
    [(_, rc)] = run_lines([line], clone, tmp_path, timeout=1200)
    proc = run_lines.last  # type: ignore[attr-defined]
    if not (clone / ".venv" / "bin" / "profilewatch").exists():
        if re.search(r"No matching distribution|Could not find a version|NewConnectionError|Temporary failure",
                     proc.stderr):
            warnings.warn("README quickstart NOT checked: pip could not reach a package index")
            pytest.skip("pip could not reach a package index: " + proc.stderr[-300:])
        pytest.fail(f"quickstart install failed:\n{proc.stderr[-3000:]}")
    assert rc == 1, proc.stderr[-2000:]  # the examples hold flag findings
    assert re.search(r"^8 units: 8 scanned", proc.stdout, re.M) and "flag findings of" in proc.stdout


@pytest.mark.skipif(NESTED, reason="inside the README's own test command")
def test_quickstart_command_2_runs_the_suite(tmp_path):
    if os.environ.get("PROFILEWATCH_README_SUITE") != "1":
        pytest.skip("set PROFILEWATCH_README_SUITE=1 to run the README's command 2 (the whole suite, again) as written")
    clone = _fresh_copy(tmp_path)
    [(_, rc)] = run_lines([commands(bash_block("Quickstart"))[1]], clone, tmp_path, timeout=3600)
    assert rc == 0, run_lines.last.stdout[-3000:]  # type: ignore[attr-defined]


def test_worked_example_runs_as_written(tmp_path):
    for tool in ("unzip", "sha256sum"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed: the README's worked example uses it")
    work = tmp_path / "work"
    shutil.copytree(ROOT / "examples", work / "examples")
    lines = commands(bash_block("Worked example"))
    results = run_lines(lines, work, tmp_path)
    proc = run_lines.last  # type: ignore[attr-defined]
    for line, rc in results:
        allowed = {0, 1} if line.startswith("profilewatch scan ") else {0}
        assert rc in allowed, f"README worked example: `{line}` exited {rc}\n{proc.stderr[-2000:]}"
    records = [json.loads(x) for x in (work / "findings.jsonl").read_text().splitlines()]
    assert records[0]["type"] == "header" and records[-1]["type"] == "summary"
    from profilewatch.records import schema

    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(schema())
    assert all(not list(validator.iter_errors(r)) for r in records)
    assert (work / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert json.loads((work / "findings.sarif").read_text())["version"] == "2.1.0"
    assert "confirmed FLAG  capability_claim" in proc.stdout
    assert "bundle.zip: OK" in proc.stdout and "unpacked: OK" in proc.stdout
    assert re.search(r"^0 flag findings of 0", proc.stdout, re.M)  # the baseline hides everything known


def test_shell_completion_as_documented(tmp_path):
    lines = commands(bash_block("Shell completion"))
    assert all(rc == 0 for _, rc in run_lines(lines, tmp_path, tmp_path))
    script = (tmp_path / ".profilewatch-complete.bash").read_text()
    assert "_profilewatch_completion" in script and "complete " in script
    assert ". ~/.profilewatch-complete.bash" in (tmp_path / ".bashrc").read_text()
    ask = ('. ~/.profilewatch-complete.bash; COMP_WORDS=(profilewatch verify-); COMP_CWORD=1; '
           '_profilewatch_completion profilewatch; printf "%s\\n" "${COMPREPLY[@]}"')
    out = subprocess.run(["bash", "-c", ask], env=env(tmp_path), capture_output=True, text=True, timeout=60)
    assert "verify-evidence" in out.stdout.split(), out.stdout + out.stderr


def test_dockerfile_and_pipx_are_documented_and_consistent():
    docker = (ROOT / "Dockerfile").read_text()
    lines = [x.strip() for x in docker.splitlines() if x.strip() and not x.lstrip().startswith("#")]
    assert lines[0] == "FROM python:3.11-slim"
    users = [x.split()[1] for x in lines if x.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert any(x.startswith("RUN pip install") and '"."' not in x for x in lines)
    assert re.search(r"^# RUN apt-get .*tesseract", docker, re.M)  # the OCR engine, for when it lands
    for copied in re.findall(r"^COPY (.+) \S+$", docker, re.M):
        for name in copied.split():
            assert (ROOT / name).exists(), f"Dockerfile copies {name}, which is not in the repository"
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".venv" in ignored and ".git" in ignored
    assert "pipx install ." in README and "docker build -t profilewatch ." in README
