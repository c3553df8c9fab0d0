"""Reading one overlay group's elements: names, values and the validated layout.

Everything here reads ``Dataset._dict`` directly by integer tag, converting a
raw element (``ds[tag]``) only when it has not been converted yet, so that the
per-call cost of :func:`resolve` stays a few microseconds.
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.tag import BaseTag

from dcmcore.dataset_elements import element as read_element
from dcmcore.dataset_elements import integer, is_little_endian
from dcmcore.dataset_elements import tag_name as element_name
from dcmcore.errors import (
    ArrayTooLargeError,
    InvalidElementError,
    MissingElementError,
    PixelDataLengthError,
    UnsupportedPixelDataError,
)

__all__ = [
    "FIRST_GROUP",
    "LAST_GROUP",
    "OVERLAY_ELEMENTS",
    "Layout",
    "check_group",
    "element",
    "int_value",
    "tag_name",
    "resolve",
    "frame_origin",
    "swap_word_bytes",
]

FIRST_GROUP = 0x6000
LAST_GROUP = 0x601E

ROWS, COLUMNS, FRAMES, DESCRIPTION = 0x0010, 0x0011, 0x0015, 0x0022
TYPE, SUBTYPE, ORIGIN, FRAME_ORIGIN = 0x0040, 0x0045, 0x0050, 0x0051
BITS_ALLOCATED, BIT_POSITION, LABEL, DATA = 0x0100, 0x0102, 0x1500, 0x3000

#: The elements of an overlay group that dcmcore reads (PS3.3 C.9.2, C.9.3).
OVERLAY_ELEMENTS = (
    ROWS, COLUMNS, FRAMES, DESCRIPTION, TYPE, SUBTYPE, ORIGIN, FRAME_ORIGIN, BITS_ALLOCATED, BIT_POSITION, LABEL, DATA
)

#: More overlay pixels than this (2**40, 128 GiB unpacked) is treated as a corrupt description.
MAX_PIXELS = 1 << 40


def tag_name(group: int, elem: int) -> str:
    """``"(6000,0010) 'Overlay Rows'"`` for ``(0x6000, 0x0010)``."""
    return element_name((group << 16) | elem)


def check_group(group: Any) -> int:
    """Return `group` as an int, or raise ``ValueError``/``TypeError`` if it is no overlay group.

    Overlay groups are the even groups 0x6000 to 0x601E (PS3.5 7.6).
    """
    if isinstance(group, bool):
        raise TypeError("The overlay group must be an int such as 0x6000, not bool")
    if not isinstance(group, int):
        try:
            group = int(group.__index__())
        except AttributeError:
            raise TypeError(f"The overlay group must be an int such as 0x6000, not {type(group).__name__}") from None
    if not FIRST_GROUP <= group <= LAST_GROUP or group & 1:
        raise ValueError(
            f"0x{group:X} is not an overlay group: overlays use the even groups 0x6000 to 0x601E "
            "(PS3.5 7.6), e.g. 0x6000 or 0x6002"
        )
    return group


class _Key(BaseTag):
    """A tag for looking up ``Dataset._dict``, whose keys are pydicom ``BaseTag`` objects.

    ``BaseTag.__eq__`` is Python code that runs on every dictionary hit. As a
    subclass whose ``__eq__`` is ``int``'s, this key's comparison is tried
    first (Python gives a subclass's reflected operator priority) and runs in
    C, which halves the cost of a lookup; the result is the same.
    """

    __slots__ = ()
    __eq__ = int.__eq__
    __ne__ = int.__ne__
    __hash__ = int.__hash__


def dataset_key(tag: int) -> BaseTag:
    """A fast key for looking up `tag` in ``Dataset._dict`` (see ``_Key``)."""
    return _Key(tag)


_KEYS = {
    (group << 16) | elem: _Key((group << 16) | elem)
    for group in range(FIRST_GROUP, LAST_GROUP + 1, 2)
    for elem in OVERLAY_ELEMENTS
}


def element(ds: Dataset, group: int, elem: int) -> DataElement | None:
    """The element ``(group, elem)`` of `ds`, or None when it is absent or empty."""
    tag = (group << 16) | elem
    e = ds._dict.get(_KEYS.get(tag, tag))
    if e is None:
        return None
    if e.__class__ is not DataElement:  # a raw element not converted yet (or deferred)
        e = read_element(ds, tag)  # InvalidElementError naming it if pydicom cannot convert it
        assert e is not None
    v = e.value
    if v is None or (v.__class__ in (str, bytes) and not v):
        return None
    return e


def int_value(ds: Dataset, group: int, elem: int) -> int | None:
    """The single integer value of ``(group, elem)``, None when absent or empty.

    Raises
    ------
    InvalidElementError
        (a ``ValueError``) if the value is not a single integer.
    """
    return integer(ds, (group << 16) | elem)


class Layout(NamedTuple):
    """The validated description of one overlay, as needed to decode it."""

    group: int
    rows: int
    columns: int
    #: Frames of the overlay; None for an embedded overlay without (60xx,0015)
    #: (it then covers every image frame from its Image Frame Origin on).
    frames: int | None
    #: Overlay Data in little endian bit order; None when the bits are embedded in Pixel Data.
    data: Any
    #: The bit of each Pixel Data sample holding an embedded overlay.
    bit_position: int
    #: Overlay Bits Allocated as given.
    bits_allocated: int


def frame_origin(ds: Dataset, group: int) -> int:
    """(60xx,0051) *Image Frame Origin*: the image frame (1-based) of the first overlay frame; 1 when absent."""
    origin = int_value(ds, group, FRAME_ORIGIN)
    if origin is None:
        return 1
    if origin < 1:
        raise InvalidElementError(
            f"A {tag_name(group, FRAME_ORIGIN)} value of {origin} is invalid: image frames are numbered from 1"
        )
    return origin


def swap_word_bytes(data: bytes) -> bytes:
    """`data` with the two bytes of each 16-bit word swapped (an odd last byte kept as it is)."""
    import numpy as np

    n = len(data) & ~1
    arr = np.frombuffer(data, np.uint16, count=n // 2).byteswap()
    return arr.tobytes() + bytes(data[n:])


def _read_fast(ds: Dataset, group: int) -> tuple | None:
    """The common case read with the fewest lookups: converted elements, Overlay Data present,
    integer values. Returns ``(data_elem, rows, columns, bits_allocated, frames)`` or None
    (then :func:`_read` does the general work and the error reporting)."""
    d = ds._dict
    base = group << 16
    e_data = d.get(_KEYS[base | DATA])
    e_rows = d.get(_KEYS[base | ROWS])
    e_cols = d.get(_KEYS[base | COLUMNS])
    e_bits = d.get(_KEYS[base | BITS_ALLOCATED])
    e_frames = d.get(_KEYS[base | FRAMES])
    if not (
        e_data.__class__ is DataElement
        and e_rows.__class__ is DataElement
        and e_cols.__class__ is DataElement
        and e_bits.__class__ is DataElement
    ):
        return None
    rows, columns, bits = e_rows.value, e_cols.value, e_bits.value
    if rows.__class__ is not int or columns.__class__ is not int or bits.__class__ is not int:
        return None
    if e_frames is None:
        frames = None
    elif e_frames.__class__ is DataElement and isinstance(e_frames.value, int):
        frames = int(e_frames.value)
    else:
        return None
    if not e_data.value:
        return None
    return e_data, rows, columns, bits, frames


def resolve(ds: Dataset, group: int, *, warn: bool = True) -> Layout:
    """Read and validate the elements of overlay `group` (already checked by :func:`check_group`).

    With `warn` False, the remarks about padding (an odd length, excess bytes)
    are not issued.

    Raises
    ------
    MissingElementError
        (an ``AttributeError``) naming every required element that is absent.
    InvalidElementError
        (a ``ValueError``) for an unreadable or invalid value, naming the element and the value.
    PixelDataLengthError
        (a ``ValueError``) for Overlay Data shorter than the overlay needs, with both lengths.
    NotImplementedError
        For Overlay Data with an Overlay Bits Allocated other than 1.
    """
    fast = _read_fast(ds, group)
    if fast is not None:
        data_elem, rows, columns, bits_allocated, frames = fast
        embedded = False
    else:
        data_elem, rows, columns, bits_allocated, frames, bit_position, embedded = _read(ds, group)
    if rows < 1 or columns < 1:
        tag, value = (ROWS, rows) if rows < 1 else (COLUMNS, columns)
        raise InvalidElementError(f"A {tag_name(group, tag)} value of {value} is invalid: it must be at least 1")
    if frames is not None and frames < 1:
        raise InvalidElementError(f"A {tag_name(group, FRAMES)} value of {frames} is invalid: it must be at least 1")
    if embedded:
        return _new_layout((group, rows, columns, frames, None, bit_position, bits_allocated))
    return _overlay_data_layout(ds, group, data_elem, rows, columns, bits_allocated, frames, warn)


def _read(ds: Dataset, group: int) -> tuple:
    data_elem = element(ds, group, DATA)
    rows = int_value(ds, group, ROWS)
    columns = int_value(ds, group, COLUMNS)
    bits_allocated = int_value(ds, group, BITS_ALLOCATED)
    embedded = data_elem is None and bits_allocated is not None and bits_allocated > 1
    if data_elem is None and not embedded and ((group << 16) | DATA) in ds._dict:
        # present but empty: for a 1-bit overlay that is data too short, not absent
        data_elem = ds[(group << 16) | DATA]
    required = [(ROWS, rows), (COLUMNS, columns), (BITS_ALLOCATED, bits_allocated)]
    bit_position = 0
    if embedded:
        bit_position = int_value(ds, group, BIT_POSITION)
        required.append((BIT_POSITION, bit_position))
    else:
        required.insert(0, (DATA, data_elem))
    missing = [tag_name(group, tag) for tag, value in required if value is None]
    if missing:
        raise MissingElementError(
            f"Overlay group 0x{group:04X} lacks the required element{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (absent or empty): no overlay to read"
        )
    return data_elem, rows, columns, bits_allocated, int_value(ds, group, FRAMES), bit_position, embedded


def _overlay_data_layout(
    ds: Dataset,
    group: int,
    data_elem: DataElement,
    rows: int,
    columns: int,
    bits_allocated: int,
    frames: int | None,
    warn: bool,
) -> Layout:
    if bits_allocated != 1:
        raise UnsupportedPixelDataError(
            f"A {tag_name(group, BITS_ALLOCATED)} value of {bits_allocated} with {tag_name(group, DATA)} "
            "present is not supported: Overlay Data holds 1 bit per pixel (PS3.3 C.9.2.1.1); values above 1 "
            "describe overlays embedded in the unused bits of Pixel Data, which then has no Overlay Data"
        )
    if frames is None:
        frames = 1
    data = data_elem.value
    if data is None:
        data = b""
    if data.__class__ is not bytes and not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidElementError(
            f"{tag_name(group, DATA)} holds {type(data).__name__} {_short(data)} (VR {data_elem.VR}), not bytes: "
            "Overlay Data must have the VR OB or OW"
        )
    pixels = rows * columns * frames
    if pixels > MAX_PIXELS:
        raise ArrayTooLargeError(
            f"Overlay group 0x{group:04X} describes {frames} frames of {rows} x {columns} pixels "
            f"({pixels} pixels), more than dcmcore will unpack ({MAX_PIXELS})"
        )
    expected = (pixels + 7) >> 3
    actual = len(data)
    padded = expected + (expected & 1)
    if actual < expected:
        raise PixelDataLengthError(
            f"{tag_name(group, DATA)} holds {actual} bytes but {frames} frame{'s' if frames > 1 else ''} of "
            f"{rows} x {columns} 1-bit pixels need {expected} bytes ({padded} with padding): the data set "
            "may be truncated or its Overlay Rows, Overlay Columns or Number of Frames in Overlay may be wrong"
        )
    if not warn:
        pass
    elif actual < padded:
        warnings.warn(
            f"{tag_name(group, DATA)} has the odd length {actual}: the trailing padding byte is missing",
            UserWarning,
            stacklevel=3,
        )
    elif actual > padded:
        warnings.warn(
            f"{tag_name(group, DATA)} holds {actual} bytes, {actual - expected} more than the {expected} "
            f"bytes its {frames} frame{'s' if frames > 1 else ''} of {rows} x {columns} pixels need: "
            "the excess is ignored",
            UserWarning,
            stacklevel=3,
        )
    if data_elem.VR == "OW" and not is_little_endian(ds):
        # PS3.5 8.1.2/8.2: OW is a stream of 16-bit words whose bit 0 is the first pixel.
        data = swap_word_bytes(data[:padded])
    return _new_layout((group, rows, columns, frames, data, 0, 1))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _new_layout(values: tuple) -> Layout:
    return tuple.__new__(Layout, values)
