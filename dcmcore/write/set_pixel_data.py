"""``set_pixel_data``: a data set's pixel data and Image Pixel elements from an array."""

from __future__ import annotations

import numpy as np
from pydicom.dataset import Dataset

from dcmcore.dataset_elements import transfer_syntax_of
from dcmcore.errors import MissingElementError
from dcmcore.uids import BIG_ENDIAN_TRANSFER_SYNTAXES, NATIVE_TRANSFER_SYNTAXES, ExplicitVRLittleEndian, name_of
from dcmcore.write._edit import DatasetEdit
from dcmcore.write.decompress import MAX_NATIVE_LENGTH, native_bytes

__all__ = ["set_pixel_data"]

#: Photometric interpretations an array can be stored as, and their samples per pixel.
SAMPLES = {"MONOCHROME1": 1, "MONOCHROME2": 1, "PALETTE COLOR": 1, "RGB": 3, "YBR_FULL": 3, "YBR_FULL_422": 3}

_PIXEL_TAGS = {"PixelData": 0x7FE00010, "FloatPixelData": 0x7FE00008, "DoubleFloatPixelData": 0x7FE00009}
_EXTENDED = (0x7FE00001, 0x7FE00002)
_ELEMENTS = {
    "SamplesPerPixel": (0x00280002, "US"),
    "PhotometricInterpretation": (0x00280004, "CS"),
    "PlanarConfiguration": (0x00280006, "US"),
    "NumberOfFrames": (0x00280008, "IS"),
    "Rows": (0x00280010, "US"),
    "Columns": (0x00280011, "US"),
    "BitsAllocated": (0x00280100, "US"),
    "BitsStored": (0x00280101, "US"),
    "HighBit": (0x00280102, "US"),
    "PixelRepresentation": (0x00280103, "US"),
}


def _layout(arr: np.ndarray, pi: str) -> tuple[int, int | None, int, int]:
    """(samples per pixel, number of frames or None for one 2-D frame, rows, columns) of `arr`."""
    if pi not in SAMPLES:
        raise ValueError(f"Unsupported 'photometric_interpretation' {pi!r}: one of {', '.join(SAMPLES)}")
    samples = SAMPLES[pi]
    shape = arr.shape
    if samples == 1:
        if arr.ndim not in (2, 3):
            raise ValueError(f"An array of {pi} data must have 2 or 3 dimensions, not {arr.ndim} (shape {shape})")
        return (1, shape[0], *shape[1:]) if arr.ndim == 3 else (1, None, *shape)
    if arr.ndim not in (3, 4) or shape[-1] != samples:
        raise ValueError(
            f"An array of {pi} data must be shaped (rows, columns, 3) or (frames, rows, columns, 3), not {shape}"
        )
    return (samples, shape[0], shape[1], shape[2]) if arr.ndim == 4 else (samples, None, shape[0], shape[1])


def _bits_allocated(arr: np.ndarray) -> tuple[int, str]:
    """(Bits Allocated, pixel data keyword) for `arr`'s dtype."""
    kind, size = arr.dtype.kind, arr.dtype.itemsize
    if kind == "b":
        return 1, "PixelData"
    if kind in "ui" and size in (1, 2, 4, 8):
        return size * 8, "PixelData"
    if kind == "f" and size in (4, 8):
        return size * 8, "FloatPixelData" if size == 4 else "DoubleFloatPixelData"
    raise ValueError(f"Unsupported array dtype {arr.dtype}: bool, (u)int8/16/32/64, float32 or float64")


def _check_range(arr: np.ndarray, bits_stored: int) -> None:
    if arr.size == 0 or arr.dtype.kind in "bf":
        return
    lo, hi = arr.min(), arr.max()
    signed = arr.dtype.kind == "i"
    allowed = (-(1 << (bits_stored - 1)), (1 << (bits_stored - 1)) - 1) if signed else (0, (1 << bits_stored) - 1)
    if lo < allowed[0] or hi > allowed[1]:
        raise ValueError(
            f"The array's values [{lo}, {hi}] do not fit (0028,0101) 'Bits Stored' {bits_stored}: "
            f"[{allowed[0]}, {allowed[1]}] is allowed"
        )


def _subsample_422(arr: np.ndarray) -> np.ndarray:
    """Full-resolution YCbCr to the YBR_FULL_422 native layout: Y1 Y2 Cb Cr per pair of pixels."""
    if arr.shape[-2] % 2:
        raise ValueError(f"YBR_FULL_422 needs an even number of columns, not {arr.shape[-2]}")
    pairs = arr.reshape(-1, 2, 3)
    out = np.empty((pairs.shape[0], 4), arr.dtype)
    out[:, 0] = pairs[:, 0, 0]
    out[:, 1] = pairs[:, 1, 0]
    out[:, 2] = pairs[:, 0, 1]
    out[:, 3] = pairs[:, 0, 2]
    return out


def set_pixel_data(
    ds: Dataset,
    arr: np.ndarray,
    photometric_interpretation: str,
    bits_stored: int,
    *,
    generate_instance_uid: bool = True,
) -> None:
    """Store `arr` as the pixel data of `ds`, with the Image Pixel elements that describe it.

    The elements come from the array: *Rows*, *Columns*, *Number of Frames*
    (removed for one 2-D frame), *Samples per Pixel* and *Planar
    Configuration* 0 (from `photometric_interpretation`), *Bits Allocated*
    from the dtype (bool arrays are bit-packed, Bits Allocated 1), *Bits
    Stored* and *High Bit* from `bits_stored`, *Pixel Representation* from the
    signedness. A float32 (float64) array becomes (7FE0,0008) *Float Pixel
    Data* ((7FE0,0009) *Double Float Pixel Data*) without Bits Stored, High Bit
    and Pixel Representation. The old pixel data elements (any of the three,
    and the Extended Offset Table) are removed. A compressed or missing
    transfer syntax becomes Explicit VR Little Endian.

    If a value is wrong (shape, dtype, values beyond `bits_stored`), `ds` is
    left exactly as it was.

    Parameters
    ----------
    ds : pydicom.dataset.Dataset
        A little endian data set.
    arr : numpy.ndarray
        ``(rows, columns)``, ``(frames, rows, columns)``, ``(rows, columns, 3)``
        or ``(frames, rows, columns, 3)``.
    photometric_interpretation : str
        MONOCHROME1, MONOCHROME2, PALETTE COLOR, RGB, YBR_FULL or YBR_FULL_422
        (full-resolution samples, subsampled here).
    bits_stored : int
        1 to Bits Allocated; every value of `arr` must fit. For float arrays,
        equal to Bits Allocated.
    generate_instance_uid : bool, optional
        Give the data set a new SOP Instance UID (default True).
    """
    arr = np.asarray(arr)
    try:
        current = transfer_syntax_of(ds)
    except MissingElementError:
        current = None
    if current in BIG_ENDIAN_TRANSFER_SYNTAXES:
        raise NotImplementedError(f"The data set's transfer syntax {name_of(current)} is big endian; set_pixel_data writes little endian")
    samples, frames, rows, columns = _layout(arr, photometric_interpretation)
    if not (0 < rows < 65536 and 0 < columns < 65536):
        raise ValueError(f"Rows and Columns must be 1 to 65535, not {rows} x {columns}")
    bits_allocated, keyword = _bits_allocated(arr)
    is_float = keyword != "PixelData"
    bits_stored = int(bits_stored)
    if not 0 < bits_stored <= bits_allocated or (is_float and bits_stored != bits_allocated):
        raise ValueError(
            f"Invalid 'bits_stored' {bits_stored} for an array of {arr.dtype}: "
            + (f"it must be {bits_allocated}" if is_float else f"1 to {bits_allocated}")
        )
    if bits_allocated == 1 and samples != 1:
        raise ValueError("Bits Allocated 1 (a bool array) needs one sample per pixel")
    if is_float and photometric_interpretation not in ("MONOCHROME1", "MONOCHROME2"):
        raise ValueError(f"Float pixel data must be MONOCHROME2 or MONOCHROME1, not {photometric_interpretation}")
    _check_range(arr, bits_stored)
    if photometric_interpretation == "YBR_FULL_422":
        arr = _subsample_422(arr)
    data = native_bytes(arr, bits_allocated)
    if len(data) > MAX_NATIVE_LENGTH:
        raise ValueError(f"The array needs {len(data)} bytes, more than a pixel data element of defined length holds")

    edit = DatasetEdit(ds)
    edit.delete(*_PIXEL_TAGS.values(), *_EXTENDED)
    new = {
        "SamplesPerPixel": samples,
        "PhotometricInterpretation": photometric_interpretation,
        "PlanarConfiguration": 0 if samples > 1 else None,
        "NumberOfFrames": frames,
        "Rows": rows,
        "Columns": columns,
        "BitsAllocated": bits_allocated,
        "BitsStored": None if is_float else bits_stored,
        "HighBit": None if is_float else bits_stored - 1,
        "PixelRepresentation": None if is_float else int(arr.dtype.kind == "i"),
    }
    for name, v in new.items():
        tag, vr = _ELEMENTS[name]
        if v is None:
            edit.delete(tag)
        else:
            edit.set(tag, vr, v)
    vr = {"PixelData": "OB" if bits_allocated <= 8 else "OW", "FloatPixelData": "OF", "DoubleFloatPixelData": "OD"}[keyword]
    edit.set(_PIXEL_TAGS[keyword], vr, data)
    if current is None or current not in NATIVE_TRANSFER_SYNTAXES:
        edit.set_transfer_syntax(ExplicitVRLittleEndian)
    if generate_instance_uid:
        edit.new_instance_uid()
    edit.apply()
