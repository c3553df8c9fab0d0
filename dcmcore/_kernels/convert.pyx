# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, freethreading_compatible=True
"""Stored-value kernels for natively encoded pixel data.

Every kernel works on raw bytes and an item size, and applies one fused
per-sample operation on the way from ``src`` to ``dst``::

    v = bswap(src[i]) if swap else src[i]
    dst[i] = ((v & mask) ^ sign) - sign

With ``mask = 2**bits_stored - 1`` and ``sign = 2**(bits_stored - 1)`` for signed
data (``0`` for unsigned), this clears the unused high bits of unsigned values
and sign-extends signed ones, in unsigned arithmetic (no undefined behaviour).

``dcmcore._native_plan`` checks lengths, alignment and sizes before calling them;
each entry point checks them again (``ValueError``), so no call reads or
writes past the end of a buffer.
"""
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy

from dcmcore._kernels._util cimport need_aligned, need_bytes, no_partial_overlap, product
from dcmcore._kernels.fused cimport bswap_storage, storage_t

cdef extern from "simd8.h" nogil:
    void dcm_interleave3_u8(const uint8_t* a, const uint8_t* b, const uint8_t* c,
                            uint8_t* d, Py_ssize_t n, int allow_simd)

cdef extern from "stream16.h" nogil:
    int dcm_convert16_stream(const uint16_t* s, uint16_t* d, Py_ssize_t n, int swap,
                             uint16_t mask, uint16_t sign)
    int dcm_fix16_inplace(uint16_t* d, Py_ssize_t n, int swap, uint16_t mask, uint16_t sign)

#: Outputs of at least this many bytes (well beyond the caches) are written with
#: streaming stores: they are not read back before they leave the caches anyway.
cdef Py_ssize_t _STREAM_BYTES = 1 << 24
STREAM_BYTES = _STREAM_BYTES


cdef void _convert(
    const storage_t* s, storage_t* d, Py_ssize_t n, bint swap, storage_t mask, storage_t sign
) noexcept nogil:
    cdef Py_ssize_t i
    if swap:
        for i in range(n):
            d[i] = ((bswap_storage(s[i]) & mask) ^ sign) - sign
    else:
        for i in range(n):
            d[i] = ((s[i] & mask) ^ sign) - sign


cdef void _planar3(
    const storage_t* s, storage_t* d, Py_ssize_t nframes, Py_ssize_t npix,
    bint swap, storage_t mask, storage_t sign,
) noexcept nogil:
    # Each frame: three planes of npix samples -> npix interleaved triplets.
    cdef Py_ssize_t f, p
    cdef const storage_t* a
    cdef const storage_t* b
    cdef const storage_t* c
    cdef storage_t* o
    for f in range(nframes):
        a = s + 3 * npix * f
        b = a + npix
        c = b + npix
        o = d + 3 * npix * f
        if storage_t is uint8_t:
            if mask == 0xFF and sign == 0:
                dcm_interleave3_u8(a, b, c, o, npix, True)
                continue
        if swap:
            for p in range(npix):
                o[3 * p] = ((bswap_storage(a[p]) & mask) ^ sign) - sign
                o[3 * p + 1] = ((bswap_storage(b[p]) & mask) ^ sign) - sign
                o[3 * p + 2] = ((bswap_storage(c[p]) & mask) ^ sign) - sign
        else:
            for p in range(npix):
                o[3 * p] = ((a[p] & mask) ^ sign) - sign
                o[3 * p + 1] = ((b[p] & mask) ^ sign) - sign
                o[3 * p + 2] = ((c[p] & mask) ^ sign) - sign


cdef int _check_bits(str kernel, int itemsize, int bits_stored) except -1:
    if not 1 <= bits_stored <= 8 * itemsize:
        raise ValueError(f"{kernel}: bits_stored {bits_stored} is not 1 to {8 * itemsize}")
    return 0


cdef inline void _masks(int bits_stored, bint signed, uint64_t* mask, uint64_t* sign) noexcept nogil:
    mask[0] = 0xFFFFFFFFFFFFFFFFULL if bits_stored >= 64 else ((<uint64_t>1) << bits_stored) - 1
    sign[0] = ((<uint64_t>1) << (bits_stored - 1)) if signed else 0


def convert(
    const uint8_t[::1] src, uint8_t[::1] dst, int itemsize, bint swap, int bits_stored, bint signed,
    bint stream=True,
):
    """Kernel: apply the fused swap/mask/sign operation to ``len(dst) // itemsize`` samples.

    ``src`` and ``dst`` are byte views aligned to ``itemsize``, non-empty, and
    ``len(src) >= len(dst)``. ``1 <= bits_stored <= 8 * itemsize``. With
    `stream`, 16-bit outputs of :data:`STREAM_BYTES` or more that do not
    overlap `src` in place are written with streaming stores (same values).
    """
    cdef Py_ssize_t n
    cdef uint64_t mask, sign
    if dst.shape[0] == 0:
        return
    need_aligned("convert", "src", &src[0] if src.shape[0] else NULL, itemsize)
    need_aligned("convert", "dst", &dst[0], itemsize)
    _check_bits("convert", itemsize, bits_stored)
    n = dst.shape[0] // itemsize
    need_bytes("convert", "src", src.shape[0], n * itemsize)
    _masks(bits_stored, signed, &mask, &sign)
    with nogil:
        if itemsize == 1:
            _convert(<const uint8_t*>&src[0], <uint8_t*>&dst[0], n, False, <uint8_t>mask, <uint8_t>sign)
        elif itemsize == 2:
            if &src[0] == &dst[0]:
                if not dcm_fix16_inplace(<uint16_t*>&dst[0], n, swap, <uint16_t>mask, <uint16_t>sign):
                    _convert(<const uint16_t*>&src[0], <uint16_t*>&dst[0], n, swap, <uint16_t>mask, <uint16_t>sign)
            elif not (
                stream and 2 * n >= _STREAM_BYTES
                and dcm_convert16_stream(<const uint16_t*>&src[0], <uint16_t*>&dst[0], n, swap,
                                         <uint16_t>mask, <uint16_t>sign)
            ):
                _convert(<const uint16_t*>&src[0], <uint16_t*>&dst[0], n, swap, <uint16_t>mask, <uint16_t>sign)
        elif itemsize == 4:
            _convert(<const uint32_t*>&src[0], <uint32_t*>&dst[0], n, swap, <uint32_t>mask, <uint32_t>sign)
        else:
            _convert(<const uint64_t*>&src[0], <uint64_t*>&dst[0], n, swap, mask, sign)


def planar_to_interleaved(
    const uint8_t[::1] src, uint8_t[::1] dst, int itemsize, Py_ssize_t nframes,
    Py_ssize_t npix, bint swap, int bits_stored, bint signed,
):
    """Kernel: 3-sample frames from planar (R..G..B..) to interleaved (RGBRGB..) order.

    Applies the fused swap/mask/sign operation on the way. Both views hold at
    least ``nframes * 3 * npix * itemsize`` bytes, aligned to ``itemsize``.
    """
    cdef uint64_t mask, sign
    cdef Py_ssize_t n = product("planar_to_interleaved", product("planar_to_interleaved", nframes, npix),
                                product("planar_to_interleaved", 3, itemsize))
    need_bytes("planar_to_interleaved", "src", src.shape[0], n)
    need_bytes("planar_to_interleaved", "dst", dst.shape[0], n)
    if n == 0:
        return
    need_aligned("planar_to_interleaved", "src", &src[0], itemsize)
    need_aligned("planar_to_interleaved", "dst", &dst[0], itemsize)
    _check_bits("planar_to_interleaved", itemsize, bits_stored)
    no_partial_overlap("planar_to_interleaved", &src[0], n, &dst[0], n, False)
    _masks(bits_stored, signed, &mask, &sign)
    with nogil:
        if itemsize == 1:
            _planar3(<const uint8_t*>&src[0], <uint8_t*>&dst[0], nframes, npix, False,
                     <uint8_t>mask, <uint8_t>sign)
        elif itemsize == 2:
            _planar3(<const uint16_t*>&src[0], <uint16_t*>&dst[0], nframes, npix, swap,
                     <uint16_t>mask, <uint16_t>sign)
        elif itemsize == 4:
            _planar3(<const uint32_t*>&src[0], <uint32_t*>&dst[0], nframes, npix, swap,
                     <uint32_t>mask, <uint32_t>sign)
        else:
            _planar3(<const uint64_t*>&src[0], <uint64_t*>&dst[0], nframes, npix, swap, mask, sign)


cdef void _swap_pairs(const uint8_t* s, Py_ssize_t start, uint8_t* d, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t k
    for k in range(n):
        d[k] = s[(start + k) ^ 1]


def swap_pairs(const uint8_t[::1] src, Py_ssize_t start, uint8_t[::1] dst):
    """Kernel: ``dst[k] = src[(start + k) ^ 1]`` for ``k < len(dst)``.

    Reads 8-bit samples that a big endian writer stored as 16-bit words (OW).
    Needs ``start >= 0`` and ``((start + len(dst) - 1) | 1) < len(src)``.
    """
    if dst.shape[0] == 0:
        return
    if start < 0 or start > src.shape[0]:
        raise ValueError(f"swap_pairs: start {start} is not within the {src.shape[0]} bytes of 'src'")
    need_bytes("swap_pairs", "src", src.shape[0], ((start + dst.shape[0] - 1) | 1) + 1)
    with nogil:
        _swap_pairs(&src[0], start, &dst[0], dst.shape[0])
