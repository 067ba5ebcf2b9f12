"""Timelines never invent a deletion: ``removed`` needs the terms gone, else ``no_longer_flagged``."""
from __future__ import annotations

import io

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from profilewatch.api import ScanJob
from profilewatch.history.presence import find_terms
from profilewatch.history.timeline import TimelineBuilder, build_timelines, history_records
from profilewatch.pipeline import Pipeline
from profilewatch.detect.rules import load_rules
from test_history import D1, D2, D3, D4, URL, events, finding, unit

CLAIM = "支持分析人员的种族属性（如维族、汉族）"


def test_terms_in_a_clean_finding_make_no_longer_flagged_quoting_both_texts():
    stream = [finding(D1, "a", terms=("维族",), text=CLAIM), unit(D1),
              finding(D2, "r", terms=("维族",), flag=False, kind="reporting", text="报道称该产品曾标注维族"), unit(D2)]
    (tl,) = build_timelines(stream)
    assert events(tl) == [("appeared", None, D1), ("no_longer_flagged", D1, D2)]
    ev = tl["events"][1]
    assert ev["before_text"] == CLAIM and ev["after_text"] == "报道称该产品曾标注维族" and ev["terms"] == ["维族"]
    assert tl["status"] == "no_longer_flagged"
    assert [s["state"] for s in tl["states"]] == ["present", "unflagged"]


def test_text_source_decides_between_removed_and_no_longer_flagged():
    texts = {("hist.warc.gz", f"{URL} {D2}"): "产品参数：" + CLAIM.replace("支持", "可") + "。",
             ("hist.warc.gz", f"{URL} {D3}"): "产品参数：人脸抓拍、车辆识别。"}
    asked = []

    def source(wanted):
        asked.append(set(wanted))
        return {k: v for k, v in texts.items() if k in wanted}

    stream = [finding(D1, "a", terms=("维族", "汉族"), text=CLAIM), unit(D1), unit(D2), unit(D3),
              finding(D4, "a", terms=("维族", "汉族"), text=CLAIM), unit(D4)]
    builder = TimelineBuilder(texts=source)
    for rec in stream:
        builder.add(rec)
    (tl,) = builder.timelines()
    assert events(tl) == [("appeared", None, D1), ("no_longer_flagged", D1, D2), ("removed", D1, D3),
                          ("reappeared", D3, D4)]
    nlf, removed = tl["events"][1], tl["events"][2]
    assert nlf["terms"] == ["汉族", "维族"] and "可分析人员的种族属性（如维族、汉族）" in nlf["after_text"]
    assert nlf["before_text"] == CLAIM
    assert removed["terms_check"] == "absent" and removed["last_seen"]["date"] == D1
    assert [s["state"] for s in tl["states"]] == ["present", "unflagged", "absent", "present"]
    assert asked == [{("hist.warc.gz", f"{URL} {D2}"), ("hist.warc.gz", f"{URL} {D3}")}]  # one batch, only those


def test_without_a_text_source_a_removal_says_it_was_not_checked():
    (tl,) = build_timelines([finding(D1, "a"), unit(D1), unit(D2), unit(D3, status=404)])
    assert [(e["event"], e.get("terms_check")) for e in tl["events"]] == [("appeared", None), ("removed", "not_checked")]


def test_find_terms_folds_traditional_and_width():
    found = find_terms("支援分析人員的種族屬性（如維族、漢族）", ["维族", "藏族"])
    assert found is not None and found[0] == ["维族"] and "維族" in found[1]
    assert find_terms("人脸抓拍", ["维族"]) is None


def _warc(path, pages):
    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=True)
        for date, body in pages:
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            data = body.encode()
            w.write_record(w.create_warc_record(URL, "response", payload=io.BytesIO(data), length=len(data),
                                                http_headers=http, warc_headers_dict={"WARC-Date": date}))


def test_real_scan_a_detection_miss_is_not_a_deletion(tmp_path):
    """Capture 2 keeps the terms in a sentence the detector does not flag; capture 3 drops them."""
    pages = [(D1, f"<html><body><h1>AI 摄像机</h1><p>{CLAIM}，准确率不低于90%。</p></body></html>"),
             (D2, "<html><body><h1>AI 摄像机</h1><p>维族 汉族</p></body></html>"),
             (D3, "<html><body><h1>AI 摄像机</h1><p>支持人脸抓拍与车辆识别。</p></body></html>")]
    path = tmp_path / "h.warc.gz"
    _warc(path, pages)
    builder = TimelineBuilder()
    records = list(history_records(Pipeline(load_rules()).run([str(path)]), builder, [str(path)]))
    tls = [r.to_dict() for r in records if r.to_dict()["type"] == "timeline"]
    assert len(tls) == 1
    assert events(tls[0]) == [("appeared", None, D1), ("no_longer_flagged", D1, D2), ("removed", D1, D3)]
    assert "维族 汉族" in tls[0]["events"][1]["after_text"] and CLAIM in tls[0]["events"][1]["before_text"]
    assert tls[0]["events"][2]["terms_check"] == "absent"
    # the API's timeline tap has the same check once given a text source
    job = ScanJob([str(path)], timeline=True)
    job.pipeline.taps[0].texts = __import__("functools").partial(
        __import__("profilewatch.history.presence", fromlist=["unit_texts"]).unit_texts, [str(path)])
    tls2 = [r.to_dict() for r in job if r.to_dict()["type"] == "timeline"]
    assert [events(t) for t in tls2] == [events(tls[0])]
