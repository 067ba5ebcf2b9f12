"""OCR (issue 14): text in images and scanned PDF pages is found, with a page + bbox locator.

Fixtures are rendered here with Pillow (benchmarks/ocr_set.py) from our own texts: an
image-only PDF and a PNG spec table with a Simplified-Chinese ethnicity-attribute claim, a
Traditional-Chinese scanned notice with a targeting rule, and clean scans (an ID-card
registration form, a news clipping).  Tests that need an engine or a CJK font skip loudly.
"""
from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from profilewatch.api import ScanJob
from profilewatch.extract import ocr, pdf
from profilewatch.sources.sniff import sniff

PIL = pytest.importorskip("PIL", reason="Pillow is not installed (pip install -e '.[ocr]'): OCR tests skipped")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import ocr_set  # noqa: E402

ENGINE = ocr.engine()
FONT = ocr_set.cjk_font()
needs_ocr = pytest.mark.skipif(ENGINE is None or FONT is None, reason=(
    "no OCR engine (pip install -e '.[ocr]') or no CJK font (apt-get install fonts-noto-cjk): OCR tests skipped"))

SPEC = ["产品规格说明", "支持人脸属性识别：民族（维吾尔族、汉族）、肤色"]
NOTICE = ["公告", "系統檢測到維吾爾族人員時立即告警，並通知轄區派出所。"]
IDCARD = ["居民身份證登記表", "姓名：張三    性別：男    民族：漢族", "出生日期：1990年1月1日", "住址：北京市朝陽區"]
NEWS = ["本报讯", "昨日，市图书馆举办民族文化展览，展出少数民族服饰与手工艺品，吸引众多市民参观。"]


def scan(tmp_path: Path, **options) -> list[dict]:
    return [r.to_dict() for r in ScanJob([str(tmp_path)], **options)]


def png(image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def image_pdf(image) -> bytes:
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "PDF", resolution=150)
    return buf.getvalue()


def flags(records: list[dict], file: str) -> list[dict]:
    return [r for r in records if r["type"] == "finding" and r["file"] == file and r["flag"]]


def unit(records: list[dict], file: str) -> dict:
    return next(r for r in records if r["type"] == "unit" and r["file"] == file)


def assert_located(finding: dict, page: int = 1) -> None:
    ev = finding["evidence"]
    assert finding["text_source"] == "ocr" and ev["text_source"] == "ocr"
    assert ev["page"] == page
    x0, y0, x1, y1 = ev["bbox"]
    assert 0 <= x0 < x1 and 0 <= y0 < y1
    assert ev["ocr"]["engine"] == ENGINE.name and ev["ocr"]["version"]
    assert 0 < ev["ocr"]["confidence"] <= 1
    assert ev["ocr"]["lines"] and all("bbox" in ln and "confidence" in ln for ln in ev["ocr"]["lines"])
    assert ev["ocr"]["crop"].startswith("data:image/png;base64,")


@needs_ocr
def test_scanned_pdf_spec_table_png_and_traditional_notice_are_found(tmp_path):
    (tmp_path / "scan.pdf").write_bytes(image_pdf(ocr_set.render(SPEC, FONT, 26, page=(1240, 600))))
    (tmp_path / "spec.png").write_bytes(png(ocr_set.table([("参数", "说明"), ("型号", "PW-9000"),
                                                           ("人脸属性", SPEC[1])], FONT, widths=(200, 720))))
    notice = ocr_set.render(NOTICE, FONT, 28, angle=0.8, noise=0.004, blur=0.5, seed=3)
    (tmp_path / "notice.jpg").write_bytes(_jpeg(notice))
    records = scan(tmp_path)

    found = flags(records, "scan.pdf")
    assert {f["category"] for f in found} >= {"ethnicity"} and found[0]["kind"] == "capability_claim"
    assert_located(found[0])
    assert unit(records, "scan.pdf")["text_layer"] == "none"
    assert unit(records, "scan.pdf")["ocr"]["status"] == "read" and unit(records, "scan.pdf")["ocr"]["pages"] == [1]

    table = [f for f in flags(records, "spec.png") if f["category"] == "ethnicity"]
    assert table and table[0]["kind"] == "capability_claim"
    assert_located(table[0])
    assert unit(records, "spec.png")["format"] == "image"

    targeting = flags(records, "notice.jpg")
    assert [f["kind"] for f in targeting] == ["targeting_rule"]
    assert_located(targeting[0])
    assert "維吾爾族" in targeting[0]["evidence"]["match"]


@needs_ocr
def test_clean_scans_give_no_flag(tmp_path):
    (tmp_path / "idcard.png").write_bytes(png(ocr_set.render(IDCARD, FONT, 26, angle=-0.6, noise=0.003, seed=1)))
    (tmp_path / "news.pdf").write_bytes(image_pdf(ocr_set.render(NEWS, FONT, 24, page=(1240, 500))))
    records = scan(tmp_path)
    assert not [r for r in records if r["type"] == "finding" and r["flag"]]
    assert unit(records, "idcard.png")["ocr"]["lines"] >= 3  # it was read, and found clean
    assert unit(records, "news.pdf")["text_layer"] == "none"


@needs_ocr
def test_image_without_text_is_only_a_unit(tmp_path):
    from PIL import Image

    (tmp_path / "blank.png").write_bytes(png(Image.new("RGB", (400, 300), (200, 220, 240))))
    records = scan(tmp_path)
    assert [r["type"] for r in records] == ["unit"]
    assert records[0]["outcome"] == "scanned" and records[0]["ocr"]["lines"] == 0


def test_missing_engine_gives_a_skipped_record(tmp_path, monkeypatch):
    monkeypatch.setenv("PROFILEWATCH_OCR_ENGINE", "none")
    from PIL import Image

    (tmp_path / "a.png").write_bytes(png(Image.new("L", (200, 100), 255)))
    (tmp_path / "scan.pdf").write_bytes(image_pdf(Image.new("L", (600, 800), 255)))
    records = scan(tmp_path)
    skipped = {r["file"]: r for r in records if r["type"] == "skipped"}
    assert skipped["a.png"]["reason"] == "ocr_unavailable"
    assert skipped["scan.pdf"]["reason"] == "ocr_unavailable" and "text layer" in skipped["scan.pdf"]["message"]
    assert unit(records, "scan.pdf")["text_layer"] == "none"
    assert unit(records, "scan.pdf")["ocr"]["status"] == "unavailable"


def test_ocr_off_and_auto_in_warc(tmp_path, monkeypatch):
    monkeypatch.setenv("PROFILEWATCH_OCR_ENGINE", "none")  # no engine is asked for: no skipped record
    from PIL import Image

    (tmp_path / "a.png").write_bytes(png(Image.new("L", (200, 100), 255)))
    records = scan(tmp_path, ocr="off")
    assert [r["type"] for r in records] == ["unit"] and records[0]["ocr"] == {"status": "off"}
    from profilewatch.extract.image import wanted
    from profilewatch.options import ScanOptions
    from profilewatch.records import Unit

    in_warc = Unit("site.warc.gz", "https://x.example/a.png 2020", b"", meta={"warc": {"uri": "x"}})
    assert not wanted(in_warc, ScanOptions()) and wanted(in_warc, ScanOptions(ocr="all"))
    assert wanted(Unit("a.zip", "img/a.png", b""), ScanOptions())


def test_image_formats_are_sniffed():
    from PIL import Image

    small = Image.new("RGB", (16, 16), "white")
    for fmt in ("PNG", "JPEG", "GIF", "WEBP", "TIFF", "BMP"):
        buf = io.BytesIO()
        small.save(buf, fmt)
        assert sniff(buf.getvalue(), "x.bin") == "image", fmt
    assert sniff(b"BMW is not a bitmap, just text that starts with BM", "a.txt") == "text"


def test_text_layer_quality():
    assert pdf.layer("") == "none" and pdf.layer(" \n ") == "none"
    assert pdf.layer("(cid:12)(cid:345)(cid:7) (cid:88)") == "unreliable"
    assert pdf.layer("\ufffd\ufffd\ufffd民族") == "unreliable"
    assert pdf.layer("\ue001\ue002\ue003\ue004 ok") == "unreliable"
    assert pdf.layer("支持人脸属性识别 (cid:1)") is None


def _jpeg(image) -> bytes:
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "JPEG", quality=85)
    return buf.getvalue()


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` pixels and carries a few bytes of data."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


HOSTILE = r"""
import io, json, sys
from PIL import Image
sys.path.insert(0, sys.argv[2])
from profilewatch.api import ScanJob
records = [r.to_dict() for r in ScanJob([sys.argv[1]])]
# VmHWM: this process's peak RSS (ru_maxrss would also count the forking pytest process before exec)
with open("/proc/self/status") as fh:
    peak = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024
print(json.dumps({"records": records, "max_rss_mb": peak}))
"""


@needs_ocr
def test_hostile_images_give_clear_records_in_bounded_memory(tmp_path):
    from PIL import Image

    (tmp_path / "bomb.png").write_bytes(_png_header(60000, 60000))
    # a real bomb: 1-bit pixels of one colour compress ~1000x (12 000 x 12 000 = 144 Mpx from ~20 kB)
    buf = io.BytesIO()
    Image.new("1", (12000, 12000), 1).save(buf, "PNG")
    (tmp_path / "bomb2.png").write_bytes(buf.getvalue())
    good = png(ocr_set.render(["truncated"], FONT, 40))
    (tmp_path / "cut.png").write_bytes(good[: len(good) // 2])
    frames = [Image.new("L", (24, 24), (i * 37) % 256) for i in range(10_000)]  # all different: none merged
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=10)
    (tmp_path / "many.gif").write_bytes(buf.getvalue())
    out = subprocess.run([sys.executable, "-c", HOSTILE, str(tmp_path), str(Path(__file__).resolve().parents[1])],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    problems = {r["file"]: r for r in result["records"] if r["type"] in ("error", "skipped")}
    assert problems["bomb.png"]["reason"] == "limit_exceeded" and problems["bomb.png"]["limit"] == "max_image_pixels"
    assert problems["bomb2.png"]["limit"] == "max_image_pixels"
    assert problems["cut.png"]["reason"] == "corrupt"
    assert problems["many.gif"]["limit"] == "max_frames"
    assert unit(result["records"], "many.gif")["ocr"]["frames"] == 10
    assert result["max_rss_mb"] <= 500, result["max_rss_mb"]
    print("hostile images: peak RSS", round(result["max_rss_mb"]), "MB")


def test_html_report_shows_the_cropped_region_next_to_the_recognised_text():
    from PIL import Image
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    from report_samples import render

    page = Image.new("L", (600, 200), 255)
    buf = io.BytesIO()
    page.save(buf, "PNG")
    located = ocr.OcrPage("rapidocr", "1.4.4", (600, 200), [(0, 4, ocr.Line("维吾尔族", (40, 50, 300, 90), 0.97))],
                          buf.getvalue()).locate(0, 4)
    assert located["bbox"] == [40, 50, 300, 90] and located["ocr"]["confidence"] == 0.97
    finding = {"type": "finding", "file": "spec.png", "member": None, "kind": "capability_claim",
               "category": "ethnicity", "categories": ["ethnicity"], "rule": "ethnicity/capability_claim",
               "confidence": 0.9, "flag": True, "sha256": "0" * 64, "fingerprint": "f" * 32, "terms": ["维吾尔族"],
               "cues": {}, "explanation": "x", "text_source": "ocr",
               "evidence": {"text": "维吾尔族", "match": "维吾尔族", "page": 1, **located}}
    hostile = {**finding, "fingerprint": "e" * 32,
               "evidence": {**finding["evidence"], "ocr": {**located["ocr"], "crop": "data:text/html,<script>x</script>"}}}
    doc = HTMLParser(render("html", [finding, hostile]))
    images = doc.css("figure.ocr img")
    assert len(images) == 1 and images[0].attributes["src"].startswith("data:image/png;base64,")
    captions = [c.text() for c in doc.css("figure.ocr figcaption")]
    assert len(captions) == 2 and all("维吾尔族" in c and "rapidocr 1.4.4" in c for c in captions)


@needs_ocr
def test_ocr_all_reads_images_embedded_in_documents(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("产品介绍")
    document.add_picture(io.BytesIO(png(ocr_set.render(SPEC, FONT, 28))))
    document.save(tmp_path / "brochure.docx")
    assert not flags(scan(tmp_path), "brochure.docx")  # auto: pictures inside documents are not read
    records = scan(tmp_path, ocr="all")
    found = flags(records, "brochure.docx")
    assert found and found[0]["text_source"] == "ocr"
    assert found[0]["evidence"]["where"]["media"].startswith("word/media/") and found[0]["evidence"]["bbox"]
    assert unit(records, "brochure.docx")["ocr"]["embedded_images"] == 1
