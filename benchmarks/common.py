"""Seeded synthetic inputs shared by the asv suite and the comparison script.

Nothing heavy runs at import time; data sets are built on first use and cached
per process.

Generated files (the natively encoded CT written to disk, the RLE-encoded CT
of :mod:`benchmarks.common_rle`: a few hundred MB in all) are cached outside
the source tree, in :func:`data_dir`:

1. ``$DCMCORE_BENCH_DATA`` when it is set;
2. else ``dcmcore-bench`` in the user's cache directory (``$XDG_CACHE_HOME``
   or ``~/.cache`` on Linux, ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%``
   on Windows);
3. else, when that cannot be created, ``dcmcore-bench`` in
   ``tempfile.gettempdir()``.

A file is made once, under a temporary name, then renamed, so concurrent runs
never see half a file. Delete the directory to regenerate everything.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID

#: The environment variable that overrides where generated files are cached.
DATA_ENV = "DCMCORE_BENCH_DATA"


def _user_cache_dir() -> Path:
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dcmcore-bench"


def data_dir() -> Path:
    """The directory of generated benchmark inputs (created when missing); see the module docstring."""
    configured = os.environ.get(DATA_ENV)
    if configured:
        path = Path(configured).expanduser()
        path.mkdir(parents=True, exist_ok=True)
        return path
    for path in (_user_cache_dir(), Path(tempfile.gettempdir()) / "dcmcore-bench"):
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(path, os.W_OK):
            return path
    raise OSError(f"no writable cache directory for benchmark inputs; set ${DATA_ENV}")


def cached_file(name: str, write) -> Path:
    """``data_dir() / name``, made by ``write(temporary_path)`` when it does not exist yet."""
    path = data_dir() / name
    if not path.exists():
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            write(tmp)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
    return path

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
    """:func:`ct12` written to a file in :func:`data_dir` (once)."""

    def write(tmp: Path) -> None:
        ct12(frames, size, big_endian).save_as(tmp, implicit_vr=False, little_endian=not big_endian)

    return cached_file(f"ct12_{'be' if big_endian else 'le'}_{frames}x{size}x{size}.dcm", write)


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


def quiet(fn):
    """`fn` wrapped to run with warnings silenced (the reference tools warn on the benchmark inputs)."""
    import warnings

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn()

    return run
