"""The UIDs dcmcore uses, grouped by what they mean for the pixel data.

Every Transfer Syntax UID is pydicom's own constant (``pydicom.uid``); the
two syntaxes some pydicom releases lack, and the well-known Color Palette
SOP Instance UIDs (PS3.6 Annex A), are defined here, the only module of
dcmcore that spells a UID out.
"""

from __future__ import annotations

from pydicom import uid as _pydicom_uid
from pydicom.uid import (
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    RLELossless,
)

__all__ = [
    "ImplicitVRLittleEndian",
    "ExplicitVRLittleEndian",
    "DeflatedExplicitVRLittleEndian",
    "ExplicitVRBigEndian",
    "RLELossless",
    "EncapsulatedUncompressedExplicitVRLittleEndian",
    "DeflatedImageFrameCompression",
    "JPEGXLLossless",
    "JPEGXLJPEGRecompression",
    "JPEGXL",
    "LabelMapSegmentationStorage",
    "JPEG_FAMILY_TRANSFER_SYNTAXES",
    "JPEG_2000_FAMILY_TRANSFER_SYNTAXES",
    "JPEG_XL_TRANSFER_SYNTAXES",
    "NATIVE_TRANSFER_SYNTAXES",
    "BIG_ENDIAN_TRANSFER_SYNTAXES",
    "WELL_KNOWN_COLOR_PALETTES",
    "name_of",
]

#: Encapsulated Uncompressed Explicit VR Little Endian (PS3.5 A.4.11), when pydicom has no constant for it.
EncapsulatedUncompressedExplicitVRLittleEndian = getattr(
    _pydicom_uid, "EncapsulatedUncompressedExplicitVRLittleEndian", UID("1.2.840.10008.1.2.1.98")
)
#: Deflated Image Frame Compression (PS3.5 A.4.12), when pydicom has no constant for it.
DeflatedImageFrameCompression = getattr(_pydicom_uid, "DeflatedImageFrameCompression", UID("1.2.840.10008.1.2.8.1"))

#: JPEG XL Lossless (PS3.5 A.4.13), when pydicom has no constant for it.
JPEGXLLossless = getattr(_pydicom_uid, "JPEGXLLossless", UID("1.2.840.10008.1.2.4.110"))
#: JPEG XL JPEG Recompression (PS3.5 A.4.13), when pydicom has no constant for it.
JPEGXLJPEGRecompression = getattr(_pydicom_uid, "JPEGXLJPEGRecompression", UID("1.2.840.10008.1.2.4.111"))
#: JPEG XL (PS3.5 A.4.13), when pydicom has no constant for it.
JPEGXL = getattr(_pydicom_uid, "JPEGXL", UID("1.2.840.10008.1.2.4.112"))

#: Label Map Segmentation Storage (a SOP Class, PS3.4 B.5), when pydicom has no constant for it.
LabelMapSegmentationStorage = getattr(_pydicom_uid, "LabelMapSegmentationStorage", UID("1.2.840.10008.5.1.4.1.1.66.7"))

#: Syntaxes whose frames are JPEG (ISO/IEC 10918-1) or JPEG-LS (ISO/IEC 14495-1) codestreams.
JPEG_FAMILY_TRANSFER_SYNTAXES = frozenset(_pydicom_uid.JPEGTransferSyntaxes) | frozenset(_pydicom_uid.JPEGLSTransferSyntaxes)
#: Syntaxes whose frames are JPEG 2000 or HTJ2K codestreams (ISO/IEC 15444-1, -2, -15).
JPEG_2000_FAMILY_TRANSFER_SYNTAXES = frozenset(_pydicom_uid.JPEG2000TransferSyntaxes)
#: Syntaxes whose frames are JPEG XL codestreams (ISO/IEC 18181-1).
JPEG_XL_TRANSFER_SYNTAXES = frozenset({JPEGXLLossless, JPEGXLJPEGRecompression, JPEGXL})

#: Syntaxes whose Pixel Data is stored natively (not encapsulated).
NATIVE_TRANSFER_SYNTAXES = frozenset(
    {
        ImplicitVRLittleEndian,
        ExplicitVRLittleEndian,
        DeflatedExplicitVRLittleEndian,
        ExplicitVRBigEndian,
    }
)

#: Native syntaxes whose multi-byte samples are stored big endian.
BIG_ENDIAN_TRANSFER_SYNTAXES = frozenset({ExplicitVRBigEndian})

#: The well-known Color Palettes (PS3.6 Annex A, PS3.3 C.7.9): name -> SOP Instance UID.
WELL_KNOWN_COLOR_PALETTES = {
    "HOT_IRON": UID("1.2.840.10008.1.5.1"),
    "PET": UID("1.2.840.10008.1.5.2"),
    "HOT_METAL_BLUE": UID("1.2.840.10008.1.5.3"),
    "PET_20_STEP": UID("1.2.840.10008.1.5.4"),
    "SPRING": UID("1.2.840.10008.1.5.5"),
    "SUMMER": UID("1.2.840.10008.1.5.6"),
    "FALL": UID("1.2.840.10008.1.5.7"),
    "WINTER": UID("1.2.840.10008.1.5.8"),
}

#: Names of syntaxes newer than some pydicom releases.
_NAMES = {
    DeflatedImageFrameCompression: "Deflated Image Frame Compression",
    EncapsulatedUncompressedExplicitVRLittleEndian: "Encapsulated Uncompressed Explicit VR Little Endian",
    JPEGXLLossless: "JPEG XL Lossless",
    JPEGXLJPEGRecompression: "JPEG XL JPEG Recompression",
    JPEGXL: "JPEG XL",
}


def name_of(uid: str) -> str:
    """Return ``"<name> (<uid>)"``, or the bare UID when the name is unknown."""
    name = _NAMES.get(str(uid)) or UID(uid).name
    return f"{name} ({uid})" if name and name != uid else str(uid)
