"""dcmcore-gdcm on bad input, the fallback to other plugins, and the RLE encoder.

GDCM trusts the geometry it is given and can abort the process on an internal
assertion, so the cases that reach GDCM with bad input run in a child process:
a crash fails the test instead of ending the test run. Oracles for the encoder:
dcmcore's own RLE decoder and pydicom's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")
gdcm = pytest.importorskip("gdcm")

import dcmcore  # noqa: E402
import dcmcore.plugins as plugins  # noqa: E402
from dcmcore.errors import CorruptPixelDataError, PluginError, UnsupportedPixelDataError  # noqa: E402
from dcmcore.plugins import encoder_dispatcher, testing  # noqa: E402
from dcmcore_gdcm import DECODER, ENCODER  # noqa: E402
from dcmcore.plugins.codestream import parse_j2k, parse_jpeg  # noqa: E402
from pydicom.encaps import encapsulate, generate_frames  # noqa: E402
from pydicom.pixels import pixel_array as pydicom_array  # noqa: E402


RLE = "1.2.840.10008.1.2.5"


# -- bad input, in a child process ---------------------------------------------------------------
#: What both child scripts start with: outcome() is the decoded shape (or values), or the exception.
_CHILD_PRELUDE = '''
import json, struct, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
from dcmcore.plugins import testing
from dcmcore_gdcm import DECODER

def outcome(src, spec, values=False):
    try:
        arr, produced = DECODER.decode(src, spec)
    except Exception as exc:
        return [type(exc).__name__, str(exc)]
    return ["decoded", arr.tobytes().hex() if values else list(arr.shape)]
'''

_BAD_INPUT_SCRIPT = _CHILD_PRELUDE + '''

results = {}
for name in sys.argv[1:]:
    frame, spec = testing.first_frame(name)
    cases = {
        "empty": (b"", spec),
        "garbage": (bytes(range(256)) * 4, spec),
        "rows+1": (frame, spec.replace(rows=spec.rows + 1)),
        "rows-1": (frame, spec.replace(rows=spec.rows - 1)),
        "columns+3": (frame, spec.replace(columns=spec.columns + 3)),
        "samples": (frame, spec.replace(samples_per_pixel=4 - spec.samples_per_pixel,
                                        photometric_interpretation="MONOCHROME2" if spec.samples_per_pixel == 3 else "RGB")),
    }
    for cut in (2, 20, len(frame) // 10, len(frame) // 2, len(frame) - 40):
        cases[f"cut{cut}"] = (frame[:cut], spec)
    rng = np.random.default_rng(len(frame))
    for k in range(20):  # random byte changes after the headers
        buf = bytearray(frame)
        for pos in rng.integers(min(400, len(buf) // 2), len(buf) - 2, 8):
            buf[pos] = int(rng.integers(0, 256))
        cases[f"fuzz{k}"] = (bytes(buf), spec)
    results[name] = {case: outcome(*args) for case, args in cases.items()}
print(json.dumps(results))
'''

BAD_INPUT_FILES = [
    "SC_rgb_jpeg_dcmtk.dcm",  # JPEG Baseline, YCbCr
    "JPGExtended.dcm",  # JPEG Extended, 12-bit
    "JPEG-LL.dcm",  # JPEG Lossless SV1, signed 16-bit
    "MR_small_jpeg_ls_lossless.dcm",  # JPEG-LS Lossless
    "SC_rgb_jls_lossy_line.dcm",  # JPEG-LS Near-Lossless, colour
    "MR_small_jp2klossless.dcm",  # JPEG 2000 Lossless
    "US1_J2KI.dcm",  # JPEG 2000, YBR_ICT
    "GDCMJ2K_TextGBR.dcm",  # JPEG 2000 in a JP2 file
    "MR_small_RLE.dcm",  # RLE Lossless
]


@pytest.fixture(scope="module")
def bad_input_outcomes():
    run = subprocess.run(
        [sys.executable, "-c", _BAD_INPUT_SCRIPT, *BAD_INPUT_FILES], capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, f"the child process died (GDCM crash?): {run.stderr[-2000:]}"
    return json.loads(run.stdout)


@pytest.mark.parametrize("name", BAD_INPUT_FILES)
def test_bad_input_raises_clearly(bad_input_outcomes, name):
    outcomes = bad_input_outcomes[name]
    corrupt_or_failed = {"CorruptPixelDataError"}
    for case in ("empty", "garbage"):
        kind, message = outcomes[case]
        assert kind == "CorruptPixelDataError", (case, outcomes[case])
        assert any(word in message for word in ("SOI", "SOC", "RLE")), message
    for case in ("rows+1", "rows-1", "columns+3", "samples"):
        kind, message = outcomes[case]
        if name.endswith("RLE.dcm"):
            # An RLE frame holds no geometry. Segments too short for the image fail; like
            # pydicom and pylibjpeg-rle, GDCM keeps the first Rows x Columns bytes of
            # segments that decode to more (fewer rows than the data holds).
            allowed = corrupt_or_failed | ({"decoded"} if case == "rows-1" else set())
            if case == "samples":  # 16-bit colour RLE: refused before GDCM sees it
                allowed = {"UnsupportedPixelDataError"}
            assert kind in allowed, (case, outcomes[case])
        else:
            assert kind == "CorruptPixelDataError", (case, outcomes[case])
            assert "(0028,0010) 'Rows'" in message and "codestream holds" in message, message
    syntax = testing.first_frame(name)[1].transfer_syntax_uid
    for case, (kind, message) in outcomes.items():
        if case.startswith("cut"):
            assert kind in corrupt_or_failed, (case, kind, message)
            if message.startswith("GDCM could not decode"):  # past the header checks: GDCM's own failure
                assert f"({syntax}) frame as" in message and "corrupt or truncated" in message, message
        elif case.startswith("fuzz"):
            # changed entropy-coded bytes may still decode (to other values): no crash is the point
            assert kind in corrupt_or_failed | {"decoded"}, (case, kind, message)
            if kind == "decoded":
                assert message[:2] == [*testing.first_frame(name)[1].frame_shape][:2]


def test_precision_wider_than_bits_allocated():
    frame, spec = testing.first_frame("JPEG-LL.dcm")  # 16-bit samples
    with pytest.raises(CorruptPixelDataError, match=r"16-bit samples, more than the \(0028,0100\) 'Bits Allocated' value of 8"):
        DECODER.decode(frame, spec.replace(bits_allocated=8, bits_stored=8))


def test_codestream_of_the_wrong_syntax():
    jls, spec = testing.first_frame("MR_small_jpeg_ls_lossless.dcm")
    with pytest.raises(CorruptPixelDataError, match="is a JPEG-LS codestream"):
        DECODER.decode(jls, spec.replace(transfer_syntax_uid="1.2.840.10008.1.2.4.70"))
    jpeg, spec = testing.first_frame("JPEG-LL.dcm")
    with pytest.raises(CorruptPixelDataError, match="not JPEG-LS"):
        DECODER.decode(jpeg, spec.replace(transfer_syntax_uid="1.2.840.10008.1.2.4.80"))
    with pytest.raises(CorruptPixelDataError, match="SOC and SIZ"):
        DECODER.decode(jpeg, spec.replace(transfer_syntax_uid="1.2.840.10008.1.2.4.90"))


def test_refusals_where_gdcm_is_wrong_or_aborts():
    jls, spec = testing.first_frame("emri_small_jpeg_ls_lossless.dcm")
    with pytest.raises(UnsupportedPixelDataError, match="6 or 7 bits"):
        DECODER.decode(jls, spec.replace(bits_stored=7))
    near, spec = testing.first_frame("JPEGLSNearLossless_08.dcm")
    with pytest.raises(UnsupportedPixelDataError, match="Signed near-lossless JPEG-LS"):
        DECODER.decode(near, spec.replace(bits_stored=5, pixel_representation=1))
    frame, spec = testing.first_frame("rtdose_rle_1frame.dcm")
    with pytest.raises(UnsupportedPixelDataError, match="8, 16 or 32 bits"):
        DECODER.decode(frame, spec.replace(bits_allocated=64, bits_stored=64))
    frame, spec = testing.first_frame("SC_rgb_rle_16bit.dcm")
    with pytest.raises(UnsupportedPixelDataError, match="differently from PS3.5 G.2"):
        DECODER.decode(frame, spec)
    with pytest.raises(UnsupportedPixelDataError, match="does not decode the transfer syntax"):
        DECODER.decode(frame, spec.replace(transfer_syntax_uid="1.2.840.10008.1.2.4.201"))


def test_rle_header_checked_before_gdcm():
    frame, spec = testing.first_frame("MR_small_RLE.dcm")
    bad = (3).to_bytes(4, "little") + frame[4:]
    with pytest.raises(CorruptPixelDataError, match="gives 3 segments, but the image needs 2"):
        DECODER.decode(bad, spec)


@pytest.mark.parametrize("name", ["SC_rgb_jpeg_dcmtk.dcm", "MR_small_jpeg_ls_lossless.dcm", "US1_J2KR.dcm", "GDCMJ2K_TextGBR.dcm"])
def test_codestream_parser_is_bounded(name):
    frame, _ = testing.first_frame(name)
    parse = parse_j2k if name.endswith(("J2KR.dcm", "TextGBR.dcm")) else parse_jpeg
    full = parse(frame)
    for cut in range(0, min(len(frame), 1200)):
        try:
            info = parse(frame[:cut])
        except CorruptPixelDataError:
            continue
        assert info == full  # only once the whole header is there
    rng = np.random.default_rng(7)
    for _ in range(300):
        buf = bytearray(frame[:1200])
        for pos in rng.integers(0, len(buf), 3):
            buf[pos] = int(rng.integers(0, 256))
        try:
            parse(bytes(buf))
        except CorruptPixelDataError:
            pass


# -- fallback -----------------------------------------------------------------------------------
def test_a_failing_gdcm_falls_back_to_the_next_plugin(monkeypatch):
    ds = testing.read_dataset("emri_small_RLE.dcm")
    calls = []

    def broken(src, spec, **kwargs):
        calls.append(len(src))
        raise RuntimeError("forced failure")

    monkeypatch.setattr(DECODER, "decode", broken)
    arr = dcmcore.pixel_array(ds, decoding_plugin=["gdcm", "dcmcore"])
    np.testing.assert_array_equal(arr, pydicom_array(ds))
    # tried on the first frame; the dispatcher then starts with the plugin that worked
    assert len(calls) == 1


def test_when_gdcm_is_the_only_plugin_its_failure_is_named(monkeypatch):
    ds = testing.read_dataset("SC_rgb_jpeg_dcmtk.dcm")
    monkeypatch.setattr(DECODER, "decode", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("forced failure")))
    with pytest.raises(PluginError, match=r"Every plugin failed to decode JPEG Baseline.*'gdcm': RuntimeError: forced failure"):
        dcmcore.pixel_array(ds, decoding_plugin="gdcm")  # the only one, whatever else is installed


def test_corrupt_data_found_by_gdcm_is_final(monkeypatch):
    ds = testing.read_dataset("MR_small_RLE.dcm")
    frame = next(generate_frames(ds.PixelData, number_of_frames=1))
    ds.PixelData = encapsulate([(3).to_bytes(4, "little") + frame[4:]])
    called = []
    builtin = next(i.plugin for i in plugins.decoders(RLE) if i.builtin)
    monkeypatch.setattr(builtin, "decode", lambda *a, **k: called.append(1))
    with pytest.raises(CorruptPixelDataError, match="segments"):
        dcmcore.pixel_array(ds, decoding_plugin=["gdcm", "dcmcore"])
    assert not called  # another, more lenient decoder is not tried


# -- the RLE encoder ------------------------------------------------------------------------------


ENCODE_SHAPES = [(2, 3), (10, 10), (37, 64), (64, 129), (100, 100)]


@pytest.mark.parametrize("bits, samples, signed", [(8, 1, 0), (8, 3, 0), (16, 1, 0), (16, 1, 1), (16, 3, 0), (32, 1, 1), (32, 3, 0)])
def test_rle_encoder_decodes_equal(bits, samples, signed):
    for k, (rows, cols) in enumerate(ENCODE_SHAPES):
        if bits == 8 and rows * cols % 2:
            continue  # refused: see test_rle_encoder_refusals
        spec = testing.make_spec(rows, cols, samples, bits, signed=signed)
        values = testing.encoder_values(spec, seed=k)
        frame = ENCODER.encode(values, spec)
        assert len(plugins.parse_rle_header(frame)) == samples * bits // 8
        np.testing.assert_array_equal(testing.decode_with("dcmcore", frame, spec), values, err_msg=str((rows, cols)))
        np.testing.assert_array_equal(pydicom_array(testing.encapsulated_dataset([frame], spec), decoding_plugin="pydicom", raw=True), values, err_msg=str((rows, cols)))


def test_rle_encoder_inputs():
    spec = testing.make_spec(20, 30, 3, 16)
    testing.check_encoder_input_forms(ENCODER, testing.encoder_values(spec, seed=3), spec)


def test_rle_encoder_refusals():
    spec = testing.make_spec(5, 7, 1, 8)  # 8-bit, odd number of pixels: GDCM writes invalid data or aborts
    with pytest.raises(UnsupportedPixelDataError, match="odd number of pixels"):
        ENCODER.encode(np.zeros(spec.frame_shape, np.uint8), spec)
    spec64 = testing.make_spec(4, 4, 1, 64)
    with pytest.raises(UnsupportedPixelDataError, match="8, 16 or 32 bits"):
        ENCODER.encode(np.zeros(spec64.frame_shape, np.uint64), spec64)
    testing.check_encoder_rejects_misfits(ENCODER, testing.make_spec(4, 4, 1, 16))


def test_encoder_dispatcher_falls_back_from_gdcm():
    spec = testing.make_spec(5, 7, 1, 8)
    values = testing.encoder_values(spec, seed=1)
    encoded = encoder_dispatcher(RLE, ["gdcm", "dcmcore"]).encode(values, spec)
    np.testing.assert_array_equal(testing.decode_with("dcmcore", encoded, spec), values)


_UNDECODABLE_SCRIPT = r'''
import sys, warnings
warnings.simplefilter("ignore")
import dcmcore
from dcmcore.plugins import testing
from dcmcore_gdcm import DECODER
for name in sys.argv[1:]:
    frame, spec = testing.first_frame(name)
    cut = frame[: len(frame) // 2]  # the header intact, the coded data cut in half
    for call in (lambda: DECODER.decode(cut, spec),
                 lambda: dcmcore.pixel_array(testing.encapsulated_dataset([cut], spec), decoding_plugin="gdcm")):
        try:
            call()
            print("decoded")
        except Exception as exc:
            print(type(exc).__name__, "|", exc)
'''


def test_a_frame_gdcm_cannot_decode_is_corrupt_naming_the_syntax():
    """GDCM's failure past the header checks is a CorruptPixelDataError (final: no plugin after it is tried)."""
    names = ["SC_rgb_jpeg_dcmtk.dcm", "JPEG-LL.dcm", "MR_small_jpeg_ls_lossless.dcm", "MR_small_jp2klossless.dcm"]
    done = subprocess.run([sys.executable, "-c", _UNDECODABLE_SCRIPT, *names], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert len(lines) == 2 * len(names), done.stdout
    for name, line in zip([n for n in names for _ in range(2)], lines):
        spec = testing.first_frame(name)[1]
        kind, message = line.split(" | ", 1)
        assert kind == "CorruptPixelDataError", line
        half = len(testing.first_frame(name)[0]) // 2
        assert message.startswith((f"GDCM could not decode the {half}-byte ", f"GDCM could not decode the {half + half % 2}-byte ")), line
        assert f"({spec.transfer_syntax_uid}) frame as {spec.rows} x {spec.columns} pixels" in message, line


# -- data sets whose description GDCM asserted on (the process aborted), as a user relabels them ---------
_RELABELLED_SCRIPT = '''
import json, sys, warnings
import numpy as np
import pydicom
from pydicom.data import get_testdata_file
import dcmcore
from dcmcore.errors import DcmcoreError
warnings.simplefilter("ignore")

CASES = [
    ("JPEG2000.dcm", "RGB"), ("JPEG2000.dcm", "YBR_FULL"), ("JPEG2000.dcm", "ARGB"), ("JPEG2000.dcm", "XYB"),
    ("US1_J2KR.dcm", "MONOCHROME2"), ("SC_rgb_rle.dcm", "YBR_FULL_422"),
]
out = []
for name, pi in CASES:
    ds = pydicom.dcmread(get_testdata_file(name))
    ds.PhotometricInterpretation = pi
    try:
        arr = dcmcore.pixel_array(ds, decoding_plugin="gdcm")
    except DcmcoreError as exc:
        out.append([name, pi, type(exc).__name__, None])
        continue
    ours = dcmcore.pixel_array(ds, decoding_plugin="dcmcore") if name.endswith("rle.dcm") else None
    out.append([name, pi, "array", None if ours is None else bool(np.array_equal(arr, ours))])
print(json.dumps(out))
'''


def test_relabelled_data_sets_never_abort_the_process():
    run = subprocess.run([sys.executable, "-c", _RELABELLED_SCRIPT], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"the child process died (GDCM abort?): {run.stderr[-2000:]}"
    outcomes = {(name, pi): (kind, same) for name, pi, kind, same in json.loads(run.stdout)}
    for (name, pi), (kind, _) in outcomes.items():
        if name != "SC_rgb_rle.dcm":  # Samples per Pixel contradicts the Photometric Interpretation
            assert kind == "InvalidPixelSpecError", (name, pi, kind)
    # RLE segments hold every sample: YBR_FULL_422 there is full-resolution YCbCr, as dcmcore's decoder reads it
    assert outcomes[("SC_rgb_rle.dcm", "YBR_FULL_422")] == ("array", True)


# -- frames on which GDCM never returns, refused first (in a child process, with a limit) ------------
_HANG_GUARD_SCRIPT = _CHILD_PRELUDE + '''
out = {}
frame, spec = testing.first_frame("SC_rgb_jpeg_dcmtk.dcm")
coded = frame[: frame.rfind(b"\\xff\\xd9")]
out["whole"] = outcome(frame, spec, values=True)
out["comment_then_eoi"] = outcome(coded + b"\\xff\\xfe\\x00\\x04ab\\xff\\xd9", spec, values=True)
for name, tail in (("comment_cut", b"\\xff\\xfe\\xd9\\x00"), ("app7_cut", b"\\xff\\xe7\\x00\\x05"),
                   ("length_cut", b"\\xff\\xfe\\xd9")):
    out[name] = outcome(coded + tail, spec)
jls, spec = testing.first_frame("MR_small_jpeg_ls_lossless.dcm")
sof = jls.find(b"\\xff\\xf7")
bad_lse = b"\\xff\\xf8\\x00\\x0d\\x01" + struct.pack(">5H", 65535, 18, 67, 0, 256)
sos = jls.find(b"\\xff\\xda")
sos_end = sos + 2 + int.from_bytes(jls[sos + 2 : sos + 4], "big")
near = bytearray(jls[sos:sos_end]); near[5 + 2 * near[4]] = 222
out["jls_first_scan"] = outcome(jls[:sos] + bad_lse + bytes(near) + jls[sos_end:], spec)
second = jls[: jls.rfind(b"\\xff\\xd9")] + bad_lse + bytes(near) + b"\\x00" * 8 + b"\\xff\\xd9"
out["jls_second_scan"] = outcome(second, spec)
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def hang_guard_outcomes():
    run = subprocess.run([sys.executable, "-c", _HANG_GUARD_SCRIPT], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"the child process died: {run.stderr[-2000:]}"
    return json.loads(run.stdout)


def test_a_jpeg_frame_ending_inside_a_segment_after_the_scan_is_not_given_to_gdcm(hang_guard_outcomes):
    """GDCM's libjpeg source loops forever when a skipped segment (COM, APPn) runs past the frame."""
    out = hang_guard_outcomes
    assert out["whole"][0] == "decoded"
    assert out["comment_then_eoi"] == out["whole"]  # a complete segment there is decoded as before
    for case in ("comment_cut", "app7_cut", "length_cut"):
        kind, message = out[case]
        assert kind == "UnsupportedPixelDataError" and "GDCM does not return" in message, (case, message)
        assert "inside the segment FF" in message


def test_jpeg_ls_scans_with_invalid_coding_parameters_are_corrupt(hang_guard_outcomes):
    """The CharLS inside GDCM loops forever on T1 below NEAR + 1; ISO/IEC 14495-1 forbids it."""
    for case in ("jls_first_scan", "jls_second_scan"):
        kind, message = hang_guard_outcomes[case]
        assert kind == "CorruptPixelDataError", (case, message)
        assert "T1 18 is not NEAR + 1 = 223 to MAXVAL 65535" in message, (case, message)
