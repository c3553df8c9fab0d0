"""compress writes the Photometric Interpretation of what the encoder produced (PS3.5 section 8.2).

Oracles: pydicom's ``Dataset.compress`` with its own encoders (pyjpegls,
pylibjpeg-openjpeg) on the same RGB data, for the syntaxes it encodes; the
codestream headers (JPEG SOF sampling factors, JPEG 2000 COD multiple
component transform flag), read here by hand; and pydicom's own decoders,
which must return the source pixels (exactly when lossless, by PSNR when
lossy).
"""

from __future__ import annotations

import copy

import numpy as np
import pydicom
import pytest
from pydicom import examples
from pydicom.encaps import generate_frames
from pydicom.uid import (
    JPEG2000,
    HTJ2KLossless,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGLosslessSV1,
    JPEGLSLossless,
    JPEGLSNearLossless,
    RLELossless,
)

import dcmcore
from dcmcore import plugins
from tests._write_corpus import saved_and_read, snapshot

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _encoder_usable(uid, label="imagecodecs") -> bool:
    return any(i.label == label and i.available for i in plugins.encoders(str(uid)))


def _rgb():
    ds = examples.rgb_color  # a fresh copy each time: 240 x 320 RGB, 8 bits
    return ds, ds.pixel_array.copy()


def _psnr(a, b) -> float:
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)


def _first_frame(ds) -> bytes:
    return next(generate_frames(ds.PixelData, number_of_frames=int(ds.get("NumberOfFrames", 1) or 1)))


def _jpeg_sampling(codestream: bytes) -> list[tuple[int, int]]:
    """(H, V) sampling factors of each component, from the first SOF segment."""
    i = 2
    while i < len(codestream):
        marker, length = codestream[i + 1], int.from_bytes(codestream[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            n = codestream[i + 9]
            comps = codestream[i + 10 : i + 10 + 3 * n]
            return [(comps[3 * k + 1] >> 4, comps[3 * k + 1] & 15) for k in range(n)]
        i += 2 + length
    raise AssertionError("no SOF segment")


def _j2k_mct(codestream: bytes) -> int:
    """The multiple component transform byte of the COD segment (0: none, 1: applied)."""
    i = codestream.find(b"\xff\x52")
    return codestream[i + 4 + 1 + 1 + 2]


# -- the syntaxes pydicom encodes: the same value as pydicom's own compress -------------------
_PYDICOM_CASES = [
    # (syntax, dcmcore options, what pydicom needs to do the same: data set PI, options, decoder)
    (JPEGLSLossless, {}, "RGB", {}, "pyjpegls"),
    (JPEGLSNearLossless, {"jls_error": 2}, "RGB", {"jls_error": 2}, "pyjpegls"),
    (JPEG2000Lossless, {}, "RGB", {}, "pylibjpeg"),
    (JPEG2000Lossless, {"use_mct": True}, "YBR_RCT", {}, "pylibjpeg"),
    (JPEG2000, {"j2k_cr": [10]}, "RGB", {"j2k_cr": [10]}, "pylibjpeg"),
    (JPEG2000, {"j2k_cr": [10], "use_mct": True}, "YBR_ICT", {"j2k_cr": [10]}, "pylibjpeg"),
]


@pytest.mark.parametrize("uid, ours, their_pi, theirs, decoder", _PYDICOM_CASES)
def test_photometric_as_pydicom_compress(uid, ours, their_pi, theirs, decoder):
    if not _encoder_usable(uid):
        pytest.skip("no dcmcore-imagecodecs encoder here")
    ds, source = _rgb()
    oracle, _ = _rgb()
    oracle.PhotometricInterpretation = their_pi  # pydicom: the value wanted after encoding
    oracle.compress(uid, **theirs)
    dcmcore.compress(ds, uid, encoding_plugin="imagecodecs", **ours)
    assert ds.PhotometricInterpretation == oracle.PhotometricInterpretation
    if uid in (JPEG2000Lossless, JPEG2000):
        assert _j2k_mct(_first_frame(ds)) == _j2k_mct(_first_frame(oracle))
    back = pydicom.pixels.pixel_array(saved_and_read(ds), decoding_plugin=decoder)
    if uid == JPEGLSNearLossless:
        assert np.abs(back.astype(int) - source).max() <= 2
    elif uid == JPEG2000:
        assert _psnr(back, source) > 30
    else:
        np.testing.assert_array_equal(back, source)


# -- the syntaxes pydicom does not encode: the headers say what the value must be -----------------
@pytest.mark.parametrize(
    "options, expected, sampling",
    [
        ({}, "YBR_FULL_422", [(2, 1), (1, 1), (1, 1)]),
        ({"jpeg_subsampling": "422"}, "YBR_FULL_422", [(2, 1), (1, 1), (1, 1)]),
        ({"jpeg_subsampling": "444"}, "YBR_FULL", [(1, 1), (1, 1), (1, 1)]),
        ({"jpeg_color_transform": False}, "RGB", [(1, 1), (1, 1), (1, 1)]),
    ],
)
def test_rgb_to_jpeg_baseline(options, expected, sampling):
    if not _encoder_usable(JPEGBaseline8Bit):
        pytest.skip("no dcmcore-imagecodecs encoder here")
    ds, source = _rgb()
    dcmcore.compress(ds, JPEGBaseline8Bit, encoding_plugin="imagecodecs", jpeg_quality=95, **options)
    assert ds.PhotometricInterpretation == expected
    assert ds.PlanarConfiguration == 0 and ds.LossyImageCompression == "01"
    assert _jpeg_sampling(_first_frame(ds)) == sampling
    back = pydicom.pixels.pixel_array(saved_and_read(ds), decoding_plugin="pillow")  # pydicom: to RGB
    assert _psnr(back, source) > 30


@pytest.mark.parametrize("options, expected, mct", [({}, "RGB", 0), ({"use_mct": True}, "YBR_RCT", 1)])
def test_rgb_to_htj2k_lossless(options, expected, mct):
    if not _encoder_usable(HTJ2KLossless):
        pytest.skip("this imagecodecs encodes no HTJ2K")
    ds, source = _rgb()
    dcmcore.compress(ds, HTJ2KLossless, encoding_plugin="imagecodecs", **options)
    assert ds.PhotometricInterpretation == expected
    assert _j2k_mct(_first_frame(ds)) == mct
    np.testing.assert_array_equal(pydicom.pixels.pixel_array(saved_and_read(ds), decoding_plugin="pylibjpeg"), source)


def test_lossless_jpeg_keeps_rgb():
    if not _encoder_usable(JPEGLosslessSV1):
        pytest.skip("no dcmcore-imagecodecs encoder here")
    ds, source = _rgb()
    dcmcore.compress(ds, JPEGLosslessSV1, encoding_plugin="imagecodecs")
    assert ds.PhotometricInterpretation == "RGB"
    np.testing.assert_array_equal(pydicom.pixels.pixel_array(saved_and_read(ds), decoding_plugin="pylibjpeg"), source)


# -- the capability is optional and found by attribute -----------------------------------------
class _Declaring:
    """A run-time RLE encoder that delegates to dcmcore's own and declares a value through the capability."""

    label = "declaring"
    priority = 99

    def __init__(self, value):
        self.value = value

    def is_available(self, uid):
        return True

    def encode(self, src, spec, **options):
        return plugins.encoder_dispatcher(RLELossless, "dcmcore").encode(src, spec)

    def encoded_photometric_interpretation(self, spec, **options):
        return self.value


def test_without_the_capability_the_value_is_kept():
    ds, _ = _rgb()
    dcmcore.compress(ds, RLELossless, encoding_plugin="dcmcore")
    assert not hasattr(plugins.encoder_dispatcher(RLELossless, "dcmcore").first, "encoded_photometric_interpretation")
    assert ds.PhotometricInterpretation == "RGB"


def test_the_capability_is_used_and_checked():
    plugins.register_encoder(RLELossless, _Declaring("YBR_FULL"), replace=True)
    try:
        ds, _ = _rgb()
        dcmcore.compress(ds, RLELossless, encoding_plugin="declaring")
        assert ds.PhotometricInterpretation == "YBR_FULL"
        bad = _Declaring(None)
        plugins.register_encoder(RLELossless, bad, replace=True)
        ds, _ = _rgb()
        before = snapshot(ds)
        with pytest.raises(dcmcore.PluginError, match="encoded_photometric_interpretation"):
            dcmcore.compress(ds, RLELossless, encoding_plugin="declaring")
        assert snapshot(ds) == before
    finally:
        plugins.unregister_encoder(RLELossless, "declaring")


def test_pydicom_integration_keeps_the_data_sets_value():
    """Through pydicom (which keeps the data set's value) the encoder codes the colour space the data set names."""
    if not _encoder_usable(JPEG2000Lossless):
        pytest.skip("no dcmcore-imagecodecs encoder here")
    dcmcore.install_pydicom_plugins()
    try:
        ds, source = _rgb()
        ds.compress(JPEG2000Lossless, encoding_plugin="dcmcore")
        assert ds.PhotometricInterpretation == "RGB" and _j2k_mct(_first_frame(ds)) == 0
        ds, _ = _rgb()
        ybr = copy.deepcopy(ds)
        ybr.PhotometricInterpretation = "YBR_RCT"
        ybr.compress(JPEG2000Lossless, encoding_plugin="dcmcore")  # pydicom's way to ask for the RCT
        assert _j2k_mct(_first_frame(ybr)) == 1
    finally:
        dcmcore.uninstall_pydicom_plugins()
    np.testing.assert_array_equal(pydicom.pixels.pixel_array(saved_and_read(ybr), decoding_plugin="pylibjpeg"), source)
