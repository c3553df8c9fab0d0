"""dcmcore.handlers.numpy_handler against pydicom's own numpy_handler (the reference of its API)."""

from __future__ import annotations

import warnings

import numpy as np
import pydicom
import pytest

from dcmcore.handlers import numpy_handler as handler
from tests._helpers import read, testdata_files


def _reference():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pydicom.pixel_data_handlers import numpy_handler
    return numpy_handler


def _native_files():
    out = []
    for path in testdata_files():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                ds = pydicom.dcmread(path, force=True, stop_before_pixels=True)
            except Exception:
                continue
        ts = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
        if ts is not None and not ts.is_encapsulated and ds.get("BitsAllocated") is not None:
            out.append(path.name)
    return out


@pytest.mark.parametrize("name", _native_files())
def test_get_pixeldata_equals_reference(name):
    ds = read(name)
    ref_handler = _reference()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = ref_handler.get_pixeldata(ds)
        except Exception:
            # the reference rejects the file; dcmcore must too, with one of its documented errors
            with pytest.raises((ValueError, AttributeError, NotImplementedError)):
                handler.get_pixeldata(ds)
            return
        got = handler.get_pixeldata(ds)
    assert got.ndim == 1 and got.dtype.isnative and got.flags.writeable
    np.testing.assert_array_equal(got, expected)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        view = handler.get_pixeldata(ds, read_only=True)
    np.testing.assert_array_equal(view, expected)


def test_read_only_is_a_view_when_possible():
    ds = read("CT_small.dcm")
    view = handler.get_pixeldata(ds, read_only=True)
    assert not view.flags.writeable
    assert np.shares_memory(view, np.frombuffer(ds.PixelData, np.uint8))
    copy = handler.get_pixeldata(ds)
    assert copy.flags.writeable and not np.shares_memory(copy, np.frombuffer(ds.PixelData, np.uint8))
    be = read("MR_small_bigendian.dcm")
    arr = handler.get_pixeldata(be, read_only=True)  # not possible: byte swap needed
    assert arr.dtype.isnative and arr.flags.writeable


@pytest.mark.parametrize("planar", [0, 1])
@pytest.mark.parametrize("bits", [8, 16])
def test_read_only_view_of_colour_samples_in_stored_order(planar, bits):
    """Colour samples need no work in either planar configuration: a view, as the reference gives."""
    from tests._helpers import make_dataset

    dtype = np.uint8 if bits == 8 else np.uint16
    values = np.arange(2 * 3 * 5 * 3, dtype=dtype)
    ds = make_dataset(
        values.tobytes(), rows=3, columns=5, samples_per_pixel=3, bits_allocated=bits,
        photometric_interpretation="RGB", planar_configuration=planar, number_of_frames=2,
    )
    expected = _reference().get_pixeldata(ds, read_only=True)
    got = handler.get_pixeldata(ds, read_only=True)
    buf = np.frombuffer(ds.PixelData, np.uint8)
    assert np.shares_memory(expected, buf) and not expected.flags.writeable
    assert np.shares_memory(got, buf) and not got.flags.writeable
    assert got.shape == expected.shape == (values.size,)
    np.testing.assert_array_equal(got, expected)


def test_module_functions():
    ref = _reference()
    ds = read("CT_small.dcm")
    assert handler.is_available() is True
    for uid in ("1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.5"):
        assert handler.supports_transfer_syntax(uid) == ref.supports_transfer_syntax(pydicom.uid.UID(uid))
    assert handler.needs_to_convert_to_RGB(ds) is ref.needs_to_convert_to_RGB(ds) is False
    assert handler.should_change_PhotometricInterpretation_to_RGB(ds) is False
    rle = read("MR_small_RLE.dcm")
    with pytest.raises(NotImplementedError, match="not natively encoded"):
        handler.get_pixeldata(rle)
