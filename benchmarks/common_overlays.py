"""Seeded inputs for the overlay and bit-packing benchmarks (asv and compare_overlays).

Nothing is built at import time; every input is made on first use and cached
per process.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
from pydicom.dataset import Dataset


@functools.cache
def random_bits(n: int, seed: int = 0) -> np.ndarray:
    """`n` values of 0 or 1 (uint8), seeded."""
    raw = np.random.default_rng(seed).integers(0, 256, (n + 7) // 8, dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little")[:n].copy()


@functools.cache
def random_packed(nbytes: int, seed: int = 1) -> bytes:
    """`nbytes` random bytes (a packed bit stream)."""
    return np.random.default_rng(seed).integers(0, 256, nbytes, dtype=np.uint8).tobytes()


@functools.cache
def overlay_dataset(frames: int = 100, rows: int = 512, columns: int = 512, seed: int = 2) -> Dataset:
    """A data set with one multi-frame overlay in group 0x6000 (Overlay Data, OW)."""
    ds = Dataset()
    ds.add_new(0x60000010, "US", rows)
    ds.add_new(0x60000011, "US", columns)
    ds.add_new(0x60000015, "IS", frames)
    ds.add_new(0x60000040, "CS", "G")
    ds.add_new(0x60000050, "SS", [1, 1])
    ds.add_new(0x60000100, "US", 1)
    ds.add_new(0x60000102, "US", 0)
    data = random_packed((frames * rows * columns + 7) // 8, seed)
    ds.add_new(0x60003000, "OW", data + b"\0" * (len(data) % 2))
    return ds


@functools.cache
def real_overlay_dataset(name: str = "MR-SIEMENS-DICOM-WithOverlays.dcm") -> Dataset:
    """A real file from pydicom-data, read once (never downloaded)."""
    import pydicom

    from dcmcore._testdata import testdata_file

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(testdata_file(name))
        ds.overlay_array(0x6000)  # converts the raw elements once, as any first access does
    return ds


@functools.cache
def image_with_overlay(frames: int = 100, size: int = 512) -> tuple[Dataset, np.ndarray]:
    """Frames of uint16 and a data set whose overlay (origin 1\\1) covers every frame."""
    ds = Dataset()
    ds.update(overlay_dataset(frames, size, size))  # a new data set sharing the (immutable) values
    ds.Rows, ds.Columns, ds.NumberOfFrames = size, size, frames
    shape = (frames, size, size) if frames > 1 else (size, size)
    img = np.random.default_rng(3).integers(0, 4096, shape, dtype=np.uint16)
    return ds, img
