"""Image Pixel elements against the bytes of Pixel Data: ``pixel_array`` / ``iter_pixels`` of a Dataset.

Where ``pixel_file`` mutates whole files (most mutations break the file's
structure), this target builds the data set from a 12-byte header, so every
input reaches the pixel code: Rows, Columns (uint16 LE), Number of Frames,
Samples per Pixel, Bits Allocated, Bits Stored, Photometric Interpretation (an
index into :data:`PHOTOMETRIC`), the transfer syntax (an index into
:data:`SYNTAXES`), flags (bit 0 Pixel Representation, bit 1 Planar
Configuration, bit 2 ``raw``, bit 3 ``as_rgb``, bit 4 ``correct_unused_bits``,
bit 5 one frame by ``index``, bit 6 no Number of Frames element) and the frame
index; then the Pixel Data value (natively encoded bytes, or an encapsulated
value for RLE). This drives the unpacking, byte swapping, unused-bit, planar,
YBR_FULL_422 and YCbCr kernels with every combination of elements, the ground of
issue 13's heap overflow. Checked (differential): ``iter_pixels`` gives the
frames of ``pixel_array``, and ``pixel_array(index=k)`` its frame ``k``.
"""

from __future__ import annotations

import struct
import warnings

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset

from dcmcore import iter_pixels, pixel_array
from dcmcore.errors import DcmcoreError
from fuzz.seeds import files

_HEAD = struct.Struct("<HHBBBBBBBB")
FOCUS = _HEAD.size + 16
MAX_LEN = 1 << 18
MAX_DECODED = 1 << 23  # larger declared sizes are item 2 of issue 13 (allocation bounds): skipped here
PHOTOMETRIC = (
    "MONOCHROME1", "MONOCHROME2", "RGB", "YBR_FULL", "YBR_FULL_422", "PALETTE COLOR", "YBR_RCT", "YBR_ICT",
    "YBR_PARTIAL_420", "ARGB", "CMYK", "HSV", "XYZ", "",
)  # fmt: skip
SYNTAXES = ("1.2.840.10008.1.2.1", "1.2.840.10008.1.2", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.5")


def seeds() -> list[bytes]:
    warnings.simplefilter("ignore")
    out = []
    for path in files(MAX_LEN + 4096):
        try:
            ds = pydicom.dcmread(path)
            uid = str(ds.file_meta.TransferSyntaxUID)
            if uid not in SYNTAXES or "PixelData" not in ds:
                continue
            frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
            pi = str(ds.PhotometricInterpretation)
            flags = int(ds.PixelRepresentation) | (int(getattr(ds, "PlanarConfiguration", 0) or 0) << 1) | 8 | 16
            head = _HEAD.pack(
                ds.Rows, ds.Columns, frames & 0xFF, ds.SamplesPerPixel, ds.BitsAllocated, ds.BitsStored,
                PHOTOMETRIC.index(pi) if pi in PHOTOMETRIC else 1, SYNTAXES.index(uid), flags, 0,
            )  # fmt: skip
        except Exception:  # noqa: BLE001 - a file that cannot be described is no seed
            continue
        value = bytes(ds.PixelData)
        if len(value) <= MAX_LEN:
            out.append(head + value)
    return out


def _dataset(data: bytes) -> tuple[Dataset, dict, int]:
    rows, cols, frames, spp, bits, stored, pi, syntax, flags, index = _HEAD.unpack_from(data)
    uid = SYNTAXES[syntax % len(SYNTAXES)]
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = uid
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.BitsAllocated, ds.BitsStored = rows, cols, spp, bits, stored
    ds.HighBit = max(stored - 1, 0)
    ds.PixelRepresentation = flags & 1
    ds.PhotometricInterpretation = PHOTOMETRIC[pi % len(PHOTOMETRIC)]
    if spp > 1:
        ds.PlanarConfiguration = (flags >> 1) & 1
    if not flags & 64:
        ds.NumberOfFrames = frames
    value = data[_HEAD.size :]
    ds.add_new(0x7FE00010, "OB" if uid.endswith(".5") or bits <= 8 else "OW", value)
    if uid == "1.2.840.10008.1.2.5":
        ds["PixelData"].is_undefined_length = True
    options = {"raw": bool(flags & 4), "as_rgb": bool(flags & 8), "correct_unused_bits": bool(flags & 16)}
    size = rows * cols * max(frames, 1) * max(spp, 1) * max(1, bits // 8)
    return ds, options, (index if flags & 32 else -1) if size <= MAX_DECODED else -2


def _same(a: np.ndarray, b: np.ndarray, what: str) -> None:
    assert a.shape == b.shape and a.dtype == b.dtype, f"{what}: {a.shape} {a.dtype} != {b.shape} {b.dtype}"
    assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), f"{what}: the values differ"


def run(data: bytes) -> None:
    if len(data) < _HEAD.size:
        return
    ds, options, index = _dataset(data)
    if index == -2:
        return
    if index >= 0:
        one = pixel_array(ds, index=index, **options)
        try:
            whole = pixel_array(ds, **options)
        except DcmcoreError:  # later frames may be what is wrong
            return
        _same(one, whole[index] if whole.ndim > one.ndim else whole, f"frame {index} against pixel_array")
        return
    arr = pixel_array(ds, **options)
    frames = list(iter_pixels(ds, **options))
    _same(frames[0] if len(frames) == 1 else np.stack(frames), arr, "iter_pixels against pixel_array")
