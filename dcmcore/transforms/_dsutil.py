"""Fast, defensive access to the data elements the transforms read.

``TransformChain.from_dataset`` is meant to be called per frame, so element
lookups go by tag through the data set's element dictionary (a keyword
lookup costs a dictionary-of-keywords search each time), and every value is
checked before use, so that a malformed element gives an error that names it.
"""

from __future__ import annotations

from typing import Any, Iterator

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from dcmcore.transforms.errors import InvalidTransformError

__all__ = ["T", "tag_name", "get", "has", "first_item", "number", "numbers", "integers", "is_little_endian"]


class T:
    """Tags of the elements the transforms use."""

    PhotometricInterpretation = 0x00280004
    SamplesPerPixel = 0x00280002
    NumberOfFrames = 0x00280008
    BitsAllocated = 0x00280100
    BitsStored = 0x00280101
    PixelRepresentation = 0x00280103
    WindowCenter = 0x00281050
    WindowWidth = 0x00281051
    RescaleIntercept = 0x00281052
    RescaleSlope = 0x00281053
    RescaleType = 0x00281054
    WindowCenterWidthExplanation = 0x00281055
    VOILUTFunction = 0x00281056
    RedPaletteColorLookupTableDescriptor = 0x00281101
    GreenPaletteColorLookupTableDescriptor = 0x00281102
    BluePaletteColorLookupTableDescriptor = 0x00281103
    AlphaPaletteColorLookupTableDescriptor = 0x00281104
    PaletteColorLookupTableUID = 0x00281199
    RedPaletteColorLookupTableData = 0x00281201
    GreenPaletteColorLookupTableData = 0x00281202
    BluePaletteColorLookupTableData = 0x00281203
    AlphaPaletteColorLookupTableData = 0x00281204
    SegmentedRedPaletteColorLookupTableData = 0x00281221
    SegmentedGreenPaletteColorLookupTableData = 0x00281222
    SegmentedBluePaletteColorLookupTableData = 0x00281223
    SegmentedAlphaPaletteColorLookupTableData = 0x00281224
    ICCProfile = 0x00282000
    ColorSpace = 0x00282002
    LUTDescriptor = 0x00283002
    LUTExplanation = 0x00283003
    ModalityLUTType = 0x00283004
    LUTData = 0x00283006
    ModalityLUTSequence = 0x00283000
    VOILUTSequence = 0x00283010
    PixelPresentation = 0x00089205
    FrameVOILUTSequence = 0x00289132
    PixelValueTransformationSequence = 0x00289145
    PresentationLUTSequence = 0x20500010
    PresentationLUTShape = 0x20500020
    SharedFunctionalGroupsSequence = 0x52009229
    PerFrameFunctionalGroupsSequence = 0x52009230
    RealWorldValueMappingSequence = 0x00409096
    RealWorldValueLastValueMapped = 0x00409211
    RealWorldValueLUTData = 0x00409212
    DoubleFloatRealWorldValueLastValueMapped = 0x00409213
    DoubleFloatRealWorldValueFirstValueMapped = 0x00409214
    RealWorldValueFirstValueMapped = 0x00409216
    RealWorldValueIntercept = 0x00409224
    RealWorldValueSlope = 0x00409225
    LUTLabel = 0x00409210
    MeasurementUnitsCodeSequence = 0x004008EA
    OpticalPathSequence = 0x00480105
    OpticalPathIdentifier = 0x00480106
    OpticalPathIdentificationSequence = 0x00480207
    CodeValue = 0x00080100
    CodingSchemeDesignator = 0x00080102
    LongCodeValue = 0x00080119
    URNCodeValue = 0x00080120


_NAMES: dict[int, str] = {}


def tag_name(tag: int) -> str:
    """``"(0028,1051) 'Window Width'"`` for a tag."""
    name = _NAMES.get(tag)
    if name is None:
        from pydicom.datadict import dictionary_description

        try:
            desc = dictionary_description(tag)
        except KeyError:
            desc = "Unknown"
        name = f"({tag >> 16:04X},{tag & 0xFFFF:04X}) '{desc}'"
        _NAMES[tag] = name
    return name


def has(ds: Dataset, tag: int) -> bool:
    """Whether `ds` holds the element (present, even if empty)."""
    return tag in ds._dict


def get(ds: Dataset, tag: int, default: Any = None) -> Any:
    """The value of the element `tag` of `ds`, or `default` when absent or empty."""
    elem = ds._dict.get(tag)
    if elem is None:
        return default
    if elem.__class__ is not DataElement:
        elem = ds[tag]  # a raw element: pydicom converts it (once) and stores the result
    value = elem.value
    if value is None:
        return default
    try:
        if len(value) == 0:
            return default
    except TypeError:
        pass
    return value


def first_item(ds: Dataset, tag: int) -> Dataset | None:
    """The first item of the sequence `tag`, or None when absent or empty."""
    seq = get(ds, tag)
    if seq is None:
        return None
    return seq[0] if len(seq) else None


def _as_list(value: Any) -> list:
    if isinstance(value, (list, tuple, MultiValue)):
        return list(value)
    return [value]


def number(ds: Dataset, tag: int, default: float | None = None) -> float | None:
    """The element's single value as a float (DS/FD/US/...), `default` when absent."""
    value = get(ds, tag)
    if value is None:
        return default
    if isinstance(value, (list, tuple, MultiValue)):
        if len(value) != 1:
            raise InvalidTransformError(f"{tag_name(tag)} must have a single value, not {len(value)} ({value!r})")
        value = value[0]
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidTransformError(f"{tag_name(tag)} has the value {value!r}, which is not a number") from None


def numbers(ds: Dataset, tag: int) -> list[float] | None:
    """All values of a multi-valued numeric element as floats, None when absent."""
    value = get(ds, tag)
    if value is None:
        return None
    out = []
    for v in _as_list(value):
        try:
            out.append(float(v))
        except (TypeError, ValueError):
            raise InvalidTransformError(f"{tag_name(tag)} has the value {v!r}, which is not a number") from None
    return out


def integers(ds: Dataset, tag: int) -> list[int] | None:
    """All values of an integer element, None when absent."""
    value = get(ds, tag)
    if value is None:
        return None
    out = []
    for v in _as_list(value):
        try:
            iv = int(v)
        except (TypeError, ValueError):
            raise InvalidTransformError(f"{tag_name(tag)} has the value {v!r}, which is not an integer") from None
        if iv != v and not isinstance(v, str):
            raise InvalidTransformError(f"{tag_name(tag)} has the value {v!r}, which is not an integer")
        out.append(iv)
    return out


def strings(ds: Dataset, tag: int) -> list[str] | None:
    """All values of a string element (stripped), None when absent."""
    value = get(ds, tag)
    if value is None:
        return None
    return [str(v).strip() for v in _as_list(value)]


_SYNTAX_LITTLE: dict[str, bool | None] = {}


def _syntax_little(uid: str) -> bool | None:
    little = _SYNTAX_LITTLE.get(uid)
    if little is None and uid not in _SYNTAX_LITTLE:
        from pydicom.uid import UID

        try:
            u = UID(uid)
            little = bool(u.is_little_endian) if u.is_transfer_syntax else None
        except Exception:  # an unknown or private syntax
            little = None
        _SYNTAX_LITTLE[uid] = little
    return little


def is_little_endian(*datasets: Dataset | None) -> bool:
    """Byte order of OB/OW values read with the first of `datasets` that knows its encoding.

    The transfer syntax of a data set's file meta wins; then the encoding
    pydicom read it with; data sets built in memory are little endian.
    """
    for ds in datasets:
        if ds is None:
            continue
        meta = getattr(ds, "file_meta", None)
        if meta is not None:
            uid = get(meta, 0x00020010)
            if uid is not None:
                little = _syntax_little(str(uid).strip("\0 "))
                if little is not None:
                    return little
        little = getattr(ds, "original_encoding", (None, None))[1]
        if little is not None:
            return bool(little)
    return True


def frame_items(ds: Dataset, frame_index: int | None) -> Iterator[tuple[Dataset, bool]]:
    """The data sets a frame's transform elements may live in, with "shared by all frames".

    The top level, the Shared Functional Groups item and, when `frame_index`
    is given, the frame's Per-Frame Functional Groups item (PS3.3 C.7.6.16).
    """
    yield ds, True
    shared = first_item(ds, T.SharedFunctionalGroupsSequence)
    if shared is not None:
        yield shared, True
    if frame_index is not None:
        per_frame = get(ds, T.PerFrameFunctionalGroupsSequence)
        if per_frame is not None and len(per_frame):
            if not 0 <= frame_index < len(per_frame):
                raise IndexError(
                    f"frame_index {frame_index} is out of range: (5200,9230) 'Per-Frame Functional "
                    f"Groups Sequence' has {len(per_frame)} items"
                )
            yield per_frame[frame_index], False
