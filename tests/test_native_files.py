"""Every natively encoded image among pydicom's test files and pydicom-data, against pydicom 3.

Files are found with ``dcmcore._testdata.testdata_files()`` (never downloads).
Selected: a transfer syntax of Implicit VR Little Endian, Explicit VR Little
Endian, Deflated Explicit VR Little Endian or Explicit VR Big Endian, and a
Pixel Data, Float Pixel Data or Double Float Pixel Data element. Each is
decoded from a Dataset, a path and an open binary file, all frames and each
``index``, and compared with pydicom 3's ``pixels`` backend (same options):
bit for bit, YCbCr to RGB included. Files
pydicom rejects must raise the same exception class; files pydicom warns about
(excess padding) must warn too.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest

import dcmcore
from dcmcore import _testdata
from tests._helpers import pydicom_array

# pydicom's own complaints about element values of its test files (e.g. badVR.dcm)
# come from reading them, not from dcmcore.
pytestmark = pytest.mark.filterwarnings("ignore:Invalid value for VR:UserWarning")

NATIVE = {
    "1.2.840.10008.1.2",
    "1.2.840.10008.1.2.1",
    "1.2.840.10008.1.2.1.99",
    "1.2.840.10008.1.2.2",
}
PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")


def _label(path: Path) -> str:
    return f"{path.parent.name}/{path.name}" if "dicomdirtests" in path.parts else path.name


def _survey() -> tuple[dict[str, Path], dict[str, Path]]:
    """(native images by label, images without a Transfer Syntax UID by label)."""
    native: dict[str, Path] = {}
    no_tsyntax: dict[str, Path] = {}
    for path in _testdata.testdata_files():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ds = pydicom.dcmread(path, force=True, defer_size=256)
        except Exception:
            continue
        if not any(kw in ds for kw in PIXEL_KEYWORDS):
            continue
        meta = getattr(ds, "file_meta", None)
        tsyntax = meta.get("TransferSyntaxUID") if meta is not None else None
        if tsyntax is None:
            no_tsyntax[_label(path)] = path
        elif str(tsyntax) in NATIVE:
            native[_label(path)] = path
    return native, no_tsyntax


FILES, NO_TSYNTAX = _survey()
NAMES = sorted(FILES)


def _read(name: str) -> pydicom.Dataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(FILES[name], force=True)


@functools.cache
def _oracle(name: str, options: tuple = ()) -> tuple[np.ndarray | None, type[BaseException] | None, bool]:
    """pydicom's result for `name`: (array or None, exception class or None, warned about pixel data)."""
    from pydicom.pixels import pixel_array as pd_pixel_array

    ds = _read(name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            arr = pd_pixel_array(ds, **dict(options))
        except Exception as exc:  # noqa: BLE001 - the class is what is compared
            return None, type(exc), False
    warned = any("pixel data" in str(w.message).lower() for w in caught)
    return arr, None, warned


def _options(name: str) -> list[tuple[tuple, int]]:
    """Option sets to compare for `name` (as sorted item tuples) and the tolerance."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(FILES[name], force=True, stop_before_pixels=True)
    pi = str(ds.get("PhotometricInterpretation", "")).strip()
    if pi in ("YBR_FULL", "YBR_FULL_422"):
        return [((), 0), ((("as_rgb", False),), 0), ((("raw", True),), 0)]  # YCbCr -> RGB exactly as pydicom
    return [((), 0)]


def _frames(expected: np.ndarray, name: str) -> np.ndarray:
    """`expected` with a leading frame axis."""
    ds = _read(name)
    nframes = int(ds.get("NumberOfFrames", 1) or 1)
    if nframes == 1:
        return expected[np.newaxis]
    return expected


def assert_same(actual: np.ndarray, expected: np.ndarray, tol: int, what: str) -> None:
    assert actual.dtype.isnative, f"{what}: non-native dtype {actual.dtype}"
    assert actual.dtype == expected.dtype.newbyteorder("="), f"{what}: {actual.dtype} != {expected.dtype}"
    assert actual.shape == expected.shape, f"{what}: {actual.shape} != {expected.shape}"
    if tol:
        diff = np.abs(actual.astype(np.int64) - expected.astype(np.int64))
        assert diff.max(initial=0) <= tol, f"{what}: max difference {diff.max()}"
    elif actual.dtype.kind == "f":
        size = actual.dtype.itemsize
        assert np.array_equal(actual.view(f"u{size}"), expected.astype(actual.dtype).view(f"u{size}")), what
    else:
        assert np.array_equal(actual, expected), f"{what}: values differ"


def _decode(src, warned: bool, **kwargs) -> np.ndarray:
    """dcmcore.pixel_array, expecting a UserWarning exactly when pydicom warned."""
    if warned:
        with pytest.warns(UserWarning):
            return dcmcore.pixel_array(src, **kwargs)
    return dcmcore.pixel_array(src, **kwargs)  # filterwarnings=error: no warning allowed


def test_selection_is_not_empty():
    """The survey found the files the issue is about (guards against a broken testdata lookup)."""
    assert len(FILES) >= 50
    for name in ("CT_small.dcm", "MR_small_bigendian.dcm", "liver.dcm", "image_dfl.dcm", "SC_rgb_32bit_2frame.dcm"):
        assert name in FILES


@pytest.mark.parametrize("name", NAMES)
def test_dataset(name):
    """All frames from a Dataset equal pydicom, for each option set; rejections match."""
    for options, tol in _options(name):
        expected, exc, warned = _oracle(name, options)
        ds = _read(name)
        if exc is not None:
            with pytest.raises(exc):
                dcmcore.pixel_array(ds, **dict(options))
            continue
        assert_same(_decode(ds, warned, **dict(options)), expected, tol, f"{name} {options}")


@pytest.mark.parametrize("name", NAMES)
def test_dataset_index(name):
    """Each frame by `index` from a Dataset equals that frame of pydicom's whole array."""
    for options, tol in _options(name):
        expected, exc, warned = _oracle(name, options)
        ds = _read(name)
        if exc is not None:
            with pytest.raises(exc):
                dcmcore.pixel_array(ds, index=0, **dict(options))
            continue
        frames = _frames(expected, name)
        for i in range(frames.shape[0]):
            got = _decode(ds, warned, index=i, **dict(options))
            assert_same(got, frames[i], tol, f"{name} {options} index={i}")


@pytest.mark.parametrize("name", NAMES)
def test_path(name):
    """From a path (str and Path): all frames and each index."""
    path = FILES[name]
    for options, tol in _options(name):
        expected, exc, warned = _oracle(name, options)
        if exc is not None:
            with pytest.raises(exc):
                dcmcore.pixel_array(path, **dict(options))
            with pytest.raises(exc):
                dcmcore.pixel_array(str(path), index=0, **dict(options))
            continue
        assert_same(_decode(str(path), warned, **dict(options)), expected, tol, f"{name} {options} str path")
        frames = _frames(expected, name)
        for i in range(frames.shape[0]):
            got = _decode(path, warned, index=i, **dict(options))
            assert_same(got, frames[i], tol, f"{name} {options} path index={i}")


@pytest.mark.parametrize("name", NAMES)
def test_file_object(name):
    """From an open binary file: all frames and each index; the file position is restored."""
    for options, tol in _options(name):
        expected, exc, warned = _oracle(name, options)
        with open(FILES[name], "rb") as fp:
            fp.seek(7)
            if exc is not None:
                with pytest.raises(exc):
                    dcmcore.pixel_array(fp, **dict(options))
                assert fp.tell() == 7
                continue
            assert_same(_decode(fp, warned, **dict(options)), expected, tol, f"{name} {options} file")
            assert fp.tell() == 7
            frames = _frames(expected, name)
            for i in range(frames.shape[0]):
                fp.seek(i)
                got = _decode(fp, warned, index=i, **dict(options))
                assert fp.tell() == i
                assert_same(got, frames[i], tol, f"{name} {options} file index={i}")


@pytest.mark.parametrize("name", NAMES)
def test_iter_pixels(name):
    """iter_pixels from a path yields pydicom's frames in order."""
    expected, exc, warned = _oracle(name, ())
    if exc is not None:
        with pytest.raises(exc):
            list(dcmcore.iter_pixels(FILES[name]))
        return
    frames = _frames(expected, name)
    if warned:
        with pytest.warns(UserWarning):
            got = list(dcmcore.iter_pixels(FILES[name]))
    else:
        got = list(dcmcore.iter_pixels(FILES[name]))
    assert len(got) == frames.shape[0]
    tol = _options(name)[0][1]
    for i, arr in enumerate(got):
        assert_same(arr, frames[i], tol, f"{name} frame {i}")


def test_rejected_files_are_rejected_alike():
    """The files pydicom refuses include the truncated one and the invalid Number of Frames."""
    rejected = {name for name in NAMES if _oracle(name)[1] is not None}
    assert {"MR_truncated.dcm", "badVR.dcm"} <= rejected
    assert _oracle("MR_truncated.dcm")[1] is ValueError
    assert _oracle("badVR.dcm")[1] is ValueError


def test_padded_file_warns():
    """MR_small_padded.dcm has excess padding: pydicom warns, so the tests above expect dcmcore to."""
    assert _oracle("MR_small_padded.dcm")[2]
    with pytest.warns(UserWarning, match="(?i)8320 bytes"):
        dcmcore.pixel_array(_read("MR_small_padded.dcm"))


@pytest.mark.parametrize("name", sorted(NO_TSYNTAX))
def test_no_transfer_syntax(name):
    """No (0002,0010) in the file meta: pydicom refuses (AttributeError).

    dcmcore documents a fallback (``dcmcore.spec.transfer_syntax_of``): the
    encoding pydicom read the data set with. Either the file is rejected with
    an AttributeError as pydicom does, or it decodes equal to pydicom told that
    transfer syntax explicitly.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(NO_TSYNTAX[name], force=True)
    with pytest.raises(AttributeError):
        pydicom_array(ds)
    try:
        got = dcmcore.pixel_array(ds)
    except AttributeError:
        return
    implicit, little = ds.original_encoding
    uid = "1.2.840.10008.1.2" if implicit else ("1.2.840.10008.1.2.1" if little else "1.2.840.10008.1.2.2")
    ds.file_meta.TransferSyntaxUID = uid
    assert_same(got, pydicom_array(ds), 0, name)
