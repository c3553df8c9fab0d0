"""Exceptions raised by dcmcore.

Each subclasses the built-in exception that pydicom raises in the same
situation, so code written against pydicom keeps working, and also
:class:`DcmcoreError`, so callers can catch everything from dcmcore at once.
"""

from __future__ import annotations

from pydicom.errors import InvalidDicomError

__all__ = [
    "DcmcoreError",
    "NotDicomFileError",
    "MissingElementError",
    "InvalidElementError",
    "InvalidPixelSpecError",
    "FrameIndexError",
    "PixelDataLengthError",
    "ArrayTooLargeError",
    "CorruptPixelDataError",
    "UnsupportedPixelDataError",
    "PluginError",
    "NoPluginAvailableError",
]


class DcmcoreError(Exception):
    """Base class of every exception raised by dcmcore."""


class NotDicomFileError(DcmcoreError, InvalidDicomError):
    """The file (or bytes) is not a DICOM file: no 'DICM' prefix, and no data set could be read from it.

    A ``pydicom.errors.InvalidDicomError``, as pydicom raises for such files.
    """


class MissingElementError(DcmcoreError, AttributeError):
    """A data element required to decode the pixel data is absent."""


class InvalidElementError(DcmcoreError, ValueError):
    """A data element's value cannot be read, or is not the kind of value its use needs.

    Raised, naming the element and the value, by every reader of element
    values (an unconvertible raw element, a non-integer where an integer is
    needed, several values where one is): the same type whichever part of
    dcmcore reads the element. :class:`InvalidPixelSpecError` and
    :class:`~dcmcore.transforms.InvalidTransformError` are its subclasses for
    values outside what the Standard allows.
    """


class InvalidPixelSpecError(InvalidElementError):
    """An Image Pixel element has a value the DICOM Standard does not allow."""


class FrameIndexError(DcmcoreError, ValueError, IndexError):
    """A frame index is negative or not below the number of frames.

    Both a ``ValueError`` (what pydicom's ``pixel_array(index=)`` raises) and
    an ``IndexError`` (what highdicom's ``Image.get_frame`` raises), so code
    written against either keeps working. Raised by ``pixel_array``,
    ``iter_pixels``, ``overlay_array`` and ``TransformChain.from_dataset``.
    """


class PixelDataLengthError(DcmcoreError, ValueError):
    """The pixel data is shorter than its description requires."""


class ArrayTooLargeError(DcmcoreError, ValueError, MemoryError):
    """The decoded array would be larger than :data:`dcmcore.config.max_array_bytes`, or cannot be allocated.

    A ``ValueError`` like the other errors about what a data set declares, and
    a ``MemoryError``, which is what code not written for dcmcore catches when
    an allocation fails. The message gives the declared size in bytes.
    """


class CorruptPixelDataError(DcmcoreError, ValueError):
    """Encoded pixel data cannot be decoded because it is malformed."""


class UnsupportedPixelDataError(DcmcoreError, NotImplementedError):
    """A valid value that dcmcore does not (yet) support."""


class PluginError(DcmcoreError, RuntimeError):
    """No codec plugin could decode (or encode) the data; the message lists each one tried."""


class NoPluginAvailableError(PluginError):
    """Plugins exist for the transfer syntax, but none has its dependencies installed."""
