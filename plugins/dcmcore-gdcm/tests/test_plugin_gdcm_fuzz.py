"""dcmcore-gdcm on mutated frames: JPEG, JPEG-LS, JPEG 2000 and RLE, seeded.

The outcome of every mutated frame must be an array of the frame's shape or an
``Exception`` with a message: never an abort, a crash or a hang. GDCM may
decode a corrupt JPEG-family frame to some pixels (there is no oracle for
those values); RLE frames that decode must equal dcmcore's own decoder.

GDCM ends the process on some inputs (an uncaught C++ exception when libjpeg
warns while it reads a JPEG header), so the fuzz runs in a child process; if
the child dies, the test fails and names the file, the case and where the
input that killed it was saved. The inputs found that way are refused before
GDCM sees them; the tests after the fuzz pin each of them, in this process,
with GDCM replaced by a function that fails the test if it is reached.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")
gdcm = pytest.importorskip("gdcm")

from dcmcore import PixelSpec  # noqa: E402
from dcmcore.errors import CorruptPixelDataError, UnsupportedPixelDataError  # noqa: E402
from dcmcore.plugins import testing  # noqa: E402
from dcmcore_gdcm import DECODER  # noqa: E402


_FUZZ_SCRIPT = r'''
import json, sys, warnings
from pathlib import Path
import numpy as np
warnings.simplefilter("ignore")
from dcmcore.errors import CorruptPixelDataError
from dcmcore.plugins import testing
from dcmcore_gdcm import DECODER

workdir, count, seed, names = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]

def header_segments(frame):
    """(start, end) of the marker segments of a JPEG header or a JPEG 2000 main header, or RLE's header."""
    out = []
    if frame[:2] == b"\xff\xd8":
        pos = 2
        while pos + 4 <= len(frame) and frame[pos] == 0xFF:
            marker, length = frame[pos + 1], (frame[pos + 2] << 8) | frame[pos + 3]
            out.append((pos, pos + 2 + length))
            pos += 2 + length
            if marker == 0xDA:  # the first scan
                break
    elif b"\xff\x4f\xff\x51" in frame[:200]:
        pos = frame.find(b"\xff\x4f\xff\x51") + 2
        while pos + 4 <= len(frame) and frame[pos] == 0xFF and frame[pos + 1] != 0x90:
            length = (frame[pos + 2] << 8) | frame[pos + 3]
            out.append((pos, pos + 2 + length))
            pos += 2 + length
    return out or [(0, 64)]

def mutate(frame, segments, rng):
    buf = bytearray(frame)
    kind = int(rng.integers(0, 12))
    start, end = segments[int(rng.integers(0, len(segments)))]
    if kind == 0:  # bit flips anywhere
        for pos in rng.integers(0, len(buf), int(rng.integers(1, 9))):
            buf[pos] ^= 1 << int(rng.integers(0, 8))
    elif kind == 1:  # bytes changed anywhere
        for pos in rng.integers(0, len(buf), int(rng.integers(1, 5))):
            buf[pos] = int(rng.integers(0, 256))
    elif kind == 2:  # truncated
        del buf[int(rng.integers(0, len(buf))):]
    elif kind == 3:  # bytes deleted or inserted
        pos = int(rng.integers(0, len(buf)))
        if rng.random() < 0.5:
            del buf[pos:pos + int(rng.integers(1, 20))]
        else:
            buf[pos:pos] = rng.integers(0, 256, int(rng.integers(1, 20)), dtype=np.uint8).tobytes()
    elif kind == 4:  # garbage appended
        buf += rng.integers(0, 256, int(rng.integers(1, 100)), dtype=np.uint8).tobytes()
    elif kind == 5:  # FF bytes (marker-like) written
        for pos in rng.integers(0, len(buf), int(rng.integers(1, 4))):
            buf[pos] = 0xFF
    elif kind == 6:  # a byte of a header segment
        buf[int(rng.integers(start + 2 if end - start > 2 else start, end))] = int(rng.integers(0, 256))
    elif kind == 7:  # a header segment's length field
        length = (((buf[start + 2] << 8) | buf[start + 3]) + int(rng.integers(-4, 5))) & 0xFFFF
        buf[start + 2:start + 4] = length.to_bytes(2, "big")
    elif kind == 8:  # junk between header segments
        buf[end:end] = rng.integers(0, 256, int(rng.integers(1, 4)), dtype=np.uint8).tobytes()
    elif kind == 9:  # a header segment removed or repeated
        if rng.random() < 0.5:
            del buf[start:end]
        else:
            buf[end:end] = buf[start:end]
    elif kind == 10:  # JFIF version / Adobe transform / SOF fields
        for key, off in ((b"JFIF\x00", 5), (b"Adobe", 11), (b"\xff\xc0", 4), (b"\xff\xc3", 4), (b"\xff\xf7", 4), (b"\xff\x51", 6)):
            i = buf.find(key)
            if i >= 0 and rng.random() < 0.5:
                buf[min(i + off + int(rng.integers(0, 3)), len(buf) - 1)] = int(rng.integers(0, 256))
    else:  # the header kept, the rest random
        keep = segments[-1][1]
        buf[keep:] = rng.integers(0, 256, max(0, len(buf) - keep), dtype=np.uint8).tobytes()
    return bytes(buf)

progress = workdir / "progress.txt"
results = {}
for name in names:
    frame, spec = testing.first_frame(name)
    segments = header_segments(frame)
    rng = np.random.default_rng([seed, len(frame)])
    counts, bad = {}, []
    for case in range(count):
        data = mutate(frame, segments, rng)
        (workdir / "input.bin").write_bytes(data)
        progress.write_text(f"{name} {case}")
        try:
            arr, produced = DECODER.decode(data, spec)
        except Exception as exc:
            key = "refused" if isinstance(exc, CorruptPixelDataError) else type(exc).__name__
            counts[key] = counts.get(key, 0) + 1
            if not str(exc).strip():
                bad.append([case, f"{type(exc).__name__} without a message"])
            continue
        except BaseException as exc:
            bad.append([case, f"{type(exc).__name__} is not an Exception: {exc}"])
            continue
        counts["decoded"] = counts.get("decoded", 0) + 1
        if arr.shape != spec.frame_shape:
            bad.append([case, f"decoded to the shape {arr.shape}, not {spec.frame_shape}"])
        if str(spec.transfer_syntax_uid) == "1.2.840.10008.1.2.5":
            if not np.array_equal(arr, testing.decode_with("dcmcore", data, spec)):
                bad.append([case, "RLE decoded to other values than dcmcore's decoder"])
    results[name] = {"counts": counts, "bad": bad}
progress.write_text("done")
print(json.dumps(results))
'''

FUZZ_FILES = [
    "SC_rgb_jpeg_dcmtk.dcm",  # JPEG Baseline, YCbCr, JFIF
    "SC_rgb_jpeg_app14_dcmd.dcm",  # JPEG Baseline, RGB, Adobe APP14
    "JPGExtended.dcm",  # JPEG Extended, 12-bit
    "SC_rgb_jpeg_gdcm.dcm",  # JPEG Lossless SV1, colour
    "MR_small_jpeg_ls_lossless.dcm",  # JPEG-LS Lossless
    "SC_rgb_jls_lossy_line.dcm",  # JPEG-LS Near-Lossless, colour
    "MR_small_jp2klossless.dcm",  # JPEG 2000 Lossless
    "SC_rgb_gdcm_KY.dcm",  # JPEG 2000, colour
    "MR_small_RLE.dcm",  # RLE Lossless, 16-bit
    "SC_rgb_rle.dcm",  # RLE Lossless, 8-bit colour
]
CASES_PER_FILE = 300


def test_fuzz_mutated_frames_never_crash_gdcm(tmp_path):
    try:
        run = subprocess.run(
            [sys.executable, "-c", _FUZZ_SCRIPT, str(tmp_path), str(CASES_PER_FILE), "20240601", *FUZZ_FILES],
            capture_output=True,
            text=True,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        where = (tmp_path / "progress.txt").read_text() if (tmp_path / "progress.txt").exists() else "?"
        pytest.fail(f"GDCM hung on {where} (input: {tmp_path / 'input.bin'})")
    if run.returncode != 0:
        where = (tmp_path / "progress.txt").read_text() if (tmp_path / "progress.txt").exists() else "?"
        pytest.fail(
            f"The child process died (code {run.returncode}) on {where}; the input is {tmp_path / 'input.bin'}. "
            f"stderr: {run.stderr[-1500:]}"
        )
    results = json.loads(run.stdout)
    assert set(results) == set(FUZZ_FILES)
    for name, result in results.items():
        assert not result["bad"], (name, result["bad"][:5])
        counts = result["counts"]
        assert sum(counts.values()) == CASES_PER_FILE, (name, counts)
        # the mutations reach GDCM's decoders, and also the checks before it
        assert counts.get("decoded", 0) >= 10 and counts.get("refused", 0) >= 5, (name, counts)


# -- what made GDCM abort the process, refused before GDCM sees it ---------------------------------
def _first_frame(name: str) -> tuple[bytearray, PixelSpec]:
    frame, spec = testing.first_frame(name)
    return bytearray(frame), spec  # to be mutated


@pytest.fixture
def gdcm_must_not_run(monkeypatch):
    def reached(*args, **kwargs):
        raise AssertionError("this frame reached GDCM, which aborts the process on it")

    monkeypatch.setattr(gdcm, "Image", reached)  # python-gdcm's image, which the plugin decodes through


def test_a_jfif_major_version_other_than_1_is_refused(gdcm_must_not_run):
    frame, spec = _first_frame("SC_rgb_jpeg_dcmtk.dcm")
    frame[frame.find(b"JFIF\0") + 5] = 2  # version 2.01: libjpeg warns, GDCM aborts
    with pytest.raises(UnsupportedPixelDataError, match=r"JFIF segment has the version 2\.01.*aborts"):
        DECODER.decode(bytes(frame), spec)


@pytest.mark.parametrize("transform", [2, 7, 255])
def test_an_unknown_adobe_transform_is_refused(gdcm_must_not_run, transform):
    frame, spec = _first_frame("SC_rgb_jpeg_app14_dcmd.dcm")
    frame[frame.find(b"Adobe") + 11] = transform
    with pytest.raises(UnsupportedPixelDataError, match=f"unknown colour transform {transform}"):
        DECODER.decode(bytes(frame), spec)


@pytest.mark.parametrize("junk", [b"\x12", b"\x00\x00\x00", b"\xff\x00"])
def test_bytes_between_header_segments_after_the_frame_header_are_corrupt(gdcm_must_not_run, junk):
    frame, spec = _first_frame("SC_rgb_jpeg_dcmtk.dcm")
    dht = frame.find(b"\xff\xc4")  # after SOF in this file
    assert dht > frame.find(b"\xff\xc0")
    frame[dht:dht] = junk
    with pytest.raises(CorruptPixelDataError, match=f"at offset {dht}"):
        DECODER.decode(bytes(frame), spec)


def test_a_header_without_a_scan_or_with_two_frame_headers_is_corrupt(gdcm_must_not_run):
    frame, spec = _first_frame("SC_rgb_jpeg_dcmtk.dcm")
    sos = frame.find(b"\xff\xda")
    with pytest.raises(CorruptPixelDataError, match="before its first scan"):
        DECODER.decode(bytes(frame[:sos]), spec)
    sof = frame.find(b"\xff\xc0")
    length = int.from_bytes(frame[sof + 2 : sof + 4], "big")
    twice = frame[: sof + 2 + length] + frame[sof : sof + 2 + length] + frame[sof + 2 + length :]
    with pytest.raises(CorruptPixelDataError, match="second frame header"):
        DECODER.decode(bytes(twice), spec)


def test_valid_headers_still_decode():
    for name in ("SC_rgb_jpeg_dcmtk.dcm", "SC_rgb_jpeg_app14_dcmd.dcm", "JPGExtended.dcm", "SC_rgb_jls_lossy_line.dcm"):
        frame, spec = _first_frame(name)
        arr, _ = DECODER.decode(bytes(frame), spec)
        assert arr.shape == spec.frame_shape and np.any(arr)


def test_a_precision_its_jpeg_process_does_not_allow_is_corrupt(gdcm_must_not_run):
    frame, spec = _first_frame("SC_rgb_jpeg_dcmtk.dcm")  # baseline (SOF0): 8 bits
    sof = frame.find(b"\xff\xc0")
    frame[sof + 4] = 7
    with pytest.raises(CorruptPixelDataError, match=r"SOF FF C0, DCT-based\) gives a sample precision of 7 bits"):
        DECODER.decode(bytes(frame), spec)


_LOW_PRECISION_SCRIPT = r'''
import sys, warnings
import numpy as np
import imagecodecs
import dcmcore
from dcmcore.plugins import testing
warnings.simplefilter("ignore")
bits, samples = int(sys.argv[1]), int(sys.argv[2])
spec = testing.make_spec(20, 30, samples, 8, uid="1.2.840.10008.1.2.4.70").replace(bits_stored=bits)
values = np.random.default_rng(bits).integers(0, 1 << bits, spec.frame_shape, dtype=np.uint8)
frame = imagecodecs.jpeg8_encode(values, lossless=True, bitspersample=bits)
assert np.array_equal(imagecodecs.jpeg8_decode(frame), values)  # the oracle: libjpeg-turbo's lossless round trip
got = dcmcore.pixel_array(testing.encapsulated_dataset([frame], spec), decoding_plugin="gdcm")
print(np.array_equal(got, values))
'''


@pytest.mark.parametrize("bits, samples", [(7, 3), (4, 1), (2, 1)])
def test_lossless_jpeg_of_fewer_than_8_bits_decodes(bits, samples):
    # GDCM's JPEG codec asserts Bits Stored = Bits Allocated for 8-bit containers and the uncaught exception
    # ended the process (fuzz/regressions/plugin_gdcm/jpeg_uncaught_exception): in a child, in case it comes back
    pytest.importorskip("imagecodecs")
    done = subprocess.run(
        [sys.executable, "-c", _LOW_PRECISION_SCRIPT, str(bits), str(samples)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["True"], done.stderr[-3000:]
