"""OCR of a large page in bounded memory (issue 12): rapidocr reads a page over ``ocr.BAND_PIXELS``
pixels, or past its own 2000 px working size, reduced as the engine reduces it and in horizontal
bands that overlap, one line at a time; boxes stay in the page's pixels, and a page read in bands
gives the text the whole-page read gives."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from profilewatch.extract import ocr

pytest.importorskip("PIL", reason="Pillow is not installed (pip install -e '.[ocr]'): OCR tests skipped")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import ocr_set  # noqa: E402

ENGINE = ocr.engine()
FONT = ocr_set.cjk_font()
pytestmark = pytest.mark.skipif(ENGINE is None or ENGINE.name != "rapidocr" or FONT is None, reason=(
    "no rapidocr engine (pip install -e '.[ocr]') or no CJK font (apt-get install fonts-noto-cjk): OCR band tests skipped"))

CLAIM = "支持人脸属性识别：民族（维吾尔族、汉族）、肤色"
LINES = ["产品规格说明", "设备采用双目摄像头，识别距离零点五至三米。", "平台提供车辆号牌识别和出入口通行记录统计。",
         "存储服务器配置二十四块硬盘，支持热插拔。", "投标文件须加盖公章并于截止时间前送达。", CLAIM]


def _text(lines: list[ocr.Line]) -> str:
    return "\n".join(" ".join(line.text for line in row) for row in ocr.rows(lines))


def test_a_page_read_in_bands_gives_the_whole_page_text_and_boxes(monkeypatch):
    page = ocr_set.render(LINES, FONT, 32, page=(1240, 900))
    whole = ENGINE.read(page)
    calls: list[int] = []
    real = ENGINE._ocr.__class__.__call__

    def counted(self, img, *args, **kwargs):
        calls.append(img.shape[0])
        return real(self, img, *args, **kwargs)

    monkeypatch.setattr(ocr, "BAND_PIXELS", 100_000)  # this page is read in bands
    monkeypatch.setattr(ocr, "BAND", 160)
    monkeypatch.setattr(ENGINE._ocr.__class__, "__call__", counted)
    banded = ENGINE.read(page)
    assert len(calls) >= 5 and max(calls) <= 160 + ocr.OVERLAP  # the bands, each at most BAND + OVERLAP rows
    assert _text(banded) == _text(whole) and CLAIM in _text(banded)
    for a, b in zip(sorted(whole, key=lambda ln: ln.bbox[1]), sorted(banded, key=lambda ln: ln.bbox[1])):
        assert all(abs(p - q) <= 8 for p, q in zip(a.bbox, b.bbox)), (a, b)  # the page's pixels, not the band's


def test_a_page_past_the_engines_size_is_reduced_and_boxes_are_in_page_pixels(monkeypatch):
    """A 3000 px wide page: reduced to the engine's 2000 px (as it reduces it itself), read in bands;
    the claim's box is where it was drawn, in the page's own pixels."""
    page = ocr_set.render(LINES, FONT, 48, page=(3000, 1100))
    spans: list[tuple[int, int]] = []
    real = ocr.RapidOCR._banded

    def spy(self, image, side, reduce):
        spans.append(image.size)
        return real(self, image, side, reduce)

    monkeypatch.setattr(ocr.RapidOCR, "_banded", spy)
    lines = ENGINE.read(page)
    assert spans == [(3000, 1100)]
    claim = next(line for line in lines if "维吾尔族" in line.text)
    top = 48 + int(5 * 48 * 1.9)  # render(): line i drawn at size + i * size * spacing
    x0, y0, x1, y1 = claim.bbox
    assert abs(y0 - top) < 30 and y1 - y0 < 100 and 30 < x0 < 100 and x1 > 1000, claim.bbox
    assert all(0 <= b[0] < b[2] <= 3000 and 0 <= b[1] < b[3] <= 1100 for b in (line.bbox for line in lines))
