"""dcmcore-gdcm on real files: the same GDCM through dcmcore and through pydicom.

Oracles, in order of preference:

- pydicom's own GDCM plugin (``pydicom.pixels.pixel_array(ds, decoding_plugin="gdcm")``):
  the same codec, so every JPEG, JPEG-LS and JPEG 2000 image among pydicom's
  test files and pydicom-data must decode bit for bit equal, lossy ones included,
  with and without ``raw``, as a whole and frame by frame (``index``);
- where pydicom's GDCM plugin refuses a file: GDCM's own file reader
  (``gdcm.ImageReader``) on the same file, and pydicom's reference values;
- RLE Lossless, which pydicom does not decode with GDCM: pydicom's own decoder;
- frames encoded losslessly by GDCM here (JPEG Lossless, JPEG-LS Lossless,
  JPEG 2000 Lossless, including JPEG Lossless Process 14, 1.2.840.10008.1.2.4.57,
  of which no test file exists): the original pixels.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")
gdcm = pytest.importorskip("gdcm")

import dcmcore  # noqa: E402
import dcmcore.plugins as plugins  # noqa: E402
from dcmcore.errors import CorruptPixelDataError, PluginError  # noqa: E402
from dcmcore.plugins import DecoderPlugin, EncoderPlugin, testing  # noqa: E402
from dcmcore_gdcm import DECODER, DECODER_UIDS, ENCODER  # noqa: E402
from pydicom.encaps import encapsulate, generate_frames  # noqa: E402
from pydicom.pixels import pixel_array as pydicom_array  # noqa: E402

data_file = testing.testdata_file
data_files = testing.testdata_files

RLE = "1.2.840.10008.1.2.5"
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"

#: Files pydicom's GDCM plugin refuses, and why; dcmcore-gdcm decodes them (checked below).
PYDICOM_GDCM_REFUSES = {
    "JPEG-lossy.dcm": "12-bit JPEG Extended (pydicom refuses it for GDCM; GDCM 3.x decodes it)",
    "JPGExtended.dcm": "12-bit JPEG Extended (pydicom refuses it for GDCM; GDCM 3.x decodes it)",
}
#: Files whose codestream is corrupt: both fail, dcmcore with a CorruptPixelDataError saying why.
CORRUPT = {"JPEG2000-embedded-sequence-delimiter.dcm": "(0028,0011) 'Columns'"}


def _from_path(path: Path, **kwargs) -> np.ndarray:
    """dcmcore.pixel_array on a path, quiet about pydicom's warnings while it reads the file."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"pydicom\.")
        return dcmcore.pixel_array(path, **kwargs)


@functools.cache
def _files() -> dict[str, list[Path]]:
    """The test files with pixel data of each transfer syntax GDCM decodes here."""
    found: dict[str, list[Path]] = {}
    for path in data_files():
        try:
            ds = testing.read_dataset(path, defer_size="1 KB")
            uid = str(ds.file_meta.TransferSyntaxUID)
        except Exception:
            continue
        if uid in DECODER_UIDS and "PixelData" in ds:
            found.setdefault(uid, []).append(path)
    return found


def _params(rle: bool) -> list:
    """The files of the RLE (or the other) syntaxes, but those with tests of their own."""
    return [
        pytest.param(path, id=path.name)
        for uid, paths in sorted(_files().items())
        if (uid == RLE) == rle
        for path in paths
        if path.name not in PYDICOM_GDCM_REFUSES and path.name not in CORRUPT
    ]


def _frames(ds) -> int:
    return int(ds.get("NumberOfFrames", 1) or 1)


def _sample_indices(nframes: int) -> list[int]:
    return sorted({0, nframes // 2, nframes - 1})


def _equal(actual: np.ndarray, expected: np.ndarray, what: str) -> None:
    assert actual.shape == expected.shape, what
    if not np.array_equal(actual, expected):  # fast; the assertion below explains the difference
        np.testing.assert_array_equal(actual, expected, err_msg=what)
    # the values are equal; dcmcore keeps the data set's Bits Allocated for the dtype
    assert actual.dtype.kind == expected.dtype.kind, what


def _gdcm_reader_array(path: Path) -> np.ndarray:
    """GDCM's own file reader, as a second oracle: the decoded buffer of the whole file."""
    reader = gdcm.ImageReader()
    reader.SetFileName(str(path))
    assert reader.Read()
    image = reader.GetImage()
    pf = image.GetPixelFormat()
    dtype = np.dtype(f"{'i' if pf.GetPixelRepresentation() else 'u'}{pf.GetBitsAllocated() // 8}")
    return np.frombuffer(image.GetBuffer().encode("utf-8", "surrogateescape"), dtype)


# -- registration ---------------------------------------------------------------------------------
def test_registered_for_every_syntax_in_priority_order():
    assert isinstance(DECODER, DecoderPlugin) and isinstance(ENCODER, EncoderPlugin)
    assert (DECODER.label, DECODER.priority) == ("gdcm", 30)
    for uid in sorted(DECODER_UIDS):
        infos = plugins.decoders(uid)
        gdcm_infos = [i for i in infos if i.label == "gdcm"]
        assert len(gdcm_infos) == 1, uid
        info = gdcm_infos[0]
        assert info.available and info.plugin is DECODER and info.source.startswith("dcmcore-gdcm "), info
        priorities = [i.priority for i in infos]
        assert priorities == sorted(priorities)
    encoders = plugins.encoders(RLE)
    assert [i.plugin for i in encoders if i.label == "gdcm"] == [ENCODER]
    assert not any(i.label == "gdcm" for i in plugins.encoders(JPEG_BASELINE))
    assert "gdcm" in plugins.report()


def test_dependency_version_is_checked(monkeypatch):
    from dcmcore_gdcm._plugin import GDCMDecoder

    monkeypatch.setattr(gdcm.Version, "GetVersion", staticmethod(lambda: "2.8.9"))
    reasons = GDCMDecoder().missing_dependencies(JPEG_BASELINE)
    assert reasons and "GDCM 2.8.9 is installed, python-gdcm>=3.0.10 is needed" in reasons[0]
    assert GDCMDecoder().missing_dependencies("1.2.840.10008.1.2.4.201")[0].endswith(
        "does not support the transfer syntax 1.2.840.10008.1.2.4.201"
    )


def test_missing_gdcm_is_reported_not_raised():
    # pydicom imports gdcm under try/except ImportError, so blocking it is safe for pydicom
    script = textwrap.dedent(
        """
        import sys
        sys.modules["gdcm"] = None
        sys.modules["imagecodecs"] = None  # dcmcore-imagecodecs decodes JPEG Baseline too
        import dcmcore, dcmcore.plugins as plugins
        from dcmcore.errors import NoPluginAvailableError
        info = [i for i in plugins.decoders("1.2.840.10008.1.2.4.50") if i.label == "gdcm"][0]
        print(info.available, "|", info.reason)
        try:
            dcmcore.pixel_array(sys.argv[1])
        except NoPluginAvailableError as exc:
            print("raised", exc)
        """
    )
    path = data_file("SC_rgb_jpeg_dcmtk.dcm")
    run = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    available, reason = run.stdout.splitlines()[0].split(" | ")
    assert available == "False"
    assert "python-gdcm>=3.0.10 is not importable" in reason and "install with: pip install" in reason
    assert "raised Cannot decode JPEG Baseline" in run.stdout and "python-gdcm" in run.stdout


# -- every real file ------------------------------------------------------------------------------
def test_every_syntax_has_files():
    found = _files()
    # pydicom's test files and pydicom-data hold no JPEG Lossless Process 14 (.57) image:
    # it is covered by frames encoded here (test_generated_lossless)
    assert set(found) >= DECODER_UIDS - {"1.2.840.10008.1.2.4.57"}
    assert sum(len(v) for v in found.values()) >= 50


@pytest.mark.parametrize("path", _params(rle=False))
def test_file_equals_pydicom_gdcm(path):
    ds = testing.read_dataset(path)
    name = path.name
    nframes = _frames(ds)
    big = nframes * ds.Rows * ds.Columns * ds.SamplesPerPixel > 8_000_000
    # `raw` and `as_rgb` change colour images only. pydicom's YCbCr -> RGB conversion
    # is slow: on the 120-frame file compare the converted output on a few frames only
    if big:
        option_sets = ({"raw": True},)
    elif ds.SamplesPerPixel > 1:
        option_sets = ({}, {"raw": True}, {"as_rgb": False})
    else:
        option_sets = ({},)
    for options in option_sets:
        expected = pydicom_array(ds, decoding_plugin="gdcm", **options)
        _equal(dcmcore.pixel_array(ds, decoding_plugin="gdcm", **options), expected, f"{name} {options}")
        if nframes > 1 and options == option_sets[-1]:
            for index in _sample_indices(nframes):
                frame = dcmcore.pixel_array(ds, decoding_plugin="gdcm", index=index, **options)
                _equal(frame, expected[index], f"{name} index {index} {options}")
    if big:
        for index in _sample_indices(nframes):
            reference = pydicom_array(ds, decoding_plugin="gdcm", index=index)
            _equal(dcmcore.pixel_array(ds, decoding_plugin="gdcm", index=index), reference, f"{name} index {index}")
    uid = str(ds.file_meta.TransferSyntaxUID)
    if uid.startswith(("1.2.840.10008.1.2.4.8", "1.2.840.10008.1.2.4.9")) and not big:
        # pydicom corrects the signedness of JPEG-LS / JPEG 2000 samples but does not mask
        # them to Bits Stored: the plugin alone, without dcmcore's masking, must match that
        reference = pydicom_array(ds, decoding_plugin="gdcm", raw=True)
        plugin_only = dcmcore.pixel_array(ds, decoding_plugin="gdcm", raw=True, correct_unused_bits=False)
        _equal(plugin_only, reference, f"{name} correct_unused_bits=False")
    # from the file, reading only the frames asked for
    last = nframes - 1
    expected_last = expected[last] if nframes > 1 else expected
    _equal(_from_path(path, decoding_plugin="gdcm", index=last, **options), expected_last, f"{name} from the file")


@pytest.mark.parametrize("name", ["JPGExtended.dcm", "JPEG-lossy.dcm"])
def test_12_bit_jpeg_extended(name):
    """pydicom refuses 12-bit JPEG Extended for GDCM; GDCM 3.x decodes it, and so does dcmcore-gdcm.

    JPEG-lossy.dcm has an invalid scan header (Se != 63); JPGExtended.dcm is its
    fixed version, so both hold the same image.
    """
    path = data_file(name)
    ds = testing.read_dataset(path)
    with pytest.raises(RuntimeError, match="12-bit precision"):
        pydicom_array(ds, decoding_plugin="gdcm")
    arr = dcmcore.pixel_array(ds, decoding_plugin="gdcm")
    assert arr.shape == (1024, 256) and arr.dtype == np.uint16
    # GDCM's own reader on the same file
    np.testing.assert_array_equal(arr.reshape(-1), _gdcm_reader_array(path))
    # pydicom's reference values for this image (its tests of JPGExtended.dcm / JPEG-lossy.dcm)
    assert (arr[420, 140], arr[230, 120]) == (244, 95)
    np.testing.assert_array_equal(arr, _from_path(data_file("JPGExtended.dcm"), decoding_plugin="gdcm"))


def test_corrupt_codestream_is_reported():
    name = "JPEG2000-embedded-sequence-delimiter.dcm"
    ds = testing.read_dataset(name)
    with pytest.raises(Exception):
        pydicom_array(ds, decoding_plugin="gdcm")
    with pytest.raises(CorruptPixelDataError, match=r"\(0028,0011\) 'Columns'") as info:
        dcmcore.pixel_array(ds, decoding_plugin="gdcm")
    assert "codestream holds 1024 x 3722445056 pixels" in str(info.value)


# -- RLE --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", _params(rle=True))
def test_rle_file_equals_pydicom(path):
    ds = testing.read_dataset(path)
    if ds.SamplesPerPixel > 1 and ds.BitsAllocated > 8:
        # GDCM returns wrong values here (its own reader disagrees with pydicom): refused, clearly
        wrong = _gdcm_reader_array(path)
        assert not np.array_equal(wrong, pydicom_array(ds, raw=True).reshape(-1))
        with pytest.raises(PluginError, match="GDCM orders the segments of RLE Lossless colour samples"):
            dcmcore.pixel_array(ds, decoding_plugin="gdcm")
        return
    for options in ({"correct_unused_bits": False}, {"raw": True}, {}):
        expected = pydicom_array(ds, decoding_plugin="pydicom", **options)
        _equal(dcmcore.pixel_array(ds, decoding_plugin="gdcm", **options), expected, f"{path.name} {options}")
    nframes = _frames(ds)
    for index in _sample_indices(nframes):
        frame = expected[index] if nframes > 1 else expected
        _equal(_from_path(path, decoding_plugin="gdcm", index=index), frame, f"{path.name} index {index}")


# -- lossless frames encoded by GDCM here -------------------------------------------------------
#: (transfer syntax, GDCM's name for it) -> layouts GDCM's encoder handles at these sizes
GENERATED_SYNTAXES = {
    "1.2.840.10008.1.2.4.57": "JPEGLosslessProcess14",
    "1.2.840.10008.1.2.4.70": "JPEGLosslessProcess14_1",
    "1.2.840.10008.1.2.4.80": "JPEGLSLossless",
    "1.2.840.10008.1.2.4.90": "JPEG2000Lossless",
}
#: (bits allocated, bits stored, samples, pixel representation)
GENERATED_LAYOUTS = [(8, 8, 1, 0), (8, 8, 3, 0), (16, 16, 1, 0), (16, 12, 1, 1), (16, 10, 1, 1), (16, 16, 1, 1)]
_ENCODE_SCRIPT = '''
import sys
import numpy as np
import gdcm

def encode(frame: bytes, shape, bits, stored, samples, signed, syntax):
    writer = gdcm.ImageWriter()  # owns the image: GDCM holds a smart pointer to it
    image = writer.GetImage()
    image.SetNumberOfDimensions(2)
    image.SetDimensions((shape[1], shape[0], 1))
    pi = "RGB" if samples == 3 else "MONOCHROME2"
    image.SetPhotometricInterpretation(gdcm.PhotometricInterpretation(gdcm.PhotometricInterpretation.GetPIType(pi)))
    image.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.ExplicitVRLittleEndian))
    image.SetPixelFormat(gdcm.PixelFormat(samples, bits, stored, stored - 1, signed))
    if samples > 1:
        image.SetPlanarConfiguration(0)
    element = gdcm.DataElement(gdcm.Tag(0x7FE0, 0x0010))
    element.SetByteStringValue(frame)
    image.SetDataElement(element)
    change = gdcm.ImageChangeTransferSyntax()
    change.SetTransferSyntax(gdcm.TransferSyntax(getattr(gdcm.TransferSyntax, syntax)))
    change.SetInput(image)
    assert change.Change()
    fragments = change.GetOutput().GetDataElement().GetSequenceOfFragments()
    return fragments.GetFragment(0).GetByteValue().GetBuffer().encode("utf-8", "surrogateescape")

out = sys.argv[1]
data = dict(np.load(out + ".in.npz"))
result = {}
for key, arr in data.items():
    syntax, bits, stored, samples, signed = key.split("-")
    frame = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
    enc = encode(frame, arr.shape, int(bits), int(stored), int(samples), int(signed), syntax)
    result[key] = np.frombuffer(enc, np.uint8)
np.savez(out + ".out.npz", **result)
'''


def _synthetic(bits: int, stored: int, samples: int, signed: int, seed: int) -> np.ndarray:
    """A smooth image with noise spanning the full range of `stored` bits, 64 x 67 pixels."""
    rng = np.random.default_rng(seed)
    rows, cols = 64, 67
    y, x = np.mgrid[0:rows, 0:cols]
    lo, hi = (-(1 << (stored - 1)), (1 << (stored - 1)) - 1) if signed else (0, (1 << stored) - 1)
    base = lo + (hi - lo) * (0.5 + 0.5 * np.sin(x / 7.0) * np.cos(y / 5.0))
    values = np.clip(base + rng.normal(0, (hi - lo) / 40, (rows, cols)), lo, hi)
    values[0, :4] = (lo, hi, lo, hi)
    arr = np.rint(values).astype(np.dtype(f"{'i' if signed else 'u'}{bits // 8}"))
    if samples == 3:
        arr = np.stack([arr, np.flipud(arr), np.fliplr(arr)], axis=-1)
    return arr


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """{(uid, layout): (original array, encoded frame)}, encoded by GDCM in a child process.

    The child keeps a GDCM abort from taking the test run down with it.
    """
    originals = {}
    for k, (uid, name) in enumerate(sorted(GENERATED_SYNTAXES.items())):
        for j, layout in enumerate(GENERATED_LAYOUTS):
            originals[f"{name}-{'-'.join(map(str, layout))}"] = (uid, layout, _synthetic(*layout, seed=10 * k + j))
    base = tmp_path_factory.mktemp("gdcm_lossless") / "frames"
    np.savez(str(base) + ".in.npz", **{key: arr for key, (_, _, arr) in originals.items()})
    run = subprocess.run([sys.executable, "-c", _ENCODE_SCRIPT, str(base)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    encoded = dict(np.load(str(base) + ".out.npz"))
    return {(uid, layout): (arr, encoded[key].tobytes()) for key, (uid, layout, arr) in originals.items()}


def _dataset(frame: bytes, arr: np.ndarray, uid: str, layout) -> "pydicom.Dataset":
    bits, stored, samples, signed = layout
    spec = testing.make_spec(*arr.shape[:2], samples, bits, signed=signed, uid=uid).replace(bits_stored=stored)
    return testing.encapsulated_dataset([frame], spec)


@pytest.mark.parametrize("layout", GENERATED_LAYOUTS, ids=lambda l: "{}-{}-{}-{}".format(*l))
@pytest.mark.parametrize("uid", sorted(GENERATED_SYNTAXES))
def test_generated_lossless(generated, uid, layout):
    arr, frame = generated[(uid, layout)]
    ds = _dataset(frame, arr, uid, layout)
    decoded = dcmcore.pixel_array(ds, decoding_plugin="gdcm")
    np.testing.assert_array_equal(decoded, arr)  # lossless: the original values
    assert decoded.dtype == arr.dtype
    np.testing.assert_array_equal(decoded, pydicom_array(ds, decoding_plugin="gdcm"))
    # the plugin's own sign handling, without dcmcore's masking / sign extension afterwards
    uncorrected = dcmcore.pixel_array(ds, decoding_plugin="gdcm", correct_unused_bits=False)
    np.testing.assert_array_equal(uncorrected, arr)


# -- what the plugin reports it produced --------------------------------------------------------


@pytest.mark.parametrize(
    "name, photometric, bits",
    [
        ("US1_J2KR.dcm", "RGB", 8),  # YBR_RCT: the codec undoes the colour transform
        ("US1_J2KI.dcm", "RGB", 8),  # YBR_ICT
        ("color3d_jpeg_baseline.dcm", "YBR_FULL", 8),  # YBR_FULL_422, returned upsampled
        ("SC_rgb_jpeg_dcmtk.dcm", "YBR_FULL", 8),
        ("SC_rgb_jpeg.dcm", "RGB", 8),
        ("JPEG-LL.dcm", "MONOCHROME2", 16),
        ("emri_small_jpeg_ls_lossless.dcm", "MONOCHROME2", 16),
        ("MR2_J2KR.dcm", "MONOCHROME2", 16),
    ],
)
def test_produced_spec(name, photometric, bits):
    frame, spec = testing.first_frame(name)
    out = np.empty(spec.frame_shape, spec.dtype)
    arr, produced = DECODER.decode(frame, spec, out=out)
    assert arr is out  # same container: decoded straight into `out`
    assert produced.photometric_interpretation == photometric
    assert produced.bits_allocated == bits and produced.planar_configuration == 0
    assert produced.bits_stored <= produced.bits_allocated


def test_narrow_codestream_in_wide_container():
    """A JPEG 2000 codestream of 8-bit samples in a 16-bit data set: GDCM returns 8-bit samples."""
    frame, spec = testing.first_frame("US1_J2KR.dcm")
    wide = spec.replace(bits_allocated=16)
    arr, produced = DECODER.decode(frame, wide, out=np.empty(wide.frame_shape, wide.dtype))
    assert arr.dtype == np.uint8 and produced.bits_allocated == 8 and produced.bits_stored == 8
    narrow, _ = DECODER.decode(frame, spec)
    np.testing.assert_array_equal(arr, narrow)


def test_codestream_headers_agree_with_pydicom():
    from dcmcore.plugins.codestream import parse_j2k, parse_jpeg
    from pydicom.pixels import utils as pixel_utils

    get_jpg_parameters = getattr(pixel_utils, "_get_jpg_parameters", None)  # private in pydicom 3.0

    checked = 0
    for uid, paths in _files().items():
        if uid == RLE:
            continue
        for path in paths:
            if path.name in CORRUPT:
                continue
            ds = testing.read_dataset(path)
            frame = next(generate_frames(ds.PixelData, number_of_frames=_frames(ds)))
            if uid.startswith("1.2.840.10008.1.2.4.9"):
                info = parse_j2k(frame)
                reference = pixel_utils.get_j2k_parameters(frame)
                assert (info.precision, info.is_signed) == (reference["precision"], reference["is_signed"]), path.name
            else:
                info = parse_jpeg(frame)
                if get_jpg_parameters is not None:
                    ref = get_jpg_parameters(frame)
                    found = (info.precision, info.rows, info.columns, info.components, list(info.component_ids))
                    assert found == (ref["precision"], ref["height"], ref["width"], ref["components"], ref["component_ids"])
            assert (info.rows, info.columns, info.components) == (ds.Rows, ds.Columns, ds.SamplesPerPixel), path.name
            checked += 1
    assert checked >= 40


# -- colour space: the codestream overrides (0028,0004) as in pydicom ---------------------------
def _equal_to_pydicom_gdcm_with_warning(ds, *, pydicom_warns: str, dcmcore_warns: str) -> np.ndarray:
    """dcmcore's array with GDCM, equal to pydicom's with GDCM; each warns about the colour space."""
    with pytest.warns(UserWarning, match=pydicom_warns):
        expected = pydicom_array(ds, decoding_plugin="gdcm")
    with pytest.warns(UserWarning, match=dcmcore_warns):
        arr = dcmcore.pixel_array(ds, decoding_plugin="gdcm")
    np.testing.assert_array_equal(arr, expected)
    return arr


def test_jfif_in_rgb_labelled_data_set_is_decoded_as_ycbcr():
    ds = testing.read_dataset("SC_rgb_jpeg_dcmtk.dcm")  # JFIF, YCbCr
    ds.PhotometricInterpretation = "RGB"
    _equal_to_pydicom_gdcm_with_warning(ds, pydicom_warns="JFIF", dcmcore_warns="JFIF segment")


def test_rgb_component_ids_override_ycbcr_label():
    ds = testing.read_dataset("SC_rgb_jpeg_dcmtk.dcm")
    frame = next(generate_frames(ds.PixelData, number_of_frames=1))
    # rename the components 1, 2, 3 to 'R', 'G', 'B' in the frame header and the scan header
    buf = bytearray(frame)
    sof = buf.index(b"\xff\xc0")
    sos = buf.index(b"\xff\xda")
    for k in range(3):
        assert buf[sof + 10 + 3 * k] == buf[sos + 5 + 2 * k]
        buf[sof + 10 + 3 * k] = buf[sos + 5 + 2 * k] = b"RGB"[k]
    ds.PixelData = encapsulate([bytes(buf)])
    ds.PhotometricInterpretation = "YBR_FULL"
    arr = _equal_to_pydicom_gdcm_with_warning(ds, pydicom_warns="component IDs", dcmcore_warns="component IDs")
    # not converted: the decoded components as they are
    with pytest.warns(UserWarning, match="component IDs"):
        raw = dcmcore.pixel_array(ds, decoding_plugin="gdcm", raw=True)
    np.testing.assert_array_equal(arr, raw)


def test_adobe_ycbcr_flag_in_rgb_labelled_data_set():
    """Here dcmcore-gdcm differs from pydicom on purpose: pydicom ignores the Adobe segment.

    The JFIF segment of a YCbCr JPEG is replaced by an Adobe APP14 segment with
    the transform flag 1 (YCbCr), and the data set labelled RGB. GDCM returns
    the YCbCr samples (it does no colour transform); dcmcore-gdcm says so, and
    dcmcore converts them. pydicom returns them as they are, labelled RGB.
    """
    ds = testing.read_dataset("SC_rgb_jpeg_dcmtk.dcm")  # YBR_FULL, JFIF
    expected = pydicom_array(ds, decoding_plugin="gdcm")  # YCbCr converted to RGB
    ycbcr = pydicom_array(ds, decoding_plugin="gdcm", raw=True)
    frame = next(generate_frames(ds.PixelData, number_of_frames=1))
    assert frame[2:4] == b"\xff\xe0"
    app0_end = 4 + int.from_bytes(frame[4:6], "big")
    adobe = b"\xff\xee\x00\x0eAdobe\x00\x65\x00\x00\x00\x00\x01"
    ds.PixelData = encapsulate([frame[:2] + adobe + frame[app0_end:]])
    ds.PhotometricInterpretation = "RGB"
    with pytest.warns(UserWarning, match="Adobe segment"):
        arr = dcmcore.pixel_array(ds, decoding_plugin="gdcm")
    np.testing.assert_array_equal(arr, expected)
    np.testing.assert_array_equal(pydicom_array(ds, decoding_plugin="gdcm"), ycbcr)


def test_frames_on_two_threads():
    ds = testing.read_dataset("examples_ybr_color.dcm")
    one = dcmcore.pixel_array(ds, decoding_plugin="gdcm")
    np.testing.assert_array_equal(dcmcore.pixel_array(ds, decoding_plugin="gdcm", workers=2), one)
