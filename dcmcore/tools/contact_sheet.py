"""A contact sheet: rendered images as labelled thumbnails in a grid (Pillow), for ``dcmcore demo``."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

__all__ = ["Tile", "thumbnail", "contact_sheet", "short_syntax"]

_BACKGROUND = (24, 24, 28)
_TEXT = (225, 225, 225)
_FAILED = (235, 110, 90)

#: Shorter names for the labels (the full name is in the printed table).
_SHORT = {
    "Implicit VR Little Endian": "Implicit LE",
    "Explicit VR Little Endian": "Explicit LE",
    "Explicit VR Big Endian": "Explicit BE",
    "Deflated Explicit VR Little Endian": "Deflated LE",
    "RLE Lossless": "RLE",
    "JPEG Baseline (Process 1)": "JPEG Baseline",
    "JPEG Extended (Process 2 and 4)": "JPEG Extended",
    "JPEG Lossless, Non-Hierarchical (Process 14)": "JPEG Lossless",
    "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])": "JPEG Lossless SV1",
    "JPEG-LS Lossless Image Compression": "JPEG-LS",
    "JPEG-LS Lossy (Near-Lossless) Image Compression": "JPEG-LS near",
    "JPEG 2000 Image Compression (Lossless Only)": "J2K lossless",
    "JPEG 2000 Image Compression": "J2K",
    "High-Throughput JPEG 2000 Image Compression (Lossless Only)": "HTJ2K lossless",
    "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)": "HTJ2K RPCL",
    "High-Throughput JPEG 2000 Image Compression": "HTJ2K",
}


def short_syntax(name: str) -> str:
    """A transfer syntax name short enough for a label."""
    return _SHORT.get(name, name if len(name) <= 18 else name[:17] + "…")


@dataclass
class Tile:
    """One cell: an 8-bit image (grey or RGB; None when it failed) and up to two lines of label."""

    image: np.ndarray | None
    title: str
    subtitle: str = ""


def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)  # Pillow >= 10.1 with FreeType: a scalable font
    except TypeError:
        return ImageFont.load_default()


def thumbnail(image: np.ndarray, size: int) -> np.ndarray:
    """`image` scaled (area-averaged) to fit in `size` x `size`, as RGB uint8."""
    from PIL import Image

    rgb = np.repeat(image[..., None], 3, axis=-1) if image.ndim == 2 else image[..., :3]
    picture = Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8))
    scale = min(size / picture.width, size / picture.height)
    target = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.NEAREST
    return np.asarray(picture.resize(target, resample))


def _fit(draw, text: str, font, width: int) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def contact_sheet(tiles: list[Tile], size: int = 112, columns: int | None = None, font_size: int = 11) -> np.ndarray:
    """The tiles in a grid (about 16:10), each image centred in a `size` square with its label below: RGB uint8."""
    from PIL import Image, ImageDraw

    if not tiles:
        raise ValueError("No images for a contact sheet")
    columns = columns or max(1, math.ceil(math.sqrt(len(tiles) * 1.6)))
    rows = math.ceil(len(tiles) / columns)
    pad, line = 6, font_size + 3
    cell_w, cell_h = size + 2 * pad, size + 2 * pad + 2 * line
    sheet = Image.new("RGB", (columns * cell_w, rows * cell_h), _BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    font = _font(font_size)
    for k, tile in enumerate(tiles):
        r, c = divmod(k, columns)
        x0, y0 = c * cell_w + pad, r * cell_h + pad
        if tile.image is not None:
            thumb = thumbnail(tile.image, size)
            h, w = thumb.shape[:2]
            sheet.paste(Image.fromarray(thumb), (x0 + (size - w) // 2, y0 + (size - h) // 2))
            colour = _TEXT
        else:
            draw.rectangle([x0, y0, x0 + size - 1, y0 + size - 1], outline=_FAILED)
            draw.text((x0 + 6, y0 + size // 2 - line), "failed", fill=_FAILED, font=font)
            colour = _FAILED
        draw.text((x0, y0 + size + 2), _fit(draw, tile.title, font, size), fill=colour, font=font)
        draw.text((x0, y0 + size + 2 + line), _fit(draw, tile.subtitle, font, size), fill=colour, font=font)
    return np.asarray(sheet)


def save_sheet(image: np.ndarray, path: str | os.PathLike, *, max_width: int | None = None) -> None:
    """Write the sheet as PNG, optionally downscaled to `max_width` and reduced to 256 colours (small files)."""
    from PIL import Image

    picture = Image.fromarray(image)
    if max_width is not None and picture.width > max_width:
        height = round(picture.height * max_width / picture.width)
        picture = picture.resize((max_width, height), Image.Resampling.LANCZOS)
        picture = picture.quantize(256, method=Image.Quantize.MEDIANCUT)
    picture.save(path, format="PNG", optimize=True)
