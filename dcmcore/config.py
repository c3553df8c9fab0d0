"""Settings a service or a test can change at run time.

Each is read when it is used, so assigning to it takes effect for the next
call::

    import dcmcore
    dcmcore.config.max_array_bytes = 2 * 1024**3   # refuse arrays over 2 GiB

Nothing here changes a result: only how much memory a call may take and how
dcmcore gets that memory.
"""

from __future__ import annotations

__all__ = ["max_array_bytes", "prefault", "prefault_bytes", "read_chunk_bytes", "run_bytes"]

#: The largest array, in bytes, that dcmcore allocates for decoded pixel data
#: (``pixel_array``, ``iter_pixels``, ``rle.decode_frame``) or unpacked bits
#: and overlays (None: no limit beyond what the data can produce).
#:
#: dcmcore never allocates more than the encoded data can decode to (see
#: docs/robustness.md); this is the ceiling for sizes the data *can* produce
#: but a service does not want, as Pillow's ``Image.MAX_IMAGE_PIXELS``. An
#: array over it raises :class:`~dcmcore.errors.ArrayTooLargeError` before
#: any memory is taken; an ``out=`` array passed by the caller is not checked.
max_array_bytes: int | None = None

#: Whether the pages of a new output array are mapped just ahead of the
#: frames written (see :mod:`dcmcore._kernels.pages`): None (default) when
#: the array is at least :data:`prefault_bytes` and its memory is not mapped
#: yet; True for every new array; False never.
prefault: bool | None = None

#: New output arrays of at least this many bytes get their pages mapped ahead
#: when :data:`prefault` is None.
prefault_bytes: int = 1 << 20

#: Bytes read from a file per step when decoding runs of frames.
read_chunk_bytes: int = 1 << 24

#: The most output, in bytes, handed to a decoder's ``decode_frames`` in one
#: call (see :class:`~dcmcore.plugins.FrameRun`): decoders release the GIL
#: for a whole call, so the GIL, and with it Ctrl-C, is taken back at least
#: this often.
run_bytes: int = 1 << 26
