"""``list_overlays``: what overlays a data set holds, and where their bits live."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydicom.dataset import Dataset

from dcmcore.dataset_elements import element_value
from dcmcore.errors import InvalidElementError
from dcmcore.overlays._elements import (
    BIT_POSITION,
    BITS_ALLOCATED,
    COLUMNS,
    DATA,
    DESCRIPTION,
    FIRST_GROUP,
    FRAMES,
    LABEL,
    LAST_GROUP,
    ORIGIN,
    ROWS,
    SUBTYPE,
    TYPE,
    element,
    frame_origin as read_frame_origin,
    int_value,
    resolve,
    tag_name,
)

__all__ = ["OverlayInfo", "list_overlays", "overlay_groups", "overlay_origin"]


@dataclass(frozen=True)
class OverlayInfo:
    """One overlay plane of a data set (PS3.3 C.9.2 Overlay Plane, C.9.3 Multi-frame Overlay).

    Attributes
    ----------
    group : int
        The repeating group, 0x6000 to 0x601E.
    rows, columns : int or None
        (60xx,0010) *Overlay Rows* and (60xx,0011) *Overlay Columns*.
    origin : tuple of int or None
        (60xx,0050) *Overlay Origin* as ``(row, column)``, 1-based: ``(1, 1)``
        puts the overlay's first pixel on the image's first pixel; values may
        be 0 or negative (above or left of the image).
    type : str or None
        (60xx,0040) *Overlay Type*: ``"G"`` graphics or ``"R"`` region of interest.
    number_of_frames : int or None
        The overlay's frames: (60xx,0015) *Number of Frames in Overlay*, 1 for
        Overlay Data without it; for an embedded overlay without it, the image
        frames from `image_frame_origin` on (None when that is unknown).
    image_frame_origin : int
        (60xx,0051) *Image Frame Origin*: the image frame (1-based) of the
        first overlay frame; 1 when absent.
    description, label, subtype : str or None
        (60xx,0022) *Overlay Description*, (60xx,1500) *Overlay Label*,
        (60xx,0045) *Overlay Subtype*.
    bits_allocated, bit_position : int or None
        (60xx,0100) *Overlay Bits Allocated* and (60xx,0102) *Overlay Bit Position*.
    location : str or None
        Where the overlay's bits are: ``"OverlayData"`` ((60xx,3000)),
        ``"PixelData"`` (the unused high bits of the stored pixel values), or
        None when neither (see `problem`).
    problem : str or None
        Why the overlay cannot be read, or None when it can.
    """

    group: int
    rows: int | None
    columns: int | None
    origin: tuple[int, int] | None
    type: str | None
    number_of_frames: int | None
    image_frame_origin: int
    description: str | None
    label: str | None
    subtype: str | None
    bits_allocated: int | None
    bit_position: int | None
    location: str | None
    problem: str | None = None

    @property
    def is_embedded(self) -> bool:
        """True when the overlay's bits are in the pixel data."""
        return self.location == "PixelData"

    def overlay_frame(self, image_frame: int) -> int | None:
        """The overlay frame (0-based) drawn on image frame `image_frame` (0-based), or None."""
        if self.number_of_frames is None:
            return None
        k = image_frame - (self.image_frame_origin - 1)
        return k if 0 <= k < self.number_of_frames else None


def overlay_groups(ds: Dataset) -> list[int]:
    """The overlay groups (even, 0x6000 to 0x601E) with at least one element besides a group length."""
    groups = set()
    lo, hi = FIRST_GROUP << 16, (LAST_GROUP << 16) | 0xFFFF
    for tag in ds._dict:
        if lo <= tag <= hi and not (tag >> 16) & 1 and tag & 0xFFFF:
            groups.add(tag >> 16)
    return sorted(groups)


def _text(ds: Dataset, group: int, elem: int) -> str | None:
    e = element(ds, group, elem)
    if e is None:
        return None
    v = e.value
    if isinstance(v, bytes):
        v = v.decode("ascii", "replace")
    return str(v).strip("\0 ")


def _safe(fn: Any, problems: list[str]) -> Any:
    try:
        return fn()
    except (ValueError, TypeError) as exc:
        problems.append(str(exc))
        return None


def overlay_origin(ds: Dataset, group: int) -> tuple[int, int] | None:
    """(60xx,0050) *Overlay Origin* as ``(row, column)`` (1-based), None when absent."""
    e = element(ds, group, ORIGIN)
    if e is None:
        return None
    v = e.value
    try:
        row, col = (int(x) for x in v)
    except (TypeError, ValueError):
        raise InvalidElementError(f"{tag_name(group, ORIGIN)} has the value {v!r}, not two integers row\\column") from None
    return row, col


def _image_frames(ds: Dataset) -> int | None:
    e = ds._dict.get(0x00280008)
    if e is None:
        return 1 if 0x7FE00010 in ds._dict else None
    try:
        value = element_value(ds, 0x00280008)  # InvalidElementError (a ValueError) if unreadable
        return max(1, int(value)) if value not in (None, "") else 1
    except (TypeError, ValueError):
        return None


def describe(ds: Dataset, group: int) -> OverlayInfo:
    """The :class:`OverlayInfo` of one group (which must be a valid overlay group)."""
    problems: list[str] = []
    rows = _safe(lambda: int_value(ds, group, ROWS), problems)
    columns = _safe(lambda: int_value(ds, group, COLUMNS), problems)
    frames = _safe(lambda: int_value(ds, group, FRAMES), problems)
    frame_origin = _safe(lambda: read_frame_origin(ds, group), problems)
    bits_allocated = _safe(lambda: int_value(ds, group, BITS_ALLOCATED), problems)
    bit_position = _safe(lambda: int_value(ds, group, BIT_POSITION), problems)
    origin = _safe(lambda: overlay_origin(ds, group), problems)
    has_data = element(ds, group, DATA) is not None
    location = None
    if has_data:
        location = "OverlayData"
        if frames is None:
            frames = 1
    elif bits_allocated is not None and bits_allocated > 1:
        location = "PixelData"
        if frames is None:
            n = _image_frames(ds)
            frames = None if n is None else max(n - ((frame_origin or 1) - 1), 0)
    if not problems:
        try:
            layout = resolve(ds, group, warn=False)
            if layout.data is None:
                from dcmcore.overlays._embedded import check_embedded

                check_embedded(ds, layout, warn=False)
        except Exception as exc:  # every reason the overlay cannot be read is reported, not raised
            problems.append(str(exc))
    return OverlayInfo(
        group=group,
        rows=rows,
        columns=columns,
        origin=origin,
        type=_text(ds, group, TYPE),
        number_of_frames=frames,
        image_frame_origin=frame_origin or 1,
        description=_text(ds, group, DESCRIPTION),
        label=_text(ds, group, LABEL),
        subtype=_text(ds, group, SUBTYPE),
        bits_allocated=bits_allocated,
        bit_position=bit_position,
        location=location,
        problem="; ".join(problems) or None,
    )


def list_overlays(ds: Dataset) -> list[OverlayInfo]:
    """Every overlay plane of `ds`, in group order.

    Parameters
    ----------
    ds : pydicom.dataset.Dataset

    Returns
    -------
    list of OverlayInfo
        One entry per even group 0x6000 to 0x601E holding any element, with
        its rows, columns, origin, type, frames, Image Frame Origin,
        description, label, subtype and where its bits live. An overlay that
        cannot be read is listed too, with the reason in ``problem``; nothing
        is raised for it.
    """
    return [describe(ds, group) for group in overlay_groups(ds)]
