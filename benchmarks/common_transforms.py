"""Seeded inputs for the transform benchmarks (asv and compare_transforms); built on first use."""

from __future__ import annotations

import functools
import warnings

import numpy as np
from pydicom.dataset import Dataset

CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"


@functools.cache
def ct_dataset(frames: int = 200, size: int = 512) -> Dataset:
    """Signed 12-bit CT frames with Rescale (1, -1024) and a window (40, 400)."""
    from benchmarks.common import native_dataset

    rng = np.random.default_rng(0)
    arr = rng.integers(-2048, 2048, size=(frames, size, size), dtype=np.int16)
    ds = native_dataset(
        arr.tobytes(), rows=size, columns=size, frames=frames, bits_allocated=16, bits_stored=12, pixel_representation=1
    )
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = CT_IMAGE
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.1"
    ds.SeriesInstanceUID = "1.2.826.0.1.3680043.8.498.2"
    ds.Modality = "CT"
    ds.RescaleSlope = 1
    ds.RescaleIntercept = -1024
    ds.RescaleType = "HU"
    ds.WindowCenter = 40
    ds.WindowWidth = 400
    return ds


@functools.cache
def ct_stored(frames: int = 200, size: int = 512) -> np.ndarray:
    """The stored values of :func:`ct_dataset` (frames, rows, columns), read-only."""
    ds = ct_dataset(frames, size)
    arr = np.frombuffer(ds.PixelData, np.int16).reshape(frames, size, size)
    return arr


@functools.cache
def hd_image(frames: int = 200, size: int = 512):
    import highdicom as hd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hd.Image.from_dataset(ct_dataset(frames, size), copy=False)


def real(name: str) -> Dataset:
    """A real test file (local only)."""
    import pydicom

    from dcmcore._testdata import testdata_file

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(testdata_file(name))


@functools.cache
def palette_dataset(size: int = 512) -> Dataset:
    """An 8-bit PALETTE COLOR image with a 256-entry 16-bit palette (seeded)."""
    from benchmarks.common import native_dataset
    from pydicom.dataelem import DataElement

    rng = np.random.default_rng(1)
    arr = rng.integers(0, 256, size=(size, size), dtype=np.uint8)
    ds = native_dataset(arr.tobytes(), rows=size, columns=size, frames=1, bits_allocated=8, bits_stored=8,
                        photometric_interpretation="PALETTE COLOR")
    table = rng.integers(0, 65536, (256, 3), dtype=np.uint16)
    for k, (desc, data) in enumerate(((0x00281101, 0x00281201), (0x00281102, 0x00281202), (0x00281103, 0x00281203))):
        ds.add(DataElement(desc, "US", [256, 0, 16]))
        ds.add(DataElement(data, "OW", table[:, k].astype("<u2").tobytes()))
    return ds
