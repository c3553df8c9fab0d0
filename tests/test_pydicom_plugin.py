"""dcmcore inside pydicom: unchanged pydicom calls give pydicom's own results, decoded by dcmcore."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pydicom
import pytest
from pydicom.pixels import get_decoder, iter_pixels
from pydicom.pixels import pixel_array as pd_pixel_array
from pydicom.uid import RLELossless

import dcmcore
from dcmcore import plugins
from dcmcore.plugins import PluginBase
from dcmcore.pydicom_plugin import LABEL, installed_pydicom_plugins
from tests._write_corpus import read, survey

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

NATIVE, ENCAPSULATED = survey()
#: Syntaxes whose decoders give one exact answer (lossy JPEG values depend on the library's IDCT).
LOSSY = {
    pydicom.uid.JPEGBaseline8Bit,
    pydicom.uid.JPEGExtended12Bit,
    pydicom.uid.JPEG2000,
    pydicom.uid.JPEGLSNearLossless,
    pydicom.uid.HTJ2K,
}


@pytest.fixture
def installed():
    dcmcore.install_pydicom_plugins()
    yield installed_pydicom_plugins()
    dcmcore.uninstall_pydicom_plugins()


def _pydicom_alone(call):
    """`call()` with dcmcore taken out of pydicom: the result or the exception class."""
    was = installed_pydicom_plugins()["decoders"]
    dcmcore.uninstall_pydicom_plugins()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return call()
    except Exception as exc:  # noqa: BLE001 - compared
        return type(exc)
    finally:
        if was:
            dcmcore.install_pydicom_plugins()


def test_install_serves_rle_first_and_uninstall_restores():
    before = get_decoder(RLELossless).available_plugins
    syntaxes = dcmcore.install_pydicom_plugins()
    try:
        assert RLELossless in syntaxes["decoders"] and RLELossless in syntaxes["encoders"]
        assert LABEL in get_decoder(RLELossless).available_plugins
        assert dcmcore.install_pydicom_plugins() == syntaxes  # nothing twice
        calls = []

        class Counting(PluginBase):
            label = "counting"
            priority = 0

            def decode(self, src, spec, *, out=None, **options):
                calls.append(spec.rows)
                raise dcmcore.UnsupportedPixelDataError("only counting")

        plugins.register_decoder(RLELossless, Counting())
        try:
            arr = read(ENCAPSULATED["MR_small_RLE.dcm"]).pixel_array  # no plugin named: dcmcore is tried first
        finally:
            plugins.unregister_decoder(RLELossless, "counting")
        assert calls == [64] and np.array_equal(arr, dcmcore.pixel_array(ENCAPSULATED["MR_small_RLE.dcm"]))
    finally:
        dcmcore.uninstall_pydicom_plugins()
    assert get_decoder(RLELossless).available_plugins == before
    assert installed_pydicom_plugins() == {"decoders": [], "encoders": []}


@pytest.mark.parametrize("name", sorted(ENCAPSULATED))
def test_corpus_pixel_array_through_pydicom(name, installed):
    path = ENCAPSULATED[name]
    ds = read(path)
    uid = ds.file_meta.TransferSyntaxUID
    if uid not in installed["decoders"]:
        pytest.skip(f"dcmcore does not serve {uid.name} in pydicom here")
    theirs = _pydicom_alone(lambda: pd_pixel_array(read(path)))
    try:
        ours = ds.pixel_array
    except Exception as exc:  # noqa: BLE001
        # dcmcore refuses: so must dcmcore's own API (pydicom alone may accept corrupt data)
        with pytest.raises(Exception):
            dcmcore.pixel_array(path)
        assert str(exc)
        return
    assert np.array_equal(ours, dcmcore.pixel_array(path))
    if isinstance(theirs, np.ndarray):
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
        if uid in LOSSY:
            assert np.abs(ours.astype(np.int64) - theirs.astype(np.int64)).max() <= 255  # same image, another IDCT
            assert np.mean(ours == theirs) > 0.5 or ours.dtype.itemsize > 1
        else:
            assert np.array_equal(ours, theirs)
    nframes = int(ds.get("NumberOfFrames", 1) or 1)
    if nframes > 1:
        last = pd_pixel_array(path, index=nframes - 1)
        assert np.array_equal(last, ours[-1])
        frames = list(iter_pixels(path))
        assert len(frames) == nframes and np.array_equal(frames[0], ours[0])


@pytest.mark.parametrize("name", ["MR_small_RLE.dcm", "SC_rgb_rle_2frame.dcm", "SC_rgb_jpeg_gdcm.dcm", "MR_small_jp2klossless.dcm"])
def test_dataset_decompress_through_pydicom(name, installed):
    if name not in ENCAPSULATED:
        pytest.skip("test file missing")
    ds = read(ENCAPSULATED[name])
    if ds.file_meta.TransferSyntaxUID not in installed["decoders"]:
        pytest.skip("no dcmcore decoder here")
    expected = dcmcore.pixel_array(ds)
    ds.decompress()
    assert ds.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
    assert np.array_equal(ds.pixel_array, expected)


@pytest.mark.parametrize("name", ["CT_small.dcm", "SC_rgb.dcm", "MR_small.dcm", "SC_rgb_16bit_2frame.dcm"])
def test_dataset_compress_rle_through_pydicom(name, installed):
    ds = read(NATIVE[name])
    theirs = copy.deepcopy(ds)
    ds.compress(RLELossless)  # dcmcore's encoder, first in pydicom's order
    dcmcore.uninstall_pydicom_plugins()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs.compress(RLELossless, encoding_plugin="pydicom")
        # RLE encoders may split runs differently: the decoded values must be equal
        decoded = pd_pixel_array(ds, decoding_plugin="pydicom")
        assert np.array_equal(decoded, pd_pixel_array(theirs, decoding_plugin="pydicom"))
        assert np.array_equal(decoded, pd_pixel_array(read(NATIVE[name])))


@pytest.mark.parametrize(
    "name, label",
    [("MR_small_jpeg_ls_lossless.dcm", "pyjpegls"), ("MR_small_jp2klossless.dcm", "pylibjpeg"),
     ("MR_small_jp2klossless.dcm", "pillow"), ("SC_rgb_jpeg_dcmtk.dcm", "pillow")],
)  # fmt: skip
def test_pydicom_labels_for_the_codecs_of_the_imagecodecs_plugin(name, label):
    # the same codec library as pydicom's plugin of that label: OpenJPEG, CharLS, libjpeg-turbo
    path = pydicom.data.get_testdata_file(name)
    uid = pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID
    if not any(i.label == "imagecodecs" and i.available for i in plugins.decoders(uid)):
        pytest.skip("dcmcore-imagecodecs is not installed")
    if label not in get_decoder(uid).available_plugins:
        pytest.skip(f"pydicom's {label!r} plugin is not installed")
    got = dcmcore.pixel_array(path, decoding_plugin=label)
    assert np.array_equal(got, pd_pixel_array(path, decoding_plugin=label))


def test_decoding_plugin_accepts_pydicom_labels():
    path = ENCAPSULATED["MR_small_RLE.dcm"]
    expected = dcmcore.pixel_array(path)
    assert np.array_equal(dcmcore.pixel_array(path, decoding_plugin="pydicom"), expected)
    if any(i.label == "pylibjpeg-rle" and i.available for i in plugins.decoders(RLELossless)):
        assert np.array_equal(dcmcore.pixel_array(path, decoding_plugin="pylibjpeg"), expected)
    with pytest.raises(ValueError, match="pillow"):
        dcmcore.pixel_array(path, decoding_plugin="pillow")
