"""The tags of the elements the transforms read, and where a frame's elements live.

The element readers are those of :mod:`dcmcore.dataset_elements` (by tag,
through the data set's element dictionary, each value checked before use so
that a malformed element gives an :class:`~dcmcore.errors.InvalidElementError`
naming it); they are re-exported here under the names the transforms use.
"""

from __future__ import annotations

from typing import Iterator

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from dcmcore.dataset_elements import (
    check_frame_index,
    integers,
    is_little_endian,
    number,
    numbers,
    strings,
    tag_name,
)
from dcmcore.dataset_elements import value as get
from dcmcore.errors import InvalidElementError

__all__ = [
    "T",
    "frame_items",
    "items",
    "has",
    "first_item",
    # the readers of dcmcore.dataset_elements, under the names the transforms use
    "tag_name",
    "get",
    "number",
    "numbers",
    "integers",
    "strings",
    "is_little_endian",
]


class T:
    """Tags of the elements the transforms use."""

    PhotometricInterpretation = 0x00280004
    SamplesPerPixel = 0x00280002
    Rows = 0x00280010
    Columns = 0x00280011
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


def has(ds: Dataset, tag: int) -> bool:
    """Whether `ds` holds the element (present, even if empty)."""
    return tag in ds._dict


def first_item(ds: Dataset, tag: int) -> Dataset | None:
    """The first item of the sequence `tag`, or None when absent or empty.

    Raises
    ------
    InvalidElementError
        Naming the element and its value, when it is not a sequence of items
        (an element with another VR under a sequence's tag).
    """
    seq = items(ds, tag)
    return seq[0] if seq else None


def items(ds: Dataset, tag: int) -> Sequence | list:
    """The items of the sequence `tag` (an empty list when absent or empty).

    Raises
    ------
    InvalidElementError
        Naming the element and its value, when it is not a sequence of items
        (an element with another VR under a sequence's tag).
    """
    seq = get(ds, tag)
    if seq is None:
        return []
    if not isinstance(seq, Sequence) or not all(isinstance(item, Dataset) for item in seq):
        shown = repr(seq) if len(repr(seq)) <= 40 else repr(seq)[:37] + "..."
        raise InvalidElementError(f"{tag_name(tag)} holds {type(seq).__name__} {shown}, not a sequence of items")
    return seq


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
        per_frame = items(ds, T.PerFrameFunctionalGroupsSequence)
        if per_frame:
            frame_index = check_frame_index(
                frame_index,
                len(per_frame),
                name="frame_index",
                holder="the data set",
                counted_by=f"items of {tag_name(T.PerFrameFunctionalGroupsSequence)}",
            )
            yield per_frame[frame_index], False
