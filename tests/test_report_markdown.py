"""Markdown output for issues and e-mails: content, and scanned text kept inert."""
from __future__ import annotations

import re

from profilewatch.report.markdown import block, code, escape
from report_samples import hostile_records, normal_records, render


def test_summary_table_and_flag_findings():
    md = render("md", normal_records())
    assert md.startswith("# profilewatch report\n")
    assert "- **4 flag findings** of 5 findings" in md
    assert "- 7 units scanned of 9; 1 skipped, 1 failed; 2 containers opened" in md
    assert "| category | capability claim | implementation | targeting rule |" in md
    assert "| ethnicity | 1 | 2 | 1 |" in md and "| skin colour | 0 | 0 | 1 |" in md
    assert "### `html/datasheet.html`" in md
    assert "**FLAG** capability claim · ethnicity · confidence 0.92" in md and "**ERROR**" not in md
    assert "member `lib/tools.tar.gz` › `include/face.h` · line 40 · column 27" in md
    assert "page 3" in md and "byte 4096" in md
    assert "```text\n  支持识别维族" in md
    assert "Matched: `维族`, `汉族`" in md
    assert "disclaimer" not in md.split("## Timeline")[0]  # clean kinds left out by default
    assert ("| `https://www.vendor.example/p/ai7.html` | `ethnicity: 维族, 民族` | replaced by disclaimer | appeared "
            "2019-04-08T10:00:00Z; changed 2020-03-01T00:00:00Z; removed 2020-06-01T00:00:00Z; replaced by disclaimer "
            "2020-06-01T00:00:00Z |") in md
    assert "- error `docx/broken.docx`: corrupt: Bad zip file" in md
    assert "`archives/bomb.zip` › `x/y.bin`" in md
    assert "/home/alice" not in md


def test_include_clean_option():
    md = render("md", normal_records(), include_clean=True)
    assert "**CONTEXT** disclaimer" in md and "WARC record `https://www.vendor.example/p/ai7.html`" in md


def test_escaping_helpers():
    assert escape("<b>x</b> *y* [l](javascript:z) @me #1") == (
        "&lt;b&gt;x&lt;/b&gt; \\*y\\* \\[l\\](javascript:z) \\@me \\#1")
    assert code("a`b") == "``a`b``" and code("`x`") == "`` `x` ``" and code("a|b") == "`a\\|b`"
    assert block("x\n```\ny") == "````text\nx\n```\ny\n````"
    assert escape("a\u202eb") == "a&lt;U+202E&gt;b"


def test_hostile_text_stays_inert():
    head, records, p = hostile_records()
    md = render("md", records, header=head, include_clean=True)
    assert "\u202e" not in md
    # outside code spans and fenced blocks, no raw HTML or link syntax survives
    prose = re.sub(r"^ *(`{3,})text\n.*?\n *\1$", "", md, flags=re.S | re.M)
    prose = re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", prose)
    assert "<" not in prose and "](" not in prose.replace("\\](", "")
    assert not re.search(r"(?<!\\)@octocat", prose)
    # each snippet's fence is longer than any backtick run inside it
    for fence, body in re.findall(r"^ *(`{3,})text\n(.*?)\n *\1$", md, flags=re.S | re.M):
        assert fence not in body
    assert "````text" in md  # the payload with ``` needed a longer fence
