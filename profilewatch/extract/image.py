"""Images as units: PNG, JPEG, GIF, WebP, TIFF and BMP, read by OCR (text only).

Every image first gets what the binary extractor finds in its bytes (metadata strings).  Then,
when OCR is wanted for it -- ``--ocr auto``: image files in folders and archives; ``--ocr all``:
also images inside WARC records -- each frame (at most ``Limits.max_frames``) is recognised
into one segment with ``page`` = frame number (see :func:`profilewatch.extract.ocr.page_segment`).

What happened is written to ``unit.meta`` for the scanner: ``meta["ocr"]`` (the unit record's
``ocr`` field: status ``read`` / ``unavailable`` / ``off`` / ``not_requested``, engine, frames,
lines) and ``meta["problems"]`` (records to emit: ``skipped``/``ocr_unavailable`` without an
engine; ``error``/``limit_exceeded`` with limit ``max_frames`` or ``ocr_seconds`` when only a
part was read).  Images are refused before decoding when they declare more than
``Limits.max_image_pixels`` pixels (:class:`ImageRefused`, reason ``limit_exceeded``, limit
``max_image_pixels``); truncated or undecodable images raise :class:`BadImage` (``corrupt``).
:func:`embedded` reads an image inside a document (``--ocr all``: PDF page images, Office media).
Only characters are recognised: no face, body or person detection, no image classification.
"""
from __future__ import annotations

import io
import time
import warnings
from collections.abc import Iterator

from ..options import ScanOptions
from ..records import LimitHit, Problem, Segment, Unit
from . import binary, ocr

MIN_SIDE = 12
"""Images (icons, spacers) smaller than this on either side are not given to OCR."""


class BadImage(ValueError):
    """An image that cannot be decoded (truncated, damaged)."""

    reason = "corrupt"


class ImageRefused(LimitHit):
    """An image beyond a safety limit; ``limit`` names it (``max_image_pixels``)."""


def note(unit: Unit, kind: str, reason: str, message: str, limit: str | None = None) -> None:
    """Queue a problem record about ``unit`` for the scanner (emitted before its unit record)."""
    unit.meta.setdefault("problems", []).append(
        Problem(kind, unit.file, unit.member, reason, message, unit.sha256, limit))


def wanted(unit: Unit, options: ScanOptions) -> bool:
    """Whether OCR reads this image: ``all`` always, ``auto`` unless it came from a WARC record."""
    return options.ocr == "all" or (options.ocr == "auto" and not unit.meta.get("warc"))


def open_image(data: bytes, max_pixels: int):
    """A PIL image whose declared size is within ``max_pixels`` (nothing decoded yet)."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise ImageRefused("max_image_pixels", f"image refused (decompression bomb): {exc}") from exc
    except Exception as exc:  # PIL raises UnidentifiedImageError, SyntaxError, struct.error...
        raise BadImage(f"image cannot be opened: {type(exc).__name__}: {exc}") from exc
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise ImageRefused("max_image_pixels",
                           f"image of {width}x{height} pixels refused: more than max_image_pixels={max_pixels}")
    return image


def extract(unit: Unit, options: ScanOptions | None = None) -> Iterator[Segment]:
    """Metadata strings, then the OCR text of each frame when OCR is wanted and available."""
    options = options or ScanOptions()
    yield from binary.extract(unit)
    if not wanted(unit, options):
        unit.meta["ocr"] = {"status": "off" if options.ocr == "off" else "not_requested"}
        return
    eng = ocr.engine()
    if eng is None:
        unit.meta["ocr"] = {"status": "unavailable"}
        note(unit, "skipped", "ocr_unavailable", ocr.unavailable_reason())
        return
    status = {"status": "read", "engine": eng.name, "version": eng.version, "frames": 0, "lines": 0}
    unit.meta["ocr"] = status
    yield from _frames(unit, unit.data, options, eng, status, {})


def embedded(unit: Unit, data: bytes, options: ScanOptions, where: dict, page: int | None = None) -> Iterator[Segment]:
    """OCR segments of an image inside a document (``--ocr all``), ``where`` saying where it sits.

    A refused or broken embedded image is reported (an ``error`` record) and the document goes on."""
    eng = ocr.engine()
    status = unit.meta.setdefault("ocr", {"status": "read", "embedded_images": 0, "lines": 0})
    if eng is None:
        if status.get("status") != "unavailable":
            status["status"] = "unavailable"
            note(unit, "skipped", "ocr_unavailable", ocr.unavailable_reason())
        return
    status.update(engine=eng.name, version=eng.version)
    status["embedded_images"] = status.get("embedded_images", 0) + 1
    status.setdefault("lines", 0)
    try:
        yield from _frames(unit, data, options, eng, status, where, page)
    except (BadImage, ImageRefused) as exc:
        note(unit, "error", exc.reason, f"embedded image {where}: {exc}", getattr(exc, "limit", None))


def _frames(unit: Unit, data: bytes, options: ScanOptions, eng: ocr.Engine, status: dict,
            where: dict, page: int | None = None) -> Iterator[Segment]:
    """One OCR segment per frame of the image in ``data`` (within the frame and time limits)."""
    limits = options.limits
    image = open_image(data, limits.max_image_pixels)
    deadline = time.monotonic() + limits.ocr_seconds
    with image:
        for frame in range(limits.max_frames + 1):
            try:
                image.seek(frame)
            except EOFError:
                break
            except Exception as exc:
                raise BadImage(f"frame {frame + 1} cannot be read: {type(exc).__name__}: {exc}") from exc
            if frame == limits.max_frames:
                note(unit, "error", "limit_exceeded", f"image has more than max_frames={limits.max_frames} "
                     f"frames; only the first {limits.max_frames} were read", "max_frames")
                break
            if time.monotonic() > deadline:
                note(unit, "error", "limit_exceeded", f"OCR stopped after ocr_seconds={limits.ocr_seconds:g} "
                     f"at frame {frame + 1}", "ocr_seconds")
                break
            try:
                image.load()
                single, tiny = getattr(image, "n_frames", 1) == 1, min(image.size) < MIN_SIDE
                picture = ocr.fit(image if single else image.copy())
            except Exception as exc:  # truncated data, bad compression
                raise BadImage(f"image cannot be decoded: {type(exc).__name__}: {exc}") from exc
            if single and picture is not image:
                image.close()  # a one-frame image: its full-size pixels are not held while OCR reads
            status["frames"] = status.get("frames", 0) + 1
            if not tiny:
                segment = ocr.page_segment(picture, eng, page=page if page is not None else frame + 1,
                                           where={**where, "frame": frame + 1} if where else None)
                if segment is not None:
                    status["lines"] += segment.where["lines"]
                    yield segment
            if single:
                break


extract.takes_options = True  # type: ignore[attr-defined]

FORMATS = {"image": extract}
