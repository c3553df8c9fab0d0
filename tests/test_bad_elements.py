"""Malformed pixel-related elements give a DcmcoreError naming the element (the hostile-input issue, item 4)."""

from __future__ import annotations

import io

import numpy as np
import pytest

import dcmcore
from dcmcore.errors import DcmcoreError, InvalidElementError
from tests._helpers import pydicom_array, read


def _file(ds) -> io.BytesIO:
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    buf.seek(0)
    return buf


def test_an_empty_extended_offset_table_is_no_table():
    ds = read("emri_small_RLE.dcm")
    expected = pydicom_array(ds)
    ds.add_new(0x7FE00001, "OV", b"")
    ds.add_new(0x7FE00002, "OV", b"")
    for src in (ds, _file(ds)):  # read from a file, pydicom gives the empty values as None
        np.testing.assert_array_equal(dcmcore.pixel_array(src), expected)


def test_an_extended_offset_table_with_a_text_vr():
    ds = read("emri_small_RLE.dcm")
    ds.add_new(0x7FE00001, "LO", "abc")
    ds.add_new(0x7FE00002, "LO", "def")
    for src in (ds, _file(ds)):
        with pytest.raises(InvalidElementError, match=r"\(7FE0,0001\) 'Extended Offset Table' holds 'abc'"):
            dcmcore.pixel_array(src)


def test_pixel_data_with_a_text_vr():
    ds = read("CT_small.dcm")
    ds["PixelData"].VR = "LO"
    ds.PixelData = "x" * 10
    with pytest.raises(InvalidElementError, match=r"\(7FE0,0010\) 'Pixel Data' holds str \(VR LO\)") as info:
        dcmcore.pixel_array(ds)
    assert isinstance(info.value, ValueError) and isinstance(info.value, DcmcoreError)


@pytest.mark.parametrize("preference", [5, 2.0, [1, 2], b"dcmcore", {"dcmcore"}])
def test_a_decoding_plugin_that_is_not_a_label(preference):
    for name in ("CT_small.dcm", "emri_small_RLE.dcm"):
        with pytest.raises(TypeError, match="plugin label"):
            dcmcore.pixel_array(read(name), decoding_plugin=preference)


def test_labels_as_list_or_tuple_still_work():
    ds = read("emri_small_RLE.dcm")
    expected = pydicom_array(ds)
    for preference in (["pylibjpeg-rle", "dcmcore"], ("dcmcore",), "dcmcore"):
        np.testing.assert_array_equal(dcmcore.pixel_array(ds, decoding_plugin=preference), expected)
