"""Encapsulated Pixel Data: fragments, offset tables and frame boundaries (PS3.5 A.4).

pydicom's ``encaps`` module is the oracle for frame boundaries; corrupt inputs
must raise clearly.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import pydicom
import pytest
from pydicom.encaps import encapsulate, encapsulate_extended, generate_frames

import dcmcore
from dcmcore import encaps
from tests._helpers import testdata_files
from dcmcore.errors import CorruptPixelDataError
from tests._helpers import pydicom_array, read, roundtrip_bytes


def _encapsulated_files():
    found = []
    for path in testdata_files():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                ds = pydicom.dcmread(path, force=True, stop_before_pixels=False)
            except Exception:
                continue
        tsyntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
        if tsyntax is None or "PixelData" not in ds or not tsyntax.is_encapsulated:
            continue
        found.append(path)
    return found


ENCAPSULATED = _encapsulated_files()


def _frames(value: bytes, nframes: int, ext=None) -> list[bytes]:
    index = encaps.FragmentIndex.from_buffer(value)
    view = memoryview(value)
    ranges = encaps.frame_ranges(index, nframes, extended_offsets=ext, tail=lambda o, n: view[o : o + n])
    return [bytes(encaps.join(lambda o, n: view[o : o + n], r)) for r in ranges]


def test_there_are_encapsulated_files():
    assert len(ENCAPSULATED) > 40


@pytest.mark.parametrize("path", ENCAPSULATED, ids=lambda p: p.name)
def test_frames_equal_pydicom(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path, force=True)
        nframes = int(ds.get("NumberOfFrames", 1) or 1)
        try:
            expected = [bytes(f) for f in generate_frames(ds.PixelData, number_of_frames=nframes)][:nframes]
        except Exception as exc:  # pydicom rejects it: so must we, clearly
            with pytest.raises(ValueError):
                _frames(ds.PixelData, nframes)
            pytest.skip(f"pydicom rejects this file too: {exc}")
    if len(expected) < nframes:
        with pytest.raises(CorruptPixelDataError):
            _frames(ds.PixelData, nframes)
        return
    assert _frames(ds.PixelData, nframes) == expected


def _rle_frames():
    ds = read("emri_small_RLE.dcm")
    return ds, [bytes(f) for f in generate_frames(ds.PixelData, number_of_frames=10)]


@pytest.mark.parametrize(
    "layout",
    ["bot", "no-bot", "3-fragments-bot", "extended"],
)
def test_offset_table_layouts(layout):
    ds, frames = _rle_frames()
    expected = pydicom_array(ds)
    if layout == "bot":
        ds.PixelData = encapsulate(frames, has_bot=True)
    elif layout == "no-bot":
        ds.PixelData = encapsulate(frames, has_bot=False)
    elif layout == "3-fragments-bot":
        ds.PixelData = encapsulate(frames, fragments_per_frame=3, has_bot=True)
    else:
        value, offsets, lengths = encapsulate_extended(frames)
        ds.PixelData = value
        ds.ExtendedOffsetTable = offsets
        ds.ExtendedOffsetTableLengths = lengths
    ds = roundtrip_bytes(ds)
    np.testing.assert_array_equal(dcmcore.pixel_array(ds), expected)
    for i in (0, 4, 9):
        np.testing.assert_array_equal(dcmcore.pixel_array(ds, index=i), expected[i])


def test_several_fragments_without_offset_table_use_end_of_image_markers():
    # JPEG-like frames (SOI .. EOI) split over two fragments each, no BOT
    frames = [b"\xff\xd8" + bytes([i]) * 37 + b"\xff\xd9" for i in range(4)]
    value = encapsulate(frames, fragments_per_frame=2, has_bot=False)
    assert _frames(value, 4) == [f + b"\x00" * (len(f) % 2) for f in frames] or _frames(value, 4) == [
        bytes(f) for f in generate_frames(value, number_of_frames=4)
    ]
    assert _frames(value, 4) == [bytes(f) for f in generate_frames(value, number_of_frames=4)]


def test_extra_frames_warn_and_are_ignored():
    frames = [b"\xff\xd8" + bytes([i]) * 10 + b"\xff\xd9" for i in range(3)]
    value = encapsulate(frames, has_bot=True)
    with pytest.warns(UserWarning, match="more than the 2"):
        assert len(_frames(value, 2)) == 2


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda v: b"\x00\x00\x00\x00" + v[4:], "expected an item tag"),
        (lambda v: v[:-6], "truncated"),
        (lambda v: v[:20] + (0xFFFFFFFF).to_bytes(4, "little") + v[24:], "undefined length"),
        (lambda v: v[:20] + (0x7FFFFFF0).to_bytes(4, "little") + v[24:], "truncated"),
        (lambda v: v[:4] + (6).to_bytes(4, "little") + v[8:], "multiple of 4|truncated|item tag"),
        (lambda v: v + b"\x01\x02\x03", "stray bytes"),
    ],
    ids=["bad-tag", "truncated", "undefined-item", "huge-item", "bad-bot-length", "stray"],
)
def test_corrupt_encapsulation_raises(mutate, message):
    frames = [bytes(range(20)), bytes(range(40))]
    value = mutate(encapsulate(frames, has_bot=True))
    with pytest.raises(CorruptPixelDataError, match=message):
        _frames(value, 2)


def test_bot_not_pointing_at_fragments():
    frames = [bytes(range(20)), bytes(range(40))]
    value = bytearray(encapsulate(frames, has_bot=True))
    value[12:16] = (3).to_bytes(4, "little")  # second offset points inside the first fragment
    with pytest.raises(CorruptPixelDataError, match="Basic Offset Table"):
        _frames(bytes(value), 2)


def test_fewer_fragments_than_frames():
    value = encapsulate([b"\x00\x01", b"\x02\x03"], has_bot=False)
    with pytest.raises(CorruptPixelDataError, match="2 fragments for 3 frames"):
        _frames(value, 3)


def test_extended_offset_table_errors():
    frames = [bytes(range(20)), bytes(range(40))]
    value, offsets, lengths = encapsulate_extended(frames)
    bad = np.frombuffer(offsets, "<u8").copy()
    bad[1] += 2
    with pytest.raises(CorruptPixelDataError, match="does not point at a fragment"):
        _frames(value, 2, (bad.tobytes(), lengths))
    with pytest.warns(UserWarning, match="extended offset table is ignored"):
        assert len(_frames(value, 2, (offsets, lengths[:8]))) == 2


class CountingFile(io.BytesIO):
    """A file object that counts the bytes read from it."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, n=-1):
        data = super().read(n)
        self.bytes_read += len(data)
        return data

    def readinto(self, b):
        n = super().readinto(b)
        self.bytes_read += n
        return n

    def fileno(self):  # force the seek + read path
        raise io.UnsupportedOperation


def test_one_frame_from_a_file_reads_little_of_it():
    ds, frames = _rle_frames()
    big = [f for _ in range(20) for f in frames]  # 200 frames
    ds.NumberOfFrames = len(big)
    ds.PixelData = encapsulate(big, has_bot=True)
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    data = buf.getvalue()
    expected = pydicom_array(pydicom.dcmread(io.BytesIO(data)), index=123)
    f = CountingFile(data)
    arr = dcmcore.pixel_array(f, index=123)
    np.testing.assert_array_equal(arr, expected)
    pixel_bytes = len(ds.PixelData)
    # headers + the item headers + one frame, not the whole pixel data
    assert f.bytes_read < len(data) - pixel_bytes + 200 * 8 + 4 * len(big[123]) + 4096
    assert f.tell() == 0  # position restored


@pytest.mark.parametrize("cut", [1, 4, 5, 7])
def test_data_cut_inside_the_sequence_delimiter_is_truncated(cut):
    """A file that ends inside the (FFFE,E0DD) item after the last fragment is truncated, not corrupt (found by fuzzing)."""
    frames = [bytes(range(20)), bytes(range(40))]
    for length in (b"\x00\x00\x00\x00", b"\x00\x00\xfe\x01"):  # its length: 0, or bytes that are no 0 (pydicom ignores them)
        value = encapsulate(frames, has_bot=True) + (b"\xfe\xff\xdd\xe0" + length)[:cut]
        with pytest.raises(dcmcore.errors.TruncatedFileError, match=rf"ends {cut} bytes into the 8 of its Sequence Delimitation"):
            _frames(value, 2)
