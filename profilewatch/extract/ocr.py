"""OCR: the characters in a page image, as text lines with boxes and confidences.  Text only.

This module recognises characters and nothing else: no face, body or person detection, no
image classification.  An image is only ever turned into text lines.

Engines (chosen by measurement, docs/ocr.md):

* ``rapidocr`` -- ``rapidocr-onnxruntime`` from PyPI: PP-OCR Chinese/English detection and
  recognition models shipped inside the package, run on onnxruntime (the default);
* ``tesseract`` -- Debian's ``tesseract`` binary with ``chi_sim``, ``chi_tra`` and ``eng`` data
  (``uig`` too when installed), run as a subprocess with TSV output.

Nothing is downloaded at run time.  :func:`engine` returns the first available engine (or the
one named by ``PROFILEWATCH_OCR_ENGINE``), or ``None``: callers then report ``ocr_unavailable``.

:func:`page_segment` turns an image into one ``prose`` segment: recognised lines are grouped
into visual rows (boxes that share a baseline band), cells of a row far apart are joined with
``" | "`` (a table row), rows with newlines.  The segment's ``ocr`` is an :class:`OcrPage` that
maps a match back to the boxes it came from: ``bbox`` (pixels of the page image, x0 y0 x1 y1),
the lowest line confidence, the engine and version, and a cropped PNG of the region
(``data:`` URI) that the HTML report shows next to the recognised text.
"""
from __future__ import annotations

import base64
import io
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..records import Segment

if TYPE_CHECKING:
    from PIL import Image

MAX_SIDE = 4000
"""Images are scaled down so that their longer side is at most this many pixels before OCR."""
DET_SIDE = 960
DET_SCALE = 0.55
DET_MAX = 1600
"""rapidocr: text detection scale for images whose longer side exceeds DET_SIDE, capped at DET_MAX
pixels (a 36-Mpx page of text peaks at about 600 MB for the whole process: docs/ocr.md)."""
BAND_PIXELS = 3_000_000
BAND, OVERLAP = 384, 192
"""rapidocr: a page over ``BAND_PIXELS`` pixels, or whose longer side passes the engine's own
working size (``max_side_len``, 2000 px: it reduces larger images itself), is reduced to that
size as the engine would, then read in horizontal bands of ``BAND`` rows that overlap by
``OVERLAP`` (a line up to ``OVERLAP`` rows high is read whole in the band whose core holds its
centre), one line recognised at a time.  A 36-Mpx page of text peaked at 1.2 GB read whole
(text detection of the whole page and batches of six page-wide lines); smaller pages are read
whole, as before (benchmarks/RESULTS.md, bench_memory.py --ocr-page)."""
CROP_WIDTH = 900
"""Cropped evidence regions wider than this are scaled down."""
_CJK = r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")


@dataclass(slots=True)
class Line:
    """One recognised text line: text, box in image pixels (x0, y0, x1, y1), confidence 0..1."""

    text: str
    bbox: tuple[int, int, int, int]
    confidence: float


class Engine:
    """An OCR engine: ``name``, ``version`` and ``read(image) -> list[Line]``."""

    name = "none"
    version = ""

    def read(self, image: Image.Image) -> list[Line]:
        raise NotImplementedError


class RapidOCR(Engine):
    """rapidocr-onnxruntime (PP-OCR models inside the package, onnxruntime on the CPU)."""

    name = "rapidocr"

    def __init__(self) -> None:
        from importlib.metadata import version

        from rapidocr_onnxruntime import RapidOCR as _Rapid

        threads = int(os.environ.get("PROFILEWATCH_OCR_THREADS", "1"))
        self._ocr = _Rapid(intra_op_num_threads=threads, inter_op_num_threads=1)
        self.version = version("rapidocr-onnxruntime")
        self._detect_smaller()

    def _detect_smaller(self) -> None:
        """Text detection on large images runs at a longer side of ``max(DET_SIDE, DET_SCALE x side)``
        (at most DET_MAX)
        (recognition still reads the full-resolution crops): 2.5x less CPU on a 150-dpi A4 page for
        the same CER (docs/ocr.md).  Uses rapidocr's detector internals; without them, its default."""
        try:
            from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess

            det = self._ocr.text_det
            default = det.get_preprocess
        except (ImportError, AttributeError):
            return

        def preprocess(max_wh: int) -> Any:
            if max_wh <= DET_SIDE:
                return default(max_wh)
            return DetPreProcess(min(DET_MAX, max(DET_SIDE, int(max_wh * DET_SCALE))), "max", det.mean, det.std)

        det.get_preprocess = preprocess

    def read(self, image: Image.Image) -> list[Line]:
        import numpy as np

        side = getattr(self._ocr, "max_side_len", None)
        if side is not None and (max(image.size) > side or image.width * image.height > BAND_PIXELS):
            try:
                from rapidocr_onnxruntime.utils.process_img import reduce_max_side
            except ImportError:
                pass
            else:
                return self._banded(image, side, reduce_max_side)
        result, _ = self._ocr(np.asarray(image.convert("RGB")), use_cls=False)
        return _lines(result, (0, float("inf")), 0, (1.0, 1.0), image.size)

    def _banded(self, image: Image.Image, side: int, reduce: Any) -> list[Line]:
        """A large page read in bounded memory (module docstring, BAND_PIXELS): reduced to the
        engine's own working size as the engine reduces it, then read in bands of :data:`BAND`
        rows overlapping by :data:`OVERLAP`, recognising one line at a time; a line is kept from
        the band whose core holds its centre; boxes in ``image``'s pixels."""
        import numpy as np

        array = np.asarray(image if image.mode in ("L", "RGB") else image.convert("RGB"))
        ratio = (1.0, 1.0)
        if max(image.size) > side:
            array, ratio_h, ratio_w = reduce(array, side)
            ratio = (ratio_w, ratio_h)
        rec = getattr(self._ocr, "text_rec", None)
        if rec is not None:
            self._ocr.text_rec = _OneLine(rec)
        lines: list[Line] = []
        try:
            height = array.shape[0]
            for top in range(0, height, BAND):
                bottom = min(height, top + BAND + OVERLAP)
                core = (top + OVERLAP / 2 if top else float("-inf"),
                        top + BAND + OVERLAP / 2 if bottom < height else float("inf"))
                result, _ = self._ocr(np.ascontiguousarray(array[top:bottom]), use_cls=False)
                lines += _lines(result, core, top, ratio, image.size)
                _trim()  # the band's text detection buffers
                if bottom >= height:
                    break
        finally:
            if rec is not None:
                self._ocr.text_rec = rec
        return lines


class _OneLine:
    """rapidocr's recogniser given a band's lines one at a time, the memory of a wide one handed
    back at once (:func:`_trim`): a batch is padded to its widest line (six page-wide lines took
    375 MB), and the buffers of each line width otherwise fragment the heap."""

    def __init__(self, rec: Any) -> None:
        self.rec = rec

    def __call__(self, crops: list[Any], *args: Any) -> tuple[list[Any], float]:
        out: list[Any] = []
        for crop in crops:
            out += self.rec([crop], *args)[0]
            if crop.shape[1] * 48 > 1600 * max(crop.shape[0], 1):  # over 1600 px at the recogniser's 48 px height
                _trim()
        return out, 0.0


def _trim() -> None:
    """Give the memory onnxruntime freed back to the system (glibc's ``malloc_trim``): its buffers
    for each band and line shape otherwise fragment the heap, and the peak grows band by band."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _lines(result: Any, core: tuple[float, float], top: int, ratio: tuple[float, float],
           size: tuple[int, int]) -> list[Line]:
    """rapidocr's results as lines: those whose box centre (``top`` rows down) lies in ``core``,
    their boxes scaled by ``ratio`` (x, y) into an image of ``size``."""
    lines = []
    for box, text, score in result or ():
        xs = [p[0] for p in box]
        ys = [p[1] + top for p in box]
        if not text.strip() or not core[0] <= (min(ys) + max(ys)) / 2 < core[1]:
            continue
        if ratio != (1.0, 1.0):
            xs = [min(size[0], x * ratio[0]) for x in xs]
            ys = [min(size[1], y * ratio[1]) for y in ys]
        lines.append(Line(text.strip(), (int(min(xs)), int(min(ys)), int(max(xs)), int(max(ys))),
                          round(float(score), 3)))
    return lines


class Tesseract(Engine):
    """Debian's tesseract binary (subprocess, TSV output); CJK words are joined without spaces."""

    name = "tesseract"

    def __init__(self, binary: str) -> None:
        self.binary = binary
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
        self.version = (out.stdout or out.stderr).split("\n", 1)[0].split()[-1]
        langs = subprocess.run([binary, "--list-langs"], capture_output=True, text=True, timeout=30).stdout.split()
        wanted = [lang for lang in ("chi_sim", "chi_tra", "eng", "uig") if lang in langs]
        if not wanted:
            raise RuntimeError("tesseract has no chi_sim, chi_tra or eng data")
        self.langs = "+".join(wanted)

    def read(self, image: Image.Image) -> list[Line]:
        buf = io.BytesIO()
        image.convert("L").save(buf, "PNG", compress_level=1)
        out = subprocess.run([self.binary, "stdin", "stdout", "-l", self.langs, "--psm", "3", "tsv"],
                             input=buf.getvalue(), capture_output=True, timeout=300,
                             env={**os.environ, "OMP_THREAD_LIMIT": "1"})
        rows: dict[tuple, list[tuple[str, tuple[int, int, int, int], float]]] = {}
        for row in out.stdout.decode("utf-8", "replace").splitlines()[1:]:
            cols = row.split("\t")
            if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
                continue
            x, y, w, h = (int(c) for c in cols[6:10])
            rows.setdefault(tuple(cols[1:5]), []).append((cols[11], (x, y, x + w, y + h), max(float(cols[10]), 0) / 100))
        lines = []
        for words in rows.values():
            text = _CJK_SPACE.sub("", " ".join(w for w, _, _ in words)).strip()
            boxes = [b for _, b, _ in words]
            bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
            lines.append(Line(text, bbox, round(min(c for _, _, c in words), 3)))
        return lines


ENGINES = ("rapidocr", "tesseract")


def engine(name: str | None = None) -> Engine | None:
    """The named engine, else the one ``PROFILEWATCH_OCR_ENGINE`` names (``none``: no OCR), else the
    first available of :data:`ENGINES`; None when it is not available.  Loaded once per process."""
    return _load(name or os.environ.get("PROFILEWATCH_OCR_ENGINE") or None)


@lru_cache(maxsize=4)
def _load(name: str | None) -> Engine | None:
    names = [name] if name else list(ENGINES)
    try:
        import PIL  # noqa: F401  (every engine is given PIL images)
    except ImportError:
        return None
    for candidate in names:
        try:
            if candidate == "rapidocr":
                return RapidOCR()
            if candidate == "tesseract" and shutil.which("tesseract"):
                return Tesseract(shutil.which("tesseract"))
        except Exception:  # an engine that does not load is not available
            continue
    return None


def unavailable_reason() -> str:
    """What to install for OCR (the message of an ``ocr_unavailable`` record)."""
    return ("no OCR engine available: install profilewatch[ocr] (rapidocr-onnxruntime) or Debian's "
            "tesseract-ocr with tesseract-ocr-chi-sim/chi-tra; text in images and scanned pages was not read")


def fit(image: Image.Image) -> Image.Image:
    """``image`` in a mode OCR reads, its longer side at most :data:`MAX_SIDE` pixels."""
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGBA").convert("RGB") if "A" in image.mode or image.mode == "P" else image.convert("RGB")
    side = max(image.size)
    if side > MAX_SIDE:
        scale = MAX_SIDE / side
        image = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))))
    return image


def rows(lines: list[Line]) -> list[list[Line]]:
    """Lines grouped into visual rows (vertical centre inside the row's band), left to right."""
    out: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: ((ln.bbox[1] + ln.bbox[3]) / 2, ln.bbox[0])):
        centre = (line.bbox[1] + line.bbox[3]) / 2
        if out:
            top = min(ln.bbox[1] for ln in out[-1])
            bottom = max(ln.bbox[3] for ln in out[-1])
            if top <= centre <= bottom:
                out[-1].append(line)
                continue
        out.append([line])
    return [sorted(row, key=lambda ln: ln.bbox[0]) for row in out]


@dataclass
class OcrPage:
    """The recognised lines of one page image and where each sits in the segment's text."""

    engine: str
    version: str
    size: tuple[int, int]
    spans: list[tuple[int, int, Line]] = field(default_factory=list)
    png: bytes = b""
    """The page image (grayscale PNG, fast compression): crops are cut from it on demand."""

    def locate(self, start: int, end: int) -> dict[str, Any]:
        """Locator of the text ``[start, end)``: bbox, confidence, engine and a cropped region."""
        if not self.spans:
            return {"text_source": "ocr"}
        hit = [ln for s, e, ln in self.spans if s < max(end, start + 1) and e > start]
        if not hit:
            hit = [min(self.spans, key=lambda t: abs(t[0] - start))[2]]
        bbox = [min(ln.bbox[0] for ln in hit), min(ln.bbox[1] for ln in hit),
                max(ln.bbox[2] for ln in hit), max(ln.bbox[3] for ln in hit)]
        ocr = {"engine": self.engine, "version": self.version, "confidence": min(ln.confidence for ln in hit),
               "lines": [{"text": ln.text, "bbox": list(ln.bbox), "confidence": ln.confidence} for ln in hit],
               "image_size": list(self.size)}
        crop = self.crop(bbox)
        if crop:
            ocr["crop"] = crop
        return {"bbox": bbox, "text_source": "ocr", "ocr": ocr}

    def crop(self, bbox: list[int]) -> str | None:
        """The region around ``bbox`` as a ``data:image/png;base64`` URI (None without an image)."""
        if not self.png:
            return None
        from PIL import Image

        with Image.open(io.BytesIO(self.png)) as page:
            pad = max(4, (bbox[3] - bbox[1]) // 3)
            box = (max(0, bbox[0] - pad), max(0, bbox[1] - pad), min(page.width, bbox[2] + pad),
                   min(page.height, bbox[3] + pad))
            region = page.crop(box)
            if region.width > CROP_WIDTH:
                region = region.resize((CROP_WIDTH, max(1, region.height * CROP_WIDTH // region.width)))
            buf = io.BytesIO()
            region.save(buf, "PNG", optimize=True)
        return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def page_segment(image: Image.Image, eng: Engine, page: int | None = None,
                 where: dict[str, Any] | None = None) -> Segment | None:
    """One segment of the text OCR reads in ``image`` (None when it reads none)."""
    image = fit(image)
    lines = eng.read(image)
    if not lines:
        return None
    text, spans = _layout(lines)
    buf = io.BytesIO()
    image.convert("L").save(buf, "PNG", compress_level=1)
    ocr = OcrPage(eng.name, eng.version, image.size, spans, buf.getvalue())
    info = {"text_source": "ocr", "ocr_engine": eng.name, "lines": len(lines), **(where or {})}
    return Segment(text=text, context="prose", page=page, where=info, ocr=ocr)


def _layout(lines: list[Line]) -> tuple[str, list[tuple[int, int, Line]]]:
    """Rows joined by newlines; a gap wider than two line heights inside a row becomes ``" | "``."""
    parts: list[str] = []
    spans: list[tuple[int, int, Line]] = []
    pos = 0
    for r, row in enumerate(rows(lines)):
        if r:
            parts.append("\n")
            pos += 1
        for i, line in enumerate(row):
            if i:
                prev = row[i - 1]
                height = max(prev.bbox[3] - prev.bbox[1], line.bbox[3] - line.bbox[1], 1)
                sep = " | " if line.bbox[0] - prev.bbox[2] > 2 * height else " "
                parts.append(sep)
                pos += len(sep)
            spans.append((pos, pos + len(line.text), line))
            parts.append(line.text)
            pos += len(line.text)
    return "".join(parts), spans
