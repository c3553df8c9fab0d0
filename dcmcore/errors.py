"""Exceptions raised by dcmcore.

Each subclasses the built-in exception that pydicom raises in the same
situation, so code written against pydicom keeps working, and also
:class:`DcmcoreError`, so callers can catch everything from dcmcore at once.
"""

from __future__ import annotations

__all__ = [
    "DcmcoreError",
    "MissingElementError",
    "InvalidPixelSpecError",
    "PixelDataLengthError",
    "CorruptPixelDataError",
    "UnsupportedPixelDataError",
    "PluginError",
    "NoPluginAvailableError",
]


class DcmcoreError(Exception):
    """Base class of every exception raised by dcmcore."""


class MissingElementError(DcmcoreError, AttributeError):
    """A data element required to decode the pixel data is absent."""


class InvalidPixelSpecError(DcmcoreError, ValueError):
    """An Image Pixel element has a value the DICOM Standard does not allow."""


class PixelDataLengthError(DcmcoreError, ValueError):
    """The pixel data is shorter than its description requires."""


class CorruptPixelDataError(DcmcoreError, ValueError):
    """Encoded pixel data cannot be decoded because it is malformed."""


class UnsupportedPixelDataError(DcmcoreError, NotImplementedError):
    """A valid value that dcmcore does not (yet) support."""


class PluginError(DcmcoreError, RuntimeError):
    """No codec plugin could decode (or encode) the data; the message lists each one tried."""


class NoPluginAvailableError(PluginError):
    """Plugins exist for the transfer syntax, but none has its dependencies installed."""
