"""dcmcore-rle on corrupt frames: pylibjpeg-rle's panics and errors become clear exceptions.

pylibjpeg-rle panics on some corrupt frames (``pyo3_runtime.PanicException``,
a ``BaseException``): a segment followed by more runs after it is complete, a
run that writes past the end of the frame. The wrapper validates the header
first and judges every failure with dcmcore's strict decoder:
``CorruptPixelDataError`` when the data is at fault, a plain ``ValueError``
when only pylibjpeg-rle refuses it, ``PluginError`` otherwise (see
``dcmcore_rle._plugin``). The seeded fuzz at the end checks that on thousands
of mutated frames.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")
rle_lib = pytest.importorskip("rle")

import rle.utils  # noqa: E402

import dcmcore  # noqa: E402
from dcmcore import PixelSpec  # noqa: E402
from dcmcore.errors import CorruptPixelDataError, PluginError, UnsupportedPixelDataError  # noqa: E402
from dcmcore.plugins import encoder_dispatcher, parse_rle_header, testing  # noqa: E402
from dcmcore_rle import DECODER, RLE_LOSSLESS  # noqa: E402
from pydicom.encaps import encapsulate  # noqa: E402

LABEL = "pylibjpeg-rle"


def _header(words: list[int]) -> bytes:
    return struct.pack("<16L", *(words + [0] * (16 - len(words))))


def _with_segment(frame: bytes, k: int, segment: bytes) -> bytes:
    """`frame` with its segment `k` replaced by `segment` (the header's offsets follow)."""
    offsets = parse_rle_header(frame)
    ends = [*offsets[1:], len(frame)]
    segments = [frame[start:end] for start, end in zip(offsets, ends)]
    segments[k] = segment
    starts, pos = [], 64
    for seg in segments:
        starts.append(pos)
        pos += len(seg)
    return _header([len(segments), *starts]) + b"".join(segments)


def _segment(frame: bytes, k: int) -> bytes:
    offsets = parse_rle_header(frame)
    ends = [*offsets[1:], len(frame)]
    return frame[offsets[k] : ends[k]]


def _is_panic(exc: BaseException | None) -> bool:
    return exc is not None and type(exc).__name__ == "PanicException" and not isinstance(exc, Exception)


def _extra_runs_frame():
    """MR_small_RLE with segment 1 followed by three more replicate runs after it is complete."""
    frame, spec = testing.first_frame("MR_small_RLE.dcm")
    return _with_segment(frame, 0, bytes([0x81, 5]) * 35), spec  # 35 x 128 bytes, 4096 are needed


# -- what used to escape as a panic ---------------------------------------------------------------
def test_runs_after_a_complete_segment_raise_a_value_error_not_a_panic():
    data, spec = _extra_runs_frame()
    with pytest.raises(ValueError, match="although dcmcore's built-in decoder can") as info:
        DECODER.decode(data, spec)
    assert not isinstance(info.value, CorruptPixelDataError)  # the dispatcher may try the next plugin
    assert _is_panic(info.value.__cause__), repr(info.value.__cause__)
    assert "Rust panic" in str(info.value)


def test_a_panic_on_runs_after_a_complete_segment_falls_back_to_dcmcore():
    data, _ = _extra_runs_frame()
    ds = testing.read_dataset("MR_small_RLE.dcm")
    ds.PixelData = encapsulate([data])
    expected = dcmcore.pixel_array(ds, decoding_plugin="dcmcore")
    np.testing.assert_array_equal(dcmcore.pixel_array(ds, decoding_plugin=[LABEL, "dcmcore"]), expected)
    with pytest.raises(PluginError, match="although dcmcore's built-in decoder can") as info:
        dcmcore.pixel_array(ds, decoding_plugin=LABEL)
    assert isinstance(info.value.__cause__, ValueError)


def test_a_panic_on_corrupt_data_is_corrupt_pixel_data():
    # 16-bit: the most significant byte segment, decoded last, has a run that crosses its end
    # (31 x 128 + 100 = 4068 bytes, then 128 for the 28 left); pylibjpeg-rle writes past the frame
    frame, spec = testing.first_frame("MR_small_RLE.dcm")
    data = _with_segment(frame, 0, bytes([0x81, 5]) * 31 + bytes([257 - 100, 7, 0x81, 3]))
    with pytest.raises(CorruptPixelDataError, match=r"RLE segment 1 of 2 .* overruns the segment") as info:
        DECODER.decode(data, spec)
    assert _is_panic(info.value.__cause__), repr(info.value.__cause__)
    assert "pylibjpeg-rle failed with a Rust panic (PanicException): index out of bounds" in str(info.value)


def test_a_run_crossing_the_segment_end_is_corrupt_pixel_data():
    # /tmp/audit3/rle_overlong.py: 100 + 31 x 128 = 4068 bytes, then a 128-byte run for the 28 left
    frame, spec = testing.first_frame("MR_small_RLE.dcm")
    data = _with_segment(frame, 0, bytes([257 - 100, 7]) + bytes([0x81, 9]) * 31 + bytes([0x81, 3]))
    with pytest.raises(CorruptPixelDataError, match="overruns the segment"):
        DECODER.decode(data, spec)
    ds = testing.read_dataset("MR_small_RLE.dcm")
    ds.PixelData = encapsulate([data])
    with pytest.raises(CorruptPixelDataError, match="overruns the segment"):
        dcmcore.pixel_array(ds, decoding_plugin=LABEL)


@pytest.mark.parametrize("cut", ["half", "last-3", "last-40"])
def test_truncated_frames_are_corrupt_pixel_data_through_pixel_array(cut):
    # /tmp/audit3/rle_corrupt.py, "truncated-half": was a PluginError (RuntimeError)
    frame, _ = testing.first_frame("MR_small_RLE.dcm")
    size = {"half": len(frame) // 2, "last-3": len(frame) - 3, "last-40": len(frame) - 40}[cut]
    ds = testing.read_dataset("MR_small_RLE.dcm")
    ds.PixelData = encapsulate([frame[:size]])
    with pytest.raises(CorruptPixelDataError, match=r"RLE segment 2 of 2 .*pylibjpeg-rle failed with ValueError") as info:
        dcmcore.pixel_array(ds, decoding_plugin=LABEL)
    assert isinstance(info.value.__cause__, ValueError) and not isinstance(info.value.__cause__, CorruptPixelDataError)


def test_nonzero_unused_header_offsets_are_ignored_as_dcmcore_does():
    # pylibjpeg-rle counts non-zero offsets as segments: it would see 3 segments where the header says 2
    frame, spec = testing.first_frame("MR_small_RLE.dcm")
    words = list(struct.unpack("<16L", frame[:64]))
    words[3] = len(frame) - 10
    data = _header(words) + frame[64:]
    expected = testing.decode_with("dcmcore", data, spec)
    arr, _ = DECODER.decode(data, spec)
    np.testing.assert_array_equal(arr, expected)
    arr, _ = DECODER.decode(memoryview(data), spec)
    np.testing.assert_array_equal(arr, expected)


# -- failures that are not the data's ------------------------------------------------------------
class PanicException(BaseException):  # what pyo3_runtime.PanicException looks like
    pass


def _raising(exc: BaseException):
    def decode_frame(*args, **kwargs):
        raise exc

    return decode_frame


def test_codec_errors_are_plugin_errors_when_the_data_is_fine(monkeypatch):
    frame, spec = testing.first_frame("MR_small_RLE.dcm")
    monkeypatch.setattr(rle.utils, "decode_frame", _raising(TypeError("argument 'src': wrong type")))
    with pytest.raises(PluginError, match="TypeError: argument 'src': wrong type") as info:
        DECODER.decode(frame, spec)
    assert isinstance(info.value.__cause__, TypeError)
    monkeypatch.setattr(rle.utils, "decode_frame", _raising(MemoryError()))
    with pytest.raises(PluginError, match="out of memory") as info:
        DECODER.decode(frame, spec)
    assert isinstance(info.value.__cause__, MemoryError)
    monkeypatch.setattr(rle.utils, "decode_frame", _raising(PanicException("called `Option::unwrap()` on a `None` value")))
    with pytest.raises(ValueError, match=r"Rust panic \(PanicException\): called `Option::unwrap\(\)`") as info:
        DECODER.decode(frame, spec)
    assert type(info.value.__cause__) is PanicException
    # through the dispatcher, the next plugin decodes it
    ds = testing.read_dataset("MR_small_RLE.dcm")
    np.testing.assert_array_equal(dcmcore.pixel_array(ds, decoding_plugin=[LABEL, "dcmcore"]), dcmcore.pixel_array(ds))


def test_codec_errors_on_corrupt_data_are_corrupt(monkeypatch):
    frame, spec = testing.first_frame("MR_small_RLE.dcm")
    monkeypatch.setattr(rle.utils, "decode_frame", _raising(PanicException("index out of bounds")))
    with pytest.raises(CorruptPixelDataError, match="RLE segment 2 of 2") as info:
        DECODER.decode(frame[:-100], spec)
    assert type(info.value.__cause__) is PanicException


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), SystemExit(3), GeneratorExit()])
def test_interrupts_are_not_converted(monkeypatch, exc):
    frame, spec = testing.first_frame("MR_small_RLE.dcm")
    monkeypatch.setattr(rle.utils, "decode_frame", _raising(exc))
    with pytest.raises(type(exc)) as info:
        DECODER.decode(frame, spec)
    assert info.value is exc


def test_a_result_of_the_wrong_length_is_a_plugin_error(monkeypatch):
    frame, spec = testing.first_frame("MR_small_RLE.dcm")
    monkeypatch.setattr(rle.utils, "decode_frame", lambda *a: bytearray(100))
    with pytest.raises(PluginError, match="returned 100 bytes, 8192 bytes were expected"):
        DECODER.decode(frame, spec)
    monkeypatch.setattr(rle.utils, "decode_frame", lambda *a: None)
    with pytest.raises(PluginError, match="returned NoneType"):
        DECODER.decode(frame, spec)


def test_frames_too_large_for_pylibjpeg_rle_are_refused_before_it_runs(monkeypatch):
    # pylibjpeg-rle computes the frame length in 32 bits: 65535 x 65535 x 2 bytes would wrap around
    frame, spec = testing.first_frame("MR_small_RLE.dcm")
    monkeypatch.setattr(rle.utils, "decode_frame", _raising(AssertionError("pylibjpeg-rle must not be called")))
    with pytest.raises(UnsupportedPixelDataError, match="4 GiB or more"):
        DECODER.decode(frame, spec.replace(rows=65535, columns=65535))


def test_header_errors_name_what_is_wrong(monkeypatch):
    frame, spec = testing.first_frame("MR_small_RLE.dcm")
    words = list(struct.unpack("<16L", frame[:64]))
    monkeypatch.setattr(rle.utils, "decode_frame", _raising(AssertionError("pylibjpeg-rle must not be called")))
    cases = {
        "gives 16 segments: a frame has 1 to 15": _header([16, *words[1:]]) + frame[64:],
        "gives 1 segment, but the image needs 2": _header([1, 64]) + frame[64:],
        "segment 1 the offset 0": _header([2, 0, words[2]]) + frame[64:],
        "not greater than the offset": _header([2, 64, 64]) + frame[64:],
        "at or beyond the end": _header([2, 64, len(frame) + 100]) + frame[64:],
        "fewer than the 64 bytes of its header": frame[:40],
    }
    for message, data in cases.items():
        with pytest.raises(CorruptPixelDataError, match=message):
            DECODER.decode(data, spec)


# -- the fuzz -------------------------------------------------------------------------------------


def _values(spec: PixelSpec, rng: np.random.Generator) -> np.ndarray:
    """Runs of equal bytes and noise, so that segments hold both kinds of run."""
    arr = rng.integers(0, 4 if rng.random() < 0.5 else 256, spec.frame_shape + (spec.itemsize,), dtype=np.uint8)
    arr[:: 2, : spec.columns // 2] = 0
    return arr.view(spec.dtype).reshape(spec.frame_shape)


def _base_frames() -> list[tuple[bytes, PixelSpec]]:
    rng = np.random.default_rng(2024)
    frames = []
    for bits, samples in [(8, 1), (8, 3), (16, 1), (16, 3), (32, 1), (32, 3), (64, 1)]:
        for rows, cols in [(1, 1), (3, 5), (7, 16), (12, 130)]:
            spec = testing.make_spec(rows, cols, samples, bits)
            frames.append((encoder_dispatcher(RLE_LOSSLESS, "dcmcore").encode(_values(spec, rng), spec), spec))
    for name in ("MR_small_RLE.dcm", "SC_rgb_rle.dcm", "SC_rgb_rle_16bit.dcm", "rtdose_rle_1frame.dcm"):
        frames.append(testing.first_frame(name))
    return frames


def _runs(segment: bytes) -> list[tuple[int, int]]:
    """(position, header byte) of each run of a PackBits segment, as far as it can be read."""
    runs, pos = [], 0
    while pos < len(segment):
        n = segment[pos]
        runs.append((pos, n))
        pos += 1 + (n + 1 if n < 128 else (1 if n > 128 else 0))
    return runs


def _mutate(frame: bytes, spec: PixelSpec, rng: np.random.Generator) -> bytes:
    buf = bytearray(frame)
    kind = int(rng.integers(0, 10))
    nseg = len(parse_rle_header(frame))
    if kind == 0:  # bit flips anywhere, the header included
        for pos in rng.integers(0, len(buf), int(rng.integers(1, 9))):
            buf[pos] ^= 1 << int(rng.integers(0, 8))
    elif kind == 1:  # bytes of the segments changed
        for pos in rng.integers(64, len(buf), int(rng.integers(1, 5))):
            buf[pos] = int(rng.integers(0, 256))
    elif kind == 2:  # truncated
        del buf[int(rng.integers(0, len(buf))) :]
    elif kind == 3:  # a header word changed: the count, an offset, an unused slot
        word = int(rng.integers(0, 16))
        old = struct.unpack_from("<L", buf, 4 * word)[0]
        new = old + int(rng.integers(-3, 4)) if rng.random() < 0.6 else int(rng.integers(0, len(buf) + 8))
        struct.pack_into("<L", buf, 4 * word, max(0, new) & 0xFFFFFFFF)
    elif kind == 4:  # bytes added at the end
        buf += rng.integers(0, 256, int(rng.integers(1, 40)), dtype=np.uint8).tobytes()
    elif kind == 5:  # a byte deleted or inserted in the segments
        pos = int(rng.integers(64, len(buf)))
        if rng.random() < 0.5:
            del buf[pos]
        else:
            buf.insert(pos, int(rng.integers(0, 256)))
    elif kind == 6:  # runs after a complete segment
        k = int(rng.integers(0, nseg))
        extra = bytes([int(rng.integers(129, 256)), int(rng.integers(0, 256))]) * int(rng.integers(1, 4))
        return _with_segment(frame, k, _segment(frame, k) + extra)
    elif kind == 7:  # a run made longer or shorter: overlong, crossing the end, or short by a few bytes
        k = int(rng.integers(0, nseg))
        seg = bytearray(_segment(frame, k))
        runs = [run for run in _runs(bytes(seg)) if run[1] != 128]
        pos, n = runs[-1] if rng.random() < 0.7 else runs[int(rng.integers(0, len(runs)))]
        delta = int(rng.integers(1, 4))
        if n > 128:  # replicate: -N + 1 bytes, longer as n decreases
            seg[pos] = max(129, min(255, n + (delta if rng.random() < 0.3 else -delta)))
        else:  # literal: n + 1 bytes follow; make it claim more
            seg[pos] = min(127, n + delta)
        return _with_segment(frame, k, bytes(seg))
    elif kind == 8:  # garbage after the header
        buf[64:] = rng.integers(0, 256, len(buf) - 64, dtype=np.uint8).tobytes()
    else:  # two segments swapped, or a segment repeated
        if nseg > 1:
            a, b = (int(v) for v in rng.choice(nseg, 2, replace=False))
            seg_a, seg_b = _segment(frame, a), _segment(frame, b)
            return _with_segment(_with_segment(frame, a, seg_b), b, seg_a)
        return _with_segment(frame, 0, _segment(frame, 0) * 2)
    return bytes(buf)


def _cut_short(data: bytes, spec: PixelSpec) -> np.ndarray:
    """pydicom's reading: every segment decoded to its end, then cut to Rows x Columns bytes."""
    npix = spec.rows * spec.columns
    offsets = parse_rle_header(data, spec.samples_per_pixel * spec.itemsize)
    planes = []
    for start, end in zip(offsets, [*offsets[1:], len(data)]):
        segment, out, pos = data[start:end], bytearray(), 0
        while pos < len(segment):
            n = segment[pos]
            if n < 128:
                out += segment[pos + 1 : pos + n + 2]
                pos += n + 2
            elif n > 128:
                out += segment[pos + 1 : pos + 2] * (257 - n)
                pos += 2
            else:
                pos += 1
        assert len(out) >= npix
        planes.append(np.frombuffer(bytes(out[:npix]), np.uint8))
    # segments: sample by sample, most significant byte first
    raw = np.stack(planes).reshape(spec.samples_per_pixel, spec.itemsize, npix)[:, ::-1]
    return raw.transpose(2, 0, 1).copy().view(spec.dtype.newbyteorder("<")).reshape(spec.frame_shape)


def _outcome(data: bytes, spec: PixelSpec):
    try:
        return DECODER.decode(data, spec)[0]
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - a panic escaping is what the fuzz looks for
        return exc


def test_fuzz_mutated_frames_through_the_plugin():
    """Every outcome is an array equal to dcmcore's, or a ValueError; never a panic or another exception."""
    rng = np.random.default_rng(20240531)
    bases = _base_frames()
    seen: dict[str, int] = {}
    for case in range(4000):
        frame, spec = bases[int(rng.integers(0, len(bases)))]
        data = _mutate(frame, spec, rng)
        result = _outcome(data, spec)
        try:
            expected = testing.decode_with("dcmcore", data, spec)
        except CorruptPixelDataError as exc:
            expected = exc
        where = f"case {case}: {spec.rows}x{spec.columns}x{spec.samples_per_pixel} {spec.bits_allocated}-bit, {len(data)} bytes"
        if isinstance(result, np.ndarray):
            if isinstance(expected, np.ndarray):
                np.testing.assert_array_equal(result, expected, err_msg=where)
                seen["array"] = seen.get("array", 0) + 1
            else:
                # pylibjpeg-rle cuts short a run that crosses the end of the last segment it
                # decodes, as pydicom does; dcmcore's decoder raises. Same values as pydicom.
                assert "overruns the segment" in str(expected), (where, expected)
                np.testing.assert_array_equal(result, _cut_short(data, spec), err_msg=where)
                seen["array, cut short"] = seen.get("array, cut short", 0) + 1
            continue
        assert isinstance(result, ValueError), (where, type(result).__mro__, result)
        assert str(result), where
        if isinstance(result, CorruptPixelDataError):
            assert not isinstance(expected, np.ndarray), (where, result)  # corrupt for dcmcore too
            seen["corrupt"] = seen.get("corrupt", 0) + 1
        else:  # refused by pylibjpeg-rle only
            assert isinstance(expected, np.ndarray), (where, result)
            assert "although dcmcore's built-in decoder can" in str(result), (where, result)
            seen["refused"] = seen.get("refused", 0) + 1
        if _is_panic(result.__cause__):
            seen["panic converted"] = seen.get("panic converted", 0) + 1
    # the fuzz reached every kind of outcome, the converted panics included
    assert set(seen) == {"array", "array, cut short", "corrupt", "refused", "panic converted"}, seen
    assert min(seen.values()) >= 10, seen


def test_fuzz_mutated_frames_through_pixel_array():
    """The same through the dispatcher: with dcmcore as the fallback, and with pylibjpeg-rle alone."""
    rng = np.random.default_rng(7)
    ds = testing.read_dataset("MR_small_RLE.dcm")
    frame, spec = testing.first_frame("MR_small_RLE.dcm")
    counts = {"array": 0, "corrupt": 0, "refused": 0}
    for case in range(250):
        data = _mutate(frame, spec, rng)
        ds.PixelData = encapsulate([data])
        try:
            expected = dcmcore.pixel_array(ds, decoding_plugin="dcmcore")
        except CorruptPixelDataError as exc:
            expected = exc
        for preference in ([LABEL, "dcmcore"], LABEL):
            try:
                result = dcmcore.pixel_array(ds, decoding_plugin=preference)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # noqa: BLE001
                result = exc
            where = (case, preference, result)
            if isinstance(result, np.ndarray):
                if isinstance(expected, np.ndarray):
                    np.testing.assert_array_equal(result, expected, err_msg=str(where))
                else:  # cut short, as pydicom with the same codec reads it
                    assert "overruns the segment" in str(expected), where
                    np.testing.assert_array_equal(result, _cut_short(data, spec), err_msg=str(where))
                counts["array"] += 1
            elif isinstance(result, CorruptPixelDataError):
                assert not isinstance(expected, np.ndarray), where
                counts["corrupt"] += 1
            else:
                # only pylibjpeg-rle refuses it: with no other plugin, the dispatcher says so
                assert preference == LABEL and isinstance(result, PluginError), where
                assert isinstance(result.__cause__, ValueError) and isinstance(expected, np.ndarray), where
                counts["refused"] += 1
    assert min(counts.values()) >= 5, counts
