"""Frames refused before GDCM sees them: those on which GDCM ends the process or never returns.

GDCM's codecs trust what they read. Each check here names a condition found
by fuzzing the plugin (``fuzz/targets/plugin_gdcm.py``) and confirmed on
python-gdcm 3.2: the refusal is :class:`~dcmcore.errors.UnsupportedPixelDataError`
where the frame may still be valid, so that the dispatcher tries the next
plugin, and :class:`~dcmcore.errors.CorruptPixelDataError` where the
standard forbids it.
"""

from __future__ import annotations

from typing import Any

from dcmcore.errors import CorruptPixelDataError, UnsupportedPixelDataError
from dcmcore.plugins.codestream import CodestreamInfo
from dcmcore.plugins.helpers import frame_view
from dcmcore.plugins.jpeg_scans import segments_after_scan
from dcmcore.plugins.jpegls import check_scan_parameters, read_near, read_presets

__all__ = ["check_libjpeg_warnings", "check_jpeg_precision", "check_jpeg_tail", "check_jpeg_ls_scans"]

#: SOF markers of the lossless processes (ISO/IEC 10918-1 B.1.1.3): SOF3, SOF7, SOF11, SOF15.
_LOSSLESS_SOF = frozenset({0xC3, 0xC7, 0xCB, 0xCF})
_SOS, _LSE = 0xDA, 0xF8


def check_libjpeg_warnings(info: CodestreamInfo) -> None:
    """Refuse the JPEG headers that make libjpeg warn: GDCM then aborts the process.

    GDCM's JPEG codec (``gdcmJPEGBITSCodec.hxx``) treats any warning that
    libjpeg gives while it reads the header (``jpeg_read_header``) as an
    impossible case and throws a C++ exception that nothing catches
    ("An invalid logic behavior occurred"): the process ends. Besides bytes
    that are not markers between the segments (refused by
    :func:`~dcmcore.plugins.codestream.parse_jpeg`), libjpeg warns about a JFIF
    major version other than 1, and, for three components without JFIF, an
    Adobe colour transform other than 0 or 1.
    """
    for major, minor in info.jfif_versions:
        if major != 1:
            raise UnsupportedPixelDataError(
                f"The JPEG frame's JFIF segment has the version {major}.{minor:02d}, and only major version 1 "
                "exists: libjpeg warns about it and GDCM aborts the process on that warning, so the frame is "
                "not given to GDCM"
            )
    transforms = info.adobe_transforms
    if info.components == 3 and not info.jfif_versions and transforms and transforms[-1] not in (0, 1):
        raise UnsupportedPixelDataError(
            f"The JPEG frame's Adobe segment gives the unknown colour transform {transforms[-1]} for three "
            "components (0: none, 1: YCbCr): libjpeg warns about it and GDCM aborts the process on that "
            "warning, so the frame is not given to GDCM"
        )


def check_jpeg_precision(info: CodestreamInfo) -> None:
    """Refuse a sample precision that ISO/IEC 10918-1 does not allow for the frame's process (B.2.2)."""
    if info.marker in _LOSSLESS_SOF:
        allowed, valid = "2 to 16 bits", 2 <= info.precision <= 16
    else:
        allowed, valid = "8 or 12 bits", info.precision in (8, 12)
    if not valid:
        process = "lossless" if info.marker in _LOSSLESS_SOF else "DCT-based"
        raise CorruptPixelDataError(
            f"The JPEG frame header (SOF FF {info.marker:02X}, {process}) gives a sample precision of "
            f"{info.precision} bits; ISO/IEC 10918-1 allows {allowed} for that process: the frame is corrupt"
        )


def check_jpeg_tail(src: Any, info: CodestreamInfo) -> None:
    """Refuse a JPEG frame whose data ends inside a marker segment after its first scan header.

    GDCM's data source for libjpeg (``gdcmJPEGBITSCodec.cxx``) answers "no
    more data" by suspending, and its ``skip_input_data`` calls it in a loop
    until the bytes to skip are found: when the frame ends right after the
    length of a segment libjpeg skips (APPn, COM), the loop never ends (a
    fuzzed 1,440-byte frame ending in ``FF FE D9 00`` hung it for hours; the
    same frame with EOI decodes). A segment cut by the end of the frame is a
    truncated codestream; other libraries (libjpeg-turbo inserts an EOI)
    may still decode the image before it, so the refusal lets the dispatcher
    try the next plugin.
    """
    size = frame_view(src).nbytes
    for marker, offset, end in segments_after_scan(src, info):
        if end > size:
            held = "its length field" if end == offset + 4 else f"the {end - offset - 2} bytes its length gives"
            raise UnsupportedPixelDataError(
                f"The JPEG frame ends at byte {size}, inside the segment FF {marker:02X} at offset {offset} "
                f"(before the end of {held}): GDCM does not return on such truncated frames, so it is not "
                "given to GDCM"
            )


def check_jpeg_ls_scans(src: Any, info: CodestreamInfo) -> None:
    """Refuse a JPEG-LS frame whose later scans have coding parameters ISO/IEC 14495-1 does not allow.

    :func:`~dcmcore.plugins.codestream.parse_jpeg` checks the first scan's
    NEAR and preset parameters; a frame of several scans (one per colour
    component) may set others before each. The CharLS inside GDCM decodes
    with invalid thresholds and never returns (CharLS 2.4 refuses them), so
    each later scan is checked the same way.
    """
    buf = frame_view(src)
    presets = info.presets
    for marker, offset, end in segments_after_scan(src, info):
        if end > buf.nbytes:
            return  # the last item; CharLS reads within the frame's bounds
        data = buf[offset + 4 : end]  # empty for markers without a length field
        if marker == _LSE and len(data) and data[0] == 1:
            presets = read_presets(data, offset)
        elif marker == _SOS:
            check_scan_parameters(info.precision, presets, read_near(data, offset), offset)
