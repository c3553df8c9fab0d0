"""Frames decoded on several threads equal the single-threaded result."""

from __future__ import annotations

import io
import threading

import numpy as np
import pytest
from pydicom.encaps import encapsulate, generate_frames

import dcmcore
from dcmcore._runner import resolve_workers
from tests._helpers import pydicom_array, read, roundtrip_bytes


def _big_rle():
    ds = read("emri_small_RLE.dcm")
    frames = [bytes(f) for f in generate_frames(ds.PixelData, number_of_frames=10)] * 5
    ds.NumberOfFrames = len(frames)
    ds.PixelData = encapsulate(frames)
    return roundtrip_bytes(ds)


@pytest.mark.parametrize("workers", [2, 3, 0, None])
def test_rle_workers_equal_serial(workers):
    ds = _big_rle()
    serial = dcmcore.pixel_array(ds, workers=1)
    np.testing.assert_array_equal(serial, pydicom_array(ds))
    np.testing.assert_array_equal(dcmcore.pixel_array(ds, workers=workers), serial)


@pytest.mark.parametrize("name", ["emri_small.dcm", "emri_small_big_endian.dcm", "liver.dcm", "SC_rgb_2frame.dcm"])
@pytest.mark.parametrize("workers", [2, 4])
def test_native_workers_equal_serial(name, workers):
    ds = read(name)
    expected = pydicom_array(ds)
    np.testing.assert_array_equal(dcmcore.pixel_array(ds, workers=workers), expected)
    buf = io.BytesIO()
    ds.save_as(buf)
    buf.seek(0)
    np.testing.assert_array_equal(dcmcore.pixel_array(buf, workers=workers), expected)


def test_workers_into_out_slice():
    ds = _big_rle()
    big = np.full((60, 64, 64), 7, np.uint16)
    dcmcore.pixel_array(ds, out=big[5:55], workers=2)
    np.testing.assert_array_equal(big[5:55], pydicom_array(ds))
    assert (big[:5] == 7).all() and (big[55:] == 7).all()


def test_concurrent_calls_from_threads():
    ds = _big_rle()
    expected = pydicom_array(ds)
    results, errors = [None] * 4, []

    def work(k):
        try:
            results[k] = dcmcore.pixel_array(ds)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for r in results:
        np.testing.assert_array_equal(r, expected)


def test_bad_workers():
    with pytest.raises(ValueError, match="workers"):
        resolve_workers(-1)
    assert resolve_workers(0) >= 1
