"""Overlays in the unused high bits of Pixel Data (retired; Overlay Bits Allocated > 1).

The expected overlays are the bit planes written into the generated stored
values; the expected pixel values are those stored values before the planes
were written (or pydicom's pixel_array, which clears/sign-extends the bits
above Bits Stored).
"""

from __future__ import annotations

import numpy as np
import pytest

import dcmcore
from dcmcore import overlays
from tests._helpers import pydicom_array
from tests._overlay_data import add_embedded_overlay, image_dataset, set_pixel_values

BE = "1.2.840.10008.1.2.2"
LE = "1.2.840.10008.1.2.1"
IMPLICIT = "1.2.840.10008.1.2"


def _planes(frames, rows, cols, seed):
    return np.random.default_rng(seed).integers(0, 2, (frames, rows, cols), dtype=np.uint8)


def _embedded_dataset(frames=1, rows=7, cols=9, bits=(12, 15), ts=LE, pr=0, bits_stored=12, **kw):
    ds, clean = image_dataset(rows, cols, frames, bits_stored=bits_stored, pixel_representation=pr, transfer_syntax=ts)
    values = clean.copy()
    planes = {}
    for i, bit in enumerate(bits):
        group = 0x6000 + 2 * i
        planes[group] = _planes(frames, rows, cols, seed=bit)
        add_embedded_overlay(ds, values, planes[group], bit, group=group, **kw)
    set_pixel_values(ds, values)
    return ds, clean, values, planes


@pytest.mark.parametrize("ts", [LE, BE, IMPLICIT])
@pytest.mark.parametrize("rows, cols", [(7, 9), (16, 16), (1, 13)])
def test_single_frame(ts, rows, cols):
    ds, clean, stored, planes = _embedded_dataset(rows=rows, cols=cols, bits=(12, 13, 14, 15), ts=ts)
    for group, plane in planes.items():
        got = dcmcore.overlay_array(ds, group)
        assert got.shape == (rows, cols) and got.dtype == np.uint8
        np.testing.assert_array_equal(got, plane[0])
    # the stored values with the overlay bits intact, as dcmcore reads them
    np.testing.assert_array_equal(dcmcore.pixel_array(ds, correct_unused_bits=False), stored[0])


@pytest.mark.parametrize("pr", [0, 1])
@pytest.mark.parametrize("ts", [LE, BE])
def test_split_clears_overlay_bits(pr, ts):
    ds, clean, stored, planes = _embedded_dataset(frames=3, bits=(12, 14), ts=ts, pr=pr)
    pixels, found = overlays.split_embedded_overlays(ds)
    assert sorted(found) == [0x6000, 0x6002]
    for group, plane in planes.items():
        np.testing.assert_array_equal(found[group], plane)
    # bits 12 and 14 cleared, every other bit as stored (bits 13 and 15 of signed values keep the sign)
    mask = ~np.array((1 << 12) | (1 << 14), np.uint16)
    expected = (stored.view(np.uint16) & mask).view(stored.dtype)
    np.testing.assert_array_equal(pixels, expected)
    # with correct_unused_bits the result is what pydicom makes of the pixel data
    fixed, _ = overlays.split_embedded_overlays(ds, correct_unused_bits=True)
    np.testing.assert_array_equal(fixed, pydicom_array(ds))
    np.testing.assert_array_equal(fixed, clean)
    np.testing.assert_array_equal(fixed, dcmcore.pixel_array(ds))


def test_multi_frame_with_frame_origin():
    frames, rows, cols = 5, 5, 7
    ds, clean = image_dataset(rows, cols, frames)
    values = clean.copy()
    plane = _planes(3, rows, cols, 3)
    add_embedded_overlay(ds, values, plane, 15, first_frame=1, frames_element=True, frame_origin_element=True)
    set_pixel_values(ds, values)
    got = dcmcore.overlay_array(ds, 0x6000)
    assert got.shape == (3, rows, cols)
    np.testing.assert_array_equal(got, plane)
    for k in range(3):
        np.testing.assert_array_equal(dcmcore.overlay_array(ds, 0x6000, index=k), plane[k])
    (info,) = overlays.list_overlays(ds)
    assert info.location == "PixelData" and info.is_embedded
    assert (info.number_of_frames, info.image_frame_origin, info.bit_position, info.bits_allocated) == (3, 2, 15, 16)
    assert info.problem is None
    # split for one image frame: only overlays covering it
    pixels, found = overlays.split_embedded_overlays(ds, index=2)
    np.testing.assert_array_equal(found[0x6000], plane[1])
    np.testing.assert_array_equal(pixels, clean[2])
    pixels, found = overlays.split_embedded_overlays(ds, index=0)
    assert found == {}
    np.testing.assert_array_equal(pixels, clean[0])


def test_multi_frame_without_frames_element_covers_all_frames():
    frames, rows, cols = 3, 4, 5
    ds, clean = image_dataset(rows, cols, frames)
    values = clean.copy()
    plane = _planes(frames, rows, cols, 8)
    add_embedded_overlay(ds, values, plane, 12)
    set_pixel_values(ds, values)
    np.testing.assert_array_equal(dcmcore.overlay_array(ds, 0x6000), plane)
    assert overlays.list_overlays(ds)[0].number_of_frames == 3


def test_8_bit_pixel_data():
    ds, clean = image_dataset(6, 5, bits_allocated=8, bits_stored=6)
    values = clean.copy()
    plane = _planes(1, 6, 5, 1)
    add_embedded_overlay(ds, values, plane, 7)
    set_pixel_values(ds, values)
    np.testing.assert_array_equal(dcmcore.overlay_array(ds, 0x6000), plane[0])


def test_clear_embedded_overlays():
    ds, clean, stored, planes = _embedded_dataset(frames=2, bits=(12, 13))
    arr = dcmcore.pixel_array(ds, correct_unused_bits=False)
    assert overlays.clear_embedded_overlays(arr, ds, [0x6002]) is arr
    np.testing.assert_array_equal(arr, stored & np.uint16(~(1 << 13) & 0xFFFF))
    overlays.clear_embedded_overlays(arr, ds)
    np.testing.assert_array_equal(arr, clean)
    with pytest.raises(TypeError):
        overlays.clear_embedded_overlays(arr.astype(float), ds)


def test_burn_in_embedded():
    ds, clean, stored, planes = _embedded_dataset(bits=(13,))
    frame = clean[0].copy()
    out = overlays.burn_in(frame, ds, value=4095)
    np.testing.assert_array_equal(out, np.where(planes[0x6000][0] == 1, 4095, frame))


# -- bad input ---------------------------------------------------------------------------------
def test_bits_allocated_mismatch_warns_and_uses_pixel_data():
    ds, clean, stored, planes = _embedded_dataset(bits=(12,), bits_allocated=8)
    with pytest.warns(UserWarning, match="differs from the \\(0028,0100\\) 'Bits Allocated' of 16"):
        got = dcmcore.overlay_array(ds, 0x6000)
    np.testing.assert_array_equal(got, planes[0x6000][0])


def test_bit_position_inside_bits_stored_warns():
    ds, clean, stored, planes = _embedded_dataset(bits=(3,))
    with pytest.warns(UserWarning, match="lies within the \\(0028,0101\\) 'Bits Stored'"):
        got = dcmcore.overlay_array(ds, 0x6000)
    np.testing.assert_array_equal(got, planes[0x6000][0])


def test_bit_position_beyond_bits_allocated():
    ds, *_ = _embedded_dataset(bits=(12,))
    ds[0x6000, 0x0102].value = 16
    with pytest.raises(ValueError, match=r"\(6000,0102\) 'Overlay Bit Position' of 16 is invalid"):
        dcmcore.overlay_array(ds, 0x6000)


def test_size_mismatch():
    ds, *_ = _embedded_dataset(bits=(12,))
    ds[0x6000, 0x0010].value = 8
    with pytest.raises(ValueError, match=r"8 x 9\) differ from the image's 7 x 9"):
        dcmcore.overlay_array(ds, 0x6000)


def test_frames_beyond_image():
    ds, *_ = _embedded_dataset(frames=2, bits=(12,))
    ds.add_new(0x60000015, "IS", 2)
    ds.add_new(0x60000051, "US", 2)
    with pytest.raises(ValueError, match="covers image frames 2 to 3 .* pixel data has 2 frames"):
        dcmcore.overlay_array(ds, 0x6000)
    assert "covers image frames" in overlays.list_overlays(ds)[0].problem


def test_missing_bit_position_and_pixel_data():
    ds, *_ = _embedded_dataset(bits=(12,))
    del ds[0x6000, 0x0102]
    with pytest.raises(AttributeError, match=r"\(6000,0102\) 'Overlay Bit Position'"):
        dcmcore.overlay_array(ds, 0x6000)
    ds, *_ = _embedded_dataset(bits=(12,))
    del ds.PixelData
    with pytest.raises(AttributeError, match="Pixel Data"):
        dcmcore.overlay_array(ds, 0x6000)


def test_color_pixel_data_refused():
    ds, clean = image_dataset(4, 4)
    values = clean.copy()
    add_embedded_overlay(ds, values, _planes(1, 4, 4, 0), 12)
    set_pixel_values(ds, values)
    ds.SamplesPerPixel = 3
    ds.PlanarConfiguration = 0
    ds.PhotometricInterpretation = "RGB"
    ds.PixelData = np.zeros((4, 4, 3), np.uint16).tobytes()
    with pytest.raises(NotImplementedError, match="Samples per Pixel"):
        dcmcore.overlay_array(ds, 0x6000)


@pytest.mark.parametrize("frame_origin", [None, 2])
def test_absurd_image_size_refused_before_allocation(frame_origin):
    # Rows, Columns and Number of Frames promise gigabytes; the Pixel Data holds a few bytes
    import tracemalloc

    ds, *_ = _embedded_dataset(frames=3, bits=(13,))
    if frame_origin:
        ds.add_new(0x60000051, "US", frame_origin)
        ds.add_new(0x60000015, "IS", 100)
    ds.Rows = ds.Columns = ds[0x6000, 0x0010].value = ds[0x6000, 0x0011].value = 4096
    ds.NumberOfFrames = 200
    frame = np.zeros((4096, 4096), np.uint8)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"holds \d+ bytes but 200 frames of 4096 x 4096"):
            dcmcore.overlay_array(ds, 0x6000)
        with pytest.raises(ValueError, match=r"holds \d+ bytes but 200 frames of 4096 x 4096"):
            overlays.burn_in(frame, ds, 0x6000, index=1, out=frame)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000


@pytest.mark.parametrize("frames, ts", [(1, LE), (3, BE)])
def test_pixel_data_with_excess_frames(frames, ts):
    # Pixel Data holding whole frames more than Number of Frames (or 1 when absent) declares, and 5 bytes:
    # the overlay frames are image frames of Number of Frames, the excess is left out
    ds, clean, stored, planes = _embedded_dataset(frames=frames, bits=(12, 15), ts=ts)
    if frames == 1:
        assert "NumberOfFrames" not in ds
    extra = np.random.default_rng(5).integers(0, 1 << 16, (2, 7, 9), dtype=np.uint16)
    ds.PixelData = ds.PixelData + extra.astype(">u2" if ts == BE else "<u2").tobytes() + bytes(5)
    shape = (7, 9) if frames == 1 else (frames, 7, 9)
    with pytest.warns(UserWarning, match="the excess is ignored"):
        got = dcmcore.overlay_array(ds, 0x6002)
    np.testing.assert_array_equal(got, planes[0x6002].reshape(shape))
    with pytest.warns(UserWarning, match="the excess is ignored"):
        np.testing.assert_array_equal(dcmcore.overlay_array(ds, 0x6000, index=frames - 1), planes[0x6000][-1])
    with pytest.warns(UserWarning, match="the excess is ignored"):
        pixels, found = overlays.split_embedded_overlays(ds, correct_unused_bits=True)
    assert sorted(found) == [0x6000, 0x6002]
    np.testing.assert_array_equal(found[0x6000], planes[0x6000].reshape(shape))
    # pydicom (the oracle) with only the declared frames
    expected = pydicom_array(ds, allow_excess_frames=False)
    assert expected.shape == shape
    np.testing.assert_array_equal(pixels, expected)
    # an image frame beyond Number of Frames is not one to split
    with pytest.raises(dcmcore.DcmcoreError, match="Number of Frames"), pytest.warns(UserWarning):
        overlays.split_embedded_overlays(ds, index=frames)
