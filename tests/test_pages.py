"""New output arrays get their pages mapped before decoding (dcmcore._kernels.pages)."""

from __future__ import annotations

import contextlib
import io
import logging
import sys

import numpy as np
import pytest
from pydicom.encaps import encapsulate
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, RLELossless

import dcmcore
import dcmcore.plugins
from dcmcore import _session, rle
from dcmcore._kernels import pages
from tests._helpers import make_dataset, pydicom_array, roundtrip_bytes

MB = 1 << 20


def _new_memory_is_unmapped() -> bool:
    """True where a new 64 MB array is memory never written (glibc on Linux; not with MALLOC_PERTURB_ or
    allocators that recycle or fill large blocks)."""
    return sys.platform.startswith("linux") and not pages.is_mapped(np.empty(64 * MB, np.uint8))


linux_only = pytest.mark.skipif(
    not _new_memory_is_unmapped(), reason="needs Linux (mincore) and an allocator that maps large arrays anew"
)


@pytest.mark.parametrize("n", [1, 4095, 4096, 4097, 3 * 4096 + 17, MB + 5])
@pytest.mark.parametrize("offset", [0, 1, 100])
def test_prefault_writes_only_its_strided_bytes(n, offset):
    # a pattern everywhere, then prefault a slice: exactly bytes n-1, n-1-4096, ..., and 0 of the slice become 0
    buf = np.full(n + offset + 64, 0xAB, np.uint8)
    pages.prefault(buf[offset : offset + n])
    expected = np.full_like(buf, 0xAB)
    touched = np.r_[np.arange(n - 1, -1, -pages.STRIDE), 0] + offset
    expected[touched] = 0
    np.testing.assert_array_equal(buf, expected)


def test_prefault_empty_and_read_only():
    pages.prefault(np.empty(0, np.uint8))
    with pytest.raises((ValueError, BufferError)):
        pages.prefault(np.frombuffer(b"abc", np.uint8))


@linux_only
def test_is_mapped_tells_a_new_mapping_from_a_written_one():
    new = np.empty(64 * MB, np.uint8)  # above glibc's largest mmap threshold (32 MB): a new mapping
    assert not pages.is_mapped(new)
    new[-1] = 1
    assert pages.is_mapped(new)
    assert pages.is_mapped(np.ones(16 * MB, np.uint8))
    assert pages.is_mapped(np.empty(0, np.uint8))


@linux_only
def test_prefault_maps_the_pages():
    new = np.empty(64 * MB, np.uint8)
    pages.prefault(new)
    assert pages.is_mapped(new)
    assert pages.is_mapped(new[: pages.STRIDE])


class Mapped(list):
    """Bytes of new outputs whose pages were mapped ahead of the frames, through public observables only.

    A decoder's ``decode_frames`` asked to map its output itself (``prefault=True``) counts that
    output (``plugin``); what dcmcore maps between the frames it writes counts as its DEBUG record on the
    ``dcmcore`` logger says (``session``, one entry per call). The list is both, in order.
    """

    def __init__(self):
        super().__init__()
        self.plugin: list[int] = []
        self.session: list[int] = []


UIDS = (ExplicitVRLittleEndian, ExplicitVRBigEndian, RLELossless)


def _record_prefaults(monkeypatch):
    mapped = Mapped()
    plugins = {id(p): p for p in (dcmcore.plugins.decoders(uid)[0].plugin for uid in UIDS)}
    for plugin in plugins.values():  # the public registry's built-in decoders, each once
        real = plugin.decode_frames

        def decode_frames(run, spec, out, *, prefault=False, _real=real, **kwargs):
            if prefault:
                mapped.plugin.append(out.nbytes)
                mapped.append(out.nbytes)
            return _real(run, spec, out, prefault=prefault, **kwargs)

        monkeypatch.setattr(plugin, "decode_frames", decode_frames)

    class Handler(logging.Handler):
        def emit(self, record):
            if hasattr(record, "mapped_bytes"):
                mapped.session.append(record.mapped_bytes)
                mapped.append(record.mapped_bytes)

    logger = logging.getLogger("dcmcore")
    handler, level = Handler(logging.DEBUG), logger.level
    logger.setLevel(logging.DEBUG)  # (setLevel, not the attribute: the logger caches isEnabledFor)
    logger.addHandler(handler)
    yield mapped
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
def spy(monkeypatch):
    """Records the mapped byte counts; small arrays count, recycled heap memory too (as if new)."""
    monkeypatch.setattr(dcmcore.config, "prefault", True)
    yield from _record_prefaults(monkeypatch)


@pytest.fixture
def prefault_calls(monkeypatch):
    """Records the mapped byte counts, with the real test of whether memory is mapped."""
    yield from _record_prefaults(monkeypatch)


def _native16(frames, *, big_endian=False, signed=True):
    rng = np.random.default_rng(7)
    arr = rng.integers(-2048, 2048, (frames, 256, 256)).astype(np.int16)
    stored = arr.astype(">i2" if big_endian else "<i2").tobytes()
    ds = make_dataset(
        stored,
        rows=256,
        columns=256,
        bits_stored=12,
        pixel_representation=int(signed),
        number_of_frames=frames,
        transfer_syntax=ExplicitVRBigEndian if big_endian else "1.2.840.10008.1.2.1",
    )
    return roundtrip_bytes(ds)


def _rle16(frames):
    ds = _native16(1)
    ds.PixelRepresentation = 0
    spec = dcmcore.PixelSpec.from_dataset(ds)
    rng = np.random.default_rng(3)
    data = [rle.encode_frame(rng.integers(0, 4096, (256, 256)).astype(np.uint16), spec) for _ in range(frames)]
    ds.file_meta.TransferSyntaxUID = RLELossless
    ds.NumberOfFrames = frames
    ds.PixelData = encapsulate(data)
    return roundtrip_bytes(ds)


@pytest.mark.parametrize("big_endian", [False, True])
@pytest.mark.parametrize("workers", [1, 2])
def test_new_native_output_is_prefaulted_and_right(spy, big_endian, workers):
    ds = _native16(24, big_endian=big_endian)
    arr = dcmcore.pixel_array(ds, workers=workers)
    np.testing.assert_array_equal(arr, pydicom_array(ds))
    assert sum(spy) == arr.nbytes  # every run of frames, once
    assert len(spy) == (1 if workers == 1 else min(24, 2 * _session.RUNS_PER_WORKER))


def test_native_runs_are_bounded_by_run_bytes(spy, monkeypatch):
    ds = _native16(24)
    frame = 256 * 256 * 2
    monkeypatch.setattr(dcmcore.config, "run_bytes", 5 * frame + 1)
    np.testing.assert_array_equal(dcmcore.pixel_array(ds), pydicom_array(ds))
    assert spy.plugin == [5 * frame] * 4 + [4 * frame]


@contextlib.contextmanager
def per_frame_plugin():
    """dcmcore's RLE decoder registered without its decode_frames capability, under a label of its own."""
    from tests.test_rle_batch import RLE_UID, PerFrame

    dcmcore.plugins.register_decoder(RLE_UID, PerFrame())
    try:
        yield PerFrame.label
    finally:
        dcmcore.plugins.unregister_decoder(RLE_UID, PerFrame.label)


@pytest.mark.parametrize("workers", [1, 2])
def test_new_rle_output_is_prefaulted_and_right(spy, workers):
    # dcmcore's RLE decoder maps the pages itself as it decodes a run of frames
    ds = _rle16(16)
    expected = pydicom_array(ds)
    np.testing.assert_array_equal(dcmcore.pixel_array(ds, workers=workers), expected)
    assert sum(spy.plugin) == expected.nbytes and spy.session == []
    # every frame through the dispatcher: dcmcore maps the pages just ahead of them
    del spy[:], spy.plugin[:]
    with per_frame_plugin() as label:
        np.testing.assert_array_equal(dcmcore.pixel_array(ds, workers=workers, decoding_plugin=label), expected)
    assert spy.plugin == [] and spy.session == [expected.nbytes]


_NEW_MAPPING_SCRIPT = """
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from tests.test_pages import _native16, _record_prefaults
import pytest
import dcmcore

ds = _native16(320)
with pytest.MonkeyPatch.context() as mp:
    recorder = _record_prefaults(mp)
    mapped = next(recorder)
    arr = dcmcore.pixel_array(ds)
print(json.dumps([arr.nbytes, list(mapped)]))
"""


@linux_only
def test_a_real_new_mapping_is_prefaulted():
    # 40 MB: above glibc's largest mmap threshold, so in a fresh process the output is a new mapping
    # (after other tests, the allocator may hand back a large freed block of its heap, mapped already)
    import json
    import subprocess
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[1])
    run = subprocess.run([sys.executable, "-c", _NEW_MAPPING_SCRIPT, root], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    nbytes, mapped = json.loads(run.stdout.strip().splitlines()[-1])
    assert nbytes > 32 * MB
    assert mapped == [nbytes]


def test_out_and_small_outputs_are_not_prefaulted(spy, monkeypatch):
    ds = _native16(4)
    out = np.zeros((4, 256, 256), np.int16)
    dcmcore.pixel_array(ds, out=out)
    np.testing.assert_array_equal(out, pydicom_array(ds))
    assert spy == []
    monkeypatch.setattr(dcmcore.config, "prefault", None)
    monkeypatch.setattr(dcmcore.config, "prefault_bytes", 1 << 40)
    dcmcore.pixel_array(ds)
    assert spy == []


@linux_only
def test_recycled_memory_is_not_prefaulted(prefault_calls):
    # memory the allocator hands back already mapped is written as it is (a new output
    # that is such memory cannot be asked for through the public API: the session is given one)
    from dcmcore._source import open_source

    ds = _native16(24)
    mapped = np.ones((24, 256, 256), np.int16)
    with open_source(ds) as source:
        _session.Session(source).decode(0, 24, mapped, fresh=True)
    np.testing.assert_array_equal(mapped, pydicom_array(ds))
    assert prefault_calls == []


def test_from_a_file_and_iter_pixels(spy):
    ds = _native16(8, big_endian=True)
    buf = io.BytesIO()
    ds.save_as(buf)
    expected = pydicom_array(ds)
    buf.seek(0)
    np.testing.assert_array_equal(dcmcore.pixel_array(buf), expected)
    assert spy == [expected.nbytes]
    del spy[:]
    for k, frame in enumerate(dcmcore.iter_pixels(ds)):
        np.testing.assert_array_equal(frame, expected[k])
    assert spy == [expected[0].nbytes] * len(expected)
    del spy[:]
    out = np.empty(expected.shape[1:], np.int16)
    for frame in dcmcore.iter_pixels(ds, out=out):
        assert frame is out
    assert spy == []


@linux_only
@pytest.mark.parametrize("batch", [True, False])
def test_a_corrupt_frame_stops_before_the_rest_is_mapped(monkeypatch, batch):
    # the pages are mapped just ahead of the frames written: the frames after a
    # corrupt one (here 30 MB of them) are never touched
    from dcmcore._source import open_source

    ds = _rle16(2)
    good = bytes(next(iter(__import__("pydicom").encaps.generate_frames(ds.PixelData, number_of_frames=2))))
    frames = [good] * 520
    frames[10] = good[: len(good) // 2]
    ds.NumberOfFrames = len(frames)
    ds.PixelData = encapsulate(frames)
    ds = roundtrip_bytes(ds)
    with per_frame_plugin() as label, open_source(ds) as source:
        session = _session.Session(source, decoding_plugin=None if batch else label)
        out = np.empty((520, 256, 256), np.uint16)  # 68 MB, a new mapping
        flat = out.reshape(-1).view(np.uint8)
        assert not pages.is_mapped(flat)
        with pytest.raises(dcmcore.CorruptPixelDataError):
            session.decode(0, 520, out, fresh=True)
        assert pages.is_mapped(flat[: out[0].nbytes])
        assert not pages.is_mapped(flat) and not pages.is_mapped(flat[: out[:100].nbytes])


@pytest.mark.parametrize("shape, dtype", [((200, 512, 512), np.int16), ((9, 1024, 1024, 3), np.uint8), ((3, 4), np.float64)])
def test_new_arrays(shape, dtype):
    from dcmcore._arrays import ALIGN_BYTES, HUGE_PAGE, new_array

    arr = new_array(shape, dtype)
    assert arr.shape == shape and arr.dtype == dtype and arr.flags.c_contiguous and arr.flags.writeable
    arr[...] = 7  # all of it writable: the view covers exactly the array's bytes
    assert (arr == 7).all()
    if arr.nbytes >= ALIGN_BYTES:
        assert arr.ctypes.data % HUGE_PAGE == 0
        block = arr.base
        while block.base is not None:
            block = block.base
        assert arr.nbytes < block.nbytes < arr.nbytes + 2 * HUGE_PAGE
    else:
        assert arr.base is None


def test_pixel_array_of_a_large_output_is_aligned_and_right():
    from dcmcore._arrays import HUGE_PAGE

    ds = _native16(300)  # 39 MB
    arr = dcmcore.pixel_array(ds)
    assert arr.ctypes.data % HUGE_PAGE == 0
    np.testing.assert_array_equal(arr, pydicom_array(ds))


def test_new_array_leaves_odd_requests_to_numpy():
    from dcmcore._arrays import new_array

    with pytest.raises(ValueError, match="negative"):
        new_array((-4096, -4096), np.uint16)
    assert new_array((3000, 3000), object).dtype == object
    assert new_array((np.uint16(4096), np.uint16(4096)), "u1").ctypes.data % (1 << 21) == 0
    assert new_array((0, 100000, 100000), np.uint16).size == 0
