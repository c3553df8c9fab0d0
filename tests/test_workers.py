"""Frames decoded on several threads equal the single-threaded result."""

from __future__ import annotations

import io
import threading

import numpy as np
import pytest
from pydicom.encaps import encapsulate, generate_frames

import dcmcore
from dcmcore._session import resolve_workers
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


@pytest.mark.parametrize("kind", ["dataset", "file"])
@pytest.mark.parametrize("name", ["emri_small_RLE.dcm", "emri_small.dcm", "emri_small_big_endian.dcm", "SC_rgb_2frame.dcm"])
@pytest.mark.parametrize("workers", [2, 3, 0])
def test_iter_pixels_decodes_ahead(name, kind, workers):
    ds = read(name)
    expected = pydicom_array(ds)
    src = (lambda: ds) if kind == "dataset" else (lambda: _bytes(ds))
    frames = list(dcmcore.iter_pixels(src(), workers=workers))
    np.testing.assert_array_equal(np.stack(frames), expected)
    assert len({id(f) for f in frames}) == len(frames)  # a fresh array per frame
    last = len(expected) - 1
    order = [last, 0, last, 1]
    frames = list(dcmcore.iter_pixels(src(), indices=order, workers=workers))
    np.testing.assert_array_equal(np.stack(frames), expected[order])
    stack = np.zeros((len(order) + 1, *expected.shape[1:]), expected.dtype.newbyteorder("="))
    for k, frame in enumerate(dcmcore.iter_pixels(src(), indices=order, workers=workers, out=stack[:-1])):
        assert np.shares_memory(frame, stack[k])
    np.testing.assert_array_equal(stack[:-1], expected[order])
    assert not stack[-1].any()


def _bytes(ds):
    buf = io.BytesIO()
    ds.save_as(buf)
    buf.seek(0)
    return buf


def test_iter_pixels_workers_bad_arguments():
    ds = read("emri_small_RLE.dcm")
    one = np.empty((64, 64), np.uint16)
    with pytest.raises(ValueError, match="reused for every frame"):
        next(dcmcore.iter_pixels(ds, out=one, workers=2))
    with pytest.raises(ValueError, match="'index' .* out of range"):
        list(dcmcore.iter_pixels(ds, indices=[0, 99], workers=2))
    with pytest.raises(ValueError):
        next(dcmcore.iter_pixels(ds, workers=-1))
    # stopping early is fine: nothing is left running
    it = dcmcore.iter_pixels(ds, workers=2)
    next(it)
    it.close()


def test_thread_pool_is_reused_and_errors_propagate():
    from dcmcore import _threads

    ds = _big_rle()
    dcmcore.pixel_array(ds, workers=2)
    threads = set(threading.enumerate())
    dcmcore.pixel_array(ds, workers=2)
    assert set(threading.enumerate()) == threads  # no new threads per call

    seen = []

    def job(k):
        seen.append(threading.current_thread().name)
        if k == 3:
            raise KeyError("job 3 failed")

    with pytest.raises(KeyError, match="job 3 failed"):
        _threads.run_jobs(job, [(k,) for k in range(8)], 2)

    def nested(k):  # a job asking for workers runs its own jobs on its thread
        inner = []
        _threads.run_jobs(lambda j: inner.append(threading.current_thread()), [(j,) for j in range(4)], 2)
        assert set(inner) == {threading.current_thread()}

    _threads.run_jobs(nested, [(k,) for k in range(4)], 2)


def test_workers_after_fork(tmp_path):
    """A forked child (e.g. a data loader worker) has none of the parent's threads: it must not hang."""
    import subprocess
    import sys
    import textwrap

    script = tmp_path / "fork.py"
    script.write_text(textwrap.dedent(
        """
        import os, sys, warnings
        sys.path.insert(0, os.getcwd())
        warnings.simplefilter("ignore")
        import numpy as np, dcmcore
        from tests.test_workers import _big_rle
        ds = _big_rle()
        expected = dcmcore.pixel_array(ds, workers=2)
        pid = os.fork()
        if pid == 0:
            import signal
            signal.alarm(30)  # a hung child must not outlive the test
            ok = np.array_equal(dcmcore.pixel_array(ds, workers=2), expected)
            os._exit(0 if ok else 3)
        _, status = os.waitpid(pid, 0)
        sys.exit(os.waitstatus_to_exitcode(status))
        """
    ))
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, str(script)], cwd=root, timeout=60, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
