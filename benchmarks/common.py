"""Seeded synthetic inputs shared by the asv suite and the comparison script.

Nothing heavy runs at import time; data sets are built on first use and cached
per process.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID

#: Cached generated files (git-ignored).
DATA = Path(__file__).resolve().parent / "_data"

EXPLICIT_LE = UID("1.2.840.10008.1.2.1")
EXPLICIT_BE = UID("1.2.840.10008.1.2.2")


def native_dataset(
    data: bytes,
    *,
    rows: int,
    columns: int,
    frames: int,
    bits_allocated: int,
    bits_stored: int,
    pixel_representation: int = 0,
    samples_per_pixel: int = 1,
    photometric_interpretation: str = "MONOCHROME2",
    planar_configuration: int = 0,
    transfer_syntax: UID = EXPLICIT_LE,
) -> Dataset:
    """A minimal in-memory data set around natively encoded pixel bytes."""
    from pydicom.uid import generate_uid

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = transfer_syntax
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.Rows, ds.Columns = rows, columns
    ds.NumberOfFrames = frames
    ds.SamplesPerPixel = samples_per_pixel
    ds.PhotometricInterpretation = photometric_interpretation
    if samples_per_pixel > 1:
        ds.PlanarConfiguration = planar_configuration
    ds.BitsAllocated = bits_allocated
    ds.BitsStored = bits_stored
    ds.HighBit = bits_stored - 1
    ds.PixelRepresentation = pixel_representation
    ds.add_new(0x7FE00010, "OB" if bits_allocated <= 8 else "OW", data)
    return ds


@functools.cache
def ct12(frames: int = 200, size: int = 512, big_endian: bool = False) -> Dataset:
    """Signed 12-bit CT-like frames in 16-bit samples."""
    rng = np.random.default_rng(0)
    arr = rng.integers(-1024, 2048, size=(frames, size, size), dtype=np.int16)
    if big_endian:
        arr = arr.astype(">i2")
    return native_dataset(
        arr.tobytes(),
        rows=size,
        columns=size,
        frames=frames,
        bits_allocated=16,
        bits_stored=12,
        pixel_representation=1,
        transfer_syntax=EXPLICIT_BE if big_endian else EXPLICIT_LE,
    )


def ct12_path(frames: int = 200, size: int = 512, big_endian: bool = False) -> Path:
    """:func:`ct12` written to a file under ``benchmarks/_data`` (once)."""
    path = DATA / f"ct12_{'be' if big_endian else 'le'}_{frames}x{size}x{size}.dcm"
    if not path.exists():
        DATA.mkdir(exist_ok=True)
        tmp = path.with_suffix(".tmp")
        ct12(frames, size, big_endian).save_as(tmp, implicit_vr=False, little_endian=not big_endian)
        tmp.replace(path)
    return path


@functools.cache
def u16_full(frames: int = 200, size: int = 512) -> Dataset:
    """Unsigned 16-bit frames with Bits Stored 16 (a layout that can be viewed)."""
    rng = np.random.default_rng(1)
    arr = rng.integers(0, 65536, size=(frames, size, size), dtype=np.uint16)
    return native_dataset(arr.tobytes(), rows=size, columns=size, frames=frames, bits_allocated=16, bits_stored=16)


@functools.cache
def bits1(frames: int = 50, size: int = 1024) -> Dataset:
    """Bit-packed (Bits Allocated 1) frames."""
    rng = np.random.default_rng(2)
    packed = rng.integers(0, 256, size=frames * size * size // 8, dtype=np.uint8)
    return native_dataset(packed.tobytes(), rows=size, columns=size, frames=frames, bits_allocated=1, bits_stored=1)


@functools.cache
def ybr422(frames: int = 20, size: int = 1024) -> Dataset:
    """8-bit YBR_FULL_422 frames (Y1 Y2 Cb Cr per pixel pair)."""
    rng = np.random.default_rng(3)
    data = rng.integers(0, 256, size=frames * size * size * 2, dtype=np.uint8)
    return native_dataset(
        data.tobytes(),
        rows=size,
        columns=size,
        frames=frames,
        bits_allocated=8,
        bits_stored=8,
        samples_per_pixel=3,
        photometric_interpretation="YBR_FULL_422",
    )


@functools.cache
def rgb_planar(frames: int = 20, size: int = 1024) -> Dataset:
    """8-bit RGB frames with Planar Configuration 1."""
    rng = np.random.default_rng(4)
    data = rng.integers(0, 256, size=frames * size * size * 3, dtype=np.uint8)
    return native_dataset(
        data.tobytes(),
        rows=size,
        columns=size,
        frames=frames,
        bits_allocated=8,
        bits_stored=8,
        samples_per_pixel=3,
        photometric_interpretation="RGB",
        planar_configuration=1,
    )
