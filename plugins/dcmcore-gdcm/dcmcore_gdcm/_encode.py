"""RLE Lossless encoding of one frame with GDCM (``gdcm.ImageChangeTransferSyntax``).

GDCM's RLE encoder is used only where its output was found right: samples of
16 or 32 bits, and 8-bit samples when the frame has an even number of pixels.
On 8-bit frames with an odd number of pixels it either writes segments that
decode to more bytes than the image has, or aborts the process on an internal
assertion, so those are refused here (the dispatcher then uses the next
encoder). 64-bit samples abort it too.

The image handed to GDCM is owned by a ``gdcm.ImageWriter`` (a GDCM smart
pointer): an image created as ``gdcm.Image()`` from Python and passed to
``ImageChangeTransferSyntax.SetInput`` can be freed twice, which aborts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dcmcore.errors import CorruptPixelDataError, InvalidPixelSpecError, UnsupportedPixelDataError
from dcmcore.spec import PixelSpec

__all__ = ["encode_rle", "frame_bytes"]

_MAX_SEGMENTS = 15


def frame_bytes(src: Any, spec: PixelSpec) -> bytes:
    """One frame as little endian bytes with the samples interleaved.

    Parameters
    ----------
    src : numpy.ndarray or bytes-like
        An array of ``spec.frame_shape`` with integer samples of
        ``spec.itemsize`` bytes (any byte order, signed or unsigned), or one
        natively encoded frame (little endian, laid out as
        ``spec.planar_configuration`` says; one trailing padding byte allowed).
    spec : PixelSpec
    """
    if isinstance(src, np.ndarray) and not (src.ndim == 1 and src.dtype == np.uint8):
        if src.shape != spec.frame_shape:
            raise ValueError(f"The frame to encode has shape {src.shape}, the image needs {spec.frame_shape}")
        if src.dtype.kind not in "ui" or src.dtype.itemsize != spec.itemsize:
            raise ValueError(
                f"The frame to encode has dtype {src.dtype}, the image needs {spec.itemsize}-byte "
                f"integer samples (like {spec.dtype})"
            )
        return np.ascontiguousarray(src, dtype=src.dtype.newbyteorder("<")).tobytes()
    buf = memoryview(src).cast("B")
    need = spec.frame_nbytes
    if buf.nbytes not in (need, need + 1):
        raise ValueError(
            f"The frame to encode holds {buf.nbytes} bytes, but {spec.rows} x {spec.columns} pixels of "
            f"{spec.samples_per_pixel} sample(s) of {spec.bits_allocated} bits need {need}"
        )
    if spec.samples_per_pixel > 1 and spec.planar_configuration == 1:
        planes = np.frombuffer(buf[:need], np.dtype(f"<u{spec.itemsize}"))
        return planes.reshape(spec.samples_per_pixel, spec.rows, spec.columns).transpose(1, 2, 0).tobytes()
    return bytes(buf[:need])


def _check(spec: PixelSpec) -> int:
    if spec.bits_allocated not in (8, 16, 32):
        raise UnsupportedPixelDataError(
            f"GDCM encodes RLE Lossless samples of 8, 16 or 32 bits, not a (0028,0100) 'Bits Allocated' of "
            f"{spec.bits_allocated}"
        )
    nsegments = spec.samples_per_pixel * spec.itemsize
    if nsegments > _MAX_SEGMENTS:
        raise InvalidPixelSpecError(
            f"RLE Lossless cannot hold {spec.samples_per_pixel} samples of {spec.bits_allocated} bits: they "
            f"need {nsegments} segments, a frame has at most {_MAX_SEGMENTS} (PS3.5 G.4)"
        )
    if spec.bits_allocated == 8 and spec.frame_pixels % 2:
        raise UnsupportedPixelDataError(
            f"GDCM's RLE encoder fails on 8-bit frames with an odd number of pixels ({spec.rows} x "
            f"{spec.columns}): it writes invalid segments or aborts"
        )
    return nsegments


def encode_rle(src: Any, spec: PixelSpec) -> bytes:
    """Encode one frame as RLE Lossless with GDCM; the result is checked to hold the right segments."""
    import gdcm

    from dcmcore.rle import parse_header

    nsegments = _check(spec)
    data = frame_bytes(src, spec)

    writer = gdcm.ImageWriter()  # owns the image while GDCM holds a smart pointer to it
    image = writer.GetImage()
    image.SetNumberOfDimensions(2)
    image.SetDimensions((spec.columns, spec.rows, 1))
    kind = gdcm.PhotometricInterpretation.GetPIType(spec.photometric_interpretation)
    if kind == gdcm.PhotometricInterpretation.UNKNOWN:
        raise UnsupportedPixelDataError(
            f"GDCM does not know the (0028,0004) 'Photometric Interpretation' {spec.photometric_interpretation!r}"
        )
    image.SetPhotometricInterpretation(gdcm.PhotometricInterpretation(kind))
    image.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.ExplicitVRLittleEndian))
    image.SetPixelFormat(
        gdcm.PixelFormat(spec.samples_per_pixel, spec.bits_allocated, spec.bits_allocated, spec.bits_allocated - 1, 0)
    )
    if spec.samples_per_pixel > 1:
        image.SetPlanarConfiguration(0)
    pixel_data = gdcm.DataElement(gdcm.Tag(0x7FE0, 0x0010))
    pixel_data.SetByteStringValue(data)
    image.SetDataElement(pixel_data)

    change = gdcm.ImageChangeTransferSyntax()
    change.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.RLELossless))
    change.SetInput(image)
    if not change.Change():
        raise RuntimeError(f"GDCM could not RLE-encode the {spec.rows} x {spec.columns} frame")
    fragments = change.GetOutput().GetDataElement().GetSequenceOfFragments()
    if fragments is None or fragments.GetNumberOfFragments() != 1:
        raise RuntimeError("GDCM's RLE encoder did not return one fragment for the frame")
    encoded = fragments.GetFragment(0).GetByteValue().GetBuffer().encode("utf-8", "surrogateescape")
    try:
        parse_header(encoded, nsegments)
    except CorruptPixelDataError as exc:  # GDCM's fault, not the data's: let the next encoder try
        raise RuntimeError(f"GDCM wrote an invalid RLE frame: {exc}") from None
    return encoded
