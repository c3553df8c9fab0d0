"""Reading a data set's elements: the one description shared by every layer.

An internal module (not re-exported by :mod:`dcmcore`) whose names are public
so that :mod:`dcmcore.spec`, :mod:`dcmcore.transforms`, :mod:`dcmcore.overlays`
and the readers of pixel data use the same rules:

* :func:`tag_name` -- ``"(0028,0010) 'Rows'"`` for any tag, from pydicom's dictionary;
* :func:`element`, :func:`element_value` / :func:`value` -- an element, its
  value, a raw element converted by pydicom, and a conversion failure turned
  into :class:`~dcmcore.errors.InvalidElementError` naming the element
  (:class:`~dcmcore.errors.UnknownVRError` for a VR that is not the Standard's);
* :func:`as_int`, :func:`integer`, :func:`integers`, :func:`number`,
  :func:`numbers`, :func:`strings` -- typed readers, each raising
  :class:`~dcmcore.errors.InvalidElementError` naming the element and value;
* :func:`transfer_syntax_of` and :func:`is_little_endian` -- the encoding of a
  data set, decided with one precedence (see :func:`transfer_syntax_of`);
* :func:`check_frame_index` -- the frame index check, raising
  :class:`~dcmcore.errors.FrameIndexError`.

Lookups go by integer tag through ``Dataset._dict`` (a keyword lookup costs a
dictionary search each time), converting a raw element only once.
"""

from __future__ import annotations

import operator
from typing import Any

from pydicom.datadict import dictionary_description
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence as PydicomSequence
from pydicom.uid import UID
from pydicom.valuerep import VR

from dcmcore.errors import FrameIndexError, InvalidElementError, MissingElementError, UnknownVRError
from dcmcore.uids import (
    BIG_ENDIAN_TRANSFER_SYNTAXES,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)

__all__ = [
    "TRANSFER_SYNTAX_UID",
    "tag_name",
    "element",
    "element_value",
    "plain_value",
    "value",
    "as_int",
    "integer",
    "integers",
    "number",
    "numbers",
    "strings",
    "transfer_syntax_of",
    "is_little_endian",
    "check_frame_index",
]

#: (0002,0010) Transfer Syntax UID, in the File Meta Information.
TRANSFER_SYNTAX_UID = 0x00020010

_NAMES: dict[int, str] = {}


def tag_name(tag: int) -> str:
    """``"(0028,1051) 'Window Width'"`` for a tag (``'Unknown'`` when pydicom's dictionary lacks it)."""
    name = _NAMES.get(tag)
    if name is None:
        try:
            description = dictionary_description(tag)
        except KeyError:
            description = "Unknown"
        name = _NAMES[tag] = f"({tag >> 16:04X},{tag & 0xFFFF:04X}) '{description}'"
    return name


#: The two-letter Value Representations of the Standard (PS3.5 6.2) that pydicom knows.
KNOWN_VRS = frozenset(vr.value for vr in VR if len(vr.value) == 2)


def element(ds: Dataset, tag: int) -> DataElement | None:
    """Element `tag` of `ds` (None when absent), converted by pydicom if still raw.

    Raises
    ------
    UnknownVRError
        (an ``InvalidElementError`` and a ``NotImplementedError``) naming the
        element and its VR, when the VR is not one of the Standard's.
    InvalidElementError
        Naming the element, when pydicom cannot convert its raw value (a wrong
        VR or length).
    """
    elem = ds._dict.get(tag)
    if elem is None or elem.__class__ is DataElement:  # already converted: skip Dataset.__getitem__
        return elem
    try:
        return ds[tag]
    except Exception as exc:
        vr = getattr(elem, "VR", None)
        if isinstance(exc, NotImplementedError) and vr is not None and vr not in KNOWN_VRS:
            raise UnknownVRError(
                f"{tag_name(tag)} has the Value Representation {vr!r}, which is not one of the DICOM "
                "Standard's: its value cannot be read"
            ) from exc
        raise InvalidElementError(f"{tag_name(tag)} cannot be read: {type(exc).__name__}: {exc}") from exc


def element_value(ds: Dataset, tag: int) -> Any:
    """The value of element `tag` of `ds` (None when absent), converted by pydicom if still raw.

    Raises
    ------
    InvalidElementError
        Naming the element, when pydicom cannot convert its raw value (see :func:`element`).
    """
    elem = ds._dict.get(tag)
    if elem is None:
        return None
    if elem.__class__ is DataElement:  # already converted: skip Dataset.__getitem__
        return elem.value
    return element(ds, tag).value  # type: ignore[union-attr]


# Elements whose raw value plain_value reads from its bytes when it is plainly one value: US
# (Rows, Columns, Samples per Pixel, Planar Configuration, Bits Allocated, Bits Stored, Pixel
# Representation), IS (Number of Frames) and CS (Photometric Interpretation)
_PLAIN_US = frozenset((0x00280010, 0x00280011, 0x00280002, 0x00280006, 0x00280100, 0x00280101, 0x00280103))
_PLAIN_IS = 0x00280008
_PLAIN_CS = 0x00280004
_DIGITS = frozenset(b"0123456789")


def plain_value(ds: Dataset, tag: int) -> Any:
    """The value of an element of the pixel description, as :func:`element_value` gives it, read cheaply.

    A raw element read from a file that holds one plain value (a 2-byte US,
    an IS of digits, a CS word without backslash) is read from its bytes as
    an int or str; the element itself stays raw. Anything else (and any other
    tag) goes through :func:`element_value`, so through pydicom.
    """
    elem = ds._dict.get(tag)
    if elem is None:
        return None
    if elem.__class__ is not DataElement and elem.length != 0xFFFFFFFF:
        raw, vr = elem.value, elem.VR
        if isinstance(raw, bytes):
            if tag in _PLAIN_US:
                if vr in ("US", None) and len(raw) == 2:
                    return int.from_bytes(raw, "little" if elem.is_little_endian else "big")
            elif tag == _PLAIN_IS:
                digits = raw.strip(b" \0")
                if vr in ("IS", None) and digits and len(digits) <= 9 and set(digits) <= _DIGITS:
                    return int(digits)
            elif tag == _PLAIN_CS and vr in ("CS", None) and b"\\" not in raw:
                text = raw.decode("ascii", "replace").strip("\0 ")
                if text.isascii() and text.replace("_", "").isalnum():
                    return text
    return element_value(ds, tag)


def value(ds: Dataset, tag: int, default: Any = None) -> Any:
    """The value of element `tag`, or `default` when it is absent or empty (see :func:`element_value`)."""
    v = element_value(ds, tag)
    if v is None:
        return default
    try:
        if len(v) == 0:
            return default
    except TypeError:
        pass
    return v


def _as_list(v: Any) -> list:
    return list(v) if isinstance(v, (list, tuple, MultiValue)) else [v]


def _not_integer(tag: int, v: Any) -> InvalidElementError:
    return InvalidElementError(f"{tag_name(tag)} has the value {v!r}, which is not an integer")


def as_int(v: Any, tag: int) -> int:
    """`v`, one value of element `tag`, as an int: an integer, an integral float, or digits in a str/bytes.

    Raises
    ------
    InvalidElementError
        Naming the element and the value, for anything else.
    """
    if v.__class__ is int:
        return v
    try:
        if isinstance(v, (bytes, str)):
            return int(v.strip(b"\0 " if isinstance(v, bytes) else "\0 "))
        if isinstance(v, bool) or (isinstance(v, float) and not v.is_integer()):
            raise ValueError
        return operator.index(v) if not isinstance(v, float) else int(v)
    except (TypeError, ValueError, OverflowError):
        raise _not_integer(tag, v) from None


def integer(ds: Dataset, tag: int) -> int | None:
    """The single integer value of element `tag`, None when absent or empty.

    Raises
    ------
    InvalidElementError
        If the value is not a single integer.
    """
    v = value(ds, tag)
    if v is None:
        return None
    if not isinstance(v, (list, tuple, MultiValue)):
        try:
            return as_int(v, tag)
        except InvalidElementError:
            pass
    raise InvalidElementError(f"{tag_name(tag)} has the value {v!r}, which is not a single integer")


def integers(ds: Dataset, tag: int) -> list[int] | None:
    """Every value of an integer element, None when absent or empty."""
    v = value(ds, tag)
    return None if v is None else [as_int(item, tag) for item in _as_list(v)]


def _as_float(v: Any, tag: int) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        raise InvalidElementError(f"{tag_name(tag)} has the value {v!r}, which is not a number") from None


def number(ds: Dataset, tag: int, default: float | None = None) -> float | None:
    """The single value of a numeric element (DS, FD, US, ...) as a float, `default` when absent or empty."""
    v = value(ds, tag)
    if v is None:
        return default
    if isinstance(v, (list, tuple, MultiValue)):
        if len(v) != 1:
            raise InvalidElementError(f"{tag_name(tag)} must have a single value, not {len(v)} ({v!r})")
        v = v[0]
    return _as_float(v, tag)


def numbers(ds: Dataset, tag: int) -> list[float] | None:
    """Every value of a numeric element as floats, None when absent or empty."""
    v = value(ds, tag)
    return None if v is None else [_as_float(item, tag) for item in _as_list(v)]


def strings(ds: Dataset, tag: int) -> list[str] | None:
    """Every value of a string element, stripped, None when absent or empty."""
    v = value(ds, tag)
    return None if v is None else [str(item).strip() for item in _as_list(v)]


# ---- encoding -------------------------------------------------------------------------------


def _file_meta_value(ds: Dataset) -> Any:
    """The raw value of (0002,0010) in the File Meta Information of `ds`, None when absent or empty."""
    meta = vars(ds).get("file_meta")
    if meta is None:
        return None
    elem = meta._dict.get(TRANSFER_SYNTAX_UID)
    if elem is None:
        return None
    uid = elem.value if elem.__class__ is DataElement else element_value(meta, TRANSFER_SYNTAX_UID)
    return uid or None


def _file_meta_syntax(ds: Dataset) -> UID | None:
    uid = _file_meta_value(ds)
    if uid is None or (type(uid) is UID and not uid.endswith(("\0", " "))):
        return uid  # (a UID made again is validated again)
    if isinstance(uid, PydicomSequence):  # (0002,0010) of VR SQ: no UID (its items stay unread)
        raise InvalidElementError(f"{tag_name(TRANSFER_SYNTAX_UID)} is a sequence (VR SQ), not a UID")
    return UID(str(uid).strip("\0 "))


def _read_encoding(ds: Dataset) -> tuple[bool | None, bool | None]:
    # Dataset.original_encoding is (_read_implicit, _read_little); the attributes are
    # read directly when present (the property costs more than the rest of a lookup)
    attrs = vars(ds)
    if "_read_little" in attrs:
        return attrs.get("_read_implicit"), attrs["_read_little"]
    return getattr(ds, "original_encoding", (None, None))


def transfer_syntax_of(ds: Dataset) -> UID:
    """The Transfer Syntax UID of a data set's encoded values.

    The one precedence dcmcore uses for a data set's encoding (and so for the
    byte order of its OB/OW values, :func:`is_little_endian`):

    1. (0002,0010) *Transfer Syntax UID* of its File Meta Information, which
       is what the data set will be written with;
    2. otherwise the encoding pydicom read it with (``original_encoding``).

    Raises
    ------
    MissingElementError
        If neither is known.
    """
    uid = _file_meta_syntax(ds)
    if uid:
        return uid
    implicit, little = _read_encoding(ds)
    if implicit is not None and little is not None:
        if implicit:
            return ImplicitVRLittleEndian
        return ExplicitVRLittleEndian if little else ExplicitVRBigEndian
    raise MissingElementError(
        "The data set has no (0002,0010) 'Transfer Syntax UID' in its File Meta "
        "Information and was not read from a file, so the encoding of its pixel "
        "data is unknown; set ds.file_meta.TransferSyntaxUID"
    )


_LITTLE: dict[Any, bool | None] = {}


def _syntax_is_little(value: Any) -> bool | None:
    """Byte order of the transfer syntax `value`; None for one pydicom does not know. Cached by value."""
    try:
        return _LITTLE[value]
    except KeyError:
        pass
    except TypeError:  # an unhashable (multi-valued) element: its text
        value = str(value)
    uid = UID(str(value).strip("\0 "))
    if uid in BIG_ENDIAN_TRANSFER_SYNTAXES:
        little: bool | None = False
    else:
        try:
            little = bool(uid.is_little_endian) if uid.is_transfer_syntax else None
        except ValueError:  # a private syntax pydicom cannot classify
            little = None
    if len(_LITTLE) < 256:
        _LITTLE[value] = little
    return little


def is_little_endian(*datasets: Dataset | None) -> bool:
    """Byte order of the OB/OW values of the first of `datasets` whose encoding is known.

    The precedence of :func:`transfer_syntax_of`: the File Meta Information's
    Transfer Syntax UID (when pydicom knows that syntax), then the encoding
    pydicom read the data set with. A data set made in memory, without either,
    is little endian. Several data sets are given for an item of a sequence,
    which has no File Meta Information of its own, and its parent.
    """
    for ds in datasets:
        if ds is None:
            continue
        uid = _file_meta_value(ds)
        if uid is not None:
            little = _syntax_is_little(uid)
            if little is not None:
                return little
        little = _read_encoding(ds)[1]
        if little is not None:
            return bool(little)
    return True


# ---- frame index ----------------------------------------------------------------------------


def check_frame_index(
    index: Any,
    nframes: int,
    *,
    name: str = "index",
    holder: str = "the pixel data",
    counted_by: str = "(0028,0008) 'Number of Frames'",
) -> int:
    """`index` as an int checked to be a 0-based frame index below `nframes`.

    Parameters
    ----------
    index : int
        The index given by the caller.
    nframes : int
        The number of frames.
    name, holder, counted_by : str
        For the message: the parameter's name, what holds the frames and the
        element that counts them.

    Raises
    ------
    TypeError
        If `index` is not an integer (a bool is not).
    FrameIndexError
        (a ``ValueError`` and an ``IndexError``) if it is negative or not below `nframes`.
    """
    if isinstance(index, bool):
        raise TypeError(f"'{name}' must be an integer, not bool {index!r}")
    try:
        index = operator.index(index)
    except TypeError:
        raise TypeError(f"'{name}' must be an integer, not {type(index).__name__} {index!r}") from None
    if index < 0:
        raise FrameIndexError(f"'{name}' {index} is out of range: it must be greater than or equal to 0")
    if index >= nframes:
        raise FrameIndexError(
            f"'{name}' {index} is out of range: {holder} has {nframes} frame"
            f"{'s' if nframes != 1 else ''} ({counted_by})"
        )
    return index
