"""dcmcore-imagecodecs encoders: round trips, lossless bit for bit, lossy within a stated error.

Every codestream is decoded back through dcmcore (this plugin) and, where
pydicom has a decoder for the syntax, through pydicom with an independent
library (pyjpegls, pylibjpeg-openjpeg, pylibjpeg-libjpeg, Pillow), which
must return the same array.
"""

from __future__ import annotations

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")
imagecodecs = pytest.importorskip("imagecodecs")

import dcmcore  # noqa: E402
import dcmcore.plugins as plugins  # noqa: E402
from dcmcore.errors import UnsupportedPixelDataError  # noqa: E402
from dcmcore.plugins import EncoderPlugin, testing  # noqa: E402
from dcmcore_imagecodecs import ENCODER, ENCODER_UIDS  # noqa: E402
from pydicom.pixels import pixel_array as pydicom_array  # noqa: E402
from pydicom.uid import (  # noqa: E402
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

JXL_LOSSLESS = "1.2.840.10008.1.2.4.110"
#: pydicom's decoder for each lossless syntax (None: pydicom 3.0 has none)
PYDICOM_DECODER = {
    str(JPEGLSLossless): "pyjpegls",
    str(JPEG2000Lossless): "pylibjpeg",
    str(HTJ2KLossless): "pylibjpeg",
    str(HTJ2KLosslessRPCL): "pylibjpeg",
    str(JPEGLosslessSV1): "pylibjpeg",
    JXL_LOSSLESS: None,
}
_LAYOUTS = [(1, 8, 8, 0), (1, 16, 12, 0), (1, 16, 12, 1), (1, 16, 16, 0), (1, 16, 16, 1), (3, 8, 8, 0)]


def _values(uid: str, samples: int, allocated: int, stored: int, signed: int, nframes: int = 2):
    spec = testing.make_spec(48, 40, samples, allocated, signed=signed, uid=uid).replace(
        bits_stored=stored, number_of_frames=nframes
    )
    frames = np.stack([testing.encoder_values(spec.replace(bits_stored=allocated), seed) for seed in range(nframes)])
    shift = allocated - stored
    if shift:  # values within Bits Stored
        frames = (frames << shift) >> shift
    return spec, frames


def _decode_both(encoded: list[bytes], spec, **kwargs):
    ds = testing.encapsulated_dataset(encoded, spec)
    return ds, dcmcore.pixel_array(ds, decoding_plugin="imagecodecs", **kwargs)


HAS_OPENJPH = hasattr(imagecodecs, "htj2k_encode")
OPENJPH_UIDS = {str(HTJ2KLossless), str(HTJ2KLosslessRPCL), str(HTJ2K)}
needs_openjph = pytest.mark.skipif(not HAS_OPENJPH, reason="this imagecodecs has no OpenJPH: HTJ2K is decoded, not encoded")


def test_registered_for_every_encoded_syntax():
    assert isinstance(ENCODER, EncoderPlugin)
    for uid in sorted(ENCODER_UIDS - (set() if HAS_OPENJPH else OPENJPH_UIDS)):
        (info,) = [i for i in plugins.encoders(uid) if i.label == "imagecodecs"]
        assert info.available and info.plugin is ENCODER, info


@pytest.mark.parametrize("uid", sorted(PYDICOM_DECODER))
@pytest.mark.parametrize("samples, allocated, stored, signed", _LAYOUTS)
def test_lossless_round_trip_bit_for_bit(uid, samples, allocated, stored, signed):
    if uid in OPENJPH_UIDS and not HAS_OPENJPH:
        assert ENCODER.missing_dependencies(uid) == ["this imagecodecs build has no HTJ2K codec"]
        pytest.skip("this imagecodecs has no OpenJPH: HTJ2K is decoded, not encoded")
    spec, frames = _values(uid, samples, allocated, stored, signed)
    encoded = [ENCODER.encode(f, spec) for f in frames]
    ds, arr = _decode_both(encoded, spec)
    np.testing.assert_array_equal(arr, frames)
    label = PYDICOM_DECODER[uid]
    if label is not None and not (signed and uid == str(JPEGLosslessSV1) and stored < allocated):
        # (pydicom does not sign-extend JPEG Lossless samples of fewer bits than their container)
        np.testing.assert_array_equal(pydicom_array(ds, decoding_plugin=label), frames)


@pytest.mark.parametrize("uid", sorted(PYDICOM_DECODER))
def test_every_input_form_encodes_to_the_same_bytes(uid):
    if uid in OPENJPH_UIDS and not HAS_OPENJPH:
        pytest.skip("this imagecodecs has no OpenJPH")
    spec, frames = _values(uid, 3, 8, 8, 0, nframes=1)
    testing.check_encoder_input_forms(ENCODER, frames[0], spec)
    testing.check_encoder_rejects_misfits(ENCODER, spec)


@pytest.mark.parametrize("error", [1, 3])
@pytest.mark.parametrize("samples, bits", [(1, 8), (1, 16), (3, 8)])
def test_jpeg_ls_near_lossless_within_jls_error(error, samples, bits):
    spec, frames = _values(str(JPEGLSNearLossless), samples, bits, bits, 0)
    encoded = [ENCODER.encode(f, spec, jls_error=error) for f in frames]
    ds, arr = _decode_both(encoded, spec)
    assert np.abs(arr.astype(np.int32) - frames).max() <= error
    np.testing.assert_array_equal(pydicom_array(ds, decoding_plugin="pyjpegls"), arr)


def _psnr(a: np.ndarray, b: np.ndarray, bits: int) -> float:
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(((1 << bits) - 1) ** 2 / mse)


def _smooth(spec, nframes=2):
    y, x = np.mgrid[0 : spec.rows, 0 : spec.columns]
    top = (1 << spec.bits_stored) - 1
    ramp = (x * 37 + y * 23) % (top + 1)
    return np.stack([ramp + k for k in range(nframes)]).clip(0, top).astype(spec.dtype)


def test_jpeg_2000_lossy_by_psnr():
    spec = testing.make_spec(64, 64, 1, 16, uid=str(JPEG2000)).replace(bits_stored=12, number_of_frames=2)
    frames = _smooth(spec)
    encoded = [ENCODER.encode(f, spec, j2k_psnr=[45]) for f in frames]
    ds, arr = _decode_both(encoded, spec)
    assert _psnr(arr, frames, 12) > 40  # asked for 45 dB; OpenJPEG's rate control lands near it
    np.testing.assert_array_equal(pydicom_array(ds, decoding_plugin="pylibjpeg"), arr)


@pytest.mark.parametrize("uid", [str(JPEG2000), pytest.param(str(HTJ2K), marks=needs_openjph)])
def test_lossy_by_compression_ratio(uid):
    spec = testing.make_spec(64, 64, 1, 16, uid=uid).replace(bits_stored=12)
    frame = _smooth(spec, 1)[0]
    encoded = ENCODER.encode(frame, spec, j2k_cr=[8])
    assert len(encoded) <= spec.frame_nbytes / 8
    ds, arr = _decode_both([encoded], spec)
    assert _psnr(arr, frame, 12) > 25  # a smooth ramp at 8:1
    with pytest.raises(ValueError, match="one quality layer"):
        ENCODER.encode(frame, spec, j2k_cr=[20, 5])
    with pytest.raises(ValueError, match="not both"):
        ENCODER.encode(frame, spec, j2k_cr=8, j2k_psnr=40)


def _main_header_markers(codestream: bytes) -> dict[int, bytes]:
    """The JPEG 2000 main header's marker segments up to the first tile (SOT), by marker."""
    markers, pos = {}, 2  # after SOC
    while pos + 4 <= len(codestream):
        marker, length = int.from_bytes(codestream[pos : pos + 2], "big"), int.from_bytes(codestream[pos + 2 : pos + 4], "big")
        if marker == 0xFF90:
            break
        markers[marker] = codestream[pos + 4 : pos + 2 + length]
        pos += 2 + length
    return markers


@needs_openjph
def test_htj2k_rpcl_has_rpcl_progression_and_tlm_markers():
    spec, frames = _values(str(HTJ2KLosslessRPCL), 1, 16, 12, 0, nframes=1)
    markers = _main_header_markers(ENCODER.encode(frames[0], spec))
    assert markers[0xFF52][1] == 2  # COD: Scod, then the progression order, 2 = RPCL (ISO/IEC 15444-1 A.6.1)
    assert 0xFF55 in markers  # TLM
    plain = _main_header_markers(ENCODER.encode(frames[0], spec.replace(transfer_syntax_uid=str(HTJ2KLossless))))
    assert 0xFF55 not in plain


@needs_openjph
@pytest.mark.parametrize("samples, options", [(1, {}), (3, {}), (3, {"use_mct": True})])
def test_htj2k_lossy_by_psnr(samples, options):
    spec = testing.make_spec(64, 64, 1, 16, uid=str(HTJ2K)).replace(bits_stored=12, number_of_frames=2)
    frames = _smooth(spec)
    if samples == 3:
        spec = testing.make_spec(64, 64, 3, 8, uid=str(HTJ2K)).replace(number_of_frames=2)
        frames = np.stack([np.dstack([f % 256, (f * 3) % 256, f // 16]) for f in frames]).astype(np.uint8)
    bits = spec.bits_stored
    encoded = [ENCODER.encode(f, spec, j2k_psnr=[45], **options) for f in frames]
    stored = spec.replace(photometric_interpretation=ENCODER.encoded_photometric_interpretation(spec, **options))
    ds, arr = _decode_both(encoded, stored)
    assert _psnr(arr, frames, bits) >= 44.5  # asked for 45 dB (measured with OpenJPH; OpenJPEG decodes here)
    np.testing.assert_array_equal(pydicom_array(ds, decoding_plugin="pylibjpeg"), arr)


def test_jpeg_2000_rgb_with_component_transforms():
    spec, frames = _values(str(JPEG2000Lossless), 3, 8, 8, 0, nframes=1)
    rct = spec.replace(photometric_interpretation="YBR_RCT")
    ds, arr = _decode_both([ENCODER.encode(frames[0], rct)], rct)
    np.testing.assert_array_equal(arr, frames[0])  # the codec undoes the RCT: RGB again
    np.testing.assert_array_equal(pydicom_array(ds, decoding_plugin="pylibjpeg"), frames[0])


@pytest.mark.parametrize(
    "pi, options, produced",
    [
        ("MONOCHROME2", {}, "MONOCHROME2"),
        ("RGB", {}, "YBR_FULL_422"),
        ("RGB", {"jpeg_subsampling": "444"}, "YBR_FULL"),
        ("RGB", {"jpeg_color_transform": False}, "RGB"),
        ("YBR_FULL", {}, "YBR_FULL"),
        ("YBR_FULL_422", {}, "YBR_FULL_422"),
    ],
)
def test_jpeg_baseline_close_to_the_source_and_equal_to_pillow(pi, options, produced):
    samples = 1 if pi.startswith("MONO") else 3
    spec = testing.make_spec(64, 48, samples, 8, uid=str(JPEGBaseline8Bit)).replace(photometric_interpretation=pi)
    y, x = np.mgrid[0:64, 0:48]
    frame = ((x * 4 + y * 2) % 256).astype(np.uint8)
    if samples == 3:
        frame = np.dstack([frame, frame[::-1], np.full_like(frame, 128)])
    assert ENCODER.encoded_photometric_interpretation(spec, **options) == produced
    stored = spec.replace(photometric_interpretation=produced)  # what the data set says after compress
    converted = pi == "RGB" and produced != "RGB"  # RGB in, YCbCr stored: compare as RGB
    ds, arr = _decode_both([ENCODER.encode(frame, spec, jpeg_quality=95, **options)], stored, raw=not converted)
    # the chroma of the ramps' hard wraps is halved horizontally when RGB is subsampled
    assert _psnr(arr, frame, 8) > (27 if converted and produced == "YBR_FULL_422" else 30)
    theirs = pydicom_array(ds, decoding_plugin="pillow", raw=not converted)
    if converted:  # two YCbCr -> RGB conversions (libjpeg-turbo's, pydicom's) may round differently
        assert np.abs(arr.astype(int) - theirs).max() <= 2
    else:
        np.testing.assert_array_equal(arr, theirs)


@pytest.mark.parametrize("uid, options, produced", [
    (str(JPEG2000Lossless), {}, "RGB"), (str(JPEG2000Lossless), {"use_mct": True}, "YBR_RCT"),
    (str(JPEG2000), {"use_mct": True}, "YBR_ICT"), (str(HTJ2KLossless), {}, "RGB"),
    (str(HTJ2KLossless), {"use_mct": True}, "YBR_RCT"), (str(HTJ2KLosslessRPCL), {"use_mct": True}, "YBR_RCT"),
    (str(HTJ2K), {}, "RGB"), (str(HTJ2K), {"use_mct": True}, "YBR_ICT"), (str(JPEGLSLossless), {"use_mct": True}, "RGB"),
    (str(JPEGLosslessSV1), {}, "RGB"),
])  # fmt: skip
def test_encoded_photometric_interpretation(uid, options, produced):
    spec = testing.make_spec(8, 8, 3, 8, uid=uid)
    assert ENCODER.encoded_photometric_interpretation(spec, **options) == produced
    mono = testing.make_spec(8, 8, 1, 8, uid=uid)
    assert ENCODER.encoded_photometric_interpretation(mono, **options) == "MONOCHROME2"


def test_refusals():
    with pytest.raises(UnsupportedPixelDataError, match="unsigned 8-bit"):
        ENCODER.encode(np.zeros((8, 8), np.uint16), testing.make_spec(8, 8, 1, 16, uid=str(JPEGBaseline8Bit)))
    with pytest.raises(UnsupportedPixelDataError, match="32"):
        ENCODER.encode(np.zeros((8, 8), np.uint32), testing.make_spec(8, 8, 1, 32, uid=str(JPEG2000Lossless)))
    with pytest.raises(UnsupportedPixelDataError, match="'Bits Stored' 8 or 16 only"):
        ENCODER.encode(np.zeros((8, 8), np.uint16), testing.make_spec(8, 8, 1, 16, uid=str(JPEGLSNearLossless)).replace(bits_stored=12))
    with pytest.raises(ValueError, match="'jls_error'"):
        ENCODER.encode(np.zeros((8, 8), np.uint8), testing.make_spec(8, 8, 1, 8, uid=str(JPEGLSNearLossless)), jls_error=-1)
    assert ENCODER.missing_dependencies("1.2.840.10008.1.2.4.51")[0].endswith("1.2.840.10008.1.2.4.51")  # JPEG Extended: decoded only


def test_encode_does_not_modify_its_input():
    spec, frames = _values(str(JPEG2000Lossless), 1, 16, 12, 1, nframes=1)
    before = frames.copy()
    ENCODER.encode(frames[0], spec)
    np.testing.assert_array_equal(frames, before)
