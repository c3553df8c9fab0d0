"""Finding a frame's ICC profile: at the top level, or in its optical path (microscopy).

Internal to :mod:`dcmcore.transforms`: the other modules of the subpackage
import its public names.
"""

from __future__ import annotations

from pydicom.dataset import Dataset

from dcmcore.errors import InvalidElementError
from dcmcore.transforms._dsutil import T, first_item, frame_items, get, items, strings, tag_name

__all__ = ["icc_per_frame", "icc_profile"]


def icc_per_frame(ds: Dataset) -> bool:
    """True when each frame's optical path picks its ICC profile (no top-level profile, several paths)."""
    if get(ds, T.ICCProfile) is not None:
        return False
    paths = items(ds, T.OpticalPathSequence)
    return bool(paths) and len(paths) > 1


def icc_profile(ds: Dataset, frame_index: int | None) -> bytes | None:
    """The ICC profile for a frame: top level, or in the frame's optical path (microscopy)."""
    profile = get(ds, T.ICCProfile)
    if profile is not None:
        return _profile_bytes(profile)
    paths = items(ds, T.OpticalPathSequence)
    if not paths:
        return None
    if len(paths) == 1:
        item = paths[0]
    else:
        identifier = None
        for source, _ in frame_items(ds, frame_index if frame_index is not None else None):
            ident = first_item(source, T.OpticalPathIdentificationSequence)
            if ident is not None:
                identifier = (strings(ident, T.OpticalPathIdentifier) or [None])[0]
        if identifier is None:
            raise ValueError(
                f"The data set has several {tag_name(T.OpticalPathSequence)} items and the frame's "
                f"{tag_name(T.OpticalPathIdentifier)} is unknown (pass frame_index)"
            )
        matches = [p for p in paths if (strings(p, T.OpticalPathIdentifier) or [None])[0] == identifier]
        if not matches:
            raise InvalidElementError(
                f"No {tag_name(T.OpticalPathSequence)} item has the frame's {tag_name(T.OpticalPathIdentifier)} "
                f"{identifier!r}"
            )
        item = matches[0]
    profile = get(item, T.ICCProfile)
    return _profile_bytes(profile) if profile is not None else None


def _profile_bytes(profile: object) -> bytes:
    if not isinstance(profile, (bytes, bytearray, memoryview)):
        shown = repr(profile) if len(repr(profile)) <= 40 else repr(profile)[:37] + "..."
        raise InvalidElementError(f"{tag_name(T.ICCProfile)} holds {type(profile).__name__} {shown}, not bytes (VR OB)")
    return bytes(profile)
