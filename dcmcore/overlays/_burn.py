"""``burn_in``: draw overlay planes onto image frames."""

from __future__ import annotations

import warnings
from typing import Any, Iterable

import numpy as np
from pydicom.dataset import Dataset

from dcmcore._kernels import bitpack
from dcmcore._kernels import overlay as overlay_kernel
from dcmcore.dataset_elements import check_frame_index, integer
from dcmcore.errors import MissingElementError
from dcmcore.overlays._elements import ORIGIN, Layout, check_group, frame_origin, resolve, tag_name
from dcmcore.overlays._info import overlay_origin, overlay_groups

__all__ = ["burn_in"]


def _draw_value(arr: np.ndarray, value: Any, has_samples: bool) -> np.ndarray:
    if value is None:
        if arr.size == 0:
            return np.zeros((), arr.dtype)
        flat = arr.reshape(-1, arr.shape[-1]) if has_samples else arr.reshape(-1)
        reduce = np.nanmax if arr.dtype.kind == "f" else np.max
        return np.asarray(reduce(flat, axis=0), arr.dtype)
    v = np.asarray(value)
    if v.dtype.kind not in "biuf":
        raise TypeError(f"'value' must be a number (or one per sample), not {value!r}")
    if v.ndim > 1 or (v.ndim == 1 and not (has_samples and v.shape[0] in (1, arr.shape[-1]))):
        raise ValueError(
            f"'value' must be a single number{' or one per sample' if has_samples else ''}, "
            f"not an array of shape {v.shape}"
        )
    with np.errstate(invalid="ignore", over="ignore"):
        cast = v.astype(arr.dtype)
    if not np.array_equal(cast, v, equal_nan=v.dtype.kind == "f"):
        raise ValueError(f"'value' {value!r} cannot be represented in the frame's dtype {arr.dtype}")
    return cast


def _windows(origin: tuple[int, int], ov_shape: tuple[int, int], img_shape: tuple[int, int]):
    """Image and overlay slices of the part of the overlay that lies on the image, or None."""
    r0, c0 = origin[0] - 1, origin[1] - 1  # image position of overlay pixel (0, 0)
    top, left = max(r0, 0), max(c0, 0)
    bottom, right = min(r0 + ov_shape[0], img_shape[0]), min(c0 + ov_shape[1], img_shape[1])
    if bottom <= top or right <= left:
        return None
    return (top, bottom, left, right), (top - r0, left - c0)


def _mask_from_data(layout: Layout, k: int, ov_top: int, ov_left: int, nrows: int, ncols: int) -> np.ndarray:
    mask = np.empty((nrows, ncols), np.uint8)
    bit0 = (k * layout.rows + ov_top) * layout.columns
    bitpack.unpack_lsb_rows(layout.data, bit0, layout.columns, ov_left, ncols, nrows, mask)
    return mask


def burn_in(
    frame: np.ndarray,
    ds: Dataset,
    groups: Iterable[int] | int | None = None,
    value: Any = None,
    *,
    index: int | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Draw the overlays of `ds` onto image frames: every overlay pixel of 1 sets the image pixel to `value`.

    Overlay pixel ``(r, c)`` of an overlay whose (60xx,0050) *Overlay Origin*
    is ``row\\column`` lies on image pixel ``(row - 1 + r, column - 1 + c)``;
    the origin is 1-based and may be 0, negative, or put the overlay partly or
    wholly outside the image, whose parts outside are not drawn. Overlay frame
    ``k`` is drawn on image frame ``Image Frame Origin - 1 + k`` (PS3.3 C.9.3);
    an overlay without the Multi-frame Overlay elements is one frame, drawn on
    the first image frame only.

    Parameters
    ----------
    frame : numpy.ndarray
        With `index` None: the whole image as :func:`dcmcore.pixel_array`
        returns it, ``(rows, columns[, samples])`` for one frame or
        ``(frames, rows, columns[, samples])``. With `index`: image frame
        `index`, ``(rows, columns[, samples])``. Any numeric dtype, e.g.
        stored values, or a windowed ``uint8`` rendering (also RGB).
    ds : pydicom.dataset.Dataset
        The data set holding the overlays (and Rows, Columns, Number of Frames).
    groups : int or iterable of int, optional
        The overlay groups to draw; every overlay group of `ds` when None.
    value : number or sequence of numbers, optional
        What to draw: one value, or one per sample for colour frames. By
        default the largest value of `frame` (per sample), which is visible
        however the image is windowed.
    index : int, optional
        The image frame (0-based) that `frame` is, for multi-frame images.
    out : numpy.ndarray, optional
        Where to draw: `frame` itself to draw in place, or an array of the
        same shape and dtype (`frame` is copied into it first). By default a
        copy of `frame` is drawn on and returned.

    Returns
    -------
    numpy.ndarray
        The frame(s) with the overlays drawn.

    Raises
    ------
    ValueError
        If `frame` does not match the image's Rows, Columns or Number of
        Frames, `value` does not fit its dtype, or an overlay is invalid.
    AttributeError
        If an overlay lacks a required element (Overlay Origin included).
    """
    if not isinstance(frame, np.ndarray):
        raise TypeError(f"'frame' must be a numpy.ndarray, not {type(frame).__name__}")
    rows, columns = integer(ds, 0x00280010), integer(ds, 0x00280011)
    nframes = integer(ds, 0x00280008) or 1
    if index is not None:
        index = check_frame_index(index, nframes, holder="the image")
    stacked = index is None and nframes > 1
    spatial_axis = 1 if stacked else 0
    if frame.ndim not in (spatial_axis + 2, spatial_axis + 3):
        what = "(frames, rows, columns[, samples])" if stacked else "(rows, columns[, samples])"
        raise ValueError(f"'frame' has shape {frame.shape}; expected {what}")
    if stacked and frame.shape[0] != nframes:
        raise ValueError(
            f"'frame' holds {frame.shape[0]} frames but the image has {nframes} ((0028,0008) 'Number of "
            "Frames'); pass one frame with its 'index' to draw on a single frame"
        )
    img_shape = frame.shape[spatial_axis : spatial_axis + 2]
    if rows is not None and columns is not None and img_shape != (rows, columns):
        raise ValueError(
            f"'frame' is {img_shape[0]} x {img_shape[1]} pixels but the image is {rows} x {columns} "
            "((0028,0010) 'Rows', (0028,0011) 'Columns'): the overlay positions would not match"
        )
    has_samples = frame.ndim == spatial_axis + 3

    if out is None:
        result = frame.copy()
    elif out is frame:
        result = frame
        if not result.flags.writeable:
            raise ValueError("'out' (the frame) is read-only")
    else:
        if not isinstance(out, np.ndarray) or out.shape != frame.shape or out.dtype != frame.dtype:
            raise ValueError("'out' must be an array of the frame's shape and dtype (or the frame itself)")
        np.copyto(out, frame)
        result = out
    draw = _draw_value(frame, value, has_samples)
    samples = frame.shape[-1] if has_samples else 1
    pixel_bytes = np.ascontiguousarray(np.broadcast_to(draw, (samples,)), dtype=frame.dtype).tobytes()

    skip_unreadable = groups is None
    if groups is None:
        chosen = overlay_groups(ds)
    elif isinstance(groups, (int, np.integer)) and not isinstance(groups, bool):
        chosen = [check_group(groups)]
    else:
        chosen = [check_group(g) for g in groups]

    image_frames = list(range(nframes)) if stacked else [0 if index is None else index]
    for group in chosen:
        try:
            layout = resolve(ds, group)
            origin = overlay_origin(ds, group)
            if origin is None:
                raise MissingElementError(
                    f"Overlay group 0x{group:04X} lacks {tag_name(group, ORIGIN)}: cannot place it"
                )
        except (AttributeError, ValueError, NotImplementedError) as exc:
            if not skip_unreadable:
                raise
            # groups=None means "every overlay there is": one broken group must not hide the others
            warnings.warn(f"Overlay group 0x{group:04X} is not drawn: {exc}", UserWarning, stacklevel=2)
            continue
        window = _windows(origin, (layout.rows, layout.columns), img_shape)
        if window is None:
            continue
        (top, bottom, left, right), (ov_top, ov_left) = window
        embedded = None
        if layout.data is None:
            from dcmcore.overlays._embedded import check_embedded, embedded_overlay

            _, first, count = check_embedded(ds, layout)
            if stacked:
                embedded = embedded_overlay(ds, layout, index=None, out=None).reshape(count, layout.rows, layout.columns)
            elif 0 <= image_frames[0] - first < count:
                # one image frame: decode only the overlay frame drawn on it
                k = image_frames[0] - first
                embedded = {k: embedded_overlay(ds, layout, index=k, out=None)}
            else:
                continue
        else:
            first, count = frame_origin(ds, group) - 1, layout.frames
        for pos, f in enumerate(image_frames):
            k = f - first
            if not 0 <= k < count:  # type: ignore[operator]
                continue
            target = (result[pos] if stacked else result)[top:bottom, left:right]
            if embedded is None:
                bit0 = (k * layout.rows + ov_top) * layout.columns
                drawn = overlay_kernel.burn(
                    layout.data, bit0, layout.columns, ov_left, right - left, bottom - top, target, pixel_bytes
                )
                if drawn >= 0:
                    continue
                # a layout the kernel does not take (samples not adjacent): unpack and use NumPy
                mask = _mask_from_data(layout, k, ov_top, ov_left, bottom - top, right - left)
            else:
                mask = embedded[k][ov_top : ov_top + bottom - top, ov_left : ov_left + right - left]
            where = mask.view(bool)
            if has_samples:
                where = where[..., None]
            np.copyto(target, draw, where=where)
    return result
