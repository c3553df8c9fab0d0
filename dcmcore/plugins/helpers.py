"""What dcmcore offers plugin authors besides the contract itself.

Every plugin meets the same chores: turning whatever buffer it is handed into
bytes, turning a frame to encode into one layout, checking an RLE header
before a library that trusts it, comparing a library's version. These are
dcmcore's own answers, the ones its codecs and the example plugins use; they
are part of the public plugin API (import them from :mod:`dcmcore.plugins`)
and follow its version (:data:`~dcmcore.plugins.PLUGIN_API`).

Examples
--------
>>> from dcmcore.plugins import frame_view, parse_rle_header, version_tuple
>>> frame_view(bytearray(b"ab")).tobytes()
b'ab'
>>> version_tuple("2.0.1rc1") >= (2, 0)
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dcmcore import rle as _rle
from dcmcore._arrays import readable_bytes
from dcmcore.spec import PixelSpec

__all__ = [
    "PASS_THROUGH_EXCEPTIONS",
    "frame_view",
    "frame_bytes",
    "frame_array",
    "rle_segment_count",
    "parse_rle_header",
    "check_rle_frame",
    "version_tuple",
]

#: Exceptions that are never a codec's failure: let them through untouched when a
#: plugin guards a library call with ``except BaseException`` (a Rust panic through
#: pyo3 is a ``BaseException``); the dispatcher does the same.
PASS_THROUGH_EXCEPTIONS = (KeyboardInterrupt, SystemExit, GeneratorExit)

#: The segment offsets of an RLE frame, validated (PS3.5 G.4); see :func:`dcmcore.rle.parse_header`.
parse_rle_header = _rle.parse_header
#: The number of segments of one RLE frame of a spec, or the reason RLE cannot hold it;
#: see :func:`dcmcore.rle.segment_count`.
rle_segment_count = _rle.segment_count


def frame_view(src: Any) -> memoryview:
    """One frame's bytes as a flat, C-contiguous memoryview of unsigned bytes, without a copy.

    Parameters
    ----------
    src : bytes, bytearray, memoryview or numpy.ndarray
        What ``decode`` was given (or any C-contiguous buffer).

    Raises
    ------
    TypeError
        If `src` is not a buffer.
    ValueError
        If it is not C-contiguous.
    """
    return readable_bytes(src)


def frame_bytes(src: Any) -> bytes:
    """One frame's bytes as ``bytes``, for libraries that accept nothing else (copied unless it is bytes)."""
    if src.__class__ is bytes:
        return src
    return readable_bytes(src).tobytes()


def frame_array(src: Any, spec: PixelSpec) -> np.ndarray:
    """A frame to encode as a C-contiguous array of ``spec.frame_shape``, samples interleaved.

    Parameters
    ----------
    src : numpy.ndarray or bytes-like
        What ``encode`` was given: an array of ``spec.frame_shape`` with
        integer samples of ``spec.itemsize`` bytes (either signedness, either
        byte order, any memory order), or one natively encoded frame (little
        endian, laid out as ``spec.planar_configuration`` says, one trailing
        padding byte allowed; a 1-D uint8 array counts as bytes).
    spec : PixelSpec

    Returns
    -------
    numpy.ndarray
        An array keeps its dtype (byte order included) and is copied only
        when it is not C-contiguous; bytes become a little endian array of
        ``spec.dtype``'s kind (a view when no reordering is needed).

    Raises
    ------
    ValueError
        If the shape, the dtype or the number of bytes does not fit `spec`.
    """
    if isinstance(src, np.ndarray) and not (src.ndim == 1 and src.dtype == np.uint8):
        if src.shape != spec.frame_shape:
            raise ValueError(f"The frame to encode has shape {src.shape}, the image needs {spec.frame_shape}")
        if src.dtype.kind not in "ui" or src.dtype.itemsize != spec.itemsize:
            raise ValueError(
                f"The frame to encode has dtype {src.dtype}, the image needs {spec.itemsize}-byte "
                f"integer samples (like {spec.dtype})"
            )
        return np.ascontiguousarray(src)
    buf = readable_bytes(src)
    need = spec.frame_nbytes
    if buf.nbytes not in (need, need + 1):
        raise ValueError(
            f"The frame to encode holds {buf.nbytes} bytes, but {spec.rows} x {spec.columns} pixels of "
            f"{spec.samples_per_pixel} sample(s) of {spec.bits_allocated} bits need {need}"
        )
    arr = np.frombuffer(buf[:need], spec.dtype.newbyteorder("<"))
    if spec.samples_per_pixel > 1 and spec.planar_configuration == 1:
        planes = arr.reshape(spec.samples_per_pixel, spec.rows, spec.columns)
        return np.ascontiguousarray(planes.transpose(1, 2, 0))
    return arr.reshape(spec.frame_shape)


def check_rle_frame(src: Any, spec: PixelSpec) -> None:
    """Check an RLE Lossless frame completely, with dcmcore's strict decoder (PS3.5 Annex G).

    The header (segment count, offsets) and every segment (each must decode
    to exactly *Rows* x *Columns* bytes, no run may overrun it) are checked.
    Use it before a library that returns partly filled frames for corrupt
    data, or to tell, after a library failed, whether the data is at fault.

    Raises
    ------
    CorruptPixelDataError
        Naming the segment, what was expected and what was found.
    UnsupportedPixelDataError, InvalidPixelSpecError
        As :func:`rle_segment_count`.
    """
    _rle.decode_frame(src, spec)


def version_tuple(text: str) -> tuple[int, ...]:
    """The leading numbers of a version string: ``"3.0.24"`` -> ``(3, 0, 24)``, ``"2.1rc1"`` -> ``(2, 1)``.

    Each dot-separated part contributes its leading digits; the first part
    without any ends the tuple (``"2.x.1"`` -> ``(2,)``). Compare the result
    with a tuple: ``version_tuple(lib.__version__) >= (2, 0)``.
    """
    numbers = []
    for part in str(text).strip().split("."):
        digits = len(part) - len(part.lstrip("0123456789"))
        if not digits:
            break
        numbers.append(int(part[:digits]))
    return tuple(numbers)
