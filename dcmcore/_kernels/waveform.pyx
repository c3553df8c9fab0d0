# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, freethreading_compatible=True, embedsignature=True
"""Waveform kernel: interleaved multiplex group samples to per-channel physical values.

Waveform Data (5400,1010) holds the samples of one multiplex group channel
after channel, sample after sample (PS3.3 C.10.9.1.3: C1S1, C2S1, ... CnS1,
C1S2, ...): the same order as a C-contiguous ``(samples, channels)`` array, so
each sample is read once and written once, as ``value * sensitivity[channel] *
correction[channel] + baseline[channel]`` (the reference's order of operations) in float64, a sample equal to the padding value becoming NaN.
8-bit mu-law and A-law samples (G.711) are expanded to their linear values
first (14-bit and 13-bit two's complement, the G.711 decoder output).

``dcmcore.waveforms`` validates the elements; :func:`unpack` checks again
every buffer against the sizes it is given (``_util.pxd``), and its ``nogil``
loop returns a ``status.pxd`` code (``DCM_BAD_GEOMETRY`` for a sample layout
it does not know), which the caller maps with ``check_status``.
"""
from libc.math cimport NAN
from libc.string cimport memcpy
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t

from dcmcore._kernels._util cimport bswap16, bswap32, bswap64, need_bytes, product
from dcmcore._kernels.status cimport DCM_BAD_GEOMETRY, DCM_OK

cdef extern from "waveform.h" nogil:
    # the plain loops of the common case: host-order samples, no padding value, no companding
    void dcm_wave_u8(const uint8_t*, Py_ssize_t, Py_ssize_t, const double*, const double*, const double*, double*) noexcept
    void dcm_wave_i8(const uint8_t*, Py_ssize_t, Py_ssize_t, const double*, const double*, const double*, double*) noexcept
    void dcm_wave_u16(const uint8_t*, Py_ssize_t, Py_ssize_t, const double*, const double*, const double*, double*) noexcept
    void dcm_wave_i16(const uint8_t*, Py_ssize_t, Py_ssize_t, const double*, const double*, const double*, double*) noexcept
    void dcm_wave_u32(const uint8_t*, Py_ssize_t, Py_ssize_t, const double*, const double*, const double*, double*) noexcept
    void dcm_wave_i32(const uint8_t*, Py_ssize_t, Py_ssize_t, const double*, const double*, const double*, double*) noexcept
    void dcm_wave_u64(const uint8_t*, Py_ssize_t, Py_ssize_t, const double*, const double*, const double*, double*) noexcept
    void dcm_wave_i64(const uint8_t*, Py_ssize_t, Py_ssize_t, const double*, const double*, const double*, double*) noexcept
ctypedef void (*wave_loop)(const uint8_t*, Py_ssize_t, Py_ssize_t, const double*, const double*,
                           const double*, double*) noexcept nogil

#: Sample kinds (the Waveform Sample Interpretation families).
KIND_UNSIGNED = 0
KIND_SIGNED = 1
KIND_MULAW = 2
KIND_ALAW = 3


cdef inline double _mulaw(uint8_t b) noexcept nogil:
    cdef int u = (~b) & 0xFF
    cdef int exponent = (u >> 4) & 7
    cdef int magnitude = ((((u & 0x0F) << 1) + 33) << exponent) - 33
    return -magnitude if u & 0x80 else magnitude


cdef inline double _alaw(uint8_t b) noexcept nogil:
    cdef int a = b ^ 0x55
    cdef int exponent = (a >> 4) & 7
    cdef int magnitude
    if exponent == 0:
        magnitude = ((a & 0x0F) << 1) + 1
    else:
        magnitude = (((a & 0x0F) << 1) + 33) << (exponent - 1)
    return magnitude if a & 0x80 else -magnitude


cdef inline uint64_t _bits(const uint8_t* p, int nbytes, bint swap) noexcept nogil:
    # The raw bits of one sample, in host order.
    # (memcpy: Waveform Data need not be aligned; compilers make it one load)
    cdef uint16_t v16
    cdef uint32_t v32
    cdef uint64_t v64
    if nbytes == 1:
        return p[0]
    if nbytes == 2:
        memcpy(&v16, p, 2)
        return bswap16(v16) if swap else v16
    if nbytes == 4:
        memcpy(&v32, p, 4)
        return bswap32(v32) if swap else v32
    memcpy(&v64, p, 8)
    return bswap64(v64) if swap else v64


cdef inline double _value(uint64_t raw, int nbytes, int kind) noexcept nogil:
    if kind == 2:
        return _mulaw(<uint8_t>raw)
    if kind == 3:
        return _alaw(<uint8_t>raw)
    if kind == 1:
        if nbytes == 1:
            return <int8_t>raw
        if nbytes == 2:
            return <int16_t>raw
        if nbytes == 4:
            return <int32_t>raw
        return <double><int64_t>raw
    return <double>raw


cdef inline void _loop(const uint8_t* src, Py_ssize_t nsamples, Py_ssize_t nchannels, const int nbytes,
                       const int kind, const bint swap, const double* scale, const double* corr,
                       const double* offset, const bint has_pad, const uint64_t pad, double* out) noexcept nogil:
    # Called with constant nbytes / kind / swap / has_pad, so that each call site compiles to its own loop.
    cdef Py_ssize_t s, c, k = 0
    cdef uint64_t raw
    for s in range(nsamples):
        for c in range(nchannels):
            raw = _bits(src + k * nbytes, nbytes, swap)
            if has_pad and raw == pad:
                out[k] = NAN
            else:
                out[k] = _value(raw, nbytes, kind) * scale[c] * corr[c] + offset[c]
            k += 1


cdef int _unpack(const uint8_t* src, Py_ssize_t nsamples, Py_ssize_t nchannels, int nbytes, int kind,
                 bint swap, const double* scale, const double* corr, const double* offset, bint has_pad,
                 uint64_t pad, double* out) noexcept nogil:
    if kind < 0 or kind > 3 or (kind >= 2 and nbytes != 1):
        return DCM_BAD_GEOMETRY
    if nbytes != 1 and nbytes != 2 and nbytes != 4 and nbytes != 8:
        return DCM_BAD_GEOMETRY
    cdef wave_loop plain = NULL
    if not has_pad and not swap and kind <= 1:
        if nbytes == 1:
            plain = dcm_wave_i8 if kind else dcm_wave_u8
        elif nbytes == 2:
            plain = dcm_wave_i16 if kind else dcm_wave_u16
        elif nbytes == 4:
            plain = dcm_wave_i32 if kind else dcm_wave_u32
        else:
            plain = dcm_wave_i64 if kind else dcm_wave_u64
        plain(src, nsamples, nchannels, scale, corr, offset, out)
        return DCM_OK
    # companded, byte-swapped or padded samples: the general loop
    _loop(src, nsamples, nchannels, nbytes, kind, swap, scale, corr, offset, has_pad, pad, out)
    return DCM_OK


cdef inline bint _little() noexcept nogil:
    cdef uint16_t one = 1
    return (<uint8_t*>&one)[0] == 1


def unpack(const uint8_t[::1] src, Py_ssize_t nsamples, Py_ssize_t nchannels, int nbytes, int kind,
           bint big_endian, const double[::1] scale, const double[::1] corr, const double[::1] offset, bint has_pad, uint64_t pad,
           double[::1] out):
    """Kernel: ``out[s * nchannels + c] = value(sample s, channel c) * scale[c] * corr[c] + offset[c]`` (NaN: padding).

    `src` holds ``nsamples * nchannels`` samples of `nbytes` bytes (1, 2, 4, 8)
    interleaved by channel, of `kind` (``KIND_*``; mu-law and A-law are 1
    byte), big endian when `big_endian`; a sample whose raw bits equal `pad`
    is NaN when `has_pad`. Returns ``ST_OK`` or ``ST_BAD_GEOMETRY`` (an
    unknown sample layout); raises ValueError for a buffer smaller than the
    sizes say.
    """
    cdef Py_ssize_t count = product("waveform.unpack", nsamples, nchannels)
    need_bytes("waveform.unpack", "src", src.shape[0], product("waveform.unpack", count, nbytes if nbytes > 0 else 0))
    need_bytes("waveform.unpack", "out", out.shape[0] * 8, count * 8)
    need_bytes("waveform.unpack", "scale", scale.shape[0] * 8, nchannels * 8)
    need_bytes("waveform.unpack", "corr", corr.shape[0] * 8, nchannels * 8)
    need_bytes("waveform.unpack", "offset", offset.shape[0] * 8, nchannels * 8)
    if count == 0:
        return DCM_OK
    cdef bint swap = big_endian == _little()
    cdef int rc
    with nogil:
        rc = _unpack(&src[0], nsamples, nchannels, nbytes, kind, swap, &scale[0], &corr[0], &offset[0], has_pad, pad, &out[0])
    return rc

