"""dcmcore-imagecodecs on bad input: clear errors, the library not reached where the header says no, never a crash.

- a codestream whose geometry or precision contradicts the data set is
  ``CorruptPixelDataError`` before imagecodecs is called (the codec function
  is replaced by one that fails the test);
- truncated frames (no end marker), empty frames, random bytes and frames of
  another syntax are ``CorruptPixelDataError``;
- a fuzz, in a child process so that a crash fails the test instead of ending
  the run, mutates the codestream bytes *and* the data set's elements (rows,
  columns, samples, bits, signedness, photometric interpretation) and checks
  that every outcome is an array of the frame's shape or an ``Exception``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")
imagecodecs = pytest.importorskip("imagecodecs")

import dcmcore  # noqa: E402
from dcmcore.errors import CorruptPixelDataError, PluginError, UnsupportedPixelDataError  # noqa: E402
from dcmcore.plugins import testing  # noqa: E402
from dcmcore_imagecodecs import DECODER  # noqa: E402

#: One file per codec family, and the imagecodecs function that decodes it.
FILES = {
    "SC_rgb_jpeg_dcmtk.dcm": "jpeg8_decode",
    "JPGExtended.dcm": "jpeg8_decode",
    "JPGLosslessP14SV1_1s_1f_8b.dcm": "jpeg8_decode",
    "emri_small_jpeg_ls_lossless.dcm": "jpegls_decode",
    "MR_small_jp2klossless.dcm": "jpeg2k_decode",
    "US1_J2KR.dcm": "jpeg2k_decode",
}


@pytest.fixture
def no_library(monkeypatch):
    """Every decode function of imagecodecs fails the test if it is reached."""

    def reached(*args, **kwargs):
        raise AssertionError("imagecodecs was called")

    for name in ("jpeg8_decode", "jpegls_decode", "jpeg2k_decode", "htj2k_decode", "jpegxl_decode"):
        monkeypatch.setattr(imagecodecs, name, reached, raising=False)


@pytest.mark.parametrize("name", sorted(FILES))
@pytest.mark.parametrize(
    "change, message",
    [
        (dict(rows=1), "'Rows'"),
        (dict(columns=7), "'Columns'"),
        (dict(rows=4096, columns=4096), "'Rows'"),
    ],
    ids=["rows", "columns", "huge"],
)
def test_geometry_mismatch_is_refused_before_the_library(name, change, message, no_library):
    frame, spec = testing.first_frame(name)
    with pytest.raises(CorruptPixelDataError, match=re.escape(message)):
        DECODER.decode(frame, spec.replace(**change))


@pytest.mark.parametrize("name", ["MR_small_jp2klossless.dcm", "JPEG-LL.dcm", "MR_small_jpeg_ls_lossless.dcm"])
def test_precision_beyond_bits_allocated_is_refused(name, no_library):
    frame, spec = testing.first_frame(name)  # 16-bit samples
    with pytest.raises(CorruptPixelDataError, match="more than the \\(0028,0100\\) 'Bits Allocated' value of 8"):
        DECODER.decode(frame, spec.replace(bits_allocated=8, bits_stored=8))


@pytest.mark.parametrize("name", sorted(FILES))
def test_samples_mismatch_is_refused(name, no_library):
    frame, spec = testing.first_frame(name)
    other = dict(samples_per_pixel=1, photometric_interpretation="MONOCHROME2")
    if spec.samples_per_pixel == 1:
        other = dict(samples_per_pixel=3, photometric_interpretation="RGB", planar_configuration=0)
    with pytest.raises(CorruptPixelDataError, match="'Samples per Pixel'"):
        DECODER.decode(frame, spec.replace(**other))


@pytest.mark.parametrize("name", sorted(FILES))
@pytest.mark.parametrize("keep", [0.3, 0.9, 0.999])
def test_truncated_frames_are_corrupt(name, keep):
    frame, spec = testing.first_frame(name)
    cut = frame[: max(4, int(len(frame) * keep)) & ~1]
    with pytest.raises(CorruptPixelDataError):
        DECODER.decode(cut, spec)


@pytest.mark.parametrize("name", sorted(FILES))
@pytest.mark.parametrize("frame", [b"", b"\x00" * 64, bytes(np.random.default_rng(3).integers(0, 256, 4000, np.uint8))])
def test_empty_and_random_bytes_are_corrupt(name, frame, no_library):
    _, spec = testing.first_frame(name)
    with pytest.raises(CorruptPixelDataError):
        DECODER.decode(frame, spec)


def test_a_frame_of_the_other_jpeg_syntax_is_corrupt(no_library):
    jls, spec = testing.first_frame("emri_small_jpeg_ls_lossless.dcm")
    with pytest.raises(CorruptPixelDataError, match="JPEG-LS codestream .SOF55., not JPEG"):
        DECODER.decode(jls, spec.replace(transfer_syntax_uid="1.2.840.10008.1.2.4.70"))
    jpeg, spec = testing.first_frame("JPEG-LL.dcm")
    with pytest.raises(CorruptPixelDataError, match="not JPEG-LS"):
        DECODER.decode(jpeg, spec.replace(transfer_syntax_uid="1.2.840.10008.1.2.4.80"))


def test_jpeg_xl_frames_that_do_not_fit_are_corrupt():
    spec = testing.make_spec(16, 24, 1, 8, uid="1.2.840.10008.1.2.4.110")
    frame = bytes(imagecodecs.jpegxl_encode(np.zeros((16, 24), np.uint8), lossless=True))
    with pytest.raises(CorruptPixelDataError, match="decodes to \\(16, 24\\)"):
        DECODER.decode(frame, spec.replace(rows=24, columns=16))
    with pytest.raises((CorruptPixelDataError, ValueError)):
        DECODER.decode(frame[: len(frame) // 2], spec)


def test_a_library_failure_falls_back_and_names_the_plugin(monkeypatch):
    ds = testing.read_dataset("MR_small_jp2klossless.dcm")

    def failing(*args, **kwargs):
        raise imagecodecs.Jpeg2kError("opj_decode failed")

    monkeypatch.setattr(imagecodecs, "jpeg2k_decode", failing)
    with pytest.raises(PluginError, match="imagecodecs.*opj_decode failed"):
        dcmcore.pixel_array(ds, decoding_plugin="imagecodecs")
    expected = dcmcore.pixel_array(ds, decoding_plugin="gdcm")
    np.testing.assert_array_equal(dcmcore.pixel_array(ds, decoding_plugin=["imagecodecs", "gdcm"]), expected)


def test_a_dnl_jpeg_is_unsupported(no_library):
    frame, spec = testing.first_frame("JPGLosslessP14SV1_1s_1f_8b.dcm")
    sof = frame.find(b"\xff\xc3")
    patched = frame[: sof + 5] + b"\x00\x00" + frame[sof + 7 :]  # number of lines: 0, given later by DNL
    with pytest.raises(UnsupportedPixelDataError, match="DNL"):
        DECODER.decode(patched, spec)


_FUZZ = r"""
import sys, warnings
import numpy as np
warnings.simplefilter("ignore")
import imagecodecs
from dcmcore.plugins import testing
from dcmcore_imagecodecs import DECODER

rng = np.random.default_rng(int(sys.argv[1]))
count = int(sys.argv[2])
sources = []
for name in sys.argv[3:]:
    sources.append(testing.first_frame(name))
spec = testing.make_spec(24, 40, 1, 16, uid="1.2.840.10008.1.2.4.201")
ramp = (np.arange(24 * 40, dtype=np.uint16).reshape(24, 40) * 3)
if hasattr(imagecodecs, "htj2k_encode"):
    sources.append((bytes(imagecodecs.htj2k_encode(ramp, reversible=True)), spec))
spec = testing.make_spec(24, 40, 3, 8, uid="1.2.840.10008.1.2.4.110")
sources.append((bytes(imagecodecs.jpegxl_encode(np.dstack([ramp.astype(np.uint8)] * 3), lossless=True)), spec))

CHANGES = [
    {}, {}, {}, {"rows": 2}, {"columns": 1}, {"bits_allocated": 8, "bits_stored": 8}, {"pixel_representation": 1},
    {"pixel_representation": 0}, {"bits_stored": 5}, {"photometric_interpretation": "RGB"},
    {"photometric_interpretation": "YBR_FULL"}, {"photometric_interpretation": "MONOCHROME1"},
]
outcomes = {}
for i in range(count):
    frame, spec = sources[i % len(sources)]
    buf = bytearray(frame)
    kind = int(rng.integers(0, 5))
    if kind == 0:
        for pos in rng.integers(0, len(buf), int(rng.integers(1, 8))):
            buf[pos] ^= 1 << int(rng.integers(0, 8))
    elif kind == 1:  # in the header
        for pos in rng.integers(0, min(len(buf), 200), int(rng.integers(1, 4))):
            buf[pos] = int(rng.integers(0, 256))
    elif kind == 2:
        del buf[int(rng.integers(0, len(buf))):]
    elif kind == 3:
        pos = int(rng.integers(0, len(buf)))
        buf[pos:pos] = bytes(rng.integers(0, 256, int(rng.integers(1, 30)), np.uint8))
    change = CHANGES[int(rng.integers(0, len(CHANGES)))]
    try:
        spec2 = spec.replace(**change)
        if spec2.bits_stored > spec2.bits_allocated:
            spec2 = spec2.replace(bits_stored=spec2.bits_allocated)
    except Exception:
        spec2 = spec
    try:
        arr, produced = DECODER.decode(bytes(buf), spec2)
        assert arr.shape == spec2.frame_shape, (arr.shape, spec2.frame_shape)
        outcome = "decoded"
    except AssertionError:
        raise
    except Exception as exc:
        assert str(exc), repr(exc)
        outcome = type(exc).__name__
    outcomes[outcome] = outcomes.get(outcome, 0) + 1
print(outcomes)
"""


def test_fuzzed_frames_and_elements_never_crash():
    names = sorted(FILES)
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_FUZZ), "20261203", "1200", *names],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"the fuzz child ended with {result.returncode}: {result.stderr[-2000:]}"
    assert "decoded" in result.stdout and "CorruptPixelDataError" in result.stdout, result.stdout


def test_a_truncated_frame_is_corrupt_before_its_precision_is_looked_at():
    """No end marker is final (CorruptPixelDataError), even where the SOF's 33-bit samples are not decodable here."""
    from dcmcore import PixelSpec
    from pydicom.uid import JPEGExtended12Bit

    sof = bytes([0xFF, 0xC1, 0, 11, 33, 0, 4, 0, 4, 1, 1, 0x11, 0])
    sos = bytes([0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0])
    frame = b"\xff\xd8" + sof + sos + b"\x12\x34" * 10  # no FF D9
    spec = PixelSpec(
        rows=4, columns=4, samples_per_pixel=1, bits_allocated=64, bits_stored=33, pixel_representation=0,
        photometric_interpretation="MONOCHROME2", transfer_syntax_uid=JPEGExtended12Bit,
    )  # fmt: skip
    for _ in range(2):  # the second time from the plan cache
        with pytest.raises(CorruptPixelDataError, match="does not end with its end marker"):
            DECODER.decode(frame, spec)
