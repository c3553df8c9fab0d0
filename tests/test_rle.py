"""Tests of dcmcore.rle: the RLE Lossless codec (PS3.5 Annex G).

Oracles: pydicom's own RLE decoder, pylibjpeg-rle and GDCM decode the real
RLE files of pydicom's test data and pydicom-data and every frame our encoder
writes; hand-built frames and hand-computed encodings come from the standard.
"""

from __future__ import annotations

import os
import struct
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.encaps import encapsulate, generate_frames

from dcmcore import rle
from dcmcore.errors import CorruptPixelDataError, InvalidPixelSpecError, UnsupportedPixelDataError
from dcmcore.spec import PixelSpec
from tests import _helpers
from tests._helpers import make_dataset, pydicom_array

RLE_UID = "1.2.840.10008.1.2.5"
FIXTURES = Path(__file__).resolve().parent / "data" / "rle"
REGEN_FIXTURES = os.environ.get("DCMCORE_REGEN_RLE_FIXTURES") == "1"


# -- helpers ------------------------------------------------------------------
def make_spec(rows, cols, spp=1, bits=8, pr=0, planar=0, keyword="PixelData"):
    pi = "RGB" if spp == 3 else "MONOCHROME2"
    return PixelSpec(
        rows=rows,
        columns=cols,
        samples_per_pixel=spp,
        bits_allocated=bits,
        bits_stored=bits,
        pixel_representation=pr,
        photometric_interpretation=pi,
        planar_configuration=planar,
        transfer_syntax_uid=RLE_UID,
        pixel_keyword=keyword,
    )


def header(*offsets, count=None):
    """An RLE header from first principles: count then 15 offsets, little endian uint32."""
    count = len(offsets) if count is None else count
    words = [count, *offsets] + [0] * (15 - len(offsets))
    return struct.pack("<16L", *words)


def frame_of(*segments):
    """An RLE frame holding `segments` back to back after the header."""
    offsets, pos = [], 64
    for seg in segments:
        offsets.append(pos)
        pos += len(seg)
    return header(*offsets) + b"".join(segments)


def segments_of(frame):
    count = struct.unpack_from("<L", frame)[0]
    offsets = list(struct.unpack_from(f"<{count}L", frame, 4)) + [len(frame)]
    return [frame[offsets[k] : offsets[k + 1]] for k in range(count)]


def check_structure(frame, spec):
    """Check an encoded frame against PS3.5 G.3-G.5, independently of our decoder.

    Header: count = samples * bytes, first offset 64, increasing offsets, unused
    offsets zero; each segment of even length; every run of 1..128 bytes, no
    no-op (-128) header, and no run crossing a row (G.3.1); each segment decodes
    to exactly rows * columns bytes, followed by at most one zero pad byte.
    """
    assert len(frame) % 2 == 0
    nseg = spec.samples_per_pixel * spec.itemsize
    words = struct.unpack_from("<16L", frame)
    assert words[0] == nseg
    assert words[1] == 64
    assert all(a < b for a, b in zip(words[1:nseg], words[2 : nseg + 1]))
    assert all(w == 0 for w in words[nseg + 1 :])
    cols = spec.columns
    for seg in segments_of(frame):
        assert len(seg) % 2 == 0
        pos = produced = 0
        while produced < spec.frame_pixels:
            h = seg[pos]
            assert h != 128, "no-op header emitted"
            if h < 128:
                run, size = h + 1, h + 2
            else:
                run, size = 257 - h, 2
            assert pos + size <= len(seg)
            row_left = cols - produced % cols
            assert run <= row_left, "run crosses a row boundary"
            produced += run
            pos += size
        assert produced == spec.frame_pixels
        assert seg[pos:] in (b"", b"\x00")


def pylibjpeg_rle_decode(frame, spec):
    from rle.utils import decode_pixel_data

    buf = decode_pixel_data(
        frame, version=2, rows=spec.rows, columns=spec.columns, bits_allocated=spec.bits_allocated
    )
    arr = np.frombuffer(bytes(buf), spec.dtype.newbyteorder("<"))
    if spec.samples_per_pixel == 1:
        return arr.reshape(spec.frame_shape)
    return arr.reshape(spec.samples_per_pixel, spec.rows, spec.columns).transpose(1, 2, 0)


@cache
def pydicom_has_pylibjpeg_plugin():
    """pydicom's 'pylibjpeg' RLE plugin needs pylibjpeg itself besides pylibjpeg-rle."""
    from pydicom.pixels.decoders import RLELosslessDecoder

    return "pylibjpeg" in RLELosslessDecoder.available_plugins


def rle_dataset(frames, spec):
    return make_dataset(
        encapsulate(list(frames)),
        rows=spec.rows,
        columns=spec.columns,
        samples_per_pixel=spec.samples_per_pixel,
        bits_allocated=spec.bits_allocated,
        bits_stored=spec.bits_stored,
        pixel_representation=spec.pixel_representation,
        photometric_interpretation=spec.photometric_interpretation,
        number_of_frames=len(frames) if len(frames) > 1 else None,
        planar_configuration=spec.planar_configuration if spec.samples_per_pixel > 1 else None,
        transfer_syntax=RLE_UID,
        vr="OB",
    )


def pydicom_rle_decode(frame, spec):
    return pydicom_array(
        rle_dataset([frame], spec), decoding_plugin="pydicom", raw=True, correct_unused_bits=False
    )


def gdcm_decode(frame, spec, tmp_path):
    """Write a data set with pydicom, read and decode it with GDCM's ImageReader."""
    import gdcm

    path = tmp_path / "gdcm.dcm"
    rle_dataset([frame], spec).save_as(path, enforce_file_format=True)
    reader = gdcm.ImageReader()
    reader.SetFileName(str(path))
    assert reader.Read()
    buf = reader.GetImage().GetBuffer()
    assert buf is not None, "GDCM could not decode the frame"
    data = buf.encode("utf-8", "surrogateescape")
    return np.frombuffer(data, spec.dtype.newbyteorder("<")).reshape(spec.frame_shape)


def sample_values(spec, pattern, seed=0):
    rng = np.random.default_rng(seed)
    shape, dtype = spec.frame_shape, spec.dtype
    info = np.iinfo(dtype) if dtype.kind in "ui" else None
    if pattern == "noise":
        raw = rng.integers(0, 256, (*shape, dtype.itemsize), dtype=np.uint8)
        return raw.view(dtype).reshape(shape)
    if pattern == "constant":
        return np.full(shape, info.max // 3 if info else 1.5, dtype)
    if pattern == "alternating":
        pix = np.indices(shape).sum(axis=0) % 2
        return np.where(pix, info.max if info else -1.0, info.min if info else 2.0).astype(dtype)
    if pattern == "pairs":  # runs of exactly 2 between literals and longer runs
        base = np.repeat(rng.integers(0, 4, spec.frame_samples // 2 + 1), 2)[: spec.frame_samples]
        return base.astype(dtype).reshape(shape)
    if pattern == "runs":  # runs of random lengths around the 128 cap
        lengths = rng.choice([1, 2, 3, 127, 128, 129, 130, 257], 1 + spec.frame_samples // 3)
        vals = rng.integers(0, 5, lengths.size)
        base = np.repeat(vals, lengths)[: spec.frame_samples]
        base = np.resize(base, spec.frame_samples)
        return base.astype(dtype).reshape(shape)
    if pattern == "ct":  # smooth regions plus noise, a constant background
        y, x = np.indices(spec.frame_shape[:2])
        body = ((y - spec.rows / 2) / (0.4 * spec.rows)) ** 2 + ((x - spec.columns / 2) / (0.45 * spec.columns)) ** 2 <= 1
        img = np.where(body, 1000 + rng.normal(0, 20, body.shape), 0).clip(0, 4095).astype(np.int64)
        if spec.samples_per_pixel == 3:
            img = np.stack([img, img // 2, img // 3], axis=-1)
        return img.astype(dtype) if info is None or info.max >= 4095 else (img % 256).astype(dtype)
    raise AssertionError(pattern)


# -- real files ---------------------------------------------------------------
@cache
def rle_files():
    from pydicom.filereader import read_file_meta_info

    found = []
    for path in _helpers.testdata_files():
        try:
            uid = read_file_meta_info(path).get("TransferSyntaxUID")
        except Exception:
            continue  # no File Meta Information: cannot declare RLE Lossless
        if uid == RLE_UID:
            found.append(path)
    return found


def read_rle(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path)
    spec = PixelSpec.from_dataset(ds)
    frames = list(generate_frames(ds.PixelData, number_of_frames=spec.number_of_frames))
    return ds, spec, frames


def test_real_rle_files_found():
    names = {p.name for p in rle_files()}
    # pydicom's own test files always ship; pydicom-data adds more.
    assert {"MR_small_RLE.dcm", "SC_rgb_rle_32bit.dcm", "rtdose_rle.dcm"} <= names


@pytest.mark.parametrize("path", rle_files(), ids=lambda p: p.name)
def test_decode_real_files_equal_pydicom_and_pylibjpeg_rle(path):
    ds, spec, frames = read_rle(path)
    assert len(frames) == spec.number_of_frames
    for index, frame in enumerate(frames):
        ours = rle.decode_frame(frame, spec)
        assert ours.shape == spec.frame_shape
        assert ours.dtype == spec.dtype
        expected = pydicom_array(ds, index=index, decoding_plugin="pydicom", raw=True, correct_unused_bits=False)
        np.testing.assert_array_equal(ours, expected, err_msg=f"{path.name} frame {index} vs pydicom")
        np.testing.assert_array_equal(
            ours, pylibjpeg_rle_decode(frame, spec), err_msg=f"{path.name} frame {index} vs pylibjpeg-rle"
        )
        if pydicom_has_pylibjpeg_plugin():
            via_plugin = pydicom_array(
                ds, index=index, decoding_plugin="pylibjpeg", raw=True, correct_unused_bits=False
            )
            np.testing.assert_array_equal(ours, via_plugin, err_msg=f"{path.name} frame {index} vs pydicom+pylibjpeg-rle")


def test_decode_real_multiframe_into_volume_slices():
    ds, spec, frames = read_rle(next(p for p in rle_files() if p.name == "emri_small_RLE.dcm"))
    volume = np.zeros(spec.shape(len(frames)), spec.dtype)
    for index, frame in enumerate(frames):
        result = rle.decode_frame(frame, spec, out=volume[index])
        assert result is volume[index] or np.shares_memory(result, volume)
    np.testing.assert_array_equal(volume, pydicom_array(ds, raw=True, correct_unused_bits=False))


def test_decode_accepts_any_buffer():
    _, spec, frames = read_rle(next(p for p in rle_files() if p.name == "SC_rgb_rle_16bit.dcm"))
    frame = frames[0]
    expected = rle.decode_frame(frame, spec)
    for src in (bytearray(frame), memoryview(frame), np.frombuffer(frame, np.uint8)):
        np.testing.assert_array_equal(rle.decode_frame(src, spec), expected)
    readonly = np.frombuffer(frame, np.uint8)
    assert not readonly.flags.writeable
    np.testing.assert_array_equal(rle.decode_frame(readonly, spec), expected)


def test_decode_out_checked():
    spec = make_spec(2, 3)
    frame = frame_of(bytes([0xFE, 7, 2, 1, 2, 3]))
    with pytest.raises(TypeError, match="dtype"):
        rle.decode_frame(frame, spec, out=np.empty((2, 3), np.uint16))
    with pytest.raises(ValueError, match="shape"):
        rle.decode_frame(frame, spec, out=np.empty((3, 2), np.uint8))
    with pytest.raises(ValueError, match="C-contiguous"):
        rle.decode_frame(frame, spec, out=np.empty((3, 2), np.uint8).T)
    out = np.empty((1, 2, 3), np.uint8)
    assert rle.decode_frame(frame, spec, out=out) is out
    np.testing.assert_array_equal(out[0], [[7, 7, 7], [1, 2, 3]])


# -- hand-built frames (first principles) --------------------------------------
def test_decode_hand_built_8bit():
    # FE: replicate the next byte 257 - 254 = 3 times; 02: copy the next 3 bytes.
    out = rle.decode_frame(frame_of(bytes([0xFE, 7, 0x02, 1, 2, 3])), make_spec(2, 3))
    np.testing.assert_array_equal(out, [[7, 7, 7], [1, 2, 3]])


def test_decode_hand_built_16bit_msb_first():
    msb = bytes([0x02, 0x01, 0x03, 0xFF])
    lsb = bytes([0x02, 0x02, 0x04, 0xFE])
    out = rle.decode_frame(frame_of(msb, lsb), make_spec(1, 3, bits=16))
    assert out.dtype == np.uint16
    np.testing.assert_array_equal(out, [[0x0102, 0x0304, 0xFFFE]])
    signed = rle.decode_frame(frame_of(msb, lsb), make_spec(1, 3, bits=16, pr=1))
    np.testing.assert_array_equal(signed, [[0x0102, 0x0304, -2]])


def test_decode_hand_built_32bit_and_64bit():
    segs = [bytes([0x00, b]) for b in (0x01, 0x02, 0x03, 0x04)]
    out = rle.decode_frame(frame_of(*segs), make_spec(1, 1, bits=32))
    np.testing.assert_array_equal(out, [[0x01020304]])
    segs = [bytes([0x00, b]) for b in range(0xF1, 0xF9)]
    out = rle.decode_frame(frame_of(*segs), make_spec(1, 1, bits=64))
    np.testing.assert_array_equal(out, np.array([[0xF1F2F3F4F5F6F7F8]], np.uint64))
    out = rle.decode_frame(frame_of(*segs), make_spec(1, 1, bits=64, keyword="DoubleFloatPixelData"))
    assert out.dtype == np.float64
    assert out.view(np.uint64)[0, 0] == 0xF1F2F3F4F5F6F7F8


def test_decode_hand_built_rgb_interleaved():
    red = bytes([0x01, 10, 11])
    green = bytes([0xFF, 20])  # 2 copies
    blue = bytes([0x01, 30, 31])
    out = rle.decode_frame(frame_of(red, green, blue), make_spec(1, 2, spp=3))
    np.testing.assert_array_equal(out, [[[10, 20, 30], [11, 20, 31]]])
    # RLE segments are per sample whatever the Planar Configuration says.
    out = rle.decode_frame(frame_of(red, green, blue), make_spec(1, 2, spp=3, planar=1))
    np.testing.assert_array_equal(out, [[[10, 20, 30], [11, 20, 31]]])


def test_decode_rgb_16bit_segment_order():
    # Segments: R MSB, R LSB, G MSB, G LSB, B MSB, B LSB (PS3.5 G.2).
    segs = [bytes([0x00, b]) for b in (0x11, 0x22, 0x33, 0x44, 0x55, 0x66)]
    out = rle.decode_frame(frame_of(*segs), make_spec(1, 1, spp=3, bits=16))
    np.testing.assert_array_equal(out, [[[0x1122, 0x3344, 0x5566]]])


def test_decode_noop_and_padding_accepted():
    spec = make_spec(1, 4)
    expected = [[1, 2, 3, 4]]
    # -128 (0x80) is a no-operation header byte.
    np.testing.assert_array_equal(rle.decode_frame(frame_of(bytes([0x80, 0x03, 1, 2, 3, 4, 0x80])), spec), expected)
    # A trailing pad byte (PS3.5 G.5) and trailing junk after the segment is complete are ignored.
    for tail in (b"\x00", b"\x00\x00", b"\x01\x09\x09", b"\xff"):
        frame = frame_of(bytes([0x03, 1, 2, 3, 4]) + tail)
        np.testing.assert_array_equal(rle.decode_frame(frame, spec), expected)


def test_decode_runs_may_cross_rows():
    # G.3.1 forbids encoders to cross rows, but a decoder need not care.
    out = rle.decode_frame(frame_of(bytes([0xFB, 5])), make_spec(2, 3))  # 6 copies
    np.testing.assert_array_equal(out, [[5, 5, 5], [5, 5, 5]])


def test_decode_large_frame_with_chunk_boundaries():
    # Runs straddling the kernel's internal chunks, for a multi-segment frame.
    spec = make_spec(3, 1500, bits=16)
    values = sample_values(spec, "runs", seed=3)
    frame = rle.encode_frame(values, spec)
    np.testing.assert_array_equal(rle.decode_frame(frame, spec), values)
    np.testing.assert_array_equal(pydicom_rle_decode(frame, spec), values)


def test_parse_header():
    frame = frame_of(b"\x00\x01", b"\x00\x02")
    assert rle.parse_header(frame) == [64, 66]
    assert rle.parse_header(frame, 2) == [64, 66]
    with pytest.raises(CorruptPixelDataError, match="gives 2 segments, but the image needs 3"):
        rle.parse_header(frame, 3)


def test_decode_segment():
    np.testing.assert_array_equal(rle.decode_segment(bytes([0xFE, 7, 0x01, 1, 2]), 5), [7, 7, 7, 1, 2])
    with pytest.raises(CorruptPixelDataError, match="decodes to 3 bytes, but must decode to 5"):
        rle.decode_segment(bytes([0xFE, 7]), 5)
    with pytest.raises(CorruptPixelDataError, match="empty"):
        rle.decode_segment(b"", 5)
    with pytest.raises(ValueError, match="at least 1"):
        rle.decode_segment(b"\x00\x01", 0)


# -- corrupt frames ------------------------------------------------------------
GOOD_8 = frame_of(bytes([0x03, 1, 2, 3, 4]))
SPEC_8 = make_spec(2, 2)
SPEC_16 = make_spec(2, 2, bits=16)


@pytest.mark.parametrize(
    "frame, spec, message",
    [
        (b"", SPEC_8, r"holds 0 bytes, fewer than the 64 bytes of its header"),
        (GOOD_8[:63], SPEC_8, r"holds 63 bytes, fewer than the 64"),
        (header(count=0) + b"\x03\x01\x02\x03\x04", SPEC_8, r"gives 0 segments: a frame has 1 to 15"),
        (header(64, count=16) + b"\x03\x01\x02\x03\x04", SPEC_8, r"gives 16 segments"),
        (header(64, count=0xFFFFFFFF) + b"\x00", SPEC_8, r"gives 4294967295 segments"),
        (frame_of(b"\x01\x01\x02", b"\x01\x03\x04"), SPEC_8, r"gives 2 segments, but the image needs 1"),
        (GOOD_8, SPEC_16, r"gives 1 segment, but the image needs 2"),
        (header(68) + bytes(4) + b"\x03\x01\x02\x03\x04", SPEC_8, r"segment 1 the offset 68: it must be 64"),
        (header(0) + b"\x03\x01\x02\x03\x04", SPEC_8, r"segment 1 the offset 0: it must be 64"),
        (header(64, 64) + b"\x03\x01\x02\x03\x04", SPEC_16, r"segment 2 the offset 64, not greater than the offset 64 of segment 1"),
        (header(64, 66, 65, 68) + bytes(8), make_spec(2, 2, bits=32), r"segment 3 the offset 65, not greater than the offset 66"),
        (header(64, 69) + b"\x03\x01\x02\x03\x04", SPEC_16, r"segment 2 the offset 69, at or beyond the end of the 69-byte frame"),
        (header(64, 1000) + b"\x03\x01\x02\x03\x04", SPEC_16, r"segment 2 the offset 1000, at or beyond"),
        (header(64), SPEC_8, r"segment 1 the offset 64, at or beyond the end of the 64-byte frame"),
    ],
)
def test_bad_header(frame, spec, message):
    with pytest.raises(CorruptPixelDataError, match=message):
        rle.decode_frame(frame, spec)


@pytest.mark.parametrize(
    "segments, spec, message",
    [
        # short: the segment ends after 3 of 4 bytes
        ([bytes([0x02, 1, 2, 3])], SPEC_8, r"segment 1 of 1 \(sample 1\) decodes to 3 bytes, but must decode to 4 \(Rows 2 x Columns 2\)"),
        ([bytes([0xFF, 1])], SPEC_8, r"decodes to 2 bytes, but must decode to 4"),
        ([bytes([0x80, 0x80])], SPEC_8, r"decodes to 0 bytes, but must decode to 4"),
        # the second segment of 16-bit data is short
        ([bytes([0xFD, 1]), bytes([0x00, 5])], SPEC_16, r"segment 2 of 2 \(byte 2 of 2, the least significant\) decodes to 1 bytes"),
        # overlong replicate and literal runs
        ([bytes([0xFA, 1])], SPEC_8, r"replicate run at byte 0 of the segment decodes to 7 bytes, but only 4 of the 4 bytes"),
        ([bytes([0x01, 1, 2, 0xFD, 9])], SPEC_8, r"replicate run at byte 3 of the segment decodes to 4 bytes, but only 2 of the 4"),
        ([bytes([0x04, 1, 2, 3, 4, 5])], SPEC_8, r"literal run at byte 0 of the segment decodes to 5 bytes, but only 4"),
        ([bytes([0xFD, 1]), bytes([0x01, 1, 2, 0x02, 1, 2, 3])], SPEC_16, r"segment 2 of 2 .*literal run at byte 3 .* 3 bytes, but only 2 of the 4"),
        # literal run reading past the end of its segment (here: into the next one)
        ([bytes([0x03, 1, 2]), bytes([0x03, 1, 2, 3, 4])], SPEC_16, r"segment 1 of 2 \(byte 1 of 2, the most significant\): the literal run at byte 0 of the 3-byte segment needs 4 bytes, but only 2 remain"),
        ([bytes([0x01, 1, 2, 0x7F, 1])], SPEC_8, r"literal run at byte 3 of the 5-byte segment needs 128 bytes, but only 1 remain; 2 of the 4 bytes \(Rows 2 x Columns 2\) were decoded"),
        # a replicate run without its byte
        ([bytes([0x01, 1, 2, 0xFF])], SPEC_8, r"replicate run at byte 3 of the 4-byte segment has no byte to repeat"),
    ],
)
def test_corrupt_segments(segments, spec, message):
    with pytest.raises(CorruptPixelDataError, match=message):
        rle.decode_frame(frame_of(*segments), spec)


def test_corrupt_error_is_value_error():
    with pytest.raises(ValueError):
        rle.decode_frame(frame_of(bytes([0x02, 1, 2, 3])), SPEC_8)


def test_truncated_real_frames():
    for name in ("MR_small_RLE.dcm", "SC_rgb_rle_16bit.dcm", "OBXXXX1A_rle.dcm"):
        _, spec, frames = read_rle(next(p for p in rle_files() if p.name == name))
        frame = frames[0]
        for cut in (0, 10, 63, 64, 65, len(frame) // 2, len(frame) - 3):
            with pytest.raises(CorruptPixelDataError):
                rle.decode_frame(frame[:cut], spec)
        # Wrong geometry: the same segments cannot fill a taller image.
        taller = spec.replace(rows=spec.rows + 1)
        with pytest.raises(CorruptPixelDataError, match=rf"Columns {spec.columns}"):
            rle.decode_frame(frame, taller)


def test_fuzz_mutated_real_frames():
    rng = np.random.default_rng(20240601)
    sources = []
    for name in ("MR_small_RLE.dcm", "SC_rgb_rle_16bit.dcm", "rtdose_rle.dcm", "SC_rgb_rle.dcm"):
        _, spec, frames = read_rle(next(p for p in rle_files() if p.name == name))
        sources.append((spec, frames[0]))
    outcomes = {"decoded": 0, "raised": 0}
    for _ in range(1500):
        spec, frame = sources[rng.integers(len(sources))]
        data = bytearray(frame)
        kind = rng.integers(5)
        if kind == 0:  # flip bytes in the segments
            for pos in rng.integers(64, len(data), rng.integers(1, 6)):
                data[pos] = rng.integers(256)
        elif kind == 1:  # flip bytes anywhere, the header included
            for pos in rng.integers(0, len(data), rng.integers(1, 4)):
                data[pos] = rng.integers(256)
        elif kind == 2:  # truncate
            del data[rng.integers(len(data)) :]
        elif kind == 3:  # delete or insert a few bytes inside
            pos = int(rng.integers(64, len(data)))
            if rng.integers(2):
                del data[pos : pos + int(rng.integers(1, 8))]
            else:
                data[pos:pos] = rng.integers(0, 256, int(rng.integers(1, 8)), dtype=np.uint8).tobytes()
        else:  # move one offset
            k = int(rng.integers(1, 4))
            struct.pack_into("<L", data, 4 * k, int(rng.integers(0, len(data) + 10)))
        try:
            out = rle.decode_frame(bytes(data), spec)
        except CorruptPixelDataError:
            outcomes["raised"] += 1
        else:
            assert out.shape == spec.frame_shape
            outcomes["decoded"] += 1
    assert outcomes["raised"] > 100 and outcomes["decoded"] > 10


def test_unsupported_specs():
    with pytest.raises(UnsupportedPixelDataError, match="'Bits Allocated' value of 1"):
        rle.decode_frame(GOOD_8, make_spec(2, 2, bits=1))
    with pytest.raises(UnsupportedPixelDataError, match="'Bits Allocated' value of 1"):
        rle.encode_frame(b"\x00", make_spec(2, 2, bits=1))
    with pytest.raises(InvalidPixelSpecError, match="need 24 segments"):
        rle.decode_frame(GOOD_8, make_spec(2, 2, spp=3, bits=64))
    with pytest.raises(InvalidPixelSpecError, match="need 24 segments"):
        rle.encode_frame(np.zeros((2, 2, 3), np.uint64), make_spec(2, 2, spp=3, bits=64))
    with pytest.raises(TypeError, match="PixelSpec"):
        rle.decode_frame(GOOD_8, {"rows": 2})


# -- encoder -------------------------------------------------------------------
def test_encode_hand_computed():
    # Row [1, 1, 2, 3, 3, 4]: a pair with no literal open -> replicate FF 01;
    # then 2, 3, 3, 4 is one literal (the pair 3, 3 joins it) -> 03 02 03 03 04;
    # 7 bytes, padded to 8 (G.5).
    frame = rle.encode_frame(bytes([1, 1, 2, 3, 3, 4]), make_spec(1, 6))
    assert frame == header(64) + bytes([0xFF, 1, 0x03, 2, 3, 3, 4, 0x00])
    # A constant row of 300: runs of 128, 128 and 44 (257 - 44 = 0xD5), per row.
    frame = rle.encode_frame(np.full((2, 300), 9, np.uint8), make_spec(2, 300))
    assert frame == header(64) + bytes([0x81, 9, 0x81, 9, 0xD5, 9]) * 2
    # 129 equal bytes then another: 128 replicated, then the literal 5, 6.
    frame = rle.encode_frame(bytes([5] * 129 + [6]), make_spec(1, 130))
    assert frame == header(64) + bytes([0x81, 5, 0x01, 5, 6, 0x00])
    # Runs stop at the end of each row (G.3.1).
    assert rle.encode_frame(bytes([7] * 4), make_spec(2, 2)) == header(64) + bytes([0xFF, 7, 0xFF, 7])
    # A literal longer than 128 is split into 128 + rest.
    row = bytes(i % 251 for i in range(200))
    assert rle.encode_frame(row, make_spec(1, 200)) == header(64) + bytes([0x7F]) + row[:128] + bytes([0x47]) + row[128:]
    # 16-bit: one segment per byte, most significant first.
    frame = rle.encode_frame(np.array([[0x0102, 0x0102]], np.uint16), make_spec(1, 2, bits=16))
    assert frame == header(64, 66) + bytes([0xFF, 0x01, 0xFF, 0x02])
    # A single pixel is a literal of one: 00 xx, already of even length.
    assert rle.encode_frame(b"\x2a", make_spec(1, 1)) == header(64) + b"\x00\x2a"


ROUND_TRIP_SPECS = [
    (bits, spp, shape)
    for bits in (8, 16, 32, 64)
    for spp in (1, 3)
    if not (bits == 64 and spp == 3)
    for shape in ((1, 1), (3, 5), (7, 129), (33, 260))
]
PATTERNS = ["noise", "constant", "alternating", "pairs", "runs", "ct"]


@pytest.mark.parametrize("bits, spp, shape", ROUND_TRIP_SPECS, ids=lambda v: str(v))
def test_encode_round_trip_and_pydicom(bits, spp, shape):
    for pr in (0, 1):
        spec = make_spec(*shape, spp=spp, bits=bits, pr=pr)
        for seed, pattern in enumerate(PATTERNS):
            values = sample_values(spec, pattern, seed)
            frame = rle.encode_frame(values, spec)
            check_structure(frame, spec)
            np.testing.assert_array_equal(rle.decode_frame(frame, spec), values, err_msg=pattern)
            if pr == 0 or pattern in ("noise", "ct"):
                np.testing.assert_array_equal(pydicom_rle_decode(frame, spec), values, err_msg=pattern)
                np.testing.assert_array_equal(pylibjpeg_rle_decode(frame, spec), values, err_msg=pattern)


def test_encode_multiframe_dataset_through_pydicom():
    spec = make_spec(20, 30, spp=3, bits=16).replace(number_of_frames=3)
    volume = np.stack([sample_values(spec, p, i) for i, p in enumerate(("noise", "ct", "runs"))])
    frames = [rle.encode_frame(v, spec) for v in volume]
    ds = rle_dataset(frames, spec)
    np.testing.assert_array_equal(pydicom_array(ds, decoding_plugin="pydicom", raw=True, correct_unused_bits=False), volume)


# GDCM decodes RLE frames of more than 64 pixels only, and orders the
# segments of multi-byte samples of colour images differently from PS3.5 G.2
# (it also disagrees with pydicom on the real SC_rgb_rle_16bit.dcm), so it
# checks single-sample frames of every size it reads and 8-bit colour.
GDCM_SPECS = [(8, 1), (16, 1), (32, 1), (8, 3)]


@pytest.mark.parametrize("bits, spp", GDCM_SPECS)
def test_encode_decodes_equal_through_gdcm(bits, spp, tmp_path):
    pytest.importorskip("gdcm")
    for shape in ((9, 11), (37, 129), (64, 300)):
        spec = make_spec(*shape, spp=spp, bits=bits)
        for seed, pattern in enumerate(PATTERNS):
            values = sample_values(spec, pattern, seed)
            frame = rle.encode_frame(values, spec)
            np.testing.assert_array_equal(gdcm_decode(frame, spec, tmp_path), values, err_msg=f"{shape} {pattern}")


def test_encode_input_layouts_agree():
    spec = make_spec(13, 17, spp=3, bits=16)
    values = sample_values(spec, "ct", 1)
    expected = rle.encode_frame(values, spec)
    variants = {
        "fortran": np.asfortranarray(values),
        "swapped": values.astype(values.dtype.newbyteorder()),
        "planar view": np.ascontiguousarray(values.transpose(2, 0, 1)).transpose(1, 2, 0),
        "strided": np.repeat(values, 2, axis=1)[:, ::2],
        "readonly": np.frombuffer(values.tobytes(), values.dtype).reshape(values.shape),
        "bytes": values.astype("<u2").tobytes(),
        "bytes + pad": values.astype("<u2").tobytes() + b"\x00",
        "uint8 array": np.frombuffer(values.astype("<u2").tobytes(), np.uint8),
        "bytearray": bytearray(values.astype("<u2").tobytes()),
    }
    for name, src in variants.items():
        assert rle.encode_frame(src, spec) == expected, name
    planar_bytes = values.astype("<u2").transpose(2, 0, 1).tobytes()
    assert rle.encode_frame(planar_bytes, spec.replace(planar_configuration=1)) == expected


def test_encode_float_and_big_endian():
    spec = make_spec(4, 5, bits=32, keyword="FloatPixelData")
    values = np.linspace(-1, 1, 20, dtype=np.float32).reshape(4, 5)
    frame = rle.encode_frame(values.astype(">f4"), spec)
    assert frame == rle.encode_frame(values, spec)
    np.testing.assert_array_equal(rle.decode_frame(frame, spec), values)


def test_encode_rejects_mismatched_input():
    spec = make_spec(4, 5, bits=16)
    with pytest.raises(ValueError, match=r"shape \(5, 4\), the image needs \(4, 5\)"):
        rle.encode_frame(np.zeros((5, 4), np.uint16), spec)
    with pytest.raises(ValueError, match="dtype int16, the image needs 2-byte unsigned integer"):
        rle.encode_frame(np.zeros((4, 5), np.int16), spec)
    with pytest.raises(ValueError, match="dtype uint8"):
        rle.encode_frame(np.zeros((4, 5), np.uint8), spec)
    with pytest.raises(ValueError, match="holds 39 bytes, but 4 x 5 pixels of 1 sample"):
        rle.encode_frame(bytes(39), spec)
    with pytest.raises(ValueError, match="holds 42 bytes"):
        rle.encode_frame(bytes(42), spec)
    with pytest.raises(TypeError, match="bytes-like"):
        rle.encode_frame([0] * 40, spec)


def test_encode_worst_case_size():
    # All-literal noise costs one header byte per 128 bytes of a row, plus padding.
    spec = make_spec(16, 1000, bits=16)
    frame = rle.encode_frame(sample_values(spec, "noise", 7), spec)
    per_row = 1000 + 8  # ceil(1000 / 128) headers
    assert len(frame) <= 64 + 2 * (16 * per_row + 1)


# -- frozen fixtures: byte-exact encoder stability -----------------------------
FIXTURE_CASES = {
    "ct_u16_mono_37x41": (make_spec(37, 41, bits=16), "ct"),
    "runs_u8_rgb_9x130": (make_spec(9, 130, spp=3), "runs"),
    "noise_i32_mono_5x7": (make_spec(5, 7, bits=32, pr=1), "noise"),
    "pairs_u16_rgb_6x11": (make_spec(6, 11, spp=3, bits=16), "pairs"),
}


@pytest.mark.parametrize("name", sorted(FIXTURE_CASES))
def test_encoder_output_is_stable(name):
    spec, pattern = FIXTURE_CASES[name]
    input_path, output_path = FIXTURES / f"{name}.npy", FIXTURES / f"{name}.rle"
    if REGEN_FIXTURES:
        FIXTURES.mkdir(parents=True, exist_ok=True)
        values = sample_values(spec, pattern, seed=11)
        np.save(input_path, values)
        output_path.write_bytes(rle.encode_frame(values, spec))
    if not (input_path.exists() and output_path.exists()):
        pytest.fail(f"Missing RLE fixture {name} in {FIXTURES}: regenerate with DCMCORE_REGEN_RLE_FIXTURES=1")
    values = np.load(input_path)
    frozen = output_path.read_bytes()
    # The frozen frame is right by an independent decoder...
    np.testing.assert_array_equal(pydicom_rle_decode(frozen, spec), values)
    check_structure(frozen, spec)
    # ...and the encoder still writes exactly it.
    assert rle.encode_frame(values, spec) == frozen


# -- threads -------------------------------------------------------------------
def test_concurrent_decode_and_encode_identical():
    spec = make_spec(96, 128, bits=16).replace(number_of_frames=12)
    volume = np.stack([sample_values(spec, "ct" if i % 2 else "runs", i) for i in range(12)])
    frames = [rle.encode_frame(v, spec) for v in volume]
    serial = np.stack([rle.decode_frame(f, spec) for f in frames])
    np.testing.assert_array_equal(serial, volume)

    shared = np.zeros_like(volume)
    barrier = threading.Barrier(4, timeout=60)

    def decode_all(offset):
        barrier.wait()
        results = []
        for rep in range(5):
            for i in range(len(frames)):
                k = (i + offset + rep) % len(frames)
                results.append((k, rle.decode_frame(frames[k], spec)))
                rle.decode_frame(frames[k], spec, out=shared[k])
        return results

    with ThreadPoolExecutor(4) as pool:
        for results in pool.map(decode_all, range(4)):
            for k, arr in results:
                np.testing.assert_array_equal(arr, serial[k])
    np.testing.assert_array_equal(shared, serial)

    with ThreadPoolExecutor(4) as pool:
        encoded = list(pool.map(lambda v: rle.encode_frame(v, spec), list(volume) * 3))
    assert encoded == frames * 3


# -- the kernel on its own ------------------------------------------------------
def test_kernel_refuses_out_of_bounds_geometry():
    """The kernel re-checks what would make it read or write out of bounds."""
    from dcmcore._kernels import rle_decode as kernel
    from dcmcore._kernels import rle_encode as encoder
    from dcmcore._kernels.status import ST_BAD_GEOMETRY

    good = frame_of(bytes([0x03, 1, 2, 3, 4]))
    out = np.empty(4, np.uint8)
    assert kernel.decode_frame(good, 4, 1, 1, out) is None
    np.testing.assert_array_equal(out, [1, 2, 3, 4])
    bad_geometry = ST_BAD_GEOMETRY
    cases = [
        (good[:63], 4, 1, 1, out),  # shorter than the header
        (good, 4, 1, 2, np.empty(4, np.uint16)),  # header count 1, 2 needed
        (header(64, 200) + bytes(8), 4, 1, 2, np.empty(4, np.uint16)),  # offset past the end
        (header(66, 64) + bytes(8), 4, 1, 2, np.empty(4, np.uint16)),  # decreasing offsets
        (header(10) + bytes(8), 4, 1, 1, out),  # offset inside the header
        (good, 4, 1, 1, np.empty(5, np.uint8)),  # output of the wrong size
        (good, 4, 1, 1, np.empty(3, np.uint8)),
        (good, 0, 1, 1, np.empty(0, np.uint8)),
        (good, 4, 1, 3, np.empty(12, np.uint8)),  # 3-byte samples
    ]
    for args in cases:
        failure = kernel.decode_frame(*args)
        assert failure is not None and failure[0] == bad_geometry, args
    with pytest.raises(ValueError):
        kernel.decode_frame(good, 4, 1, 1, np.empty(8, np.uint8)[::2])  # not contiguous
    with pytest.raises((ValueError, BufferError)):
        kernel.decode_frame(good, 4, 1, 1, np.frombuffer(bytes(4), np.uint8))  # read-only
    assert kernel.decode_segment(b"", np.empty(4, np.uint8))[0] == bad_geometry
    with pytest.raises(ValueError, match="inconsistent geometry"):
        encoder.encode_frame(bytes(7), 2, 2, 1, 2, False, False)
    with pytest.raises(ValueError, match="inconsistent geometry"):
        encoder.encode_frame(bytes(48 * 4), 4, 4, 3, 4 * 2, False, False)  # 24 segments


# -- unused bits corrected while assembling ------------------------------------------------
@pytest.mark.parametrize(
    "bits, stored, spp",
    [(b, s, n) for b, s in [(8, 5), (16, 12), (16, 10), (32, 20), (64, 40)] for n in (1, 3) if b * n // 8 <= 15],
)
@pytest.mark.parametrize("pr", [0, 1])
def test_decode_corrects_unused_bits_as_numpy(bits, stored, spp, pr):
    """Garbage above Bits Stored: cleared (unsigned) or sign-extended (signed), as PS3.5 8.1.1 says."""
    spec = make_spec(5, 7, spp=spp, bits=bits, pr=pr).replace(bits_stored=stored)
    utype = np.dtype(f"u{bits // 8}")
    raw = np.random.default_rng(bits + stored + spp).integers(0, np.iinfo(utype).max, spec.frame_shape, dtype=utype, endpoint=True)
    frame = rle.encode_frame(raw.view(spec.dtype), spec)
    as_stored = rle.decode_frame(frame, spec)
    np.testing.assert_array_equal(as_stored.view(utype), raw)
    shift = bits - stored
    if pr:
        expected = (raw.view(spec.dtype) << shift) >> shift  # arithmetic: copies the sign bit
    else:
        expected = raw & utype.type((1 << stored) - 1)
    np.testing.assert_array_equal(rle.decode_frame(frame, spec, correct_unused_bits=True), expected)


def test_pixel_array_corrects_unused_bits_of_rle_like_pydicom():
    import dcmcore

    spec = make_spec(6, 9, bits=16, pr=1).replace(bits_stored=12, number_of_frames=3)
    raw = np.random.default_rng(5).integers(0, 1 << 16, (3, 6, 9), dtype=np.uint16)
    frames = [rle.encode_frame(f.view(np.int16), spec) for f in raw]
    ds = rle_dataset(frames, spec)
    expected = pydicom_array(ds)
    np.testing.assert_array_equal(dcmcore.pixel_array(ds), expected)
    np.testing.assert_array_equal(dcmcore.pixel_array(ds, workers=2), expected)
    np.testing.assert_array_equal(dcmcore.pixel_array(ds, correct_unused_bits=False).view(np.uint16), raw)
    # through a plugin that does not correct bits itself, dcmcore corrects them
    np.testing.assert_array_equal(dcmcore.pixel_array(ds, decoding_plugin="pylibjpeg-rle"), expected)
