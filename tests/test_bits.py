"""dcmcore.pack_bits / unpack_bits against NumPy and pydicom (PS3.5 8.1.1: LSB first)."""

from __future__ import annotations

import io

import numpy as np
import pydicom
import pytest
from pydicom.pixels import pack_bits as pd_pack_bits
from pydicom.pixels import unpack_bits as pd_unpack_bits

import dcmcore
from dcmcore._kernels import bitpack
from dcmcore._kernels.status import ST_VALUE_RANGE
from dcmcore.bits import pack_bits, packed_length, unpack_bits
from tests._helpers import read

# Lengths that exercise the vector bodies (16/32/64/128 values) and their scalar heads and tails.
LENGTHS = [0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 511, 1000, 4099, 65537]


@pytest.fixture(params=["avx2", "sse2-or-scalar"])
def simd_mode(request):
    """Run with the AVX2 loops (when the CPU has them) and without; streaming from 64 values on."""
    old = bitpack._set_simd(request.param == "avx2", 64)
    yield request.param
    bitpack._set_simd(*old)


def _random_bytes(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8)


class TestUnpackBits:
    @pytest.mark.parametrize("nbytes", [0, 1, 2, 3, 15, 16, 17, 33, 100, 1023, 8193])
    def test_matches_numpy_and_pydicom(self, nbytes, simd_mode):
        src = _random_bytes(nbytes, nbytes).tobytes()
        expected = np.unpackbits(np.frombuffer(src, np.uint8), bitorder="little")
        got = unpack_bits(src)
        assert got.dtype == np.uint8 and got.shape == (8 * nbytes,)
        np.testing.assert_array_equal(got, expected)
        if nbytes:
            np.testing.assert_array_equal(got, pd_unpack_bits(src))

    @pytest.mark.parametrize("count", LENGTHS)
    @pytest.mark.parametrize("offset", [0, 1, 3, 7, 8, 13])
    def test_offsets_and_counts(self, count, offset, simd_mode):
        nbytes = (offset + count + 7) // 8 + 1
        src = _random_bytes(nbytes, count * 8 + offset)
        expected = np.unpackbits(src, bitorder="little")[offset : offset + count]
        np.testing.assert_array_equal(unpack_bits(src, count, bit_offset=offset), expected)

    @pytest.mark.parametrize("count", [1, 9, 130, 1000, 4099])
    @pytest.mark.parametrize("offset", [0, 5])
    def test_scalar_kernel_agrees(self, count, offset):
        src = _random_bytes((offset + count + 7) // 8, count + offset)
        a = np.empty(count, np.uint8)
        b = np.empty(count, np.uint8)
        bitpack.unpack_lsb(src, offset, count, a)
        bitpack.unpack_lsb_scalar(src, offset, count, b)
        np.testing.assert_array_equal(a, b)

    @pytest.mark.parametrize("shift", range(4))
    def test_streamed_output_unaligned(self, shift, simd_mode):
        # The output start is moved off a 32-byte boundary: the aligned-store path must not write outside.
        src = _random_bytes(300, shift)
        backing = np.full(8 * 300 + 64, 7, np.uint8)
        out = backing[shift + 1 : shift + 1 + 2400]
        unpack_bits(src, out=out)
        np.testing.assert_array_equal(out, np.unpackbits(src, bitorder="little"))
        assert (backing[: shift + 1] == 7).all() and (backing[shift + 1 + 2400 :] == 7).all()

    def test_out_shapes_and_dtypes(self):
        src = _random_bytes(6, 1).tobytes()
        expected = np.unpackbits(np.frombuffer(src, np.uint8), bitorder="little")
        out = np.empty((4, 12), np.uint8)
        assert unpack_bits(src, out=out) is out
        np.testing.assert_array_equal(out.ravel(), expected)
        out_b = np.empty(48, np.bool_)
        unpack_bits(src, out=out_b)
        np.testing.assert_array_equal(out_b, expected.astype(bool))

    def test_count_default_with_offset(self):
        assert unpack_bits(b"\xff\x01", bit_offset=3).tolist() == [1] * 5 + [1, 0, 0, 0, 0, 0, 0, 0]

    def test_hand_computed(self):
        # 0x05 = 0b00000101: pixels 0 and 2 set (LSB first); 0x80: pixel 15 set.
        assert unpack_bits(b"\x05\x80").tolist() == [1, 0, 1, 0, 0, 0, 0, 0] + [0] * 7 + [1]
        assert unpack_bits(b"\x05", 3).tolist() == [1, 0, 1]

    def test_inputs(self):
        expected = [1, 0, 1, 0, 0, 0, 0, 0]
        arr = np.frombuffer(b"\x05", np.uint8)  # read-only
        for src in (b"\x05", bytearray(b"\x05"), memoryview(b"\x05"), arr):
            assert unpack_bits(src).tolist() == expected
        assert unpack_bits(np.array([5], np.uint16)).tolist() == [1, 0, 1] + [0] * 13  # its bytes
        assert unpack_bits(b"").shape == (0,)
        assert unpack_bits(b"\x05", 0).shape == (0,)

    def test_errors(self):
        with pytest.raises(ValueError, match=r"holds 2 bytes \(16 bits\) but 17 bits"):
            unpack_bits(b"\0\0", 17)
        with pytest.raises(ValueError, match="holds 2 bytes"):
            unpack_bits(b"\0\0", 10, bit_offset=7)
        with pytest.raises(ValueError, match="'count' must be 0 or more"):
            unpack_bits(b"\0", -1)
        with pytest.raises(ValueError, match="'bit_offset' must be 0 or more"):
            unpack_bits(b"\0", bit_offset=-1)
        with pytest.raises(TypeError, match="bool"):
            unpack_bits(b"\0", False)
        with pytest.raises(TypeError, match="bytes-like"):
            unpack_bits([1, 2, 3])
        with pytest.raises(ValueError, match="C-contiguous"):
            unpack_bits(memoryview(b"abcd")[::2])
        with pytest.raises(ValueError, match="holds 7 values but 8 bits"):
            unpack_bits(b"\0", out=np.empty(7, np.uint8))
        with pytest.raises(TypeError, match="uint8"):
            unpack_bits(b"\0", out=np.empty(8, np.int16))
        with pytest.raises(ValueError, match="C-contiguous"):
            unpack_bits(b"\0", out=np.empty(16, np.uint8)[::2])
        ro = np.empty(8, np.uint8)
        ro.flags.writeable = False
        with pytest.raises(ValueError, match="read-only"):
            unpack_bits(b"\0", out=ro)
        with pytest.raises(TypeError, match="numpy.ndarray"):
            unpack_bits(b"\0", out=bytearray(8))


class TestPackBits:
    @pytest.mark.parametrize("count", LENGTHS[1:])
    @pytest.mark.parametrize("pad", [True, False])
    def test_matches_numpy_and_pydicom(self, count, pad, simd_mode):
        arr = np.random.default_rng(count).integers(0, 2, count, dtype=np.uint8)
        expected = np.packbits(arr, bitorder="little").tobytes()
        if pad and len(expected) % 2:
            expected += b"\0"
        got = pack_bits(arr, pad=pad)
        assert isinstance(got, bytes)
        assert got == expected
        assert got == pd_pack_bits(arr, pad=pad)

    @pytest.mark.parametrize("dtype", ["bool", "u1", "i1", "u2", "i2", ">u2", "u4", "i4", "u8", "i8", "f4", "f8"])
    @pytest.mark.parametrize("count", [1, 13, 64, 1001])
    def test_dtypes(self, dtype, count):
        arr = np.random.default_rng(count).integers(0, 2, count).astype(dtype)
        assert pack_bits(arr) == pd_pack_bits(arr.astype(np.uint8))

    def test_shapes_and_order(self):
        arr = np.random.default_rng(5).integers(0, 2, (3, 7, 9), dtype=np.uint8)
        assert pack_bits(arr) == pd_pack_bits(arr)
        fortran = np.asfortranarray(arr)
        assert pack_bits(fortran) == pd_pack_bits(np.ascontiguousarray(arr))  # C order whatever the layout
        assert pack_bits(arr[:, ::2, 1:]) == pd_pack_bits(np.ascontiguousarray(arr[:, ::2, 1:]))
        assert pack_bits(arr.tolist()) == pd_pack_bits(arr)
        assert pack_bits(np.uint8(1)) == b"\x01\x00"

    def test_hand_computed(self):
        assert pack_bits([1, 0, 1, 1]) == b"\x0d\x00"
        assert pack_bits([1, 0, 1, 1], pad=False) == b"\x0d"
        assert pack_bits([0] * 15 + [1], pad=False) == b"\x00\x80"
        assert pack_bits([1] * 9) == b"\xff\x01"

    def test_empty(self):
        assert pack_bits(np.zeros(0, np.uint8)) == b""
        assert pack_bits(np.zeros((0, 5), np.uint8)) == b""

    @pytest.mark.parametrize(
        "dtype, bad", [("u1", 2), ("u1", 255), ("i1", -1), ("u2", 256), ("i2", -1), ("u4", 1 << 20), ("i8", -2), ("f8", 0.5)]
    )
    @pytest.mark.parametrize("where", [0, 7, 40, 99, 130])
    def test_rejects_values_other_than_0_and_1(self, dtype, bad, where, simd_mode):
        arr = np.zeros(131, dtype)
        arr[where] = bad
        with pytest.raises(ValueError, match=f"flat index {where}"):
            pack_bits(arr)
        with pytest.raises(ValueError):
            pd_pack_bits(arr)  # the oracle refuses it too

    def test_rejects_nan_and_strings(self):
        with pytest.raises(ValueError):
            pack_bits(np.array([0.0, np.nan]))
        with pytest.raises(TypeError, match="integer or bool"):
            pack_bits(np.array(["1", "0"]))

    @pytest.mark.parametrize("count", [1, 8, 100, 1000, 70001])
    def test_round_trip(self, count, simd_mode):
        arr = np.random.default_rng(count).integers(0, 2, count, dtype=np.uint8)
        np.testing.assert_array_equal(unpack_bits(pack_bits(arr), count), arr)
        data = _random_bytes(count, count).tobytes()
        assert pack_bits(unpack_bits(data), pad=False) == data

    @pytest.mark.parametrize("count", [64, 1000, 4097])
    def test_scalar_kernel_agrees(self, count):
        arr = np.random.default_rng(count).integers(0, 2, count, dtype=np.uint8)
        a = np.empty(packed_length(count), np.uint8)
        b = np.empty(packed_length(count), np.uint8)
        assert bitpack.pack_lsb(arr, a, True) == 0 and bitpack.pack_lsb_scalar(arr, b, True) == 0
        np.testing.assert_array_equal(a, b)
        arr[-1] = 3
        assert bitpack.pack_lsb(arr, a, True) == ST_VALUE_RANGE
        assert bitpack.pack_lsb_scalar(arr, b, True) == ST_VALUE_RANGE

    @pytest.mark.parametrize("shift", [0, 1, 5, 8, 13])
    def test_streamed_output_unaligned(self, shift, simd_mode):
        arr = np.random.default_rng(shift).integers(0, 2, 8 * 700 + 3, dtype=np.uint8)
        n = packed_length(arr.size)
        backing = np.full(n + 64, 7, np.uint8)
        dst = backing[shift : shift + n]
        assert bitpack.pack_lsb(arr, dst, True) == 0
        assert dst.tobytes() == np.packbits(arr, bitorder="little").tobytes()
        assert (backing[:shift] == 7).all() and (backing[shift + n :] == 7).all()

    def test_packed_length(self):
        assert [packed_length(n) for n in (0, 1, 8, 9, 17)] == [0, 1, 1, 2, 3]
        assert [packed_length(n, pad=True) for n in (0, 1, 8, 9, 17)] == [0, 2, 2, 2, 4]


def test_public_names():
    assert dcmcore.pack_bits is pack_bits and dcmcore.unpack_bits is unpack_bits


def test_guide_edit_pack_write_reread():
    """The pydicom overlay guide's flow: edit the overlay, pack, write with save_as, read back."""
    ds = read("MR-SIEMENS-DICOM-WithOverlays.dcm")
    arr = dcmcore.overlay_array(ds, 0x6000)
    np.testing.assert_array_equal(arr, ds.overlay_array(0x6000))
    arr[10, :] = 1
    arr[:, 3] = 1
    ds[0x6000, 0x3000].value = dcmcore.pack_bits(arr)
    buf = io.BytesIO()
    ds.save_as(buf)
    buf.seek(0)
    again = pydicom.dcmread(buf)
    np.testing.assert_array_equal(again.overlay_array(0x6000), arr)  # the oracle reads our packing
    np.testing.assert_array_equal(dcmcore.overlay_array(again, 0x6000), arr)
    assert again.overlay_array(0x6000)[10].all() and again.overlay_array(0x6000)[:, 3].all()


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32, np.uint64])
def test_extract_bit_kernel(dtype):
    bits = 8 * np.dtype(dtype).itemsize
    vals = np.random.default_rng(bits).integers(0, np.iinfo(dtype).max, 1001, dtype=dtype, endpoint=True)
    for bit in (0, bits // 2, bits - 1):
        out = np.empty(vals.size, np.uint8)
        bitpack.extract_bit(vals, bit, out)
        np.testing.assert_array_equal(out, (vals >> dtype(bit)) & dtype(1))


def test_threads():
    """The kernels release the GIL and share no state: concurrent calls give the serial results."""
    from concurrent.futures import ThreadPoolExecutor

    arrays = [np.random.default_rng(i).integers(0, 2, 200_003, dtype=np.uint8) for i in range(8)]
    expected = [np.packbits(a, bitorder="little").tobytes() + b"\0" * (len(np.packbits(a)) % 2) for a in arrays]
    with ThreadPoolExecutor(4) as pool:
        packed = list(pool.map(pack_bits, arrays))
        unpacked = list(pool.map(lambda p: unpack_bits(p, 200_003), packed))
    assert packed == expected
    for a, u in zip(arrays, unpacked):
        np.testing.assert_array_equal(a, u)
