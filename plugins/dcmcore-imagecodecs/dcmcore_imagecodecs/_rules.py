"""The DICOM rules per transfer syntax: read the frame's header, check it, plan the codec call.

Every frame's codestream header is read here (:mod:`dcmcore.plugins`'
``parse_jpeg`` and ``parse_j2k``, bounded pure Python) and checked against the
data set (``check_geometry``) before imagecodecs sees the frame: a codestream whose rows, columns or
components differ from the data set, or whose precision needs more than
(0028,0100) *Bits Allocated*, is :class:`~dcmcore.errors.CorruptPixelDataError`.
The plan says which imagecodecs function decodes the frame, with which colour
arguments, what dtype it returns, which colour space the samples are in, and
which sign correction the data set needs (the rules pydicom applies):

- JPEG: the components as coded unless the caller wants RGB from YCbCr, which
  libjpeg-turbo then converts while it upsamples. The codestream overrides
  (0028,0004) with a warning, as in pydicom and dcmcore-gdcm: component IDs
  "R", "G", "B" mean RGB, a JFIF segment means YCbCr, and (as dcmcore-gdcm
  does) an Adobe segment with the YCbCr flag in a data set labelled RGB means
  YCbCr;
- JPEG-LS has no signed samples: for a signed data set the samples are
  sign-extended from the codestream's precision;
- JPEG 2000 and HTJ2K: YBR_ICT and YBR_RCT come back as RGB (the codec undoes
  the component transform); samples coded with the other signedness than
  (0028,0103) says are reinterpreted from the codestream's precision.
"""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass

import numpy as np

from dcmcore import PixelSpec
from dcmcore.errors import CorruptPixelDataError, UnsupportedPixelDataError
from dcmcore.plugins import CodestreamInfo, check_geometry, frame_view, parse_j2k, parse_jpeg
from pydicom.uid import (
    HTJ2K,
    JPEG2000,
    HTJ2KLossless,
    HTJ2KLosslessRPCL,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGLSTransferSyntaxes,
    JPEGTransferSyntaxes,
)

__all__ = ["Plan", "plan_frame", "openjpeg_threads", "openjpeg_decode_threads", "DECODE_THREADED_PIXELS", "JPEG_UIDS", "JPEG_LS_UIDS", "J2K_UIDS", "HTJ2K_UIDS", "JXL_UIDS", "DECODER_UIDS"]

JPEG_UIDS = frozenset(str(u) for u in JPEGTransferSyntaxes)
JPEG_LS_UIDS = frozenset(str(u) for u in JPEGLSTransferSyntaxes)
#: JPEG 2000 Part 1 (Part 2 multi-component transforms are not decoded by OpenJPEG).
J2K_UIDS = frozenset({str(JPEG2000Lossless), str(JPEG2000)})
#: High-Throughput JPEG 2000 (ISO/IEC 15444-15): lossless, lossless RPCL, lossy.
HTJ2K_UIDS = frozenset({str(HTJ2KLossless), str(HTJ2KLosslessRPCL), str(HTJ2K)})
#: JPEG XL Lossless, JPEG Recompression and JPEG XL (PS3.5 A.4.13; newer than pydicom 3.0).
JXL_LOSSLESS = "1.2.840.10008.1.2.4.110"
JXL_RECOMPRESSION = "1.2.840.10008.1.2.4.111"
JXL = "1.2.840.10008.1.2.4.112"
JXL_UIDS = frozenset({JXL_LOSSLESS, JXL_RECOMPRESSION, JXL})
DECODER_UIDS = JPEG_UIDS | JPEG_LS_UIDS | J2K_UIDS | HTJ2K_UIDS | JXL_UIDS

_RGB_IDS = ((0x52, 0x47, 0x42), (0x72, 0x67, 0x62))  # "RGB" and "rgb" in ASCII
_YBR = ("YBR_FULL", "YBR_FULL_422")
#: SOF markers of hierarchical (differential) JPEG, which libjpeg-turbo does not decode.
_HIERARCHICAL = frozenset({0xC5, 0xC6, 0xC7, 0xCD, 0xCE, 0xCF})


@dataclass(frozen=True)
class Plan:
    """How one frame is decoded, and what comes out.

    Attributes
    ----------
    codec : str
        The imagecodecs function: ``jpeg8``, ``jpegls``, ``jpeg2k``, ``htj2k`` or ``jpegxl``.
    kwargs : tuple of (str, str)
        Extra keyword arguments of the decode function (JPEG colour spaces).
    dtype : numpy.dtype or None
        What the codec returns (None: known only after decoding, JPEG XL).
    photometric : str
        The colour space of the returned samples.
    sign_shift : int
        > 0: shift the samples left then right by this much in the data set's
        signedness, in a container of ``8 * spec.itemsize`` bits.
    note : str or None
        A warning to give: the codestream overrides (0028,0004).
    """

    codec: str
    kwargs: tuple[tuple[str, str], ...]
    dtype: np.dtype | None
    photometric: str
    sign_shift: int = 0
    note: str | None = None


def _container(precision: int, signed: bool = False) -> np.dtype:
    for size in (1, 2, 4):
        if precision <= 8 * size:
            return np.dtype(f"{'i' if signed else 'u'}{size}")
    raise UnsupportedPixelDataError(f"imagecodecs cannot return samples of {precision} bits (at most 32)")


def check_ends(buf: memoryview, kind: str) -> None:
    """Refuse a codestream that does not end with its end marker (EOI, EOC: FF D9): it is truncated.

    Up to 15 padding bytes may follow it (``00``, the even length of a
    fragment, or ``FF``, fill bytes); libjpeg-turbo otherwise fills the missing
    part of a truncated JPEG frame with grey, silently.
    """
    tail = bytes(buf[-17:])
    end = tail.rfind(b"\xff\xd9")
    if end < 0 or tail[end + 2 :].strip(b"\x00\xff"):
        raise CorruptPixelDataError(
            f"The {kind} frame of {buf.nbytes} bytes does not end with its end marker (FF D9): it is truncated"
        )


def jpeg_colour(info: CodestreamInfo, spec: PixelSpec) -> tuple[str, str | None]:
    """The colour space the samples of a 3-component JPEG or JPEG-LS frame are coded in.

    Returns it, and the warning to give when the codestream overrides (0028,0004).
    """
    pi = spec.photometric_interpretation
    if info.component_ids in _RGB_IDS and pi != "RGB":
        return "RGB", (
            f"The (0028,0004) 'Photometric Interpretation' is '{pi}', but the {info.kind} codestream's "
            "component IDs say the samples are RGB: decoding them as RGB"
        )
    if pi == "RGB" and info.adobe_transform == 1 and info.kind == "JPEG":
        return "YBR_FULL", (
            f"The (0028,0004) 'Photometric Interpretation' is 'RGB', but the {info.kind} codestream's "
            "Adobe segment says its samples were transformed to YCbCr: decoding them as YCbCr"
        )
    if info.has_jfif and "YBR" not in pi:
        coded = "YBR_FULL_422" if spec.transfer_syntax_uid == JPEGBaseline8Bit else "YBR_FULL"
        return "YBR_FULL", (
            f"The (0028,0004) 'Photometric Interpretation' is '{pi}', but the {info.kind} codestream has "
            f"a JFIF segment, which means '{coded}': decoding the samples as YCbCr"
        )
    return pi, None


def _plan_jpeg(buf: memoryview, spec: PixelSpec, as_rgb: bool) -> Plan:
    info = parse_jpeg(buf, "JPEG")
    if info.marker == 0xF7:
        raise CorruptPixelDataError("The frame is a JPEG-LS codestream (SOF55), not JPEG as the transfer syntax says")
    check_geometry(info, spec, "imagecodecs")
    if info.marker in _HIERARCHICAL:
        raise UnsupportedPixelDataError(
            f"The JPEG frame is hierarchical (SOF FF {info.marker:02X}), which libjpeg-turbo does not decode"
        )
    check_ends(buf, "JPEG")
    return _jpeg_plan(info, spec, as_rgb)


@functools.lru_cache(maxsize=64)
def _jpeg_plan(info: CodestreamInfo, spec: PixelSpec, as_rgb: bool) -> Plan:
    """The plan for a checked JPEG header and a data set: the same for every frame (tile) that shares the header."""
    dtype = _container(info.precision)
    if info.components == 1:
        return Plan("jpeg8", (("colorspace", "GRAYSCALE"), ("outcolorspace", "GRAYSCALE")), dtype, spec.photometric_interpretation)
    if info.components != 3:
        return Plan("jpeg8", (), dtype, spec.photometric_interpretation)
    pi, note = jpeg_colour(info, spec)
    if pi in _YBR:
        if as_rgb:
            return Plan("jpeg8", (("colorspace", "YCbCr"), ("outcolorspace", "RGB")), dtype, "RGB", note=note)
        return Plan("jpeg8", (("colorspace", "YCbCr"), ("outcolorspace", "YCbCr")), dtype, "YBR_FULL", note=note)
    # anything else: the components as coded, no colour transform
    return Plan("jpeg8", (("colorspace", "RGB"), ("outcolorspace", "RGB")), dtype, pi, note=note)


def _plan_jpeg_ls(buf: memoryview, spec: PixelSpec) -> Plan:
    info = parse_jpeg(buf, "JPEG-LS")
    if info.marker != 0xF7:
        raise CorruptPixelDataError(
            f"The frame is a JPEG codestream (SOF FF {info.marker:02X}), not JPEG-LS (SOF55) as the transfer syntax says"
        )
    check_geometry(info, spec, "imagecodecs")
    check_ends(buf, "JPEG-LS")
    if info.precision < 2:
        raise CorruptPixelDataError(f"The JPEG-LS codestream gives an invalid sample precision of {info.precision} bits")
    pi, note = jpeg_colour(info, spec) if info.components == 3 else (spec.photometric_interpretation, None)
    if pi == "YBR_FULL_422":
        pi = "YBR_FULL"  # every pixel's three samples come back
    dtype = _container(info.precision)
    # JPEG-LS has no signed samples: signed data sets store the two's complement bit patterns
    shift = 8 * spec.itemsize - info.precision if spec.pixel_representation == 1 else 0
    return Plan("jpegls", (), dtype, pi, shift, note)


def _plan_j2k(buf: memoryview, spec: PixelSpec, codec: str) -> Plan:
    info = parse_j2k(buf)
    check_geometry(info, spec, "imagecodecs")
    if not info.jp2:
        check_ends(buf, "JPEG 2000")
    pi = spec.photometric_interpretation
    if pi in ("YBR_ICT", "YBR_RCT"):
        pi = "RGB"
    shift = 0
    if info.is_signed != bool(spec.pixel_representation):
        # the other signedness than (0028,0103) says: reinterpret from the codestream's precision
        shift = 8 * spec.itemsize - info.precision
    return Plan(codec, (), _container(info.precision, info.is_signed), pi, shift)


def plan_frame(src: object, spec: PixelSpec, as_rgb: bool = False) -> tuple[memoryview, Plan]:
    """Check one frame's header against `spec` and plan its decoding; the frame as a byte view."""
    uid = str(spec.transfer_syntax_uid)
    buf = frame_view(src)
    if uid in JPEG_UIDS:
        return buf, _plan_jpeg(buf, spec, as_rgb)
    if uid in JPEG_LS_UIDS:
        return buf, _plan_jpeg_ls(buf, spec)
    if uid in J2K_UIDS:
        return buf, _plan_j2k(buf, spec, "jpeg2k")
    if uid in HTJ2K_UIDS:
        # OpenJPEG, not OpenJPH (htj2k_decode): on corrupt codestreams OpenJPH was seen to loop
        # forever, and to swallow its own read errors and go on decoding
        return buf, _plan_j2k(buf, spec, "jpeg2k")
    if uid in JXL_UIDS:
        if buf.nbytes < 2:
            raise CorruptPixelDataError(f"The JPEG XL frame of {buf.nbytes} bytes is empty or truncated")
        pi = spec.photometric_interpretation
        # JPEG XL has no signed samples: a signed data set's are its bit patterns in Bits Stored bits
        shift = 8 * spec.itemsize - spec.bits_stored if spec.pixel_representation == 1 else 0
        return buf, Plan("jpegxl", (), None, "YBR_FULL" if pi == "YBR_FULL_422" else pi, shift)
    raise UnsupportedPixelDataError(f"The imagecodecs plugin does not decode the transfer syntax {uid}")


@functools.lru_cache(maxsize=64)
def produced_spec(spec: PixelSpec, photometric: str) -> PixelSpec:
    """What the decoder returned, as a spec: the same for every frame of a data set, so built once."""
    if photometric == spec.photometric_interpretation and spec.planar_configuration == 0:
        return spec
    return spec.replace(photometric_interpretation=photometric, planar_configuration=0)


#: OpenJPEG encodes frames of at least this many pixels with threads of its own, on the main thread.
_THREADED_PIXELS = 256 * 256
#: ... and decodes frames of at least this many when the image has several (see :func:`openjpeg_decode_threads`).
DECODE_THREADED_PIXELS = 2048 * 2048
_CODEC_THREADS = min(4, os.cpu_count() or 1)
_MAIN = threading.main_thread()


def openjpeg_threads(spec: PixelSpec, min_pixels: int = _THREADED_PIXELS) -> dict:
    """``{"numthreads": n}`` for a JPEG 2000 / HTJ2K frame of `min_pixels` or more on the main thread, else ``{}``.

    With ``workers=1`` dcmcore decodes (and encodes) frames one after the
    other on the caller's thread: OpenJPEG's own threads then work on the
    code blocks of a large frame in parallel. On dcmcore's worker threads,
    which keep the cores busy already, OpenJPEG stays single-threaded. The
    decoder asks through :func:`openjpeg_decode_threads`.
    """
    if spec.frame_pixels >= min_pixels and _CODEC_THREADS > 1 and threading.current_thread() is _MAIN:
        return {"numthreads": _CODEC_THREADS}
    return {}


def openjpeg_decode_threads(spec: PixelSpec) -> dict:
    """:func:`openjpeg_threads` for decoding: a single frame uses OpenJPEG's threads, frames of a multi-frame image not.

    A single-frame image cannot be split over dcmcore's workers, so its frame
    (256 x 256 or more) is decoded with OpenJPEG's code-block threads. The
    frames of a multi-frame image are decoded one per thread: with
    ``workers=1`` on one thread, and ``workers=`` is what spreads them over the
    cores; only a frame of :data:`DECODE_THREADED_PIXELS` or more (which leaves
    few frames to share out) is given OpenJPEG's threads too.
    """
    return openjpeg_threads(spec, _THREADED_PIXELS if spec.number_of_frames <= 1 else DECODE_THREADED_PIXELS)
