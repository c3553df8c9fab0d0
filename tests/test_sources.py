"""What `src` may be: a data set, a path, a binary file object or the bytes of a whole file.

A file that is not DICOM is said to be so (not "no Pixel Data"); a path that is
not a regular file and a file object that cannot seek are refused at once, never
read without end.
"""

from __future__ import annotations

import io
import os

import numpy as np
import pydicom
import pydicom.uid
import pytest
from pydicom.errors import InvalidDicomError

import dcmcore
from dcmcore.errors import NotDicomFileError
from tests._helpers import pydicom_array, read, testdata


@pytest.mark.parametrize("kind", ["bytes", "bytearray", "memoryview"])
def test_the_bytes_of_a_whole_file(kind):
    raw = testdata("emri_small.dcm").read_bytes()
    src = {"bytes": raw, "bytearray": bytearray(raw), "memoryview": memoryview(raw)}[kind]
    expected = pydicom_array(read("emri_small.dcm"))
    np.testing.assert_array_equal(dcmcore.pixel_array(src), expected)
    np.testing.assert_array_equal(dcmcore.pixel_array(src, index=3), expected[3])
    np.testing.assert_array_equal(list(dcmcore.iter_pixels(src)), list(expected))


@pytest.mark.parametrize(
    "content",
    [b"hello, this is a text file and not DICOM at all\n" * 3, bytes(range(256)) * 20, b"", b"PK\x03\x04" + bytes(200)],
    ids=["text", "binary", "empty", "zip"],
)
def test_not_a_dicom_file(tmp_path, content):
    path = tmp_path / "not.dcm"
    path.write_bytes(content)
    for src in (path, str(path), io.BytesIO(content), content):
        with pytest.raises(NotDicomFileError, match="not a DICOM file") as info:
            dcmcore.pixel_array(src)
        assert isinstance(info.value, InvalidDicomError)  # what pydicom raises for such files


def test_a_dicom_file_without_pixel_data_says_so():
    # a real DICOM file (with its 'DICM' prefix) whose data set has no pixel data
    with pytest.raises(dcmcore.MissingElementError, match="Pixel Data"):
        dcmcore.pixel_array(testdata("rtplan.dcm"))


def test_a_file_without_preamble_still_reads():
    # OT-PAL-8-face.dcm (pydicom's test files) has no 128-byte preamble and no 'DICM'
    path = testdata("OT-PAL-8-face.dcm")
    assert path.read_bytes()[128:132] != b"DICM"
    ds = read("OT-PAL-8-face.dcm")  # pydicom needs the transfer syntax it read the file with
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian if ds.original_encoding[0] else (
        pydicom.uid.ExplicitVRLittleEndian
    )
    np.testing.assert_array_equal(dcmcore.pixel_array(path), pydicom_array(ds))


def test_a_directory_or_device_is_refused_at_once(tmp_path):
    with pytest.raises(NotDicomFileError, match="directory"):
        dcmcore.pixel_array(tmp_path)
    if os.path.exists("/dev/zero"):
        with pytest.raises(NotDicomFileError, match="not a regular file"):
            dcmcore.pixel_array("/dev/zero")  # an endless stream: never read
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        with pytest.raises(NotDicomFileError, match="not a regular file"):
            dcmcore.pixel_array(fifo)  # would block forever on open for reading


class _Stream(io.RawIOBase):
    """A readable binary stream that cannot seek (a pipe, a socket)."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)

    def readable(self):
        return True

    def seekable(self):
        return False

    def readinto(self, b):
        return self._data.readinto(b)


def test_a_stream_that_cannot_seek_is_refused():
    raw = testdata("CT_small.dcm").read_bytes()
    with pytest.raises(TypeError, match="cannot seek"):
        dcmcore.pixel_array(_Stream(raw))
