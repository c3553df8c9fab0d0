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

from dcmcore import PixelSpec
from dcmcore.errors import CorruptPixelDataError, UnsupportedPixelDataError
from dcmcore.plugins import frame_array, parse_rle_header, rle_segment_count

__all__ = ["encode_rle"]


def _check(spec: PixelSpec) -> int:
    """The number of RLE segments of a frame of `spec`, or why GDCM is not used to encode it."""
    if spec.bits_allocated not in (8, 16, 32):
        raise UnsupportedPixelDataError(
            f"GDCM encodes RLE Lossless samples of 8, 16 or 32 bits, not a (0028,0100) 'Bits Allocated' of "
            f"{spec.bits_allocated}"
        )
    nsegments = rle_segment_count(spec)
    if spec.bits_allocated == 8 and spec.frame_pixels % 2:
        raise UnsupportedPixelDataError(
            f"GDCM's RLE encoder fails on 8-bit frames with an odd number of pixels ({spec.rows} x "
            f"{spec.columns}): it writes invalid segments or aborts"
        )
    return nsegments


def encode_rle(src: Any, spec: PixelSpec) -> bytes:
    """Encode one frame as RLE Lossless with GDCM; the result is checked to hold the right segments."""
    import gdcm

    nsegments = _check(spec)
    frame = frame_array(src, spec)  # samples interleaved, as GDCM is told below
    data = frame.astype(frame.dtype.newbyteorder("<"), copy=False).tobytes()

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
        parse_rle_header(encoded, nsegments)
    except CorruptPixelDataError as exc:  # GDCM's fault, not the data's: let the next encoder try
        raise RuntimeError(f"GDCM wrote an invalid RLE frame: {exc}") from None
    return encoded
