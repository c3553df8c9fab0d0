# cython: language_level=3
"""The status codes that dcmcore kernels return out of ``nogil`` code.

A kernel that can fail returns ``DCM_OK`` (0), a count (0 or more), or one of
the negative codes below (exported to Python as ``status.ST_*``); a kernel whose failure has details (the RLE
decoders, the segmented palette expander) returns them in a tuple whose first
item is the code. The code is never turned into an exception inside the
kernel's loops: the caller maps it, after the ``nogil`` block, with the one
function :func:`dcmcore._kernels.status.check_status`, which picks the
exception (``CorruptPixelDataError`` for malformed data, ``ValueError`` for
arguments, ``MemoryError``) and words the message.

Plugins may ``cimport dcmcore._kernels.status`` to return the same codes.
"""

cdef enum dcm_status:
    # success
    DCM_OK = 0
    # -- arguments (ValueError) ------------------------------------------------
    # Sizes, offsets or lengths inconsistent with each other or with the
    # buffers: the wrappers check them first, so this means a caller's bug.
    DCM_BAD_GEOMETRY = -1
    # A value outside what the output can hold (a pack of a value not 0 or 1).
    DCM_VALUE_RANGE = -2
    # -- resources (MemoryError) -----------------------------------------------
    DCM_NO_MEMORY = -3
    # -- malformed encoded data (CorruptPixelDataError, or the caller's class) ---
    # The input ended before the output was complete (an RLE segment short).
    DCM_SHORT = -4
    # A record reads past the end of its input (a palette segment).
    DCM_TRUNCATED = -5
    # An RLE literal run reads past the end of its segment.
    DCM_LITERAL_TRUNCATED = -6
    # An RLE replicate run has no byte to repeat.
    DCM_REPLICATE_TRUNCATED = -7
    # A run or segment would write past the output's expected length.
    DCM_OVERLONG = -8
    # An unknown record type (a palette segment opcode).
    DCM_UNKNOWN_OPCODE = -9
    # Palette segments (PS3.3 C.7.9.2) in an order the Standard does not allow.
    DCM_LINEAR_FIRST = -10
    DCM_INDIRECT_FIRST = -11
    DCM_NESTED_INDIRECT = -12
    # An indirect palette segment points beyond the data, or to an odd byte.
    DCM_INDIRECT_BEYOND = -13
    DCM_INDIRECT_UNALIGNED = -14
    # The work the data asks for exceeds a bound (indirect segments repeating
    # more segments than the bound allows).
    DCM_TOO_MANY = -15
