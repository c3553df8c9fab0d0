"""The Image API (DESIGN.md layer 6): highdicom's ``Image`` and ``imread`` on dcmcore's layers.

* :func:`imread` / :class:`Image` — a pydicom data set with frame access:
  stored, raw and transformed frames, stacks of frames, the total pixel
  matrix of tiled images, lazily read from the file or held in memory.
* :class:`ImageFileReader` — highdicom's frame-by-frame file reader
  (also :mod:`dcmcore.io`).
* :func:`decode_frame` / :func:`encode_frame` — one frame through the plugin
  dispatchers (also :mod:`dcmcore.frame`).
"""

from dcmcore.image.enums import CoordinateSystemNames
from dcmcore.image.codec import decode_frame, encode_frame
from dcmcore.image.image import Image, imread
from dcmcore.image.reader import ImageFileReader

__all__ = ["Image", "imread", "ImageFileReader", "decode_frame", "encode_frame", "CoordinateSystemNames"]
