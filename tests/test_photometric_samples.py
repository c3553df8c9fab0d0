"""Samples per Pixel is tied to Photometric Interpretation (PS3.3 C.7.6.3.1.2).

A data set whose (0028,0002) 'Samples per Pixel' contradicts its (0028,0004)
'Photometric Interpretation' is refused with an ``InvalidPixelSpecError`` naming
both, before any kernel runs. The regression: an 8-bit image with one sample
labelled YBR_FULL (native) or YBR_FULL / YBR_FULL_422 (RLE, either decoder) was
converted to RGB as if it had three samples per pixel, writing 2 x rows x
columns bytes past the end of the array (a segmentation fault on 512 x 512).
"""

from __future__ import annotations

import io

import numpy as np
import pydicom
import pytest

import dcmcore
from dcmcore.errors import DcmcoreError, InvalidPixelSpecError, UnsupportedPixelDataError
from tests._helpers import make_dataset, read, roundtrip_bytes

# PS3.3 C.7.6.3.1.2, written out from the standard's text (not from dcmcore).
STANDARD = {
    "MONOCHROME1": 1,
    "MONOCHROME2": 1,
    "PALETTE COLOR": 1,
    "RGB": 3,
    "HSV": 3,
    "ARGB": 4,
    "CMYK": 4,
    "YBR_FULL": 3,
    "YBR_FULL_422": 3,
    "YBR_PARTIAL_422": 3,
    "YBR_PARTIAL_420": 3,
    "YBR_ICT": 3,
    "YBR_RCT": 3,
    "XYB": 3,
}


def _relabelled(name: str, pi: str) -> pydicom.Dataset:
    ds = read(name)
    ds.PhotometricInterpretation = pi
    return ds


def _assert_names_both(exc: BaseException, pi: str, spp: int) -> None:
    text = str(exc)
    assert "(0028,0002)" in text and "(0028,0004)" in text
    assert repr(pi) in text and str(spp) in text


@pytest.mark.parametrize("pi", ["YBR_FULL", "YBR_FULL_422", "RGB"])
def test_issue_reproducer_is_a_clear_error(pi):
    # vlut_04.dcm: 512 x 512, 8-bit, 1 sample (the crash of the hostile-input issue)
    ds = _relabelled("vlut_04.dcm", pi)
    with pytest.raises(InvalidPixelSpecError) as info:
        dcmcore.pixel_array(ds)
    _assert_names_both(info.value, pi, 1)
    assert isinstance(info.value, ValueError) and isinstance(info.value, DcmcoreError)


@pytest.mark.parametrize("source", ["dataset", "file"])
def test_small_native_image_is_refused_not_corrupting(source):
    # 8 x 6: small enough that the old overflow returned with the heap corrupted
    ds = make_dataset(bytes(range(48)), rows=8, columns=6, bits_allocated=8, photometric_interpretation="YBR_FULL")
    src = ds if source == "dataset" else io.BytesIO(_file_bytes(ds))
    with pytest.raises(InvalidPixelSpecError, match="'YBR_FULL'"):
        dcmcore.pixel_array(src)
    with pytest.raises(InvalidPixelSpecError):
        next(dcmcore.iter_pixels(ds))
    with pytest.raises(InvalidPixelSpecError):
        dcmcore.PixelSpec.from_dataset(ds)


def _file_bytes(ds: pydicom.Dataset) -> bytes:
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


@pytest.mark.parametrize("plugin", ["dcmcore", "pylibjpeg-rle"])
@pytest.mark.parametrize("pi", ["YBR_FULL", "YBR_FULL_422"])
def test_rle_one_sample_labelled_ycbcr_is_refused(plugin, pi):
    # OBXXXX1A_rle.dcm: 8-bit, 1 sample, RLE Lossless
    ds = _relabelled("OBXXXX1A_rle.dcm", pi)
    assert ds.SamplesPerPixel == 1 and ds.BitsAllocated == 8
    with pytest.raises(InvalidPixelSpecError) as info:
        dcmcore.pixel_array(ds, decoding_plugin=plugin)
    _assert_names_both(info.value, pi, 1)
    # the unrelabelled file still decodes, as pydicom decodes it
    good = read("OBXXXX1A_rle.dcm")
    np.testing.assert_array_equal(dcmcore.pixel_array(good, decoding_plugin=plugin), good.pixel_array)


def test_three_samples_labelled_monochrome_is_refused():
    ds = _relabelled("SC_rgb.dcm", "MONOCHROME2")
    with pytest.raises(InvalidPixelSpecError) as info:
        dcmcore.pixel_array(ds)
    _assert_names_both(info.value, "MONOCHROME2", 3)


@pytest.mark.parametrize("pi, spp", sorted(STANDARD.items()))
def test_every_interpretation_against_the_standard(pi, spp):
    base = dict(rows=2, columns=2, number_of_frames=1, bits_allocated=8, bits_stored=8, pixel_representation=0)
    for wrong in {1, 3} - {spp}:
        with pytest.raises(InvalidPixelSpecError) as info:
            dcmcore.PixelSpec(samples_per_pixel=wrong, photometric_interpretation=pi, **base)
        _assert_names_both(info.value, pi, wrong)
    if spp in (1, 3):
        spec = dcmcore.PixelSpec(samples_per_pixel=spp, photometric_interpretation=pi, **base)
        assert spec.samples_per_pixel == spp
    else:  # ARGB and CMYK (retired): valid, four samples, not decoded by dcmcore
        with pytest.raises(UnsupportedPixelDataError, match="(0028,0002)"):
            dcmcore.PixelSpec(samples_per_pixel=spp, photometric_interpretation=pi, **base)


@pytest.mark.parametrize("pi", ["YBR_FULL_444", "MONOCHROME", "RGBA", ""])
def test_unknown_interpretation_is_refused(pi):
    ds = make_dataset(bytes(4), rows=2, columns=2, bits_allocated=8, photometric_interpretation=pi or "X")
    if not pi:
        ds.PhotometricInterpretation = ""
    with pytest.raises(DcmcoreError, match=r"\(0028,0004\)"):
        dcmcore.pixel_array(ds)


def test_written_and_read_back_still_refused():
    ds = make_dataset(bytes(12), rows=2, columns=6, bits_allocated=8, photometric_interpretation="YBR_FULL")
    with pytest.raises(InvalidPixelSpecError):
        dcmcore.pixel_array(roundtrip_bytes(ds))
