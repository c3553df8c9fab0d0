"""A whole file through the public API: ``pixel_array``, ``iter_pixels`` and a lazy ``imread`` from a
file object (dcmcore seeks and reads frames itself), and ``pixel_array`` of the Dataset pydicom reads.

Input: a DICOM file. Seeds: the test files of at most 128 KiB that have pixel
data and decode to at most 256 KiB, with the smallest of any transfer syntax
that has none so small (:data:`SEED_MAX_DECODED`). Both paths run on every input (the file object's,
and the Dataset's when pydicom reads one). Checked (differential): when
``pixel_array`` decodes the file, ``iter_pixels`` gives the same frames, so do
frames read one at a time from a lazy ``Image`` (:func:`check_image`), and so
does ``pixel_array`` of the data set when it decodes it; when the file path
refuses the file with a ``DcmcoreError`` and the data set path decodes it, the
error must be one of the documented cases where the file path is stricter than
pydicom (:data:`STRICTER`, docs/robustness.md). And the header scan that
opening a file from its path uses (``dcmcore._scan``), when it accepts the
input, gives the elements pydicom's ``read_partial`` gives (:func:`check_scan`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence as _ITEMS

import numpy as np
import pydicom

from pydicom.filereader import read_partial

from dcmcore import imread, iter_pixels, pixel_array
from dcmcore._header import HEAD_BYTES, scanned_dataset
from dcmcore._scan import scan_file
from dcmcore.errors import DcmcoreError, ElementOrderError, NotDicomFileError, TruncatedFileError, UnknownVRError
from fuzz.seeds import file_bytes, lightest_per_syntax

FOCUS = 2048  # the preamble, the file meta information and the first elements
MAX_LEN = 1 << 18

#: What the file path may refuse where pydicom's permissive Dataset path returns an array (documented in
#: docs/robustness.md, "Where the file path is stricter than pydicom"): an element of group 0028 or a second
#: pixel data element after the pixel data (PS3.5 7.1; pydicom keeps the later value); an element whose VR
#: is not the Standard's (pydicom guesses its length and reads on; the file cannot be parsed past it); a file
#: that ends inside a value, e.g. the pixel data's (pydicom decodes the shorter value when it suffices). In a
#: file without the 'DICM' prefix, the last two refusals of its first element are a ``NotDicomFileError``.
STRICTER = (ElementOrderError, UnknownVRError, TruncatedFileError, NotDicomFileError)


#: Seeds decoding to more than this many bytes are left out, except the smallest of a transfer syntax
#: that has no other: a large JPEG 2000 file costs up to 180 ms an input (four decodes), and the 122
#: test files 9.7 ms on average, the 108 of at most 256 KiB 5.9 ms (docs/robustness.md, "What is fuzzed").
SEED_MAX_DECODED = 1 << 18


def _syntax_and_size(data: bytes) -> tuple[str, int]:
    """A seed's transfer syntax and decoded size (its pixel data's, as declared; ``("", 0)`` when pydicom cannot tell)."""
    try:
        ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True, force=True)
        frames = int(ds.get("NumberOfFrames", 1) or 1)
        size = ds.Rows * ds.Columns * int(ds.get("SamplesPerPixel", 1)) * frames * ((ds.BitsAllocated + 7) // 8)
        return str(ds.file_meta.TransferSyntaxUID), int(size)
    except Exception:  # noqa: BLE001 - a file pydicom cannot describe is kept as it is
        return "", 0


def files_with_pixel_data() -> list[bytes]:
    """The test files of at most 128 KiB holding a (7FE0,0010) tag, little or big endian: the seeds' candidates."""
    return [d for d in file_bytes(128 << 10) if b"\xe0\x7f\x10\x00" in d or b"\x7f\xe0\x00\x10" in d]


def seeds() -> list[bytes]:
    return lightest_per_syntax(((*_syntax_and_size(d), d) for d in files_with_pixel_data()), SEED_MAX_DECODED)


def _same(a: np.ndarray, b: np.ndarray, what: str) -> None:
    assert a.shape == b.shape and a.dtype == b.dtype, f"{what}: {a.shape} {a.dtype} != {b.shape} {b.dtype}"
    assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), f"{what}: the values differ"


_PIXEL_TAGS = (0x7FE00008, 0x7FE00009, 0x7FE00010)


def _converted(ds, tag):
    try:
        elem = ds[tag]
        return elem.VR, elem.value, elem.is_undefined_length
    except Exception as exc:  # noqa: BLE001
        return type(exc)


def _equal(a, b) -> bool:
    """`a` == `b` for values of :func:`_converted`, items of sequences compared element by element.

    Comparing two pydicom ``Sequence`` values with ``==`` converts the raw
    elements of their items, and one that pydicom cannot convert (a value
    whose length is no multiple of its VR's size) raises from inside the
    comparison; element by element, the exception is what is compared. Two
    NaNs (FL and FD values) are equal here.
    """
    if isinstance(a, pydicom.Dataset) and isinstance(b, pydicom.Dataset):
        return list(a._dict) == list(b._dict) and all(_equal(_converted(a, t), _converted(b, t)) for t in a._dict)
    if all(isinstance(v, _ITEMS) and not isinstance(v, (str, bytes)) for v in (a, b)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True  # NaN, an FL or FD value of the data (IEEE 754: NaN != NaN)
    return bool(a == b)


_last_read: list = [None, None]  # the bytes last read by _read_to_pixels, and what it gave


def _read_to_pixels(data: bytes) -> tuple[pydicom.Dataset, int] | Exception:
    """pydicom's ``read_partial`` of `data` stopped at the first pixel data element: the data set and the
    offset it stopped at, or the exception it raised. The result for the last bytes object is kept: the
    target asks twice for most inputs (:func:`check_scan`, :func:`_later_pixel_data`)."""
    if _last_read[0] is not data:
        buf = io.BytesIO(data)
        try:
            result = (read_partial(buf, lambda tag, vr, length: tag in _PIXEL_TAGS, force=True), buf.tell())
        except Exception as exc:  # noqa: BLE001
            result = exc
        _last_read[:] = [data, result]
    return _last_read[1]


def check_scan(data: bytes) -> None:
    """When the scan accepts `data`'s header, pydicom's reader stops at the same pixel data with the same elements."""
    head = data if len(data) <= HEAD_BYTES else data[:HEAD_BYTES]
    found = scan_file(head)
    if found is None:
        return
    partial = _read_to_pixels(head)
    if isinstance(partial, Exception):
        try:
            scanned_dataset(found)
        except Exception:  # noqa: BLE001  (both fail: read_head reads with pydicom, which fails as before)
            return
        raise AssertionError("pydicom's reader fails on a header the scan reads") from None
    ref, stop = partial
    assert stop == found.pixel_at, f"the scan stops at byte {found.pixel_at}, pydicom at {stop}"
    assert list(found.elements) == list(ref._dict), "the scan finds other elements than pydicom"
    for tag, elem in found.elements.items():
        theirs = ref._dict[tag]
        if type(theirs) is type(elem):  # both raw: the same bytes
            assert theirs == elem, f"{tag}: the scan's raw element differs from pydicom's"
    undefined = found.undefined
    try:
        ours = scanned_dataset(found)  # (takes over found.elements)
    except Exception:  # noqa: BLE001  (read_head then reads with pydicom)
        return
    for tag in undefined:  # sequences of undefined length, which pydicom's reader reads at once
        assert _equal(_converted(ours, tag), _converted(ref, tag)), f"{tag}: the scan's sequence differs from pydicom's"
    theirs_meta = ref.file_meta._dict
    assert list(ours.file_meta._dict) == list(theirs_meta), "the scan's File Meta Information has other elements"
    for tag, elem in ours.file_meta._dict.items():
        other = theirs_meta[tag]
        same = elem == other if type(elem) is type(other) else _equal(_converted(ours.file_meta, tag), _converted(ref.file_meta, tag))
        assert same, f"{tag}: the scan's File Meta element differs from pydicom's"


def check_image(data: bytes, frames: list[np.ndarray]) -> None:
    """A lazy Image of the same file: frames read one at a time (``Session.decode_one``) equal ``pixel_array``'s."""
    with imread(io.BytesIO(data), lazy_frame_retrieval=True) as image:
        count = image.number_of_frames  # (0028,0008) Number of Frames: pixel_array may give excess frames too
        assert count <= len(frames), f"the Image has {count} frames, pixel_array {len(frames)}"
        for k in sorted({count - 1, *range(min(count, 3))}):
            _same(image.get_stored_frame(k, as_index=True), frames[k], f"frame {k} of the lazy Image against pixel_array")


def _later_pixel_data(ds, data: bytes) -> bool:
    """Whether pydicom's data set holds a pixel data element that comes after the file's first one.

    A second pixel data element (out of order, PS3.5 7.1): pydicom keeps the
    later value, the file path reads the first (and names the second in an
    ``ElementOrderError`` when it can read past the first; a corrupt first
    value is refused before that).
    """
    elem = next((ds._dict[tag] for tag in _PIXEL_TAGS if tag in ds._dict), None)
    tell = getattr(elem, "value_tell", None) if elem is not None else None
    if tell is None:
        tell = getattr(elem, "file_tell", None)
    partial = _read_to_pixels(data)
    if isinstance(partial, Exception):
        return False
    return tell is not None and tell > partial[1] + 12  # past the first element's header (8 or 12 bytes)


def run(data: bytes) -> None:
    check_scan(data)
    error = None
    try:
        arr = pixel_array(io.BytesIO(data))
    except DcmcoreError as exc:
        arr, error = None, exc
    if arr is not None:
        frames = list(iter_pixels(io.BytesIO(data)))
        _same(frames[0] if len(frames) == 1 else np.stack(frames), arr, "iter_pixels against pixel_array")
        check_image(data, frames)
    # the same bytes as a Dataset: dcmcore's in-memory path (pydicom's own failures are not under test)
    try:
        ds = pydicom.dcmread(io.BytesIO(data), force=True)
        ds.get("PixelData")  # the data set is read lazily: parse up to Pixel Data here
    except Exception:  # noqa: BLE001
        ds = None
    if ds is not None and _later_pixel_data(ds, data):
        ds = None  # pydicom kept a second pixel data element: the two paths decode different values (STRICTER)
    if ds is not None:
        try:
            from_ds = pixel_array(ds)
        except DcmcoreError:
            from_ds = None
        if arr is not None and from_ds is not None:
            _same(from_ds, arr, "pixel_array of the Dataset against pixel_array of the file")
        if error is not None and from_ds is not None and not isinstance(error, STRICTER):
            raise AssertionError(
                f"the file path refuses the file ({type(error).__name__}: {error}) but the Dataset path decodes it"
            )
    if error is not None:
        raise error
