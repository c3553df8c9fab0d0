"""GDCM (python-gdcm) behind dcmcore's codec plugin contract (plugin API 1).

Decoding one frame: the frame's bytes become the single fragment of a
``gdcm.Image`` that is given the geometry, pixel format, photometric
interpretation and transfer syntax, and ``Image.GetBuffer()`` decodes it.
Before GDCM sees a frame, its codestream header is read here
(:mod:`dcmcore.plugins.codestream`) and checked against the data set, because
GDCM trusts the geometry it is given: a mismatch can make it return a partly
filled buffer or abort the whole process. For JPEG the whole header, up to the
first scan, is walked: GDCM also aborts the process when libjpeg merely warns
while reading it (bytes between marker segments, a JFIF major version other
than 1, an unknown Adobe colour transform), so such frames are refused, as is a
sample precision the frame's JPEG process does not allow. GDCM's JPEG codec
also asserts that Bits Stored equals Bits Allocated for 8-bit samples (the
exception ends the process), so a lossless frame of 2 to 7 bits is given to
it as 8 bits, which decodes its samples unchanged. GDCM never returns on two
kinds of frame, refused here too (:mod:`dcmcore_gdcm._guards`): a JPEG frame
that ends inside a marker segment after its scan, and a JPEG-LS scan whose
coding parameters ISO/IEC 14495-1 does not allow. A frame that passes these
checks but that GDCM cannot decode has corrupt coded data:
:class:`~dcmcore.errors.CorruptPixelDataError` naming the transfer syntax and
the frame's size (final for the dispatcher: no plugin after GDCM is tried).

What GDCM returns, and what the decoder reports in the produced
:class:`~dcmcore.PixelSpec`:

- samples are always interleaved (planar configuration 0), whatever the
  data set says;
- the container is sized by the codestream's precision (8 or 16 bits; JPEG
  2000 up to 32), which may be narrower than (0028,0100) *Bits Allocated*;
- JPEG: the components as coded, with no colour transform. A YCbCr JPEG is
  reported as ``YBR_FULL`` (already upsampled from 4:2:2 or 4:2:0), so that
  dcmcore converts it to RGB when asked. As pydicom does, the codestream
  overrides (0028,0004), with a warning: component IDs "R", "G", "B" mean RGB,
  and a JFIF segment means YCbCr. Unlike pydicom, an Adobe segment with the
  YCbCr transform flag in a data set labelled RGB means YCbCr too;
- JPEG 2000: YBR_ICT and YBR_RCT come back as RGB (the codec undoes the
  multiple component transform). Signed samples in an unsigned data set or
  the reverse are corrected from the codestream precision, and JPEG-LS signed
  samples are sign-extended, both as pydicom does.

RLE Lossless is decoded only where GDCM gets it right: 8, 16 or 32 bits per
sample, and multi-byte samples only for one sample per pixel (GDCM orders the
byte segments of multi-byte colour samples differently from PS3.5 G.2, and a
64-bit frame aborts the process). GDCM also accepts segments cut short and
returns whatever its buffer held for the missing bytes, so each RLE frame is
first checked by dcmcore's own strict decoder (:func:`dcmcore.plugins.check_rle_frame`,
a few percent of GDCM's time).

The one encoder is RLE Lossless, through ``gdcm.ImageChangeTransferSyntax``.
``gdcm`` is imported inside the methods only.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydicom.uid import UID

from dcmcore import PixelSpec
from dcmcore.errors import CorruptPixelDataError, UnsupportedPixelDataError
from dcmcore.plugins import PluginBase, check_geometry, check_rle_frame, frame_bytes, rle_segment_count, version_tuple
from dcmcore.plugins.codestream import CodestreamInfo, codestream_info, parse_j2k, parse_jpeg
from dcmcore_gdcm._guards import check_jpeg_ls_scans, check_jpeg_precision, check_jpeg_tail, check_libjpeg_warnings

__all__ = [
    "GDCMDecoder",
    "GDCMEncoder",
    "DECODER",
    "ENCODER",
    "JPEG_UIDS",
    "JPEG_LS_UIDS",
    "JPEG_2000_UIDS",
    "RLE_LOSSLESS",
    "DECODER_UIDS",
    "MIN_VERSION",
]

JPEG_UIDS = frozenset(
    {
        "1.2.840.10008.1.2.4.50",  # JPEG Baseline (Process 1)
        "1.2.840.10008.1.2.4.51",  # JPEG Extended (Process 2 and 4)
        "1.2.840.10008.1.2.4.57",  # JPEG Lossless, Non-Hierarchical (Process 14)
        "1.2.840.10008.1.2.4.70",  # JPEG Lossless, Process 14, Selection Value 1
    }
)
JPEG_LS_UIDS = frozenset({"1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81"})
JPEG_2000_UIDS = frozenset({"1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91"})
RLE_LOSSLESS = "1.2.840.10008.1.2.5"
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
JPEG_LS_NEAR_LOSSLESS = "1.2.840.10008.1.2.4.81"
DECODER_UIDS = JPEG_UIDS | JPEG_LS_UIDS | JPEG_2000_UIDS | {RLE_LOSSLESS}
#: Oldest GDCM whose Python API and codecs behave as used here.
MIN_VERSION = (3, 0, 10)

_REQUIREMENT = "python-gdcm>=3.0.10"
_RGB_IDS = ((0x52, 0x47, 0x42), (0x72, 0x67, 0x62))  # "RGB" and "rgb" in ASCII


def _container(precision: int) -> int:
    """Bits of the integer GDCM stores samples of `precision` bits in."""
    for bits in (8, 16, 32):
        if precision <= bits:
            return bits
    raise UnsupportedPixelDataError(f"GDCM cannot return samples of {precision} bits (at most 32)")


@dataclass(frozen=True)
class _Plan:
    """How GDCM is asked to decode one frame, and what it will return."""

    bits_allocated: int  # the container GDCM writes
    bits_stored: int  # the codestream's precision (what the produced spec reports)
    photometric: str  # the colour space of the returned samples
    sign_shift: int = 0  # > 0: shift left then right by this much (sign correction)
    told_bits_stored: int | None = None  # the Bits Stored GDCM is told, when not `bits_stored`


def _jpeg_colour(info: CodestreamInfo, spec: PixelSpec, uid: str) -> str:
    """The colour space of the samples GDCM returns for a JPEG or JPEG-LS frame (no transform applied)."""
    pi = spec.photometric_interpretation
    if spec.samples_per_pixel == 3:
        if info.component_ids in _RGB_IDS and pi != "RGB":
            warnings.warn(
                f"The (0028,0004) 'Photometric Interpretation' is '{pi}', but the {info.kind} codestream's "
                "component IDs say the samples are RGB: decoding them as RGB",
                UserWarning,
                stacklevel=2,
            )
            return "RGB"
        if pi == "RGB" and info.adobe_transform == 1:
            # pydicom does not look at this segment: it would return these YCbCr samples as RGB
            warnings.warn(
                f"The (0028,0004) 'Photometric Interpretation' is 'RGB', but the {info.kind} codestream's "
                "Adobe segment says its samples were transformed to YCbCr: decoding them as YCbCr",
                UserWarning,
                stacklevel=2,
            )
            return "YBR_FULL"
        if info.has_jfif and "YBR" not in pi:
            coded = "YBR_FULL_422" if uid == JPEG_BASELINE else "YBR_FULL"
            warnings.warn(
                f"The (0028,0004) 'Photometric Interpretation' is '{pi}', but the {info.kind} codestream has "
                f"a JFIF segment, which means '{coded}': decoding the samples as YCbCr",
                UserWarning,
                stacklevel=2,
            )
            return "YBR_FULL"
    if pi == "YBR_FULL_422":
        return "YBR_FULL"  # GDCM returns every pixel's three samples: already upsampled
    return pi


def _plan_jpeg(src: bytes, spec: PixelSpec, uid: str) -> _Plan:
    info = parse_jpeg(src, "JPEG")
    if info.marker == 0xF7:
        raise CorruptPixelDataError("The frame is a JPEG-LS codestream (SOF55), not JPEG as the transfer syntax says")
    check_geometry(info, spec, "GDCM")
    check_jpeg_precision(info)
    check_libjpeg_warnings(info)
    check_jpeg_tail(src, info)
    container = _container(info.precision)
    # GDCM's JPEG codec requires Bits Stored = Bits Allocated for 8-bit containers (gdcmImageCodec.cxx,
    # ImageCodec::DecodeByStreams asserts it and the exception ends the process): a lossless frame of 2 to
    # 7 bits is decoded as 8 bits, which returns its samples unchanged.
    told = 8 if container == 8 else None
    return _Plan(container, info.precision, _jpeg_colour(info, spec, uid), told_bits_stored=told)


def _plan_jpeg_ls(src: bytes, spec: PixelSpec, uid: str) -> _Plan:
    info = parse_jpeg(src, "JPEG-LS")
    if info.marker != 0xF7:
        raise CorruptPixelDataError(
            f"The frame is a JPEG codestream (SOF FF {info.marker:02X}), not JPEG-LS (SOF55) as the transfer syntax says"
        )
    check_geometry(info, spec, "GDCM")
    # Both refusals are pydicom's for its GDCM plugin too, which finds GDCM's values wrong
    # there (GDCM's own JPEG-LS encoder aborts on 6-bit samples); not checked further here.
    if 6 <= info.precision <= 7 or 6 <= spec.bits_stored <= 7:
        raise UnsupportedPixelDataError(
            "JPEG-LS samples of 6 or 7 bits are not decoded with GDCM, whose results there are not right "
            f"(codestream precision {info.precision}, (0028,0101) 'Bits Stored' {spec.bits_stored})"
        )
    if uid == JPEG_LS_NEAR_LOSSLESS and spec.pixel_representation == 1 and min(info.precision, spec.bits_stored) < 8:
        raise UnsupportedPixelDataError(
            "Signed near-lossless JPEG-LS samples of fewer than 8 bits are not decoded with GDCM, whose results "
            "there are not right"
        )
    check_jpeg_ls_scans(src, info)
    container = _container(info.precision)
    # JPEG-LS has no signed samples: signed data sets store the two's complement bit patterns.
    shift = container - info.precision if spec.pixel_representation == 1 else 0
    return _Plan(container, info.precision, _jpeg_colour(info, spec, uid), shift)


def _plan_j2k(src: bytes, spec: PixelSpec) -> _Plan:
    info = parse_j2k(src)
    check_geometry(info, spec, "GDCM")
    container = _container(info.precision)
    pi = spec.photometric_interpretation
    if pi in ("YBR_ICT", "YBR_RCT"):
        pi = "RGB"
    shift = 0
    if spec.photometric_interpretation in ("MONOCHROME1", "MONOCHROME2") and info.is_signed != bool(spec.pixel_representation):
        # Samples coded with the other signedness than (0028,0103) says: reinterpret
        # the codestream's precision as the data set's signedness.
        shift = container - info.precision
    return _Plan(container, info.precision, pi, shift)


def _plan_rle(src: bytes, spec: PixelSpec) -> _Plan:
    if spec.bits_allocated not in (8, 16, 32):
        raise UnsupportedPixelDataError(
            f"GDCM decodes RLE Lossless samples of 8, 16 or 32 bits, not a (0028,0100) 'Bits Allocated' of {spec.bits_allocated}"
        )
    if spec.samples_per_pixel > 1 and spec.bits_allocated > 8:
        raise UnsupportedPixelDataError(
            f"GDCM orders the segments of RLE Lossless colour samples of {spec.bits_allocated} bits differently "
            "from PS3.5 G.2 and returns wrong values: only 8-bit colour is decoded with GDCM"
        )
    rle_segment_count(spec)  # InvalidPixelSpecError beyond 15 segments
    # GDCM accepts a segment whose last literal run is cut short and leaves the missing
    # bytes as its buffer held them. dcmcore's strict decoder checks the header and every
    # segment (CorruptPixelDataError) in a small fraction of GDCM's time.
    check_rle_frame(src, spec)
    # Bits Stored = Bits Allocated: GDCM returns the stored bit patterns untouched
    # (dcmcore masks or sign-extends them afterwards, as for every syntax).
    # RLE segments hold every sample of every pixel (PS3.5 G.2): YCbCr labelled YBR_FULL_422 is
    # full resolution, and GDCM, told 4:2:2, asserts on the length and aborts the process
    pi = spec.photometric_interpretation
    return _Plan(spec.bits_allocated, spec.bits_allocated, "YBR_FULL" if pi == "YBR_FULL_422" else pi)


@functools.lru_cache(maxsize=64)
def _produced(spec: PixelSpec, bits_allocated: int, bits_stored: int, photometric: str) -> PixelSpec:
    """What GDCM returned, as a spec: the same for every frame, so built once per data set."""
    if (bits_allocated, bits_stored, photometric, 0) == (
        spec.bits_allocated,
        spec.bits_stored,
        spec.photometric_interpretation,
        spec.planar_configuration,
    ):
        return spec
    return spec.replace(
        bits_allocated=bits_allocated,
        bits_stored=bits_stored,
        photometric_interpretation=photometric,
        planar_configuration=0,
    )


def _gdcm_photometric(gdcm: Any, name: str) -> Any:
    kind = gdcm.PhotometricInterpretation.GetPIType(name)
    if kind == gdcm.PhotometricInterpretation.UNKNOWN:
        raise UnsupportedPixelDataError(f"GDCM does not know the (0028,0004) 'Photometric Interpretation' {name!r}")
    return gdcm.PhotometricInterpretation(kind)


def _gdcm_decode(src: bytes, spec: PixelSpec, uid: str, plan: _Plan) -> bytes:
    """One frame through ``gdcm.Image.GetBuffer``: the decoded bytes, samples interleaved."""
    import gdcm

    fragment = gdcm.Fragment()
    fragment.SetByteStringValue(src)
    fragments = gdcm.SequenceOfFragments.New()
    fragments.AddFragment(fragment)
    pixel_data = gdcm.DataElement(gdcm.Tag(0x7FE0, 0x0010))
    pixel_data.SetValue(fragments.__ref__())

    image = gdcm.Image()
    image.SetNumberOfDimensions(2)
    image.SetDimensions((spec.columns, spec.rows, 1))
    image.SetDataElement(pixel_data)
    told = plan.photometric if uid == RLE_LOSSLESS else spec.photometric_interpretation
    image.SetPhotometricInterpretation(_gdcm_photometric(gdcm, told))
    if spec.samples_per_pixel > 1:
        image.SetPlanarConfiguration(0)  # GDCM returns interleaved samples whatever it is told
    image.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.GetTSType(uid)))
    stored = plan.bits_stored if plan.told_bits_stored is None else plan.told_bits_stored
    image.SetPixelFormat(
        gdcm.PixelFormat(spec.samples_per_pixel, plan.bits_allocated, stored, stored - 1, spec.pixel_representation)
    )
    text = image.GetBuffer()
    if text is None:
        # The header was read and checked before (rows, columns, components, precision): what GDCM
        # cannot decode past that is the coded data itself.
        raise CorruptPixelDataError(
            f"GDCM could not decode the {len(src)}-byte {UID(uid).name} ({uid}) frame as {spec.rows} x "
            f"{spec.columns} pixels of {spec.samples_per_pixel} sample(s) of {plan.bits_stored} bits: its "
            "coded data is corrupt or truncated (GDCM's messages on stderr say where)"
        )
    # python-gdcm hands the C buffer back as a str decoded with 'surrogateescape'
    return text.encode("utf-8", "surrogateescape")


class _GDCMPlugin(PluginBase):
    """What the decoder and the encoder share: label, priority, dependency checks."""

    label = "gdcm"
    priority = 30
    dependencies = {"gdcm": _REQUIREMENT}
    install_hint = "pip install 'python-gdcm>=3.0.10'"

    def missing_dependencies(self, uid: str) -> list[str]:
        reasons = super().missing_dependencies(uid)
        if reasons:
            return reasons
        import gdcm

        version = gdcm.Version.GetVersion()
        if version_tuple(version) < MIN_VERSION:
            return [f"GDCM {version} is installed, {_REQUIREMENT} is needed", f"install with: {self.install_hint}"]
        return []


class GDCMDecoder(_GDCMPlugin):
    """Decode JPEG, JPEG-LS, JPEG 2000 and RLE Lossless frames with GDCM."""

    uids = DECODER_UIDS

    def frame_geometry(self, src: bytes | memoryview, spec: PixelSpec) -> CodestreamInfo | None:
        """The rows, columns and components of a JPEG-family frame's codestream, read without decoding."""
        return codestream_info(src, spec.transfer_syntax_uid)

    def decode(
        self, src: bytes | memoryview, spec: PixelSpec, *, out: np.ndarray | None = None, **options: Any
    ) -> tuple[np.ndarray, PixelSpec]:
        """Decode one frame (options are accepted and ignored: GDCM takes none here)."""
        uid = str(spec.transfer_syntax_uid)
        data = frame_bytes(src)
        if uid in JPEG_UIDS:
            plan = _plan_jpeg(data, spec, uid)
        elif uid in JPEG_LS_UIDS:
            plan = _plan_jpeg_ls(data, spec, uid)
        elif uid in JPEG_2000_UIDS:
            plan = _plan_j2k(data, spec)
        elif uid == RLE_LOSSLESS:
            plan = _plan_rle(data, spec)
        else:
            raise UnsupportedPixelDataError(f"The gdcm plugin does not decode the transfer syntax {uid}")

        decoded = _gdcm_decode(data, spec, uid, plan)
        dtype = np.dtype(f"{'i' if spec.pixel_representation else 'u'}{plan.bits_allocated // 8}")
        if len(decoded) != spec.frame_pixels * spec.samples_per_pixel * dtype.itemsize:
            raise RuntimeError(
                f"GDCM returned {len(decoded)} bytes for a frame of {spec.rows} x {spec.columns} pixels of "
                f"{spec.samples_per_pixel} sample(s) of {plan.bits_allocated} bits"
            )
        frame = np.frombuffer(decoded, dtype).reshape(spec.frame_shape)
        if out is not None and out.dtype == dtype and out.shape == spec.frame_shape:
            np.copyto(out, frame)
        else:
            out = frame.copy()
        if plan.sign_shift:
            np.left_shift(out, plan.sign_shift, out=out)
            np.right_shift(out, plan.sign_shift, out=out)

        return out, _produced(spec, plan.bits_allocated, plan.bits_stored, plan.photometric)


class GDCMEncoder(_GDCMPlugin):
    """Encode frames as RLE Lossless with GDCM."""

    uids = frozenset({RLE_LOSSLESS})

    def encode(self, src: np.ndarray | bytes | memoryview, spec: PixelSpec, **options: Any) -> bytes:
        """Encode one frame (an array of ``spec.frame_shape`` or its native little endian bytes)."""
        from dcmcore_gdcm._encode import encode_rle

        return encode_rle(src, spec)


DECODER = GDCMDecoder()
ENCODER = GDCMEncoder()
