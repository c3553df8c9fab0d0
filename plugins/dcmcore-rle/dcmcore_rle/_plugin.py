"""pylibjpeg-rle behind dcmcore's codec plugin contract (plugin API 1).

pylibjpeg-rle is a Rust implementation of RLE Lossless (DICOM PS3.5 Annex G).
Its frame decoder returns the samples one plane after the other (each plane
little endian here), its encoder takes pixels with their samples interleaved.
This module adapts both to dcmcore's contract:

- ``decode(src, spec, *, out=None, **options) -> (array, produced_spec)``
  returns ``spec.frame_shape`` with the samples interleaved, in native byte
  order;
- ``encode(src, spec, **options) -> bytes`` takes an array of
  ``spec.frame_shape`` or one frame's natively encoded little endian bytes.

The RLE header is checked against the image description with
:func:`dcmcore.rle.parse_header` before pylibjpeg-rle sees the frame: a
header that contradicts the data set (a wrong segment count, offsets that do
not increase or point past the frame) is corrupt data, and raises
:class:`~dcmcore.errors.CorruptPixelDataError`, which the dispatcher does not
retry with another plugin. Everything else pylibjpeg-rle rejects is a plain
``ValueError``, after which the dispatcher tries the next plugin.

``rle`` (pylibjpeg-rle's import name) is imported inside the methods only:
importing this module never fails because of it.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from dcmcore.errors import InvalidPixelSpecError, UnsupportedPixelDataError
from dcmcore.plugins.base import PluginBase
from dcmcore.spec import PixelSpec

__all__ = ["RLE_LOSSLESS", "PylibjpegRLEDecoder", "PylibjpegRLEEncoder", "DECODER", "ENCODER"]

#: The Transfer Syntax UID of RLE Lossless.
RLE_LOSSLESS = "1.2.840.10008.1.2.5"
#: Oldest pylibjpeg-rle with ``decode_frame(src, pixels, bits, byteorder)``.
MIN_VERSION = (2, 0)
_REQUIREMENT = "pylibjpeg-rle>=2.0"
_MAX_SEGMENTS = 15


def _version_tuple(text: str) -> tuple[int, ...]:
    """``"2.2.0"`` -> ``(2, 2, 0)``; stops at the first part that is not a number."""
    parts = []
    for part in str(text).split("."):
        digits = ""
        for char in part:
            if not char.isdigit():
                break
            digits += char
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def _segments(spec: PixelSpec) -> int:
    """The number of RLE segments of one frame of `spec`; raise if RLE cannot hold it."""
    if spec.bits_allocated == 1:
        raise UnsupportedPixelDataError(
            "dcmcore-rle does not handle RLE Lossless with a (0028,0100) 'Bits Allocated' of 1: "
            "PS3.5 Annex G describes segments of whole bytes, and readers disagree on how "
            "1-bit pixels are laid out in them"
        )
    count = spec.samples_per_pixel * spec.itemsize
    if count > _MAX_SEGMENTS:
        raise InvalidPixelSpecError(
            f"RLE Lossless cannot hold {spec.samples_per_pixel} samples of {spec.bits_allocated} bits: "
            f"they need {count} segments, a frame has at most {_MAX_SEGMENTS} (PS3.5 G.4)"
        )
    return count


def _as_bytes(src: Any) -> bytes:
    """pylibjpeg-rle's decoder accepts ``bytes`` only."""
    if isinstance(src, bytes):
        return src
    return memoryview(src).cast("B").tobytes()


def _frame_array(src: Any, spec: PixelSpec) -> np.ndarray:
    """One frame to encode as a C-contiguous array of ``spec.frame_shape`` (samples interleaved)."""
    if isinstance(src, np.ndarray) and not (src.ndim == 1 and src.dtype == np.uint8):
        if src.shape != spec.frame_shape:
            raise ValueError(f"The frame to encode has shape {src.shape}, the image needs {spec.frame_shape}")
        if src.dtype.kind not in "ui" or src.dtype.itemsize != spec.itemsize:
            raise ValueError(
                f"The frame to encode has dtype {src.dtype}, the image needs {spec.itemsize}-byte "
                f"integer samples (like {spec.dtype})"
            )
        return np.ascontiguousarray(src)
    buf = memoryview(src).cast("B")
    need = spec.frame_nbytes
    if buf.nbytes not in (need, need + 1):  # one trailing padding byte is allowed
        raise ValueError(
            f"The frame to encode holds {buf.nbytes} bytes, but {spec.rows} x {spec.columns} pixels of "
            f"{spec.samples_per_pixel} sample(s) of {spec.bits_allocated} bits need {need}"
        )
    arr = np.frombuffer(buf[:need], spec.dtype.newbyteorder("<"))
    if spec.samples_per_pixel > 1 and spec.planar_configuration == 1:
        return np.ascontiguousarray(arr.reshape(spec.samples_per_pixel, spec.rows, spec.columns).transpose(1, 2, 0))
    return arr.reshape(spec.frame_shape)


class _PylibjpegRLE(PluginBase):
    """What the decoder and the encoder share: label, priority, dependency checks."""

    label = "pylibjpeg-rle"
    priority = 20
    dependencies = {"rle": _REQUIREMENT}          # importable module -> pip requirement
    install_hint = "pip install 'pylibjpeg-rle>=2.0'"
    uids = frozenset({RLE_LOSSLESS})              # anything else: "does not support"

    def missing_dependencies(self, uid: str) -> list[str]:
        reasons = super().missing_dependencies(uid)
        if reasons:
            return reasons
        import rle

        version = getattr(rle, "__version__", "0")
        if _version_tuple(version) < MIN_VERSION:
            return [f"pylibjpeg-rle {version} is installed, {_REQUIREMENT} is needed", f"install with: {self.install_hint}"]
        return []


class PylibjpegRLEDecoder(_PylibjpegRLE):
    """Decode RLE Lossless frames with pylibjpeg-rle."""

    def decode(
        self, src: bytes | memoryview, spec: PixelSpec, *, out: np.ndarray | None = None, **options: Any
    ) -> tuple[np.ndarray, PixelSpec]:
        """Decode one frame (options are accepted and ignored: pylibjpeg-rle has none)."""
        from dcmcore.rle import parse_header
        from rle.utils import decode_frame

        nsegments = _segments(spec)
        parse_header(src, nsegments)
        pixels = spec.rows * spec.columns
        data = decode_frame(_as_bytes(src), pixels, spec.bits_allocated, "<")
        if len(data) != pixels * nsegments:
            raise ValueError(
                f"pylibjpeg-rle decoded {len(data)} bytes, {pixels * nsegments} were expected for "
                f"{spec.rows} x {spec.columns} pixels of {spec.samples_per_pixel} sample(s) of "
                f"{spec.bits_allocated} bits"
            )
        planes = np.frombuffer(data, spec.dtype.newbyteorder("<"))
        if spec.samples_per_pixel > 1:  # one plane per sample -> samples interleaved
            frame = planes.reshape(spec.samples_per_pixel, spec.rows, spec.columns).transpose(1, 2, 0)
        else:
            frame = planes.reshape(spec.rows, spec.columns)
        if out is None or out.shape != spec.frame_shape or out.dtype != spec.dtype:
            out = np.empty(spec.frame_shape, spec.dtype)
        np.copyto(out, frame)  # also swaps to native order on big endian hosts
        if spec.planar_configuration:  # the array is interleaved whatever the data set says
            spec = spec.replace(planar_configuration=0)
        return out, spec


class PylibjpegRLEEncoder(_PylibjpegRLE):
    """Encode frames as RLE Lossless with pylibjpeg-rle."""

    def encode(self, src: np.ndarray | bytes | memoryview, spec: PixelSpec, **options: Any) -> bytes:
        """Encode one frame (options are accepted and ignored: pylibjpeg-rle has none)."""
        from rle.utils import encode_pixel_data

        _segments(spec)
        frame = _frame_array(src, spec)
        order = frame.dtype.byteorder
        byteorder = {"<": "<", ">": ">"}.get(order, "<" if sys.byteorder == "little" else ">")
        return bytes(
            encode_pixel_data(
                frame.tobytes(),
                rows=spec.rows,
                columns=spec.columns,
                samples_per_pixel=spec.samples_per_pixel,
                bits_allocated=spec.bits_allocated,
                byteorder=byteorder,
            )
        )


DECODER = PylibjpegRLEDecoder()
ENCODER = PylibjpegRLEEncoder()
