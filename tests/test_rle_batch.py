"""dcmcore's RLE kernel decoding runs of frames in one call (rle kernel ``decode_frames``).

Every accepted frame must equal what the one-frame path gives (itself checked
against pydicom and pylibjpeg-rle in test_rle.py), every refused frame must be
one the one-frame path refuses, and pixel_array must behave the same with the
batch path on or off: same arrays, same errors, same plugin choice.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
from pydicom.encaps import encapsulate

import dcmcore
from dcmcore import rle
from dcmcore._kernels import rle_decode as K
import dcmcore.plugins
from dcmcore.plugins import FrameRun
from dcmcore.errors import CorruptPixelDataError
from tests._helpers import pydicom_array, roundtrip_bytes
from tests.test_rle import read_rle, rle_files

def _batch(frames, spec, dst, *, bits=0, prefault=False):
    """decode_frames over `frames` laid end to end in one buffer."""
    buf = b"".join(bytes(f) for f in frames)
    stops = np.cumsum([len(f) for f in frames]).astype(np.intp)
    starts = (stops - [len(f) for f in frames]).astype(np.intp)
    nb = spec.itemsize
    return K.decode_frames(
        buf, starts, stops, spec.rows * spec.columns, spec.samples_per_pixel, nb,
        dst.reshape(-1).view(np.uint8), bits, spec.pixel_representation == 1, prefault,
    )  # fmt: skip


@pytest.mark.parametrize("path", rle_files(), ids=lambda p: p.name)
@pytest.mark.parametrize("prefault", [False, True])
def test_runs_equal_one_frame_decodes(path, prefault):
    ds, spec, frames = read_rle(path)
    expected = np.stack([rle.decode_frame(f, spec) for f in frames])
    got = np.empty_like(expected)
    assert _batch(frames, spec, got, prefault=prefault) == len(frames)
    np.testing.assert_array_equal(got, expected)
    if 1 < spec.bits_stored < spec.bits_allocated:
        fixed = np.stack([rle.decode_frame(f, spec, correct_unused_bits=True) for f in frames])
        assert _batch(frames, spec, got, bits=spec.bits_stored, prefault=prefault) == len(frames)
        np.testing.assert_array_equal(got, fixed)


def test_stops_at_the_first_bad_frame():
    _, spec, frames = read_rle(next(p for p in rle_files() if p.name == "emri_small_RLE.dcm"))
    good = [rle.decode_frame(f, spec) for f in frames]
    bad = list(frames)
    bad[3] = bytes(frames[3])[: len(frames[3]) // 2]
    got = np.zeros((len(frames), *spec.frame_shape), spec.dtype)
    assert _batch(bad, spec, got) == 3
    np.testing.assert_array_equal(got[:3], np.stack(good[:3]))


def test_refuses_what_the_header_parser_refuses():
    _, spec, frames = read_rle(next(p for p in rle_files() if p.name == "MR_small_RLE.dcm"))
    frame = bytes(frames[0])
    out = np.empty((1, *spec.frame_shape), spec.dtype)
    first_not_64 = bytearray(frame)
    struct.pack_into("<L", first_not_64, 4, 66)
    wrong_count = bytearray(frame)
    struct.pack_into("<L", wrong_count, 0, 1)
    for data in (first_not_64, wrong_count, frame[:63], frame[:64]):
        with pytest.raises(CorruptPixelDataError):
            rle.decode_frame(bytes(data), spec)
        assert _batch([bytes(data)], spec, out) == 0


def test_ranges_and_output_checked():
    _, spec, frames = read_rle(next(p for p in rle_files() if p.name == "MR_small_RLE.dcm"))
    frame = bytes(frames[0])
    npix = spec.rows * spec.columns
    out = np.empty((1, *spec.frame_shape), spec.dtype)
    dst = out.reshape(-1).view(np.uint8)
    one = np.array([0], np.intp)
    decode = K.decode_frames
    assert decode(frame, one, np.array([len(frame)], np.intp), npix, 1, 2, dst) == 1
    assert decode(frame, one, np.array([len(frame) + 1], np.intp), npix, 1, 2, dst) == 0  # past the buffer
    assert decode(frame, np.array([10], np.intp), np.array([5], np.intp), npix, 1, 2, dst) == 0  # reversed
    assert decode(frame, np.array([-1], np.intp), np.array([5], np.intp), npix, 1, 2, dst) == 0
    assert decode(frame, one, np.array([len(frame)], np.intp), npix, 1, 2, dst[:-2]) == 0  # dst too short
    assert decode(frame, one, np.array([len(frame), 9], np.intp), npix, 1, 2, dst) == 0  # lengths differ
    assert decode(frame, one, np.array([len(frame)], np.intp), npix, 1, 3, dst) == 0  # bad sample size
    wide = np.empty(dst.size + 1, np.uint8)
    assert decode(frame, one, np.array([len(frame)], np.intp), npix, 1, 2, wide[1:]) == 0  # misaligned
    assert decode(frame, one[:0], one[:0], npix, 1, 2, dst[:0]) == 0


def test_prefault_stays_inside_the_output():
    _, spec, frames = read_rle(next(p for p in rle_files() if p.name == "emri_small_RLE.dcm"))
    frames = list(frames) * 40  # 40 x 10 frames of 64 x 64 x 2 bytes: several huge pages
    expected = np.stack([rle.decode_frame(f, spec) for f in frames])
    nbytes = expected.nbytes
    room = np.full(nbytes + 3 * 4096, 0xAB, np.uint8)
    start = 4096 - 2  # not page aligned, 2-byte aligned
    dst = room[start : start + nbytes].view(spec.dtype).reshape(expected.shape)
    assert _batch(frames, spec, dst, prefault=True) == len(frames)
    np.testing.assert_array_equal(dst, expected)
    assert (room[:start] == 0xAB).all() and (room[start + nbytes :] == 0xAB).all()


def test_fuzz_runs_agree_with_one_frame_decodes():
    rng = np.random.default_rng(20261201)
    sources = []
    for name in ("MR_small_RLE.dcm", "SC_rgb_rle_16bit.dcm", "SC_rgb_rle.dcm"):
        _, spec, frames = read_rle(next(p for p in rle_files() if p.name == name))
        sources.append((spec, bytes(frames[0])))
    outcomes = {"decoded": 0, "refused": 0}
    for _ in range(600):
        spec, frame = sources[rng.integers(len(sources))]
        data = bytearray(frame)
        kind = rng.integers(4)
        if kind == 0:
            for pos in rng.integers(0, len(data), rng.integers(1, 5)):
                data[pos] = rng.integers(256)
        elif kind == 1:
            del data[rng.integers(len(data)) :]
        elif kind == 2:
            struct.pack_into("<L", data, 4 * int(rng.integers(0, 4)), int(rng.integers(0, len(data) + 10)))
        else:
            pos = int(rng.integers(64, len(data)))
            data[pos:pos] = rng.integers(0, 256, int(rng.integers(1, 8)), dtype=np.uint8).tobytes()
        data = bytes(data)
        got = np.zeros((1, *spec.frame_shape), spec.dtype)
        n = _batch([data], spec, got)
        try:
            expected = rle.decode_frame(data, spec)
        except CorruptPixelDataError:
            assert n == 0
            outcomes["refused"] += 1
        else:
            assert n == 1
            np.testing.assert_array_equal(got[0], expected)
            outcomes["decoded"] += 1
    assert outcomes["refused"] > 100 and outcomes["decoded"] > 10


# -- through pixel_array ---------------------------------------------------------
def _multi(name="emri_small_RLE.dcm", copies=3):
    ds, spec, frames = read_rle(next(p for p in rle_files() if p.name == name))
    frames = [bytes(f) for f in frames] * copies
    ds.NumberOfFrames = len(frames)
    ds.PixelData = encapsulate(frames)
    return roundtrip_bytes(ds), frames


RLE_UID = "1.2.840.10008.1.2.5"


def _builtin():
    """dcmcore's RLE decoder, as the public registry lists it (first for RLE Lossless)."""
    info = dcmcore.plugins.decoders(RLE_UID)[0]
    assert info.label == "dcmcore" and hasattr(info.plugin, "decode_frames")
    return info.plugin


class PerFrame:
    """dcmcore's RLE decoder without the decode_frames capability: every frame through the dispatcher."""

    label, priority, api_version = "dcmcore-per-frame", 99, 1
    corrects_unused_bits = True

    def __init__(self):
        self.decode = _builtin().decode

    def is_available(self, uid):
        return True


@pytest.fixture
def batch_off():
    """A label whose plugin decodes only frame by frame (the batch capability is found by attribute)."""
    dcmcore.plugins.register_decoder(RLE_UID, PerFrame())
    yield "dcmcore-per-frame"
    dcmcore.plugins.unregister_decoder(RLE_UID, "dcmcore-per-frame")


@pytest.fixture
def spy(monkeypatch):
    """Record the runs given to the built-in decoder's decode_frames; `spy.limit` decodes only that many per run."""
    plugin = _builtin()
    real = plugin.decode_frames
    calls = []

    def decode_frames(run, spec, out, **kwargs):
        calls.append(len(run))
        k = len(run) if spy_state["limit"] is None else min(spy_state["limit"], len(run))
        if k == 0:
            return 0, spec
        sub = FrameRun(run.buffer, run.starts[:k], run.stops[:k], run.first)
        return real(sub, spec, out[:k], **kwargs)

    spy_state = {"limit": None, "calls": calls}
    monkeypatch.setattr(plugin, "decode_frames", decode_frames)
    return spy_state


def test_pixel_array_same_with_and_without_the_batch(batch_off):
    for name in ("emri_small_RLE.dcm", "SC_rgb_rle_32bit_2frame.dcm", "rtdose_rle.dcm"):
        ds, _ = _multi(name, 2)
        expected = pydicom_array(ds)
        for workers in (1, 2):
            np.testing.assert_array_equal(dcmcore.pixel_array(ds, workers=workers), expected)
            np.testing.assert_array_equal(dcmcore.pixel_array(ds, index=1), expected[1])
        np.testing.assert_array_equal(dcmcore.pixel_array(ds, decoding_plugin=batch_off), expected)


def test_a_corrupt_frame_gives_the_same_error(batch_off):
    ds, frames = _multi()
    frames[7] = frames[7][: len(frames[7]) - 40]
    ds.PixelData = encapsulate(frames)
    ds = roundtrip_bytes(ds)
    with pytest.raises(CorruptPixelDataError) as batched:
        dcmcore.pixel_array(ds)
    with pytest.raises(CorruptPixelDataError) as dispatched:
        dcmcore.pixel_array(ds, decoding_plugin=batch_off)
    assert str(batched.value) == str(dispatched.value)


def test_batch_is_taken_and_recorded(spy, caplog):
    ds, _ = _multi()
    dcmcore.pixel_array(ds)
    assert spy["calls"] == [len(_multi()[1])]
    # the same from a file: the run is read in chunks and handed over the same way
    import io

    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    spy["calls"].clear()
    np.testing.assert_array_equal(dcmcore.pixel_array(buf), pydicom_array(ds))
    assert sum(spy["calls"]) == ds.NumberOfFrames


def test_other_plugins_are_not_bypassed(spy):
    ds, _ = _multi()
    expected = pydicom_array(ds)
    # a label asked for: every frame through that plugin, never the batch of another
    np.testing.assert_array_equal(dcmcore.pixel_array(ds, decoding_plugin="pylibjpeg-rle"), expected)
    assert spy["calls"] == []
    # plugin options reach decode_frames, which refuses what it does not know: every frame through decode
    np.testing.assert_array_equal(dcmcore.pixel_array(ds, some_option=1), expected)
    # the batch refusing a run: the frames go through the dispatcher
    spy["limit"] = 0
    np.testing.assert_array_equal(dcmcore.pixel_array(ds), expected)


def test_frames_in_several_fragments_are_not_batched(spy):
    ds, frames = _multi(copies=1)
    ds.PixelData = encapsulate(frames, fragments_per_frame=2, has_bot=True)
    ds = roundtrip_bytes(ds)
    np.testing.assert_array_equal(dcmcore.pixel_array(ds), pydicom_array(ds))
    assert spy["calls"] == []


def test_long_runs_are_split_into_several_calls(monkeypatch, spy):
    # the GIL (and with it Ctrl-C) is taken back every config.run_bytes of output
    ds, _ = _multi(copies=4)  # 40 frames of 64 x 64 x 2 bytes
    monkeypatch.setattr(dcmcore.config, "run_bytes", 64 * 64 * 2 * 7)
    np.testing.assert_array_equal(dcmcore.pixel_array(ds), pydicom_array(ds))
    assert spy["calls"] == [7] * 5 + [5]
    monkeypatch.setattr(dcmcore.config, "run_bytes", 1)  # at least a frame per call
    np.testing.assert_array_equal(dcmcore.pixel_array(ds), pydicom_array(ds))
    assert spy["calls"][6:] == [1] * 40


@pytest.mark.parametrize("stop_at", [0, 1, 5])
@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_stopped_part_way_is_finished_by_the_dispatcher(monkeypatch, spy, stop_at, workers):
    # the plugin decodes only the first `stop_at` frames of each run; the rest go frame by
    # frame, with the new output's pages mapped ahead of them: no decoded frame is touched again
    ds, _ = _multi("SC_rgb_rle_2frame.dcm", copies=12)  # 24 frames of 100 x 100 x 3, not a multiple of 4 KiB
    expected = pydicom_array(ds)
    assert (expected.reshape(len(expected), -1) != 0).any(axis=1).all()
    spy["limit"] = stop_at
    monkeypatch.setattr(dcmcore.config, "prefault", True)
    np.testing.assert_array_equal(dcmcore.pixel_array(ds, workers=workers), expected)
    for k, frame in enumerate(dcmcore.iter_pixels(ds)):
        np.testing.assert_array_equal(frame, expected[k])
