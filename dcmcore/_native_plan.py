"""Natively encoded pixel data: from stored bytes to the final array in one kernel pass.

A :class:`NativePlan` is made once per call from a :class:`~dcmcore.spec.PixelSpec`
and the processing options. It knows which byte range holds a run of frames and
which fused kernel turns those bytes into the output (unpacking, byte swapping,
masking or sign extension, planar reordering, YBR_FULL_422 upsampling and
YCbCr to RGB), so the stored data is read once and the output written once.
"""

from __future__ import annotations

import logging
import sys
import warnings
from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import numpy as np

from dcmcore._kernels import bitpack, color, convert
from dcmcore._kernels.status import check_status
from dcmcore._arrays import byte_view
from dcmcore.dataset_elements import tag_name
from dcmcore.errors import InvalidPixelSpecError, PixelDataLengthError, UnsupportedPixelDataError
from dcmcore.spec import PIXEL_KEYWORDS, PixelSpec

__all__ = ["NativePlan", "check_native_length", "needs_rgb_conversion", "frame_to_bytes"]

LOGGER = logging.getLogger("dcmcore")


def needs_rgb_conversion(spec: PixelSpec, *, raw: bool, as_rgb: bool) -> bool:
    """True when decoded YCbCr samples are to be converted to RGB.

    Raises
    ------
    UnsupportedPixelDataError
        If conversion is asked for samples that are not 8-bit.
    """
    if raw or not as_rgb or spec.photometric_interpretation not in ("YBR_FULL", "YBR_FULL_422"):
        return False
    if spec.pixel_representation != 0:
        raise UnsupportedPixelDataError(
            f"YCbCr to RGB conversion of a (0028,0004) 'Photometric Interpretation' of "
            f"'{spec.photometric_interpretation}' needs unsigned samples, not a (0028,0103) "
            "'Pixel Representation' of 1; pass as_rgb=False (or raw=True) for the stored samples"
        )
    if spec.bits_allocated != 8:
        raise UnsupportedPixelDataError(
            f"YCbCr to RGB conversion of a (0028,0004) 'Photometric Interpretation' of "
            f"'{spec.photometric_interpretation}' needs a (0028,0100) 'Bits Allocated' of 8, "
            f"not {spec.bits_allocated}; pass as_rgb=False (or raw=True) for the YCbCr samples"
        )
    return True


def check_native_length(spec: PixelSpec, actual: int, *, allow_excess_frames: bool = False) -> int:
    """Check the length of natively encoded pixel data against `spec`; return the frames to decode.

    Shorter than required raises. Longer than the padded length: with
    `allow_excess_frames`, when the data holds more whole frames than
    (0028,0008) *Number of Frames* says, warn and return that larger count (as
    pydicom does by default); otherwise warn that the excess is ignored (PS3.5
    8.1.1 allows only one padding byte) and return *Number of Frames*.
    """
    expected = spec.expected_nbytes()
    padded = expected + expected % 2
    element = tag_name(PIXEL_KEYWORDS[spec.pixel_keyword])
    if actual < expected:
        raise PixelDataLengthError(
            f"{element} holds {actual} bytes but {_describe(spec)} need {expected} bytes "
            f"({padded} with padding): the data set may be truncated or its Image Pixel "
            "elements or transfer syntax may be wrong"
        )
    if spec.bits_allocated == 8 and spec.is_big_endian and spec.pixel_vr == "OW" and actual < padded:
        raise PixelDataLengthError(
            f"{element} is encoded as OW in big endian and must have an even length: it holds "
            f"{actual} bytes, {padded} are needed"
        )
    if actual > padded:
        if spec.is_ybr422_subsampled:
            full = expected // 2 * 3
            if actual >= full + full % 2:
                raise InvalidPixelSpecError(
                    f"{element} holds {actual} bytes, a third more than the {expected} bytes "
                    "that 'YBR_FULL_422' needs: the (0028,0004) 'Photometric Interpretation' "
                    "is probably wrong and should be 'RGB' or 'YBR_FULL'"
                )
        elif allow_excess_frames:
            whole = actual * 8 // spec.frame_nbits
            if whole > spec.number_of_frames:
                warnings.warn(
                    f"{element} holds {actual} bytes, enough for {whole} frames, more than the "
                    f"(0028,0008) 'Number of Frames' of {spec.number_of_frames}: the {whole} frames are "
                    "returned (if that is right, correct 'Number of Frames'; pass "
                    f"allow_excess_frames=False to get only the first {spec.number_of_frames})",
                    UserWarning,
                    stacklevel=4,
                )
                return whole
        warnings.warn(
            f"{element} is {actual} bytes long, which is {actual - expected} bytes more than "
            f"{_describe(spec)} need: the excess is ignored",
            UserWarning,
            stacklevel=3,
        )
    return spec.number_of_frames


def _describe(spec: PixelSpec) -> str:
    frames = f"{spec.number_of_frames} frame{'s' if spec.number_of_frames != 1 else ''}"
    return (
        f"{frames} of {spec.rows} x {spec.columns} pixels x {spec.samples_per_pixel} "
        f"sample{'s' if spec.samples_per_pixel != 1 else ''} at {spec.bits_allocated} bits"
    )


def _address(buf: memoryview | np.ndarray) -> int:
    return np.frombuffer(buf, np.uint8).ctypes.data if len(buf) else 0


@dataclass(frozen=True)
class NativePlan:
    """How to decode natively encoded frames of `spec` with the given options.

    Parameters
    ----------
    spec : PixelSpec
        The stored pixel data.
    to_rgb : bool
        Convert YBR_FULL / YBR_FULL_422 to RGB (8-bit only; see
        :func:`needs_rgb_conversion`).
    correct_unused_bits : bool
        Clear (unsigned) or sign-extend (signed) the bits above Bits Stored.
    interleave : bool
        Return samples interleaved (``(..., samples)``) whatever the Planar
        Configuration. False keeps the stored sample order (for the 1D
        compatibility handler).
    """

    spec: PixelSpec
    to_rgb: bool = False
    correct_unused_bits: bool = True
    interleave: bool = True

    # -- what the plan does ------------------------------------------------
    @cached_property
    def swap(self) -> bool:
        """Multi-byte samples need a byte swap."""
        return self.spec.is_big_endian and self.spec.itemsize > 1

    @cached_property
    def swap_pairs(self) -> bool:
        """8-bit samples were written as big endian 16-bit words (VR OW)."""
        s = self.spec
        return s.is_big_endian and s.bits_allocated == 8 and s.pixel_keyword == "PixelData" and s.pixel_vr == "OW"

    @cached_property
    def fix_bits(self) -> bool:
        """The bits above Bits Stored must be cleared or sign-extended."""
        s = self.spec
        return self.correct_unused_bits and not s.is_float and s.bits_allocated > 1 and s.bits_stored < s.bits_allocated

    @cached_property
    def is_plain_copy(self) -> bool:
        """The stored bytes already are the output bytes."""
        s = self.spec
        return (
            s.bits_allocated > 1
            and not (self.swap or self.swap_pairs or self.fix_bits or self.to_rgb)
            and not s.is_ybr422_subsampled
            and not (self.interleave and s.samples_per_pixel > 1 and s.planar_configuration == 1)
        )

    @cached_property
    def works_in_place(self) -> bool:
        """Each output sample depends only on the stored sample of the same size at the same place."""
        s = self.spec
        return (
            s.bits_allocated > 1
            and not self.swap_pairs
            and not s.is_ybr422_subsampled
            and not (self.interleave and s.samples_per_pixel > 1 and s.planar_configuration == 1)
        )

    @cached_property
    def in_place_kernel(self) -> Callable[[np.ndarray, int], None] | None:
        """``f(dst, count)``: :meth:`transform_in_place` on `count` frames whose stored bytes are in `dst`.

        `dst` is a flat uint8 view of the output. The options are resolved
        here once, so a call costs the kernel and little else (for outputs
        read one frame at a time). None when :attr:`works_in_place` is False.
        """
        if not self.works_in_place:
            return None
        if self.is_plain_copy:
            return _nothing
        s = self.spec
        if self.to_rgb:
            return lambda dst, count: self._transform(dst, dst, count) if count > 0 else None
        # in place there is no planar order to change: a swap, a mask or a sign extension
        args = (s.itemsize, self.swap, s.bits_stored if self.fix_bits else s.bits_allocated, self.fix_bits and s.is_signed)
        return lambda dst, count: convert.convert(dst, dst, *args) if count > 0 else None

    def transform_in_place(self, out: np.ndarray, count: int) -> None:
        """Turn stored bytes already read into `out` into the output (:attr:`in_place_kernel`)."""
        kernel = self.in_place_kernel
        if kernel is None:
            raise ValueError("These frames cannot be transformed in place (see NativePlan.works_in_place)")
        kernel(byte_view(out), count)

    @cached_property
    def output_spec(self) -> PixelSpec:
        """The description of the decoded array."""
        s = self.spec
        pi = s.photometric_interpretation
        if self.to_rgb:
            pi = "RGB"
        elif s.is_ybr422_subsampled:
            pi = "YBR_FULL"
        planar = 0 if self.interleave else s.planar_configuration
        if pi == s.photometric_interpretation and planar == s.planar_configuration:
            return s
        # A decoded YBR_FULL_422 array is no longer sub-sampled: describe it as YBR_FULL.
        return s.replace(photometric_interpretation=pi, planar_configuration=planar)

    @property
    def dtype(self) -> np.dtype:
        return self.spec.dtype

    # -- byte ranges ---------------------------------------------------------
    def byte_range(self, first: int, count: int) -> tuple[int, int]:
        """The ``[start, stop)`` bytes of the pixel data value holding frames ``first .. first+count-1``."""
        bit0, bit1 = self.spec.frame_bit_range(first, count)
        start, stop = bit0 >> 3, -(-bit1 // 8)
        if self.swap_pairs:
            # logical byte j is stored at j ^ 1: widen to whole 16-bit words
            start, stop = start & ~1, (stop + 1) & ~1
        return start, stop

    # -- decoding ------------------------------------------------------------
    def why_no_view(self, buf: memoryview) -> str | None:
        """Why :meth:`view` cannot return a view of `buf` (None when it can)."""
        s = self.spec
        if s.bits_allocated == 1:
            return "1-bit samples must be unpacked"
        if self.swap or self.swap_pairs:
            return "big endian samples must be byte swapped"
        if self.fix_bits:
            return (
                f"the bits above (0028,0101) 'Bits Stored' ({s.bits_stored} of {s.bits_allocated}) must be "
                "cleared or sign-extended (pass correct_unused_bits=False to keep them)"
            )
        if self.to_rgb:
            return "YCbCr must be converted to RGB (pass as_rgb=False or raw=True to keep it)"
        if s.is_ybr422_subsampled:
            return "YBR_FULL_422 samples must be upsampled"
        if _address(buf) % s.itemsize:
            return f"the pixel data buffer is not aligned to the {s.itemsize}-byte samples"
        return None

    def view(self, buf: memoryview, first: int, count: int, *, squeeze: bool) -> np.ndarray | None:
        """A zero-copy array over `buf` (the whole value) when the layout allows, else None."""
        s = self.spec
        if self.why_no_view(buf) is not None:
            return None
        start, stop = self.byte_range(first, count)
        arr = np.frombuffer(buf, dtype=s.dtype, count=(stop - start) // s.itemsize, offset=start)
        if s.samples_per_pixel > 1 and s.planar_configuration == 1:
            arr = arr.reshape(count, s.samples_per_pixel, s.rows, s.columns).transpose(0, 2, 3, 1)
        else:
            arr = arr.reshape(count, *s.frame_shape)
        return arr[0] if squeeze else arr

    def decode_into(self, buf: memoryview | np.ndarray, buf_start: int, first: int, count: int, out: np.ndarray) -> None:
        """Decode frames ``first .. first+count-1`` into `out`.

        Parameters
        ----------
        buf : buffer
            Bytes of the pixel data value; ``buf[0]`` is the value's byte at
            offset `buf_start`. It must cover :meth:`byte_range`.
        out : numpy.ndarray
            C-contiguous, aligned, ``count`` frames of :attr:`dtype`.
        """
        if count <= 0:
            return
        s = self.spec
        start, stop = self.byte_range(first, count)
        lo, hi = start - buf_start, stop - buf_start
        if lo < 0 or hi > len(buf):
            raise PixelDataLengthError(
                f"Frames {first} to {first + count - 1} need bytes {start} to {stop} of the pixel "
                f"data, the buffer holds bytes {buf_start} to {buf_start + len(buf)}"
            )
        src = memoryview(buf)[lo:hi]
        dst = byte_view(out)
        if dst.size != count * s.frame_decoded_nbytes:
            raise ValueError(f"'out' holds {dst.size} bytes, {count} frames need {count * s.frame_decoded_nbytes}")

        if s.bits_allocated == 1:
            bit0 = first * s.frame_nbits
            bitpack.unpack_lsb(src, bit0 & 7, count * s.frame_pixels, dst)
            return

        if self.swap_pairs:
            logical = np.empty(count * s.frame_nbytes, np.uint8)
            bit0 = first * s.frame_nbits
            convert.swap_pairs(src, (bit0 >> 3) - start, logical)
            src = logical
        elif s.itemsize > 1 and _address(src) % s.itemsize:
            src = np.frombuffer(src, np.uint8).copy()  # unaligned source: one aligned copy
        self._transform(src, dst, count)

    def decode_frame_bytes(self, src, out: np.ndarray, *, bit_offset: int = 0) -> None:
        """Decode one frame whose stored bytes are `src` (a 1-bit frame starting at `bit_offset`)."""
        s = self.spec
        buf = memoryview(src).cast("B")
        need_bits = bit_offset + s.frame_nbits
        if len(buf) * 8 < need_bits:
            raise PixelDataLengthError(
                f"One frame of {s.rows} x {s.columns} x {s.samples_per_pixel} at {s.bits_allocated} bits "
                f"needs {-(-need_bits // 8)} bytes, {len(buf)} were given"
            )
        if s.bits_allocated == 1:
            bitpack.unpack_lsb(buf[: -(-need_bits // 8)], bit_offset, s.frame_pixels, byte_view(out))
            return
        if bit_offset:
            raise ValueError("'bit_offset' applies to Bits Allocated 1 only")
        self.decode_into(buf, 0, 0, 1, out)

    def _transform(self, src, dst: np.ndarray, count: int) -> None:
        s = self.spec
        itemsize = s.itemsize
        npix = s.frame_pixels
        bits = s.bits_stored if self.fix_bits else s.bits_allocated
        signed = self.fix_bits and s.is_signed
        reorder = self.interleave and s.samples_per_pixel > 1 and s.planar_configuration == 1

        if s.is_ybr422_subsampled:
            npairs = count * npix // 2
            if self.swap or self.fix_bits:
                tmp = np.empty(len(src), np.uint8)
                convert.convert(src, tmp, itemsize, self.swap, bits, signed)
                src = tmp
            if self.to_rgb:
                color.ybr422_to_rgb(src, dst, npairs)
            else:
                color.ybr422_expand(src, dst, itemsize, npairs)
            return

        if reorder:
            if self.to_rgb and not self.fix_bits:
                color.ybr_full_to_rgb(src, dst, count, npix, True)
                return
            convert.planar_to_interleaved(src, dst, itemsize, count, npix, self.swap, bits, signed)
        elif self.to_rgb and not self.fix_bits:
            color.ybr_full_to_rgb(src, dst, count, npix, False)
            return
        elif self.swap or self.fix_bits:
            convert.convert(src, dst, itemsize, self.swap, bits, signed)
        else:
            np.copyto(dst, np.frombuffer(src, np.uint8, count=dst.size))
        if self.to_rgb:
            color.ybr_full_to_rgb(dst, dst, count, npix, False)


def _nothing(dst: np.ndarray, count: int) -> None:
    """The in-place kernel of a plain copy: the stored bytes are the output."""


def frame_to_bytes(src, spec: PixelSpec) -> bytes:
    """One frame as natively encoded little endian bytes, in `spec`'s planar configuration.

    Parameters
    ----------
    src : numpy.ndarray or bytes-like
        A frame of ``spec.frame_shape`` (samples interleaved) whose dtype has
        the spec's item size (any byte order; signed and unsigned integers are
        interchangeable), or the frame's bytes already encoded.
    spec : PixelSpec
        The layout to produce (Bits Allocated 1 is packed, LSB first).
    """
    if not isinstance(src, np.ndarray):
        view = memoryview(src).cast("B")
        if len(view) < spec.frame_nbytes:
            raise PixelDataLengthError(f"One frame needs {spec.frame_nbytes} bytes, {len(view)} were given")
        return bytes(view[: spec.frame_nbytes])
    arr = src
    if arr.shape != spec.frame_shape:
        raise ValueError(f"The frame has shape {arr.shape}, {spec.frame_shape} is needed")
    if spec.bits_allocated == 1:
        flat = np.ascontiguousarray(arr, dtype=np.uint8).reshape(-1)
        packed = np.empty(spec.frame_nbytes, np.uint8)
        if flat.size:
            rc = bitpack.pack_lsb(flat, packed, sys.byteorder == "little")
            check_status(rc, "", "Bits Allocated 1 pixel values must be 0 or 1")
        return packed.tobytes()
    want = spec.dtype
    if arr.dtype.itemsize != want.itemsize or (arr.dtype.kind == "f") != (want.kind == "f"):
        raise TypeError(f"The frame has dtype {arr.dtype}, {want} (or the same size) is needed")
    if arr.dtype.kind != want.kind:  # signed <-> unsigned: reinterpret, keeping the byte order
        arr = arr.view(want.newbyteorder(arr.dtype.byteorder))
    if spec.samples_per_pixel > 1 and spec.planar_configuration == 1:
        arr = arr.transpose(2, 0, 1)
    return np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes()
