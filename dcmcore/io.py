"""Reading DICOM image files frame by frame, as ``highdicom.io``: :class:`ImageFileReader`.

The implementation is :mod:`dcmcore.image.reader`; prefer :func:`dcmcore.imread`
with ``lazy_frame_retrieval=True``, which reads frames as lazily and adds the
pixel transforms and the total pixel matrix.
"""

from dcmcore.image.reader import ImageFileReader

__all__ = ["ImageFileReader"]
