"""The Palette Color LUT of a data set (PS3.3 C.7.6.3.1.5, C.7.9), plain or segmented, and its cache.

Internal to :mod:`dcmcore.transforms`: the other modules of the subpackage
import its public names.
"""

from __future__ import annotations

import threading

import numpy as np
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue as _MultiValue

from dcmcore.transforms import _engine as E
from dcmcore.dataset_elements import element_value
from dcmcore.transforms._dsutil import T, get, tag_name
from dcmcore.transforms._lutdata import PALETTE_BITS, expand_segmented, read_descriptor, read_lut_data
from dcmcore.transforms.errors import InvalidTransformError, TransformNotFoundError

__all__ = ["palette_table", "palette_stage", "PALETTE_CACHE", "PALETTE_TAGS"]

_LOCK = threading.Lock()


def palette_table(ds: Dataset, *, signed: bool, little: bool) -> tuple[int, np.ndarray]:
    """``(first mapped value, (n, 3) entries)`` of a data set's Palette Color LUT.

    Plain or segmented (PS3.3 C.7.6.3.1.5, C.7.9); the three descriptors
    must agree, and the three tables must have the descriptor's length.
    """
    desc_tags = (T.RedPaletteColorLookupTableDescriptor, T.GreenPaletteColorLookupTableDescriptor, T.BluePaletteColorLookupTableDescriptor)
    data_tags = (T.RedPaletteColorLookupTableData, T.GreenPaletteColorLookupTableData, T.BluePaletteColorLookupTableData)
    seg_tags = (
        T.SegmentedRedPaletteColorLookupTableData,
        T.SegmentedGreenPaletteColorLookupTableData,
        T.SegmentedBluePaletteColorLookupTableData,
    )
    if desc_tags[0] not in ds._dict:
        raise TransformNotFoundError(f"The data set has no {tag_name(desc_tags[0])}: no Palette Color LUT")
    descs = [read_descriptor(ds, t, allowed_bits=PALETTE_BITS, signed_first=signed) for t in desc_tags]
    for t, d in zip(desc_tags[1:], descs[1:]):
        if d != descs[0]:
            raise InvalidTransformError(f"{tag_name(t)} {d} differs from {tag_name(desc_tags[0])} {descs[0]}")
    desc = descs[0]
    segmented = seg_tags[0] in ds._dict
    channels = []
    for i in range(3):
        if segmented:
            if seg_tags[i] not in ds._dict:
                raise InvalidTransformError(f"{tag_name(seg_tags[i])} is missing (the red table is segmented)")
            data = expand_segmented(element_value(ds, seg_tags[i]), desc.bits, little=little, tag=seg_tags[i])
            if len(data) != desc.entries:
                raise InvalidTransformError(
                    f"{tag_name(seg_tags[i])} expands to {len(data)} entries, but {tag_name(desc_tags[i])} "
                    f"describes {desc.entries}"
                )
        else:
            if data_tags[i] not in ds._dict:
                raise InvalidTransformError(f"{tag_name(data_tags[i])} is missing")
            data = read_lut_data(ds, data_tags[i], desc, desc_tags[i], little=little)
        channels.append(data)
    dtype = np.uint8 if desc.bits == 8 else np.uint16
    return desc.first_mapped, np.stack([c.astype(dtype) for c in channels], axis=-1)


PALETTE_CACHE: dict = {}
PALETTE_TAGS = (
    T.RedPaletteColorLookupTableDescriptor,
    T.GreenPaletteColorLookupTableDescriptor,
    T.BluePaletteColorLookupTableDescriptor,
    T.RedPaletteColorLookupTableData,
    T.GreenPaletteColorLookupTableData,
    T.BluePaletteColorLookupTableData,
    T.SegmentedRedPaletteColorLookupTableData,
    T.SegmentedGreenPaletteColorLookupTableData,
    T.SegmentedBluePaletteColorLookupTableData,
)


def palette_stage(ds: Dataset, *, signed: bool, little: bool) -> E.Palette:
    """The Palette Color LUT of `ds` as a transform stage, cached by the tables' content."""
    values = []
    for tag in PALETTE_TAGS:
        v = get(ds, tag)
        if isinstance(v, (list, _MultiValue)):
            v = tuple(v)
        values.append(v)
    key = (tuple(values), signed, little)
    try:
        stage = PALETTE_CACHE.get(key)
    except TypeError:
        key, stage = None, None
    if stage is None:
        first, data = palette_table(ds, signed=signed, little=little)
        stage = E.Palette(first, data)
        if key is not None:
            with _LOCK:
                if len(PALETTE_CACHE) >= 32:
                    PALETTE_CACHE.pop(next(iter(PALETTE_CACHE)), None)
                PALETTE_CACHE[key] = stage
    return stage
