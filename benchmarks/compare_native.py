"""Native decoding: natively encoded pixel data, dcmcore vs pydicom 3 and plain NumPy baselines."""

from __future__ import annotations

import warnings

import numpy as np

import dcmcore
from benchmarks import common
from benchmarks.compare import Case


def _pydicom(ds, **kw):
    from pydicom.pixels import pixel_array

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pixel_array(ds, **kw)


def _without_prefault(ds):
    """dcmcore.pixel_array with the new array's pages left to the first writes (as before the prefault)."""
    saved = dcmcore.config.prefault
    dcmcore.config.prefault = False
    try:
        return dcmcore.pixel_array(ds)
    finally:
        dcmcore.config.prefault = saved


def cases(quick: bool = False) -> list[Case]:
    f200, f50, f20 = (20, 5, 2) if quick else (200, 50, 20)
    le = common.ct12(f200)
    be = common.ct12(f200, big_endian=True)
    le_path = str(common.ct12_path(f200))
    be_path = str(common.ct12_path(f200, big_endian=True))
    full = common.u16_full(f200)
    b1 = common.bits1(f50)
    y422 = common.ybr422(f20)
    planar = common.rgb_planar(f20)

    shape12 = dcmcore.PixelSpec.from_dataset(le).shape()
    src12 = np.frombuffer(le.PixelData, np.int16).reshape(shape12)
    touched12 = np.ones(shape12, np.int16)

    spec1 = dcmcore.PixelSpec.from_dataset(b1)
    packed = np.frombuffer(b1.PixelData, np.uint8)
    touched1 = np.ones(spec1.shape(), np.uint8)
    unpacked = np.unpackbits(packed, bitorder="little").reshape(spec1.shape())

    small = common.u16_full(2)
    mb12 = len(le.PixelData) / 1e6
    return [
        Case(
            f"LE int16 BS12 {f200}x512x512 ({mb12:.0f} MB) -> new array",
            lambda: dcmcore.pixel_array(le),
            "pydicom pixel_array",
            lambda: _pydicom(le),
            target=1.8,
            target_text=">= 1.8x",
        ),
        Case(
            "LE int16 BS12 -> new array",
            lambda: dcmcore.pixel_array(le),
            "numpy fresh copy (arr.copy())",
            lambda: src12.copy(),
            target=1 / 1.1,
            target_text="<= 1.1x copy time",
        ),
        Case(
            "LE int16 BS12 -> out= (pre-touched)",
            lambda: dcmcore.pixel_array(le, out=touched12),
            "np.copyto (pre-touched)",
            lambda: np.copyto(touched12, src12),
            target=1 / 1.5,
            target_text="<= 1.5x copyto time",
        ),
        Case(
            "LE int16 BS12 -> new array, pages mapped first (the default)",
            lambda: dcmcore.pixel_array(le),
            "dcmcore, pages left to fault",
            lambda: _without_prefault(le),
        ),
        Case(
            f"LE int16 BS12 {f200}x512x512 from a file -> new array",
            lambda: dcmcore.pixel_array(le_path),
            "pydicom pixel_array(path)",
            lambda: _pydicom(le_path),
        ),
        Case(
            f"BE int16 BS12 {f200}x512x512 -> native array",
            lambda: dcmcore.pixel_array(be),
            "pydicom pixel_array (>i2)",
            lambda: _pydicom(be),
            target=2.5,
            target_text=">= 2.5x",
        ),
        Case(
            f"BE int16 BS12 {f200}x512x512 from a file -> native array",
            lambda: dcmcore.pixel_array(be_path),
            "pydicom pixel_array(path) (>i2)",
            lambda: _pydicom(be_path),
        ),
        Case(
            f"Bits Allocated 1, {f50}x1024x1024 -> new array",
            lambda: dcmcore.pixel_array(b1),
            "np.unpackbits (new array)",
            lambda: np.unpackbits(packed, bitorder="little"),
            target=1.0,
            target_text="no slower",
        ),
        Case(
            "Bits Allocated 1 -> out= (pre-touched)",
            lambda: dcmcore.pixel_array(b1, out=touched1),
            "np.copyto (pre-touched)",
            lambda: np.copyto(touched1, unpacked),
            target=1 / 1.5,
            target_text="<= 1.5x copyto time",
        ),
        Case(
            "Bits Allocated 1 -> new array",
            lambda: dcmcore.pixel_array(b1),
            "pydicom pixel_array",
            lambda: _pydicom(b1),
        ),
        Case(
            f"YBR_FULL_422 8-bit {f20}x1024x1024 -> RGB",
            lambda: dcmcore.pixel_array(y422),
            "pydicom pixel_array",
            lambda: _pydicom(y422),
            target=15.0,
            target_text=">= 15x",
        ),
        Case(
            f"RGB Planar Configuration 1, {f20}x1024x1024",
            lambda: dcmcore.pixel_array(planar),
            "pydicom pixel_array",
            lambda: _pydicom(planar),
        ),
        Case(
            "RGB Planar Configuration 1 (pydicom returns a strided view)",
            lambda: dcmcore.pixel_array(planar),
            "pydicom + np.ascontiguousarray",
            lambda: np.ascontiguousarray(_pydicom(planar)),
        ),
        Case(
            f"view_only, uint16 BS16 {f200}x512x512",
            lambda: dcmcore.pixel_array(full, view_only=True),
            "dcmcore view_only, 2 frames",
            lambda: dcmcore.pixel_array(small, view_only=True),
            target=0.5,
            target_text="O(1): ~1x",
        ),
        Case(
            "view_only, uint16 BS16",
            lambda: dcmcore.pixel_array(full, view_only=True),
            "pydicom view_only",
            lambda: _pydicom(full, view_only=True),
        ),
    ]
