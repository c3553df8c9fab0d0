"""Shared pieces of the transform tests: data set builders and the highdicom oracle."""

from __future__ import annotations

import copy
import functools
import warnings
from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from tests._helpers import make_dataset, pydicom_array, read

CT = "1.2.840.10008.5.1.4.1.1.2"


def image_dataset(
    stored: np.ndarray,
    *,
    bits_stored: int | None = None,
    photometric: str = "MONOCHROME2",
    sop_class: str = CT,
    keyword: str = "PixelData",
    **elements: Any,
) -> Dataset:
    """A single- or multi-frame image data set holding `stored` (frames first), plus `elements`."""
    stored = np.ascontiguousarray(stored)
    color = stored.shape[-1] == 3 and photometric not in ("MONOCHROME1", "MONOCHROME2", "PALETTE COLOR")
    frame_ndim = 3 if color else 2
    nframes = stored.shape[0] if stored.ndim > frame_ndim else None
    rows, cols = stored.shape[-frame_ndim], stored.shape[-frame_ndim + 1]
    kind = stored.dtype.kind
    ds = make_dataset(
        stored.astype(stored.dtype.newbyteorder("<")).tobytes(),
        rows=rows,
        columns=cols,
        samples_per_pixel=3 if color else 1,
        bits_allocated=stored.dtype.itemsize * 8,
        bits_stored=None if kind == "f" else (bits_stored or stored.dtype.itemsize * 8),
        pixel_representation=1 if kind == "i" else 0,
        photometric_interpretation=photometric,
        number_of_frames=nframes,
        keyword=keyword,
    )
    ds.SOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.1"
    ds.SeriesInstanceUID = "1.2.826.0.1.3680043.8.498.2"
    ds.Modality = "OT"
    for key, value in elements.items():
        setattr(ds, key, value)
    return ds


def item(**elements: Any) -> Dataset:
    out = Dataset()
    for key, value in elements.items():
        setattr(out, key, value)
    return out


def lut_item(first: int, data: np.ndarray, bits: int | None = None, **extra: Any) -> Dataset:
    """A LUT Sequence item with OW data (8-bit entries one per byte)."""
    from pydicom.dataelem import DataElement

    data = np.asarray(data)
    bits = bits or (8 if data.dtype == np.uint8 else 16)
    ds = Dataset()
    n = len(data)
    ds.add(DataElement(0x00283002, "SS" if first < 0 else "US", [0 if n == 65536 else n, first, bits]))
    raw = data.astype("<u2").tobytes() if data.dtype != np.uint8 else data.tobytes()
    if len(raw) % 2:
        raw += b"\0"
    ds.add(DataElement(0x00283006, "OW", raw))
    for key, value in extra.items():
        setattr(ds, key, value)
    return ds


@functools.lru_cache(maxsize=None)
def real(name: str) -> Dataset:
    """A real test file, read once (tests must copy before modifying)."""
    ds = read(name)
    if "TransferSyntaxUID" not in ds.file_meta:
        ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2" if ds.original_encoding[0] else "1.2.840.10008.1.2.1"
    return ds


@functools.lru_cache(maxsize=None)
def real_stored(name: str) -> np.ndarray:
    """Stored values of a real file as pydicom returns them."""
    return pydicom_array(real(name))


def hd_image(ds: Dataset):
    import highdicom as hd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hd.Image.from_dataset(copy.deepcopy(ds), copy=False)


@functools.lru_cache(maxsize=None)
def _memoize_hd_iod_lookup() -> None:
    """highdicom checks the SOP class against the standard's IOD tables on each transform it
    builds (~3 ms, a pure function of the UID); the option matrix builds thousands: memoize it."""
    import highdicom.image as hd_image_module

    lookup = hd_image_module.does_iod_have_pixel_data
    if not hasattr(lookup, "cache_info"):
        hd_image_module.does_iod_have_pixel_data = functools.lru_cache(maxsize=None)(lookup)


def hd_transform(image, frame_index: int, frame: np.ndarray, **options: Any) -> np.ndarray:
    """highdicom's get_frame transform applied to given stored values.

    ``Image.get_frame`` is this transform applied to highdicom's own decoding
    of the frame; highdicom decodes with Bits Stored = Bits Allocated, so
    signed data with unused high bits comes out differently, which is why the
    tests give it the correctly decoded stored values instead.
    """
    from highdicom.image import _CombinedPixelTransform

    _memoize_hd_iod_lookup()
    options = dict(options)
    dtype = options.pop("dtype", np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _CombinedPixelTransform(image, frame_index, output_dtype=dtype, **options)(frame.copy())


def assert_close(got: np.ndarray, ref: np.ndarray, dtype: Any, *, msg: str = "") -> None:
    """float64: 1e-9 relative; float32: float32 rounding; integers: exact."""
    dtype = np.dtype(dtype)
    assert got.dtype == dtype, f"{msg}: dtype {got.dtype} != {dtype}"
    assert got.shape == ref.shape, f"{msg}: shape {got.shape} != {ref.shape}"
    if dtype.kind in "iu":
        np.testing.assert_array_equal(got, ref, err_msg=msg)
        return
    ref64 = ref.astype(np.float64)
    scale = max(1.0, float(np.nanmax(np.abs(ref64)))) if ref64.size else 1.0
    if dtype == np.float64:
        np.testing.assert_allclose(got, ref64, rtol=1e-9, atol=1e-12 * scale, err_msg=msg)
    else:
        np.testing.assert_allclose(got.astype(np.float64), ref64, rtol=2e-6, atol=2e-6 * scale, err_msg=msg)


def window_standard(x: np.ndarray, center: float, width: float, function: str, lo: float, hi: float) -> np.ndarray:
    """PS3.3 C.11.2.1.2.1 / C.11.2.1.3 written out piecewise, in float64 (the oracle)."""
    x = np.asarray(x, dtype=np.float64)
    rng = hi - lo
    if function == "SIGMOID":
        with np.errstate(over="ignore"):
            return rng / (1 + np.exp(-4 * (x - center) / width)) + lo
    if function == "LINEAR":
        c, w = center - 0.5, width - 1
    else:
        c, w = center, width
    out = np.empty_like(x)
    below = x <= c - w / 2
    above = x > c + w / 2
    mid = ~below & ~above
    out[below] = lo
    out[above] = hi
    out[mid] = ((x[mid] - c) / w + 0.5) * rng + lo
    return out


def per_frame_groups(nframes: int, **per_frame: list) -> Sequence:
    """A Per-Frame Functional Groups Sequence from lists of per-frame macro values.

    ``slope=[...], intercept=[...]`` make Pixel Value Transformation items;
    ``center=[...], width=[...]`` (and optionally ``function``) Frame VOI LUT items.
    """
    items = []
    for i in range(nframes):
        fg = Dataset()
        if "slope" in per_frame:
            fg.PixelValueTransformationSequence = [
                item(RescaleSlope=per_frame["slope"][i], RescaleIntercept=per_frame["intercept"][i], RescaleType="US")
            ]
        if "center" in per_frame:
            voi = item(WindowCenter=per_frame["center"][i], WindowWidth=per_frame["width"][i])
            if "function" in per_frame:
                voi.VOILUTFunction = per_frame["function"][i]
            fg.FrameVOILUTSequence = [voi]
        items.append(fg)
    return Sequence(items)
