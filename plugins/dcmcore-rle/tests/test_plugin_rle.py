"""dcmcore-rle: pylibjpeg-rle behind dcmcore's plugin contract.

Oracles: pydicom with the same codec (``decoding_plugin="pylibjpeg"``, which
drives pylibjpeg-rle) and pydicom's own pure-Python RLE decoder, on every RLE
Lossless file among pydicom's test files and pydicom-data; for the encoder,
dcmcore's own RLE decoder and pydicom's.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")
rle_lib = pytest.importorskip("rle")

import dcmcore  # noqa: E402
import dcmcore.plugins as plugins  # noqa: E402
from dcmcore.errors import CorruptPixelDataError, PluginError, UnsupportedPixelDataError  # noqa: E402
from dcmcore.plugins import DecoderPlugin, EncoderPlugin, encoder_dispatcher, testing  # noqa: E402
from dcmcore_rle import DECODER, ENCODER, RLE_LOSSLESS  # noqa: E402
from pydicom.encaps import encapsulate, generate_frames  # noqa: E402
from pydicom.pixels import pixel_array as pydicom_array  # noqa: E402

data_files = testing.testdata_files

LABEL = "pylibjpeg-rle"


def builtin_decoder():
    """dcmcore's own RLE decoder object, as the registry lists it."""
    return next(i.plugin for i in plugins.decoders(RLE_LOSSLESS) if i.builtin)


@functools.cache
def _rle_files() -> list[Path]:
    files = []
    for path in data_files():
        try:
            ds = testing.read_dataset(path, defer_size="1 KB")
            if str(ds.file_meta.TransferSyntaxUID) == RLE_LOSSLESS and "PixelData" in ds:
                files.append(path)
        except Exception:
            continue
    return files


# -- registration -------------------------------------------------------------------------------
def test_registered_after_dcmcore_and_before_gdcm():
    assert isinstance(DECODER, DecoderPlugin) and isinstance(ENCODER, EncoderPlugin)
    for infos in (plugins.decoders(RLE_LOSSLESS), plugins.encoders(RLE_LOSSLESS)):
        labels = [i.label for i in infos]
        assert labels.index("dcmcore") < labels.index(LABEL)
        if "gdcm" in labels:
            assert labels.index(LABEL) < labels.index("gdcm")
        info = infos[labels.index(LABEL)]
        assert info.available and info.priority == 20 and info.source.startswith("dcmcore-rle ")
    assert LABEL not in [i.label for i in plugins.decoders("1.2.840.10008.1.2.4.50")]


def test_unavailable_dependencies_are_explained(monkeypatch):
    from dcmcore_rle._plugin import PylibjpegRLEDecoder

    monkeypatch.setattr(rle_lib, "__version__", "1.3.0")
    reasons = PylibjpegRLEDecoder().missing_dependencies(RLE_LOSSLESS)
    assert reasons == [
        "pylibjpeg-rle 1.3.0 is installed, pylibjpeg-rle>=2.0 is needed",
        "install with: pip install 'pylibjpeg-rle>=2.0'",
    ]

    class NotInstalled(PylibjpegRLEDecoder):
        dependencies = {"surely_not_an_installed_module_rle": "pylibjpeg-rle>=2.0"}

    reasons = NotInstalled().missing_dependencies(RLE_LOSSLESS)
    assert "pylibjpeg-rle>=2.0 is not importable" in reasons[0] and reasons[-1].startswith("install with:")
    assert not NotInstalled().is_available(RLE_LOSSLESS)
    assert DECODER.missing_dependencies("1.2.840.10008.1.2.4.50")[0].endswith("1.2.840.10008.1.2.4.50")


# -- every real file ----------------------------------------------------------------------------
def test_there_are_rle_files():
    assert len(_rle_files()) >= 10


@pytest.mark.parametrize("path", _rle_files(), ids=lambda p: p.name)
def test_file_equals_pydicom(path):
    ds = testing.read_dataset(path)
    nframes = int(ds.get("NumberOfFrames", 1) or 1)
    for options in ({}, {"raw": True}, {"correct_unused_bits": False}):
        same_codec = pydicom_array(ds, decoding_plugin="pylibjpeg", **options)
        arr = dcmcore.pixel_array(ds, decoding_plugin=LABEL, **options)
        assert arr.dtype == same_codec.dtype and arr.shape == same_codec.shape
        np.testing.assert_array_equal(arr, same_codec, err_msg=str(options))
        np.testing.assert_array_equal(arr, pydicom_array(ds, decoding_plugin="pydicom", **options))
    for index in sorted({0, nframes - 1}):
        expected = same_codec[index] if nframes > 1 else same_codec
        np.testing.assert_array_equal(dcmcore.pixel_array(ds, decoding_plugin=LABEL, index=index, correct_unused_bits=False), expected)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"pydicom\.")
        from_file = dcmcore.pixel_array(path, decoding_plugin=LABEL)
    np.testing.assert_array_equal(from_file, pydicom_array(ds, decoding_plugin="pylibjpeg"))


def test_decode_into_out_and_interleave():
    frame, spec = testing.first_frame("SC_rgb_rle_32bit.dcm")
    out = np.empty(spec.frame_shape, spec.dtype)
    arr, produced = DECODER.decode(memoryview(frame), spec, out=out)
    assert arr is out and produced.planar_configuration == 0
    np.testing.assert_array_equal(arr, testing.decode_with("dcmcore", frame, spec))
    # a data set that says planar configuration 1: the array is still interleaved, and says so
    arr, produced = DECODER.decode(frame, spec.replace(planar_configuration=1))
    assert produced.planar_configuration == 0
    np.testing.assert_array_equal(arr, out)


# -- bad input ------------------------------------------------------------------------------------
def test_header_that_contradicts_the_image_is_corrupt():
    frame, spec = testing.first_frame("MR_small_RLE.dcm")
    with pytest.raises(CorruptPixelDataError, match="gives 3 segments, but the image needs 2"):
        DECODER.decode((3).to_bytes(4, "little") + frame[4:], spec)
    with pytest.raises(CorruptPixelDataError, match="fewer than the 64 bytes of its header"):
        DECODER.decode(frame[:40], spec)
    with pytest.raises(CorruptPixelDataError, match="offset"):
        DECODER.decode(frame[:64] + b"\0" * 8, spec)


def test_truncated_segment_is_reported_by_pylibjpeg_rle():
    frame, spec = testing.first_frame("MR_small_RLE.dcm")
    with pytest.raises(ValueError, match="end of the data was reached"):
        DECODER.decode(frame[:-40], spec)


def test_unsupported_layouts():
    frame, spec = testing.first_frame("MR_small_RLE.dcm")
    with pytest.raises(UnsupportedPixelDataError, match="'Bits Allocated' (value )?of 1"):
        DECODER.decode(frame, spec.replace(bits_allocated=1, bits_stored=1, pixel_representation=0))
    with pytest.raises(ValueError, match="need 24 segments"):
        DECODER.decode(frame, spec.replace(samples_per_pixel=3, bits_allocated=64, bits_stored=64, photometric_interpretation="RGB"))


# -- fallback -------------------------------------------------------------------------------------
def test_failure_falls_back_to_the_next_plugin(monkeypatch):
    ds = testing.read_dataset("SC_rgb_rle_2frame.dcm")
    calls = []

    def broken(src, spec, **kwargs):
        calls.append(1)
        raise RuntimeError("forced failure")

    monkeypatch.setattr(DECODER, "decode", broken)
    arr = dcmcore.pixel_array(ds, decoding_plugin=[LABEL, "dcmcore"])
    np.testing.assert_array_equal(arr, pydicom_array(ds))
    assert calls == [1]
    with pytest.raises(PluginError, match=r"'pylibjpeg-rle': RuntimeError: forced failure"):
        dcmcore.pixel_array(ds, decoding_plugin=LABEL)


def test_corrupt_frame_is_not_retried(monkeypatch):
    ds = testing.read_dataset("MR_small_RLE.dcm")
    frame = next(generate_frames(ds.PixelData, number_of_frames=1))
    ds.PixelData = encapsulate([(5).to_bytes(4, "little") + frame[4:]])
    called = []
    monkeypatch.setattr(builtin_decoder(), "decode", lambda *a, **k: called.append(1))
    with pytest.raises(CorruptPixelDataError):
        dcmcore.pixel_array(ds, decoding_plugin=[LABEL, "dcmcore"])
    assert not called


# -- the encoder ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bits, samples, signed",
    [(8, 1, 0), (8, 3, 0), (16, 1, 1), (16, 3, 0), (32, 1, 0), (32, 3, 1), (64, 1, 0)],
)
def test_encoder_decodes_equal(bits, samples, signed):
    shapes = [(1, 1), (3, 5), (10, 10), (37, 129), (64, 300)]
    for k, (rows, cols) in enumerate(shapes):
        spec = testing.make_spec(rows, cols, samples, bits, signed=signed)
        values = testing.encoder_values(spec, seed=k)
        frame = ENCODER.encode(values, spec)
        assert len(plugins.parse_rle_header(frame)) == samples * bits // 8
        np.testing.assert_array_equal(testing.decode_with("dcmcore", frame, spec), values, err_msg=str((rows, cols)))
        if bits < 64:  # pydicom's NumPy dtypes stop at 32 bits for its RLE decoder's output
            np.testing.assert_array_equal(pydicom_array(testing.encapsulated_dataset([frame], spec), decoding_plugin="pydicom", raw=True), values, err_msg=str((rows, cols)))
        decoded, _ = DECODER.decode(frame, spec)
        np.testing.assert_array_equal(decoded, values)


def test_encoder_inputs():
    spec = testing.make_spec(20, 30, 3, 16)
    testing.check_encoder_input_forms(ENCODER, testing.encoder_values(spec, seed=3), spec)
    spec = testing.make_spec(7, 9, 1, 32, signed=1)
    testing.check_encoder_input_forms(ENCODER, testing.encoder_values(spec, seed=4), spec)


def test_encoder_rejects_what_does_not_fit():
    testing.check_encoder_rejects_misfits(ENCODER, testing.make_spec(4, 4, 1, 16))
    testing.check_encoder_rejects_misfits(ENCODER, testing.make_spec(3, 5, 3, 32))
    with pytest.raises(UnsupportedPixelDataError):
        ENCODER.encode(bytes(2), testing.make_spec(4, 4, 1, 8).replace(bits_allocated=1, bits_stored=1))
    with pytest.raises(ValueError, match="24 segments"):
        ENCODER.encode(bytes(4 * 4 * 24), testing.make_spec(4, 4, 3, 64))


def test_encoder_through_the_dispatcher():
    spec = testing.make_spec(17, 23, 1, 16, signed=1)
    values = testing.encoder_values(spec, seed=5)
    encoded = encoder_dispatcher(RLE_LOSSLESS, LABEL).encode(values, spec)
    np.testing.assert_array_equal(testing.decode_with("dcmcore", encoded, spec), values)
