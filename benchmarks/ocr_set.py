"""The OCR test set: pages rendered with Pillow from our own texts (no third-party text).

Simplified Chinese, Traditional Chinese and English lines, in the fonts this machine has
(Noto Sans/Serif CJK, WenQuanYi Zen Hei, DejaVu), at several sizes and resolutions, with small
rotations and noise, plus table screenshots (an HTML-like spec table with grid lines).
``pages()`` yields ``(name, script, image, truth)``; ``render()`` and ``table()`` are also used by
tests/test_ocr.py to make its fixtures at test time.

    python benchmarks/ocr_set.py OUT_DIR     # write the set as PNG + .txt (for inspection)
"""
from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

A4_150 = (1240, 1754)
"""An A4 page at 150 dpi, in pixels."""

FONTS = {  # (path, index in a .ttc) by script family
    "noto-sans": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    "noto-serif": ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    "wqy-zenhei": ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
}
LATIN = {"dejavu-sans": ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0),
         "dejavu-serif": ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 0)}

SIMPLIFIED = [
    "本系统支持人员信息登记与查询，数据按月归档。",
    "设备采用双目摄像头，识别距离零点五至三米。",
    "平台提供车辆号牌识别和出入口通行记录统计。",
    "供应商应在合同签订后三十日内完成安装调试。",
    "投标文件须加盖公章并于截止时间前送达。",
    "存储服务器配置二十四块硬盘，支持热插拔。",
    "系统日志保存不少于一百八十天，可导出报表。",
    "工作温度零下二十度至六十度，防护等级IP67。",
]
TRADITIONAL = [
    "本系統支援人員資料登記與查詢，資料按月歸檔。",
    "設備採用雙目攝影機，辨識距離零點五至三公尺。",
    "平臺提供車輛號牌辨識與出入口通行紀錄統計。",
    "廠商應於契約簽訂後三十日內完成安裝測試。",
    "投標文件須加蓋印章並於截止時間前送達。",
    "儲存伺服器配置二十四顆硬碟，支援熱抽換。",
    "系統日誌保存不少於一百八十天，可匯出報表。",
    "工作溫度零下二十度至六十度，防護等級IP67。",
]
ENGLISH = [
    "The system registers visitor records and archives them monthly.",
    "The camera module reads licence plates at up to thirty metres.",
    "Suppliers shall complete installation within thirty days of signing.",
    "Storage servers hold twenty-four drives with hot-swap support.",
    "System logs are kept for at least one hundred and eighty days.",
    "Operating temperature from minus twenty to sixty degrees Celsius.",
]
TABLE = [("参数", "说明"), ("型号", "PW-9000 智能分析服务器"), ("接口", "千兆网口 ×4，USB 3.0 ×2"),
         ("功耗", "不大于 350 W"), ("尺寸", "2U 机架式")]


def font_path(name: str) -> tuple[str, int] | None:
    """(path, index) of a named font when it is installed, else None."""
    path, index = {**FONTS, **LATIN}[name]
    return (path, index) if Path(path).exists() else None


def cjk_font() -> tuple[str, int] | None:
    """The first installed CJK font, or None (tests skip without one)."""
    for name in FONTS:
        found = font_path(name)
        if found:
            return found
    return None


def render(lines: list[str], font: tuple[str, int], size: int = 28, page: tuple[int, int] | None = None,
           angle: float = 0.0, noise: float = 0.0, blur: float = 0.0, seed: int = 0, spacing: float = 1.9) -> Image.Image:
    """``lines`` drawn black on white, one per row, then rotated by ``angle`` degrees, blurred and
    sprinkled with ``noise`` (share of pixels flipped to random grey) like a scan."""
    face = ImageFont.truetype(font[0], size, index=font[1])
    width = page[0] if page else max(int(face.getlength(t)) for t in lines) + 2 * size
    height = page[1] if page else int(len(lines) * size * spacing + 2 * size)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    for i, text in enumerate(lines):
        draw.text((size, size + int(i * size * spacing)), text, font=face, fill=0)
    return scan_like(image, angle, noise, blur, seed)


def table(rows: list[tuple[str, ...]], font: tuple[str, int], size: int = 24, widths: tuple[int, ...] = (220, 760)) -> Image.Image:
    """A screenshot-like spec table: grid lines, a shaded header row, one text line per cell."""
    face = ImageFont.truetype(font[0], size, index=font[1])
    row_h = int(size * 2.2)
    image = Image.new("RGB", (sum(widths) + 41, row_h * len(rows) + 41), "white")
    draw = ImageDraw.Draw(image)
    for r, row in enumerate(rows):
        y = 20 + r * row_h
        if r == 0:
            draw.rectangle((20, y, 20 + sum(widths), y + row_h), fill=(225, 230, 240))
        x = 20
        for c, cell in enumerate(row):
            draw.rectangle((x, y, x + widths[c], y + row_h), outline=(150, 150, 150))
            draw.text((x + 12, y + (row_h - size) // 2 - 2), cell, font=face, fill=(20, 20, 20))
            x += widths[c]
    return image


def scan_like(image: Image.Image, angle: float = 0.0, noise: float = 0.0, blur: float = 0.0, seed: int = 0) -> Image.Image:
    """Rotation, blur and salt-and-pepper noise, deterministic for a seed."""
    if angle:
        image = image.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255)
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        rnd = random.Random(seed)
        px = image.load()
        w, h = image.size
        for _ in range(int(w * h * noise)):
            px[rnd.randrange(w), rnd.randrange(h)] = rnd.randrange(256)
    return image


VARIANTS = [  # (label, size, scale, angle, noise, blur): scale < 1 renders at a lower resolution
    ("clean-28px", 28, 1.0, 0.0, 0.0, 0.0),
    ("small-18px", 18, 1.0, 0.0, 0.0, 0.0),
    ("100dpi", 28, 0.66, 0.0, 0.0, 0.0),
    ("rot1.5", 26, 1.0, 1.5, 0.0, 0.0),
    ("noise2%", 26, 1.0, 0.0, 0.02, 0.6),
    ("rot-1+noise", 24, 1.0, -1.0, 0.01, 0.8),
]


def pages(full_page: bool = False) -> Iterator[tuple[str, str, Image.Image, str]]:
    """Every test image: ``(name, script, image, ground truth)``; ``full_page`` lays each text on an
    A4 page at 150 dpi (for throughput), else the image is cropped to the text."""
    texts = {"simplified": SIMPLIFIED, "traditional": TRADITIONAL, "english": ENGLISH}
    for script, lines in texts.items():
        fonts = LATIN if script == "english" else FONTS
        for fname in fonts:
            font = font_path(fname)
            if font is None:
                continue
            for n, (label, size, scale, angle, noise, blur) in enumerate(VARIANTS):
                chosen = lines[n % 2::2][:3] if not full_page else lines
                image = render(chosen, font, size, A4_150 if full_page else None, angle, noise, blur, seed=n)
                if scale != 1.0:
                    image = image.resize((int(image.width * scale), int(image.height * scale)), Image.BILINEAR)
                yield f"{script}/{fname}/{label}", script, image, "\n".join(chosen)
    font = cjk_font()
    if font:
        yield "table/spec", "table", table(TABLE, font), "\n".join(" ".join(r) for r in TABLE)


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "ocr-set")
    for name, _, image, truth in pages():
        path = out / (name.replace("/", "_") + ".png")
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path)
        path.with_suffix(".txt").write_text(truth, encoding="utf-8")
    print(f"wrote the set to {out}")
