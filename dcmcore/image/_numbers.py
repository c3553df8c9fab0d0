"""Frame numbers and total-pixel-matrix rows and columns as users give them, made 0-based indices.

DICOM numbers frames, rows and columns from 1; Python indexes from 0. The
Image API takes either, as highdicom does: 1-based numbers by default,
0-based indices with ``as_index=True`` / ``as_indices=True``.
"""

from __future__ import annotations

import operator
from typing import Any

from dcmcore.errors import FrameIndexError

__all__ = ["frame_index", "region_indices"]


def _integer(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise TypeError(f"'{name}' must be an integer, not bool {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"'{name}' must be an integer, not {type(value).__name__} {value!r}") from None


def frame_index(frame_number: Any, nframes: int, as_index: bool = False, name: str = "frame_number") -> int:
    """The 0-based index of `frame_number` (1-based, or 0-based with `as_index`), checked.

    Raises
    ------
    FrameIndexError
        (a ``ValueError`` and an ``IndexError``) outside ``1 .. nframes``
        (``0 .. nframes - 1`` with `as_index`).
    """
    number = _integer(frame_number, name)
    plural = "s" if nframes != 1 else ""
    if as_index:
        if not 0 <= number < nframes:
            raise FrameIndexError(
                f"Frame index {number} is out of range for an image of {nframes} frame{plural}: "
                f"with as_index=True, frames are indexed 0 to {nframes - 1}"
            )
        return number
    if not 1 <= number <= nframes:
        raise FrameIndexError(
            f"Frame number {number} is out of range for an image of {nframes} frame{plural}: "
            f"frames are numbered from 1 to {nframes} (pass as_index=True for 0-based indices)"
        )
    return number - 1


def _bound(value: Any, name: str, size: int, default: int, as_indices: bool, is_end: bool) -> int:
    """One bound as a 1-based number (an end one past the last), as DICOM numbers rows."""
    if value is None:
        return default
    number = _integer(value, name)
    if as_indices and number >= 0:
        number += 1
    if number == 0:
        raise ValueError(f"'{name}' may not be 0: rows and columns are numbered from 1 (pass as_indices=True for 0-based indices)")
    limit = size + 1 if is_end else size
    if number > limit:
        raise ValueError(f"'{name}' {value} is out of range for a total pixel matrix of {size} {name.split('_')[0]}s")
    if number < 0:
        number += size + 1
        if number < 1:
            raise ValueError(f"'{name}' {value} is out of range for a total pixel matrix of {size} {name.split('_')[0]}s")
    return number


def region_indices(
    row_start: Any, row_end: Any, column_start: Any, column_end: Any, rows: int, columns: int, as_indices: bool
) -> tuple[int, int, int, int]:
    """``(row_start, row_end, column_start, column_end)`` as 0-based indices, ends exclusive.

    Negative values count from the end (-1 is the last row or column),
    None means the first row (column) for a start, one past the last for an end.

    Raises
    ------
    ValueError
        A bound out of range, a 0 number, or an empty region.
    """
    r0 = _bound(row_start, "row_start", rows, 1, as_indices, False)
    r1 = _bound(row_end, "row_end", rows, rows + 1, as_indices, True)
    c0 = _bound(column_start, "column_start", columns, 1, as_indices, False)
    c1 = _bound(column_end, "column_end", columns, columns + 1, as_indices, True)
    if r1 <= r0 or c1 <= c0:
        raise ValueError(
            f"The region rows [{r0}, {r1}) x columns [{c0}, {c1}) (1-based, ends excluded) is empty"
        )
    return r0 - 1, r1 - 1, c0 - 1, c1 - 1
