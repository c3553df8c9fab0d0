# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, freethreading_compatible=True
"""Segmented palette expansion kernel (Segmented Palette Color Lookup Table Data, PS3.3 C.7.9.2).

Discrete segments (opcode 0) copy their entries; linear segments (1) connect
the previous entry to their end value over their length, each value rounded
half to even, exactly; indirect segments (2) repeat ``count`` segments from a
byte offset into the data, which may not themselves be indirect. Every read is
bounded by the data, every write by the output, and the number of segments
expanded (indirect segments repeat others) by ``_MAX_VISITS``.

Failures are status codes of ``status.pxd``; ``dcmcore.transforms._lutdata``
maps them with :func:`dcmcore._kernels.status.check_status`.
"""
from libc.stdint cimport int64_t, uint16_t, uint64_t

from dcmcore._kernels.status cimport (
    DCM_INDIRECT_BEYOND,
    DCM_INDIRECT_FIRST,
    DCM_INDIRECT_UNALIGNED,
    DCM_LINEAR_FIRST,
    DCM_NESTED_INDIRECT,
    DCM_OK,
    DCM_OVERLONG,
    DCM_TOO_MANY,
    DCM_TRUNCATED,
    DCM_UNKNOWN_OPCODE,
)

cdef enum:
    # segments expanded at most (indirect segments repeat others): bounds the work
    _MAX_VISITS = 1 << 22

#: Segments expanded at most (an ``ST_TOO_MANY`` status beyond).
MAX_VISITS = _MAX_VISITS


cdef struct SegState:
    const uint16_t* w
    Py_ssize_t nwords
    uint16_t* out
    Py_ssize_t nout
    Py_ssize_t cap
    bint bytewise
    bint little
    Py_ssize_t fail_pos
    Py_ssize_t visits


cdef Py_ssize_t _segment(SegState* st, Py_ssize_t pos, bint allow_indirect) noexcept nogil:
    """Expand the segment at word `pos`; return the next position, or a negative status."""
    cdef const uint16_t* w = st.w
    cdef Py_ssize_t n = st.nwords
    cdef int64_t op, length, i, y0, y1, num, q, r
    cdef Py_ssize_t end, target, k
    cdef uint64_t offset, lsw, msw
    st.fail_pos = pos
    st.visits += 1
    if st.visits > _MAX_VISITS:
        return DCM_TOO_MANY
    if pos + 1 >= n:
        return DCM_TRUNCATED
    op = w[pos]
    length = w[pos + 1]
    if op == 0:
        end = pos + 2 + length
        if end > n:
            return DCM_TRUNCATED
        if st.nout + length > st.cap:
            return DCM_OVERLONG
        for i in range(length):
            st.out[st.nout + i] = w[pos + 2 + i]
        st.nout += length
        return end
    if op == 1:
        if pos + 2 >= n:
            return DCM_TRUNCATED
        if st.nout == 0:
            return DCM_LINEAR_FIRST
        if st.nout + length > st.cap:
            return DCM_OVERLONG
        y0 = st.out[st.nout - 1]
        y1 = w[pos + 2]
        for i in range(1, length + 1):
            # round half to even of (y0 (length - i) + y1 i) / length, exactly
            num = y0 * (length - i) + y1 * i
            q = num // length
            r = num - q * length
            if 2 * r > length or (2 * r == length and (q & 1)):
                q += 1
            st.out[st.nout + i - 1] = <uint16_t>q
        st.nout += length
        return pos + 3
    if op == 2:
        if not allow_indirect:
            return DCM_NESTED_INDIRECT
        if st.nout == 0:
            return DCM_INDIRECT_FIRST
        if st.bytewise:
            if pos + 5 >= n:
                return DCM_TRUNCATED
            # two 16-bit words, least significant first, each in the data set's byte order
            if st.little:
                lsw = w[pos + 2] | (<uint64_t>w[pos + 3] << 8)
                msw = w[pos + 4] | (<uint64_t>w[pos + 5] << 8)
            else:
                lsw = (<uint64_t>w[pos + 2] << 8) | w[pos + 3]
                msw = (<uint64_t>w[pos + 4] << 8) | w[pos + 5]
            offset = lsw | (msw << 16)
            end = pos + 6
            target = <Py_ssize_t>offset
        else:
            if pos + 3 >= n:
                return DCM_TRUNCATED
            offset = w[pos + 2] | (<uint64_t>w[pos + 3] << 16)
            end = pos + 4
            if offset & 1:
                return DCM_INDIRECT_UNALIGNED
            target = <Py_ssize_t>(offset >> 1)
        for k in range(length):
            if target >= n:
                st.fail_pos = pos
                return DCM_INDIRECT_BEYOND
            target = _segment(st, target, False)
            if target < 0:
                return target
        return end
    return DCM_UNKNOWN_OPCODE


def expand_segments(const uint16_t[::1] words, uint16_t[::1] out, bint bytewise, bint little):
    """Kernel: expand segmented palette data into ``out``; returns ``(status, value)``.

    ``words`` holds one segment word per item (8-bit data one byte per item
    when `bytewise`); a single trailing word is padding. On success ``status``
    is ``ST_OK`` (0) and ``value`` the number of entries written (at most
    ``len(out)``); otherwise ``status`` is a negative ``ST_*`` code
    (``ST_TRUNCATED``, ``ST_OVERLONG`` past ``len(out)``, ``ST_UNKNOWN_OPCODE``,
    ...) and ``value`` the word position of the failing segment.
    """
    cdef SegState st
    cdef Py_ssize_t pos = 0
    st.w = &words[0] if words.shape[0] else NULL
    st.nwords = words.shape[0]
    st.out = &out[0] if out.shape[0] else NULL
    st.nout = 0
    st.cap = out.shape[0]
    st.bytewise = bytewise
    st.little = little
    st.fail_pos = 0
    st.visits = 0
    with nogil:
        while pos + 1 < st.nwords:
            pos = _segment(&st, pos, True)
            if pos < 0:
                break
    if pos < 0:
        return <int>pos, st.fail_pos
    return DCM_OK, st.nout
