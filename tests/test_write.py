"""set_pixel_data, compress and decompress: elements, offset tables, errors that leave the data set as it was."""

from __future__ import annotations

import copy

import numpy as np
import pydicom
import pytest
from pydicom.encaps import generate_frames
from pydicom.uid import JPEGBaseline8Bit, RLELossless

import dcmcore
from dcmcore import plugins
from dcmcore.plugins import PluginBase
from dcmcore.uids import DeflatedImageFrameCompression, ExplicitVRLittleEndian
from tests._helpers import make_dataset, read
from tests._write_corpus import saved_and_read, snapshot

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _empty():
    return make_dataset(b"\x00\x00", rows=1, columns=1)


# -- set_pixel_data -------------------------------------------------------
@pytest.mark.parametrize(
    "shape, dtype, pi, bits",
    [
        ((8, 6), np.uint8, "MONOCHROME2", 8),
        ((3, 8, 6), np.int16, "MONOCHROME1", 12),
        ((8, 6, 3), np.uint8, "RGB", 8),
        ((2, 8, 6, 3), np.uint16, "YBR_FULL", 16),
        ((2, 8, 6, 3), np.uint8, "YBR_FULL_422", 8),
        ((5, 7), np.uint16, "PALETTE COLOR", 16),
    ],
)
def test_set_pixel_data_as_pydicom(shape, dtype, pi, bits):
    rng = np.random.default_rng(0)
    info = np.iinfo(dtype)
    lo, hi = (max(info.min, -(1 << (bits - 1))), min(info.max, (1 << (bits - 1)) - 1)) if info.min else (0, (1 << bits) - 1)
    arr = rng.integers(lo, hi, shape, endpoint=True).astype(dtype)
    ours, theirs = _empty(), _empty()
    dcmcore.set_pixel_data(ours, arr, pi, bits)
    pydicom.pixels.set_pixel_data(theirs, arr, pi, bits)
    for kw in ("SamplesPerPixel", "PhotometricInterpretation", "PlanarConfiguration", "NumberOfFrames", "Rows",
               "Columns", "BitsAllocated", "BitsStored", "HighBit", "PixelRepresentation"):  # fmt: skip
        assert ours.get(kw) == theirs.get(kw), kw
    assert ours.PixelData == theirs.PixelData
    assert ours["PixelData"].VR == theirs["PixelData"].VR
    assert ours.SOPInstanceUID != _empty().SOPInstanceUID
    assert ours.file_meta.MediaStorageSOPInstanceUID == ours.SOPInstanceUID
    if pi != "YBR_FULL_422":
        assert np.array_equal(dcmcore.pixel_array(saved_and_read(ours), raw=True), arr)


def test_set_pixel_data_bool_is_bit_packed():
    arr = np.random.default_rng(1).integers(0, 2, (3, 5, 7)).astype(bool)
    ds = _empty()
    dcmcore.set_pixel_data(ds, arr, "MONOCHROME2", 1, generate_instance_uid=False)
    assert (ds.BitsAllocated, ds.BitsStored, ds.NumberOfFrames) == (1, 1, 3)
    assert ds.PixelData == dcmcore.pack_bits(arr)
    assert np.array_equal(dcmcore.pixel_array(saved_and_read(ds)), arr.astype(np.uint8))


@pytest.mark.parametrize("dtype, keyword, vr", [(np.float32, "FloatPixelData", "OF"), (np.float64, "DoubleFloatPixelData", "OD")])
def test_set_pixel_data_float(dtype, keyword, vr):
    arr = np.linspace(-1, 1, 48, dtype=dtype).reshape(6, 8)
    ds = _empty()
    dcmcore.set_pixel_data(ds, arr, "MONOCHROME2", arr.dtype.itemsize * 8)
    assert "PixelData" not in ds and keyword in ds and ds[keyword].VR == vr
    assert "BitsStored" not in ds and "PixelRepresentation" not in ds
    assert np.array_equal(dcmcore.pixel_array(saved_and_read(ds)), arr)


def test_set_pixel_data_replaces_compressed_pixel_data():
    ds = read("MR_small_RLE.dcm")
    arr = np.arange(12, dtype=np.uint16).reshape(3, 4)
    dcmcore.set_pixel_data(ds, arr, "MONOCHROME2", 12)
    assert ds.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
    assert not ds["PixelData"].is_undefined_length
    assert np.array_equal(dcmcore.pixel_array(ds), arr)


@pytest.mark.parametrize(
    "arr, pi, bits, message",
    [
        (np.full((4, 4), 300, np.uint16), "MONOCHROME2", 8, "Bits Stored"),
        (np.zeros((4, 4), np.uint8), "RGB", 8, "shaped"),
        (np.zeros((4, 4), np.uint8), "CMYK", 8, "photometric"),
        (np.zeros((4, 4), np.complex64), "MONOCHROME2", 8, "dtype"),
        (np.zeros((4, 4), np.uint8), "MONOCHROME2", 9, "bits_stored"),
        (np.zeros((4, 4), np.float32), "MONOCHROME2", 16, "bits_stored"),
        (np.zeros((2, 5, 3), np.uint8), "YBR_FULL_422", 8, "even"),
    ],
)
def test_set_pixel_data_errors_leave_the_data_set(arr, pi, bits, message):
    ds = read("CT_small.dcm")
    before = snapshot(ds)
    with pytest.raises(ValueError, match=message):
        dcmcore.set_pixel_data(ds, arr, pi, bits)
    assert snapshot(ds) == before


# -- compress --------------------------------------------------------------
def _multiframe(nframes=5, odd=True):
    rng = np.random.default_rng(2)
    arr = rng.integers(0, 255, (nframes, 7, 9 if odd else 8), dtype=np.uint8)
    ds = _empty()
    dcmcore.set_pixel_data(ds, arr, "MONOCHROME2", 8)
    return ds, arr


@pytest.mark.parametrize("ext", [False, True])
def test_compress_offset_tables_and_padding(ext):
    ds, arr = _multiframe()
    dcmcore.compress(ds, DeflatedImageFrameCompression, encapsulate_ext=ext, level=9)
    frames = list(generate_frames(ds.PixelData, number_of_frames=len(arr)))
    assert len(frames) == len(arr)
    assert all(len(f) % 2 == 0 for f in frames)
    assert ("ExtendedOffsetTable" in ds) == ext
    starts = [0]
    for f in frames[:-1]:
        starts.append(starts[-1] + 8 + len(f))
    if ext:
        assert ds.PixelData[4:8] == b"\x00\x00\x00\x00"  # empty Basic Offset Table
        assert list(np.frombuffer(ds.ExtendedOffsetTable, "<u8")) == starts
        assert list(np.frombuffer(ds.ExtendedOffsetTableLengths, "<u8")) == [len(f) for f in frames]
    else:
        assert list(np.frombuffer(ds.PixelData[8 : 8 + 4 * len(arr)], "<u4")) == starts
    assert np.array_equal(dcmcore.pixel_array(saved_and_read(ds)), arr)
    for i in range(len(arr)):
        assert np.array_equal(dcmcore.pixel_array(saved_and_read(ds), index=i), arr[i])


def test_compress_from_an_array_and_with_workers():
    ds, arr = _multiframe(12)
    one, many = copy.deepcopy(ds), copy.deepcopy(ds)
    dcmcore.compress(one, RLELossless, arr[::-1].copy())
    dcmcore.compress(many, RLELossless, arr[::-1].copy(), workers=4)
    assert one.PixelData == many.PixelData
    assert np.array_equal(pydicom.pixels.pixel_array(saved_and_read(one)), arr[::-1])
    assert "SOPInstanceUID" in one and one.SOPInstanceUID == ds.SOPInstanceUID  # lossless: same instance
    with pytest.raises(ValueError, match="shape"):
        dcmcore.compress(copy.deepcopy(ds), RLELossless, arr[:2])


def test_compress_refuses_compressed_and_native_targets():
    ds = read("MR_small_RLE.dcm")
    before = snapshot(ds)
    with pytest.raises(ValueError, match="decompress"):
        dcmcore.compress(ds, DeflatedImageFrameCompression)
    with pytest.raises(ValueError, match="not a compressed"):
        dcmcore.compress(ds, ExplicitVRLittleEndian)
    assert snapshot(ds) == before


class _FakeLossy(PluginBase):
    """A 'lossy' encoder: the frame's first half (so the ratio is about 2)."""

    label = "fake-lossy"
    priority = 1

    def encode(self, src, spec, **options):
        return np.ascontiguousarray(src).tobytes()[: max(1, spec.frame_nbytes // 2)]


class _Broken(_FakeLossy):
    label = "broken"

    def encode(self, src, spec, **options):
        raise RuntimeError("no")


def test_compress_lossy_elements_and_failure_leaves_data_set():
    ds, arr = _multiframe(2, odd=False)
    ds.LossyImageCompressionRatio = "3"
    ds.LossyImageCompressionMethod = "ISO_14495_1"
    plugins.register_encoder(JPEGBaseline8Bit, _FakeLossy())
    plugins.register_encoder(JPEGBaseline8Bit, _Broken())
    try:
        before = snapshot(ds)
        with pytest.raises(dcmcore.PluginError, match="broken"):
            dcmcore.compress(ds, JPEGBaseline8Bit, encoding_plugin="broken")
        assert snapshot(ds) == before
        uid = ds.SOPInstanceUID
        dcmcore.compress(ds, JPEGBaseline8Bit, encoding_plugin="fake-lossy")
    finally:
        plugins.unregister_encoder(JPEGBaseline8Bit, "fake-lossy")
        plugins.unregister_encoder(JPEGBaseline8Bit, "broken")
    assert ds.LossyImageCompression == "01"
    assert list(ds.LossyImageCompressionMethod) == ["ISO_14495_1", "ISO_10918_1"]
    assert [float(r) for r in ds.LossyImageCompressionRatio] == [3.0, 2.0]
    assert ds.SOPInstanceUID != uid and ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert ds.file_meta.TransferSyntaxUID == JPEGBaseline8Bit



def test_compress_without_any_encoder_says_so():
    ds, _ = _multiframe(1)
    before = snapshot(ds)
    with pytest.raises(dcmcore.UnsupportedPixelDataError, match="No plugin can encode"):
        dcmcore.compress(ds, "1.2.840.10008.1.2.4.999")  # a syntax nobody encodes
    assert snapshot(ds) == before


# -- decompress ------------------------------------------------------------
def test_decompress_elements_and_instance_uid():
    ds = read("SC_rgb_rle_2frame.dcm")
    uid = ds.SOPInstanceUID
    expected = dcmcore.pixel_array(ds)
    dcmcore.decompress(ds)
    assert ds.SOPInstanceUID == uid  # RGB stays RGB: the same instance
    assert ds.PlanarConfiguration == 0 and ds.NumberOfFrames == 2
    assert np.array_equal(pydicom.pixels.pixel_array(saved_and_read(ds)), expected)
    with pytest.raises(ValueError, match="already uncompressed"):
        dcmcore.decompress(ds)
    ds = read("MR_small_RLE.dcm")
    dcmcore.decompress(ds, generate_instance_uid=True)
    assert ds.SOPInstanceUID != read("MR_small_RLE.dcm").SOPInstanceUID


def test_decompress_failure_leaves_data_set():
    ds = read("MR_small_RLE.dcm")
    ds.PixelData = ds.PixelData[:200]
    before = snapshot(ds)
    with pytest.raises(Exception):
        dcmcore.decompress(ds)
    assert snapshot(ds) == before
