"""Defence in depth: every kernel entry point refuses sizes its buffers cannot hold.

Each kernel of ``dcmcore._kernels`` is called directly, bypassing the wrappers
that normally validate for it, with arguments that contradict the buffers it
is given. Every such call must raise (or return the kernel's documented
failure value) before touching memory: the guard bytes around each buffer
stay as they were. The kernels are private; this is the one place the tests
call them, because what is tested is the last line of defence itself.
"""

from __future__ import annotations

import numpy as np
import pytest

from dcmcore._kernels import bitpack, color, convert, lut, lut_segments, overlay, pages, rle_decode, rle_encode
from dcmcore._kernels.status import ST_BAD_GEOMETRY, ST_OVERLONG

GUARD = 0xA5
PAD = 64


class Guarded:
    """`n` bytes of an array (optionally offset by `shift` for misalignment) between guard bytes."""

    def __init__(self, n: int, shift: int = 0, fill: int = 0):
        self.raw = np.full(n + 2 * PAD + 8, GUARD, np.uint8)
        self.lo = PAD + shift
        self.raw[self.lo : self.lo + n] = fill
        self.view = self.raw[self.lo : self.lo + n]

    def intact(self) -> bool:
        return bool((self.raw[: self.lo] == GUARD).all() and (self.raw[self.lo + self.view.size :] == GUARD).all())


def _refused(call, *buffers: Guarded, match: str | None = None) -> None:
    with pytest.raises(ValueError, match=match):
        call()
    assert all(b.intact() for b in buffers), "a refused call wrote outside its buffers"


# -- color -----------------------------------------------------------------------------
@pytest.mark.parametrize("planar", [False, True])
def test_ybr_full_to_rgb(planar):
    # the heap overflow of the hostile-input issue: one sample per pixel, converted as three
    src, dst = Guarded(8 * 6), Guarded(8 * 6)
    _refused(lambda: color.ybr_full_to_rgb(src.view, dst.view, 1, 48, planar), src, dst, match="ybr_full_to_rgb")
    src3, dst1 = Guarded(3 * 48), Guarded(48)
    _refused(lambda: color.ybr_full_to_rgb(src3.view, dst1.view, 1, 48, planar), src3, dst1, match="'dst'")
    _refused(lambda: color.ybr_full_to_rgb(src3.view, dst.view, 2, 48, planar), src3, dst)  # 2 frames in 1
    _refused(lambda: color.ybr_full_to_rgb(src3.view, src3.view, -1, 48, planar), src3, match="negative")
    _refused(lambda: color.ybr_full_to_rgb(src3.view, src3.view, 2**62, 2**62, planar), src3, match="overflow")
    color.ybr_full_to_rgb(src3.view, dst1.view, 0, 48, planar)  # nothing to do is fine


def test_colour_kernels_refuse_overlapping_buffers():
    buf = Guarded(3 * 10)
    _refused(lambda: color.ybr_full_to_rgb(buf.view, buf.view, 1, 10, True), buf, match="overlap")
    big = Guarded(3 * 20)
    # interleaved conversions may work in place, but not shifted
    _refused(lambda: color.ybr_full_to_rgb(big.view[:30], big.view[3:33], 1, 10, False), big, match="overlap")
    _refused(lambda: color.rgb_to_ybr_full(big.view[3:33], big.view[:30], 10), big, match="overlap")
    _refused(lambda: color.ybr422_to_rgb(big.view[:40], big.view[:60], 10), big, match="overlap")
    _refused(lambda: color.ybr422_expand(big.view[:40], big.view[:60], 1, 10), big, match="overlap")
    color.ybr_full_to_rgb(buf.view, buf.view, 1, 10, False)
    color.rgb_to_ybr_full(buf.view, buf.view, 10)
    assert buf.intact() and big.intact()


@pytest.mark.parametrize("simd", [True, False])
def test_ybr422_to_rgb(simd):
    src, dst = Guarded(4 * 10), Guarded(6 * 10)
    _refused(lambda: color.ybr422_to_rgb(src.view, dst.view, 11, simd), src, dst, match="'src'")
    big = Guarded(4 * 11)
    _refused(lambda: color.ybr422_to_rgb(big.view, dst.view, 11, simd), big, dst, match="'dst'")
    _refused(lambda: color.ybr422_to_rgb(src.view, dst.view, -1, simd), src, dst)
    color.ybr422_to_rgb(src.view, dst.view, 10, simd)
    assert src.intact() and dst.intact()
    # a whole SIMD step (16 pairs) and a tail write exactly 6 bytes per pair
    src, dst = Guarded(4 * 37), Guarded(6 * 37)
    color.ybr422_to_rgb(src.view, dst.view, 37, simd)
    assert src.intact() and dst.intact()


def test_ybr422_expand():
    src, dst = Guarded(4 * 10 * 2), Guarded(6 * 10 * 2)
    _refused(lambda: color.ybr422_expand(src.view, dst.view, 2, 11), src, dst)
    _refused(lambda: color.ybr422_expand(src.view, dst.view, 4, 10), src, dst)
    _refused(lambda: color.ybr422_expand(src.view, dst.view, 3, 1), src, dst, match="item size")
    odd = Guarded(4 * 10 * 2, shift=1)
    _refused(lambda: color.ybr422_expand(odd.view, dst.view, 2, 10), odd, dst, match="aligned")
    color.ybr422_expand(src.view, dst.view, 2, 10)
    assert src.intact() and dst.intact()


@pytest.mark.parametrize("simd", [True, False])
def test_rgb_to_ybr_full(simd):
    src, dst = Guarded(3 * 10), Guarded(3 * 10)
    _refused(lambda: color.rgb_to_ybr_full(src.view, dst.view, 11, simd), src, dst, match="'src'")
    big = Guarded(3 * 11)
    _refused(lambda: color.rgb_to_ybr_full(big.view, dst.view, 11, simd), big, dst, match="'dst'")
    _refused(lambda: color.rgb_to_ybr_full(src.view, dst.view, -3, simd), src, dst)
    color.rgb_to_ybr_full(src.view, dst.view, 10, simd)
    assert src.intact() and dst.intact()
    # a whole SIMD step (16 pixels) and a tail write exactly 3 bytes per pixel
    src, dst = Guarded(3 * 37), Guarded(3 * 37)
    color.rgb_to_ybr_full(src.view, dst.view, 37, simd)
    color.ybr_full_to_rgb(src.view, dst.view, 1, 37, False, simd)
    color.ybr_full_to_rgb(src.view, dst.view, 1, 37, True, simd)
    assert src.intact() and dst.intact()


# -- convert ---------------------------------------------------------------------------
def test_convert():
    src, dst = Guarded(2 * 10), Guarded(2 * 11)
    _refused(lambda: convert.convert(src.view, dst.view, 2, True, 12, False), src, dst, match="'src'")
    same = Guarded(2 * 10)
    _refused(lambda: convert.convert(src.view, same.view, 2, False, 17, False), src, same, match="bits_stored")
    _refused(lambda: convert.convert(src.view, same.view, 2, False, 0, False), src, same, match="bits_stored")
    _refused(lambda: convert.convert(src.view, same.view, 3, False, 8, False), src, same, match="item size")
    odd = Guarded(2 * 10, shift=1)
    _refused(lambda: convert.convert(odd.view, same.view, 2, False, 12, False), odd, same, match="aligned")
    convert.convert(src.view, same.view, 2, False, 12, True)
    assert src.intact() and same.intact()


def test_planar_to_interleaved():
    src, dst = Guarded(3 * 10 * 2), Guarded(3 * 10 * 2)
    _refused(lambda: convert.planar_to_interleaved(src.view, dst.view, 2, 2, 10, False, 16, False), src, dst)
    _refused(lambda: convert.planar_to_interleaved(src.view, dst.view, 2, 1, 11, False, 16, False), src, dst)
    _refused(lambda: convert.planar_to_interleaved(src.view, dst.view, 2, 1, 10, False, 33, False), src, dst)
    _refused(lambda: convert.planar_to_interleaved(src.view, src.view, 2, 1, 10, False, 16, False), src, match="overlap")
    convert.planar_to_interleaved(src.view, dst.view, 2, 1, 10, True, 16, False)
    assert src.intact() and dst.intact()


def test_swap_pairs():
    src, dst = Guarded(10), Guarded(10)
    _refused(lambda: convert.swap_pairs(src.view, 1, dst.view), src, dst, match="'src'")
    _refused(lambda: convert.swap_pairs(src.view, -2, dst.view), src, dst, match="start")
    short = Guarded(9)
    _refused(lambda: convert.swap_pairs(short.view, 0, dst.view), short, dst)  # reads byte 9 ^ 1 ... 9
    convert.swap_pairs(src.view, 0, dst.view)
    assert src.intact() and dst.intact()


# -- bitpack ---------------------------------------------------------------------------
@pytest.mark.parametrize("kernel", [bitpack.unpack_lsb, bitpack.unpack_lsb_scalar], ids=lambda k: k.__name__)
def test_unpack(kernel):
    src, dst = Guarded(4), Guarded(32)
    _refused(lambda: kernel(src.view, 1, 32, dst.view), src, dst, match="'src'")  # 33 bits from 32
    _refused(lambda: kernel(src.view, 0, 33, dst.view), src, dst)
    _refused(lambda: kernel(src.view, 8, 8, dst.view), src, dst, match="bit_offset")
    _refused(lambda: kernel(src.view, -1, 8, dst.view), src, dst, match="bit_offset")
    _refused(lambda: kernel(src.view, 0, -8, dst.view), src, dst, match="negative")
    small = Guarded(16)
    _refused(lambda: kernel(src.view, 0, 17, small.view), src, small, match="'dst'")
    kernel(src.view, 3, 29, dst.view)
    kernel(src.view, 0, 0, dst.view)
    assert src.intact() and dst.intact()


def test_unpack_into_returns_minus_one():
    src, dst = Guarded(4), Guarded(32)
    assert bitpack.unpack_into(src.view, 1, 32, dst.view) == ST_BAD_GEOMETRY
    assert bitpack.unpack_into(src.view, 0, 33, dst.view) == ST_BAD_GEOMETRY
    assert bitpack.unpack_into(src.view, -1, 8, dst.view) == ST_BAD_GEOMETRY
    assert src.intact() and dst.intact()


def test_unpack_lsb_rows():
    src = Guarded(8)  # 64 bits
    dst = Guarded(4 * 8)
    rows = dst.view.reshape(4, 8)

    def refused(*args, match=None):
        _refused(lambda: bitpack.unpack_lsb_rows(src.view, *args, rows), src, dst, match=match)

    refused(0, 16, 0, 8, 5, match="smaller")  # 5 rows into 4
    refused(0, 16, 0, 9, 4, match="smaller")
    refused(9, 16, 0, 8, 4, match="'src'")  # last bit 9 + 48 + 7 = 64 of 0 .. 63
    refused(-1, 16, 0, 8, 1, match="negative")
    refused(0, 2**62, 0, 8, 4, match="overflow")
    bitpack.unpack_lsb_rows(src.view, 8, 16, 0, 8, 4, rows)  # last bit 63
    assert src.intact() and dst.intact()


@pytest.mark.parametrize("kernel", [bitpack.pack_lsb, bitpack.pack_lsb_scalar], ids=lambda k: k.__name__)
def test_pack(kernel):
    src, dst = Guarded(17), Guarded(2)
    _refused(lambda: kernel(src.view, dst.view, True), src, dst, match="'dst'")
    ok = Guarded(3)
    assert kernel(src.view, ok.view, True) == 0
    assert kernel(Guarded(0).view, Guarded(0).view, True) == 0
    assert src.intact() and ok.intact()


def test_pack_to_bytes():
    src = np.zeros(17, np.uint16)
    with pytest.raises(ValueError, match="nbytes"):
        bitpack.pack_to_bytes(src, 2, True)
    assert bitpack.pack_to_bytes(src, 3, True) == bytes(3)
    assert bitpack.pack_to_bytes(np.zeros(0, np.uint8), 2, True) == bytes(2)


def test_extract_bit():
    src = np.zeros(10, np.uint16)
    dst = Guarded(9)
    _refused(lambda: bitpack.extract_bit(src, 0, dst.view), dst, match="'dst'")
    ok = Guarded(10)
    _refused(lambda: bitpack.extract_bit(src, 16, ok.view), ok, match="bit 16")
    _refused(lambda: bitpack.extract_bit(src, -1, ok.view), ok, match="bit -1")
    bitpack.extract_bit(src, 15, ok.view)
    assert ok.intact()


# -- lut ---------------------------------------------------------------------------------
def test_gather():
    src, table, dst = Guarded(2 * 10), Guarded(4 * 100), Guarded(4 * 10)
    bufs = (src, table, dst)
    _refused(lambda: lut.gather(src.view, 2, 11, 0, table.view, 100, 4, dst.view), *bufs, match="'src'")
    _refused(lambda: lut.gather(src.view, 2, 10, 0, table.view, 101, 4, dst.view), *bufs, match="'table'")
    _refused(lambda: lut.gather(src.view, 2, 10, 0, table.view, 100, 8, dst.view), *bufs)
    _refused(lambda: lut.gather(src.view, 2, 10, 0, table.view, 30, 4, dst.view, True), *bufs, match="'dst'")
    _refused(lambda: lut.gather(src.view, 2, 10, 0, table.view, 0, 4, dst.view), *bufs, match="ntable")
    _refused(lambda: lut.gather(src.view, 6, 10, 0, table.view, 100, 4, dst.view), *bufs, match="in_code")
    _refused(lambda: lut.gather(src.view, 2, 10, 0, table.view, 100, 4, dst.view, False, True), *bufs, match="full")
    _refused(lambda: lut.gather(src.view, 4, 5, 0, table.view, 100, 4, dst.view, False, True), *bufs, match="in_code")
    odd = Guarded(2 * 10, shift=1)
    _refused(lambda: lut.gather(odd.view, 2, 10, 0, table.view, 100, 4, dst.view), odd, table, dst, match="aligned")
    assert lut.gather(src.view, 2, 10, 0, table.view, 100, 4, dst.view) == 0
    assert all(b.intact() for b in bufs)


def test_linear_window():
    src, dst = Guarded(2 * 10), Guarded(4 * 10)
    args = (1.0, 0.0, 0, 0.0, 1.0, 0.0, 1.0, False, 0.0, 1.0)
    _refused(lambda: lut.linear_window(src.view, 2, 11, dst.view, 6, *args), src, dst, match="'src'")
    _refused(lambda: lut.linear_window(src.view, 2, 10, dst.view, 7, *args), src, dst, match="'dst'")
    _refused(lambda: lut.linear_window(src.view, 8, 10, dst.view, 6, *args), src, dst, match="in_code")
    _refused(lambda: lut.linear_window(src.view, 2, 10, dst.view, -1, *args), src, dst, match="out_code")
    lut.linear_window(src.view, 2, 10, dst.view, 6, *args)
    assert src.intact() and dst.intact()


def test_expand_segments_stays_within_out():
    # a linear segment of 200 entries into room for 10: a status, never a write past the end
    words = np.array([0, 1, 0, 1, 200, 9], np.uint16)  # discrete 1 entry, then linear 200 entries
    out = np.full(10 + PAD, GUARD, np.uint16)
    status, _ = lut_segments.expand_segments(words, out[:10], False, True)
    assert status == ST_OVERLONG
    assert (out[10:] == GUARD).all()


# -- overlay -----------------------------------------------------------------------------
def test_burn_returns_minus_one():
    src = np.zeros(2, np.uint8)  # 16 bits
    dst = np.zeros((4, 4), np.uint16)
    value = np.zeros(2, np.uint8)
    assert overlay.burn(src, 0, 4, 0, 4, 5, dst, value) == ST_BAD_GEOMETRY  # 5 rows into 4
    assert overlay.burn(src, 1, 4, 0, 4, 4, dst, value) == ST_BAD_GEOMETRY  # bit 16 of 16
    assert overlay.burn(src, 0, 4, 0, 4, 4, dst, value[:1]) == ST_BAD_GEOMETRY  # value of the wrong size
    assert overlay.burn(src, 0, 4, 0, 4, 4, dst, value) == 0


# -- pages -------------------------------------------------------------------------------
def test_pages_on_empty_and_views():
    buf = Guarded(0)
    assert pages.is_mapped(buf.view)
    pages.prefault(buf.view)
    part = Guarded(3 * pages.STRIDE + 5)
    pages.prefault(part.view)
    assert part.intact()


# -- rle ---------------------------------------------------------------------------------
def _rle_frame(npix: int) -> bytes:
    header = np.zeros(16, "<u4")
    header[0], header[1] = 1, 64
    seg = b""
    left = npix
    while left:
        n = min(left, 128)
        seg += bytes([257 - n, 7]) if n > 1 else bytes([0, 7])
        left -= n
    return header.tobytes() + seg


def test_rle_decode_frame_refuses_a_dst_of_another_size():
    frame = np.frombuffer(_rle_frame(20), np.uint8)
    for size in (19, 21, 40):
        dst = Guarded(size)
        failure = rle_decode.decode_frame(frame, 20, 1, 1, dst.view)
        assert failure is not None and failure[0] == ST_BAD_GEOMETRY
        assert dst.intact()
    odd = Guarded(40, shift=1)
    failure = rle_decode.decode_frame(np.frombuffer(_rle_frame(40), np.uint8), 20, 1, 2, odd.view)
    assert failure is not None and failure[0] == ST_BAD_GEOMETRY and odd.intact()
    ok = Guarded(20)
    assert rle_decode.decode_frame(frame, 20, 1, 1, ok.view) is None
    assert (ok.view == 7).all() and ok.intact()


def test_rle_decode_frames_refuses_inconsistent_runs():
    frame = _rle_frame(20)
    buf = np.frombuffer(frame * 2, np.uint8)
    starts = np.array([0, len(frame)], np.intp)
    stops = np.array([len(frame), 2 * len(frame)], np.intp)
    for size in (39, 41):
        dst = Guarded(size)
        assert rle_decode.decode_frames(buf, starts, stops, 20, 1, 1, dst.view) == 0 and dst.intact()
    dst = Guarded(40)
    assert rle_decode.decode_frames(buf, starts, stops[:1], 20, 1, 1, dst.view) == 0 and dst.intact()
    beyond = np.array([len(frame), 2 * len(frame) + 1], np.intp)
    assert rle_decode.decode_frames(buf, starts, beyond, 20, 1, 1, dst.view) == 1 and dst.intact()
    assert rle_decode.decode_frames(buf, starts, stops, 20, 1, 1, dst.view) == 2 and dst.intact()


def test_rle_decode_segment_and_encode_frame():
    dst = Guarded(0)
    failure = rle_decode.decode_segment(np.frombuffer(b"\x00\x07", np.uint8), dst.view)
    assert failure is not None and failure[0] == ST_BAD_GEOMETRY
    with pytest.raises(ValueError, match="geometry"):
        rle_encode.encode_frame(np.zeros(11, np.uint8), 3, 4, 1, 1, False, False)
    with pytest.raises(ValueError, match="geometry"):
        rle_encode.encode_frame(np.zeros(12, np.uint8), 3, 4, 4, 4, False, False)  # 16 segments
