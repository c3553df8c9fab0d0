"""Exceptions raised by dcmcore.

Each subclasses the built-in exception that pydicom raises in the same
situation, so code written against pydicom keeps working, and also
:class:`DcmcoreError`, so callers can catch everything from dcmcore at once.

Bad data and bad arguments
--------------------------
Everything dcmcore raises about the *data* -- a file, a data set, an
element's value, encoded pixel or overlay data -- is a :class:`DcmcoreError`
subclass whose message names the element (``(0028,0010) 'Rows'``,
``(6000,3000) 'Overlay Data'``) and the value or the byte offset at fault:
a file that is not DICOM, truncated or unreadable, an element that is
missing, unreadable or has a value the Standard does not allow, pixel or
overlay data shorter than described or corrupt, a frame index beyond the
frames the data holds. The same bad data raises the same class whichever
source it comes from: a ``Dataset``, a path, a file object or bytes.

A mistake in how a function is *called* -- an argument of the wrong type
(``'index' must be an integer``, ``'src' must be a Dataset, a path ...``),
an option outside its choices (``unit='bits'``), an ``out`` array of the
wrong shape, dtype or writeability, a file object opened in text mode or
that cannot seek -- stays a plain ``TypeError`` or ``ValueError``: those
name the parameter, not an element, and are fixed in the caller's code, not
in the file. (A frame index that is an int but out of range is about the
data, :class:`FrameIndexError`.)
"""

from __future__ import annotations

from pydicom.errors import InvalidDicomError

__all__ = [
    "DcmcoreError",
    "NotDicomFileError",
    "MissingElementError",
    "InvalidElementError",
    "UnknownVRError",
    "ElementOrderError",
    "InvalidPixelSpecError",
    "FrameIndexError",
    "PixelDataLengthError",
    "TruncatedFileError",
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


class UnknownVRError(InvalidElementError, NotImplementedError):
    """An element of the file has a Value Representation that is not one of the Standard's.

    The file cannot be parsed past it: how long such an element's length
    field is is unknown (and an unknown VR usually means the file is corrupt or
    not encoded as its Transfer Syntax UID says). The message names the
    element, the VR and its byte offset. An :class:`InvalidElementError`
    (``ValueError``), as for any element dcmcore cannot read, and a
    ``NotImplementedError``, which is what pydicom raises when it converts
    such an element.
    """


class ElementOrderError(InvalidElementError):
    """A file has an element describing its pixel data after the end of the pixel data.

    PS3.5 7.1 requires a data set's elements in ascending tag order, each at
    most once. A file read from a path, a file object or bytes is read up to
    its pixel data; an element of group 0028 (the Image Pixel module and the
    rest of the image description) or a second pixel data element found
    after the end of the pixel data is out of order and would change what
    the pixel data means (pydicom keeps the last value of a repeated element,
    dcmcore's reader the one before the pixel data), so the file is refused.
    The message names the element and its byte offset. An
    :class:`InvalidElementError` (``ValueError``).
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


class TruncatedFileError(PixelDataLengthError, OSError):
    """The file ends before the data it describes: inside an element's header or value.

    The message gives the byte offset where the file ends and names the
    element cut short when it is known. A :class:`PixelDataLengthError`
    (``ValueError``), which is what dcmcore raised for any cut file before
    and what pydicom raises for pixel data shorter than its description, and
    an ``OSError``, which is what pydicom raises when a file ends inside a
    sequence item. (An element whose length is longer than the whole file is
    an :class:`InvalidElementError` naming it instead: such a file is more
    likely not encoded as its Transfer Syntax UID says than cut short.)
    """


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
