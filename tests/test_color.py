"""dcmcore.color: YBR_FULL <-> RGB (pydicom's values), ICC color management, CIELab colors.

The YBR_FULL <-> RGB tests run on all 2**24 triplets, exactly, against two
oracles: pydicom's ``convert_color_space`` / ``pixel_array`` computed at test
time, and the float32 arithmetic pydicom asks NumPy for, written out here step
by step in float64 (see ``_float32_chain``).
"""

from __future__ import annotations

import functools
from importlib import resources

import numpy as np
import pytest
from pydicom.pixels import processing as pdp

import dcmcore
from dcmcore._kernels import color as color_kernels
from dcmcore.color import CIELabColor, ColorManager, convert_color_space
from tests._helpers import make_dataset, pydicom_array
from tests._transforms_util import real_stored

RNG = np.random.default_rng(5)

# T.871 / PS3.3 C.7.6.3.1.2, as the rows of pydicom's matrices: input sample -> output samples
YBR_TO_RGB = ((1.0, 1.0, 1.0), (0.0, -0.114 * 1.772 / 0.587, 1.772), (1.402, -0.299 * 1.402 / 0.587, 0.0))
RGB_TO_YBR = (
    (0.299, -0.299 / 1.772, 0.701 / 1.402),
    (0.587, -0.587 / 1.772, -0.587 / 1.402),
    (0.114, 0.886 / 1.772, -0.114 / 1.402),
)


def _float32_chain(arr: np.ndarray, rows, inputs_offset, outputs_offset, *, fused: bool) -> np.ndarray:
    """pydicom's conversion from first principles, one float32 rounding at a time.

    Each output sample is the sum over the input samples, in order, of
    input x coefficient (the coefficients rounded to float32), accumulated in
    float32 either with fused multiply-adds (one rounding per step) or with a
    rounded product then a rounded sum; then the offset is added (rounded),
    and the result floored and clipped. The fused steps are computed exactly
    in float64 (at most 37 significant bits here) and then rounded to float32,
    so float64 is only the carrier; the unfused ones are NumPy float32 ufuncs.
    """
    f32 = np.float32
    # fused: carried in float64, rounded to float32 after each step; unfused: plain float32 ufuncs
    carrier = np.float64 if fused else f32
    coef = np.asarray(rows, f32).astype(carrier)
    samples = [arr[..., i].astype(carrier) - carrier(inputs_offset[i]) for i in range(3)]
    out = np.empty(arr.shape, np.uint8)
    for j in range(3):
        acc = np.zeros(arr.shape[:-1], carrier)
        for i in range(3):
            if fused:
                acc = (acc + samples[i] * coef[i, j]).astype(f32).astype(np.float64)
            else:
                acc = acc + samples[i] * coef[i, j]  # two float32 roundings
        acc = (acc + carrier(outputs_offset[j])).astype(f32)
        out[..., j] = np.clip(np.floor(acc), 0, 255)
    return out


def _first_principles(arr: np.ndarray, current: str, *, fused: bool = True) -> np.ndarray:
    if current == "YBR_FULL":
        return _float32_chain(arr, YBR_TO_RGB, (0, 128, 128), (0.5, 0.5, 0.5), fused=fused)
    return _float32_chain(arr, RGB_TO_YBR, (0, 0, 0), (0.5, 128.5, 128.5), fused=fused)


def _exact_t871(arr: np.ndarray, current: str) -> np.ndarray:
    """T.871 in exact rational arithmetic, rounded half up and clamped."""
    a, b, c = (arr[..., i].astype(np.int64) for i in range(3))

    def rnd(num, den):
        return np.floor_divide(2 * num + den, 2 * den)

    if current == "YBR_FULL":
        out = (
            rnd(a * 10**6 + 1402000 * (c - 128), 10**6),
            rnd(a * 10**6 - 344136 * (b - 128) - 714136 * (c - 128), 10**6),
            rnd(a * 10**6 + 1772000 * (b - 128), 10**6),
        )
    else:
        out = (
            rnd(299 * a + 587 * b + 114 * c, 1000),
            rnd(-299 * a - 587 * b + 886 * c, 1772) + 128,
            rnd(701 * a - 587 * b - 114 * c, 1402) + 128,
        )
    return np.clip(np.stack(out, -1), 0, 255).astype(np.uint8)


def _same(got: np.ndarray, expected: np.ndarray) -> None:
    """Exactly equal (a fast check for the 2**24-triplet arrays; the first differences on failure)."""
    assert got.shape == expected.shape, (got.shape, expected.shape)
    if not np.array_equal(got, expected):
        bad = np.argwhere(got != expected)[:5].tolist()
        raise AssertionError(f"{int(np.sum(got != expected))} samples differ, first at {bad}")


@pytest.fixture(scope="module")
def triplets() -> np.ndarray:
    """Every 8-bit triplet once, (4096, 4096, 3): pixel i holds (i >> 16, i >> 8 & 255, i & 255)."""
    i = np.arange(1 << 24, dtype=np.uint32)
    return np.stack([i >> 16, (i >> 8) & 255, i & 255], -1).astype(np.uint8).reshape(4096, 4096, 3)


class _Oracle:
    """pydicom's answer for every triplet, and the fused / unfused float32 chains."""

    def __init__(self, triplets: np.ndarray, current: str, desired: str):
        self.triplets = triplets
        self.current = current
        self.pydicom = pdp.convert_color_space(triplets, current, desired)
        self.fused = _first_principles(triplets, current)

    @functools.cached_property
    def unfused(self) -> np.ndarray:
        return _first_principles(self.triplets, self.current, fused=False)

    def pydicom_or_skip(self) -> np.ndarray:
        """pydicom's values, which are the fused chain's wherever NumPy's BLAS fuses multiply-adds."""
        if not np.array_equal(self.pydicom, self.fused):
            _same(self.pydicom, self.unfused)
            pytest.skip("NumPy's float32 matmul does not fuse multiply-adds on this machine: "
                        "pydicom's values are the unfused ones here (see convert_color_space)")
        return self.pydicom


@pytest.fixture(scope="module")
def to_rgb(triplets) -> _Oracle:
    return _Oracle(triplets, "YBR_FULL", "RGB")


@pytest.fixture(scope="module")
def to_ybr(triplets) -> _Oracle:
    return _Oracle(triplets, "RGB", "YBR_FULL")


@pytest.mark.parametrize("direction", ["to_rgb", "to_ybr"])
def test_convert_color_space_equals_pydicom_on_every_triplet(direction, triplets, request):
    oracle = request.getfixturevalue(direction)
    desired = "RGB" if oracle.current == "YBR_FULL" else "YBR_FULL"
    got = convert_color_space(triplets, oracle.current, desired)
    # the documented arithmetic, whatever the machine's BLAS
    _same(got, oracle.fused)
    _same(got, oracle.pydicom_or_skip())
    if oracle.current == "YBR_FULL":
        _same(convert_color_space(triplets, "YBR_FULL_422", "RGB"), got)


def test_documented_differences(triplets, to_rgb, to_ybr):
    """The numbers the docs give: unfused BLAS kernels, and the exact T.871 equations."""
    for oracle, unfused, t871 in ((to_rgb, 42, 318), (to_ybr, 859, 481)):
        assert np.any(oracle.fused != oracle.unfused, axis=-1).sum() == unfused
        exact = _exact_t871(triplets, oracle.current)
        diff = np.abs(oracle.fused.astype(np.int16) - exact)
        assert diff.max() == 1
        assert np.any(diff, axis=-1).sum() == t871


@pytest.mark.parametrize("planar", [0, 1])
def test_pixel_array_ybr_full_equals_pydicom_on_every_triplet(planar, triplets, to_rgb):
    frames = triplets.reshape(4, 2048, 2048, 3)
    stored = frames.transpose(0, 3, 1, 2) if planar else frames
    ds = make_dataset(np.ascontiguousarray(stored).tobytes(), rows=2048, columns=2048, samples_per_pixel=3,
                      bits_allocated=8, photometric_interpretation="YBR_FULL", number_of_frames=4,
                      planar_configuration=planar)
    got = dcmcore.pixel_array(ds)
    assert got.shape == (4, 2048, 2048, 3)
    _same(got.reshape(4096, 4096, 3), to_rgb.fused)
    _same(got.reshape(4096, 4096, 3), to_rgb.pydicom_or_skip())
    # and the two public functions agree
    raw = dcmcore.pixel_array(ds, as_rgb=False)
    _same(convert_color_space(raw, "YBR_FULL", "RGB"), got)


def test_pixel_array_ybr_full_422_equals_pydicom_on_every_triplet(to_rgb):
    # pairs (Y, Y + 1, Cb, Cr) for every even Y and every Cb, Cr: 2**23 pairs, every triplet once
    cb, cr, y = np.meshgrid(np.arange(256), np.arange(256), np.arange(0, 256, 2), indexing="ij")
    pairs = np.stack([y, y + 1, cb, cr], -1).astype(np.uint8).reshape(-1, 4)
    ds = make_dataset(pairs.tobytes(), rows=2048, columns=2048, samples_per_pixel=3, bits_allocated=8,
                      photometric_interpretation="YBR_FULL_422", number_of_frames=4)
    got = dcmcore.pixel_array(ds).reshape(-1, 2, 3)
    index = (pairs[:, 0].astype(np.int64) << 16) | (pairs[:, 2].astype(np.int64) << 8) | pairs[:, 3]
    flat = to_rgb.fused.reshape(-1, 3)
    _same(got[:, 0], flat[index])
    _same(got[:, 1], flat[index + (1 << 16)])
    to_rgb.pydicom_or_skip()
    _same(got.reshape(4, 2048, 2048, 3), pydicom_array(ds))


@pytest.mark.parametrize("simd", [True, False], ids=["simd", "portable"])
def test_both_kernel_paths_on_every_triplet(simd, triplets, to_rgb, to_ybr):
    """The run-time SIMD loops and the portable ones give the same values."""
    flat = triplets.reshape(-1)
    n = flat.size // 3
    out = np.empty_like(flat)
    color_kernels.ybr_full_to_rgb(flat, out, 1, n, False, simd)
    _same(out.reshape(triplets.shape), to_rgb.fused)
    planes = np.ascontiguousarray(triplets.reshape(-1, 3).T).reshape(-1)
    color_kernels.ybr_full_to_rgb(planes, out, 1, n, True, simd)
    _same(out.reshape(triplets.shape), to_rgb.fused)
    color_kernels.rgb_to_ybr_full(flat, out, n, simd)
    _same(out.reshape(triplets.shape), to_ybr.fused)
    # YBR_FULL_422: pixel pairs sharing the chroma of the first pixel's triplet
    pairs = np.concatenate([triplets.reshape(-1, 3)[:, :1], triplets.reshape(-1, 3)[::-1, :1],
                            triplets.reshape(-1, 3)[:, 1:]], -1)
    out422 = np.empty(6 * n, np.uint8)
    color_kernels.ybr422_to_rgb(pairs.reshape(-1), out422, n, simd)
    second = np.stack([pairs[:, 1], pairs[:, 2], pairs[:, 3]], -1)
    index = (second[:, 0].astype(np.int64) << 16) | (second[:, 1].astype(np.int64) << 8) | second[:, 2]
    _same(out422.reshape(-1, 2, 3)[:, 0], to_rgb.fused.reshape(-1, 3))
    _same(out422.reshape(-1, 2, 3)[:, 1], to_rgb.fused.reshape(-1, 3)[index])


def test_kernel_lengths_offsets_and_in_place(triplets, to_rgb, to_ybr):
    """Every length modulo the SIMD step (the tails), odd offsets, and src is dst."""
    flat, rgb, ybr = triplets.reshape(-1, 3), to_rgb.fused.reshape(-1, 3), to_ybr.fused.reshape(-1, 3)
    for n in [*range(0, 70), 1021]:
        start = int(RNG.integers(0, flat.shape[0] - n))
        src = flat[start : start + n].reshape(-1)
        for simd in (True, False):
            out = np.empty(3 * n + 1, np.uint8)[1:]  # odd address
            color_kernels.ybr_full_to_rgb(src, out, 1, n, False, simd)
            _same(out.reshape(-1, 3), rgb[start : start + n])
            work = src.copy()
            color_kernels.rgb_to_ybr_full(work, work, n, simd)
            _same(work.reshape(-1, 3), ybr[start : start + n])
            work = src.copy()
            color_kernels.ybr_full_to_rgb(work, work, 1, n, False, simd)
            _same(work.reshape(-1, 3), rgb[start : start + n])
            # n pixel pairs whose chroma and first Y come from the triplets, second Y = first Y
            pairs = np.concatenate([flat[start : start + n, :1], flat[start : start + n]], -1)
            out = np.empty(6 * n, np.uint8)
            color_kernels.ybr422_to_rgb(pairs.reshape(-1), out, n, simd)
            expected = np.repeat(rgb[start : start + n], 2, axis=0)
            _same(out.reshape(-1, 3), expected)


def test_real_rgb_image_against_pydicom():
    rgb = real_stored("SC_rgb.dcm")
    np.testing.assert_array_equal(convert_color_space(rgb, "RGB", "YBR_FULL"), pdp.convert_color_space(rgb, "RGB", "YBR_FULL"))
    ybr = pdp.convert_color_space(rgb, "RGB", "YBR_FULL")
    np.testing.assert_array_equal(convert_color_space(ybr, "YBR_FULL", "RGB"), pdp.convert_color_space(ybr, "YBR_FULL", "RGB"))


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
