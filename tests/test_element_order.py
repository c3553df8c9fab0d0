"""Elements after the pixel data of a file (PS3.5 7.1: ascending tag order, each element at most once).

A file is read up to its pixel data; an element of group 0028 or a second pixel
data element after the end of the pixel data would change what the pixel data
means (pydicom, the oracle here, keeps the later value), so the file is refused
with an ``ElementOrderError`` naming the element. Elements that may follow the
pixel data (trailing padding, digital signatures, sequences whose items hold
any elements) and zero padding are not refused: those files decode as pydicom
decodes them.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_data_element
from pydicom.sequence import Sequence

import dcmcore
from dcmcore._testdata import testdata_file
from tests._helpers import pydicom_array


def _encode(elements: list[DataElement], *, little: bool = True, implicit: bool = False) -> bytes:
    """Elements encoded by pydicom's writer, as a data set's top level holds them."""
    fp = DicomBytesIO()
    fp.is_little_endian, fp.is_implicit_VR = little, implicit
    for elem in elements:
        write_data_element(fp, elem)
    return fp.getvalue()


def _read(path) -> Dataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(path, force=True)


#: name -> (little endian, implicit VR)
FILES = {
    "CT_small.dcm": (True, False),
    "MR_small_expb.dcm": (False, False),
    "MR_small_implicit.dcm": (True, True),
    "MR_small_RLE.dcm": (True, False),  # encapsulated, undefined length: checked when the fragments are found
}


def _appended(tmp_path, name: str, elements: list[DataElement], extra: bytes = b""):
    little, implicit = FILES[name]
    data = Path(testdata_file(name)).read_bytes() + _encode(elements, little=little, implicit=implicit) + extra
    path = tmp_path / name
    path.write_bytes(data)
    return path, data


@pytest.mark.parametrize("name", list(FILES))
def test_image_pixel_element_after_pixel_data_is_refused(tmp_path, name):
    original = _read(testdata_file(name))
    assert original.PixelRepresentation == 1
    path, data = _appended(tmp_path, name, [DataElement(0x00280103, "US", 0)])
    # the oracle keeps the later value: the same bytes mean unsigned pixels to pydicom
    assert _read(path).PixelRepresentation == 0
    at = len(Path(testdata_file(name)).read_bytes())
    match = rf"\(0028,0103\) 'Pixel Representation' at byte {at} comes after the end of \(7FE0,0010\) 'Pixel Data'"
    for src in (path, str(path), io.BytesIO(data), data):
        with pytest.raises(dcmcore.ElementOrderError, match=match):
            dcmcore.pixel_array(src)
    with pytest.raises(dcmcore.ElementOrderError, match=match):
        list(dcmcore.iter_pixels(path))
    with pytest.raises(dcmcore.ElementOrderError, match=match):  # the Image API's file path (lazy)
        dcmcore.imread(path, lazy_frame_retrieval=True).pixel_array
    assert issubclass(dcmcore.ElementOrderError, (dcmcore.InvalidElementError, ValueError))


@pytest.mark.parametrize("name", list(FILES))
def test_an_image_pixel_element_only_after_pixel_data_is_named(tmp_path, name):
    # (0028,0010) Rows moved from before the pixel data to after it: before it, Rows is missing; pydicom reads the
    # whole file and decodes it; the file path names the element out of order rather than the one missing
    little, implicit = FILES[name]
    original = Path(testdata_file(name)).read_bytes()
    rows = _encode([DataElement(0x00280010, "US", _read(testdata_file(name)).Rows)], little=little, implicit=implicit)
    assert original.count(rows) == 1
    data = original.replace(rows, b"") + rows
    path = tmp_path / name
    path.write_bytes(data)
    np.testing.assert_array_equal(pydicom_array(_read(path)), pydicom_array(_read(testdata_file(name))))
    match = rf"\(0028,0010\) 'Rows' at byte {len(data) - len(rows)} comes after the end of \(7FE0,0010\) 'Pixel Data'"
    for src in (path, io.BytesIO(data)):
        with pytest.raises(dcmcore.ElementOrderError, match=match):
            dcmcore.pixel_array(src)


def test_second_pixel_data_is_refused(tmp_path):
    path, data = _appended(tmp_path, "CT_small.dcm", [DataElement(0x7FE00010, "OW", bytes(128 * 128 * 2))])
    assert not _read(path).PixelData.strip(b"\0")  # pydicom keeps the second one
    with pytest.raises(dcmcore.ElementOrderError, match=r"a second pixel data element, \(7FE0,0010\) 'Pixel Data'"):
        dcmcore.pixel_array(path)


def test_elements_that_may_follow_pixel_data_are_read(tmp_path):
    # a sequence of undefined length whose items hold Image Pixel elements (not the data set's), a private
    # group, trailing padding, then zero bytes: nothing out of order at the top level
    item = Dataset()
    item.Rows, item.PixelRepresentation = 7, 0
    nested = Dataset()
    nested.BitsStored = 3
    item.add_new(0x00400260, "SQ", Sequence([nested]))
    signatures = DataElement(0xFFFAFFFA, "SQ", Sequence([item]))
    signatures.is_undefined_length = True
    item.is_undefined_length_sequence_item = True
    private = [DataElement(0x7FE10010, "LO", "DCMCORE TEST"), DataElement(0x7FE11001, "OB", bytes(300))]
    for name in FILES:
        path, data = _appended(tmp_path, name, [*private, signatures, DataElement(0xFFFCFFFC, "OB", bytes(1000))], bytes(24))
        got = dcmcore.pixel_array(path)
        np.testing.assert_array_equal(got, pydicom_array(_read(path)))
        np.testing.assert_array_equal(dcmcore.pixel_array(io.BytesIO(data)), got)


class _CountingFile(io.BytesIO):
    """A file object that records how many bytes were read from at or after a position."""

    def __init__(self, data: bytes, watch: int) -> None:
        super().__init__(data)
        self.watch, self.after = watch, 0

    def _count(self, n: int) -> None:
        self.after += max(0, self.tell() - max(self.watch, self.tell() - n))

    def read(self, n=-1):
        out = super().read(n)
        self._count(len(out))
        return out

    def readinto(self, buf):
        n = super().readinto(buf)
        self._count(n)
        return n


def test_the_check_reads_the_element_headers_only():
    # 32 MB of trailing padding: one element header is read, not its value
    plain = Path(testdata_file("MR_small_implicit.dcm")).read_bytes()
    padding = _encode([DataElement(0xFFFCFFFC, "OB", bytes(32 << 20))], implicit=True)
    counting = _CountingFile(plain + padding, watch=len(plain))
    np.testing.assert_array_equal(dcmcore.pixel_array(counting), pydicom_array(_read(io.BytesIO(plain))))
    assert 0 < counting.after <= 256
    # a file that ends with its pixel data: nothing is read after it
    counting = _CountingFile(plain, watch=len(plain))
    dcmcore.pixel_array(counting)
    assert counting.after == 0


def test_the_dataset_path_is_not_checked(tmp_path):
    # a Dataset has no element order left: pydicom's reading (the later value) is decoded, as pydicom does
    path, _ = _appended(tmp_path, "CT_small.dcm", [DataElement(0x00280103, "US", 0)])
    ds = _read(path)
    np.testing.assert_array_equal(dcmcore.pixel_array(ds), pydicom_array(ds))
