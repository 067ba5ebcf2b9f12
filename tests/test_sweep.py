"""``profilewatch sweep`` end to end against the mock vendor (tests/sweep_world.py), 127.0.0.1 only."""
from __future__ import annotations

import json
from collections import Counter

from click.testing import CliRunner
from fastwarc.warc import ArchiveIterator as FastIterator
from warcio.archiveiterator import ArchiveIterator

from profilewatch.cli import cli
from sweep_world import (CC_TIMES, D, ETH1, ETH2, EXPECTED, KIND, REL, STATUS, T, T4B, date, only_loopback,  # noqa: F401
                         sweep_args, url_of, world)


def run(args):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def report(out):
    return [json.loads(line) for line in (out / "report.jsonl").read_text(encoding="utf-8").splitlines()]


def manifest(out):
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


def test_sweep_finds_every_claim_and_the_timelines_are_exact(world, tmp_path):
    out = tmp_path / "vendor"
    result = run(sweep_args(world, out, "-j", "2"))
    assert result.exit_code == 1, result.output  # done, with flag findings
    rows = manifest(out)
    keys = Counter(r["key"] for r in rows)
    assert len(keys) == world.expected_keys() == len(rows) and max(keys.values()) == 1
    kinds = Counter(r["kind"] for r in rows)
    # 30 changing pages: T0 T1 T3 T2 T4 fetched, T4' a revisit of T4; 5 deleted pages: T0 T1 T2 T3(404) fetched,
    # the crawl's 404 at T4 a revisit (T4' collapsed by the CDX); 15 unchanging pages: T0 fetched, both crawls revisits
    assert kinds == {"response": 30 * 5 + 5 * 4 + 15, "revisit": 30 + 5 + 15 * 2}
    recs = report(out)
    assert recs[0]["type"] == "header" and recs[-1]["type"] == "summary"
    assert recs[-1]["sweep"]["failed"] == 0 and recs[-1]["sweep"]["fetched"] == kinds["response"]
    # every claim, in every capture that makes it (revisits are not scanned: their payload was)
    said = {(url_of(i), D[t]) for i in range(50) for t in range(5) if KIND[i % 10][t] in (ETH1, ETH2, REL)}
    found = {(f["provenance"]["target_uri"], f["provenance"]["date"]) for f in recs
             if f["type"] == "finding" and f["flag"]}
    assert found == said
    categories = {(f["provenance"]["target_uri"], f["category"]) for f in recs if f["type"] == "finding" and f["flag"]}
    assert all(c == ("religion" if i % 10 in (1, 4) else "ethnicity") for (u, c) in categories
               for i in [int(u.rsplit("-", 1)[1][:2])])
    # the timelines: one per claiming page, events and brackets exactly as the model says
    timelines = {t["url"]: t for t in recs if t["type"] == "timeline"}
    assert sorted(timelines) == sorted(url_of(i) for i in range(50) if i % 10 < 7)
    for i in range(50):
        if i % 10 >= 7:
            continue
        tl = timelines[url_of(i)]
        got = [(e["event"], e["before"]["date"] if e["before"] else None, e["after"]["date"])
               + ((e["terms_check"],) if e["event"] == "removed" else ()) for e in tl["events"]]
        assert got == EXPECTED[i % 10], (i, got)
        assert tl["status"] == STATUS[i % 10], i
        assert tl["snapshots"] == (6 if i % 10 != 4 else 5), (i, tl["states"])  # T0 T1 T2 T3 T4 T4' (deleted: T4' collapsed)
    nlf = next(e for e in timelines[url_of(5)]["events"] if e["event"] == "no_longer_flagged")
    assert ETH1[:-1] in nlf["before_text"] and "维族" in nlf["after_text"] and nlf["terms"] == ["维族"]
    gone = next(e for e in timelines[url_of(4)]["events"] if e["event"] == "removed")
    assert gone["after"]["http_status"] == 404


def test_output_warc_reads_back_with_fastwarc_and_warcio_with_provenance(world, tmp_path):
    out = tmp_path / "vendor"
    assert run(sweep_args(world, out, "--no-scan")).exit_code == 0
    warc = out / "sweep.warc.gz"
    with open(warc, "rb") as fh:
        fast = Counter(str(r.record_type).split(".")[-1] for r in FastIterator(fh))
    types, responses, metas = Counter(), {}, {}
    with open(warc, "rb") as fh:
        for rec in ArchiveIterator(fh):
            h = rec.rec_headers
            types[rec.rec_type] += 1
            if rec.rec_type == "response":
                responses[h.get_header("WARC-Record-ID")] = h
                assert rec.content_stream().read()  # the payload
            elif rec.rec_type == "metadata":
                metas[h.get_header("WARC-Concurrent-To")] = json.loads(rec.content_stream().read())
    assert fast == {"request": types["request"], "response": types["response"], "revisit": types["revisit"],
                    "metadata": types["metadata"]}
    assert types["request"] == types["response"] and types["metadata"] == types["response"] + types["revisit"]
    assert sum(types.values()) == sum(fast.values())
    for rid, h in responses.items():
        meta = metas[rid]
        assert h.get_header("WARC-Source-URI") == meta["source_uri"] and h.get_header("WARC-Creation-Date")
        assert meta["sweep"]["sha256"] and meta["index_line"] and meta["digest_matches_index"] is True
        if "warc_filename" in meta:  # a Common Crawl record: where it came from
            assert meta["warc_filename"].startswith("crawl-data/") and meta["warc_offset"] >= 0
            assert meta["index_line"]["offset"] == str(meta["warc_offset"])
            assert h.get_header("WARC-Date") in {date(T[t]) for t in CC_TIMES}
        else:
            assert "id_/" in meta["source_uri"] and meta["index_line"]["timestamp"] in T + [T4B]
    # nothing outside the domain or of another type was listed or fetched
    fetched = {h.get_header("WARC-Target-URI") for h in responses.values()}
    assert not any("other.example" in u or u.endswith(".jpg") for u in fetched)


def test_a_rerun_fetches_nothing_and_a_url_list_and_cdxj_file_are_sources(world, tmp_path):
    out = tmp_path / "vendor"
    assert run(sweep_args(world, out, "--no-scan")).exit_code == 0
    n = len(manifest(out))
    world.log.clear()
    result = run(sweep_args(world, out, "--no-scan"))
    assert result.exit_code == 0 and len(manifest(out)) == n
    assert not [p for role, p in world.log if role == "data" or "id_/" in p]  # only the index was asked again
    lst = tmp_path / "list.txt"
    cc = world.crawls["CC-MAIN-2020-34"][3]
    lst.write_text("# a list\n"
                   f"{world.urls['wayback']}/web/{T[0]}id_/{url_of(1)}\n"
                   f"{cc['urlkey']} {cc['timestamp']} {json.dumps(cc)}\n"
                   + json.dumps({"url": url_of(2), "timestamp": T[1], "status": "200"}) + "\n", encoding="utf-8")
    out2 = tmp_path / "list"
    result = run(["sweep", str(out2), "--from-file", str(lst), "--capture-prefix", world.urls["wayback"] + "/web/",
                  "--cc-data", world.urls["data"] + "/", "--fetch-rate", "600000"])
    assert result.exit_code == 1, result.output
    rows = manifest(out2)
    assert sorted(r["source"] for r in rows) == ["cc", "live", "wayback"]
    assert {r["url"] for r in rows} == {f"{world.urls['wayback']}/web/{T[0]}id_/{url_of(1)}", url_of(3), url_of(2)}
