"""compress / decompress over every image of pydicom's test files and pydicom-data.

Lossless syntaxes round trip bit for bit; RLE output is read back by pydicom
with its own decoders; a data set that cannot be compressed is left exactly
as it was.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pydicom
import pytest
from pydicom.uid import RLELossless

import dcmcore
import dcmcore.plugins as plugins
from dcmcore.errors import DcmcoreError
from dcmcore.uids import (
    JPEG_2000_FAMILY_TRANSFER_SYNTAXES,
    JPEG_FAMILY_TRANSFER_SYNTAXES,
    DeflatedImageFrameCompression,
    EncapsulatedUncompressedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
)
from dcmcore.write._lossy import is_lossy
from tests._write_corpus import read, saved_and_read, snapshot, survey

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

NATIVE, ENCAPSULATED = survey()
LOSSLESS = [RLELossless, DeflatedImageFrameCompression, EncapsulatedUncompressedExplicitVRLittleEndian]
OPTIONAL_LOSSLESS = [
    pydicom.uid.JPEGLSLossless,
    pydicom.uid.JPEG2000Lossless,
    pydicom.uid.HTJ2KLossless,
]


def _stored(ds):
    """dcmcore's stored values of `ds`, or the exception class."""
    try:
        return dcmcore.pixel_array(ds, raw=True)
    except Exception as exc:  # noqa: BLE001 - compared, not hidden
        return type(exc)


def _has_encoder(uid) -> bool:
    return any(info.available for info in plugins.encoders(uid))


@pytest.mark.parametrize("name", sorted(NATIVE))
@pytest.mark.parametrize("uid", LOSSLESS, ids=["rle", "deflated", "encaps-unc"])
def test_native_corpus_lossless_roundtrip(name, uid):
    ds = read(NATIVE[name])
    before = _stored(ds)
    if not isinstance(before, np.ndarray):
        pytest.skip(f"dcmcore does not decode {name}: {before.__name__}")
    work = copy.deepcopy(ds)
    untouched = snapshot(work)
    try:
        dcmcore.compress(work, uid, workers=2)
    except (DcmcoreError, ValueError, NotImplementedError) as exc:
        assert snapshot(work) == untouched, "a failed compress changed the data set"
        assert str(exc)
        return
    assert work.file_meta.TransferSyntaxUID == uid
    assert work["PixelData"].VR == "OB" and work["PixelData"].is_undefined_length
    back = saved_and_read(work)
    assert np.array_equal(dcmcore.pixel_array(back, raw=True), before)
    if uid == RLELossless:  # pydicom decodes it with its own RLE decoder
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = pydicom.pixels.pixel_array(back, raw=True, decoding_plugin="pydicom")
        assert np.array_equal(theirs, before)
    dcmcore.decompress(back, as_rgb=False)  # stored values, YCbCr kept
    assert back.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
    assert np.array_equal(dcmcore.pixel_array(saved_and_read(back), raw=True), before)


@pytest.mark.parametrize("uid", OPTIONAL_LOSSLESS, ids=lambda u: u.name)
@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small.dcm", "SC_rgb.dcm", "OBXXXX1A.dcm"])
def test_jpeg_family_lossless_when_an_encoder_is_installed(name, uid):
    if not _has_encoder(uid):
        pytest.skip(f"no encoder plugin for {uid.name} is installed")
    ds = read(NATIVE[name])
    before = dcmcore.pixel_array(ds, raw=True)
    dcmcore.compress(ds, uid)
    back = saved_and_read(ds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = pydicom.pixels.pixel_array(back)
    assert np.array_equal(dcmcore.pixel_array(back), theirs)
    if ds.PhotometricInterpretation in ("MONOCHROME1", "MONOCHROME2"):
        assert np.array_equal(theirs, before)


@pytest.mark.parametrize("name", sorted(ENCAPSULATED))
def test_decompress_corpus_matches_dcmcore_and_pydicom(name):
    ds = read(ENCAPSULATED[name])
    try:
        expected = dcmcore.pixel_array(ds)
    except Exception as exc:  # noqa: BLE001
        work = copy.deepcopy(ds)
        untouched = snapshot(work)
        with pytest.raises(type(exc)):
            dcmcore.decompress(work)
        assert snapshot(work) == untouched
        return
    pi = ds.PhotometricInterpretation
    work = copy.deepcopy(ds)
    dcmcore.decompress(work, workers=2)
    assert work.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
    assert not work["PixelData"].is_undefined_length
    assert work["PixelData"].VR == ("OB" if ds.BitsAllocated <= 8 else "OW")
    assert len(work.PixelData) % 2 == 0
    assert "ExtendedOffsetTable" not in work
    try:
        back = saved_and_read(work)
    except TypeError:  # pydicom cannot write an element of the file as read (no VR)
        back = work
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = pydicom.pixels.pixel_array(back)
    assert np.array_equal(theirs, expected)
    assert np.array_equal(dcmcore.pixel_array(back), expected)
    if pi in ("YBR_FULL", "YBR_FULL_422") and ds.SamplesPerPixel == 3:
        assert back.PhotometricInterpretation == "RGB"
        assert back.SOPInstanceUID != ds.get("SOPInstanceUID")  # colour converted: a new instance
    elif "SOPInstanceUID" in ds:
        assert back.SOPInstanceUID == ds.SOPInstanceUID


def test_decompress_photometric_as_pydicom_on_ybr_jpeg():
    name = "SC_rgb_jpeg_gdcm.dcm"
    if name not in ENCAPSULATED:
        pytest.skip("test file missing")
    ds = read(ENCAPSULATED[name])
    for as_rgb in (True, False):
        ours, theirs = copy.deepcopy(ds), copy.deepcopy(ds)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theirs.decompress(as_rgb=as_rgb)
        except Exception:  # noqa: BLE001 - pydicom lacks a decoder here
            pytest.skip("pydicom cannot decode this file here")
        dcmcore.decompress(ours, as_rgb=as_rgb)
        assert ours.PhotometricInterpretation == theirs.PhotometricInterpretation
        assert np.array_equal(dcmcore.pixel_array(ours), pydicom.pixels.pixel_array(theirs))


@pytest.mark.parametrize("uid", sorted(JPEG_FAMILY_TRANSFER_SYNTAXES | JPEG_2000_FAMILY_TRANSFER_SYNTAXES))
def test_lossy_psnr_when_an_encoder_is_installed(uid):
    if uid in OPTIONAL_LOSSLESS or not _has_encoder(uid):
        pytest.skip(f"no lossy encoder for {uid}")
    ds = read(NATIVE["CT_small.dcm"])
    before = dcmcore.pixel_array(ds).astype(float)
    try:
        dcmcore.compress(ds, uid)
    except (DcmcoreError, ValueError, NotImplementedError) as exc:
        pytest.skip(f"the installed encoder refuses CT_small: {exc}")
    after = dcmcore.pixel_array(saved_and_read(ds)).astype(float)
    peak = float(before.max() - before.min())
    mse = float(np.mean((before - after) ** 2))
    assert mse == 0 or 10 * np.log10(peak**2 / mse) > 30
    assert (ds.get("LossyImageCompression") == "01") == is_lossy(uid)
    if is_lossy(uid):
        methods, ratios = ds.LossyImageCompressionMethod, ds.LossyImageCompressionRatio
        methods = [methods] if isinstance(methods, str) else list(methods)
        ratios = list(ratios) if isinstance(ratios, (list, pydicom.multival.MultiValue)) else [ratios]
        assert methods[-1].startswith("ISO_") and float(ratios[-1]) > 1
