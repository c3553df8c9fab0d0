"""Drop-in for pydicom's ``pixel_data_handlers.numpy_handler``, backed by dcmcore's kernels.

The functions keep the reference handler's names and semantics: ``get_pixeldata``
returns the stored values as a 1D array (Bits Allocated 1 unpacked, YBR_FULL_422
upsampled, samples in their stored order, no YCbCr conversion and no change to
the unused high bits), except that the array is always in native byte order.
"""

from __future__ import annotations

import numpy as np
from pydicom.dataset import Dataset

from dcmcore._native_plan import NativePlan, check_native_length
from dcmcore._source import open_source
from dcmcore.errors import UnsupportedPixelDataError
from dcmcore.spec import transfer_syntax_of
from dcmcore.uids import NATIVE_TRANSFER_SYNTAXES, name_of

__all__ = [
    "is_available",
    "supports_transfer_syntax",
    "needs_to_convert_to_RGB",
    "should_change_PhotometricInterpretation_to_RGB",
    "get_pixeldata",
]

HANDLER_NAME = "dcmcore"
DEPENDENCIES = {"numpy": ("http://www.numpy.org/", "NumPy")}


def is_available() -> bool:
    """Return True: the handler's only dependency, NumPy, is a dependency of dcmcore."""
    return True


def supports_transfer_syntax(transfer_syntax: str) -> bool:
    """Return True if `transfer_syntax` stores pixel data natively (uncompressed)."""
    return transfer_syntax in NATIVE_TRANSFER_SYNTAXES


def needs_to_convert_to_RGB(ds: Dataset) -> bool:
    """Return False: natively encoded pixel data is returned in its stored colour space."""
    return False


def should_change_PhotometricInterpretation_to_RGB(ds: Dataset) -> bool:
    """Return False: (0028,0004) *Photometric Interpretation* stays as it is."""
    return False


def get_pixeldata(ds: Dataset, read_only: bool = False) -> np.ndarray:
    """Return the pixel data of `ds` as a 1D array of stored values.

    Parameters
    ----------
    ds : pydicom.dataset.Dataset
        A data set with natively encoded Pixel Data, Float Pixel Data or
        Double Float Pixel Data and its Image Pixel module.
    read_only : bool, optional
        If True and (0028,0100) *Bits Allocated* > 1, return a read-only view
        of the data set's buffer when its layout allows (same byte order, no
        YBR_FULL_422 upsampling); otherwise a new writeable array.

    Returns
    -------
    numpy.ndarray
        1D, native byte order.

    Raises
    ------
    AttributeError
        If a required element is missing.
    NotImplementedError
        If the transfer syntax is not a native one, or a value is unsupported.
    ValueError
        If the pixel data is shorter than the elements require.
    """
    tsyntax = transfer_syntax_of(ds)
    if not supports_transfer_syntax(tsyntax):
        raise UnsupportedPixelDataError(
            f"The transfer syntax {name_of(tsyntax)} is not natively encoded: "
            "use dcmcore.pixel_array, which dispatches to a decoding plugin"
        )
    with open_source(ds) as source:
        spec = source.spec
        check_native_length(spec, source.length)
        plan = NativePlan(spec, to_rgb=False, correct_unused_bits=False, interleave=False)
        nframes = spec.number_of_frames
        if read_only and spec.bits_allocated > 1 and source.buffer is not None:
            if plan.view(source.buffer, 0, nframes, squeeze=False) is not None:
                # the stored samples need no work: view them in stored order (planar or not)
                flat = np.frombuffer(source.buffer, spec.dtype, count=nframes * spec.frame_samples)
                flat.flags.writeable = False
                return flat
        out = np.empty(nframes * spec.frame_samples, spec.dtype)
        plan.decode_into(source.buffer, 0, 0, nframes, out)
        return out
