"""dcmcore.overlays: Overlay Data to arrays, against pydicom and first principles."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.overlays import numpy_handler as pd_handler

import dcmcore
from dcmcore import overlays
from dcmcore.errors import MissingElementError
from tests._helpers import read
from tests._helpers import testdata as data_path
from tests._overlay_data import add_overlay, overlay_dataset, packed

REAL_FILES = ["MR-SIEMENS-DICOM-WithOverlays.dcm", "examples_overlay.dcm"]


def _bits(shape, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2, shape, dtype=np.uint8)


def _pydicom_overlay(ds: Dataset, group: int = 0x6000) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ds.overlay_array(group)


# -- real files ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", REAL_FILES)
def test_real_files_equal_pydicom(name):
    ds = read(name)
    ours = dcmcore.overlay_array(ds, 0x6000)  # first call: raw elements are converted here
    expected = read(name).overlay_array(0x6000)
    assert ours.dtype == expected.dtype == np.uint8
    assert ours.shape == expected.shape == (ds[0x6000, 0x0010].value, ds[0x6000, 0x0011].value)
    np.testing.assert_array_equal(ours, expected)
    np.testing.assert_array_equal(dcmcore.overlay_array(ds, 0x6000), expected)  # converted elements
    np.testing.assert_array_equal(overlays.get_overlay_array(ds, 0x6000), pd_handler.get_overlay_array(ds, 0x6000))
    assert 0 < ours.sum() < ours.size


@pytest.mark.parametrize("name", REAL_FILES)
def test_real_files_first_principles(name):
    ds = pydicom.dcmread(data_path(name))
    data = ds[0x6000, 0x3000].value
    rows, cols = ds[0x6000, 0x0010].value, ds[0x6000, 0x0011].value
    # Pixel i is bit i % 8 of byte i // 8 (PS3.5 8.1.1 / 8.2), computed without NumPy's unpackbits.
    flat = [(data[i >> 3] >> (i & 7)) & 1 for i in range(rows * cols)]
    np.testing.assert_array_equal(dcmcore.overlay_array(ds, 0x6000), np.array(flat, np.uint8).reshape(rows, cols))


def test_real_file_read_from_disk_every_call():
    # Fresh data sets, deferred Overlay Data (read on access).
    path = data_path(REAL_FILES[0])
    expected = read(REAL_FILES[0]).overlay_array(0x6000)
    ds = pydicom.dcmread(path, defer_size=64)
    np.testing.assert_array_equal(dcmcore.overlay_array(ds, 0x6000), expected)


# -- generated overlays --------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (3, 5), (7, 9), (13, 17), (31, 33), (64, 64), (100, 1)])
def test_single_frame_odd_sizes(shape):
    bits = _bits(shape, seed=shape[0] * 100 + shape[1])
    ds = overlay_dataset(bits)
    got = dcmcore.overlay_array(ds, 0x6000)
    assert got.shape == shape and got.dtype == np.uint8
    np.testing.assert_array_equal(got, bits)
    np.testing.assert_array_equal(got, _pydicom_overlay(ds))


@pytest.mark.parametrize("frames, rows, cols", [(2, 3, 5), (3, 7, 9), (5, 13, 17), (4, 1, 3), (2, 8, 8), (7, 11, 3)])
def test_multi_frame(frames, rows, cols):
    bits = _bits((frames, rows, cols), seed=frames * rows * cols)
    ds = overlay_dataset(bits)
    got = dcmcore.overlay_array(ds, 0x6000)
    assert got.shape == (frames, rows, cols)
    np.testing.assert_array_equal(got, bits)
    np.testing.assert_array_equal(got, _pydicom_overlay(ds))
    # One frame at a time: frame k starts at bit k * rows * cols, usually not on a byte boundary.
    for k in range(frames):
        if (k * rows * cols) % 8:
            assert rows * cols % 8  # the case this test is about
        np.testing.assert_array_equal(dcmcore.overlay_array(ds, 0x6000, index=k), bits[k])


def test_frame_not_on_byte_boundary_hand_computed():
    # 2 frames of 1 x 3: bits 0-2 are frame 0 and bits 3-5 frame 1 of byte 0b00101110 = 0x2E.
    ds = Dataset()
    add_overlay(ds, np.zeros((2, 1, 3), np.uint8), data=b"\x2e\x00")
    assert dcmcore.overlay_array(ds, 0x6000).tolist() == [[[0, 1, 1]], [[1, 0, 1]]]
    assert dcmcore.overlay_array(ds, 0x6000, index=1).tolist() == [[1, 0, 1]]


def test_all_groups():
    ds = Dataset()
    planes = {}
    for i, group in enumerate(range(0x6000, 0x6020, 2)):
        planes[group] = _bits((5 + i, 9), seed=i)
        add_overlay(ds, planes[group], group=group)
    for group, bits in planes.items():
        np.testing.assert_array_equal(dcmcore.overlay_array(ds, group), bits)
        np.testing.assert_array_equal(_pydicom_overlay(ds, group), bits)


def test_single_frame_with_frames_element():
    bits = _bits((6, 7), 3)
    ds = overlay_dataset(bits, frames_element=True)
    assert dcmcore.overlay_array(ds, 0x6000).shape == (6, 7)
    np.testing.assert_array_equal(dcmcore.overlay_array(ds, 0x6000), _pydicom_overlay(ds))


def test_ob_and_roundtrip_through_file():
    bits = _bits((3, 11, 13), 9)
    ds = overlay_dataset(bits, vr="OB")
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    buf = io.BytesIO()
    ds.save_as(buf, implicit_vr=False, little_endian=True)
    buf.seek(0)
    again = pydicom.dcmread(buf, force=True)
    np.testing.assert_array_equal(dcmcore.overlay_array(again, 0x6000), bits)


def _be_words(bits: np.ndarray) -> bytes:
    """Overlay Data as OW in big endian: 16-bit words, pixel 16w + j in bit j of word w (PS3.5 8.1.2, 8.2)."""
    flat = np.asarray(bits, np.uint8).reshape(-1)
    flat = np.concatenate([flat, np.zeros(-flat.size % 16, np.uint8)])
    words = (flat.reshape(-1, 16).astype(np.uint32) << np.arange(16, dtype=np.uint32)).sum(axis=1)
    return words.astype(">u2").tobytes()


def test_big_endian_ow_is_read_as_words():
    bits = _bits((2, 9, 7), 4)
    ds = overlay_dataset(bits, data=_be_words(bits))
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRBigEndian
    np.testing.assert_array_equal(dcmcore.overlay_array(ds, 0x6000), bits)
    # written and read back as Explicit VR Big Endian (pydicom keeps OW bytes as they are)
    buf = io.BytesIO()
    ds.save_as(buf, implicit_vr=False, little_endian=False)
    buf.seek(0)
    again = pydicom.dcmread(buf, force=True)
    assert again.original_encoding == (False, False)
    np.testing.assert_array_equal(dcmcore.overlay_array(again, 0x6000), bits)
    np.testing.assert_array_equal(dcmcore.overlay_array(again, 0x6000, index=1), bits[1])
    # OB is a byte stream: never swapped
    ds_ob = overlay_dataset(bits, vr="OB")
    ds_ob.file_meta = ds.file_meta
    np.testing.assert_array_equal(dcmcore.overlay_array(ds_ob, 0x6000), bits)


def test_out():
    bits = _bits((3, 5, 7), 2)
    ds = overlay_dataset(bits)
    out = np.full((3, 5, 7), 9, np.uint8)
    assert dcmcore.overlay_array(ds, 0x6000, out=out) is out
    np.testing.assert_array_equal(out, bits)
    out_b = np.empty((5, 7), bool)
    dcmcore.overlay_array(ds, 0x6000, index=2, out=out_b)
    np.testing.assert_array_equal(out_b, bits[2].astype(bool))
    with pytest.raises(ValueError, match=r"shape \(5, 7\)"):
        dcmcore.overlay_array(ds, 0x6000, out=np.empty((5, 7), np.uint8))
    with pytest.raises(TypeError, match="uint8"):
        dcmcore.overlay_array(ds, 0x6000, out=np.empty((3, 5, 7), np.int32))


# -- lengths and padding ---------------------------------------------------------------------
def test_padding_and_excess():
    bits = _bits((3, 5), 1)  # 15 pixels: 2 bytes, even
    ds = overlay_dataset(bits, data=packed(bits) + b"\0\0")
    with pytest.warns(UserWarning, match="2 more than the 2 bytes"):
        got = dcmcore.overlay_array(ds, 0x6000)
    np.testing.assert_array_equal(got, bits)

    bits = _bits((3, 3), 2)  # 9 pixels: 2 bytes
    ds = overlay_dataset(bits, data=packed(bits))
    np.testing.assert_array_equal(dcmcore.overlay_array(ds, 0x6000), bits)

    bits = _bits((1, 7), 3)  # 7 pixels: 1 byte, padded to 2
    ds = overlay_dataset(bits, data=packed(bits, pad=False))
    with pytest.warns(UserWarning, match="odd length 1"):
        got = dcmcore.overlay_array(ds, 0x6000)
    np.testing.assert_array_equal(got, bits)
    with pytest.warns(UserWarning):
        np.testing.assert_array_equal(pd_handler.get_overlay_array(ds, 0x6000), got)  # pydicom warns too


def test_short_data_names_both_lengths():
    bits = _bits((10, 10), 5)  # 100 pixels: 13 bytes, 14 padded
    ds = overlay_dataset(bits, data=packed(bits)[:12])
    with pytest.raises(ValueError, match=r"holds 12 bytes .* need 13 bytes \(14 with padding\)"):
        dcmcore.overlay_array(ds, 0x6000)
    with pytest.raises(ValueError):
        pd_handler.get_overlay_array(ds, 0x6000)


def test_absurd_size_refused_before_allocation(monkeypatch):
    ds = overlay_dataset(_bits((2, 2)))
    ds[0x6000, 0x0010].value = 65535
    ds[0x6000, 0x0011].value = 65535
    ds.add_new(0x60000015, "IS", 2_000_000_000)

    def no_alloc(*args, **kwargs):  # pragma: no cover - must not be reached
        raise AssertionError("allocated")

    monkeypatch.setattr(np, "empty", no_alloc)
    with pytest.raises(ValueError, match="more than dcmcore will unpack"):
        dcmcore.overlay_array(ds, 0x6000)
    ds[0x6000, 0x0015].value = 100
    with pytest.raises(ValueError, match="holds 2 bytes"):
        dcmcore.overlay_array(ds, 0x6000)


# -- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize("group", [0x5FFE, 0x6001, 0x601F, 0x6020, 0x60FE, 0x60FF, 0x7FE0, -1])
def test_group_out_of_range(group):
    ds = overlay_dataset(_bits((2, 2)))
    with pytest.raises(ValueError, match="overlays use the even groups 0x6000 to 0x601E"):
        dcmcore.overlay_array(ds, group)
    with pytest.raises(ValueError):
        overlays.get_overlay_array(ds, group)


def test_group_type():
    ds = overlay_dataset(_bits((2, 2)))
    with pytest.raises(TypeError):
        dcmcore.overlay_array(ds, True)
    with pytest.raises(TypeError):
        dcmcore.overlay_array(ds, "0x6000")
    np.testing.assert_array_equal(dcmcore.overlay_array(ds, np.uint16(0x6000)), _bits((2, 2)))


def test_missing_elements_are_named():
    ds = overlay_dataset(_bits((4, 4)))
    del ds[0x6000, 0x0010]
    del ds[0x6000, 0x3000]
    with pytest.raises(AttributeError, match=r"\(6000,3000\) 'Overlay Data', \(6000,0010\) 'Overlay Rows'") as info:
        dcmcore.overlay_array(ds, 0x6000)
    assert isinstance(info.value, MissingElementError)
    with pytest.raises(AttributeError):
        pd_handler.get_overlay_array(ds, 0x6000)  # the oracle agrees it is an AttributeError
    with pytest.raises(AttributeError, match=r"\(6002,3000\) 'Overlay Data'.*\(6002,0100\) 'Overlay Bits Allocated'"):
        dcmcore.overlay_array(ds, 0x6002)


def test_empty_required_element():
    ds = overlay_dataset(_bits((4, 4)))
    ds[0x6000, 0x0011].value = None
    with pytest.raises(AttributeError, match=r"\(6000,0011\) 'Overlay Columns'"):
        dcmcore.overlay_array(ds, 0x6000)


def test_bits_allocated_not_1_with_overlay_data():
    ds = overlay_dataset(_bits((4, 4)))
    ds[0x6000, 0x0100].value = 16
    with pytest.raises(NotImplementedError, match=r"\(6000,0100\) 'Overlay Bits Allocated' value of 16 with"):
        dcmcore.overlay_array(ds, 0x6000)


@pytest.mark.parametrize("elem, value, message", [(0x0010, 0, "Overlay Rows"), (0x0011, 0, "Overlay Columns"), (0x0015, 0, "Number of Frames")])
def test_invalid_values(elem, value, message):
    ds = overlay_dataset(_bits((2, 3, 4)))
    ds[0x6000, elem].value = value
    with pytest.raises(ValueError, match=message):
        dcmcore.overlay_array(ds, 0x6000)


def test_non_integer_value():
    ds = overlay_dataset(_bits((2, 3, 4)))
    ds[0x6000, 0x0015]._value = "two"
    with pytest.raises(ValueError, match="not a single integer"):
        dcmcore.overlay_array(ds, 0x6000)


def test_index_errors():
    ds = overlay_dataset(_bits((2, 3, 4)))
    with pytest.raises(ValueError, match="'index' 2 is out of range: overlay group 0x6000 has 2 frames"):
        dcmcore.overlay_array(ds, 0x6000, index=2)
    with pytest.raises(ValueError, match="out of range"):
        dcmcore.overlay_array(ds, 0x6000, index=-1)
    with pytest.raises(TypeError):
        dcmcore.overlay_array(ds, 0x6000, index=1.0)


# -- handler functions -----------------------------------------------------------------------
@pytest.mark.parametrize("rows, cols, frames", [(10, 10, 1), (484, 484, 1), (3, 5, 7), (1, 1, 1), (7, 9, 3)])
def test_get_expected_length(rows, cols, frames):
    elem = {"OverlayRows": rows, "OverlayColumns": cols, "NumberOfFramesInOverlay": frames}
    pixels = rows * cols * frames
    assert overlays.get_expected_length(elem, "pixels") == pixels == pd_handler.get_expected_length(elem, "pixels")
    assert overlays.get_expected_length(elem) == -(-pixels // 8) == pd_handler.get_expected_length(elem)
    assert overlays.get_expected_length({"OverlayRows": 10, "OverlayColumns": 10, "NumberOfFramesInOverlay": 1}) == 13
    with pytest.raises(ValueError, match="'unit'"):
        overlays.get_expected_length(elem, "bits")


def test_reshape_overlay_array():
    arr = np.arange(30, dtype=np.uint8)
    single = {"OverlayRows": 5, "OverlayColumns": 6, "NumberOfFramesInOverlay": 1}
    multi = {"OverlayRows": 5, "OverlayColumns": 2, "NumberOfFramesInOverlay": 3}
    assert overlays.reshape_overlay_array(single, arr).shape == (5, 6) == pd_handler.reshape_overlay_array(single, arr).shape
    assert overlays.reshape_overlay_array(multi, arr).shape == (3, 5, 2) == pd_handler.reshape_overlay_array(multi, arr).shape
    np.testing.assert_array_equal(overlays.reshape_overlay_array(multi, arr), pd_handler.reshape_overlay_array(multi, arr))
    with pytest.raises(ValueError, match="Number of Frames in Overlay' value of 0"):
        overlays.reshape_overlay_array({**single, "NumberOfFramesInOverlay": 0}, arr)
    with pytest.raises(ValueError, match="Cannot shape 30"):
        overlays.reshape_overlay_array({**single, "OverlayRows": 4}, arr)


def test_is_available():
    assert overlays.is_available() is True


# -- list_overlays -----------------------------------------------------------------------------
def test_list_overlays_real_file():
    ds = read(REAL_FILES[0])
    (info,) = overlays.list_overlays(ds)
    g = 0x6000
    assert info.group == g
    assert (info.rows, info.columns) == (ds[g, 0x0010].value, ds[g, 0x0011].value) == (484, 484)
    assert info.origin == tuple(ds[g, 0x0050].value) == (1, 1)
    assert info.type == ds[g, 0x0040].value == "G"
    assert info.number_of_frames == int(ds[g, 0x0015].value) == 1
    assert info.image_frame_origin == ds[g, 0x0051].value == 1
    assert info.description == ds[g, 0x0022].value
    assert info.label is None and info.subtype is None
    assert (info.bits_allocated, info.bit_position) == (1, 0)
    assert info.location == "OverlayData" and not info.is_embedded and info.problem is None
    assert info.overlay_frame(0) == 0 and info.overlay_frame(1) is None


def test_list_overlays_mixed():
    ds = Dataset()
    add_overlay(ds, _bits((2, 5, 7)), group=0x6000, origin=(-3, 4), frame_origin=3, overlay_type="R")
    ds.add_new(0x60001500, "LO", "LABEL A")
    ds.add_new(0x60000045, "LO", "USER")
    add_overlay(ds, _bits((4, 4)), group=0x6004)
    del ds[0x6004, 0x3000]  # incomplete: listed with its problem
    ds.add_new(0x60060000, "UL", 0)  # a group length alone is no overlay
    ds.add_new(0x60210010, "US", 3)  # odd (private) group
    ds.add_new(0x60200010, "US", 3)  # beyond 0x601E
    infos = overlays.list_overlays(ds)
    assert [i.group for i in infos] == [0x6000, 0x6004]
    a, b = infos
    assert (a.rows, a.columns, a.number_of_frames, a.image_frame_origin) == (5, 7, 2, 3)
    assert a.origin == (-3, 4) and a.type == "R" and a.label == "LABEL A" and a.subtype == "USER"
    assert a.problem is None and a.location == "OverlayData"
    assert [a.overlay_frame(f) for f in range(5)] == [None, None, 0, 1, None]
    assert b.location is None and "(6004,3000) 'Overlay Data'" in b.problem


def test_list_overlays_empty():
    assert overlays.list_overlays(Dataset()) == []


def test_fast_path_equal_to_general():
    ds = read(REAL_FILES[0])
    general = dcmcore.overlay_array(ds, 0x6000, out=np.empty((484, 484), np.uint8))  # out= takes the general path
    fast = dcmcore.overlay_array(ds, 0x6000)
    np.testing.assert_array_equal(fast, general)
    bits = _bits((3, 5, 7), 11)
    np.testing.assert_array_equal(dcmcore.overlay_array(overlay_dataset(bits, vr="OB"), 0x6000), bits)


def test_list_overlays_does_not_warn():
    bits = _bits((1, 7), 6)
    ds = overlay_dataset(bits, data=packed(bits, pad=False))  # reading it warns about the missing padding
    (info,) = overlays.list_overlays(ds)  # listing does not (pytest turns warnings into errors)
    assert info.problem is None and (info.rows, info.columns) == (1, 7)


# -- writing back: set_overlay_array ----------------------------------------------------------
def _be_words(bits: np.ndarray) -> bytes:
    """Overlay Data of `bits` as big endian OW: pixel 16w+j is bit j of 16-bit word w (PS3.5 8.1.2, 8.2)."""
    flat = np.zeros(-(-bits.size // 16) * 16, np.uint32)
    flat[: bits.size] = bits.reshape(-1)
    return (flat.reshape(-1, 16) << np.arange(16, dtype=np.uint32)).sum(1).astype(">u2").tobytes()


@pytest.mark.parametrize("shape", [(16, 16), (7, 9), (3, 5, 11)])
def test_set_overlay_array_little_endian_as_pydicom(shape):
    import io

    import pydicom
    from pydicom.pixels import pack_bits as pd_pack_bits

    bits = np.random.default_rng(sum(shape)).integers(0, 2, shape, dtype=np.uint8)
    ds = pydicom.dcmread(data_path("MR-SIEMENS-DICOM-WithOverlays.dcm"))
    del ds[0x6000, 0x3000]
    overlays.set_overlay_array(ds, bits)
    assert ds[0x6000, 0x3000].value == pd_pack_bits(bits)
    assert ds[0x6000, 0x0010].value == shape[-2] and ds[0x6000, 0x0011].value == shape[-1]
    assert (0x6000, 0x0015) in ds if len(shape) == 3 else (0x6000, 0x0015) not in ds
    buf = io.BytesIO()
    ds.save_as(buf)
    buf.seek(0)
    again = pydicom.dcmread(buf)
    np.testing.assert_array_equal(again.overlay_array(0x6000), bits)  # pydicom, the oracle
    np.testing.assert_array_equal(dcmcore.overlay_array(again, 0x6000), bits)


@pytest.mark.parametrize("shape", [(16, 16), (5, 13)])
def test_set_overlay_array_big_endian_ow_words(shape):
    """The guide's edit-pack-write-reread flow on a big endian data set: OW words in big endian order."""
    import io

    import pydicom
    from pydicom.dataset import Dataset, FileMetaDataset

    rng = np.random.default_rng(3)
    bits = rng.integers(0, 2, shape, dtype=np.uint8)
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRBigEndian
    for elem, vr, value in ((0x10, "US", shape[0]), (0x11, "US", shape[1]), (0x40, "CS", "G"), (0x50, "SS", [1, 1]),
                            (0x100, "US", 1), (0x102, "US", 0), (0x3000, "OW", _be_words(bits))):
        ds.add_new(0x60000000 | elem, vr, value)
    buf = io.BytesIO()
    ds.save_as(buf, implicit_vr=False, little_endian=False)
    buf.seek(0)
    be = pydicom.dcmread(buf, force=True)
    arr = dcmcore.overlay_array(be, 0x6000)
    np.testing.assert_array_equal(arr, bits)
    arr[1, :] = 1  # the edit
    arr[:, 2] = 0
    overlays.set_overlay_array(be, arr)
    padded = _be_words(arr)
    assert be[0x6000, 0x3000].value == padded[: len(dcmcore.pack_bits(arr))]
    np.testing.assert_array_equal(dcmcore.overlay_array(be, 0x6000), arr)
    out = io.BytesIO()
    be.save_as(out)
    out.seek(0)
    np.testing.assert_array_equal(dcmcore.overlay_array(pydicom.dcmread(out, force=True), 0x6000), arr)


def test_set_overlay_array_keeps_other_elements_and_refuses_bad_input():
    import pydicom

    ds = pydicom.dcmread(data_path("MR-SIEMENS-DICOM-WithOverlays.dcm"))
    origin = list(ds[0x6000, 0x0050].value)
    bits = np.ones((3, 4, 5), np.uint8)
    overlays.set_overlay_array(ds, bits, group=0x6002)
    assert list(ds[0x6002, 0x0050].value) == [1, 1] and ds[0x6002, 0x0040].value == "G"
    overlays.set_overlay_array(ds, bits[0], group=0x6002)  # back to one frame
    assert (0x6002, 0x0015) not in ds
    np.testing.assert_array_equal(dcmcore.overlay_array(ds, 0x6002), bits[0])
    assert list(ds[0x6000, 0x0050].value) == origin
    with pytest.raises(ValueError, match="Only values of 0 and 1"):
        overlays.set_overlay_array(ds, np.full((2, 2), 2))
    with pytest.raises(ValueError, match="rows, columns"):
        overlays.set_overlay_array(ds, np.ones(5, np.uint8))
    with pytest.raises(ValueError, match="even groups"):
        overlays.set_overlay_array(ds, np.ones((2, 2), np.uint8), group=0x6001)
