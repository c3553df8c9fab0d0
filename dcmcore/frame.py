"""One frame's bytes to an array and back, as ``highdicom.frame``: :func:`decode_frame`, :func:`encode_frame`.

Both go through dcmcore's plugin dispatchers; the implementation is
:mod:`dcmcore.image.codec`.
"""

from dcmcore.image.codec import decode_frame, encode_frame

__all__ = ["decode_frame", "encode_frame"]
