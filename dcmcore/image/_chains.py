"""The transform chains of one image: built once per (frame's functional groups, options), then reused.

``get_frame`` and ``get_total_pixel_matrix`` take highdicom's options; the
chain they describe is :class:`~dcmcore.transforms.TransformChain`. A chain
that serves every frame (the usual case: the transforms are in the data set
or the shared functional groups) is built once per set of options. When the
per-frame functional groups hold transforms, frames are grouped by the
content of those macros, and one chain is built per group and set of options.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.tag import Tag

from dcmcore.transforms import TransformChain

__all__ = ["ChainCache", "OPTION_NAMES"]

OPTION_NAMES = (
    "dtype",
    "apply_real_world_transform",
    "real_world_value_map_selector",
    "apply_modality_transform",
    "apply_voi_transform",
    "voi_transform_selector",
    "voi_output_range",
    "apply_presentation_lut",
    "apply_palette_color_lut",
    "apply_icc_profile",
)

# the functional group macros that can make a frame's transform differ from another's
_TRANSFORM_MACROS = tuple(
    Tag(kw)
    for kw in (
        "PixelValueTransformationSequence",
        "FrameVOILUTSequence",
        "RealWorldValueMappingSequence",
        "OpticalPathIdentificationSequence",
    )
)
_PER_FRAME = Tag("PerFrameFunctionalGroupsSequence")
_MAX_CHAINS = 64


def _content(value: Any) -> Any:
    """A hashable rendering of an element value (sequences item by item)."""
    if isinstance(value, (DicomSequence, list, tuple)):
        return tuple(_content(v) for v in value)
    if isinstance(value, Dataset):
        return tuple((int(tag), _content(value[tag].value)) for tag in sorted(value.keys()))
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _options_key(options: dict[str, Any]) -> tuple | None:
    """The options as a key, or None when one of them cannot be one."""
    values = []
    for name in OPTION_NAMES:
        v = options[name]
        if name == "dtype":
            v = np.dtype(v)
        elif name == "voi_output_range":
            v = tuple(v)
        elif isinstance(v, Dataset):  # a VOILUTTransformation: keyed by its content
            v = ("dataset", type(v).__name__, _content(v))
        values.append(v)
    key = tuple(values)
    try:
        hash(key)
    except TypeError:
        return None
    return key


class ChainCache:
    """Transform chains of one data set, keyed by options and frame group."""

    def __init__(self, ds: Dataset) -> None:
        self._ds = ds
        self._chains: dict = {}
        self._groups: list[int] | None = None  # frame index -> first frame of its group
        self._lock = threading.Lock()

    def _frame_groups(self) -> list[int]:
        """For each frame, the first frame whose transform macros have the same content."""
        if self._groups is None:
            elem = self._ds.get(_PER_FRAME)
            items = elem.value if elem is not None and elem.value else []
            first_of: dict = {}
            groups = []
            for i, item in enumerate(items):
                key = tuple(_content(item[t].value) if t in item else None for t in _TRANSFORM_MACROS)
                groups.append(first_of.setdefault(key, i))
            self._groups = groups
        return self._groups

    def chain(self, frame_index: int, options: dict[str, Any]) -> TransformChain:
        """The chain for frame `frame_index` (0-based) with highdicom's options."""
        okey = _options_key(options)
        if okey is None:
            return self._build(frame_index, options)
        whole = self._chains.get((okey, None))
        if whole is None:
            whole = self._build(None, options)
            self._store((okey, None), whole)
        if whole.applies_to_all_frames:
            return whole
        groups = self._frame_groups()
        group = groups[frame_index] if frame_index < len(groups) else frame_index
        key = (okey, group)
        chain = self._chains.get(key)
        if chain is None:
            chain = self._build(group, options)
            self._store(key, chain)
        return chain

    def shared(self, options: dict[str, Any]) -> TransformChain:
        """The chain built for every frame (it may hold one transform per frame)."""
        okey = _options_key(options)
        if okey is None:
            return self._build(None, options)
        whole = self._chains.get((okey, None))
        if whole is None:
            whole = self._build(None, options)
            self._store((okey, None), whole)
        return whole

    def _store(self, key: tuple, chain: TransformChain) -> None:
        with self._lock:
            if len(self._chains) >= _MAX_CHAINS:
                self._chains.pop(next(iter(self._chains)), None)
            self._chains[key] = chain

    def _build(self, frame_index: int | None, options: dict[str, Any]) -> TransformChain:
        return TransformChain.from_dataset(self._ds, frame_index=frame_index, **options)
