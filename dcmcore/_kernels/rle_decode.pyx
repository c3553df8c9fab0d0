# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, freethreading_compatible=True
"""RLE Lossless decoding kernels (DICOM PS3.5 Annex G; encoding is in :mod:`.rle_encode`).

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
the segment's end and every write by the segment's decoded length. Failures
come back as status codes of ``status.pxd`` with the details of the failing
run; ``dcmcore.rle`` maps them with :func:`dcmcore._kernels.status.check_status`
(``CorruptPixelDataError`` for the data, ``ValueError`` for the arguments).

Three entry points share the segment decoder: :func:`decode_frame` (one frame),
:func:`decode_segment` (one PackBits segment) and :func:`decode_frames` (a run
of frames with the GIL released once, mapping a new output's pages as it goes).
"""
from cpython.buffer cimport PyBUF_C_CONTIGUOUS, PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.pyport cimport PY_SSIZE_T_MAX
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset

from dcmcore._kernels.fused cimport storage_t
from dcmcore._kernels.status cimport (
    DCM_BAD_GEOMETRY,
    DCM_LITERAL_TRUNCATED,
    DCM_NO_MEMORY,
    DCM_OK,
    DCM_OVERLONG,
    DCM_REPLICATE_TRUNCATED,
    DCM_SHORT,
)

cdef extern from "pages.h" nogil:
    size_t DCM_HUGE_PAGE
    void dcm_touch_down(volatile uint8_t* d, Py_ssize_t lo, Py_ssize_t hi)

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
    (``s.left + s.pending``). Returns DCM_OK or a negative status, with the
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
    cdef int rc = DCM_OK
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
            rc = _fail(DCM_SHORT, s, p, 0, info)
            break
        h = p[0]
        if h < 128:
            run = h + 1
            if run > end - p - 1:
                rc = _fail(DCM_LITERAL_TRUNCATED, s, p, run, info)
                break
            if run > left:
                rc = _fail(DCM_OVERLONG, s, p, run, info)
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
                rc = _fail(DCM_REPLICATE_TRUNCATED, s, p, run, info)
                break
            if run > left:
                rc = _fail(DCM_OVERLONG, s, p, run, info)
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
    cdef int k, rc = DCM_OK
    cdef const uint8_t* limit = src + srclen
    for k in range(nseg):
        _segment_init(&segs[k], src + starts[k], ends[k] - starts[k], limit, npix)
    if nseg == 1:
        # One plane (8-bit, one sample): decode straight into the output.
        rc = _segment_read(&segs[0], <uint8_t*>dst, npix, <uint8_t*>dst + npix, info)
        if rc != DCM_OK:
            info[_I_SEGMENT] = 0
            info[_I_DECODED] = _decoded(&segs[0], npix)
        elif sign != 0 or mask != <storage_t>0xFF:
            for i in range(npix):
                dst[i] = <storage_t>(((dst[i] & mask) ^ sign) - sign)
        return rc
    # Each plane has _SLACK bytes of scratch after its _CHUNK bytes.
    planes = <uint8_t*>malloc(<size_t>(nseg * _PLANE))
    if planes == NULL:
        return DCM_NO_MEMORY
    while done < npix:
        n = npix - done
        if n > _CHUNK:
            n = _CHUNK
        for k in range(nseg):
            rc = _segment_read(&segs[k], planes + k * _PLANE, n, planes + (k + 1) * _PLANE, info)
            if rc != DCM_OK:
                info[_I_SEGMENT] = k
                info[_I_DECODED] = _decoded(&segs[k], npix)
                free(planes)
                return rc
        _assemble(dst + done * spp, planes, _PLANE, n, spp, mask, sign)
        done += n
    free(planes)
    return DCM_OK


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
    run, decoded, available)``: a negative ``status.ST_*`` code, the failing segment (0-based),
    the offset in it of the failing run's header byte, the bytes that run
    would produce, the bytes of the segment decoded before it, and the bytes
    left in the segment after the header byte.
    """
    cdef Py_ssize_t srclen = src.shape[0]
    cdef int nseg
    cdef int k, rc = DCM_OK
    cdef Py_ssize_t starts[15]
    cdef Py_ssize_t ends[15]
    cdef Py_ssize_t info[_I_SIZE]
    cdef Py_buffer view
    cdef uint64_t mask = 0xFFFFFFFFFFFFFFFFULL, sign = 0
    info[:] = [0, 0, 0, 0, 0]
    if not (1 <= spp <= 15 and nbytes in (1, 2, 4, 8)):
        return (DCM_BAD_GEOMETRY, 0, 0, 0, 0, 0)
    nseg = spp * nbytes
    if nseg < 1 or nseg > 15 or npix < 1 or npix > PY_SSIZE_T_MAX // nseg:
        return (DCM_BAD_GEOMETRY, 0, 0, 0, 0, 0)
    if srclen < 64 or _load_le32(&src[0]) != <uint32_t>nseg:
        return (DCM_BAD_GEOMETRY, 0, 0, 0, 0, 0)
    if 0 < bits_stored < 8 * nbytes:
        mask = ((<uint64_t>1) << bits_stored) - 1
        if signed:
            sign = (<uint64_t>1) << (bits_stored - 1)
    for k in range(nseg):
        starts[k] = _load_le32(&src[4 + 4 * k])
    for k in range(nseg):
        ends[k] = starts[k + 1] if k + 1 < nseg else srclen
        if not (64 <= starts[k] < ends[k] <= srclen):
            return (DCM_BAD_GEOMETRY, k, 0, 0, 0, 0)
    PyObject_GetBuffer(dst, &view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS)
    try:
        if view.len != npix * spp * nbytes or <size_t>view.buf % <size_t>nbytes:
            return (DCM_BAD_GEOMETRY, 0, 0, 0, 0, 0)
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
                rc = DCM_BAD_GEOMETRY
    finally:
        PyBuffer_Release(&view)
    if rc != DCM_OK:
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
        return DCM_BAD_GEOMETRY
    for k in range(nseg):
        starts[k] = _load_le32(src + 4 + 4 * k)
    for k in range(nseg):
        ends[k] = starts[k + 1] if k + 1 < nseg else srclen
        if not (64 <= starts[k] < ends[k] <= srclen):
            return DCM_BAD_GEOMETRY
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
    return DCM_BAD_GEOMETRY



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
            if _decode_one(&buf[0] + a, b - a, npix, spp, nbytes, &dst[0] + i * frame, mask, sign) != DCM_OK:
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
        return (DCM_BAD_GEOMETRY, 0, 0, 0, 0, 0)
    with nogil:
        _segment_init(&seg, &src[0], src.shape[0], &src[0] + src.shape[0], n)
        rc = _segment_read(&seg, &dst[0], n, &dst[0] + n, info)
        if rc != DCM_OK:
            info[_I_SEGMENT] = 0
            info[_I_DECODED] = _decoded(&seg, n)
    if rc != DCM_OK:
        return _failure(rc, info)
    return None
