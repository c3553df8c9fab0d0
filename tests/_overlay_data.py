"""Builders of overlay test data sets (used by tests/test_overlays*.py).

Expected overlay values in the tests come from the bit planes given to these
builders, packed here with NumPy (``np.packbits(..., bitorder="little")``),
never from dcmcore.
"""

from __future__ import annotations

import numpy as np
from pydicom.dataset import Dataset

from tests._helpers import make_dataset


def packed(bits: np.ndarray, *, pad: bool = True) -> bytes:
    """The LSB-first packing of `bits` (C order) by NumPy, padded to even length."""
    data = np.packbits(np.asarray(bits, np.uint8).reshape(-1), bitorder="little").tobytes()
    return data + b"\0" if pad and len(data) % 2 else data


def add_overlay(
    ds: Dataset,
    bits: np.ndarray,
    *,
    group: int = 0x6000,
    origin: tuple[int, int] | None = (1, 1),
    frame_origin: int | None = None,
    frames_element: bool | None = None,
    data: bytes | None = None,
    vr: str = "OW",
    overlay_type: str = "G",
) -> Dataset:
    """Add an Overlay Plane (and Multi-frame Overlay) module holding `bits` to `ds`.

    `bits` is ``(rows, columns)`` or ``(frames, rows, columns)``. The Number of
    Frames in Overlay element is written for 3D `bits` (or when
    `frames_element` is True).
    """
    bits = np.asarray(bits, np.uint8)
    frames = 1 if bits.ndim == 2 else bits.shape[0]
    rows, cols = bits.shape[-2:]
    g = group << 16
    ds.add_new(g | 0x0010, "US", rows)
    ds.add_new(g | 0x0011, "US", cols)
    if frames_element or (frames_element is None and bits.ndim == 3):
        ds.add_new(g | 0x0015, "IS", frames)
    if frame_origin is not None:
        ds.add_new(g | 0x0051, "US", frame_origin)
    ds.add_new(g | 0x0040, "CS", overlay_type)
    if origin is not None:
        ds.add_new(g | 0x0050, "SS", list(origin))
    ds.add_new(g | 0x0100, "US", 1)
    ds.add_new(g | 0x0102, "US", 0)
    ds.add_new(g | 0x3000, vr, packed(bits) if data is None else data)
    return ds


def overlay_dataset(bits: np.ndarray, **kwargs) -> Dataset:
    """A data set holding only an overlay (no image)."""
    return add_overlay(Dataset(), bits, **kwargs)


def image_dataset(
    rows: int,
    columns: int,
    frames: int = 1,
    *,
    bits_allocated: int = 16,
    bits_stored: int = 12,
    pixel_representation: int = 0,
    values: np.ndarray | None = None,
    transfer_syntax: str = "1.2.840.10008.1.2.1",
    seed: int = 0,
) -> tuple[Dataset, np.ndarray]:
    """A monochrome image data set and its stored values (``(frames, rows, columns)``)."""
    dtype = np.dtype(f"{'i' if pixel_representation else 'u'}{bits_allocated // 8}")
    if values is None:
        rng = np.random.default_rng(seed)
        hi = 1 << (bits_stored - (1 if pixel_representation else 0))
        lo = -hi if pixel_representation else 0
        values = rng.integers(lo, hi, (frames, rows, columns)).astype(dtype)
    values = np.asarray(values, dtype).reshape(frames, rows, columns)
    big = transfer_syntax == "1.2.840.10008.1.2.2"
    raw = values.astype(dtype.newbyteorder(">" if big else "<")).tobytes()
    ds = make_dataset(
        raw,
        rows=rows,
        columns=columns,
        bits_allocated=bits_allocated,
        bits_stored=bits_stored,
        pixel_representation=pixel_representation,
        number_of_frames=frames if frames > 1 else None,
        transfer_syntax=transfer_syntax,
    )
    return ds, values


def add_embedded_overlay(
    ds: Dataset,
    values: np.ndarray,
    plane: np.ndarray,
    bit: int,
    *,
    group: int = 0x6000,
    first_frame: int = 0,
    frames_element: bool = False,
    frame_origin_element: bool = False,
    bits_allocated: int | None = None,
) -> np.ndarray:
    """Write the 0/1 `plane` ((frames, rows, columns)) into bit `bit` of `values`
    frames ``first_frame ..`` (in place) and describe it as an embedded overlay
    of `ds` (whose pixel data the caller rebuilds from `values`)."""
    plane = np.asarray(plane, np.uint8)
    n = plane.shape[0]
    unsigned = values.view(f"u{values.itemsize}")
    mask = unsigned.dtype.type(1 << bit)
    sel = unsigned[first_frame : first_frame + n]
    sel &= ~mask
    sel |= plane.astype(unsigned.dtype) << unsigned.dtype.type(bit)
    g = group << 16
    ds.add_new(g | 0x0010, "US", values.shape[1])
    ds.add_new(g | 0x0011, "US", values.shape[2])
    if frames_element:
        ds.add_new(g | 0x0015, "IS", n)
    if frame_origin_element:
        ds.add_new(g | 0x0051, "US", first_frame + 1)
    ds.add_new(g | 0x0040, "CS", "G")
    ds.add_new(g | 0x0050, "SS", [1, 1])
    ds.add_new(g | 0x0100, "US", values.itemsize * 8 if bits_allocated is None else bits_allocated)
    ds.add_new(g | 0x0102, "US", bit)
    return values


def set_pixel_values(ds: Dataset, values: np.ndarray) -> None:
    """Store `values` as the data set's Pixel Data in its transfer syntax's byte order."""
    big = ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.2"
    ds.PixelData = values.astype(values.dtype.newbyteorder(">" if big else "<")).tobytes()
