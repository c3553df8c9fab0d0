"""Deflated Image Frame Compression and Encapsulated Uncompressed Explicit VR Little Endian.

Files are generated here: frames encoded by dcmcore's encoders, encapsulated by
pydicom, written and read back by pydicom. The oracles are the original arrays,
zlib itself (first principles: each fragment is the raw deflate of the native
little endian frame). GDCM 3.2.6 knows the Deflated Image Frame Compression UID
but returns no pixels for it (raw or zlib-wrapped), and pydicom 3.0 knows neither
syntax, so there is no third-party decoder to cross-check with here.
"""

from __future__ import annotations

import io
import zlib

import numpy as np
import pydicom
import pytest
from pydicom.encaps import encapsulate, generate_frames

import dcmcore
from dcmcore.codecs.uncompressed import DEFLATED_IMAGE_FRAME, ENCAPSULATED_UNCOMPRESSED
from dcmcore.errors import CorruptPixelDataError
from dcmcore.plugins.dispatch import encoder_dispatcher
from tests._helpers import make_dataset

RNG = np.random.default_rng(7)


@pytest.fixture(autouse=True)
def _pydicom_knows_deflated_image_frame(monkeypatch):
    """pydicom 3.0 predates Deflated Image Frame Compression: teach it the UID to write files."""
    from pydicom import _uid_dict

    monkeypatch.setitem(
        _uid_dict.UID_dictionary,
        DEFLATED_IMAGE_FRAME,
        ("Deflated Image Frame Compression", "Transfer Syntax", "", "", "DeflatedImageFrameCompression"),
    )

CASES = [
    # bits allocated, bits stored, signed, samples, planar, frames, rows, columns
    (8, 8, 0, 1, 0, 3, 17, 13),
    (16, 12, 1, 1, 0, 4, 32, 31),
    (16, 16, 0, 3, 0, 2, 9, 10),
    (8, 8, 0, 3, 1, 2, 11, 7),
    (32, 32, 1, 1, 0, 2, 5, 5),
    (1, 1, 0, 1, 0, 3, 5, 7),  # 35 pixels: frames would not be byte aligned natively
]


def _frames(bits, stored, signed, spp, frames, rows, cols):
    shape = (frames, rows, cols) + ((spp,) if spp > 1 else ())
    if bits == 1:
        return RNG.integers(0, 2, shape, dtype=np.uint8)
    dtype = np.dtype(f"{'i' if signed else 'u'}{bits // 8}")
    if signed:
        lo, hi = -(2 ** (stored - 1)), 2 ** (stored - 1)
    else:
        lo, hi = 0, 2**stored
    return RNG.integers(lo, hi, shape, dtype=np.int64).astype(dtype)


def _dataset(uid, arr, bits, stored, signed, spp, planar, rows, cols):
    ds = make_dataset(
        b"",
        rows=rows,
        columns=cols,
        samples_per_pixel=spp,
        bits_allocated=bits,
        bits_stored=stored,
        pixel_representation=signed,
        photometric_interpretation="RGB" if spp == 3 else "MONOCHROME2",
        number_of_frames=len(arr),
        planar_configuration=planar,
        transfer_syntax=uid,
    )
    spec = dcmcore.PixelSpec.from_dataset(ds, pixel_keyword="PixelData")
    enc = encoder_dispatcher(uid)
    encoded = [enc.encode(frame, spec) for frame in arr]
    ds.PixelData = encapsulate(encoded, has_bot=True)
    ds["PixelData"].VR = "OB"
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue(), encoded, spec


@pytest.mark.parametrize("uid", [DEFLATED_IMAGE_FRAME, ENCAPSULATED_UNCOMPRESSED], ids=["deflated", "encaps-unc"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c)))
def test_round_trip_through_a_file(uid, case):
    bits, stored, signed, spp, planar, frames, rows, cols = case
    arr = _frames(bits, stored, signed, spp, frames, rows, cols)
    data, encoded, spec = _dataset(uid, arr, bits, stored, signed, spp, planar, rows, cols)
    ds = pydicom.dcmread(io.BytesIO(data))
    np.testing.assert_array_equal(dcmcore.pixel_array(ds), arr)
    np.testing.assert_array_equal(dcmcore.pixel_array(io.BytesIO(data), index=frames - 1), arr[-1])
    # first principles: a fragment is the frame's native little endian bytes (deflated or not)
    for frame, blob in zip(arr, generate_frames(ds.PixelData, number_of_frames=frames)):
        raw = zlib.decompress(blob, wbits=-15) if uid == DEFLATED_IMAGE_FRAME else bytes(blob)
        if bits == 1:
            expected = np.packbits(frame.reshape(-1), bitorder="little").tobytes()
        elif spp == 3 and planar == 1:
            expected = np.ascontiguousarray(frame.transpose(2, 0, 1)).astype(frame.dtype.newbyteorder("<")).tobytes()
        else:
            expected = frame.astype(frame.dtype.newbyteorder("<")).tobytes()
        assert raw[: len(expected)] == expected


def test_deflate_bomb_and_truncation_are_refused():
    arr = _frames(8, 8, 0, 1, 1, 64, 64)
    data, encoded, spec = _dataset(DEFLATED_IMAGE_FRAME, arr, 8, 8, 0, 1, 0, 64, 64)
    ds = pydicom.dcmread(io.BytesIO(data))
    ds.PixelData = encapsulate([encoded[0][: len(encoded[0]) // 2]])
    with pytest.raises(CorruptPixelDataError, match="inflates to|corrupt"):
        dcmcore.pixel_array(ds)
    ds.PixelData = encapsulate([_raw_deflate(b"\0" * 10**8)])
    np.testing.assert_array_equal(dcmcore.pixel_array(ds), np.zeros((64, 64), np.uint8))  # only 4 kB inflated
    ds.PixelData = encapsulate([b"\x01\x02garbage!"])
    with pytest.raises(CorruptPixelDataError):
        dcmcore.pixel_array(ds)


def _raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def test_encapsulated_uncompressed_short_fragment():
    arr = _frames(16, 16, 0, 1, 1, 8, 8)
    data, encoded, _ = _dataset(ENCAPSULATED_UNCOMPRESSED, arr, 16, 16, 0, 1, 0, 8, 8)
    ds = pydicom.dcmread(io.BytesIO(data))
    ds.PixelData = encapsulate([encoded[0][:100]])
    with pytest.raises(CorruptPixelDataError, match="Frame 0 holds 100 bytes .* declare 128 bytes"):
        dcmcore.pixel_array(ds)
