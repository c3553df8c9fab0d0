"""``pixel_array`` and ``iter_pixels``: DICOM pixel data to NumPy arrays (layer 6)."""

from __future__ import annotations

import logging
import os
from typing import BinaryIO, Iterable, Iterator

import numpy as np
from pydicom.dataset import Dataset

from dcmcore._native import NativePlan, check_native_length, needs_rgb_conversion
from dcmcore._source import PixelSource, open_source
from dcmcore._validate import output_array
from dcmcore.errors import UnsupportedPixelDataError
from dcmcore.uids import name_of

__all__ = ["pixel_array", "iter_pixels"]

LOGGER = logging.getLogger("dcmcore")
Source = Dataset | str | os.PathLike | BinaryIO

#: Bytes read from a file per step when decoding many frames that need conversion.
_CHUNK_BYTES = 1 << 24
_BUILTIN_NATIVE = {"", "dcmcore", "native"}


def _check_index(index: int, nframes: int) -> int:
    index = int(index)
    if index < 0:
        raise ValueError(f"'index' must be greater than or equal to 0, not {index}")
    if index >= nframes:
        raise ValueError(
            f"'index' {index} is out of range: the pixel data holds {nframes} frame"
            f"{'s' if nframes != 1 else ''} ((0028,0008) 'Number of Frames')"
        )
    return index


def _native_plan(source: PixelSource, *, raw: bool, as_rgb: bool, correct_unused_bits: bool, decoding_plugin: str | None) -> NativePlan:
    spec = source.spec
    if not spec.is_native:
        raise UnsupportedPixelDataError(
            f"No decoder is available for the transfer syntax {name_of(spec.transfer_syntax_uid)}"
        )
    if decoding_plugin not in (None, *_BUILTIN_NATIVE):
        raise ValueError(
            f"No decoding plugin named {decoding_plugin!r} for natively encoded pixel data; "
            "its decoder is dcmcore's own ('dcmcore')"
        )
    check_native_length(spec, source.length)
    return NativePlan(
        spec,
        to_rgb=needs_rgb_conversion(spec, raw=raw, as_rgb=as_rgb),
        correct_unused_bits=correct_unused_bits,
    )


def _decode_run(plan: NativePlan, source: PixelSource, first: int, count: int, out: np.ndarray) -> None:
    """Decode frames ``first .. first+count-1`` of `source` into `out` (count frames)."""
    spec = plan.spec
    frames = out.reshape(count, *spec.frame_shape)
    if source.buffer is not None:
        plan.decode_into(source.buffer, 0, first, count, frames)
        return
    per_chunk = max(1, _CHUNK_BYTES // max(1, spec.frame_nbytes))
    for lo in range(0, count, per_chunk):
        n = min(per_chunk, count - lo)
        start, stop = plan.byte_range(first + lo, n)
        if plan.is_plain_copy:
            # The stored bytes are the output: read them straight into it.
            source.readinto(start, frames[lo : lo + n].reshape(-1).view(np.uint8))
        else:
            plan.decode_into(source.read(start, stop), start, first + lo, n, frames[lo : lo + n])


def pixel_array(
    src: Source,
    *,
    index: int | None = None,
    raw: bool = False,
    as_rgb: bool = True,
    view_only: bool = False,
    decoding_plugin: str | None = None,
    correct_unused_bits: bool = True,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Return the pixel data of `src` as a NumPy array.

    Parameters
    ----------
    src : pydicom.dataset.Dataset, str, os.PathLike or file-like
        A data set with pixel data, the path of a DICOM file, or a readable
        binary file object (read from its start, then returned to its position).
        From a path or file only the frames asked for are read.
    index : int, optional
        Return only the frame at `index` (0-based); all frames when None.
    raw : bool, optional
        If True, return the stored samples after only the minimal processing
        (bit unpacking, YBR_FULL_422 upsampling, reshaping): no YCbCr to RGB.
    as_rgb : bool, optional
        If True (default), convert YBR_FULL and YBR_FULL_422 to RGB (8-bit).
    view_only : bool, optional
        If True, return a read-only view of the data set's buffer when the
        layout allows (no byte swap, bit fixing, unpacking or colour
        conversion needed); otherwise a copy is returned as usual.
    decoding_plugin : str, optional
        The label of the decoder to use. Natively encoded pixel data is
        decoded by dcmcore itself (``"dcmcore"``).
    correct_unused_bits : bool, optional
        If True (default), clear the bits above (0028,0101) *Bits Stored* of
        unsigned samples and sign-extend signed ones, as PS3.5 8.1.1 requires
        and pydicom does.
    out : numpy.ndarray, optional
        A C-contiguous array of the result's shape and native dtype (or a slice
        ``big[i:j]`` of a larger frames tensor) to decode into, with no
        intermediate copy. It is returned.

    Returns
    -------
    numpy.ndarray
        Shaped ``(rows, columns)``, ``(rows, columns, samples)``,
        ``(frames, rows, columns)`` or ``(frames, rows, columns, samples)``
        (one frame when `index` is given), in native byte order.

    Raises
    ------
    AttributeError
        A required element is missing (:class:`~dcmcore.errors.MissingElementError`).
    ValueError
        The pixel data is shorter than its elements promise, or a value is invalid.
    NotImplementedError
        The transfer syntax or a valid element value is not supported.
    """
    with open_source(src) as source:
        plan = _native_plan(
            source, raw=raw, as_rgb=as_rgb, correct_unused_bits=correct_unused_bits, decoding_plugin=decoding_plugin
        )
        spec = source.spec
        if index is not None:
            first, count = _check_index(index, spec.number_of_frames), 1
            shape = spec.frame_shape
        else:
            first, count = 0, spec.number_of_frames
            shape = spec.shape()
        if view_only and out is None:
            if source.buffer is not None:
                view = plan.view(source.buffer, first, count, squeeze=len(shape) == len(spec.frame_shape))
                if view is not None:
                    return view
            LOGGER.warning("A view of the pixel data is not possible here; returning a copy")
        arr = output_array(out, shape, plan.dtype)
        _decode_run(plan, source, first, count, arr)
        return arr


def iter_pixels(
    src: Source,
    *,
    indices: Iterable[int] | None = None,
    raw: bool = False,
    as_rgb: bool = True,
    view_only: bool = False,
    decoding_plugin: str | None = None,
    correct_unused_bits: bool = True,
    out: np.ndarray | None = None,
) -> Iterator[np.ndarray]:
    """Yield the frames of `src` one at a time.

    From a path or file object only one frame's bytes are read per step, so
    memory stays near one frame whatever the number of frames.

    Parameters
    ----------
    src, raw, as_rgb, view_only, decoding_plugin, correct_unused_bits
        As for :func:`pixel_array`.
    indices : iterable of int, optional
        The frames to yield, in that order; all frames when None.
    out : numpy.ndarray, optional
        Either one frame's shape, reused for every frame (each yielded array
        is `out`, overwritten by the next step), or ``(len(indices), *frame)``,
        where the k-th frame is decoded into ``out[k]`` and that view yielded.

    Yields
    ------
    numpy.ndarray
        ``(rows, columns)`` or ``(rows, columns, samples)``.
    """
    with open_source(src) as source:
        plan = _native_plan(
            source, raw=raw, as_rgb=as_rgb, correct_unused_bits=correct_unused_bits, decoding_plugin=decoding_plugin
        )
        spec = source.spec
        frame_shape = spec.frame_shape
        per_frame_out = out is not None and out.ndim == len(frame_shape) + 1 and out.shape[1:] == frame_shape
        if out is not None and not per_frame_out:
            out = output_array(out, frame_shape, plan.dtype)
        if per_frame_out:
            out = output_array(out, out.shape, plan.dtype)
        order = range(spec.number_of_frames) if indices is None else indices
        for k, index in enumerate(order):
            index = _check_index(index, spec.number_of_frames)
            if view_only and source.buffer is not None:
                view = plan.view(source.buffer, index, 1, squeeze=True)
                if view is not None:
                    yield view
                    continue
            if per_frame_out:
                if k >= out.shape[0]:
                    raise ValueError(f"'out' holds {out.shape[0]} frames, more indices were given")
                target = out[k]
            elif out is not None:
                target = out
            else:
                target = np.empty(frame_shape, plan.dtype)
            _decode_run(plan, source, index, 1, target)
            yield target
