"""Exceptions raised by the pixel transform chain.

Each is also a built-in exception, so that ``except ValueError`` and
``except KeyError`` / ``except IndexError`` keep working, and a
:class:`~dcmcore.errors.DcmcoreError`.
"""

from __future__ import annotations

from dcmcore.errors import DcmcoreError, InvalidElementError

__all__ = ["TransformNotFoundError", "SelectorError", "InvalidTransformError"]


class _MessageMixin:
    # KeyError's __str__ would show the message with quotes around it
    def __str__(self) -> str:  # pragma: no cover - trivial
        return BaseException.__str__(self)  # type: ignore[arg-type]


class InvalidTransformError(InvalidElementError):
    """An element of a transform has a value the DICOM Standard does not allow.

    An :class:`~dcmcore.errors.InvalidElementError` (and so a ``ValueError``),
    which the element readers raise for a value that cannot be read at all.
    """


class TransformNotFoundError(_MessageMixin, DcmcoreError, ValueError, KeyError):
    """A transform was required (an ``apply_*=True`` option) but the data set has none."""


class SelectorError(_MessageMixin, DcmcoreError, ValueError, IndexError, KeyError):
    """A selector names no item: an index out of range or a label that is absent."""
