"""dcmcore-imagecodecs on real files: compared with pydicom driving a decoder of the same codec family.

Oracles (``pydicom.pixels.pixel_array(ds, decoding_plugin=...)``), per syntax:

- JPEG of 8 bits: Pillow, which decodes with libjpeg-turbo as imagecodecs does;
  bit for bit, raw YCbCr and RGB alike (both let libjpeg-turbo convert);
- JPEG of 12 or 16 bits, lossless and lossy (Pillow cannot): pylibjpeg with
  pylibjpeg-libjpeg, another libjpeg. Lossless: bit for bit. 12-bit lossy
  (JPEG Extended): within 1, because the two libraries' inverse DCTs round
  differently; there GDCM (through dcmcore-gdcm), whose libjpeg agrees with
  libjpeg-turbo, is the exact oracle;
- JPEG-LS: pyjpegls (CharLS, as imagecodecs), bit for bit;
- JPEG 2000: pylibjpeg with pylibjpeg-openjpeg (OpenJPEG, as imagecodecs), bit for bit.

HTJ2K and JPEG XL have no test files: frames are encoded here (by imagecodecs)
and must decode to the source values, and HTJ2K also equal to pydicom with
pylibjpeg-openjpeg, which decodes it with OpenJPEG, independently of OpenJPH.
"""

from __future__ import annotations

import functools
import logging
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

pydicom = pytest.importorskip("pydicom")
imagecodecs = pytest.importorskip("imagecodecs")

import dcmcore  # noqa: E402
import dcmcore.plugins as plugins  # noqa: E402
from dcmcore.errors import CorruptPixelDataError  # noqa: E402
from dcmcore.plugins import DecoderPlugin, testing  # noqa: E402
from dcmcore_imagecodecs import DECODER, DECODER_UIDS  # noqa: E402
from pydicom.pixels import pixel_array as pydicom_array  # noqa: E402
from pydicom.uid import (  # noqa: E402
    HTJ2K,
    JPEG2000Lossless,
    HTJ2KLossless,
    HTJ2KLosslessRPCL,
    JPEGBaseline8Bit,
    JPEGLossless,
    JPEGLosslessSV1,
    JPEGLSLossless,
    JPEGLSTransferSyntaxes,
    JPEG2000TransferSyntaxes,
)

JXL_LOSSLESS = "1.2.840.10008.1.2.4.110"
JXL_RECOMPRESSION = "1.2.840.10008.1.2.4.111"
JXL = "1.2.840.10008.1.2.4.112"
#: Corrupt codestreams among the test files: dcmcore refuses them, saying why.
CORRUPT = {"JPEG2000-embedded-sequence-delimiter.dcm": "(0028,0011) 'Columns'"}
#: 12-bit lossy JPEG: libjpeg-turbo and GDCM agree; pylibjpeg-libjpeg differs by 1 on some samples.
TWELVE_BIT_LOSSY = {"JPGExtended.dcm", "JPEG-lossy.dcm"}


@functools.cache
def _files() -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for path in testing.testdata_files():
        try:
            ds = testing.read_dataset(path, defer_size="1 KB")
            uid = str(ds.file_meta.TransferSyntaxUID)
        except Exception:
            continue
        if uid in DECODER_UIDS and "PixelData" in ds:
            found.setdefault(uid, []).append(path)
    return found


def _params() -> list:
    return [
        pytest.param(path, id=path.name)
        for uid, paths in sorted(_files().items())
        for path in paths
        if path.name not in CORRUPT
    ]


def _oracle(ds) -> str:
    """pydicom's plugin that decodes `ds` with the same codec family (module docstring)."""
    uid = ds.file_meta.TransferSyntaxUID
    if uid in JPEGLSTransferSyntaxes:
        return "pyjpegls"
    if uid in JPEG2000TransferSyntaxes or uid in (JPEGLossless, JPEGLosslessSV1) or int(ds.BitsAllocated) > 8:
        return "pylibjpeg"
    return "pillow"


def _read(path):
    return testing.read_dataset(path)


def _dcmcore(ds, **kwargs) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning)  # the codestream overrides (0028,0004)
        return dcmcore.pixel_array(ds, decoding_plugin="imagecodecs", **kwargs)


def _pydicom(ds, **kwargs) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom_array(ds, decoding_plugin=_oracle(ds), **kwargs)


# -- registration ---------------------------------------------------------------------------------
def test_registered_before_gdcm_for_every_syntax():
    assert isinstance(DECODER, DecoderPlugin)
    assert (DECODER.label, DECODER.priority) == ("imagecodecs", 20)
    for uid in sorted(DECODER_UIDS):
        infos = plugins.decoders(uid)
        (info,) = [i for i in infos if i.label == "imagecodecs"]
        assert info.available and info.plugin is DECODER and info.source.startswith("dcmcore-imagecodecs "), info
        assert infos[0] is info, [i.label for i in infos]  # first: no dcmcore codec for these syntaxes
        labels = [i.label for i in infos]
        if "gdcm" in labels:
            assert labels.index("imagecodecs") < labels.index("gdcm")
    assert "imagecodecs" in plugins.report()


def test_unavailable_when_imagecodecs_is_too_old(monkeypatch):
    from dcmcore_imagecodecs._plugin import ImagecodecsDecoder

    monkeypatch.setattr(imagecodecs, "__version__", "2023.9.18")
    reasons = ImagecodecsDecoder().missing_dependencies(JPEGBaseline8Bit)
    assert reasons[0] == "imagecodecs 2023.9.18 is installed, imagecodecs>=2024.12.30 is needed"
    assert "pip install" in reasons[1]
    assert ImagecodecsDecoder().missing_dependencies("1.2.840.10008.1.2.5")[0].endswith(
        "does not support the transfer syntax 1.2.840.10008.1.2.5"
    )


def test_unavailable_without_the_codec(monkeypatch):
    from dcmcore_imagecodecs._plugin import ImagecodecsDecoder

    monkeypatch.setattr(imagecodecs.JPEG2K, "available", False)  # OpenJPEG decodes HTJ2K too
    assert ImagecodecsDecoder().missing_dependencies(str(HTJ2K)) == ["this imagecodecs build has no JPEG2K codec"]
    assert ImagecodecsDecoder().missing_dependencies(str(JPEGBaseline8Bit)) == []


# -- real files -------------------------------------------------------------------------------------
def test_the_test_files_are_found():
    names = {p.name for paths in _files().values() for p in paths}
    assert {"JPEG2000.dcm", "JPGExtended.dcm", "SC_rgb_jpeg_dcmtk.dcm", "emri_small_jpeg_ls_lossless.dcm"} <= names


@pytest.mark.parametrize("path", _params())
@pytest.mark.parametrize("raw", [False, True], ids=["rgb", "raw"])
def test_equal_to_pydicom_with_the_same_codec_family(path, raw):
    ds = _read(path)
    arr = _dcmcore(ds, raw=raw)
    if path.name in TWELVE_BIT_LOSSY:
        # the module docstring: GDCM is exact; pylibjpeg-libjpeg's IDCT rounds differently
        # (and refuses JPEG-lossy.dcm: "scan start must be zero ... for the sequential operating modes")
        if _has("gdcm"):
            np.testing.assert_array_equal(arr, dcmcore.pixel_array(ds, decoding_plugin="gdcm", raw=raw))
        if path.name == "JPGExtended.dcm":
            assert np.abs(arr.astype(np.int32) - _pydicom(ds, raw=raw)).max() <= 1
        return
    expected = _pydicom(ds, raw=raw)
    assert arr.shape == expected.shape and arr.dtype == expected.dtype
    np.testing.assert_array_equal(arr, expected)


def _has(label: str) -> bool:
    return any(i.label == label and i.available for i in plugins.decoders(str(JPEGBaseline8Bit)))


@pytest.mark.parametrize("path", [p for p in _params() if int(_read(p.values[0]).get("NumberOfFrames", 1) or 1) > 1])
def test_frame_by_frame_and_with_two_workers(path):
    ds = _read(path)
    whole = _dcmcore(ds)
    nframes = whole.shape[0]
    for index in sorted({0, nframes // 2, nframes - 1}):
        np.testing.assert_array_equal(_dcmcore(ds, index=index), whole[index])
    np.testing.assert_array_equal(_dcmcore(ds, workers=2), whole)


def test_from_a_path_equals_from_a_dataset():
    path = testing.testdata_file("emri_small_jpeg_ls_lossless.dcm")
    np.testing.assert_array_equal(dcmcore.pixel_array(path, decoding_plugin="imagecodecs"), _dcmcore(_read(path)))


@pytest.mark.parametrize("name, message", sorted(CORRUPT.items()))
def test_a_corrupt_test_file_is_refused(name, message):
    with pytest.raises(CorruptPixelDataError, match=re.escape(message)):
        _dcmcore(_read(testing.testdata_file(name)))


def test_runs_of_frames_are_decoded_in_one_call(caplog):
    ds = _read(testing.testdata_file("emri_small_jpeg_2k_lossless.dcm"))
    with caplog.at_level(logging.DEBUG, logger="dcmcore"):
        _dcmcore(ds)
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert messages and all("'imagecodecs' decoded frames" in m for m in messages), messages


def test_jpeg_ybr_as_stored_with_raw_and_as_rgb_false():
    ds = _read(testing.testdata_file("SC_rgb_dcmtk_+eb+cy+np.dcm"))  # YBR_FULL_422
    raw = _dcmcore(ds, raw=True)
    np.testing.assert_array_equal(_dcmcore(ds, as_rgb=False), raw)
    np.testing.assert_array_equal(raw, _pydicom(ds, raw=True))


def test_one_frame_through_decode_returns_ycbcr_for_dcmcore_to_convert():
    frame, spec = testing.first_frame("SC_rgb_jpeg_dcmtk.dcm")
    arr, produced = DECODER.decode(frame, spec)
    assert produced.photometric_interpretation == "YBR_FULL" and arr.shape == spec.frame_shape
    np.testing.assert_array_equal(arr, _pydicom(_read(testing.testdata_file("SC_rgb_jpeg_dcmtk.dcm")), raw=True))
    out = np.empty(spec.frame_shape, spec.dtype)
    got, _ = DECODER.decode(frame, spec, out=out)
    assert got is out


def test_frame_geometry_reads_the_header():
    frame, spec = testing.first_frame("MR_small_jp2klossless.dcm")
    info = DECODER.frame_geometry(frame, spec)
    assert (info.rows, info.columns, info.components, info.precision, info.is_signed) == (64, 64, 1, 16, True)


# -- HTJ2K and JPEG XL, encoded here --------------------------------------------------------------
_LAYOUTS = [(1, 8, 0), (1, 12, 0), (1, 12, 1), (1, 16, 0), (1, 16, 1), (3, 8, 0)]


def _source(uid: str, samples: int, bits: int, signed: int, nframes: int = 3, seed: int = 0):
    spec = testing.make_spec(40, 56, samples, 8 if bits == 8 else 16, signed=signed, uid=uid).replace(bits_stored=bits)
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    rng = np.random.default_rng(seed)
    frames = rng.integers(lo, hi, (nframes, *spec.frame_shape), endpoint=True).astype(spec.dtype)
    frames[:, :10] = lo  # a flat band: runs as well as noise
    return spec.replace(number_of_frames=nframes), frames


#: imagecodecs builds before OpenJPH was added cannot make HTJ2K codestreams (decoding needs OpenJPEG only)
needs_openjph = pytest.mark.skipif(not hasattr(imagecodecs, "htj2k_encode"), reason="this imagecodecs has no OpenJPH")


@needs_openjph
@pytest.mark.parametrize("uid", [HTJ2KLossless, HTJ2KLosslessRPCL])
@pytest.mark.parametrize("samples, bits, signed", _LAYOUTS)
def test_htj2k_lossless_equals_the_source_and_pydicom(uid, samples, bits, signed):
    spec, frames = _source(str(uid), samples, bits, signed)
    encoded = [bytes(imagecodecs.htj2k_encode(f, reversible=True)) for f in frames]
    ds = testing.encapsulated_dataset(encoded, spec)
    arr = _dcmcore(ds)
    np.testing.assert_array_equal(arr, frames)
    np.testing.assert_array_equal(pydicom_array(ds, decoding_plugin="pylibjpeg"), frames)
    np.testing.assert_array_equal(_dcmcore(ds, workers=2), frames)


@needs_openjph
def test_htj2k_lossy_close_to_the_source_and_equal_to_pydicom():
    spec, frames = _source(str(HTJ2K), 1, 12, 0)
    smooth = (np.add.outer(np.arange(40), np.arange(56)) * 30).astype(np.uint16)[None].repeat(3, 0)
    encoded = [bytes(imagecodecs.htj2k_encode(f, level=0.001, reversible=False)) for f in smooth]
    ds = testing.encapsulated_dataset(encoded, spec)
    arr = _dcmcore(ds)
    # the same codestream through OpenJPH and OpenJPEG: equal up to rounding in the irreversible wavelet
    assert np.abs(arr.astype(np.int32) - pydicom_array(ds, decoding_plugin="pylibjpeg")).max() <= 1
    assert np.abs(arr.astype(np.int32) - smooth).mean() < 8  # lossy, smooth ramp


@pytest.mark.parametrize("samples, bits, signed", _LAYOUTS)
def test_jpeg_xl_lossless_equals_the_source(samples, bits, signed):
    spec, frames = _source(JXL_LOSSLESS, samples, bits, signed)
    unsigned = frames.view(f"u{frames.itemsize}") & ((1 << bits) - 1)  # JPEG XL: Bits Stored bit patterns
    encoded = [bytes(imagecodecs.jpegxl_encode(f, lossless=True, bitspersample=bits)) for f in unsigned]
    ds = testing.encapsulated_dataset(encoded, spec)
    np.testing.assert_array_equal(_dcmcore(ds), frames)
    np.testing.assert_array_equal(_dcmcore(ds, correct_unused_bits=False), frames)  # sign-extended by the plugin
    np.testing.assert_array_equal(_dcmcore(ds, workers=2), frames)


def test_jpeg_xl_lossy_close_to_the_source():
    spec, _ = _source(JXL, 3, 8, 0, nframes=2)
    smooth = np.zeros((2, 40, 56, 3), np.uint8)
    smooth[..., 0] = np.arange(56) * 4
    smooth[..., 1] = np.arange(40)[:, None] * 5
    encoded = [bytes(imagecodecs.jpegxl_encode(f, distance=1.0)) for f in smooth]
    arr = _dcmcore(testing.encapsulated_dataset(encoded, spec))
    assert arr.shape == smooth.shape and np.abs(arr.astype(np.int32) - smooth).mean() < 3


def test_jpeg_xl_jpeg_recompression_decodes_as_the_original_jpeg():
    jpeg_ds = _read(testing.testdata_file("SC_rgb_jpeg_dcmtk.dcm"))  # YBR_FULL, JFIF
    frame, spec = testing.first_frame("SC_rgb_jpeg_dcmtk.dcm")
    jxl = bytes(imagecodecs.jpegxl_encode_jpeg(frame))
    ds = testing.encapsulated_dataset([jxl], spec.replace(transfer_syntax_uid=JXL_RECOMPRESSION))
    for raw in (False, True):
        np.testing.assert_array_equal(_dcmcore(ds, raw=raw), _dcmcore(jpeg_ds, raw=raw))


def test_signed_jpeg_ls_is_sign_extended_from_its_precision():
    spec, frames = _source(str(JPEGLSLossless), 1, 12, 1, nframes=1)
    ds = testing.encapsulated_dataset([b"\0\0"], spec)
    ds.compress(JPEGLSLossless, frames[0], encoding_plugin="pyjpegls")  # a 12-bit codestream
    assert DECODER.frame_geometry(next(iter(_frames_of(ds))), spec).precision == 12
    np.testing.assert_array_equal(_dcmcore(ds), frames[0])
    np.testing.assert_array_equal(_dcmcore(ds, correct_unused_bits=False), frames[0])  # as pydicom: always
    np.testing.assert_array_equal(_dcmcore(ds), pydicom_array(ds, decoding_plugin="pyjpegls"))


def _frames_of(ds):
    from pydicom.encaps import generate_frames

    return generate_frames(ds.PixelData, number_of_frames=int(ds.get("NumberOfFrames", 1) or 1))


def test_j2k_signedness_mismatch_follows_the_data_set():
    spec, frames = _source(str(JPEG2000Lossless), 1, 12, 1, nframes=1)
    encoded = [bytes(imagecodecs.jpeg2k_encode(frames[0], level=0, codecformat="J2K", reversible=True, bitspersample=12))]
    unsigned = testing.encapsulated_dataset(encoded, spec.replace(pixel_representation=0))
    expected = pydicom_array(unsigned, decoding_plugin="pylibjpeg")
    arr = _dcmcore(unsigned, correct_unused_bits=False)  # corrected by the plugin, as pydicom does, even so
    np.testing.assert_array_equal(arr, expected)
    np.testing.assert_array_equal(arr, frames[0].view(np.uint16) & 0x0FFF)


@pytest.mark.parametrize("size, frames, threaded", [(512, 1, True), (512, 2, False), (2048, 2, True)])
def test_openjpeg_threads_for_a_single_frame_or_a_large_one(monkeypatch, size, frames, threaded):
    """A single-frame image is decoded with OpenJPEG's own threads; the frames of a multi-frame image one per thread
    (``workers=1`` is one thread, ``workers=`` spreads them), unless a frame is 2048 x 2048 or more."""
    import os
    import threading

    if threading.current_thread() is not threading.main_thread() or (os.cpu_count() or 1) < 2:
        pytest.skip("OpenJPEG's threads are asked for on the main thread of a machine with several cores")
    spec = testing.make_spec(size, size, 1, 8, uid=str(JPEG2000Lossless)).replace(number_of_frames=frames)
    frame = np.add.outer(np.arange(size), np.arange(size)).astype(np.uint8)
    encoded = [bytes(imagecodecs.jpeg2k_encode(frame, level=0, codecformat="J2K", reversible=True))] * frames
    ds = testing.encapsulated_dataset(encoded, spec)
    seen = []
    decode = imagecodecs.jpeg2k_decode

    def spy(*args, **kwargs):
        seen.append(kwargs.get("numthreads", 1))
        return decode(*args, **kwargs)

    monkeypatch.setattr(imagecodecs, "jpeg2k_decode", spy)
    arr = _dcmcore(ds)
    np.testing.assert_array_equal(arr.reshape(frames, size, size), np.broadcast_to(frame, (frames, size, size)))
    assert len(seen) == frames and all((n > 1) == threaded for n in seen)
