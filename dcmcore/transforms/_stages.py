"""Transform stages and plans: what a transform computes, each stage a pure function on float64 values.

A transform is a short tuple of *stages* (rescale, window, lookup, ...). A
:class:`Plan` is such a tuple plus the output dtype and how values become
that dtype (:func:`convert`). :mod:`dcmcore.transforms._engine` applies plans.
Internal to :mod:`dcmcore.transforms`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence, Union

import numpy as np

__all__ = [
    "Linear",
    "Window",
    "Reflect",
    "Lookup",
    "Quantize",
    "Palette",
    "Stage",
    "Plan",
    "evaluate",
    "convert",
    "invalid_value_error",
    "int_range",
    "CODES",
    "OUTPUT_DTYPES",
    "WINDOW_MODES",
    "WIN_LINEAR",
    "WIN_LINEAR_EXACT",
    "WIN_SIGMOID",
]

WIN_LINEAR, WIN_LINEAR_EXACT, WIN_SIGMOID = 1, 2, 3
WINDOW_MODES = {"LINEAR": WIN_LINEAR, "LINEAR_EXACT": WIN_LINEAR_EXACT, "SIGMOID": WIN_SIGMOID}

# Type codes of the kernels
CODES = {
    np.dtype(np.uint8): 0,
    np.dtype(np.int8): 1,
    np.dtype(np.uint16): 2,
    np.dtype(np.int16): 3,
    np.dtype(np.uint32): 4,
    np.dtype(np.int32): 5,
    np.dtype(np.float32): 6,
    np.dtype(np.float64): 7,
}
OUTPUT_DTYPES = tuple(CODES)


# ---- stages -------------------------------------------------------------------------


@dataclass(frozen=True)
class Linear:
    """``y = x * slope + intercept`` (a rescale or a real-world linear map)."""

    slope: float
    intercept: float

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x * self.slope + self.intercept


@dataclass(frozen=True)
class Window:
    """A VOI window function into ``[ymin, ymax]``, reflected within it if `invert`."""

    mode: int
    center: float
    width: float
    ymin: float
    ymax: float
    invert: bool = False

    def __call__(self, x: np.ndarray) -> np.ndarray:
        c, w, lo, hi = self.center, self.width, self.ymin, self.ymax
        if self.mode == WIN_SIGMOID:
            with np.errstate(over="ignore"):
                y = (hi - lo) / (1.0 + np.exp((-4.0 / w) * (x - c))) + lo
        else:
            if self.mode == WIN_LINEAR:
                scale = (hi - lo) / (w - 1.0) if w != 1.0 else np.finfo(np.float64).max
            else:
                scale = (hi - lo) / w
            with np.errstate(over="ignore", invalid="ignore"):
                y = (x - (c - w / 2.0)) * scale + lo
            y = np.where(y < lo, lo, y)
            y = np.where(y > hi, hi, y)
        if self.invert:
            y = (lo + hi) - y
        return y


@dataclass(frozen=True)
class Reflect:
    """``y = lo + hi - x``: an INVERSE presentation within ``[lo, hi]``."""

    lo: float
    hi: float

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return -x + (self.lo + self.hi)


@dataclass(frozen=True, eq=False)
class Lookup:
    """``data[clip(floor(x) - first, 0, n - 1)]``, or an error outside when not `clip`."""

    first: int
    data: np.ndarray = field(repr=False)
    clip: bool = True
    what: str = "the LUT"
    key: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        data = np.ascontiguousarray(self.data)
        data.setflags(write=False)
        object.__setattr__(self, "data", data)
        object.__setattr__(self, "key", ("lookup", self.first, self.clip, data.dtype.str, data.shape, data.tobytes()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lookup) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    @property
    def last(self) -> int:
        return self.first + len(self.data) - 1

    def index(self, x: np.ndarray) -> np.ndarray:
        if x.dtype.kind == "f":
            bad = ~np.isfinite(x)
            xi = np.floor(np.where(bad, self.first, x))
        else:
            bad = None
            xi = x.astype(np.int64, copy=False)
        if not self.clip:
            if bad is not None and bad.any() or (xi.size and (xi.min() < self.first or xi.max() > self.last)):
                raise ValueError(
                    f"The pixel values range beyond {self.what}, which maps {self.first} to {self.last}"
                )
        k = np.clip(xi - self.first, 0, len(self.data) - 1)
        return k.astype(np.intp)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.data[self.index(x)].astype(np.float64)


@dataclass(frozen=True, eq=False)
class Palette(Lookup):
    """A lookup into ``(n, 3)`` RGB entries (kept in their integer type)."""

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.data[self.index(x)]


@dataclass(frozen=True)
class Quantize:
    """Scale ``[lo, hi]`` onto the indices ``0 .. n - 1``, rounding half up.

    The implicit scaling of PS3.3 C.11.6.1.1 ahead of a Presentation LUT.
    """

    lo: float
    hi: float
    n: int

    def __call__(self, x: np.ndarray) -> np.ndarray:
        y = np.floor((x - self.lo) * ((self.n - 1) / (self.hi - self.lo)) + 0.5)
        return np.clip(y, 0, self.n - 1)


Stage = Union[Linear, Window, Reflect, Lookup, Palette, Quantize]


def evaluate(stages: Sequence[Stage], x: np.ndarray) -> np.ndarray:
    """Apply the stages to `x` with NumPy (float64 throughout, RGB last for a palette)."""
    y = x if isinstance(x, np.ndarray) and x.dtype.kind in "iu" and stages and isinstance(stages[0], Lookup) else x.astype(np.float64)
    for stage in stages:
        y = stage(y)
    return y


# ---- plans --------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """Stages plus how their float64 results become the output dtype.

    With ``rounding`` (a display range) integer outputs are rounded half to
    even; otherwise an integer output must receive integral values within its
    range, or the transform raises ``ValueError``. With ``valid`` input values
    outside ``valid[0] .. valid[1]`` have no mapping: a ``ValueError`` that
    says ``valid_what``.
    """

    stages: tuple
    dtype: np.dtype
    rounding: bool = False
    valid: tuple | None = None
    valid_what: str = ""

    @property
    def is_palette(self) -> bool:
        return bool(self.stages) and isinstance(self.stages[-1], Palette)

    @property
    def arithmetic(self) -> tuple | None:
        """``(slope, intercept, mode, center, width, ymin, ymax, invert)`` for the fused pass.

        None unless the plan is an optional rescale followed by at most a
        window or a reflection.
        """
        slope, intercept = 1.0, 0.0
        rest = list(self.stages)
        if rest and isinstance(rest[0], Linear):
            lin = rest.pop(0)
            slope, intercept = float(lin.slope), float(lin.intercept)
        if not rest:
            return (slope, intercept, 0, 0.0, 1.0, 0.0, 0.0, False)
        if len(rest) == 1 and isinstance(rest[0], Window):
            w = rest[0]
            return (slope, intercept, w.mode, w.center, w.width, w.ymin, w.ymax, w.invert)
        if len(rest) == 1 and isinstance(rest[0], Reflect):
            r = rest[0]
            return (slope, intercept, 0, 0.0, 1.0, r.lo, r.hi, True)
        return None


def int_range(dtype: np.dtype) -> tuple[float, float]:
    """The lowest and highest value of the integer `dtype`, as floats."""
    info = np.iinfo(dtype)
    return float(info.min), float(info.max)


def convert(values: np.ndarray, plan: Plan) -> tuple[np.ndarray, np.ndarray | None]:
    """Float64 (or palette integer) `values` as the plan's dtype, and a mask of invalid ones.

    Invalid values (exact integer outputs only): not integral, or outside the
    dtype's range. They are stored as 0; the mask is None when there are none.
    """
    dtype = plan.dtype
    if dtype.kind not in "iu" or values.dtype == dtype:
        return values.astype(dtype, copy=False), None
    lo, hi = int_range(dtype)
    if plan.rounding:
        v = np.rint(values)
        ok = (v >= lo) & (v <= hi)
    elif values.dtype.kind in "iu":
        v = values
        ok = (v >= lo) & (v <= hi)
    else:
        v = values
        ok = (v >= lo) & (v <= hi) & (np.floor(v) == v)
    if ok.all():
        return v.astype(dtype), None
    return np.where(ok, v, 0).astype(dtype), ~ok


def invalid_value_error(value: float, dtype: np.dtype, stored: int | None = None) -> ValueError:
    """The error for a transformed `value` (of the stored value `stored`) that `dtype` cannot hold."""
    lo, hi = int_range(dtype)
    if not np.isfinite(value) or value < lo or value > hi:
        why = f"outside its range {lo:g} .. {hi:g}"
    else:
        why = "not an integer"
    of = f" of the stored value {stored}" if stored is not None else ""
    return ValueError(
        f"The output dtype {dtype} cannot hold the transformed value {value!r}{of} ({why}); "
        "use a floating point dtype"
    )
