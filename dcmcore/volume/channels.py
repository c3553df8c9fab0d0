"""Descriptors of a volume's channel (non-spatial) dimensions."""

from __future__ import annotations

from enum import Enum

from pydicom.datadict import dictionary_description, get_entry, keyword_for_tag, tag_for_keyword
from pydicom.tag import BaseTag

from dcmcore.transforms.enums import RGBColorChannels

__all__ = ["ChannelDescriptor", "RGB_COLOR_CHANNEL_DESCRIPTOR"]

# The Python type of the values of an attribute, by VR.
_VR_TYPES = {
    "CS": str, "DS": float, "FD": float, "FL": float, "IS": int, "LO": str, "LT": str, "PN": str,
    "SH": str, "SL": int, "SS": int, "ST": str, "UI": str, "UL": int, "UR": str, "US or SS": int,
    "US": int, "UT": str,
}  # fmt: skip


class ChannelDescriptor:
    """What varies along a channel dimension of a :class:`~dcmcore.volume.Volume`.

    Parameters
    ----------
    identifier : str, int or ChannelDescriptor
        A DICOM keyword or tag; with `is_custom`, any string that is not a
        DICOM keyword. Another descriptor (dcmcore's or highdicom's) is copied.
    is_custom : bool, optional
        Whether `identifier` is a custom name rather than a DICOM attribute.
    value_type : type, optional
        The type of the values along the dimension: given for (and only for)
        custom descriptors; ``int``, ``float``, ``str``, a subclass of them or
        a specific :class:`~enum.Enum`.

    Descriptors are equal when their keywords are.
    """

    __slots__ = ("_keyword", "_tag", "_value_type")

    def __init__(self, identifier, is_custom: bool = False, value_type: type | None = None):
        if hasattr(identifier, "keyword") and hasattr(identifier, "value_type") and hasattr(identifier, "tag"):
            self._keyword = identifier.keyword
            self._tag = identifier.tag
            self._value_type = identifier.value_type
            return
        if is_custom:
            if not isinstance(identifier, str):
                raise TypeError("Custom identifiers must be specified via a string.")
            if tag_for_keyword(identifier) is not None:
                raise ValueError(
                    f"The string '{identifier}' cannot be used for a custom channel identifier because it is a "
                    "DICOM keyword."
                )
            if value_type is None:
                raise TypeError("Argument 'value_type' must be specified when defining a custom channel identifier.")
            if not isinstance(value_type, type) or not issubclass(value_type, (str, int, float, Enum)):
                raise ValueError("Argument 'value_type' must be str, int, float, Enum or a subclass of these.")
            if value_type is Enum:
                raise ValueError("When using Enums, argument 'value_type' must be a specific subclass of Enum.")
            self._keyword, self._tag, self._value_type = identifier, None, value_type
            return
        if isinstance(identifier, int):  # a BaseTag too
            self._tag = BaseTag(identifier)
            self._keyword = keyword_for_tag(self._tag) or str(self._tag)
        elif isinstance(identifier, str):
            tag = tag_for_keyword(identifier)
            if tag is None:
                raise ValueError(
                    f"No attribute found with keyword {identifier}. You may need to specify a custom identifier "
                    "using 'is_custom'."
                )
            self._tag, self._keyword = BaseTag(tag), identifier
        else:
            raise TypeError("Argument 'identifier' must be an int or str.")
        if value_type is not None:
            raise TypeError(
                "Argument 'value_type' should only be specified when defining a custom channel identifier."
            )
        vr = get_entry(self._tag)[0]
        if vr not in _VR_TYPES:
            raise ValueError(f"The attribute {self._keyword} (VR {vr}) cannot describe a channel dimension.")
        self._value_type = _VR_TYPES[vr]

    @property
    def keyword(self) -> str:
        """str: The DICOM keyword, or the custom name."""
        return self._keyword

    @property
    def tag(self) -> BaseTag | None:
        """pydicom.tag.BaseTag or None: The DICOM tag (None for custom descriptors)."""
        return self._tag

    @property
    def value_type(self) -> type:
        """type: The type of the values along the dimension."""
        return self._value_type

    @property
    def is_custom(self) -> bool:
        """bool: Whether the descriptor is custom rather than a DICOM attribute."""
        return self._tag is None

    @property
    def is_enumerated(self) -> bool:
        """bool: Whether the values are members of an Enum."""
        return issubclass(self._value_type, Enum)

    @property
    def description(self) -> str | None:
        """str or None: The Standard's name of the attribute (None for custom descriptors)."""
        return None if self._tag is None else dictionary_description(self._tag)

    def __hash__(self) -> int:
        return hash(self._keyword)

    def __eq__(self, other: object) -> bool:
        keyword = getattr(other, "keyword", None)
        return keyword is not None and keyword == self._keyword

    def __str__(self) -> str:
        return self._keyword

    def __repr__(self) -> str:
        return f"ChannelDescriptor({self._keyword!r})"


#: The descriptor of the RGB dimension of colour volumes (values ``R``, ``G``, ``B``).
RGB_COLOR_CHANNEL_DESCRIPTOR = ChannelDescriptor("RGBColorChannel", is_custom=True, value_type=RGBColorChannels)
