"""dcmcore.color: exact T.871 conversion, ICC color management, CIELab colors."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest
from pydicom.pixels import processing as pdp

from dcmcore.color import CIELabColor, ColorManager, convert_color_space
from tests._transforms_util import real_stored

RNG = np.random.default_rng(5)


def _exact_ybr_to_rgb(ybr: np.ndarray) -> np.ndarray:
    """ITU-T T.871 / PS3.3 C.7.6.3.1.2 in exact rational arithmetic, rounded half up."""
    y, cb, cr = (ybr[..., i].astype(np.int64) for i in range(3))

    def rnd(num, den):
        return np.floor_divide(2 * num + den, 2 * den)

    r = rnd(y * 10**6 + 1402000 * (cr - 128), 10**6)
    g = rnd(y * 10**6 - 344136 * (cb - 128) - 714136 * (cr - 128), 10**6)
    b = rnd(y * 10**6 + 1772000 * (cb - 128), 10**6)
    return np.clip(np.stack([r, g, b], -1), 0, 255).astype(np.uint8)


def _exact_rgb_to_ybr(rgb: np.ndarray) -> np.ndarray:
    r, g, b = (rgb[..., i].astype(np.int64) for i in range(3))

    def rnd(num, den):
        return np.floor_divide(2 * num + den, 2 * den)

    y = rnd(299 * r + 587 * g + 114 * b, 1000)
    cb = rnd(-299 * r - 587 * g + 886 * b, 1772) + 128
    cr = rnd(701 * r - 587 * g - 114 * b, 1402) + 128
    return np.clip(np.stack([y, cb, cr], -1), 0, 255).astype(np.uint8)


def _samples() -> np.ndarray:
    # every value of each component against a spread of the other two, plus random triplets
    g = np.arange(256, dtype=np.uint8)
    grid = np.stack(np.meshgrid(g, g[::5], g[::3], indexing="ij"), -1).reshape(-1, 3)
    rand = RNG.integers(0, 256, (200_000, 3), dtype=np.uint8)
    return np.concatenate([grid, rand]).reshape(1, -1, 3)


def test_ybr_full_to_rgb_is_exact():
    ybr = _samples()
    got = convert_color_space(ybr, "YBR_FULL", "RGB")
    np.testing.assert_array_equal(got, _exact_ybr_to_rgb(ybr))
    assert np.array_equal(convert_color_space(ybr, "YBR_FULL_422", "RGB"), got)


def test_rgb_to_ybr_full_is_exact():
    rgb = _samples()
    got = convert_color_space(rgb, "RGB", "YBR_FULL")
    np.testing.assert_array_equal(got, _exact_rgb_to_ybr(rgb))


def test_against_pydicom():
    """pydicom computes the same equations in float32: equal except by 1 where its rounding slips."""
    for current, desired, exact in (("YBR_FULL", "RGB", _exact_ybr_to_rgb), ("RGB", "YBR_FULL", _exact_rgb_to_ybr)):
        arr = _samples()
        got = convert_color_space(arr, current, desired)
        ref = pdp.convert_color_space(arr, current, desired)
        diff = np.abs(got.astype(int) - ref)
        assert diff.max() <= 1
        # every difference is pydicom's: the exact value is ours
        differs = np.any(diff, axis=-1)
        assert differs.mean() < 1e-3
        np.testing.assert_array_equal(got[differs], exact(arr[differs]))
    # a real RGB image: round trip against pydicom
    rgb = real_stored("SC_rgb.dcm")
    np.testing.assert_array_equal(convert_color_space(rgb, "RGB", "YBR_FULL"), pdp.convert_color_space(rgb, "RGB", "YBR_FULL"))


def test_frames_in_place_and_errors():
    arr = RNG.integers(0, 256, (3, 8, 9, 3), dtype=np.uint8)
    expected = convert_color_space(arr, "RGB", "YBR_FULL")
    np.testing.assert_array_equal(expected[1], convert_color_space(arr[1], "RGB", "YBR_FULL"))
    work = arr.copy()
    assert convert_color_space(work, "RGB", "YBR_FULL", per_frame=True) is work
    np.testing.assert_array_equal(work, expected)
    assert convert_color_space(arr, "RGB", "RGB") is arr
    assert convert_color_space(arr, "YBR_FULL", "YBR_FULL_422") is arr
    np.testing.assert_array_equal(convert_color_space(arr[:, ::2], "RGB", "YBR_FULL"), expected[:, ::2])
    with pytest.raises(ValueError, match="uint8"):
        convert_color_space(arr.astype(np.uint16), "RGB", "YBR_FULL")
    with pytest.raises(NotImplementedError, match="YBR_ICT"):
        convert_color_space(arr, "YBR_ICT", "RGB")
    with pytest.raises(ValueError, match="shaped"):
        convert_color_space(arr[..., :2], "RGB", "YBR_FULL")


def _icc_profile() -> bytes:
    return resources.files("highdicom").joinpath("_icc_profiles/sRGB_v4_ICC_preference.icc").read_bytes()


def test_color_manager_against_highdicom():
    from highdicom.color import ColorManager as HdColorManager

    profile = _icc_profile()
    frame = RNG.integers(0, 256, (64, 48, 3), dtype=np.uint8)
    ours = ColorManager(profile).transform_frame(frame)
    theirs = HdColorManager(profile).transform_frame(frame)
    np.testing.assert_array_equal(ours, theirs)
    assert not np.array_equal(ours, frame)  # a real transform
    with pytest.raises(ValueError, match="shaped"):
        ColorManager(profile).transform_frame(frame[..., 0])
    with pytest.raises(ValueError, match="ICC profile"):
        ColorManager(b"not a profile")


def test_chain_applies_the_icc_profile_like_highdicom():
    from dcmcore.transforms import TransformChain
    from tests._transforms_util import hd_image, hd_transform, image_dataset

    stored = RNG.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    ds = image_dataset(stored, photometric="RGB", sop_class="1.2.840.10008.5.1.4.1.1.7", ICCProfile=_icc_profile())
    for dtype in (np.uint8, np.float32):
        ref = hd_transform(hd_image(ds), 0, stored, dtype=dtype)
        got = TransformChain.from_dataset(ds, dtype=dtype)(stored)
        np.testing.assert_array_equal(got, ref)
    assert np.array_equal(TransformChain.from_dataset(ds, apply_icc_profile=False, dtype=np.uint8)(stored), stored)


@pytest.mark.parametrize("color", ["red", "green", "blue", "white", "black", "orange", "turquoise", "crimson", "indigo", "#ff7733", "rgb(10, 200, 30)", "gray"])
def test_cielab_against_highdicom(color):
    from highdicom.color import CIELabColor as HdCIELabColor

    ours, theirs = CIELabColor.from_string(color), HdCIELabColor.from_string(color)
    assert ours.value == theirs.value
    assert ours.to_rgb() == theirs.to_rgb()
    np.testing.assert_allclose(ours.lab, (theirs.l_star, theirs.a_star, theirs.b_star), rtol=0, atol=1e-12)


def test_cielab_values_and_errors():
    """PS3.3 C.10.7.1.1: L* 0..100 -> 0..0xFFFF; a*, b* -128..127 -> 0..0xFFFF (0 is 0x8080)."""
    assert CIELabColor(0.0, -128.0, -128.0).value == (0, 0, 0)
    assert CIELabColor(100.0, 127.0, 127.0).value == (0xFFFF, 0xFFFF, 0xFFFF)
    assert CIELabColor(50.0, 0.0, 0.0).value == (32768, 0x8080, 0x8080)
    color = CIELabColor.from_dicom_value((49107, 39048, 53188))
    assert color.to_rgb() == (255, 165, 0)
    assert color == CIELabColor.from_string("orange")
    with pytest.raises(ValueError, match="l_star"):
        CIELabColor(101, 0, 0)
    with pytest.raises(ValueError, match="a_star"):
        CIELabColor(50, 130, 0)
    with pytest.raises(ValueError, match="0xFFFF"):
        CIELabColor.from_dicom_value((1, 2, 70000))
    with pytest.raises(TypeError, match="integers"):
        CIELabColor.from_dicom_value((1.5, 2, 3))
    with pytest.raises(ValueError, match="between 0 and 255"):
        CIELabColor.from_rgb(0, 0, 256)
    out_of_gamut = CIELabColor(50.0, 127.0, -128.0)
    with pytest.raises(ValueError, match="gamut"):
        out_of_gamut.to_rgb()
    assert all(0 <= c <= 255 for c in out_of_gamut.to_rgb(clip=True))
