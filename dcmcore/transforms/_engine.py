"""The numeric core: transform stages, composed tables, and the kernels that apply them.

A transform is a short tuple of *stages* (rescale, window, lookup, ...), each
a pure function on float64 values. A :class:`Plan` is such a tuple plus the
output dtype and how values become that dtype. Applying a plan:

* integer input of 8 or 16 bits: the plan is evaluated once over the whole
  domain of the input type (256 or 65536 values) into a table of the output
  dtype (cached, keyed by the plan), then one ``nogil`` gather pass maps
  every pixel (``dcmcore._kernels.lut.gather``);
* 32-bit integer input whose values fit a declared domain of at most 2**16
  values (Bits Stored <= 16): a table over that domain and a bounds-checked
  gather; pixels outside the domain are computed directly;
* float input, or wide integers, when the plan is arithmetic (rescale, a
  LINEAR / LINEAR_EXACT / SIGMOID window, an inversion): one fused pass
  (``linear_window``) with no temporaries;
* anything else (a lookup table applied to float input): NumPy, stage by stage.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Sequence, Union

import numpy as np

from dcmcore._kernels import lut as _lut

__all__ = [
    "Linear",
    "Window",
    "Reflect",
    "Lookup",
    "Quantize",
    "Palette",
    "Plan",
    "apply_plan",
    "evaluate",
    "WIN_LINEAR",
    "WIN_LINEAR_EXACT",
    "WIN_SIGMOID",
]

WIN_LINEAR, WIN_LINEAR_EXACT, WIN_SIGMOID = 1, 2, 3
WINDOW_MODES = {"LINEAR": WIN_LINEAR, "LINEAR_EXACT": WIN_LINEAR_EXACT, "SIGMOID": WIN_SIGMOID}

# Type codes of the kernels
_CODES = {
    np.dtype(np.uint8): 0,
    np.dtype(np.int8): 1,
    np.dtype(np.uint16): 2,
    np.dtype(np.int16): 3,
    np.dtype(np.uint32): 4,
    np.dtype(np.int32): 5,
    np.dtype(np.float32): 6,
    np.dtype(np.float64): 7,
}
CODES = _CODES
OUTPUT_DTYPES = tuple(_CODES)


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


def _int_range(dtype: np.dtype) -> tuple[float, float]:
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
    lo, hi = _int_range(dtype)
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
    lo, hi = _int_range(dtype)
    if not np.isfinite(value) or value < lo or value > hi:
        why = f"outside its range {lo:g} .. {hi:g}"
    else:
        why = "not an integer"
    of = f" of the stored value {stored}" if stored is not None else ""
    return ValueError(
        f"The output dtype {dtype} cannot hold the transformed value {value!r}{of} ({why}); "
        "use a floating point dtype"
    )


# ---- tables -------------------------------------------------------------------------

_CACHE_BYTES = 64 << 20
_cache: "OrderedDict[tuple, tuple[np.ndarray, np.ndarray | None]]" = OrderedDict()
_cache_bytes = 0
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every composed table (they are rebuilt on demand)."""
    global _cache_bytes
    with _cache_lock:
        _cache.clear()
        _cache_bytes = 0
    _spans.clear()


def _cached(key: tuple) -> tuple[np.ndarray, np.ndarray | None] | None:
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
        return hit


def _store(key: tuple, value: tuple[np.ndarray, np.ndarray | None]) -> None:
    global _cache_bytes
    size = value[0].nbytes + (value[1].nbytes if value[1] is not None else 0)
    if size > _CACHE_BYTES // 4:
        return
    with _cache_lock:
        if key in _cache:
            return
        _cache[key] = value
        _cache_bytes += size
        while _cache_bytes > _CACHE_BYTES and _cache:
            _, (t, m) = _cache.popitem(last=False)
            _cache_bytes -= t.nbytes + (m.nbytes if m is not None else 0)


def _domain_values(in_dtype: np.dtype, lo: int, n: int) -> np.ndarray:
    """The table's input values: every bit pattern of an 8/16-bit type, or lo .. lo+n-1."""
    if lo is None:
        unsigned = np.dtype(f"u{in_dtype.itemsize}")
        return np.arange(1 << (8 * in_dtype.itemsize), dtype=unsigned).view(in_dtype)
    return np.arange(lo, lo + n, dtype=np.int64)


def table(plan: Plan, in_dtype: np.dtype, lo: int | None = None, n: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """The plan composed over a domain: ``(table, invalid_mask)``; cached.

    With ``lo=None`` the domain is every bit pattern of the 8/16-bit
    `in_dtype` (entry ``i`` is the value whose bit pattern is ``i``);
    otherwise ``lo .. lo + n - 1``. The invalid mask marks entries an exact
    integer output cannot hold (None when there are none).
    """
    key = (plan, in_dtype.str, lo, n)
    hit = _cached(key)
    if hit is not None:
        return hit
    values = _domain_values(in_dtype, lo, n)
    arith = plan.arithmetic
    if arith is not None and (plan.dtype.kind == "f" or plan.rounding):
        src = values if values.dtype in _CODES else values.astype(np.float64)
        out = np.empty(len(values), plan.dtype)
        _run_arith(src, out, arith, plan)
        result = (out, None)
    elif plan.is_palette:
        rgb = evaluate(plan.stages, values)
        result = convert(rgb, plan)
        if result[1] is not None:
            result = (result[0], result[1].any(axis=-1))
    else:
        result = convert(evaluate(plan.stages, values), plan)
    result[0].setflags(write=False)
    _store(key, result)
    return result


_spans: dict = {}


def valid_span(plan: Plan, in_dtype: np.dtype, lo: int, n: int) -> tuple[np.ndarray, int, int] | None:
    """The part of the table over ``lo .. lo + n - 1`` whose entries are all valid.

    ``(entries, first, last)``: the table's entries for the input values
    ``first .. last``, when exactly those values of the domain map to values
    the output dtype can hold (the whole domain when nothing is invalid). A
    monotonic transform (identity, rescale, inversion) into an integer dtype
    has such a span; None when the valid values are not one run (or none).
    Cached with the table.
    """
    key = (plan, in_dtype.str, lo, n)
    try:
        return _spans[key]
    except KeyError:
        pass
    tab, invalid = table(plan, in_dtype, lo, n)
    if invalid is None:
        span = (tab, lo, lo + n - 1)
    else:
        ok = np.flatnonzero(~invalid)
        if ok.size and ok[-1] - ok[0] + 1 == ok.size:
            i0, i1 = int(ok[0]), int(ok[-1])
            span = (tab[i0 : i1 + 1], lo + i0, lo + i1)
        else:
            span = None
    if len(_spans) >= 256:
        _spans.clear()
    _spans[key] = span
    return span


# ---- applying a plan ----------------------------------------------------------------


def _run_arith(src: np.ndarray, out: np.ndarray, arith: tuple, plan: Plan) -> None:
    slope, intercept, mode, center, width, ymin, ymax, invert = arith
    if plan.dtype.kind in "iu":
        clip_lo, clip_hi = _int_range(plan.dtype)
    else:
        clip_lo = clip_hi = 0.0
    n = src.size
    if n == 0:
        return
    _lut.linear_window(
        src.reshape(-1).view(np.uint8), _CODES[src.dtype], n, out.reshape(-1).view(np.uint8), _CODES[out.dtype],
        slope, intercept, mode, center, width, ymin, ymax, invert, clip_lo, clip_hi,
    )


def _native(arr: np.ndarray) -> np.ndarray:
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    if arr.dtype == np.bool_:
        arr = arr.view(np.uint8)
    return np.ascontiguousarray(arr)


def apply_plan(
    plan: Plan,
    arr: np.ndarray,
    *,
    domain: tuple[int, int] | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Apply `plan` to `arr` (any shape); a palette adds a trailing axis of 3.

    Parameters
    ----------
    domain : (int, int), optional
        The range the stored values are declared to lie in (from Bits Stored
        and Pixel Representation): it sizes the table for 32-bit integer
        input. Values outside it are still transformed correctly.
    out : numpy.ndarray, optional
        C-contiguous array of the result's shape and the plan's dtype.
    """
    arr = _native(np.asarray(arr))
    shape = arr.shape + ((3,) if plan.is_palette else ())
    if out is None:
        out = np.empty(shape, plan.dtype)
    elif out.shape != shape or out.dtype != plan.dtype or not out.flags.c_contiguous or not out.flags.writeable:
        raise ValueError(
            f"'out' must be a writeable C-contiguous array of shape {shape} and dtype {plan.dtype}, "
            f"not {out.shape} {out.dtype}"
        )
    if arr.size == 0:
        return out
    kind, itemsize = arr.dtype.kind, arr.dtype.itemsize
    three = plan.is_palette
    if plan.valid is not None:
        lo, hi = plan.valid
        if kind in "iu" and itemsize <= 4 and hi - lo < (1 << 16) and lo == int(lo) and hi == int(hi):
            lo, hi = int(lo), int(hi)
            span = valid_span(plan, arr.dtype, lo, hi - lo + 1)
            if span is None:
                tab, invalid = table(plan, arr.dtype, lo, hi - lo + 1)
                if _gather(arr, tab, out, lo, three):
                    raise _outside(plan)
                _check_invalid_domain(arr, invalid, plan, lo)
                return out
            tab, first, last = span
            if _gather(arr, tab, out, first, three):
                _raise_stray(plan, arr, first, last)
            return out
        if not (np.isfinite(arr).all() if kind == "f" else True) or arr.min() < lo or arr.max() > hi:
            raise _outside(plan)
    if kind in "iu" and itemsize <= 2:
        tab, invalid = table(plan, arr.dtype)
        if invalid is None:
            _gather(arr, tab, out, None, three)
            return out
        if domain is None:
            _check_invalid(arr, invalid, plan)
            _gather(arr, tab, out, None, three)
            return out
    if kind in "iu" and itemsize <= 4 and domain is not None and domain[1] - domain[0] < (1 << 16):
        # entries an exact integer output cannot hold raise only when a pixel has their value
        lo, hi = int(domain[0]), int(domain[1])
        span = valid_span(plan, arr.dtype, lo, hi - lo + 1)
        if span is None:
            tab, invalid = table(plan, arr.dtype, lo, hi - lo + 1)
            if _gather(arr, tab, out, lo, three):
                _recompute_strays(plan, arr, out, lo, hi)
            _check_invalid_domain(arr, invalid, plan, lo)
            return out
        tab, first, last = span
        if _gather(arr, tab, out, first, three):
            _recompute_strays(plan, arr, out, first, last)
        return out
    arith = plan.arithmetic
    if arith is not None and arr.dtype in _CODES and (plan.dtype.kind == "f" or plan.rounding):
        _run_arith(arr, out, arith, plan)
        return out
    converted, bad = convert(evaluate(plan.stages, arr), plan)
    if bad is not None:
        if bad.ndim > arr.ndim:
            bad = bad.any(axis=-1)
        first = arr.reshape(-1)[np.argmax(bad.reshape(-1))]
        if arr.dtype.kind in "iu":
            _raise_value(plan, int(first))
        raise invalid_value_error(float(np.asarray(evaluate(plan.stages, np.asarray([first]))).reshape(-1)[0]), plan.dtype, first)
    out[...] = converted
    return out


def _outside(plan: Plan) -> ValueError:
    lo, hi = plan.valid
    return ValueError(f"The pixel values range beyond {lo:g} .. {hi:g}, the stored values {plan.valid_what} maps")


def _gather(arr: np.ndarray, tab: np.ndarray, out: np.ndarray, lo: int | None, three: bool) -> int:
    itemsize = out.dtype.itemsize
    ntab = tab.shape[0]
    return _lut.gather(
        arr.reshape(-1).view(np.uint8), _CODES[arr.dtype], arr.size, 0 if lo is None else lo,
        tab.reshape(-1).view(np.uint8), ntab, itemsize, out.reshape(-1).view(np.uint8), three, lo is None,
    )


def _check_invalid(arr: np.ndarray, invalid: np.ndarray, plan: Plan) -> None:
    """Raise if a pixel maps to a table entry the output dtype cannot hold."""
    unsigned = arr.view(np.dtype(f"u{arr.dtype.itemsize}"))
    hit = invalid[unsigned]
    if hit.any():
        _raise_value(plan, int(arr.reshape(-1)[np.argmax(hit.reshape(-1))]))


def _first_invalid(invalid: np.ndarray, plan: Plan, lo: int) -> ValueError:
    idx = int(np.argmax(invalid))
    values = evaluate(plan.stages, np.asarray([lo + idx]))
    return invalid_value_error(float(np.asarray(values).reshape(-1)[0]), plan.dtype)


def _check_invalid_domain(arr: np.ndarray, invalid: np.ndarray | None, plan: Plan, lo: int) -> None:
    """Raise if a pixel within ``lo .. lo + len(invalid) - 1`` has an invalid entry (the slow case)."""
    if invalid is None:
        return
    flat = arr.reshape(-1).astype(np.int64)
    k = flat - lo
    inside = (k >= 0) & (k < len(invalid))
    hit = np.zeros(flat.shape, bool)
    hit[inside] = invalid[k[inside]]
    if hit.any():
        _raise_value(plan, int(flat[np.argmax(hit)]))


def _raise_value(plan: Plan, stored: int) -> None:
    value = float(np.asarray(evaluate(plan.stages, np.asarray([stored]))).reshape(-1)[0])
    raise invalid_value_error(value, plan.dtype, stored)


def _raise_stray(plan: Plan, arr: np.ndarray, first: int, last: int) -> None:
    """A pixel value outside ``first .. last``: outside the mapped range, or unrepresentable."""
    flat = arr.reshape(-1)
    stray = int(flat[np.argmax((flat < first) | (flat > last))])
    lo, hi = plan.valid
    if stray < lo or stray > hi:
        raise _outside(plan)
    _raise_value(plan, stray)


def _recompute_strays(plan: Plan, arr: np.ndarray, out: np.ndarray, lo: int, hi: int) -> None:
    """Compute the pixels outside ``lo .. hi`` directly; raise if the output dtype cannot hold one."""
    flat = arr.reshape(-1)
    mask = (flat < lo) | (flat > hi)
    strays = flat[mask]
    values = evaluate(plan.stages, strays)
    converted, bad = convert(values, plan)
    if bad is not None:
        if bad.ndim > 1:
            bad = bad.any(axis=-1)
        _raise_value(plan, int(strays[np.argmax(bad)]))
    dest = out.reshape((flat.size, 3) if plan.is_palette else (flat.size,))
    dest[mask] = converted
