"""``decompress``: decode a data set's compressed pixel data to Explicit VR Little Endian, in place."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import UID

from dcmcore.bits import pack_bits
from dcmcore.dataset_elements import transfer_syntax_of
from dcmcore.errors import MissingElementError
from dcmcore.pixels import pixel_array
from dcmcore.spec import PixelSpec
from dcmcore.uids import NATIVE_TRANSFER_SYNTAXES, ExplicitVRLittleEndian
from dcmcore.write._edit import DatasetEdit

__all__ = ["decompress", "native_bytes", "MAX_NATIVE_LENGTH"]

#: The largest Pixel Data value a 32-bit defined length can hold (0xFFFFFFFF means undefined).
MAX_NATIVE_LENGTH = 2**32 - 2

_PIXEL_DATA = 0x7FE00010
_EXTENDED_OFFSETS = 0x7FE00001
_EXTENDED_LENGTHS = 0x7FE00002
_PHOTOMETRIC = 0x00280004
_PLANAR = 0x00280006
_FRAMES = 0x00280008


def native_bytes(arr: np.ndarray, bits_allocated: int) -> bytes:
    """`arr` as natively encoded little endian bytes (Bits Allocated 1: packed), padded to an even length."""
    if bits_allocated == 1:
        return pack_bits(arr, pad=True)
    little = arr.dtype.newbyteorder("<")
    data = np.ascontiguousarray(arr, dtype=little).tobytes()
    return data + b"\x00" if len(data) & 1 else data


def _decoded_photometric(spec: PixelSpec, as_rgb: bool) -> tuple[str, bool]:
    """(the photometric interpretation of the decoded samples, whether YCbCr became RGB)."""
    pi = spec.photometric_interpretation
    if spec.samples_per_pixel == 3:
        if pi in ("YBR_FULL", "YBR_FULL_422") and as_rgb:
            return "RGB", True
        if pi == "YBR_FULL_422":
            return "YBR_FULL", False  # upsampled while decoding
        if pi in ("YBR_ICT", "YBR_RCT"):
            return "RGB", False  # the JPEG 2000 decoders undo the component transform
    return pi, False


def decompress(
    ds: Dataset,
    *,
    as_rgb: bool = True,
    generate_instance_uid: bool | None = None,
    decoding_plugin: str | Sequence[str] | None = None,
    workers: int | None = 1,
    **kwargs: Any,
) -> Dataset:
    """Decompress the pixel data of `ds` in place, to Explicit VR Little Endian, and return `ds`.

    The frames are decoded as :func:`dcmcore.pixel_array` decodes them; then,
    together: (7FE0,0010) *Pixel Data* holds them natively (padded to an even
    length, VR OB for Bits Allocated up to 8, else OW, defined length), the
    Extended Offset Table elements are removed, (0002,0010) *Transfer Syntax
    UID* becomes Explicit VR Little Endian, *Photometric Interpretation*
    describes the decoded samples (RGB after a YCbCr conversion or a JPEG 2000
    component transform, YBR_FULL for upsampled YBR_FULL_422), *Planar
    Configuration* 0, *Number of Frames* kept. *Lossy Image Compression* is
    left as it is: decoding does not undo a loss.

    If anything fails, `ds` is left exactly as it was.

    Parameters
    ----------
    ds : pydicom.dataset.Dataset
        A data set with encapsulated (compressed) pixel data.
    as_rgb : bool, optional
        Convert YBR_FULL and YBR_FULL_422 samples to RGB (default True).
    generate_instance_uid : bool or None, optional
        True: always give the data set a new SOP Instance UID; False: never;
        None (default): only when YCbCr samples were converted to RGB.
    decoding_plugin : str or sequence of str, optional
        The decoder to use (or labels in the order to try them).
    workers : int or None, optional
        Frames decoded at the same time (0 or None: one per core).
    **kwargs
        Options for the decoder plugin.

    Returns
    -------
    pydicom.dataset.Dataset
        `ds`, decompressed.
    """
    if _PIXEL_DATA not in ds:
        raise MissingElementError("Unable to decompress: the data set has no (7FE0,0010) 'Pixel Data' element")
    current = transfer_syntax_of(ds)
    if current in NATIVE_TRANSFER_SYNTAXES:
        raise ValueError(f"The data set's pixel data is already uncompressed ({UID(current).name})")
    spec = PixelSpec.from_dataset(ds)
    arr = pixel_array(ds, as_rgb=as_rgb, decoding_plugin=decoding_plugin, workers=workers, **kwargs)
    frame_ndim = 3 if spec.samples_per_pixel > 1 else 2
    nframes = 1 if arr.ndim == frame_ndim else arr.shape[0]
    data = native_bytes(arr, spec.bits_allocated)
    if len(data) > MAX_NATIVE_LENGTH:
        raise ValueError(
            f"The decompressed pixel data would be {len(data)} bytes, more than a (7FE0,0010) "
            "'Pixel Data' element of defined length can hold"
        )
    photometric, converted = _decoded_photometric(spec, as_rgb)

    edit = DatasetEdit(ds)
    edit.set(_PIXEL_DATA, "OB" if spec.bits_allocated <= 8 else "OW", data)
    edit.delete(_EXTENDED_OFFSETS, _EXTENDED_LENGTHS)
    if photometric != spec.photometric_interpretation:
        edit.set(_PHOTOMETRIC, "CS", photometric)
    if spec.samples_per_pixel > 1:
        edit.set(_PLANAR, "US", 0)
    if _FRAMES in ds or nframes > 1:
        edit.set(_FRAMES, "IS", nframes)
    edit.set_transfer_syntax(ExplicitVRLittleEndian)
    if generate_instance_uid or (generate_instance_uid is None and converted):
        edit.new_instance_uid()
    return edit.apply()
