"""The numeric core: composed tables, and the kernels that apply plans (the stages are in ``_stages``).

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

import numpy as np

from dcmcore._kernels import lut as _lut
from dcmcore.transforms import _stages
from dcmcore.transforms._stages import CODES, Plan, convert, evaluate, int_range, invalid_value_error

# The stages and plans, re-exported: the transforms use them as E.Linear, E.Plan, ...
from dcmcore.transforms._stages import *  # noqa: F401, F403  (re-exported by _stages.__all__)

__all__ = [*_stages.__all__, "table", "valid_span", "apply_plan", "clear_cache", "first_invalid_error"]


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
        src = values if values.dtype in CODES else values.astype(np.float64)
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
        clip_lo, clip_hi = int_range(plan.dtype)
    else:
        clip_lo = clip_hi = 0.0
    n = src.size
    if n == 0:
        return
    _lut.linear_window(
        src.reshape(-1).view(np.uint8), CODES[src.dtype], n, out.reshape(-1).view(np.uint8), CODES[out.dtype],
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
    if arith is not None and arr.dtype in CODES and (plan.dtype.kind == "f" or plan.rounding):
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
        arr.reshape(-1).view(np.uint8), CODES[arr.dtype], arr.size, 0 if lo is None else lo,
        tab.reshape(-1).view(np.uint8), ntab, itemsize, out.reshape(-1).view(np.uint8), three, lo is None,
    )


def _check_invalid(arr: np.ndarray, invalid: np.ndarray, plan: Plan) -> None:
    """Raise if a pixel maps to a table entry the output dtype cannot hold."""
    unsigned = arr.view(np.dtype(f"u{arr.dtype.itemsize}"))
    hit = invalid[unsigned]
    if hit.any():
        _raise_value(plan, int(arr.reshape(-1)[np.argmax(hit.reshape(-1))]))


def first_invalid_error(invalid: np.ndarray, plan: Plan, lo: int) -> ValueError:
    """The error for the first table entry in `invalid` (stored values from `lo`) the output dtype cannot hold."""
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
