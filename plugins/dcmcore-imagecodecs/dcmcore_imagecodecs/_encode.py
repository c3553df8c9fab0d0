"""Encoders through imagecodecs: one frame in, one codestream out.

| syntax | codec | options |
|---|---|---|
| JPEG-LS Lossless (.80) | CharLS | |
| JPEG-LS Near-Lossless (.81) | CharLS, Bits Stored 8 or 16 | ``jls_error`` (default 1): the largest error per sample |
| JPEG 2000 Lossless (.90) | OpenJPEG, reversible wavelet | ``use_mct`` (default False) |
| JPEG 2000 (.91) | OpenJPEG, irreversible wavelet | ``j2k_psnr`` (dB) or ``j2k_cr`` (a compression ratio; one quality layer); ``use_mct`` |
| HTJ2K Lossless (.201) | OpenJPH, reversible | ``use_mct`` |
| HTJ2K Lossless RPCL (.202) | OpenJPH, reversible, RPCL progression, TLM marker segments | ``use_mct`` |
| HTJ2K (.203) | OpenJPH, irreversible | ``j2k_psnr`` (dB) or ``j2k_cr`` (a compression ratio), by the quantization step; ``use_mct`` |
| JPEG XL Lossless (.110) | libjxl | |
| JPEG Lossless SV1 (.70) | libjpeg-turbo, predictor 1 | |
| JPEG Baseline (.50) | libjpeg-turbo, 8 bits | ``jpeg_quality`` (default 90), ``jpeg_subsampling`` (``"422"`` or ``"444"``), ``jpeg_color_transform`` (default True) |

Option names are pydicom's ``compress`` ones where they exist. What the
samples become, which :func:`encoded_photometric` tells (the
``encoded_photometric_interpretation`` capability, written to (0028,0004)
by the write path (``compress``)), follows PS3.5 section 8.2:

- JPEG-LS, JPEG Lossless and JPEG XL Lossless code the samples as they are:
  the value is kept (RGB stays RGB).
- JPEG 2000 and HTJ2K code RGB as it is unless ``use_mct=True`` (pydicom's
  option; its default there is off for RGB too): then the reversible (lossless,
  ``YBR_RCT``) or irreversible (lossy, ``YBR_ICT``) multiple component
  transform is applied. A data set that already says ``YBR_RCT``/``YBR_ICT``
  (pydicom's way of asking, the samples being RGB) gets the transform.
- JPEG Baseline converts RGB to YCbCr (unless ``jpeg_color_transform=False``)
  and subsamples the chroma horizontally by default (``YBR_FULL_422``; with
  ``jpeg_subsampling="444"``, ``YBR_FULL``). YBR_FULL samples are coded
  without subsampling unless ``jpeg_subsampling="422"``, YBR_FULL_422 ones
  (given at full resolution) with it unless ``"444"``.

Signed samples: JPEG 2000 and
HTJ2K code them as signed; JPEG-LS and JPEG Lossless (which have no signed
samples) get the bit patterns of the whole container, so that every decoder
returns them exactly whatever it does about signedness; JPEG XL gets the
*Bits Stored* bit patterns (dcmcore-imagecodecs sign-extends them again).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dcmcore import PixelSpec
from dcmcore.errors import UnsupportedPixelDataError
from dcmcore.plugins import frame_array
from pydicom.uid import (
    HTJ2K,
    JPEG2000,
    HTJ2KLossless,
    HTJ2KLosslessRPCL,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGLosslessSV1,
    JPEGLSLossless,
    JPEGLSNearLossless,
)

from dcmcore_imagecodecs._rules import JXL_LOSSLESS, openjpeg_threads

__all__ = ["ENCODER_UIDS", "encode_frame", "encoded_photometric"]

ENCODER_UIDS = frozenset(
    str(u)
    for u in (
        JPEGLSLossless, JPEGLSNearLossless, JPEG2000Lossless, JPEG2000, HTJ2KLossless, HTJ2KLosslessRPCL, HTJ2K,
        JXL_LOSSLESS, JPEGLosslessSV1, JPEGBaseline8Bit,
    )  # fmt: skip
)


def _normalised(src: Any, spec: PixelSpec) -> np.ndarray:
    """The frame as an interleaved array, its unused high bits cleared (unsigned) or sign-extended (signed)."""
    if spec.bits_allocated not in (8, 16) or spec.samples_per_pixel not in (1, 3):
        raise UnsupportedPixelDataError(
            f"imagecodecs encodes 1 or 3 samples of 8 or 16 bits, not {spec.samples_per_pixel} sample(s) of "
            f"(0028,0100) 'Bits Allocated' {spec.bits_allocated}"
        )
    arr = np.array(frame_array(src, spec), dtype=spec.dtype.newbyteorder("="), copy=True)
    shift = 8 * spec.itemsize - spec.bits_stored
    if shift:
        np.left_shift(arr, shift, out=arr)
        np.right_shift(arr, shift, out=arr)  # arithmetic for signed, logical for unsigned
    return arr


def _unsigned(arr: np.ndarray) -> np.ndarray:
    return arr.view(f"u{arr.itemsize}")


def _j2k_lossy(arr: np.ndarray, spec: PixelSpec, options: dict) -> bytes:
    import imagecodecs

    mct = _mct(spec, options)
    kwargs = dict(codecformat="J2K", reversible=False, bitspersample=spec.bits_stored, mct=mct, **openjpeg_threads(spec))
    psnr, ratio = _lossy_target(options)
    if psnr is not None:
        return bytes(imagecodecs.jpeg2k_encode(arr, level=psnr, **kwargs))
    # imagecodecs aims at a PSNR: find the best PSNR whose codestream is at most raw / ratio bytes
    budget = spec.frame_nbytes / ratio
    lo, hi, best = 1.0, 120.0, None
    for _ in range(12):
        mid = (lo + hi) / 2
        encoded = bytes(imagecodecs.jpeg2k_encode(arr, level=mid, **kwargs))
        if len(encoded) <= budget:
            lo, best = mid, encoded
        else:
            hi = mid
    return best if best is not None else bytes(imagecodecs.jpeg2k_encode(arr, level=1.0, **kwargs))


def _htj2k_lossy(arr: np.ndarray, spec: PixelSpec, options: dict) -> bytes:
    """HTJ2K with the irreversible wavelet: OpenJPH takes a quantization step, searched for the target.

    A larger step gives a smaller, worse codestream: the search keeps the
    largest step whose codestream still decodes to ``j2k_psnr`` dB, or the
    smallest whose codestream fits in ``1 / j2k_cr`` of the frame's bytes
    (default ratio 10).
    """
    import imagecodecs

    mct = _mct(spec, options)

    def encode(log_step: float) -> bytes:
        return bytes(imagecodecs.htj2k_encode(arr, level=float(np.exp(log_step)), reversible=False, rgb=mct))

    target, ratio = _lossy_target(options)
    by_psnr = target is not None
    if by_psnr:
        peak = float((1 << spec.bits_stored) - 1)

        def good(encoded: bytes) -> bool:
            err = imagecodecs.htj2k_decode(encoded, planar=False).astype(np.float64) - arr
            mse = float(np.mean(err * err))
            return mse == 0 or 10 * np.log10(peak * peak / mse) >= target

    else:

        def good(encoded: bytes) -> bool:
            return len(encoded) * ratio <= spec.frame_nbytes

    fine, coarse = np.log(1e-7), np.log(0.5)
    best = None
    for _ in range(14):  # bisection on the log of the step
        mid = (fine + coarse) / 2
        encoded = encode(mid)
        if good(encoded):
            best = encoded
            fine, coarse = (mid, coarse) if by_psnr else (fine, mid)
        else:
            fine, coarse = (fine, mid) if by_psnr else (mid, coarse)
    return best if best is not None else encode(np.log(1e-7) if by_psnr else np.log(0.5))


def _lossy_target(options: dict) -> tuple[float | None, float]:
    """``(psnr, 0)`` for ``j2k_psnr``, else ``(None, ratio)`` for ``j2k_cr`` (default 10), checked."""
    if "j2k_psnr" in options and "j2k_cr" in options:
        raise ValueError("Give 'j2k_cr' or 'j2k_psnr', not both")
    if "j2k_psnr" in options:
        return _one_layer(options["j2k_psnr"], "j2k_psnr"), 0.0
    ratio = _one_layer(options.get("j2k_cr", 10), "j2k_cr")
    if ratio < 1:
        raise ValueError(f"'j2k_cr' must be a compression ratio of at least 1, not {ratio}")
    return None, ratio


def _one_layer(value: Any, name: str) -> float:
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if len(values) != 1:
        raise ValueError(f"imagecodecs writes one quality layer: give '{name}' one value, not {values}")
    return float(values[0])


def _mct(spec: PixelSpec, options: dict) -> bool:
    """Whether the JPEG 2000 / HTJ2K multiple component transform is applied to frames of `spec`."""
    if spec.samples_per_pixel != 3:
        return False
    pi = spec.photometric_interpretation
    if pi == "RGB":
        return options.get("use_mct", False) is True
    return pi in ("YBR_RCT", "YBR_ICT")


def _jpeg_baseline_colour(spec: PixelSpec, options: dict) -> tuple[dict, str]:
    """The libjpeg-turbo colour options for a JPEG Baseline frame of `spec`, and what the samples become."""
    pi = spec.photometric_interpretation
    if spec.samples_per_pixel == 1:
        return {}, pi
    subsampling = options.get("jpeg_subsampling")
    if subsampling not in (None, "422", "444"):
        raise ValueError(f"'jpeg_subsampling' must be '422' or '444', not {subsampling!r}")
    if pi == "RGB":
        if options.get("jpeg_color_transform", True) is False:
            return dict(colorspace="RGB", outcolorspace="RGB"), "RGB"
        subsampling = subsampling or "422"
        kwargs = dict(colorspace="RGB", outcolorspace="YCbCr", subsampling=subsampling)
    elif pi in ("YBR_FULL", "YBR_FULL_422"):
        subsampling = subsampling or ("422" if pi == "YBR_FULL_422" else "444")
        kwargs = dict(colorspace="YCbCr", outcolorspace="YCbCr", subsampling=subsampling)
    else:
        raise UnsupportedPixelDataError(f"JPEG frames of 3 samples are encoded as RGB, YBR_FULL or YBR_FULL_422, not {pi!r}")
    return kwargs, ("YBR_FULL_422" if subsampling == "422" else "YBR_FULL")


def _jpeg_lossless_colour(spec: PixelSpec) -> dict:
    """Lossless JPEG codes the samples as they are (no colour transform)."""
    if spec.samples_per_pixel == 1:
        return {}
    pi = spec.photometric_interpretation
    if pi in ("YBR_FULL", "YBR_FULL_422"):
        return dict(colorspace="YCbCr", outcolorspace="YCbCr", subsampling="444")
    if pi == "RGB":
        return dict(colorspace="RGB", outcolorspace="RGB")
    raise UnsupportedPixelDataError(f"JPEG frames of 3 samples are encoded as RGB, YBR_FULL or YBR_FULL_422, not {pi!r}")


def encoded_photometric(spec: PixelSpec, **options: Any) -> str:
    """The (0028,0004) value of the frames :func:`encode_frame` makes from frames of `spec` with `options`."""
    uid = str(spec.transfer_syntax_uid)
    if uid == JPEGBaseline8Bit:
        return _jpeg_baseline_colour(spec, options)[1]
    if uid in (JPEG2000Lossless, HTJ2KLossless, HTJ2KLosslessRPCL):
        return "YBR_RCT" if _mct(spec, options) else spec.photometric_interpretation
    if uid in (JPEG2000, HTJ2K):
        return "YBR_ICT" if _mct(spec, options) else spec.photometric_interpretation
    return spec.photometric_interpretation


def encode_frame(src: Any, spec: PixelSpec, **options: Any) -> bytes:
    """Encode one frame of `spec` (an array of ``spec.frame_shape`` or its native little endian bytes)."""
    import imagecodecs

    uid = str(spec.transfer_syntax_uid)
    arr = _normalised(src, spec)
    signed = spec.pixel_representation == 1
    if uid == JPEGLSLossless:
        return bytes(imagecodecs.jpegls_encode(_unsigned(arr)))
    if uid == JPEGLSNearLossless:
        error = int(options.get("jls_error", 1))
        if not 0 <= error <= 255:
            raise ValueError(f"'jls_error' must be 0 to 255, not {error}")
        if signed:
            raise UnsupportedPixelDataError("Near-lossless JPEG-LS of signed samples is not encoded here")
        if spec.bits_stored != 8 * spec.itemsize:
            # imagecodecs codes the precision of the container: a sample near the top of Bits
            # Stored could come back above it, and wrap when the unused bits are cleared
            raise UnsupportedPixelDataError(
                "Near-lossless JPEG-LS is encoded here for (0028,0101) 'Bits Stored' 8 or 16 only (the "
                f"container's precision), not {spec.bits_stored}"
            )
        return bytes(imagecodecs.jpegls_encode(arr, level=error))
    if uid == JPEG2000Lossless:
        mct = _mct(spec, options)
        return bytes(
            imagecodecs.jpeg2k_encode(
                arr, level=0, codecformat="J2K", reversible=True, bitspersample=spec.bits_stored, mct=mct,
                **openjpeg_threads(spec),
            )
        )
    if uid == JPEG2000:
        return _j2k_lossy(arr, spec, options)
    if uid in (HTJ2KLossless, HTJ2KLosslessRPCL):
        # OpenJPH applies the component transform to 3 components unless told not to. Its
        # progression order is RPCL; for the RPCL syntax the codestream also gets TLM marker segments
        rpcl = uid == HTJ2KLosslessRPCL
        return bytes(imagecodecs.htj2k_encode(arr, reversible=True, rgb=_mct(spec, options), tlm=rpcl))
    if uid == HTJ2K:
        return _htj2k_lossy(arr, spec, options)
    if uid == JXL_LOSSLESS:
        patterns = _unsigned(arr) & ((1 << spec.bits_stored) - 1)
        return bytes(imagecodecs.jpegxl_encode(patterns, lossless=True, bitspersample=spec.bits_stored))
    if uid == JPEGLosslessSV1:
        bits = spec.bits_allocated if signed else spec.bits_stored
        return bytes(imagecodecs.jpeg8_encode(_unsigned(arr), lossless=True, predictor=1, bitspersample=bits, **_jpeg_lossless_colour(spec)))
    if uid == JPEGBaseline8Bit:
        if spec.bits_stored != 8 or signed:
            raise UnsupportedPixelDataError("JPEG Baseline encodes unsigned 8-bit samples only")
        quality = int(options.get("jpeg_quality", 90))
        return bytes(imagecodecs.jpeg8_encode(arr, level=quality, **_jpeg_baseline_colour(spec, options)[0]))
    raise UnsupportedPixelDataError(f"The imagecodecs plugin does not encode the transfer syntax {uid}")
