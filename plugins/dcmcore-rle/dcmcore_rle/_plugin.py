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

What reaches pylibjpeg-rle, and what comes back
-----------------------------------------------
pylibjpeg-rle panics on some corrupt frames (a Rust ``panic!`` becomes
``pyo3_runtime.PanicException``, a :class:`BaseException` that an
``except Exception`` does not catch), and it counts segments by the non-zero
header offsets rather than by the header's segment count. So, before the
frame is handed over:

- the image description must fit pylibjpeg-rle: 8, 16, 32 or 64 bits, 1 or 3
  samples, a decoded frame under 4 GiB (else
  :class:`~dcmcore.errors.UnsupportedPixelDataError`, and the dispatcher tries
  the next plugin);
- the RLE header is checked with :func:`dcmcore.plugins.parse_rle_header`: a segment
  count of 1 to 15 that equals what the image needs, a first offset of 64,
  offsets that increase and lie inside the frame. A header that fails is
  corrupt data: :class:`~dcmcore.errors.CorruptPixelDataError` (a
  ``ValueError``), naming what is wrong, which the dispatcher does not retry
  with another plugin;
- unused header offsets that are not zero (PS3.5 G.4 asks for zeros; dcmcore's
  own decoder ignores them) are zeroed in a copy, so that pylibjpeg-rle sees
  the segments the header's count gives.

Whatever pylibjpeg-rle then raises (a panic included; ``KeyboardInterrupt``,
``SystemExit`` and ``GeneratorExit`` pass untouched) is judged by
dcmcore's strict built-in decoder (:func:`dcmcore.plugins.check_rle_frame`), on this
failure path only:

- the built-in decoder rejects the frame too: the data is at fault, and a
  :class:`~dcmcore.errors.CorruptPixelDataError` gives the built-in decoder's
  diagnosis (which segment, what was expected and found) and pylibjpeg-rle's
  message;
- the built-in decoder reads it: pylibjpeg-rle refused data that is not
  conformant but is decodable (it reads every byte of a segment, so data after
  the run that completes the segment, beyond the one padding byte PS3.5 G.5
  allows, makes it fail). That is a plain ``ValueError``, after which the
  dispatcher tries the next plugin (``decoding_plugin=["pylibjpeg-rle",
  "dcmcore"]`` decodes such frames);
- anything that is not about the data (a ``TypeError``, ``MemoryError``, a
  result of the wrong length): :class:`~dcmcore.errors.PluginError`.

The original exception is always chained (``__cause__``).

pylibjpeg-rle is more lenient than dcmcore in one case it reports nothing
about, so nothing here can tell without reading the runs: a run that crosses
the end of the last segment it decodes (the most significant byte of the last
sample; for samples of several bytes only a run that starts at the last pixel)
is cut short, as pydicom does, where dcmcore's decoder raises. Such frames
decode to pydicom's result.

``rle`` (pylibjpeg-rle's import name) is imported inside the methods only:
importing this module never fails because of it.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from dcmcore import PixelSpec
from dcmcore.errors import CorruptPixelDataError, PluginError, UnsupportedPixelDataError
from dcmcore.plugins import (
    PASS_THROUGH_EXCEPTIONS,
    PluginBase,
    check_rle_frame,
    frame_array,
    frame_bytes,
    parse_rle_header,
    rle_segment_count,
    version_tuple,
)

__all__ = ["RLE_LOSSLESS", "PylibjpegRLEDecoder", "PylibjpegRLEEncoder", "DECODER", "ENCODER"]

#: The Transfer Syntax UID of RLE Lossless.
RLE_LOSSLESS = "1.2.840.10008.1.2.5"
#: Oldest pylibjpeg-rle with ``decode_frame(src, pixels, bits, byteorder)``.
MIN_VERSION = (2, 0)
_REQUIREMENT = "pylibjpeg-rle>=2.0"
#: pylibjpeg-rle's limits: segment bytes per sample, samples, and u32 lengths.
_BITS = (8, 16, 32, 64)
_SAMPLES = (1, 3)
_MAX_U32 = 0xFFFFFFFF


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
        if version_tuple(version) < MIN_VERSION:
            return [f"pylibjpeg-rle {version} is installed, {_REQUIREMENT} is needed", f"install with: {self.install_hint}"]
        return []


def _check_decodable(spec: PixelSpec, nsegments: int) -> None:
    """Refuse (UnsupportedPixelDataError) what pylibjpeg-rle cannot decode, whatever the data."""
    if spec.bits_allocated not in _BITS or spec.samples_per_pixel not in _SAMPLES:
        raise UnsupportedPixelDataError(
            f"pylibjpeg-rle decodes 1 or 3 samples of 8, 16, 32 or 64 bits, not {spec.samples_per_pixel} "
            f"sample(s) of {spec.bits_allocated} bits"
        )
    if spec.rows * spec.columns * nsegments > _MAX_U32:
        raise UnsupportedPixelDataError(
            f"A frame of {spec.rows} x {spec.columns} pixels of {spec.samples_per_pixel} sample(s) of "
            f"{spec.bits_allocated} bits is 4 GiB or more: pylibjpeg-rle counts its bytes in 32 bits"
        )


def _check_header(data: bytes, nsegments: int) -> bytes:
    """Validate the RLE header of `data` (CorruptPixelDataError); return the frame pylibjpeg-rle is given.

    pylibjpeg-rle takes every non-zero offset of the header for a segment, so
    non-zero offsets after the header's count are zeroed, in a copy.
    """
    if len(data) > _MAX_U32:
        raise UnsupportedPixelDataError(
            f"The RLE frame holds {len(data)} bytes, 4 GiB or more: pylibjpeg-rle counts its bytes in 32 bits"
        )
    parse_rle_header(data, nsegments)  # count, first offset, increasing offsets inside the frame
    unused = data[4 * (nsegments + 1) : 64]
    if any(unused):
        data = data[: 4 * (nsegments + 1)] + bytes(len(unused)) + data[64:]
    return data


def _describe(exc: BaseException) -> str:
    name = type(exc).__name__
    if name == "PanicException":
        name = "a Rust panic (PanicException)"
    text = str(exc).strip().splitlines()
    return f"{name}: {text[0]}" if text else name


def _failure(exc: BaseException, data: bytes, spec: PixelSpec) -> Exception:
    """The exception that reports `exc`, raised by pylibjpeg-rle on `data` (see the module's docstring)."""
    said = _describe(exc)
    if isinstance(exc, MemoryError):
        return PluginError(f"pylibjpeg-rle ran out of memory decoding a {len(data)}-byte RLE frame ({said})")
    is_data_error = isinstance(exc, ValueError) or not isinstance(exc, Exception)  # its ValueError, or a panic
    try:
        check_rle_frame(data, spec)
    except CorruptPixelDataError as corrupt:
        return CorruptPixelDataError(f"{corrupt} (pylibjpeg-rle failed with {said})")
    except Exception as other:  # the judge itself failed: nothing is known about the data
        return PluginError(
            f"pylibjpeg-rle failed with {said}; dcmcore's RLE decoder could not tell whether the data is at "
            f"fault ({type(other).__name__}: {other})"
        )
    if is_data_error:
        return ValueError(
            f"pylibjpeg-rle cannot decode this RLE frame ({said}), although dcmcore's built-in decoder can: "
            "a segment holds data after the run that completes it (beyond the one padding byte PS3.5 G.5 "
            "allows), which pylibjpeg-rle does not ignore. Decode it with decoding_plugin='dcmcore'"
        )
    return PluginError(f"pylibjpeg-rle failed on an RLE frame that dcmcore's decoder reads: {said}")


class PylibjpegRLEDecoder(_PylibjpegRLE):
    """Decode RLE Lossless frames with pylibjpeg-rle."""

    def decode(
        self, src: bytes | memoryview, spec: PixelSpec, *, out: np.ndarray | None = None, **options: Any
    ) -> tuple[np.ndarray, PixelSpec]:
        """Decode one frame (options are accepted and ignored: pylibjpeg-rle has none).

        Raises
        ------
        CorruptPixelDataError
            The header contradicts the image, or the data is corrupt (see the
            module's docstring).
        ValueError
            pylibjpeg-rle refuses a frame that dcmcore's own decoder reads.
        UnsupportedPixelDataError
            A layout pylibjpeg-rle does not decode.
        PluginError
            pylibjpeg-rle failed for a reason that is not the data.
        """
        from rle.utils import decode_frame

        nsegments = rle_segment_count(spec)
        _check_decodable(spec, nsegments)
        data = _check_header(frame_bytes(src), nsegments)
        pixels = spec.rows * spec.columns
        try:
            decoded = decode_frame(data, pixels, spec.bits_allocated, "<")
        except PASS_THROUGH_EXCEPTIONS:
            raise
        except BaseException as exc:  # pyo3's PanicException is a BaseException
            raise _failure(exc, data, spec) from exc
        expected = pixels * nsegments
        if not isinstance(decoded, (bytes, bytearray)) or len(decoded) != expected:
            got = f"{len(decoded)} bytes" if isinstance(decoded, (bytes, bytearray)) else type(decoded).__name__
            raise PluginError(
                f"pylibjpeg-rle returned {got}, {expected} bytes were expected for {spec.rows} x "
                f"{spec.columns} pixels of {spec.samples_per_pixel} sample(s) of {spec.bits_allocated} bits"
            )
        planes = np.frombuffer(decoded, spec.dtype.newbyteorder("<"))
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

        rle_segment_count(spec)
        frame = frame_array(src, spec)
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
