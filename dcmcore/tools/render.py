"""``dcmcore render``: a frame through the transform chain to 8 bits, overlays burned in, as PNG."""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
from pydicom.dataset import Dataset

from dcmcore.dataset_elements import integer
from dcmcore.overlays import burn_in, list_overlays
from dcmcore.pixels import pixel_array
from dcmcore.transforms import TransformChain, VOILUTTransformation
from dcmcore.transforms.errors import SelectorError, TransformNotFoundError

__all__ = ["render_frame", "render_montage", "save_png"]


def _monochrome(ds: Dataset) -> bool:
    return str(ds.get("PhotometricInterpretation", "")).startswith("MONOCHROME")


def _range_window(ds: Dataset, frame: np.ndarray, index: int | None) -> VOILUTTransformation:
    """A window over the frame's modality values, for images that store none."""
    chain = TransformChain.from_dataset(
        ds, frame_index=index, apply_voi_transform=False, apply_presentation_lut=False, apply_real_world_transform=False
    )
    values = chain(frame)
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    return VOILUTTransformation(window_center=(lo + hi) / 2 + 0.5, window_width=max(hi - lo + 1.0, 1.0))


def render_frame(
    ds: Dataset,
    index: int = 0,
    *,
    window: tuple[float, float] | None = None,
    voi: int | None = None,
    overlays: bool = True,
    frame: np.ndarray | None = None,
) -> np.ndarray:
    """Frame `index` of `ds` as 8-bit display values: ``(rows, columns)`` or ``(rows, columns, 3)``.

    Monochrome images go through modality, VOI and presentation transforms
    (MONOCHROME1 comes out inverted) into 0-255: the VOI is `window` (centre,
    width), else the file's VOI number `voi`, else the file's first, else a
    window over the frame's range. Colour and palette images go through the
    palette and ICC profile, scaled from their bit depth. Overlays are drawn
    in white (yellow on colour) unless `overlays` is False.
    """
    nframes = integer(ds, 0x00280008) or 1
    chain_index = index if nframes > 1 else None
    if frame is None:
        frame = pixel_array(ds, index=index)
    if _monochrome(ds):
        # for display: modality, VOI and presentation, never a Real World Value Mapping (which replaces them)
        options: dict[str, Any] = {
            "apply_voi_transform": True,
            "voi_output_range": (0.0, 1.0),
            "apply_real_world_transform": False,
        }
        if window is not None:
            options["voi_transform_selector"] = VOILUTTransformation(window_center=window[0], window_width=window[1])
        elif voi is not None:
            options["voi_transform_selector"] = voi
        try:
            chain = TransformChain.from_dataset(ds, frame_index=chain_index, **options)
        except (TransformNotFoundError, SelectorError):
            if voi is not None:
                raise
            options["voi_transform_selector"] = _range_window(ds, frame, chain_index)
            chain = TransformChain.from_dataset(ds, frame_index=chain_index, **options)
        image = np.rint(np.clip(chain(frame), 0.0, 1.0) * 255.0).astype(np.uint8)
    else:
        values = TransformChain.from_dataset(ds, frame_index=chain_index)(frame)
        top = float(np.nanmax(values)) if values.size else 0.0
        scale = 255.0 if top <= 255 else float(2 ** math.ceil(math.log2(top + 1)) - 1)
        image = np.rint(np.clip(values * (255.0 / scale), 0, 255)).astype(np.uint8)
    if overlays and list_overlays(ds):
        value = 255 if image.ndim == 2 else (255, 255, 0)
        image = burn_in(image, ds, value=value, index=chain_index)
    return image


def render_montage(images: list[np.ndarray], columns: int | None = None) -> np.ndarray:
    """Frames of equal shape side by side, in a grid of `columns` (about square by default), black between."""
    if not images:
        raise ValueError("No frames to put in a montage")
    n = len(images)
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    h, w = images[0].shape[:2]
    gap = 2
    shape = (rows * h + (rows - 1) * gap, columns * w + (columns - 1) * gap, *images[0].shape[2:])
    sheet = np.zeros(shape, np.uint8)
    for k, img in enumerate(images):
        r, c = divmod(k, columns)
        sheet[r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = img
    return sheet


def save_png(image: np.ndarray, path: str | os.PathLike) -> None:
    """Write an 8-bit grey or RGB image as PNG with Pillow (``pip install dcmcore[cli]``)."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("Rendering PNG files needs Pillow: pip install 'dcmcore[cli]'") from None
    Image.fromarray(image).save(path, format="PNG")
