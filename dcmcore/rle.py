"""RLE Lossless (DICOM PS3.5 Annex G): decode and encode one frame.

An RLE frame (the data of one frame of an encapsulated *Pixel Data* element
with the transfer syntax 1.2.840.10008.1.2.5) is a 64-byte header followed by
1 to 15 segments. The header holds the number of segments and the offset of
each from the start of the frame, as little endian 32-bit integers. Each
segment holds one byte of one sample of every pixel, rows one after the
other: for *Samples per Pixel* ``s`` and *Bits Allocated* ``8 * b`` there are
``s * b`` segments, sample by sample and, within a sample, most significant
byte first (PS3.5 G.2). A segment is a PackBits stream (PS3.5 G.3).

:func:`decode_frame` validates the header against the :class:`~dcmcore.spec.PixelSpec`
before a Cython kernel decodes all segments in one pass, assembling the
samples directly into the output array; :func:`encode_frame` is the reverse.
Both release the GIL while they work, so frames can be decoded or encoded on
several threads at once.

What is accepted
----------------
Decoding is strict about everything that would make the array wrong, and
lenient only about padding:

- every segment must decode to exactly *Rows* x *Columns* bytes: one that
  ends early, a literal run that reads past the end of its segment and a run
  that would write past the segment's decoded length all raise
  :class:`~dcmcore.errors.CorruptPixelDataError`;
- bytes after the run that completes a segment are ignored. PS3.5 G.5 pads
  odd-length segments with one byte, and real files do so; pydicom,
  pylibjpeg-rle and GDCM all ignore such trailing bytes too (pydicom warns
  when they would decode to more data). Unlike pydicom and pylibjpeg-rle,
  which cut an overlong run short, a run that crosses the end of the segment
  is an error here, as it is for GDCM;
- header offsets beyond the 15 slots' used ones are not checked (PS3.5 G.4
  asks for zeros, and readers ignore them).

The decoded values are the stored bit patterns: bits above *Bits Stored* are
not masked or sign-extended here (that is done afterwards, for every transfer
syntax alike). *Bits Allocated* 1 is not supported: PS3.5 Annex G describes
segments of whole bytes, pydicom does not decode 1-bit RLE, and the tools
that do disagree on its layout.
"""

from __future__ import annotations

import struct
import sys
from typing import Any

import numpy as np

from dcmcore._kernels import rle_decode as _rle_decode
from dcmcore._kernels import rle_encode as _rle_encode
from dcmcore._kernels import status as _status
from dcmcore._arrays import byte_view, output_array, readable_bytes
from dcmcore.errors import CorruptPixelDataError, InvalidPixelSpecError, UnsupportedPixelDataError
from dcmcore.spec import PixelSpec

__all__ = [
    "decode_frame",
    "encode_frame",
    "parse_header",
    "segment_count",
    "decode_segment",
    "RLE_HEADER_LENGTH",
    "MAX_SEGMENTS",
    "MAX_EXPANSION",
]

#: Bytes of the RLE header (PS3.5 G.4): the segment count and 15 offsets.
RLE_HEADER_LENGTH = 64
#: Most segments one RLE frame can hold (PS3.5 G.4).
MAX_SEGMENTS = 15
#: Most bytes one byte of a segment decodes to: a two-byte run gives 128 (PS3.5 G.3.1).
MAX_EXPANSION = 64

_HOST_BIG_ENDIAN = sys.byteorder == "big"
_HEADER = struct.Struct("<16L")


# -- header -------------------------------------------------------------------
def parse_header(src: Any, nsegments: int | None = None) -> list[int]:
    """Return the segment offsets of an RLE frame, validated against the frame.

    Parameters
    ----------
    src : bytes-like
        One RLE frame: the 64-byte header followed by the segments.
    nsegments : int, optional
        The number of segments the frame must have (``samples * bytes per
        sample``); not checked when None.

    Returns
    -------
    list of int
        The offset of each segment from the start of the frame. Segment ``k``
        spans ``offsets[k]`` to ``offsets[k + 1]`` (the end of the frame for the
        last one).

    Raises
    ------
    CorruptPixelDataError
        If the frame is shorter than its header, the header gives a segment
        count outside 1 to 15 (or not `nsegments`), the first offset is not 64,
        or the offsets do not increase or point beyond the frame.
    """
    return _parse_header(readable_bytes(src), nsegments)


def _parse_header(buf: memoryview, nsegments: int | None) -> list[int]:
    size = buf.nbytes
    if size < RLE_HEADER_LENGTH:
        raise CorruptPixelDataError(
            f"The RLE frame holds {size} bytes, fewer than the {RLE_HEADER_LENGTH} bytes of its "
            "header (PS3.5 G.4): the frame is truncated"
        )
    words = _HEADER.unpack_from(buf)
    count = words[0]
    if not 1 <= count <= MAX_SEGMENTS:
        raise CorruptPixelDataError(
            f"The RLE header gives {count} segments: a frame has 1 to {MAX_SEGMENTS} (PS3.5 G.4)"
        )
    if nsegments is not None and count != nsegments:
        raise CorruptPixelDataError(
            f"The RLE header gives {count} segment{'s' if count != 1 else ''}, but the image needs "
            f"{nsegments} (one per byte of each sample, PS3.5 G.2)"
        )
    offsets = list(words[1 : count + 1])
    if offsets[0] != RLE_HEADER_LENGTH:
        raise CorruptPixelDataError(
            f"The RLE header gives segment 1 the offset {offsets[0]}: it must be "
            f"{RLE_HEADER_LENGTH}, just after the header (PS3.5 G.4)"
        )
    previous = offsets[0]
    for k in range(1, count):
        offset = offsets[k]
        if offset <= previous:
            raise CorruptPixelDataError(
                f"The RLE header gives segment {k + 1} the offset {offset}, not greater than the "
                f"offset {previous} of segment {k}: segment offsets must increase"
            )
        previous = offset
    if previous >= size:
        raise CorruptPixelDataError(
            f"The RLE header gives segment {count} the offset {previous}, at or beyond the end of "
            f"the {size}-byte frame: the frame is truncated or its header is corrupt"
        )
    return offsets


# -- decoding -----------------------------------------------------------------
def segment_count(spec: PixelSpec) -> int:
    """Return the number of segments one RLE frame of `spec` has (PS3.5 G.2).

    One segment per byte of each sample: *Samples per Pixel* x *Bits
    Allocated* / 8.

    Raises
    ------
    TypeError
        If `spec` is not a :class:`~dcmcore.spec.PixelSpec`.
    UnsupportedPixelDataError
        For *Bits Allocated* 1.
    InvalidPixelSpecError
        If the samples need more than 15 segments.
    """
    if not isinstance(spec, PixelSpec):
        raise TypeError(f"'spec' must be a dcmcore.PixelSpec, not {type(spec).__name__}")
    if spec.bits_allocated == 1:
        raise UnsupportedPixelDataError(
            "RLE Lossless with a (0028,0100) 'Bits Allocated' value of 1 is not supported "
            "(PS3.5 Annex G defines segments of whole bytes; pydicom does not decode it either)"
        )
    nseg = spec.samples_per_pixel * spec.itemsize
    if nseg > MAX_SEGMENTS:
        raise InvalidPixelSpecError(
            f"RLE Lossless cannot hold {spec.samples_per_pixel} samples of {spec.bits_allocated} bits: "
            f"they need {nseg} segments, an RLE frame has at most {MAX_SEGMENTS} (PS3.5 G.4)"
        )
    return nseg


def _segment_name(k: int, nseg: int, spec: PixelSpec) -> str:
    nb = spec.itemsize
    sample, byte = divmod(k, nb)
    what = f"sample {sample + 1}" if spec.samples_per_pixel > 1 or nb == 1 else ""
    if nb > 1:
        order = "most significant" if byte == 0 else ("least significant" if byte == nb - 1 else "")
        part = f"byte {byte + 1} of {nb}" + (f", the {order}" if order else "")
        what = f"{what}, {part}" if what else part
    return f"RLE segment {k + 1} of {nseg} ({what})"


def _raise_decode_error(failure: tuple, name: str, seg: memoryview, expected: int, geometry: str) -> None:
    """Raise the exception for a kernel `failure` (status, segment, position, run, decoded, available)."""
    rc, _, pos, run, decoded, avail = failure
    length = seg.nbytes
    msg = None
    if rc == _status.ST_SHORT:
        msg = (
            f"{name} decodes to {decoded} bytes, but must decode to {expected}{geometry}: "
            f"its {length} bytes end before the image does (truncated or corrupt data)"
        )
    elif rc == _status.ST_LITERAL_TRUNCATED:
        msg = (
            f"{name}: the literal run at byte {pos} of the {length}-byte segment needs {run} bytes, "
            f"but only {avail} remain; {decoded} of the {expected} bytes{geometry} were decoded: "
            "the segment is truncated or corrupt"
        )
    elif rc == _status.ST_REPLICATE_TRUNCATED:
        msg = (
            f"{name}: the replicate run at byte {pos} of the {length}-byte segment has no byte to "
            f"repeat, the segment ends there; {decoded} of the {expected} bytes{geometry} were "
            "decoded: the segment is truncated or corrupt"
        )
    elif rc == _status.ST_OVERLONG:
        kind = "literal" if seg[pos] < 128 else "replicate"
        msg = (
            f"{name}: the {kind} run at byte {pos} of the segment decodes to {run} bytes, but only "
            f"{expected - decoded} of the {expected} bytes the segment must decode to{geometry} "
            "remain: the run overruns the segment (corrupt data, or the image is not that size)"
        )
    # ST_NO_MEMORY, and ST_BAD_GEOMETRY (the wrapper validates what the kernel checks)
    _status.check_status(rc, "" if msg else "RLE decoding", msg)


def decode_frame(
    src: Any, spec: PixelSpec, *, out: np.ndarray | None = None, correct_unused_bits: bool = False
) -> np.ndarray:
    """Decode one RLE Lossless frame to an array of stored values.

    Parameters
    ----------
    src : bytes-like
        The frame's RLE data: the 64-byte header and its segments, as held by
        the fragment(s) of one frame of encapsulated *Pixel Data*.
    spec : PixelSpec
        The image description (*Rows*, *Columns*, *Samples per Pixel*,
        *Bits Allocated*, *Pixel Representation*).
    out : numpy.ndarray, optional
        Receives the frame: C-contiguous, writeable, of ``spec.frame_shape``
        (or ``(1, *spec.frame_shape)``) and ``spec.dtype``. Allocated when None.
    correct_unused_bits : bool, optional
        If True, clear the bits above *Bits Stored* (unsigned) or set them
        from the sign bit (signed) while assembling the samples, as
        :func:`dcmcore.pixel_array` does by default; if False (default), the
        samples are the stored bit patterns.

    Returns
    -------
    numpy.ndarray
        `out` (or a new array) of shape ``(rows, columns)`` or
        ``(rows, columns, samples)`` with the samples interleaved, in
        ``spec.dtype`` (native byte order): the stored bit patterns, or
        with `correct_unused_bits` the values.

    Raises
    ------
    CorruptPixelDataError
        (a ``ValueError``) if the header or a segment is malformed, naming
        the segment, what was expected and what was found.
    UnsupportedPixelDataError
        For *Bits Allocated* 1.
    InvalidPixelSpecError
        If the samples need more than 15 segments.

    Examples
    --------
    >>> import numpy as np
    >>> from dcmcore import PixelSpec
    >>> spec = PixelSpec(rows=2, columns=3, samples_per_pixel=1, bits_allocated=8,
    ...                  bits_stored=8, pixel_representation=0,
    ...                  photometric_interpretation="MONOCHROME2")
    >>> header = np.array([1, 64] + [0] * 14, "<u4").tobytes()
    >>> decode_frame(header + bytes([0xFE, 7, 2, 1, 2, 3]), spec)
    array([[7, 7, 7],
           [1, 2, 3]], dtype=uint8)
    """
    nseg = segment_count(spec)
    buf = readable_bytes(src)
    offsets = _parse_header(buf, nseg)
    npix = spec.rows * spec.columns
    _check_expansion(buf, offsets, npix, spec)
    out = output_array(out, spec.frame_shape, spec.dtype)
    bits = spec.bits_stored if correct_unused_bits else 0
    failure = _rle_decode.decode_frame(
        buf, npix, spec.samples_per_pixel, nseg // spec.samples_per_pixel, out, bits, spec.pixel_representation == 1
    )
    if failure is not None:
        k = failure[1]
        end = offsets[k + 1] if k + 1 < nseg else buf.nbytes
        geometry = f" (Rows {spec.rows} x Columns {spec.columns})"
        _raise_decode_error(failure, _segment_name(k, nseg, spec), buf[offsets[k] : end], npix, geometry)
    return out


def _check_expansion(buf: memoryview, offsets: list[int], npix: int, spec: PixelSpec) -> None:
    """Refuse segments too short to decode to `npix` bytes, before the output is allocated."""
    ends = [*offsets[1:], buf.nbytes]
    for k, (start, end) in enumerate(zip(offsets, ends)):
        if MAX_EXPANSION * (end - start) < npix:
            raise CorruptPixelDataError(
                f"{_segment_name(k, len(offsets), spec)} holds {end - start} bytes, which decode to at "
                f"most {MAX_EXPANSION * (end - start)} bytes (PS3.5 G.3.1), but (0028,0010) 'Rows' {spec.rows} x "
                f"(0028,0011) 'Columns' {spec.columns} need {npix}"
            )


def decode_segment(src: Any, length: int, *, out: np.ndarray | None = None) -> np.ndarray:
    """Decode one PackBits segment (PS3.5 G.3) to exactly `length` bytes.

    Parameters
    ----------
    src : bytes-like
        The segment's bytes (without the frame header).
    length : int
        The bytes the segment must decode to (*Rows* x *Columns*).
    out : numpy.ndarray, optional
        A C-contiguous, writeable uint8 array of shape ``(length,)``.

    Returns
    -------
    numpy.ndarray
        uint8 array of `length` bytes.

    Raises
    ------
    CorruptPixelDataError
        If the segment is empty, decodes to fewer bytes, has a run that
        overruns `length`, or a literal run that reads past its end.
    """
    length = int(length)
    if length < 1:
        raise ValueError(f"'length' must be at least 1, not {length}")
    buf = readable_bytes(src)
    if buf.nbytes == 0:
        raise CorruptPixelDataError(f"The RLE segment is empty, it must decode to {length} bytes")
    if MAX_EXPANSION * buf.nbytes < length:
        raise CorruptPixelDataError(
            f"The RLE segment holds {buf.nbytes} bytes, which decode to at most {MAX_EXPANSION * buf.nbytes} "
            f"bytes (PS3.5 G.3.1), not the {length} asked for"
        )
    out = output_array(out, (length,), np.dtype(np.uint8))
    failure = _rle_decode.decode_segment(buf, out.reshape(-1))
    if failure is not None:
        _raise_decode_error(failure, "RLE segment", buf, length, "")
    return out


# -- encoding -----------------------------------------------------------------
def _frame_layout(src: Any, spec: PixelSpec) -> tuple[Any, bool, bool]:
    """Return (byte buffer, planar, swap) for the kernel; validate `src` against `spec`."""
    nbytes = spec.frame_pixels * spec.samples_per_pixel * spec.itemsize
    if isinstance(src, np.ndarray) and not (src.ndim == 1 and src.dtype == np.uint8):
        shape = spec.frame_shape
        if src.shape != shape:
            raise ValueError(f"The array to encode has shape {src.shape}, the image needs {shape}")
        want = "f" if spec.is_float else ("i" if spec.pixel_representation else "u")
        kinds = {"u": "unsigned integer", "i": "signed integer", "f": "floating point"}
        if src.dtype.kind != want or src.dtype.itemsize != spec.itemsize:
            raise ValueError(
                f"The array to encode has dtype {src.dtype}, the image needs {spec.itemsize}-byte "
                f"{kinds[want]} samples (like {spec.dtype}); use .view() or .astype() to convert"
            )
        swap = not src.dtype.isnative
        if spec.samples_per_pixel > 1 and not src.flags.c_contiguous:
            planar_view = src.transpose(2, 0, 1)
            if planar_view.flags.c_contiguous:
                return byte_view(planar_view), True, swap
        return byte_view(np.ascontiguousarray(src)), False, swap
    buf = readable_bytes(src)
    if buf.nbytes != nbytes and buf.nbytes != nbytes + 1:
        raise ValueError(
            f"The frame to encode holds {buf.nbytes} bytes, but {spec.rows} x {spec.columns} pixels "
            f"of {spec.samples_per_pixel} sample(s) of {spec.bits_allocated} bits need {nbytes}"
        )
    if buf.nbytes != nbytes:
        buf = buf[:nbytes]
    planar = spec.samples_per_pixel > 1 and spec.planar_configuration == 1
    return buf, planar, _HOST_BIG_ENDIAN


def encode_frame(src: Any, spec: PixelSpec) -> bytes:
    """Encode one frame as RLE Lossless (PS3.5 G.3-G.5).

    Parameters
    ----------
    src : numpy.ndarray or bytes-like
        Either the frame as an array of ``spec.frame_shape`` (samples
        interleaved on the last axis; any memory order and either byte order;
        a dtype of ``spec.itemsize`` bytes and the kind of ``spec.dtype``), or
        the bytes of one natively encoded frame: little endian, samples laid
        out as ``spec.planar_configuration`` says (a 1-D uint8 array counts
        as bytes). One trailing padding byte is allowed.
    spec : PixelSpec
        The image description.

    Returns
    -------
    bytes
        The RLE frame: the 64-byte header and ``samples * bytes per sample``
        segments, each padded to an even length, so the frame's length is even.

    Notes
    -----
    Each row of each byte plane is encoded on its own: no run crosses a row
    (PS3.5 G.3.1). Three or more equal bytes make a replicate run; two make one
    only where no literal run is open (elsewhere they join the literal run,
    which is never longer); runs are at most 128 bytes.

    Raises
    ------
    ValueError
        If `src` does not match `spec`.
    UnsupportedPixelDataError
        For *Bits Allocated* 1.
    InvalidPixelSpecError
        If the samples need more than 15 segments.
    """
    segment_count(spec)
    buf, planar, swap = _frame_layout(src, spec)
    return _rle_encode.encode_frame(
        buf, spec.rows, spec.columns, spec.samples_per_pixel, spec.itemsize, planar, swap
    )
