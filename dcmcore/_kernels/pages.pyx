# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False, freethreading_compatible=True
"""Mapping the pages of a new output array before a kernel fills it.

The first write to a page of a new anonymous mapping makes Linux map and clear
it. With transparent huge pages (NumPy asks for them on arrays of 4 MiB and
more), a 2 MiB page is cleared in an order that ends at the written address.
Cleared from its end towards its start, as a first write at its start asks, a
huge page took about 2.5 times as long here as cleared the other way, which a
first write near its end asks for. :func:`prefault` therefore touches a new
array from its end to its start; the kernel that fills it afterwards writes
pages that are already mapped, in whatever order suits it.
"""
from libc.stdint cimport uint8_t

cdef extern from "pages.h" nogil:
    int DCM_PAGE_STRIDE
    size_t DCM_HUGE_PAGE
    int dcm_page_mapped(const void* p)
    void dcm_touch_down(volatile uint8_t* d, Py_ssize_t lo, Py_ssize_t hi)

#: Stride of the touches: the smallest page size in use.
STRIDE = DCM_PAGE_STRIDE
#: A transparent huge page (x86-64, most arm64 systems).
HUGE_PAGE = DCM_HUGE_PAGE


def is_mapped(const uint8_t[::1] buf):
    """Kernel: whether the page holding the last byte of `buf` is mapped.

    False only when the operating system says that page was never written
    (a new array straight from the kernel); True otherwise, also where the
    system cannot tell. An empty `buf` counts as mapped.
    """
    if buf.shape[0] == 0:
        return True
    return bool(dcm_page_mapped(<const void*>&buf[buf.shape[0] - 1]))


def prefault(uint8_t[::1] dst):
    """Kernel: map the pages of the never written array `dst`, from its end to its start.

    Writes a zero byte every :data:`STRIDE` bytes, the last byte of `dst`
    first. The contents of `dst` are unspecified afterwards, as before. Use
    :func:`is_mapped` first to skip memory the allocator recycled.
    """
    if dst.shape[0] == 0:
        return
    with nogil:
        dcm_touch_down(<volatile uint8_t*>&dst[0], 0, dst.shape[0])
