"""Intensity operations on volume arrays: normalisation and padding values.

Each works in the result's dtype (the array's if floating point, float64
otherwise, as highdicom's results are) with at most one full-size temporary.
"""

from __future__ import annotations

import itertools

import numpy as np

from dcmcore.volume.enums import PadModes

__all__ = ["float_dtype", "normalize_mean_std", "normalize_min_max", "pad_array"]

_SPATIAL = (0, 1, 2)


def float_dtype(array: np.ndarray) -> np.dtype:
    """The dtype of a normalised `array`: its own if floating point, else float64."""
    return array.dtype if array.dtype.kind == "f" else np.dtype(np.float64)


def normalize_mean_std(array: np.ndarray, per_channel: bool, output_mean: float, output_std: float) -> np.ndarray:
    """``(array - mean) / (std / output_std) + output_mean`` (a zero std divides by 1)."""
    if output_std <= 0.0:
        raise ValueError("The 'output_std' must be greater than zero.")
    dtype = float_dtype(array)
    if per_channel and array.ndim > 3:
        mean = array.mean(axis=_SPATIAL, keepdims=True)
        scale = array.std(axis=_SPATIAL, keepdims=True, mean=mean) / output_std
        scale[scale == 0.0] = 1.0
    else:
        mean = array.mean(keepdims=True)
        std = array.std(mean=mean)
        scale = 1.0 if std == 0.0 else std / output_std
        mean = mean.reshape(())
    out = np.subtract(array, mean, dtype=dtype)
    np.divide(out, scale, out=out, casting="unsafe")
    if output_mean != 0.0:
        np.add(out, output_mean, out=out, casting="unsafe")
    return out


def normalize_min_max(array: np.ndarray, output_min: float, output_max: float, per_channel: bool) -> np.ndarray:
    """Map the range of `array` (of each channel with `per_channel`) linearly onto [output_min, output_max]."""
    output_range = output_max - output_min
    if output_range <= 0.0:
        raise ValueError("Output min must be below output max.")
    dtype = float_dtype(array)
    if per_channel and array.ndim > 3:
        low = array.min(axis=_SPATIAL, keepdims=True).astype(dtype)
        span = array.max(axis=_SPATIAL, keepdims=True).astype(dtype) - low
        factor = output_range / np.where(span == 0.0, output_range, span)
    else:
        low, high = array.min(), array.max()
        low = np.asarray(low, dtype=dtype)
        factor = 1.0 if low == high else output_range / (np.asarray(high, dtype=dtype) - low)
    out = np.subtract(array, low, dtype=dtype)
    np.multiply(out, factor, out=out, casting="unsafe")
    if output_min != 0.0:
        np.add(out, output_min, out=out, casting="unsafe")
    return out


def _statistic(array: np.ndarray, mode: PadModes, constant):
    if mode is PadModes.MINIMUM:
        return array.min()
    if mode is PadModes.MAXIMUM:
        return array.max()
    if mode is PadModes.MEAN:
        return array.mean()
    if mode is PadModes.MEDIAN:
        return np.median(array)
    return constant


def pad_array(array: np.ndarray, widths: list[list[int]], mode, constant_value, per_channel: bool) -> np.ndarray:
    """`array` padded along its spatial axes by `widths` in `mode` (statistics per channel with `per_channel`)."""
    mode = PadModes(mode)
    channels = array.shape[3:]
    full = [tuple(w) for w in widths] + [(0, 0)] * len(channels)
    statistic = mode not in (PadModes.CONSTANT, PadModes.EDGE)
    if mode is PadModes.EDGE:
        return np.pad(array, full, mode="edge")
    per_channel = per_channel and len(channels) > 0 and int(np.prod(channels)) > 1
    if not per_channel:
        if not np.isscalar(constant_value) and np.ndim(constant_value) != 0:
            raise TypeError("A sequence of constant values needs 'per_channel' and a channel dimension.")
        value = _statistic(array, mode, constant_value)
        return np.pad(array, full, mode="constant", constant_values=value)
    out_shape = [n + a + b for n, (a, b) in zip(array.shape[:3], widths)] + list(channels)
    out = np.empty(out_shape, dtype=array.dtype)
    values = np.broadcast_to(np.asarray(constant_value), channels) if not statistic else None
    for index in itertools.product(*(range(n) for n in channels)):
        where = (slice(None),) * 3 + index
        value = _statistic(array[where], mode, None if values is None else values[index])
        out[where] = np.pad(array[where], [tuple(w) for w in widths], mode="constant", constant_values=value)
    return out
