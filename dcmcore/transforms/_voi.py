"""Choosing and checking a VOI transform: a window (PS3.3 C.11.2.1.2, C.11.2.1.3) or a VOI LUT.

Internal to :mod:`dcmcore.transforms`: the other modules of the subpackage
import its public names.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydicom.dataset import Dataset

from dcmcore.transforms import _engine as E
from dcmcore.transforms._dsutil import T, get, is_little_endian, numbers, strings, tag_name
from dcmcore.transforms._lutdata import VOI_BITS, lut_item
from dcmcore.transforms.errors import InvalidTransformError, SelectorError

__all__ = ["scaled_lut", "select_window", "window_stage", "select_voi_lut", "user_voi"]


def scaled_lut(data: np.ndarray, lo: float, hi: float, invert: bool) -> np.ndarray:
    """LUT entries mapped linearly from their own min .. max onto ``lo .. hi``.

    Inverted, the minimum goes to `hi`. A constant table maps to `lo`
    (`hi` when inverted).
    """
    d = data.astype(np.float64)
    dmin, dmax = float(d.min()), float(d.max())
    if dmax == dmin:
        return np.full(d.shape, hi if invert else lo)
    scale = (hi - lo) / (dmax - dmin)
    return ((dmax - d) if invert else (d - dmin)) * scale + lo


def select_window(item: Dataset, selector: Any) -> tuple[float, float, str]:
    """``(center, width, VOI LUT Function)`` of the window of `item` that `selector` (index or explanation) names."""
    centers = numbers(item, T.WindowCenter)
    widths = numbers(item, T.WindowWidth)
    if centers is None or widths is None:
        missing = T.WindowWidth if centers is not None else T.WindowCenter
        raise InvalidTransformError(f"{tag_name(missing)} is missing or empty (the other window element is present)")
    if len(centers) != len(widths):
        raise InvalidTransformError(
            f"{tag_name(T.WindowCenter)} has {len(centers)} values but {tag_name(T.WindowWidth)} has {len(widths)}"
        )
    if isinstance(selector, str):
        explanations = strings(item, T.WindowCenterWidthExplanation) or []
        if selector not in explanations:
            raise SelectorError(
                f"voi_transform_selector {selector!r} matches no {tag_name(T.WindowCenterWidthExplanation)} "
                f"(they are {explanations}) and the data set has no (0028,3010) 'VOI LUT Sequence'"
            )
        index = explanations.index(selector)
    else:
        index = int(selector)
    if not -len(centers) <= index < len(centers):
        raise SelectorError(
            f"voi_transform_selector {index} is out of range: {tag_name(T.WindowCenter)} has {len(centers)} value(s)"
        )
    funcs = strings(item, T.VOILUTFunction) or ["LINEAR"]
    return centers[index], widths[index], funcs[0].upper() or "LINEAR"


def window_stage(center: float, width: float, function: str, lo: float, hi: float, invert: bool) -> E.Window:
    """A checked window stage (PS3.3 C.11.2.1.2 and C.11.2.1.3)."""
    mode = E.WINDOW_MODES.get(function)
    if mode is None:
        raise InvalidTransformError(
            f"{tag_name(T.VOILUTFunction)} is {function!r}: only LINEAR, LINEAR_EXACT and SIGMOID are defined"
        )
    if not (np.isfinite(center) and np.isfinite(width)):
        raise InvalidTransformError(f"The window ({tag_name(T.WindowCenter)} {center}, width {width}) is not finite")
    if mode == E.WIN_LINEAR and width < 1:
        raise InvalidTransformError(f"{tag_name(T.WindowWidth)} is {width:g}: a LINEAR window must be at least 1 wide")
    if mode != E.WIN_LINEAR and width <= 0:
        raise InvalidTransformError(f"{tag_name(T.WindowWidth)} is {width:g}: a {function} window must be wider than 0")
    return E.Window(mode, float(center), float(width), lo, hi, invert)


def select_voi_lut(ds: Dataset, selector: Any) -> Dataset:
    """The item of the (0028,3010) VOI LUT Sequence of `ds` that `selector` (index or LUT Explanation) names."""
    seq = get(ds, T.VOILUTSequence)
    items = list(seq)
    if isinstance(selector, str):
        explanations = [(strings(it, T.LUTExplanation) or [None])[0] for it in items]
        if selector not in explanations:
            raise SelectorError(
                f"voi_transform_selector {selector!r} matches no {tag_name(T.LUTExplanation)} of "
                f"{tag_name(T.VOILUTSequence)} (they are {explanations})"
            )
        return items[explanations.index(selector)]
    index = int(selector)
    if not -len(items) <= index < len(items):
        raise SelectorError(f"voi_transform_selector {index} is out of range: {tag_name(T.VOILUTSequence)} has {len(items)} item(s)")
    return items[index]


def user_voi(voi: Dataset, mrange: tuple[float, float] | None, lo: float, hi: float, invert: bool) -> E.Stage:
    """The stage of a user supplied VOILUTTransformation (a single window or LUT)."""
    seq = get(voi, T.VOILUTSequence)
    if seq:
        if len(seq) > 1:
            raise ValueError("A VOILUTTransformation given as 'voi_transform_selector' must hold a single VOI LUT")
        signed_first = mrange is not None and mrange[0] < 0
        first, data, _ = lut_item(seq[0], allowed_bits=VOI_BITS, signed_first=signed_first, little=is_little_endian(voi))
        return E.Lookup(first, scaled_lut(data, lo, hi, invert), what=f"the {tag_name(T.VOILUTSequence)}")
    centers, widths = numbers(voi, T.WindowCenter), numbers(voi, T.WindowWidth)
    if not centers or not widths:
        raise ValueError("The VOILUTTransformation given as 'voi_transform_selector' has no window and no VOI LUT")
    if len(centers) != 1 or len(widths) != 1:
        raise ValueError("A VOILUTTransformation given as 'voi_transform_selector' must hold a single window")
    function = (strings(voi, T.VOILUTFunction) or ["LINEAR"])[0].upper()
    return window_stage(centers[0], widths[0], function, lo, hi, invert)
