"""What the write path records about lossy compression (PS3.3 C.7.6.1.1.5) and colour after coding."""

from __future__ import annotations

from pydicom import uid

from dcmcore.uids import JPEGXL, JPEGXLJPEGRecompression

__all__ = ["LOSSY_METHOD", "is_lossy", "ratio_text"]

#: Lossy syntaxes and their (0028,2114) Lossy Image Compression Method (PS3.3 C.7.6.1.1.5.1).
LOSSY_METHOD = {
    uid.JPEGBaseline8Bit: "ISO_10918_1",
    uid.JPEGExtended12Bit: "ISO_10918_1",
    uid.JPEGLSNearLossless: "ISO_14495_1",
    uid.JPEG2000: "ISO_15444_1",
    uid.HTJ2K: "ISO_15444_15",
    JPEGXL: "ISO_18181_1",
    JPEGXLJPEGRecompression: "ISO_18181_1",
}


def is_lossy(transfer_syntax_uid: str) -> bool:
    """Whether compressing to `transfer_syntax_uid` may lose information."""
    return str(transfer_syntax_uid) in LOSSY_METHOD


def ratio_text(ratio: float) -> str:
    """A compression ratio as a Decimal String value (at most 16 characters)."""
    text = f"{ratio:.6g}"
    return text if len(text) <= 16 else f"{ratio:.8e}"[:16]
