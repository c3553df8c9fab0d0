# cython: language_level=3
"""Status codes of dcmcore kernels, and the one function that maps them to exceptions.

The codes are those of ``status.pxd`` (``ST_*``), exported here under the same
names for Python callers. :func:`check_status` is the only place where a
kernel status becomes an exception::

    rc = bitpack.pack_lsb(src, dst, little)
    if rc:
        check_status(rc, "pack_bits", "only values of 0 and 1 can be packed")

Statuses that say the encoded data is malformed raise
``CorruptPixelDataError`` (or the class a caller passes as `error`, e.g. for a
malformed lookup table element), argument statuses ``ValueError`` and
``ST_NO_MEMORY`` ``MemoryError``.
"""
from dcmcore.errors import CorruptPixelDataError

ST_OK = DCM_OK
ST_BAD_GEOMETRY = DCM_BAD_GEOMETRY
ST_VALUE_RANGE = DCM_VALUE_RANGE
ST_NO_MEMORY = DCM_NO_MEMORY
ST_SHORT = DCM_SHORT
ST_TRUNCATED = DCM_TRUNCATED
ST_LITERAL_TRUNCATED = DCM_LITERAL_TRUNCATED
ST_REPLICATE_TRUNCATED = DCM_REPLICATE_TRUNCATED
ST_OVERLONG = DCM_OVERLONG
ST_UNKNOWN_OPCODE = DCM_UNKNOWN_OPCODE
ST_LINEAR_FIRST = DCM_LINEAR_FIRST
ST_INDIRECT_FIRST = DCM_INDIRECT_FIRST
ST_NESTED_INDIRECT = DCM_NESTED_INDIRECT
ST_INDIRECT_BEYOND = DCM_INDIRECT_BEYOND
ST_INDIRECT_UNALIGNED = DCM_INDIRECT_UNALIGNED
ST_TOO_MANY = DCM_TOO_MANY

#: What each status means, the message when the caller gives no detail.
MESSAGES = {
    ST_BAD_GEOMETRY: "the sizes, offsets or lengths are inconsistent with each other or with the buffers",
    ST_VALUE_RANGE: "a value lies outside the range the output can hold",
    ST_NO_MEMORY: "out of memory",
    ST_SHORT: "the data ends before the output is complete (truncated or corrupt data)",
    ST_TRUNCATED: "a record reads past the end of the data (truncated or corrupt data)",
    ST_LITERAL_TRUNCATED: "a literal run reads past the end of its segment (truncated or corrupt data)",
    ST_REPLICATE_TRUNCATED: "a replicate run has no byte to repeat (truncated or corrupt data)",
    ST_OVERLONG: "a run decodes past the expected length of the output (corrupt data)",
    ST_UNKNOWN_OPCODE: "a record has an unknown type",
    ST_LINEAR_FIRST: "a linear segment comes first",
    ST_INDIRECT_FIRST: "an indirect segment comes first",
    ST_NESTED_INDIRECT: "an indirect segment is the target of another indirect segment",
    ST_INDIRECT_BEYOND: "an indirect segment points beyond the data",
    ST_INDIRECT_UNALIGNED: "an indirect segment points to an odd byte offset",
    ST_TOO_MANY: "the data asks for more work than the kernel's bound allows",
}

_ARGUMENT = frozenset({ST_BAD_GEOMETRY, ST_VALUE_RANGE})


def check_status(status, what="", detail=None, error=None):
    """Return `status` when it is not negative (OK, or a count); else raise for it.

    Parameters
    ----------
    status : int
        What a kernel returned: 0, a count, or a negative ``ST_*`` code.
    what : str
        What failed (a kernel, a data element), put before the message.
    detail : str, optional
        The message; the status's entry of :data:`MESSAGES` when None.
    error : type, optional
        The exception class for malformed data (``CorruptPixelDataError``
        when None).

    Raises
    ------
    CorruptPixelDataError (or `error`)
        For a status that says the encoded data is malformed.
    ValueError
        For ``ST_BAD_GEOMETRY`` and ``ST_VALUE_RANGE`` (an argument error).
    MemoryError
        For ``ST_NO_MEMORY``.
    RuntimeError
        For a negative status that is not one of the ``ST_*`` codes.
    """
    if status >= 0:
        return status
    message = MESSAGES.get(status) if detail is None else detail
    if message is None:
        raise RuntimeError(f"{what or 'a kernel'} returned the unknown status {status}")
    if what:
        message = f"{what}: {message}"
    if status == ST_NO_MEMORY:
        raise MemoryError(message)
    if status in _ARGUMENT:
        raise ValueError(message)
    raise (CorruptPixelDataError if error is None else error)(message)
