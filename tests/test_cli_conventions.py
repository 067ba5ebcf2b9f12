"""CLI conventions (issue 16): include/exclude and ignore files, config precedence, -q/-v, colour,
help texts, --version, readable snippets with a short fingerprint, flag/context words."""
import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from profilewatch.cli import cli
from profilewatch.cli.settings import load as load_config

EXAMPLES = Path(__file__).parent.parent / "examples"
FLAG_TEXT = "The camera identifies Uyghur people and sends an alarm to the police.\n"


def invoke(*args, env=None):
    """The console script in-process: config files of the current folder, PROFILEWATCH_* variables."""
    env = {"NO_COLOR": None, "PROFILEWATCH_CONFIG": "/nonexistent/profilewatch.toml", **(env or {})}
    runner = CliRunner()
    with runner.isolation(env=env):
        defaults = load_config(cli).values
    return runner.invoke(cli, list(args), env=env, default_map=defaults)


def records(out):
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def tree(root: Path) -> Path:
    for rel, text in {
        "keep/a.txt": FLAG_TEXT, "keep/a.log": FLAG_TEXT, "keep/deep/build/b.txt": FLAG_TEXT,
        "keep/deep/c.txt": FLAG_TEXT, "vendor/d.txt": FLAG_TEXT, "keep/deep/.profilewatchignore": "build/\n",
        ".profilewatchignore": "*.log\n",
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_ignore_files_at_any_depth_and_exclude_include(tmp_path):
    root = tree(tmp_path / "corpus")
    r = invoke("scan", str(root), "--format", "jsonl", "--exclude", "vendor/")
    assert r.exit_code == 1, r.output
    recs = records(r.stdout)
    scanned = sorted({f["file"] for f in recs if f["type"] == "finding"})
    assert scanned == ["keep/a.txt", "keep/deep/c.txt"]
    excluded = {(x["file"], x["message"]) for x in recs if x["type"] == "skipped" and x["reason"] == "excluded"}
    assert excluded == {("keep/a.log", "excluded by .profilewatchignore"),
                        ("keep/deep/build/", "excluded by keep/deep/.profilewatchignore; the folder was not walked"),
                        ("vendor/", "excluded by --exclude; the folder was not walked")}
    assert all(x["reason"] in ("excluded", "hidden") for x in recs if x["type"] == "skipped")
    summary = recs[-1]
    assert summary["units"]["skipped"] == 5 and summary["units"]["seen"] == 7  # + 2 hidden .profilewatchignore
    assert recs[0]["arguments"]["exclude"] == ["vendor/"]

    only = records(invoke("scan", str(root), "--format", "jsonl", "--include", "**/deep/**", "--no-ignore").stdout)
    assert sorted({f["file"] for f in only if f["type"] == "finding"}) == ["keep/deep/build/b.txt", "keep/deep/c.txt"]
    reasons = {x["file"]: x["message"] for x in only if x["type"] == "skipped"}
    assert reasons["keep/a.log"] == "not matched by any --include pattern"


def test_table_counts_excluded_and_verbose_logs_them(tmp_path):
    root = tree(tmp_path / "corpus")
    r = invoke("-v", "scan", str(root), "--color", "never")
    assert "SKIPPED 2 excluded" in r.stdout
    assert "skipped keep/a.log: excluded by .profilewatchignore" in r.stderr


def test_config_precedence_flags_over_env_over_project_over_user(tmp_path, monkeypatch):
    user = tmp_path / "user.toml"
    user.write_text('format = "csv"\nmin_confidence = 0.5\n', encoding="utf-8")
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.profilewatch]\nformat = "jsonl"\n', encoding="utf-8")
    monkeypatch.chdir(project)
    env = {"PROFILEWATCH_CONFIG": str(user)}
    target = str(EXAMPLES / "face_attr.h")
    head = records(invoke("scan", target, env=env).stdout)[0]
    assert head["arguments"]["format"] == "jsonl" and head["arguments"]["min_confidence"] == 0.5  # project, user
    r = invoke("scan", target, env={**env, "PROFILEWATCH_SCAN_FORMAT": "md"})
    assert r.stdout.startswith("# profilewatch report")  # env over project
    r = invoke("scan", target, "--format", "json", env={**env, "PROFILEWATCH_SCAN_FORMAT": "md"})
    assert json.loads(r.stdout)[0]["type"] == "header"  # flag over env
    shown = invoke("config", "show", env=env).stdout
    assert f'format = "jsonl"  # {project / "pyproject.toml"}' in shown and f"min_confidence = 0.5  # {user}" in shown
    (project / ".profilewatch.toml").write_text("formatt = 'jsonl'\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "profilewatch", "scan", target], capture_output=True, text=True,
                       env={**os.environ, **env})
    assert r.returncode == 2 and "has no option 'formatt'" in r.stderr and ".profilewatch.toml" in r.stderr


def test_a_limit_can_be_set_in_the_project_config(tmp_path, monkeypatch):
    (tmp_path / "corpus").mkdir()
    with zipfile.ZipFile(tmp_path / "corpus" / "sdk.zip", "w") as z:
        z.writestr("spec.txt", FLAG_TEXT * 50)
    (tmp_path / ".profilewatch.toml").write_text('limit = ["max_member_bytes=1K"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = records(invoke("scan", "corpus", "--format", "jsonl").stdout)
    assert [(r["reason"], r.get("limit")) for r in out if r["type"] == "error"] == [("limit_exceeded", "max_member_bytes")]
    assert out[0]["arguments"]["limits"] == {"max_member_bytes": 1024}


def test_quiet_colour_and_no_color(tmp_path, monkeypatch):
    target = str(EXAMPLES / "face_attr.h")
    r = invoke("scan", target, "--write-baseline", str(tmp_path / "b.json"))
    assert "wrote baseline" in r.stderr
    r = invoke("-q", "scan", target, "--write-baseline", str(tmp_path / "b.json"))
    assert r.stderr == "" and "FLAG" in r.stdout
    assert "\033[1;31mFLAG" in invoke("scan", target, "--color", "always").stdout
    assert "\033[" not in invoke("scan", target, "--color", "never").stdout
    assert "\033[" not in invoke("scan", target, env={"NO_COLOR": "1"}).stdout  # auto, NO_COLOR
    assert "\033[" not in invoke("scan", target, "--format", "jsonl", "--color", "always").stdout


def _options(command, path=()):
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _options(sub, (*path, name))
        return
    for p in command.params:
        if isinstance(p, click.Option):
            yield " ".join(path), p


def test_every_option_has_help_and_choices_are_listed():
    missing = [f"{cmd} {p.opts[0]}" for cmd, p in _options(cli) if not p.help and not p.hidden]
    assert missing == []
    text = invoke("scan", "--help").stdout
    assert "[csv|html|json|jsonl|md|sarif|table]" in text and "TEXT" not in text.split("--output")[0]
    tail = text[text.index("Exit codes:"):]
    for line in ("0  no flag findings", "1  flag findings", "3  --strict", "4  internal error"):
        assert line in tail
    assert tail.count("  profilewatch scan ") >= 2


def test_version_prints_rules_digest():
    r = invoke("--version")
    assert r.exit_code == 0 and r.stdout.startswith("profilewatch ") and "rules digest sha256:" in r.stdout


def test_readable_snippet_and_short_fingerprint_to_review(tmp_path):
    long = ("Lorem ipsum dolorsitamet " * 12) + "and the camera identifies Uyghur people among the passengers.\n"
    src = tmp_path / "c" / "doc.txt"
    src.parent.mkdir()
    src.write_text("intro line\n\n" + long + "second line of the paragraph\n", encoding="utf-8")
    finding = next(r for r in records(invoke("scan", str(src), "--format", "jsonl").stdout) if r["type"] == "finding")
    text, cut = finding["evidence"]["text"], finding["evidence"]["cut"]
    assert cut["start"] is True and text.startswith(("dolorsitamet", "Lorem", "ipsum"))  # a whole word
    out = invoke("scan", str(src), "--store", str(tmp_path / "case.db")).stdout
    assert "\\x0a" not in out and "│ …" in out
    fp = next(line.split("fp ")[1] for line in out.splitlines() if line.strip().startswith("fp "))
    assert len(fp) == 16 and finding["fingerprint"].startswith(fp)
    r = invoke("review", "confirm", "--store", str(tmp_path / "case.db"), fp)
    assert r.exit_code == 0 and r.stdout.startswith(finding["fingerprint"])


def test_words_flag_and_context_csv_keeps_level():
    rows = list(csv.DictReader(io.StringIO(invoke("scan", str(EXAMPLES), "--format", "csv").stdout)))
    assert {(r["verdict"], r["flag"]) for r in rows} == {("flag", "true"), ("context", "false")}
    assert {r["level"] for r in rows} <= {"error", "warning", "note"} and rows[0]["level"]
    table = invoke("scan", str(EXAMPLES)).stdout
    assert "context record_field" in table and "FLAG    capability_claim" in table and "ERROR" not in table


def test_store_rescan_reports_replayed_and_hidden(tmp_path):
    db = str(tmp_path / "case.db")
    first = records(invoke("scan", str(EXAMPLES), "--store", db, "--format", "jsonl").stdout)
    assert first[-1]["store"] == {"replayed": 0, "rescanned": 8}
    fp = next(r["fingerprint"] for r in first if r["type"] == "finding" and r["flag"])
    invoke("review", "dismiss", "--store", db, fp)
    again = invoke("scan", str(EXAMPLES), "--store", db).stdout
    assert "store: 8 files replayed unchanged, 0 scanned" in again and "hidden: 1 dismissed" in again
