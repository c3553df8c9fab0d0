# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, freethreading_compatible=True
"""RLE Lossless kernels (DICOM PS3.5 Annex G).

An RLE frame is a 64-byte header (segment count and offsets, little endian)
followed by up to 15 segments. Segment ``k`` holds one byte plane of one
sample: sample ``k // nbytes``, byte ``k % nbytes`` counted from the most
significant byte (PS3.5 G.2). Each segment is a PackBits stream: a header
byte ``h`` followed by ``h + 1`` literal bytes (``h`` 0..127), or by one byte
repeated ``257 - h`` times (``h`` 129..255); ``h`` 128 is a no-op.

Decoding runs all segments in lockstep, ``_CHUNK`` pixels at a time: each
segment decodes its next bytes into a small plane buffer that stays in the
L1 cache, and one pass assembles the samples (most significant byte first)
and interleaves them straight into the output. The output is written once;
there is no frame-sized planar temporary and no transpose.

``dcmcore.rle`` validates the header and the output first, and every entry
point checks again that its output holds (and is aligned for) exactly what the
geometry says; the encoded bytes are never trusted: every read is bounded by
the segment's end and every write by the segment's decoded length. Failures come back as status codes (``ST_*``) with the details
of the failing run; ``dcmcore.rle`` maps them to ``CorruptPixelDataError``.
"""
from cpython.buffer cimport PyBUF_C_CONTIGUOUS, PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.pyport cimport PY_SSIZE_T_MAX
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset

from dcmcore._kernels._util cimport bswap16, bswap32, bswap64
from dcmcore._kernels.fused cimport storage_t

# -- status codes (returned by the nogil code, mapped in dcmcore.rle) --------
cdef enum:
    _OK = 0
    _SHORT = -1            # segment ended before its decoded length was reached
    _LITERAL_TRUNCATED = -2  # a literal run reads past the end of the segment
    _REPLICATE_TRUNCATED = -3  # a replicate run's byte is missing
    _OVERLONG = -4         # a run would decode past the segment's decoded length
    _NO_MEMORY = -5
    _BAD_GEOMETRY = -6     # offsets/lengths inconsistent with the buffers

ST_OK = _OK
ST_SHORT = _SHORT
ST_LITERAL_TRUNCATED = _LITERAL_TRUNCATED
ST_REPLICATE_TRUNCATED = _REPLICATE_TRUNCATED
ST_OVERLONG = _OVERLONG
ST_NO_MEMORY = _NO_MEMORY
ST_BAD_GEOMETRY = _BAD_GEOMETRY

# Slots of the ``info`` array filled on failure (returned as a tuple).
cdef enum:
    _I_SEGMENT = 0    # index of the failing segment (0-based)
    _I_POSITION = 1   # offset, within the segment, of the failing run's header byte
    _I_RUN = 2        # length of the failing run (bytes it would produce)
    _I_DECODED = 3    # bytes of the segment decoded before the failing run
    _I_AVAILABLE = 4  # bytes of the segment left after the header byte
    _I_SIZE = 5


cdef enum:
    # Pixels decoded per lockstep step: 15 planes of 2 KiB stay in the L1 cache.
    _CHUNK = 2048
    _SLACK = 64
    _PLANE = _CHUNK + _SLACK
    # Longest run of either kind (PS3.5 G.3.1).
    _MAX_RUN = 128


# -- decoding -----------------------------------------------------------------
cdef struct _Segment:
    const uint8_t* start   # first byte of the segment
    const uint8_t* p       # next header byte
    const uint8_t* end     # one past the segment's last byte
    const uint8_t* limit   # one past the last readable byte of the whole buffer (>= end)
    Py_ssize_t left        # decoded bytes not yet claimed by a parsed run
    Py_ssize_t pending     # bytes of the current run not yet written
    const uint8_t* literal  # next byte of the current literal run
    uint8_t value          # byte of the current replicate run
    bint replicate


cdef inline void _segment_init(
    _Segment* s, const uint8_t* start, Py_ssize_t length, const uint8_t* limit,
    Py_ssize_t decoded_length,
) noexcept nogil:
    s.start = start
    s.p = start
    s.end = start + length
    s.limit = limit
    s.left = decoded_length
    s.pending = 0
    s.literal = NULL
    s.value = 0
    s.replicate = False


cdef inline int _fail(
    int rc, const _Segment* s, const uint8_t* header, Py_ssize_t run, Py_ssize_t* info
) noexcept nogil:
    info[_I_POSITION] = header - s.start
    info[_I_RUN] = run
    info[_I_AVAILABLE] = s.end - header - 1 if header < s.end else 0
    return rc


cdef int _segment_read(
    _Segment* s, uint8_t* d, Py_ssize_t n, uint8_t* dlimit, Py_ssize_t* info
) noexcept nogil:
    """Write the next `n` decoded bytes of segment `s` to `d`.

    Bytes from ``d + n`` up to `dlimit` may be overwritten with scratch (short
    runs are copied 16 bytes at a time when there is room). The caller
    guarantees that `n` does not exceed the bytes still to be decoded
    (``s.left + s.pending``). Returns _OK or a negative status, with the
    position, run length, bytes decoded and bytes available in `info`.
    """
    cdef Py_ssize_t k, run
    cdef uint8_t h, v
    # The state lives in locals: stores through `d` may alias `s`, and would
    # otherwise force the compiler to reload it after every byte written.
    cdef const uint8_t* p = s.p
    cdef const uint8_t* end = s.end
    cdef const uint8_t* limit = s.limit
    cdef Py_ssize_t left = s.left
    cdef int rc = _OK
    if s.pending:
        k = s.pending if s.pending < n else n
        if s.replicate:
            memset(d, s.value, <size_t>k)
        else:
            memcpy(d, s.literal, <size_t>k)
            s.literal += k
        s.pending -= k
        d += k
        n -= k
    while n > 0:
        if p >= end:
            rc = _fail(_SHORT, s, p, 0, info)
            break
        h = p[0]
        if h < 128:
            run = h + 1
            if run > end - p - 1:
                rc = _fail(_LITERAL_TRUNCATED, s, p, run, info)
                break
            if run > left:
                rc = _fail(_OVERLONG, s, p, run, info)
                break
            p += 1
            left -= run
            if run <= n:
                if run <= 16 and limit - p >= 16 and dlimit - d >= 16:
                    memcpy(d, p, 16)
                else:
                    memcpy(d, p, <size_t>run)
                d += run
                n -= run
            else:
                memcpy(d, p, <size_t>n)
                s.literal = p + n
                s.replicate = False
                s.pending = run - n
                n = 0
            p += run
        elif h > 128:
            run = 257 - h
            if end - p < 2:
                rc = _fail(_REPLICATE_TRUNCATED, s, p, run, info)
                break
            if run > left:
                rc = _fail(_OVERLONG, s, p, run, info)
                break
            v = p[1]
            p += 2
            left -= run
            if run <= n:
                if run <= 16 and dlimit - d >= 16:
                    memset(d, v, 16)
                else:
                    memset(d, v, <size_t>run)
                d += run
                n -= run
            else:
                memset(d, v, <size_t>n)
                s.value = v
                s.replicate = True
                s.pending = run - n
                n = 0
        else:
            p += 1  # 128 (-128 as a signed byte): no operation
    s.p = p
    s.left = left
    return rc


cdef inline Py_ssize_t _decoded(const _Segment* s, Py_ssize_t decoded_length) noexcept nogil:
    # Bytes of the segment decoded so far, before the current (failing) run.
    return decoded_length - s.left - s.pending


cdef void _assemble(
    storage_t* dst, const uint8_t* planes, Py_ssize_t plane_stride, Py_ssize_t n, int spp,
    storage_t mask, storage_t sign,
) noexcept nogil:
    """dst[i * spp + c] = the sample c of pixel i, from its byte planes.

    Plane ``c * nb + j`` (at ``planes + (c * nb + j) * plane_stride``) holds
    byte ``j`` of sample ``c``, most significant first. Values are assembled
    with shifts, so the result is in the host's byte order, then
    ``((v & mask) ^ sign) - sign``: the unused high bits cleared (unsigned)
    or set from the sign bit (signed); all ones and 0 leave `v` as stored.
    """
    cdef int nb = sizeof(storage_t)
    cdef Py_ssize_t i
    cdef int j, c
    cdef storage_t v
    if nb == 1 and spp == 1 and sign == 0 and mask == <storage_t>0xFF:
        memcpy(dst, planes, <size_t>n)
    elif spp == 1:
        for i in range(n):
            v = 0
            for j in range(nb):
                v = <storage_t>((v << 8) | planes[j * plane_stride + i])
            dst[i] = <storage_t>(((v & mask) ^ sign) - sign)
    elif spp == 3:
        for i in range(n):
            for c in range(3):
                v = 0
                for j in range(nb):
                    v = <storage_t>((v << 8) | planes[(c * nb + j) * plane_stride + i])
                dst[3 * i + c] = <storage_t>(((v & mask) ^ sign) - sign)
    else:
        for i in range(n):
            for c in range(spp):
                v = 0
                for j in range(nb):
                    v = <storage_t>((v << 8) | planes[(c * nb + j) * plane_stride + i])
                dst[spp * i + c] = <storage_t>(((v & mask) ^ sign) - sign)


cdef int _decode_frame(
    const uint8_t* src,
    Py_ssize_t srclen,
    const Py_ssize_t* starts,
    const Py_ssize_t* ends,
    int nseg,
    Py_ssize_t npix,
    int spp,
    storage_t* dst,
    Py_ssize_t* info,
    storage_t mask,
    storage_t sign,
) noexcept nogil:
    """Decode `nseg` = spp * sizeof(storage_t) segments into npix * spp samples, fixing unused bits."""
    cdef _Segment segs[15]
    cdef uint8_t* planes
    cdef Py_ssize_t done = 0, n, i
    cdef int k, rc = _OK
    cdef const uint8_t* limit = src + srclen
    for k in range(nseg):
        _segment_init(&segs[k], src + starts[k], ends[k] - starts[k], limit, npix)
    if nseg == 1:
        # One plane (8-bit, one sample): decode straight into the output.
        rc = _segment_read(&segs[0], <uint8_t*>dst, npix, <uint8_t*>dst + npix, info)
        if rc != _OK:
            info[_I_SEGMENT] = 0
            info[_I_DECODED] = _decoded(&segs[0], npix)
        elif sign != 0 or mask != <storage_t>0xFF:
            for i in range(npix):
                dst[i] = <storage_t>(((dst[i] & mask) ^ sign) - sign)
        return rc
    # Each plane has _SLACK bytes of scratch after its _CHUNK bytes.
    planes = <uint8_t*>malloc(<size_t>(nseg * _PLANE))
    if planes == NULL:
        return _NO_MEMORY
    while done < npix:
        n = npix - done
        if n > _CHUNK:
            n = _CHUNK
        for k in range(nseg):
            rc = _segment_read(&segs[k], planes + k * _PLANE, n, planes + (k + 1) * _PLANE, info)
            if rc != _OK:
                info[_I_SEGMENT] = k
                info[_I_DECODED] = _decoded(&segs[k], npix)
                free(planes)
                return rc
        _assemble(dst + done * spp, planes, _PLANE, n, spp, mask, sign)
        done += n
    free(planes)
    return _OK


cdef tuple _failure(int rc, const Py_ssize_t* info):
    return (rc, info[_I_SEGMENT], info[_I_POSITION], info[_I_RUN], info[_I_DECODED], info[_I_AVAILABLE])


cdef inline uint32_t _load_le32(const uint8_t* p) noexcept nogil:
    return p[0] | (<uint32_t>p[1] << 8) | (<uint32_t>p[2] << 16) | (<uint32_t>p[3] << 24)


def decode_frame(
    const uint8_t[::1] src, Py_ssize_t npix, int spp, int nbytes, object dst, int bits_stored=0, bint signed=False
):
    """Kernel: decode the RLE frame `src` into `dst`.

    With ``0 < bits_stored < 8 * nbytes`` the bits above `bits_stored` are
    cleared (unsigned) or set from the sign bit (`signed`) on the way, as
    PS3.5 8.1.1 requires of stored values; with 0 the samples are as stored.

    `dst` is a writeable, aligned, C-contiguous buffer (an array) of exactly
    ``npix * spp`` samples of `nbytes` bytes each (1, 2, 4 or 8), which
    receives the samples interleaved and in the host's byte order. The header
    of `src` must give ``spp * nbytes`` segments (at most 15) at increasing
    offsets inside `src` (the caller validates it; the kernel only refuses
    what would make it read or write out of bounds). Each segment must decode
    to exactly `npix` bytes; bytes after the run that completes a segment are
    ignored (segment padding).

    Returns None on success, else the tuple ``(status, segment, position,
    run, decoded, available)``: an ST_* code, the failing segment (0-based),
    the offset in it of the failing run's header byte, the bytes that run
    would produce, the bytes of the segment decoded before it, and the bytes
    left in the segment after the header byte.
    """
    cdef Py_ssize_t srclen = src.shape[0]
    cdef int nseg
    cdef int k, rc = _OK
    cdef Py_ssize_t starts[15]
    cdef Py_ssize_t ends[15]
    cdef Py_ssize_t info[_I_SIZE]
    cdef Py_buffer view
    cdef uint64_t mask = 0xFFFFFFFFFFFFFFFFULL, sign = 0
    info[:] = [0, 0, 0, 0, 0]
    if not (1 <= spp <= 15 and nbytes in (1, 2, 4, 8)):
        return (_BAD_GEOMETRY, 0, 0, 0, 0, 0)
    nseg = spp * nbytes
    if nseg < 1 or nseg > 15 or npix < 1 or npix > PY_SSIZE_T_MAX // nseg:
        return (_BAD_GEOMETRY, 0, 0, 0, 0, 0)
    if srclen < 64 or _load_le32(&src[0]) != <uint32_t>nseg:
        return (_BAD_GEOMETRY, 0, 0, 0, 0, 0)
    if 0 < bits_stored < 8 * nbytes:
        mask = ((<uint64_t>1) << bits_stored) - 1
        if signed:
            sign = (<uint64_t>1) << (bits_stored - 1)
    for k in range(nseg):
        starts[k] = _load_le32(&src[4 + 4 * k])
    for k in range(nseg):
        ends[k] = starts[k + 1] if k + 1 < nseg else srclen
        if not (64 <= starts[k] < ends[k] <= srclen):
            return (_BAD_GEOMETRY, k, 0, 0, 0, 0)
    PyObject_GetBuffer(dst, &view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS)
    try:
        if view.len != npix * spp * nbytes or <size_t>view.buf % <size_t>nbytes:
            return (_BAD_GEOMETRY, 0, 0, 0, 0, 0)
        with nogil:
            if nbytes == 1:
                rc = _decode_frame(&src[0], srclen, starts, ends, nseg, npix, spp, <uint8_t*>view.buf, info,
                                   <uint8_t>mask, <uint8_t>sign)
            elif nbytes == 2:
                rc = _decode_frame(&src[0], srclen, starts, ends, nseg, npix, spp, <uint16_t*>view.buf, info,
                                   <uint16_t>mask, <uint16_t>sign)
            elif nbytes == 4:
                rc = _decode_frame(&src[0], srclen, starts, ends, nseg, npix, spp, <uint32_t*>view.buf, info,
                                   <uint32_t>mask, <uint32_t>sign)
            elif nbytes == 8:
                rc = _decode_frame(&src[0], srclen, starts, ends, nseg, npix, spp, <uint64_t*>view.buf, info,
                                   mask, sign)
            else:
                rc = _BAD_GEOMETRY
    finally:
        PyBuffer_Release(&view)
    if rc != _OK:
        return _failure(rc, info)
    return None


cdef int _decode_one(
    const uint8_t* src, Py_ssize_t srclen, Py_ssize_t npix, int spp, int nbytes, uint8_t* dst,
    uint64_t mask, uint64_t sign,
) noexcept nogil:
    # One frame as decode_frame does it, header checks included, with the
    # checks of dcmcore.rle's header parser too (first segment at byte 64).
    cdef int nseg = spp * nbytes
    cdef int k
    cdef Py_ssize_t starts[15]
    cdef Py_ssize_t ends[15]
    cdef Py_ssize_t info[_I_SIZE]
    if srclen < 64 or _load_le32(src) != <uint32_t>nseg or _load_le32(src + 4) != 64:
        return _BAD_GEOMETRY
    for k in range(nseg):
        starts[k] = _load_le32(src + 4 + 4 * k)
    for k in range(nseg):
        ends[k] = starts[k + 1] if k + 1 < nseg else srclen
        if not (64 <= starts[k] < ends[k] <= srclen):
            return _BAD_GEOMETRY
    if nbytes == 1:
        return _decode_frame(src, srclen, starts, ends, nseg, npix, spp, <uint8_t*>dst, info,
                             <uint8_t>mask, <uint8_t>sign)
    elif nbytes == 2:
        return _decode_frame(src, srclen, starts, ends, nseg, npix, spp, <uint16_t*>dst, info,
                             <uint16_t>mask, <uint16_t>sign)
    elif nbytes == 4:
        return _decode_frame(src, srclen, starts, ends, nseg, npix, spp, <uint32_t*>dst, info,
                             <uint32_t>mask, <uint32_t>sign)
    elif nbytes == 8:
        return _decode_frame(src, srclen, starts, ends, nseg, npix, spp, <uint64_t*>dst, info, mask, sign)
    return _BAD_GEOMETRY


cdef extern from "pages.h" nogil:
    size_t DCM_HUGE_PAGE
    void dcm_touch_down(volatile uint8_t* d, Py_ssize_t lo, Py_ssize_t hi)


def decode_frames(
    const uint8_t[::1] buf, const Py_ssize_t[::1] starts, const Py_ssize_t[::1] stops,
    Py_ssize_t npix, int spp, int nbytes, uint8_t[::1] dst, int bits_stored=0, bint signed=False,
    bint prefault=False,
):
    """Kernel: decode the RLE frames ``buf[starts[i]:stops[i]]`` into consecutive frames of `dst`.

    As :func:`decode_frame` for each frame (same values), with the GIL
    released once for all of them. `dst` holds ``len(starts)`` frames of
    ``npix * spp * nbytes`` bytes, aligned to `nbytes`. Stops at the first
    frame whose range, header or segments are not right, and returns the
    number of frames decoded before it (``len(starts)`` when all were);
    that frame's part of `dst` is then unspecified. The caller decodes it
    again with :func:`decode_frame` for the error (or a plugin fallback).

    With `prefault` (`dst` is new, never written), the pages of `dst` are
    mapped a 2 MiB huge page at a time just before the frames there are
    written, each from its end down (see :mod:`dcmcore._kernels.pages`): the
    cleared memory is still in the cache when the frames are assembled.
    """
    cdef Py_ssize_t n = starts.shape[0]
    cdef Py_ssize_t size = buf.shape[0]
    cdef Py_ssize_t frame
    cdef Py_ssize_t i = 0, a, b, end, stop
    cdef Py_ssize_t mapped = 0
    cdef size_t base
    cdef int nseg
    cdef uint64_t mask = 0xFFFFFFFFFFFFFFFFULL, sign = 0
    if n == 0 or stops.shape[0] != n or not (1 <= spp <= 15 and nbytes in (1, 2, 4, 8)):
        return 0
    nseg = spp * nbytes
    if nseg > 15 or npix < 1 or npix > PY_SSIZE_T_MAX // nseg:
        return 0
    frame = npix * nseg
    if frame > PY_SSIZE_T_MAX // n or dst.shape[0] != n * frame:
        return 0
    if <size_t>&dst[0] % <size_t>nbytes:
        return 0
    if 0 < bits_stored < 8 * nbytes:
        mask = ((<uint64_t>1) << bits_stored) - 1
        if signed:
            sign = (<uint64_t>1) << (bits_stored - 1)
    base = <size_t>&dst[0]
    with nogil:
        while i < n:
            a = starts[i]
            b = stops[i]
            if not (0 <= a <= b <= size):
                break
            if prefault and (i + 1) * frame > mapped:
                end = (i + 1) * frame
                stop = <Py_ssize_t>((base + <size_t>end + DCM_HUGE_PAGE - 1) // DCM_HUGE_PAGE * DCM_HUGE_PAGE - base)
                if stop > n * frame:
                    stop = n * frame
                dcm_touch_down(<volatile uint8_t*>&dst[0], mapped, stop)
                mapped = stop
            if _decode_one(&buf[0] + a, b - a, npix, spp, nbytes, &dst[0] + i * frame, mask, sign) != _OK:
                break
            i += 1
    return i


def decode_segment(const uint8_t[::1] src, uint8_t[::1] dst):
    """Kernel: decode the whole of segment `src` into exactly ``len(dst)`` bytes.

    Returns None on success, else the same tuple as :func:`decode_frame`.
    """
    cdef _Segment seg
    cdef Py_ssize_t n = dst.shape[0]
    cdef Py_ssize_t info[_I_SIZE]
    cdef int rc
    info[:] = [0, 0, 0, 0, 0]
    if n < 1 or src.shape[0] < 1:
        return (_BAD_GEOMETRY, 0, 0, 0, 0, 0)
    with nogil:
        _segment_init(&seg, &src[0], src.shape[0], &src[0] + src.shape[0], n)
        rc = _segment_read(&seg, &dst[0], n, &dst[0] + n, info)
        if rc != _OK:
            info[_I_SEGMENT] = 0
            info[_I_DECODED] = _decoded(&seg, n)
    if rc != _OK:
        return _failure(rc, info)
    return None


# -- encoding -----------------------------------------------------------------

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


cdef inline storage_t _swapped(storage_t v) noexcept nogil:
    if storage_t is uint16_t:
        return bswap16(v)
    elif storage_t is uint32_t:
        return bswap32(v)
    elif storage_t is uint64_t:
        return bswap64(v)
    else:
        return v


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
                v = _swapped(v)
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
        return _NO_MEMORY
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
                return _BAD_GEOMETRY
            lengths[k] += _pack_row(planes + k * cols, cols, work + k * capacity + lengths[k])
    free(planes)
    return _OK


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
    cdef Py_ssize_t row_bound = cols + (cols + _MAX_RUN - 1) // _MAX_RUN + 1
    cdef Py_ssize_t capacity = rows * row_bound + 1
    cdef Py_ssize_t lengths[15]
    cdef Py_ssize_t total, pos
    cdef int k, rc
    cdef uint8_t* work
    cdef uint8_t* out
    cdef uint32_t word
    if nseg < 1 or nseg > 15 or rows < 1 or cols < 1 or src.shape[0] != rows * cols * spp * nbytes:
        raise ValueError("encode_frame: inconsistent geometry")
    work = <uint8_t*>malloc(<size_t>(nseg * capacity))
    if work == NULL:
        raise MemoryError()
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
            rc = _BAD_GEOMETRY
        if rc == _OK:
            for k in range(nseg):
                if lengths[k] % 2:
                    work[k * capacity + lengths[k]] = 0  # G.5: pad to even length
                    lengths[k] += 1
    if rc != _OK:
        free(work)
        if rc == _NO_MEMORY:
            raise MemoryError()
        raise RuntimeError(f"RLE encoder failed with status {rc}")  # pragma: no cover
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
