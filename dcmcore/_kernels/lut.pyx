# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, freethreading_compatible=True
"""Pixel transform kernels: table gathers and one fused arithmetic pass.

The whole modality -> VOI -> presentation (or palette) chain is composed once
into a table over the input's value domain, then applied in one pass:

``gather_full``
    8- and 16-bit inputs with a table over the container's whole domain (256
    or 65536 entries, indexed by the value's bit pattern): no bounds check is
    needed, every index is valid.
``gather``
    any integer input (up to 32 bits) with a table over ``lo .. lo + ntable -
    1``. A value outside that domain is never used to index memory: its index
    is clamped to the nearest end and it is counted; the count is returned so
    the caller can recompute (or reject) those pixels.

Both copy table entries by their itemsize (1, 2, 4 or 8 bytes), so one
specialisation serves every output dtype of that size, and both write three
interleaved samples per pixel when the table has three per entry (palette).

``linear_window`` is the fused arithmetic pass for float and wide integer
input, and the table builder: ``y = x * slope + intercept``, then optionally
a VOI window (PS3.3 C.11.2.1.2.1 LINEAR, C.11.2.1.3.2 LINEAR_EXACT,
C.11.2.1.3.1 SIGMOID) into ``[ymin, ymax]``, optionally reflected within that
range (an INVERSE presentation), stored as the output type. Integer outputs
are rounded half to even (as ``numpy.rint``) and clamped to ``[clip_lo,
clip_hi]`` (NaN to ``clip_lo``): the caller only asks for an integer output
when the values are known to lie in that range.

``dcmcore.transforms._engine`` checks codes, sizes and lengths first, once;
each entry point checks again that its codes are known and its buffers hold
and are aligned for what the sizes say (``ValueError`` otherwise).

The C loops are in ``lut_gather.h`` and ``lut_window.h``; segmented palette
data is expanded by :mod:`dcmcore._kernels.lut_segments`.
"""
from libc.float cimport DBL_MAX
from libc.stdint cimport int64_t, uint8_t, uint16_t, uint64_t

from dcmcore._kernels._util cimport need_aligned, need_bytes, product

# Input and output type codes, shared with dcmcore.transforms._engine
cdef enum:
    CODE_U8 = 0
    CODE_I8 = 1
    CODE_U16 = 2
    CODE_I16 = 3
    CODE_U32 = 4
    CODE_I32 = 5
    CODE_F32 = 6
    CODE_F64 = 7

# Window modes
cdef enum:
    WIN_NONE = 0
    WIN_LINEAR = 1
    WIN_LINEAR_EXACT = 2
    WIN_SIGMOID = 3

cdef extern from "lut_gather.h" nogil:
    Py_ssize_t dcm_gather(const void* s, int in_code, Py_ssize_t n, int64_t lo, const void* t,
                          Py_ssize_t ntab, int itemsize, void* d, int three, int full) noexcept nogil

cdef extern from "lut_window.h" nogil:
    ctypedef struct dcm_wparams:
        double slope
        double intercept
        int mode
        double wmin
        double scale
        double center
        double neg4_over_w
        double ymin
        double ymax
        double yrange
        double inv_a
        double inv_b
        double clip_lo
        double clip_hi
    void dcm_linear_window(const void* s, int in_code, void* d, int out_code,
                           Py_ssize_t n, const dcm_wparams* p) noexcept nogil


cdef Py_ssize_t _code_size(str kernel, str name, int code, int last) except -1:
    # Bytes of one value of type `code` (CODE_U8 .. `last`).
    if code < CODE_U8 or code > last:
        raise ValueError(f"{kernel}: {name} {code} is not a type code 0 to {last}")
    return (1, 1, 2, 2, 4, 4, 4, 8)[code]


cdef int _check_values(str kernel, str name, const uint8_t[::1] buf, Py_ssize_t n, Py_ssize_t size) except -1:
    need_bytes(kernel, name, buf.shape[0], product(kernel, n, size))
    if buf.shape[0]:
        need_aligned(kernel, name, &buf[0], size)
    return 0


def gather(
    const uint8_t[::1] src, int in_code, Py_ssize_t n, int64_t lo,
    const uint8_t[::1] table, Py_ssize_t ntable, int itemsize, uint8_t[::1] dst,
    bint three=False, bint full=False,
):
    """Kernel: ``dst[i] = table[src[i] - lo]`` for ``n`` pixels; returns the stray count.

    ``src`` holds ``n`` values of type ``in_code`` (U8 .. I32); ``table``
    holds ``ntable`` entries (of 3 items when `three`) and ``dst`` ``n``
    entries, items of ``itemsize`` bytes (1, 2, 4 or 8); all views are aligned
    to their item size and ``n``, ``ntable`` >= 1. With `full` the input is 8
    or 16 bits, ``ntable`` is 256 or 65536 and entry ``i`` belongs to the
    value whose bit pattern is ``i`` (``lo`` is ignored, nothing is counted).
    """
    cdef Py_ssize_t bad
    cdef Py_ssize_t k = 3 if three else 1
    cdef Py_ssize_t in_size = _code_size("gather", "in_code", in_code, CODE_I16 if full else CODE_I32)
    if full:
        if ntable != (1 << (8 * in_size)):
            raise ValueError(f"gather: a full table of {in_size}-byte values has {1 << (8 * in_size)} entries, not {ntable}")
    elif ntable < 1:
        raise ValueError(f"gather: ntable {ntable} is not positive")
    _check_values("gather", "src", src, n, in_size)
    _check_values("gather", "table", table, product("gather", ntable, k), itemsize)
    _check_values("gather", "dst", dst, product("gather", n, k), itemsize)
    if n == 0:
        return 0
    with nogil:
        bad = dcm_gather(&src[0], in_code, n, lo, &table[0], ntable, itemsize, &dst[0], three, full)
    return bad


def linear_window(
    const uint8_t[::1] src, int in_code, Py_ssize_t n, uint8_t[::1] dst, int out_code,
    double slope, double intercept, int mode, double center, double width,
    double ymin, double ymax, bint invert, double clip_lo, double clip_hi,
):
    """Kernel: the fused rescale -> window -> invert pass over ``n`` values.

    ``mode`` is 0 (no window), 1 (LINEAR), 2 (LINEAR_EXACT) or 3 (SIGMOID);
    with a window ``width`` is at least 1 (LINEAR) or positive and ``ymin <
    ymax``. With no window `invert` reflects within ``[ymin, ymax]`` too.
    Integer outputs are rounded half to even and clamped to ``[clip_lo,
    clip_hi]``.
    """
    cdef dcm_wparams p
    _check_values("linear_window", "src", src, n, _code_size("linear_window", "in_code", in_code, CODE_F64))
    _check_values("linear_window", "dst", dst, n, _code_size("linear_window", "out_code", out_code, CODE_F64))
    if n == 0:
        return
    p.slope = slope
    p.intercept = intercept
    p.center = center
    p.ymin = ymin
    p.ymax = ymax
    p.yrange = ymax - ymin
    p.inv_a = -1.0 if invert else 1.0
    p.inv_b = (ymin + ymax) if invert else 0.0
    p.clip_lo = clip_lo
    p.clip_hi = clip_hi
    p.wmin = center - width / 2.0
    p.neg4_over_w = 0.0
    p.mode = 0
    p.scale = 0.0
    if mode == WIN_LINEAR or mode == WIN_LINEAR_EXACT:
        p.mode = 1
        if mode == WIN_LINEAR:
            # LINEAR reaches ymax at c + w/2 - 1; a width of 1 is a step at c - 1/2
            p.scale = (ymax - ymin) / (width - 1.0) if width != 1.0 else DBL_MAX
        else:
            p.scale = (ymax - ymin) / width
    elif mode == WIN_SIGMOID:
        p.mode = 3
        p.neg4_over_w = -4.0 / width
    with nogil:
        dcm_linear_window(&src[0], in_code, &dst[0], out_code, n, &p)
