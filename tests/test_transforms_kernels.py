"""The lut kernels and the engine that drives them, against NumPy written out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from dcmcore._kernels import lut
from dcmcore.transforms import _engine as E
from tests._transforms_util import window_standard

IN_CODES = {np.uint8: 0, np.int8: 1, np.uint16: 2, np.int16: 3, np.uint32: 4, np.int32: 5, np.float32: 6, np.float64: 7}
ITEMS = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}
RNG = np.random.default_rng(99)


def _view(a: np.ndarray) -> np.ndarray:
    return a.reshape(-1).view(np.uint8)


@pytest.mark.parametrize("in_dtype", [np.uint8, np.int8, np.uint16, np.int16])
@pytest.mark.parametrize("itemsize", [1, 2, 4, 8])
@pytest.mark.parametrize("three", [False, True])
@pytest.mark.parametrize("n", [1, 7, 8, 9, 1001])
def test_gather_full(in_dtype, itemsize, three, n):
    info = np.iinfo(in_dtype)
    src = RNG.integers(info.min, info.max + 1, n).astype(in_dtype)
    ntab = 1 << (8 * np.dtype(in_dtype).itemsize)
    table = RNG.integers(0, 2**63, (ntab, 3) if three else ntab, dtype=np.uint64).astype(ITEMS[itemsize])
    out = np.empty((n, 3) if three else n, ITEMS[itemsize])
    bad = lut.gather(_view(src), IN_CODES[in_dtype], n, 0, _view(table), ntab, itemsize, _view(out), three, True)
    assert bad == 0
    pattern = src.view(np.dtype(f"u{np.dtype(in_dtype).itemsize}"))
    np.testing.assert_array_equal(out, table[pattern])


@pytest.mark.parametrize("in_dtype", [np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32])
@pytest.mark.parametrize("itemsize", [1, 8])
@pytest.mark.parametrize("three", [False, True])
@pytest.mark.parametrize("n", [3, 4, 13, 1000])
def test_gather_checked_clamps_and_counts(in_dtype, itemsize, three, n):
    info = np.iinfo(in_dtype)
    lo = 10 if info.min == 0 else -20
    ntab = 50
    src = RNG.integers(max(info.min, lo - 30), min(info.max, lo + ntab + 30) + 1, n).astype(in_dtype)
    table = RNG.integers(0, 255, (ntab, 3) if three else ntab).astype(ITEMS[itemsize])
    out = np.empty((n, 3) if three else n, ITEMS[itemsize])
    bad = lut.gather(_view(src), IN_CODES[in_dtype], n, lo, _view(table), ntab, itemsize, _view(out), three, False)
    k = src.astype(np.int64) - lo
    assert bad == np.count_nonzero((k < 0) | (k >= ntab))
    np.testing.assert_array_equal(out, table[np.clip(k, 0, ntab - 1)])


def test_gather_accepts_read_only_buffers():
    src = np.arange(10, dtype=np.uint8)
    src.setflags(write=False)
    table = bytes(range(256))
    out = np.empty(10, np.uint8)
    lut.gather(_view(src), 0, 10, 0, table, 256, 1, _view(out), False, True)
    np.testing.assert_array_equal(out, np.arange(10))


@pytest.mark.parametrize("in_dtype", list(IN_CODES))
@pytest.mark.parametrize("out_dtype", [np.float32, np.float64, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int8])
@pytest.mark.parametrize("mode, function", [(0, None), (1, "LINEAR"), (2, "LINEAR_EXACT"), (3, "SIGMOID")])
@pytest.mark.parametrize("invert", [False, True])
def test_linear_window_against_the_formulas(in_dtype, out_dtype, mode, function, invert):
    if np.dtype(in_dtype).kind == "f":
        src = (RNG.standard_normal(1003) * 100).astype(in_dtype)
    else:
        info = np.iinfo(in_dtype)
        src = RNG.integers(max(info.min, -300), min(info.max, 300) + 1, 1003).astype(in_dtype)
    out = np.empty(src.size, out_dtype)
    ymin, ymax = (0.0, 100.0) if np.dtype(out_dtype).kind in "iu" else (-1.0, 3.0)
    if mode == 0 and np.dtype(out_dtype).kind in "iu":
        slope, intercept = 1.0, 5.0
        ymin, ymax = 0.0, 0.0
    else:
        slope, intercept = 0.75, -3.0
    info = np.iinfo(out_dtype) if np.dtype(out_dtype).kind in "iu" else None
    clip_lo, clip_hi = (float(info.min), float(info.max)) if info else (0.0, 0.0)
    lut.linear_window(_view(src), IN_CODES[in_dtype], src.size, _view(out), IN_CODES[out_dtype],
                      slope, intercept, mode, 20.0, 60.0, ymin, ymax, invert, clip_lo, clip_hi)
    y = src.astype(np.float64) * slope + intercept
    expected = window_standard(y, 20.0, 60.0, function, ymin, ymax) if function else y
    if invert:
        expected = (ymin + ymax) - expected
    if info is not None:
        expected = np.clip(np.rint(expected), info.min, info.max)
        np.testing.assert_array_equal(out, expected.astype(out_dtype))
    else:
        np.testing.assert_allclose(out, expected.astype(out_dtype), rtol=1e-6 if out_dtype == np.float32 else 1e-12, atol=1e-9)


def test_linear_window_rounding_nan_and_step():
    src = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 254.5, 255.5, np.nan, np.inf, -np.inf], np.float64)
    out = np.empty(src.size, np.uint8)
    lut.linear_window(_view(src), 7, src.size, _view(out), 0, 1.0, 0.0, 0, 0.0, 1.0, 0.0, 0.0, False, 0.0, 255.0)
    np.testing.assert_array_equal(out, [0, 2, 2, 0, 0, 254, 255, 0, 255, 0])
    # LINEAR with width 1: a step between c - 1/2 and above
    x = np.array([9.0, 9.5, 9.500001, 10, 11])
    step = np.empty(5)
    lut.linear_window(_view(x), 7, 5, _view(step), 7, 1.0, 0.0, 1, 10.0, 1.0, 0.0, 1.0, False, 0.0, 0.0)
    np.testing.assert_array_equal(step, window_standard(x, 10.0, 1.0, "LINEAR", 0.0, 1.0))


def test_engine_handles_any_layout():
    plan = E.Plan((E.Linear(2.0, 1.0), E.Window(E.WIN_LINEAR, 100.0, 50.0, 0.0, 1.0)), np.dtype(np.float32))
    base = RNG.integers(0, 200, (20, 30)).astype(np.int16)
    expected = window_standard(base * 2.0 + 1, 100.0, 50.0, "LINEAR", 0.0, 1.0).astype(np.float32)
    for arr in (base, base[:, ::2], base.T, base.astype(">i2"), base.astype(np.int32), base.astype(np.float64), base.astype(np.uint8)):
        got = E.apply_plan(plan, arr, domain=(0, 4095))
        exp = expected[:, ::2] if arr.shape == base[:, ::2].shape else (expected.T if arr.shape == base.T.shape else expected)
        np.testing.assert_allclose(got, exp, rtol=1e-6)
    assert E.apply_plan(plan, np.zeros((0, 3), np.int16)).shape == (0, 3)


def test_engine_integer_exactness_checks():
    plan = E.Plan((E.Linear(1.0, -1024.0),), np.dtype(np.int16))
    # the whole int16 domain does not fit; the declared 12-bit domain does
    ok = np.array([-2048, 0, 2047], np.int16)
    np.testing.assert_array_equal(E.apply_plan(plan, ok, domain=(-2048, 2047)), ok.astype(np.int32) - 1024)
    with pytest.raises(ValueError, match="cannot hold the transformed value -33792"):
        E.apply_plan(plan, np.array([-32768], np.int16), domain=(-2048, 2047))
    with pytest.raises(ValueError, match="cannot hold"):
        E.apply_plan(plan, np.array([-32768], np.int16))
    half = E.Plan((E.Linear(0.5, 0.0),), np.dtype(np.uint8))
    with pytest.raises(ValueError, match="not an integer"):
        E.apply_plan(half, np.array([3], np.uint8))
