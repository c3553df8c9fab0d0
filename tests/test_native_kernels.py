"""The stored-value kernel on outputs past the streaming-store threshold, and in place, against NumPy.

Large outputs take a separate vectorised path (streaming stores); these tests
put every alignment and tail length of that path against the plain NumPy
formulation of PS3.5 8.1.1 (mask unused bits, sign-extend from Bits Stored).
In place, 16-bit samples take an AVX2 loop where the CPU has it; the same
comparison covers its lengths and alignments.
"""

from __future__ import annotations

import numpy as np
import pytest

from dcmcore._kernels import convert


def _expected(raw: np.ndarray, swap: bool, bits: int, signed: bool) -> np.ndarray:
    v = raw.byteswap() if swap else raw.copy()
    v &= np.uint16((1 << bits) - 1)
    if signed:
        v = v.view(np.int16)
        shift = 16 - bits
        v = (v << shift) >> shift  # arithmetic shift copies the sign bit
        v = v.view(np.uint16)
    return v


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("bits, signed", [(12, True), (12, False), (16, True), (10, True)])
@pytest.mark.parametrize("head, tail", [(0, 0), (1, 3), (3, 7), (7, 1)])
def test_streaming_path_equals_numpy(swap, bits, signed, head, tail):
    n = convert.STREAM_BYTES // 2 + 8 * 1000 + tail
    rng = np.random.default_rng(bits + 3 * head + tail)
    raw = rng.integers(0, 1 << 16, n + head, dtype=np.uint16)
    src = raw.view(np.uint8)[2 * head :]
    store = np.empty(n + 8, np.uint16)  # a destination not aligned to 16 bytes for head > 0
    dst = store.view(np.uint8)[2 * head : 2 * head + 2 * n]
    convert.convert(src, dst, 2, swap, bits, signed)
    expected = _expected(raw[head:], swap, bits, signed)
    np.testing.assert_array_equal(dst.view(np.uint16), expected)
    plain = np.empty_like(dst)
    convert.convert(src, plain, 2, swap, bits, signed, False)
    np.testing.assert_array_equal(plain, dst)


def test_in_place_large_conversion():
    n = convert.STREAM_BYTES // 2 + 5
    raw = np.random.default_rng(1).integers(0, 1 << 16, n, dtype=np.uint16)
    buf = raw.copy().view(np.uint8)
    convert.convert(buf, buf, 2, False, 12, True)
    np.testing.assert_array_equal(buf.view(np.uint16), _expected(raw, False, 12, True))


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("bits, signed", [(12, True), (12, False), (16, True), (16, False), (1, True), (9, False)])
@pytest.mark.parametrize("head", [0, 1, 3])
def test_in_place_cached_sizes_equal_numpy(swap, bits, signed, head):
    """In place, an output that stays in the caches (one frame read into its array): every length and alignment."""
    rng = np.random.default_rng(bits + 7 * head + swap)
    for n in (1, 15, 16, 17, 255, 4099, 65536):
        raw = rng.integers(0, 1 << 16, n + head, dtype=np.uint16)
        buf = raw.copy().view(np.uint8)[2 * head :]
        convert.convert(buf, buf, 2, swap, bits, signed)
        np.testing.assert_array_equal(buf.view(np.uint16), _expected(raw[head:], swap, bits, signed))
