"""Memory taken only for what the data can produce: checks made before an output is allocated.

A data set declares the size of its image ((0028,0010) *Rows*, (0028,0011)
*Columns*, (0028,0002) *Samples per Pixel*, (0028,0100) *Bits Allocated*,
(0028,0008) *Number of Frames*); a few kilobytes of encapsulated data may
claim gigabytes. Natively encoded data has its length checked against the
declaration (:func:`dcmcore._native_plan.check_native_length`). For
encapsulated data, before the output is allocated:

- every frame asked for must hold at least one byte;
- a syntax whose expansion is bounded may not declare more than its bytes can
  decode to: RLE Lossless at most 64 bytes per byte of segment data (a
  two-byte PackBits run gives 128 bytes, PS3.5 G.3.1), Encapsulated
  Uncompressed exactly its bytes, Deflated Image Frame Compression at most
  1032 (the most DEFLATE, RFC 1951, expands);
- the first frame asked for is shown to a plugin that can read a codestream's
  geometry without decoding (the optional ``frame_geometry`` capability): a
  declared frame larger than the codestream's is refused;
- the array must fit under :data:`dcmcore.config.max_array_bytes`, and an
  allocation the machine refuses is an :class:`~dcmcore.errors.ArrayTooLargeError`
  rather than a bare ``MemoryError``.

Each refusal names the declared size and what the data holds.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Sequence

import numpy as np

from dcmcore import rle
from dcmcore._arrays import new_array
from dcmcore.errors import CorruptPixelDataError, DcmcoreError
from dcmcore.spec import PixelSpec
from dcmcore.uids import DeflatedImageFrameCompression, EncapsulatedUncompressedExplicitVRLittleEndian, RLELossless

__all__ = ["allocate", "check_encapsulated_frames", "MAX_EXPANSION"]

LOGGER = logging.getLogger("dcmcore")

#: Syntax -> (most bytes decoded per encoded byte, encoded bytes that decode to nothing).
MAX_EXPANSION: dict[str, tuple[int, int]] = {
    RLELossless: (rle.MAX_EXPANSION, rle.RLE_HEADER_LENGTH),
    EncapsulatedUncompressedExplicitVRLittleEndian: (1, 0),
    DeflatedImageFrameCompression: (1032, 0),  # DEFLATE's largest ratio (RFC 1951 length/distance codes)
}

_DECLARATION = (
    "(0028,0010) 'Rows' {rows} x (0028,0011) 'Columns' {columns} x (0028,0002) 'Samples per Pixel' {spp}"
)


def _declared(spec: PixelSpec) -> str:
    return _DECLARATION.format(rows=spec.rows, columns=spec.columns, spp=spec.samples_per_pixel)


def allocate(shape: Sequence[int], dtype: Any, what: str = "the decoded pixel data") -> np.ndarray:
    """A new output array (see :func:`dcmcore._arrays.new_array`: the ceiling, and the machine's refusal)."""
    return new_array(tuple(int(d) for d in shape), np.dtype(dtype), what)


def check_encapsulated_frames(
    spec: PixelSpec,
    ranges: Sequence[Sequence[tuple[int, int]]],
    indices: Sequence[int],
    plugins: Sequence[Any],
    frame_bytes: Callable[[int], Any] | None,
) -> bool:
    """Refuse frames `indices` of encapsulated data that cannot decode to the declared frame.

    Returns True when the data was shown able to produce the declared frame
    (a syntax of bounded expansion, or a codestream geometry read), False
    when nothing could tell: the output's pages are then left for the
    decoder to touch as it writes.

    Parameters
    ----------
    spec : PixelSpec
    ranges : list of list of (offset, length)
        Each frame's fragments in the value.
    indices : sequence of int
        The frames about to be decoded.
    plugins : sequence
        The decoders of the syntax in dispatch order; the first with
        ``frame_geometry`` reads the first of `indices`.
    frame_bytes : callable or None
        ``frame_bytes(index)`` gives a frame's bytes; None skips the
        geometry check (done already).

    A plugin's ``frame_geometry`` that cannot read the header is not an error
    here (a decoder may be more lenient than a header reader); the frame then
    counts as not shown.

    Raises
    ------
    CorruptPixelDataError
        A frame with no bytes, fewer than its syntax needs for the declared
        frame, or a codestream geometry of fewer samples than declared.
    """
    need = spec.frame_nbytes  # the natively encoded frame: what each of these syntaxes decodes to, at least
    ratio, overhead = MAX_EXPANSION.get(str(spec.transfer_syntax_uid), (0, 0))
    for index in indices:
        have = sum(length for _, length in ranges[index])
        if have == 0:
            raise CorruptPixelDataError(
                f"Frame {index} of the encapsulated pixel data has no bytes (its fragments are empty), "
                f"but {_declared(spec)} declare {need} bytes"
            )
        if ratio and ratio * (have - overhead) < need:
            most = max(0, ratio * (have - overhead))
            raise CorruptPixelDataError(
                f"Frame {index} holds {have} bytes of {spec.transfer_syntax_uid.name} data, which decode to "
                f"at most {most} bytes, but {_declared(spec)} of {spec.bits_allocated} bits declare {need} bytes"
            )
    if ratio:
        return True
    if frame_bytes is None or not indices:
        return False
    reader = next((p for p in plugins if callable(getattr(p, "frame_geometry", None))), None)
    if reader is None:
        return False
    try:
        geometry = reader.frame_geometry(frame_bytes(indices[0]), spec)
        if geometry is None:
            return False
        rows, columns, components = (int(getattr(geometry, name)) for name in ("rows", "columns", "components"))
    except DcmcoreError as exc:
        LOGGER.debug("frame_geometry of %s could not read frame %d: %s", reader.label, indices[0], exc)
        return False
    if rows <= 0:  # a JPEG whose number of lines comes later (DNL segment): not known here
        return False
    if rows * columns * components < spec.frame_pixels * spec.samples_per_pixel:
        raise CorruptPixelDataError(
            f"Frame {indices[0]}'s codestream holds {rows} x {columns} pixels of {components} component(s) "
            f"({rows * columns * components} samples), but {_declared(spec)} declare "
            f"{spec.frame_pixels * spec.samples_per_pixel} samples: the data cannot produce the declared image"
        )
    return True
