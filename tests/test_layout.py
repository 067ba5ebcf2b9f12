"""Layout-aware passages: a row of a spec table in a PDF page is its own statement."""
from __future__ import annotations

from profilewatch.detect.engine import Detector
from profilewatch.detect.rules import load_rules
from profilewatch.records import Segment, Unit
from profilewatch.text.layout import split_rows

PAGE = ("HS-IPC-X1 人脸抓拍摄像机 技术参数\n项目 参数\n人脸属性 性别、年龄段、种族、眼镜\n"
        "报警联动 支持黑名单报警、陌生人报警\n工作温度 -30°C～60°C\n"
        "本产品适用于园区、楼宇等场景的出入口，可对经过的人员进行抓拍并上传平台进行比对，命中后联动门\n禁或报警。")


def test_table_rows_become_paragraphs_and_wrapped_prose_stays_joined():
    out = split_rows(PAGE)
    assert "项目 参数\n\n人脸属性 性别、年龄段、种族、眼镜\n\n报警联动" in out
    assert "命中后联动门\n禁或报警。" in out  # a wrapped prose line is not a row
    assert out.replace("\n\n", "\n") == PAGE  # only line breaks are added


def test_a_lone_short_line_is_not_a_table():
    text = "第一章 总则\n本规范适用于公共区域视频监控系统的建设、运行和维护，规定了系统的总体要求、功能要求和性能要求。"
    assert split_rows(text) == text


def test_a_neighbouring_row_no_longer_decides_the_kind():
    detector = Detector(load_rules())

    def flags(text):
        unit = Unit(file="spec.pdf", member=None, data=text.encode())
        return [f for f in detector.detect(unit, [Segment(text=text, context="prose", page=1)]) if f.flag]

    joined = flags(PAGE)  # as one run-on passage, the alarm row beside it reads as targeting
    assert [f.kind for f in joined] == ["targeting_rule"]
    (row,) = flags(split_rows(PAGE))
    assert row.kind == "capability_claim" and row.evidence["text"] == "人脸属性 性别、年龄段、种族、眼镜"
    assert row.evidence["page"] == 1
