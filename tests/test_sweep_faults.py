"""Sweep faults: 429/503 with Retry-After, a timeout, a truncated body, a wrong-bytes range,
SIGKILL mid-sweep then resume, a torn store, an offline network -- all on 127.0.0.1."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from click.testing import CliRunner
from fastwarc.warc import ArchiveIterator, WarcRecordType

from profilewatch.cli import cli
from profilewatch.history.polite import Client, Politeness
from profilewatch.sweep import sources as src
from profilewatch.sweep.run import run_sweep
from profilewatch.sweep.store import SweepStore
from sweep_world import T, only_loopback, small_world, sweep_args, url_of, world  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[1]


class FakeSleep:
    """Sleeping advances a clock and is recorded: Retry-After is checked without waiting."""

    def __init__(self) -> None:
        self.now, self.sleeps = 1000.0, []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def client(clock=time.monotonic, sleep=time.sleep, **kw) -> Client:
    polite = Politeness(**{"retries": 3, "backoff": 0.01, "read_timeout": 0.3, "connect_timeout": 1, **kw})
    return Client(polite, {"cdx": 0, "index": 0, "fetch": 0}, clock, sleep)


def records(w, c: Client) -> list[src.SweepRecord]:
    wb = src.wayback_records(c, "vendor.example", endpoint=w.urls["wayback"] + "/cdx",
                             prefix=w.urls["wayback"] + "/web/", mimes=src.mime_regex(["html"]))
    cc = [r for crawl, api in src.cc_crawls(c, w.urls["index"], ["all"])
          for r in src.cc_records(c, api, crawl, "vendor.example", data_prefix=w.urls["data"] + "/")]
    return list(wb) + cc


def manifest_keys(out: Path) -> Counter:
    return Counter(json.loads(x)["key"] for x in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines())


def warc_keys(out: Path) -> Counter:
    keys = Counter()
    with open(out / "sweep.warc.gz", "rb") as fh:
        for rec in ArchiveIterator(fh, record_types=WarcRecordType.metadata):
            keys[json.loads(rec.reader.read())["sweep"]["key"]] += 1
    return keys


def test_retry_after_on_429_and_503_is_honoured_per_host(small_world, tmp_path):
    w, fake = small_world, FakeSleep()
    w.faults["/cdx"] = ["429:7"]
    w.faults[f"/web/{T[1]}id_/{url_of(3)}"] = ["503:4", "503:2"]
    c = client(fake.clock, fake.sleep)
    store = SweepStore(tmp_path / "out")
    report = run_sweep(records(w, c), store, c)
    store.close()
    assert report.problems == [] and 7.0 in fake.sleeps and 4.0 in fake.sleeps and 2.0 in fake.sleeps
    assert len(manifest_keys(tmp_path / "out")) == report.listed


def test_timeout_and_truncated_body_are_retried_and_the_record_is_whole(small_world, tmp_path):
    w = small_world
    slow, cut = f"/web/{T[0]}id_/{url_of(1)}", f"/web/{T[3]}id_/{url_of(2)}"
    w.faults[slow] = ["timeout:0.8"]
    w.faults[cut] = ["truncate"]
    c = client()
    store = SweepStore(tmp_path / "out")
    report = run_sweep(records(w, c), store, c, workers=2)
    store.close()
    assert report.problems == []
    assert [p for _, p in w.log].count(slow) == 2 and [p for _, p in w.log].count(cut) == 2
    with open(tmp_path / "out" / "sweep.warc.gz", "rb") as fh:
        bodies = {(r.headers["WARC-Target-URI"], r.headers["WARC-Date"]): r.reader.read()
                  for r in ArchiveIterator(fh, record_types=WarcRecordType.response, parse_http=True)}
    status, full = w.bodies[(T[3], url_of(2))]
    assert bodies[(url_of(2), f"{T[3][:4]}-{T[3][4:6]}-{T[3][6:8]}T00:00:00Z")] == full


def test_a_range_with_the_wrong_bytes_is_detected_retried_then_reported(small_world, tmp_path):
    w = small_world
    name = next(iter(w.files))
    w.faults["/" + name] = ["wrong_bytes", "ignore_range", "wrong_bytes"]  # 1st record: bad, then good at the retry
    c = client()
    store = SweepStore(tmp_path / "out")
    report = run_sweep(records(w, c), store, c)
    store.close()
    # the first record's first answer was shifted (caught, retried); the second's two answers were a whole
    # file and a shifted range: reported, not written
    assert [(p[1], "got" in p[2] or "gzip" in p[2] or "record is" in p[2]) for p in report.problems] == [
        ("range_mismatch", True)]
    assert report.fetched + report.revisits == report.listed - 1
    store = SweepStore(tmp_path / "out")  # a re-run fetches just that one
    again = run_sweep(records(w, c), store, c)
    store.close()
    assert (again.fetched + again.revisits, again.already, again.problems) == (1, report.listed - 1, [])


def test_sigkill_mid_sweep_then_resume_no_duplicate_no_missing(world, tmp_path):
    out = tmp_path / "vendor"
    world.delay = 0.01
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "profilewatch", *sweep_args(world, out, "--no-scan", "-j", "2")],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = out / "manifest.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not manifest.exists() or manifest.read_bytes().count(b"\n") < 60):
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = manifest.read_bytes().count(b"\n")
    assert 60 <= before < world.expected_keys()
    world.delay = 0.0
    result = CliRunner().invoke(cli, sweep_args(world, out, "--no-scan"), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    keys, in_warc = manifest_keys(out), warc_keys(out)
    assert len(keys) == world.expected_keys() and max(keys.values()) == 1
    assert in_warc == keys  # every record in the WARC exactly once, and the manifest says so


def test_store_cuts_a_torn_group_and_recovers_a_group_missing_from_the_manifest(small_world, tmp_path):
    w, c = small_world, client()
    out = tmp_path / "out"
    recs = records(w, c)[:6]
    store = SweepStore(out)
    run_sweep(recs[:4], store, c)
    store.close()
    lines = (out / "manifest.jsonl").read_bytes().splitlines(keepends=True)
    (out / "manifest.jsonl").write_bytes(b"".join(lines[:3]) + lines[3][:10])  # the 4th row lost, torn
    warc = out / "sweep.warc.gz"
    size = warc.stat().st_size
    store = SweepStore(out)
    run_sweep(recs[4:5], store, c)
    store.close()
    grown = warc.read_bytes()
    warc.write_bytes(grown + grown[size:size + (len(grown) - size) // 2 + 40])  # half a group appended (a kill)
    store = SweepStore(out)
    assert store.recovered == 0 and store.repaired_bytes > 0 and len(store.rows) == 5
    report = run_sweep(recs, store, c)
    store.close()
    assert (report.already, report.fetched + report.revisits) == (5, 1)
    assert warc_keys(out) == manifest_keys(out) and len(manifest_keys(out)) == 6


def three_swept(w, tmp_path):
    """A finished sweep of the first three records: (folder, client, records)."""
    c, out = client(), tmp_path / "out"
    recs = records(w, c)[:3]
    store = SweepStore(out)
    run_sweep(recs, store, c)
    store.close()
    return out, c, recs


def test_recovered_rows_after_a_kill_between_warc_and_manifest(small_world, tmp_path):
    out, c, recs = three_swept(small_world, tmp_path)
    lines = (out / "manifest.jsonl").read_bytes().splitlines(keepends=True)
    (out / "manifest.jsonl").write_bytes(lines[0])  # two rows never written
    store = SweepStore(out)
    assert store.recovered == 2 and store.repaired_bytes == 0
    report = run_sweep(recs, store, c)
    store.close()
    assert report.already == 3 and report.fetched == 0 and warc_keys(out) == manifest_keys(out)


def test_offline_dns_failure_fails_fast_with_a_hint(only_loopback, monkeypatch, tmp_path):
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kw):  # .invalid never resolves; no resolver is asked
        if str(host).endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["sweep", str(tmp_path / "o"), "--domain", "vendor.example",
                                      "--cdx-endpoint", "http://nonexistent.invalid/cdx"])
    assert time.monotonic() - started < 5
    assert result.exit_code == 5, result.output
    assert "nonexistent.invalid" in result.output and "does not resolve" in result.output
    assert "--cdx-endpoint" in result.output and "--cc-index" in result.output


def test_refused_connection_fails_fast(only_loopback, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens there
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["sweep", str(tmp_path / "o"), "--domain", "vendor.example", "--no-wayback",
                                      "--crawl", "all", "--cc-index", f"http://127.0.0.1:{port}"])
    assert time.monotonic() - started < 5 and result.exit_code == 5, result.output
    assert "connection refused" in result.output


def test_manifest_rows_past_the_warc_are_dropped_after_a_machine_crash(small_world, tmp_path):
    out, c, recs = three_swept(small_world, tmp_path)
    rows = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    warc = out / "sweep.warc.gz"
    warc.write_bytes(warc.read_bytes()[: rows[1]["end"]])  # the WARC lost its last group, the manifest did not
    store = SweepStore(out)
    assert len(store.rows) == 2 and not store.done(rows[2]["key"])
    report = run_sweep(recs, store, c)
    store.close()
    assert report.already == 2 and report.fetched + report.revisits == 1
    assert warc_keys(out) == manifest_keys(out) and len(manifest_keys(out)) == 3
