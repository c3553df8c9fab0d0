# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, freethreading_compatible=True
"""RLE Lossless encoding kernel (DICOM PS3.5 Annex G; decoding is in :mod:`.rle_decode`).

A frame is split, row by row, into byte planes (segment ``k`` holds byte
``k % nbytes`` of sample ``k // nbytes``, most significant first, PS3.5 G.2),
and each row of each plane is PackBits-encoded on its own (PS3.5 G.3.1: no
run crosses a row). The segments are built in one work buffer whose capacity
per segment bounds the worst case, then copied once behind the 64-byte header
into the returned ``bytes``. Failures out of the ``nogil`` code are status
codes of ``status.pxd``, mapped by :func:`dcmcore._kernels.status.check_status`.
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset

from dcmcore._kernels._util cimport product
from dcmcore._kernels.fused cimport bswap_storage, storage_t
from dcmcore._kernels.status cimport DCM_BAD_GEOMETRY, DCM_NO_MEMORY, DCM_OK

from dcmcore._kernels.status import check_status

cdef enum:
    # Longest run of either kind (PS3.5 G.3.1).
    _MAX_RUN = 128


cdef inline void _store_le32(uint8_t* p, uint32_t v) noexcept nogil:
    p[0] = <uint8_t>v
    p[1] = <uint8_t>(v >> 8)
    p[2] = <uint8_t>(v >> 16)
    p[3] = <uint8_t>(v >> 24)


cdef inline uint64_t _load64(const uint8_t* p) noexcept nogil:
    cdef uint64_t v
    memcpy(&v, p, 8)
    return v


cdef inline bint _has_zero_byte(uint64_t v) noexcept nogil:
    # Exact test for "some byte of v is zero" (no false positives or negatives).
    return ((v - 0x0101010101010101ULL) & ~v & 0x8080808080808080ULL) != 0


cdef inline Py_ssize_t _next_triple(const uint8_t* s, Py_ssize_t k, Py_ssize_t n) noexcept nogil:
    """Smallest m >= k with s[m] == s[m + 1] == s[m + 2] (m + 2 < n), else n."""
    cdef uint64_t a, b, c
    # Eight candidate positions per step: reads s[k .. k + 9], in bounds while k + 10 <= n.
    while k + 10 <= n:
        a = _load64(s + k)
        b = _load64(s + k + 1)
        c = _load64(s + k + 2)
        if _has_zero_byte((a ^ b) | (b ^ c)):
            break
        k += 8
    while k + 2 < n:
        if s[k] == s[k + 1] and s[k] == s[k + 2]:
            return k
        k += 1
    return n


cdef inline uint8_t* _put_literal(const uint8_t* s, Py_ssize_t n, uint8_t* o) noexcept nogil:
    cdef Py_ssize_t k
    while n > 0:
        k = n if n < _MAX_RUN else _MAX_RUN
        o[0] = <uint8_t>(k - 1)
        memcpy(o + 1, s, <size_t>k)
        o += k + 1
        s += k
        n -= k
    return o


cdef Py_ssize_t _pack_row(const uint8_t* s, Py_ssize_t n, uint8_t* d) noexcept nogil:
    """PackBits-encode the n bytes of one row of one byte plane into d.

    Run policy: a repeat of 3 or more bytes is a replicate run; a repeat of
    exactly 2 is a replicate run only where no literal run is open (it then
    costs 2 bytes either way, and a literal would cost a header byte more),
    otherwise it joins the open literal run (splitting the literal would
    cost a header byte). Runs are at most 128 bytes and never leave the row.
    At most ``n + ceil(n / 128) + 1`` bytes are written.
    """
    cdef Py_ssize_t i = 0, j, lim, m
    cdef uint8_t* o = d
    cdef uint8_t v
    cdef uint64_t word
    while i < n:
        # No literal run is open at i.
        v = s[i]
        lim = i + _MAX_RUN
        if lim > n:
            lim = n
        j = i + 1
        # Extend the repeat 8 bytes at a time, then byte by byte.
        word = v * 0x0101010101010101ULL
        while j + 8 <= lim and _load64(s + j) == word:
            j += 8
        while j < lim and s[j] == v:
            j += 1
        if j - i >= 2:
            o[0] = <uint8_t>(257 - (j - i))
            o[1] = v
            o += 2
            i = j
            continue
        # s[i] != s[i + 1]: a literal run from i up to the next 3-byte repeat.
        m = _next_triple(s, i + 1, n)
        o = _put_literal(s + i, m - i, o)
        i = m
    return o - d


cdef void _split_row(
    const uint8_t* src,
    Py_ssize_t row_offset,
    Py_ssize_t pixel_stride,
    Py_ssize_t sample_stride,
    Py_ssize_t cols,
    int spp,
    bint swap,
    uint8_t* planes,
    storage_t dummy,
) noexcept nogil:
    """Split one row into byte planes: plane c * nb + j gets byte j (MSB first) of sample c.

    Sample c of pixel x of the row is the storage_t at item index
    ``row_offset + x * pixel_stride + c * sample_stride`` of `src`.
    """
    cdef int nb = sizeof(storage_t)
    cdef Py_ssize_t x
    cdef int c, j
    cdef storage_t v
    cdef const uint8_t* p
    cdef uint8_t* q
    for c in range(spp):
        p = src + (row_offset + c * sample_stride) * nb
        q = planes + c * nb * cols
        if nb == 1:
            if pixel_stride == 1:
                memcpy(q, p, <size_t>cols)
            else:
                for x in range(cols):
                    q[x] = p[x * pixel_stride]
            continue
        for x in range(cols):
            memcpy(&v, p + x * pixel_stride * nb, sizeof(storage_t))
            if swap:
                v = bswap_storage(v)
            for j in range(nb):
                q[j * cols + x] = <uint8_t>(v >> (8 * (nb - 1 - j)))


cdef int _encode_frame(
    const uint8_t* src,
    Py_ssize_t rows,
    Py_ssize_t cols,
    int spp,
    bint planar,
    bint swap,
    uint8_t* work,
    Py_ssize_t capacity,
    Py_ssize_t* lengths,
    storage_t dummy,
) noexcept nogil:
    """Encode every segment; segment k goes to work + k * capacity, its length to lengths[k]."""
    cdef int nb = sizeof(storage_t)
    cdef int nseg = spp * nb
    cdef int k
    cdef Py_ssize_t r, row_bound = cols + (cols + _MAX_RUN - 1) // _MAX_RUN + 1
    cdef Py_ssize_t pixel_stride, sample_stride, row_stride
    cdef uint8_t* planes = <uint8_t*>malloc(<size_t>(nseg * cols))
    if planes == NULL:
        return DCM_NO_MEMORY
    if planar:
        pixel_stride, sample_stride, row_stride = 1, rows * cols, cols
    else:
        pixel_stride, sample_stride, row_stride = spp, 1, cols * spp
    for k in range(nseg):
        lengths[k] = 0
    for r in range(rows):
        _split_row(src, r * row_stride, pixel_stride, sample_stride, cols, spp, swap, planes, dummy)
        for k in range(nseg):
            if capacity - lengths[k] < row_bound:
                free(planes)
                return DCM_BAD_GEOMETRY
            lengths[k] += _pack_row(planes + k * cols, cols, work + k * capacity + lengths[k])
    free(planes)
    return DCM_OK


def encode_frame(
    const uint8_t[::1] src, Py_ssize_t rows, Py_ssize_t cols, int spp, int nbytes,
    bint planar, bint swap,
):
    """Kernel: RLE-encode one frame; returns the frame (header + segments) as bytes.

    `src` holds ``rows * cols * spp`` samples of `nbytes` bytes (1, 2, 4 or 8),
    interleaved (``planar`` False) or one plane per sample (``planar`` True),
    in the host's byte order, or the other one when `swap` is True. There are
    ``spp * nbytes`` segments (the caller keeps this at most 15). Each segment
    is padded to an even length with a zero byte (PS3.5 G.5), so the frame's
    length is even.
    """
    cdef int nseg = spp * nbytes
    cdef Py_ssize_t row_bound, capacity
    cdef Py_ssize_t lengths[15]
    cdef Py_ssize_t total, pos
    cdef int k, rc
    cdef uint8_t* work
    cdef uint8_t* out
    cdef uint32_t word
    if (
        nseg < 1 or nseg > 15 or rows < 1 or cols < 1 or not (nbytes == 1 or nbytes == 2 or nbytes == 4 or nbytes == 8)
        or src.shape[0] != product("encode_frame", product("encode_frame", rows, cols), nseg)
    ):
        check_status(DCM_BAD_GEOMETRY, "encode_frame", "inconsistent geometry")
    # At most n + ceil(n / 128) + 1 bytes per row of n bytes (see _pack_row); the
    # source holds rows * cols * nseg bytes, so this cannot overflow.
    row_bound = cols + (cols + _MAX_RUN - 1) // _MAX_RUN + 1
    capacity = rows * row_bound + 1
    work = <uint8_t*>malloc(<size_t>(nseg * capacity))
    if work == NULL:
        check_status(DCM_NO_MEMORY, "encode_frame")
    with nogil:
        if nbytes == 1:
            rc = _encode_frame(&src[0], rows, cols, spp, planar, swap, work, capacity, lengths, <uint8_t>0)
        elif nbytes == 2:
            rc = _encode_frame(&src[0], rows, cols, spp, planar, swap, work, capacity, lengths, <uint16_t>0)
        elif nbytes == 4:
            rc = _encode_frame(&src[0], rows, cols, spp, planar, swap, work, capacity, lengths, <uint32_t>0)
        elif nbytes == 8:
            rc = _encode_frame(&src[0], rows, cols, spp, planar, swap, work, capacity, lengths, <uint64_t>0)
        else:
            rc = DCM_BAD_GEOMETRY
        if rc == DCM_OK:
            for k in range(nseg):
                if lengths[k] % 2:
                    work[k * capacity + lengths[k]] = 0  # G.5: pad to even length
                    lengths[k] += 1
    if rc != DCM_OK:
        free(work)
        check_status(rc, "encode_frame")
    total = 64
    for k in range(nseg):
        total += lengths[k]
    if total > 0xFFFFFFFF:
        free(work)
        raise OverflowError(
            f"The RLE frame would be {total} bytes: offsets in its header are limited to 2**32 - 1"
        )
    try:
        result = PyBytes_FromStringAndSize(NULL, total)
    except BaseException:
        free(work)
        raise
    out = <uint8_t*>PyBytes_AS_STRING(result)
    with nogil:
        memset(out, 0, 64)
        pos = 64
        _store_le32(out, <uint32_t>nseg)
        for k in range(nseg):
            _store_le32(out + 4 + 4 * k, <uint32_t>pos)
            memcpy(out + pos, work + k * capacity, <size_t>lengths[k])
            pos += lengths[k]
        free(work)
    return result
