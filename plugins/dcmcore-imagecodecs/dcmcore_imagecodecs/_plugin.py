"""imagecodecs behind dcmcore's codec plugin contract (plugin API 1).

One frame is decoded by one imagecodecs function, which releases the GIL
while it runs: ``jpeg8_decode`` (libjpeg-turbo 3: JPEG Baseline, Extended 8
and 12 bit, Lossless and Lossless SV1 of 2 to 16 bits), ``jpegls_decode``
(CharLS), ``jpeg2k_decode`` (OpenJPEG: JPEG 2000 and HTJ2K) and
``jpegxl_decode`` (libjxl). OpenJPH's ``htj2k_decode`` is faster on HTJ2K, but
it looped forever on some corrupt codestreams here and goes on decoding after
its own read errors, so it only encodes. Before the library sees a frame its header is read
and checked against the data set (:mod:`dcmcore_imagecodecs._rules`), and the
frame is decoded straight into its slice of the output when the codec's
container has the output's size.

The decoder has the optional capabilities of the contract:

- ``frame_geometry``: the codestream header, read without decoding, so that
  dcmcore refuses a small file that declares a huge image before it allocates;
- ``decode_frames``: a run of frames decoded one after the other into the
  output, with no Python between the codec calls but the header checks; with
  ``workers=`` several runs are decoded at once, the codecs running without
  the GIL. For YCbCr JPEG wanted as RGB, libjpeg-turbo converts while it
  upsamples, and the produced spec says ``RGB``.

``imagecodecs`` is imported inside the methods only.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from dcmcore import PixelSpec
from dcmcore.errors import CorruptPixelDataError, PluginError
from dcmcore.plugins import PASS_THROUGH_EXCEPTIONS, CodestreamInfo, FrameRun, PluginBase, codestream_info, version_tuple

from pydicom.uid import HTJ2K, HTJ2KLossless, HTJ2KLosslessRPCL

from dcmcore_imagecodecs._encode import ENCODER_UIDS
from dcmcore_imagecodecs._rules import (
    DECODER_UIDS, JXL_RECOMPRESSION, Plan, openjpeg_decode_threads, plan_frame, produced_spec,
)

__all__ = ["ImagecodecsDecoder", "ImagecodecsEncoder", "DECODER", "ENCODER", "MIN_VERSION", "REQUIREMENT"]

#: Oldest imagecodecs the tests pass with. HTJ2K *encoding* needs a later build, with OpenJPH
#: (2026.3.6 has it, 2025.3.30 does not); without it the encoder says so for that syntax.
MIN_VERSION = (2024, 12, 30)
REQUIREMENT = "imagecodecs>=2024.12.30"
#: imagecodecs function -> the codec it must offer
_CODECS = {"jpeg8": "JPEG8", "jpegls": "JPEGLS", "jpeg2k": "JPEG2K", "htj2k": "HTJ2K", "jpegxl": "JPEGXL"}


def codec_for(uid: str) -> str:
    """The imagecodecs codec name that decodes `uid`."""
    from dcmcore_imagecodecs._rules import HTJ2K_UIDS, J2K_UIDS, JPEG_LS_UIDS, JPEG_UIDS

    if uid in JPEG_UIDS:
        return "jpeg8"
    if uid in JPEG_LS_UIDS:
        return "jpegls"
    if uid in J2K_UIDS:
        return "jpeg2k"
    if uid in HTJ2K_UIDS:
        return "jpeg2k"  # OpenJPEG decodes HTJ2K too; see _rules.plan_frame
    return "jpegxl"


class ImagecodecsPlugin(PluginBase):
    """What the decoder and the encoder share: label, priority, dependency checks."""

    label = "imagecodecs"
    #: Before GDCM (30): faster on every syntax both decode (docs/codecs.md), and the only one
    #: here for HTJ2K and JPEG XL.
    priority = 20
    dependencies = {"imagecodecs": REQUIREMENT}
    install_hint = f"pip install '{REQUIREMENT}'"

    def missing_dependencies(self, uid: str) -> list[str]:
        reasons = super().missing_dependencies(uid)
        if reasons:
            return reasons
        import imagecodecs

        version = getattr(imagecodecs, "__version__", "0")
        if version_tuple(version) < MIN_VERSION:
            return [f"imagecodecs {version} is installed, {REQUIREMENT} is needed", f"install with: {self.install_hint}"]
        codec = _CODECS[codec_for(str(uid))]
        if not getattr(getattr(imagecodecs, codec, None), "available", False):
            return [f"this imagecodecs build has no {codec} codec"]
        return []


def _function(codec: str) -> Any:
    import imagecodecs

    return getattr(imagecodecs, f"{codec}_decode")


def _failure(exc: BaseException, buf: memoryview, spec: PixelSpec, plan: Plan) -> Exception:
    """The exception for a library failure on a frame whose header checked out."""
    if isinstance(exc, (TypeError, MemoryError, AttributeError)):
        return PluginError(f"imagecodecs {plan.codec}_decode failed unexpectedly: {type(exc).__name__}: {exc}")
    # A library's own error may mean "this library cannot", so another plugin may try.
    return ValueError(
        f"imagecodecs {plan.codec}_decode could not decode the {buf.nbytes}-byte frame of "
        f"{spec.rows} x {spec.columns} pixels of {spec.samples_per_pixel} sample(s): {type(exc).__name__}: {exc}"
    )


def _decode_jxl_jpeg(buf: memoryview, spec: PixelSpec, as_rgb: bool) -> tuple[memoryview, Plan]:
    """JPEG XL JPEG Recompression: the original JPEG, rebuilt losslessly, then planned as JPEG."""
    import imagecodecs

    try:
        jpeg = imagecodecs.jpegxl_decode_jpeg(buf)
    except PASS_THROUGH_EXCEPTIONS:
        raise
    except BaseException as exc:
        raise ValueError(f"imagecodecs could not rebuild the JPEG of the {buf.nbytes}-byte JPEG XL frame: {exc}") from exc
    from pydicom.uid import JPEGExtended12Bit

    return plan_frame(jpeg, spec.replace(transfer_syntax_uid=JPEGExtended12Bit), as_rgb)


def decode_into(buf: memoryview, spec: PixelSpec, plan: Plan, dest: np.ndarray) -> None:
    """Decode one planned frame into `dest` (``spec.frame_shape``, an integer dtype of ``spec.itemsize`` bytes)."""
    decode = _function(plan.codec)
    kwargs = dict(plan.kwargs)
    if plan.codec == "jpeg2k":
        kwargs.update(openjpeg_decode_threads(spec))
    try:
        if plan.dtype is not None and plan.dtype.itemsize == dest.dtype.itemsize:
            target = dest.view(plan.dtype)
            got = decode(buf, out=target, **kwargs)
        else:
            target = None
            got = decode(buf, **kwargs)
    except PASS_THROUGH_EXCEPTIONS:
        raise
    except BaseException as exc:  # the library's own errors, and anything a binding may raise
        raise _failure(exc, buf, spec, plan) from exc
    if got is not target:
        if got.size != dest.size or got.shape[:2] != dest.shape[:2]:
            raise CorruptPixelDataError(
                f"The {plan.codec} frame decodes to {got.shape}, but (0028,0010) 'Rows', (0028,0011) 'Columns' "
                f"and (0028,0002) 'Samples per Pixel' say {dest.shape}"
            )
        if got.dtype.kind not in "ui" or got.dtype.itemsize > dest.dtype.itemsize:
            raise CorruptPixelDataError(
                f"The {plan.codec} frame decodes to {got.dtype} samples, more than (0028,0100) 'Bits Allocated' "
                f"{spec.bits_allocated} can hold"
            )
        if got.dtype.itemsize == dest.dtype.itemsize:
            got = got.view(dest.dtype)
        np.copyto(dest, got.reshape(dest.shape), casting="unsafe")
    if plan.sign_shift > 0:
        np.left_shift(dest, plan.sign_shift, out=dest)
        np.right_shift(dest, plan.sign_shift, out=dest)


def _plan(src: Any, spec: PixelSpec, as_rgb: bool) -> tuple[memoryview, Plan]:
    buf, plan = plan_frame(src, spec, as_rgb)
    if str(spec.transfer_syntax_uid) == JXL_RECOMPRESSION:
        buf, plan = _decode_jxl_jpeg(buf, spec, as_rgb)
    return buf, plan


class ImagecodecsDecoder(ImagecodecsPlugin):
    """Decode JPEG, JPEG-LS, JPEG 2000, HTJ2K and JPEG XL frames with imagecodecs."""

    uids = DECODER_UIDS

    def frame_geometry(self, src: bytes | memoryview, spec: PixelSpec) -> CodestreamInfo | None:
        """The rows, columns and components of a frame's codestream, read without decoding (None for JPEG XL)."""
        return codestream_info(src, spec.transfer_syntax_uid)

    def decode(
        self, src: bytes | memoryview, spec: PixelSpec, *, out: np.ndarray | None = None, **options: Any
    ) -> tuple[np.ndarray, PixelSpec]:
        """Decode one frame; YCbCr samples are returned as stored (``YBR_FULL``), for dcmcore to convert."""
        buf, plan = _plan(src, spec, False)
        if plan.note:
            warnings.warn(plan.note, UserWarning, stacklevel=2)
        if out is None or out.shape != spec.frame_shape or out.dtype != spec.dtype or not out.flags.c_contiguous:
            out = np.empty(spec.frame_shape, spec.dtype)
        decode_into(buf, spec, plan, out)
        return out, produced_spec(spec, plan.photometric)

    def decode_frames(
        self,
        run: FrameRun,
        spec: PixelSpec,
        out: np.ndarray,
        *,
        as_rgb: bool = False,
        correct_unused_bits: bool = False,
        prefault: bool = False,
        **options: Any,
    ) -> tuple[int, PixelSpec]:
        """Decode a run of frames into `out`; stop at the first frame that needs the per-frame path."""
        if out.dtype != spec.dtype or not out.flags.c_contiguous:
            return 0, spec
        mask = 8 * spec.itemsize - spec.bits_stored if correct_unused_bits and spec.dtype.kind in "ui" else 0
        photometric = None
        done = 0
        for k in range(len(run)):
            try:
                buf, plan = _plan(run.frame(k), spec, as_rgb)
            except Exception:
                break  # the per-frame path raises the precise error, or falls back
            if plan.note is not None or photometric not in (None, plan.photometric):
                break  # a warning to give, or a frame unlike the others: frame by frame from here
            try:
                decode_into(buf, spec, plan, out[k])
            except Exception:
                break
            if mask > 0:
                np.left_shift(out[k], mask, out=out[k])
                np.right_shift(out[k], mask, out=out[k])
            photometric = plan.photometric
            done += 1
        return done, (produced_spec(spec, photometric) if photometric is not None else spec)


DECODER = ImagecodecsDecoder()


#: Encoded with OpenJPH (imagecodecs' HTJ2K codec); decoded with OpenJPEG.
HTJ2K_ENCODED = frozenset(map(str, (HTJ2KLossless, HTJ2KLosslessRPCL, HTJ2K)))


class ImagecodecsEncoder(ImagecodecsPlugin):
    """Encode frames with imagecodecs (the syntaxes and options of :mod:`dcmcore_imagecodecs._encode`)."""

    uids = ENCODER_UIDS

    def missing_dependencies(self, uid: str) -> list[str]:
        reasons = PluginBase.missing_dependencies(self, uid)
        if reasons:
            return reasons
        import imagecodecs

        version = getattr(imagecodecs, "__version__", "0")
        if version_tuple(version) < MIN_VERSION:
            return [f"imagecodecs {version} is installed, {REQUIREMENT} is needed", f"install with: {self.install_hint}"]
        codec = "HTJ2K" if uid in HTJ2K_ENCODED else _CODECS[codec_for(str(uid))]
        if not getattr(getattr(imagecodecs, codec, None), "available", False):
            return [f"this imagecodecs build has no {codec} codec"]
        return []

    def encode(self, src: np.ndarray | bytes | memoryview, spec: PixelSpec, **options: Any) -> bytes:
        """Encode one frame (an array of ``spec.frame_shape`` or its native little endian bytes)."""
        from dcmcore_imagecodecs._encode import encode_frame

        return encode_frame(src, spec, **options)

    def encoded_photometric_interpretation(self, spec: PixelSpec, **options: Any) -> str:
        """The (0028,0004) value of what :meth:`encode` makes of frames of `spec` (the optional capability)."""
        from dcmcore_imagecodecs._encode import encoded_photometric

        return encoded_photometric(spec, **options)


ENCODER = ImagecodecsEncoder()
