"""overlays.burn_in: positions checked pixel by pixel against a hand-written placement loop.

PS3.3 C.9.2.1.2: Overlay Origin is row\\column of the overlay's first pixel in
image coordinates, 1-based; values below 1 put it above or left of the image.
"""

from __future__ import annotations

import numpy as np
import pytest
from pydicom.dataset import Dataset

from dcmcore import overlays
from tests._helpers import read
from tests._overlay_data import add_overlay

H, W = 10, 12


def _image(frames=None, samples=None, dtype=np.uint16) -> tuple[Dataset, np.ndarray]:
    ds = Dataset()
    ds.Rows, ds.Columns = H, W
    if frames:
        ds.NumberOfFrames = frames
    shape = (H, W) if frames is None else (frames, H, W)
    if samples:
        shape += (samples,)
    img = (np.arange(np.prod(shape)) % 97).astype(dtype).reshape(shape)
    return ds, img


def _expected(img2d: np.ndarray, bits2d: np.ndarray, origin: tuple[int, int], value) -> np.ndarray:
    """The placement rule, one pixel at a time."""
    out = img2d.copy()
    for r in range(bits2d.shape[0]):
        for c in range(bits2d.shape[1]):
            ir, ic = origin[0] - 1 + r, origin[1] - 1 + c
            if bits2d[r, c] and 0 <= ir < out.shape[0] and 0 <= ic < out.shape[1]:
                out[ir, ic] = value
    return out


ORIGINS = [(1, 1), (3, 4), (8, 10), (10, 12), (11, 13), (0, 0), (-1, -2), (-3, 5), (4, -4), (-4, -5), (-5, 1), (20, 20), (1, 13), (11, 1)]


@pytest.mark.parametrize("origin", ORIGINS)
@pytest.mark.parametrize("ov_shape", [(4, 5), (3, 9), (13, 15)])
def test_single_frame_positions(origin, ov_shape):
    bits = np.random.default_rng(ov_shape[1]).integers(0, 2, ov_shape, dtype=np.uint8)
    ds, img = _image()
    add_overlay(ds, bits, origin=origin)
    got = overlays.burn_in(img, ds, value=1000)
    np.testing.assert_array_equal(got, _expected(img, bits, origin, 1000))
    assert got is not img and (img == _image()[1]).all()  # the input is untouched


def test_all_ones_overlay_partly_outside_hand_computed():
    ds, img = _image(dtype=np.uint8)
    img[:] = 0
    add_overlay(ds, np.ones((3, 4), np.uint8), origin=(-1, 10))  # rows -2..0, columns 9..12
    got = overlays.burn_in(img, ds, value=9)
    expected = np.zeros((H, W), np.uint8)
    expected[0, 9:12] = 9  # only image row 0 and columns 9, 10, 11 are covered
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("origin", [(1, 1), (-2, 3), (9, -1)])
def test_multi_frame_with_image_frame_origin(origin):
    # 3 overlay frames of 5 x 7 (35 bits: frames 1 and 2 start mid-byte) on image frames 2-4 of 6.
    bits = np.random.default_rng(1).integers(0, 2, (3, 5, 7), dtype=np.uint8)
    ds, img = _image(frames=6)
    add_overlay(ds, bits, origin=origin, frame_origin=2)
    got = overlays.burn_in(img, ds, value=500)
    for f in range(6):
        k = f - 1
        expected = _expected(img[f], bits[k], origin, 500) if 0 <= k < 3 else img[f]
        np.testing.assert_array_equal(got[f], expected, err_msg=f"image frame {f}")
    # one frame at a time
    for f in range(6):
        one = overlays.burn_in(img[f], ds, value=500, index=f)
        np.testing.assert_array_equal(one, got[f])


def test_single_frame_overlay_on_multi_frame_image_draws_first_frame_only():
    bits = np.ones((2, 2), np.uint8)
    ds, img = _image(frames=3)
    add_overlay(ds, bits)
    got = overlays.burn_in(img, ds, value=7)
    np.testing.assert_array_equal(got[0], _expected(img[0], bits, (1, 1), 7))
    np.testing.assert_array_equal(got[1:], img[1:])


def test_several_groups_and_group_selection():
    a = np.random.default_rng(2).integers(0, 2, (4, 4), dtype=np.uint8)
    b = np.random.default_rng(3).integers(0, 2, (3, 6), dtype=np.uint8)
    ds, img = _image()
    add_overlay(ds, a, group=0x6000, origin=(2, 2))
    add_overlay(ds, b, group=0x6006, origin=(5, -1))
    both = overlays.burn_in(img, ds, value=300)
    np.testing.assert_array_equal(both, _expected(_expected(img, a, (2, 2), 300), b, (5, -1), 300))
    np.testing.assert_array_equal(overlays.burn_in(img, ds, 0x6006, 300), _expected(img, b, (5, -1), 300))
    np.testing.assert_array_equal(overlays.burn_in(img, ds, [0x6000], 300), _expected(img, a, (2, 2), 300))


def test_rgb_frame_and_value_per_sample():
    bits = np.random.default_rng(4).integers(0, 2, (5, 5), dtype=np.uint8)
    ds, img = _image(samples=3, dtype=np.uint8)
    add_overlay(ds, bits, origin=(3, 9))
    got = overlays.burn_in(img, ds, value=(255, 0, 10))
    for s, v in enumerate((255, 0, 10)):
        np.testing.assert_array_equal(got[..., s], _expected(img[..., s], bits, (3, 9), v))


def test_default_value_is_frame_max():
    bits = np.ones((2, 3), np.uint8)
    ds, img = _image()
    add_overlay(ds, bits, origin=(5, 5))
    got = overlays.burn_in(img, ds)
    np.testing.assert_array_equal(got, _expected(img, bits, (5, 5), img.max()))
    ds_rgb, rgb = _image(samples=3, dtype=np.uint8)
    rgb[..., 1] //= 2
    add_overlay(ds_rgb, bits, origin=(5, 5))
    got = overlays.burn_in(rgb, ds_rgb)
    for s in range(3):
        np.testing.assert_array_equal(got[..., s], _expected(rgb[..., s], bits, (5, 5), rgb[..., s].max()))


def test_in_place_and_out():
    bits = np.ones((2, 2), np.uint8)
    ds, img = _image()
    add_overlay(ds, bits, origin=(2, 2))
    expected = _expected(img, bits, (2, 2), 1)
    out = np.zeros_like(img)
    assert overlays.burn_in(img, ds, value=1, out=out) is out
    np.testing.assert_array_equal(out, expected)
    same = overlays.burn_in(img, ds, value=1, out=img)
    assert same is img
    np.testing.assert_array_equal(img, expected)


def test_float_frame():
    bits = np.ones((2, 2), np.uint8)
    ds, img = _image(dtype=np.float32)
    add_overlay(ds, bits, origin=(1, 11))
    np.testing.assert_array_equal(overlays.burn_in(img, ds, value=0.5), _expected(img, bits, (1, 11), 0.5))


def test_real_file():
    ds = read("MR-SIEMENS-DICOM-WithOverlays.dcm")
    img = ds.pixel_array
    plane = ds.overlay_array(0x6000)  # pydicom's reading of the overlay; origin 1\1, same size as the image
    assert tuple(ds[0x6000, 0x0050].value) == (1, 1)
    got = overlays.burn_in(img, ds, value=4095)
    np.testing.assert_array_equal(got, np.where(plane == 1, 4095, img))


# -- bad input ---------------------------------------------------------------------------------
def test_errors():
    bits = np.ones((2, 2), np.uint8)
    ds, img = _image()
    add_overlay(ds, bits)
    with pytest.raises(ValueError, match="cannot be represented"):
        overlays.burn_in(img, ds, value=70000)
    with pytest.raises(ValueError, match="cannot be represented"):
        overlays.burn_in(img, ds, value=-1)
    with pytest.raises(ValueError, match="single number"):
        overlays.burn_in(img, ds, value=(1, 2))
    with pytest.raises(ValueError, match="is 10 x 11 pixels but the image is 10 x 12"):
        overlays.burn_in(img[:, :11], ds)
    with pytest.raises(ValueError, match="shape"):
        overlays.burn_in(img[0], ds)
    with pytest.raises(TypeError):
        overlays.burn_in(img.tolist(), ds)
    with pytest.raises(ValueError, match="even groups"):
        overlays.burn_in(img, ds, 0x6001)
    with pytest.raises(AttributeError, match=r"\(6002,3000\) 'Overlay Data'"):
        overlays.burn_in(img, ds, 0x6002)
    with pytest.raises(ValueError, match="'index' 1 is out of range"):
        overlays.burn_in(img, ds, index=1)
    del ds[0x6000, 0x0050]
    with pytest.raises(AttributeError, match=r"\(6000,0050\) 'Overlay Origin'"):
        overlays.burn_in(img, ds, 0x6000)
    # groups=None draws what it can: the unplaceable group is reported, not drawn
    with pytest.warns(UserWarning, match=r"0x6000 is not drawn: .*\(6000,0050\) 'Overlay Origin'"):
        np.testing.assert_array_equal(overlays.burn_in(img, ds), img)


def test_all_groups_skip_a_broken_one():
    bits = np.zeros((10, 12), np.uint8)
    bits[2, 3] = bits[7, 11] = 1
    ds, img = _image()
    add_overlay(ds, bits)
    ds.add_new(0x60020022, "LO", "a stray description, nothing else")
    with pytest.raises(AttributeError, match=r"\(6002,3000\) 'Overlay Data'"):
        overlays.burn_in(img, ds, [0x6000, 0x6002])
    with pytest.warns(UserWarning, match=r"0x6002 is not drawn"):
        drawn = overlays.burn_in(img, ds, value=999)
    expected = img.copy()
    expected[bits == 1] = 999
    np.testing.assert_array_equal(drawn, expected)


def test_stack_frames_mismatch():
    ds, img = _image(frames=3)
    add_overlay(ds, np.ones((2, 2), np.uint8))
    with pytest.raises(ValueError, match="holds 2 frames but the image has 3"):
        overlays.burn_in(img[:2], ds)


# -- the drawing kernel on other layouts -----------------------------------------------------
def _big_image(rows, cols, dtype, samples=None):
    ds = Dataset()
    ds.Rows, ds.Columns = rows, cols
    shape = (rows, cols) if samples is None else (rows, cols, samples)
    img = (np.arange(np.prod(shape)) % 101).astype(dtype).reshape(shape)
    return ds, img


@pytest.mark.parametrize("dtype", ["u1", "i2", ">u2", "u4", "i8", "f4", "f8", "bool"])
@pytest.mark.parametrize("origin", [(1, 1), (-2, -61), (3, 70), (0, 5)])
def test_wide_overlay_dtypes(dtype, origin):
    # 150 columns: rows are 150 bits, so most rows start mid-byte and span several 56-bit words.
    bits = np.random.default_rng(7).integers(0, 2, (9, 150), dtype=np.uint8)
    ds, img = _big_image(12, 200, dtype)
    add_overlay(ds, bits, origin=origin)
    value = True if dtype == "bool" else 77
    got = overlays.burn_in(img, ds, value=value)
    assert got.dtype == img.dtype
    np.testing.assert_array_equal(got, _expected(img, bits, origin, value))


def test_data_without_padding_byte_at_buffer_end():
    # 5 x 13 = 65 bits: 9 bytes, odd, and no padding byte: the last word read must stop at the buffer end.
    bits = np.ones((5, 13), np.uint8)
    ds, img = _big_image(8, 16, np.uint16)
    add_overlay(ds, bits, origin=(2, 2), data=np.packbits(bits.ravel(), bitorder="little").tobytes())
    with pytest.warns(UserWarning, match="odd length"):
        got = overlays.burn_in(img, ds, value=5)
    np.testing.assert_array_equal(got, _expected(img, bits, (2, 2), 5))


def test_strided_out_and_samples_not_adjacent():
    bits = np.random.default_rng(8).integers(0, 2, (6, 9), dtype=np.uint8)
    ds, img = _big_image(10, 12, np.int16)
    add_overlay(ds, bits, origin=(3, 2))
    expected = _expected(img, bits, (3, 2), -5)
    backing = np.zeros((20, 36), np.int16)
    view = backing[::2, ::3]  # rows and columns strided
    view[...] = img
    assert overlays.burn_in(view, ds, value=-5, out=view) is view
    np.testing.assert_array_equal(view, expected)
    # samples first in memory: a (rows, columns, 3) view of a planar buffer
    ds_rgb, rgb = _big_image(10, 12, np.uint8, samples=3)
    add_overlay(ds_rgb, bits, origin=(3, 2))
    planar = np.ascontiguousarray(rgb.transpose(2, 0, 1)).transpose(1, 2, 0)
    assert not planar.flags.c_contiguous
    got = overlays.burn_in(planar, ds_rgb, value=(1, 2, 3), out=planar)
    for s in range(3):
        np.testing.assert_array_equal(got[..., s], _expected(rgb[..., s], bits, (3, 2), s + 1))


def test_kernel_refuses_out_of_bounds():
    from dcmcore._kernels import overlay as kernel

    dst = np.zeros((4, 4), np.uint8)
    v = b"\x01"
    assert kernel.burn(b"\xff\xff", 0, 4, 0, 4, 4, dst, v) == 16 and dst.all()
    assert kernel.burn(b"\xff\xff", 0, 4, 0, 4, 5, dst, v) == -1  # more rows than dst
    assert kernel.burn(b"\xff\xff", 1, 4, 0, 4, 4, dst, v) == -1  # last bit beyond src
    assert kernel.burn(b"\xff\xff", 0, 4, 0, 4, 4, dst, b"\x01\x02") == -1  # value size
    assert kernel.burn(b"\xff\xff", 0, 4, 0, 0, 4, dst, v) == 0
