"""An XML file whose declaration names a multi-byte encoding (GBK, Big5, Shift_JIS) is parsed as XML:
the text layer has already decoded it, so the declaration no longer describes the bytes the parser
sees (expat refuses multi-byte encodings outright: it used to be `extract_failed`)."""
import json

import pytest

from profilewatch.cli.main import cli
from click.testing import CliRunner

CLAIM_S = "本摄像机支持维吾尔族人脸识别和报警。"
CLAIM_T = "本攝影機支援維吾爾族人臉識別和報警。"


@pytest.mark.parametrize("codec,declared,claim", [("gbk", "GBK", CLAIM_S), ("gb18030", "gb2312", CLAIM_S),
                                                   ("big5", "Big5", CLAIM_T), ("utf-8", "no-such-codec", CLAIM_S)])
def test_a_declared_multibyte_encoding_is_parsed_as_xml(tmp_path, codec, declared, claim):
    body = f'<?xml version="1.0" encoding="{declared}"?>\n<doc>\n<p lang="zh">{claim}</p>\n</doc>\n'
    (tmp_path / "notice.xml").write_bytes(body.encode(codec))
    out = CliRunner().invoke(cli, ["scan", str(tmp_path), "--format", "jsonl", "--units"]).output
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert [r for r in records if r["type"] == "error"] == []
    findings = [r for r in records if r["type"] == "finding"]
    assert findings and all(f["file"] == "notice.xml" for f in findings)
    assert any("维吾尔" in f["evidence"]["match"] or "維吾爾" in f["evidence"]["match"] for f in findings)
    assert [r["outcome"] for r in records if r["type"] == "unit"] == ["scanned"]
