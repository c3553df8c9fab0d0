"""A whole file through the public API: ``pixel_array`` and ``iter_pixels`` from a file object
(dcmcore seeks and reads frames itself), and ``pixel_array`` of the Dataset pydicom reads.

Input: a DICOM file. Seeds: the test files of at most 128 KiB, every transfer
syntax. Checked (differential): when ``pixel_array`` decodes the file,
``iter_pixels`` gives the same frames, and so does ``pixel_array`` of the data set
when pydicom reads one.
"""

from __future__ import annotations

import io

import numpy as np
import pydicom

from dcmcore import iter_pixels, pixel_array
from fuzz.seeds import file_bytes

FOCUS = 2048  # the preamble, the file meta information and the first elements
MAX_LEN = 1 << 18


def seeds() -> list[bytes]:
    return file_bytes(128 << 10)


def run(data: bytes) -> None:
    arr = pixel_array(io.BytesIO(data))
    frames = list(iter_pixels(io.BytesIO(data)))
    stacked = frames[0] if len(frames) == 1 else np.stack(frames)
    assert stacked.shape == arr.shape and stacked.dtype == arr.dtype, f"iter_pixels {stacked.shape} {stacked.dtype} != {arr.shape} {arr.dtype}"
    assert np.array_equal(stacked, arr, equal_nan=arr.dtype.kind == "f"), "iter_pixels and pixel_array differ"
    try:
        ds = pydicom.dcmread(io.BytesIO(data), force=True)
        from_ds = pixel_array(ds)
    except Exception:  # noqa: BLE001 - the file object's result is the one under test
        return
    assert from_ds.shape == arr.shape and from_ds.dtype == arr.dtype, f"from the Dataset {from_ds.shape} {from_ds.dtype} != {arr.shape} {arr.dtype}"
    assert np.array_equal(from_ds, arr, equal_nan=arr.dtype.kind == "f"), "pixel_array of the Dataset and of the file differ"
