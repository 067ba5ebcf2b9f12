"""Text-like extractors, encodings and content sniffing."""
from pathlib import Path

import pytest

from profilewatch.extract import EXTRACTORS, html
from profilewatch.text.encoding import decode
from profilewatch.extract.markup import UnsafeXML
from profilewatch.records import Unit
from profilewatch.sources.sniff import sniff

PAGE = "<html><head><meta charset='{cs}'><title>T</title></head><body><p>支持民族属性识别</p></body></html>"


def test_gbk_without_declaration_decodes():
    data = ("<html><body><p>" + "本系统可识别抓拍人员是否为维吾尔族、藏族等少数民族人员。" * 3 + "</p></body></html>").encode("gbk")
    text, enc = decode(data)
    assert enc == "gb18030"
    assert "维吾尔族" in text


def test_declared_charset_and_http_charset_win():
    data = PAGE.format(cs="big5").replace("民族属性识别", "種族屬性識別").encode("big5")
    assert "種族" in decode(data)[0]
    assert decode("维族".encode("gbk"), declared="GBK")[0] == "维族"


def test_bom_wins():
    assert decode("\ufeff维族".encode("utf-16"))[0].endswith("维族")
    assert decode("\ufeff维族".encode("utf-8"))[0] == "维族"


@pytest.mark.parametrize(
    "data, name, fmt",
    [
        (b"%PDF-1.7\n...", "x.bin", "pdf"),
        (b"\x1f\x8b\x08\x00", "x.txt", "gzip"),
        (b"WARC/1.0\r\n", "x", "warc"),
        (b"<!DOCTYPE html><html>", "x.txt", "html"),  # content beats the extension
        (b'<?xml version="1.0"?><a/>', "x.dat", "xml"),
        (b'{"a": 1}', "x.dat", "json"),
        (b"int main(void) { return 0; }", "x.c", "code"),
        (b"a,b\n1,2\n", "x.csv", "csv"),
        (b"# Title\n", "x.md", "markdown"),
        (b"hello\n", "x", "text"),
        (b"\x00\x01\x02binary\x00" * 20, "x.txt", "binary"),
    ],
)
def test_sniff(data, name, fmt):
    assert sniff(data, name) == fmt


def _segments(fmt: str, text: str, name: str = "x"):
    return list(EXTRACTORS[fmt](Unit(name, None, text.encode("utf-8"))))


def test_html_segments_cover_hidden_places():
    page = (
        "<html><head><title>云眸平台</title><meta name='description' content='维族人员实时预警'></head>"
        "<body><img alt='预警配置界面' title='维族人员实时预警'><div data-feature-name='维族人员预警'></div>"
        "<script>window.__S__={\"f\":\"\\u7ef4\\u65cf\"}</script>"
        "<p>被判定为<span>维</span><span>族</span>人员</p><style>.x{}</style><!-- 旧版：民族属性 --></body></html>"
    )
    segs = _segments("html", page)
    wheres = [(s.where.get("element"), s.where.get("attribute")) for s in segs]
    assert ("meta", "content") in wheres and ("img", "alt") in wheres and ("img", "title") in wheres
    assert ("div", "data-feature-name") in wheres and ("script", None) in wheres
    assert ("comment", None) in wheres
    body = next(s for s in segs if s.where.get("element") == "body")
    assert "被判定为维族人员" in body.text  # inline tags join up
    assert ".x{}" not in body.text  # style is not text


def test_html_blocks_stay_apart_and_a_table_row_is_one_line():
    body = html.visible_text(html.LexborHTMLParser(
        "<p>民</p><p>族</p><table><tr><th>人脸属性</th><td>性别、种族</td><td></td><td>肤色</td></tr>"
        "<tr><td>存储</td><td>256 GB</td></tr></table>").body)
    assert body.split("\n\n") == ["民", "族", "人脸属性 | 性别、种族 | 肤色", "存储 | 256 GB"]


def test_an_html_spec_table_row_is_its_own_statement(tmp_path):
    page = tmp_path / "spec.html"
    page.write_text("<h2>产品参数</h2><table><tr><th>型号</th><td>X-1</td></tr>"
                    "<tr><th>人脸属性识别</th><td>性别、年龄段、种族、肤色</td></tr>"
                    "<tr><th>工作温度</th><td>-30°C~60°C</td></tr></table>", encoding="utf-8")
    from profilewatch import api
    flags = [r for r in api.scan([str(page)]) if getattr(r, "flag", False)]
    assert len(flags) == 1 and flags[0].kind == "capability_claim"
    assert flags[0].evidence["text"] == "人脸属性识别 | 性别、年龄段、种族、肤色"
    assert sorted(flags[0].categories) == ["ethnicity", "skin_color"]


def test_verbatim_formats_keep_line_and_column():
    for fmt in ("text", "markdown", "csv", "json", "code"):
        (seg,) = _segments(fmt, "line one\nline two 民族")
        assert (seg.line, seg.column) == (1, 1)
        assert seg.text.endswith("民族")
    assert _segments("code", "x")[0].context == "code"
    assert _segments("json", "{}")[0].context == "data"


def test_xml_elements_and_attributes():
    (seg,) = _segments("xml", '<r><rule field="card.nation" op="in" value="05,17"/><note>人工复核</note></r>')
    assert "r/rule field=card.nation op=in value=05,17" in seg.text
    assert "r/note 人工复核" in seg.text


def test_xml_deep_nesting_renders_without_recursion():
    deep = "<a>" * 3000 + "民族属性" + "</a>" * 3000
    (seg,) = _segments("xml", deep)
    assert seg.text.rstrip().endswith("a/a/a 民族属性")


def test_xml_entity_bomb_is_refused():
    bomb = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><l>&b;</l>'
    with pytest.raises(UnsafeXML):
        _segments("xml", bomb)


def test_malformed_xml_is_read_as_text():
    (seg,) = _segments("xml", "<a><b>民族属性</a>")
    assert seg.line == 1 and "民族属性" in seg.text


def test_examples_folder_has_flag_and_clean_samples():
    names = {p.name for p in (Path(__file__).parent.parent / "examples").iterdir()}
    assert {"camera-spec-zh.html", "vendor-statement-en.html", "face_attr.h"} <= names


def test_markdown_fenced_code_is_a_code_segment_at_its_line():
    segs = _segments("markdown", "# API\n\nText here.\n\n```c\nint mz; /* MZ_WEI */\n```\nMore text.\n")
    assert [(s.context, s.line) for s in segs] == [("prose", 1), ("code", 6), ("prose", 8)]
    assert segs[1].text == "int mz; /* MZ_WEI */\n"
