"""How the file path reads the pixel data element's header: as pydicom reads the data set.

pydicom reads an explicit VR data set element by element; an element whose VR
bytes are no letters is read as implicit VR on its own, and the elements after
it (the pixel data's among them) are read as explicit VR again. Found by seed 15
of the ``pixel_file`` fuzz target (``fuzz/regressions/pixel_file/
pixel_data_length_after_group_length_sequence``): the file path read the pixel
data header as the element before it had been read.
"""

from __future__ import annotations

import io
import struct

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

import dcmcore

# explicit VR little endian test files with natively encoded pixel data
FILES = ["CT_small.dcm", "MR_small.dcm", "OBXXXX1A.dcm"]


def _with_implicit_element_before_pixels(name: str) -> bytes:
    with open(get_testdata_file(name), "rb") as f:
        data = f.read()
    ds = pydicom.dcmread(io.BytesIO(data))
    assert not ds.original_encoding[0] and ds.original_encoding[1]  # explicit VR little endian
    at = data.rindex(b"\xe0\x7f\x10\x00")
    assert data[at + 4 : at + 6] in (b"OB", b"OW")
    # (0029,1010), implicit VR: its "VR" bytes are its length's first two bytes, 04 00
    implicit = struct.pack("<HHL", 0x0029, 0x1010, 4) + b"abcd"
    return data[:at] + implicit + data[at:]


@pytest.mark.parametrize("name", FILES)
def test_pixel_data_after_an_element_read_as_implicit_vr(name, tmp_path):
    data = _with_implicit_element_before_pixels(name)
    ds = pydicom.dcmread(io.BytesIO(data))
    assert ds[0x00291010].value == b"abcd"  # pydicom read it as implicit VR, and the pixel data after it
    expected = ds.pixel_array
    np.testing.assert_array_equal(expected, pydicom.dcmread(get_testdata_file(name)).pixel_array)
    path = tmp_path / name
    path.write_bytes(data)
    for src in (path, io.BytesIO(data), ds):
        got = dcmcore.pixel_array(src)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
