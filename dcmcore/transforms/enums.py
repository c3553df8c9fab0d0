"""Enumerated values used by the pixel transforms (PS3.3 C.11, C.7.6.3)."""

from __future__ import annotations

from enum import Enum

__all__ = ["VOILUTFunctionValues", "PresentationLUTShapeValues", "RescaleTypeValues", "RGBColorChannels", "enum_value"]


class VOILUTFunctionValues(Enum):
    """Values of (0028,1056) *VOI LUT Function* (PS3.3 C.11.2.1.3)."""

    LINEAR = "LINEAR"
    LINEAR_EXACT = "LINEAR_EXACT"
    SIGMOID = "SIGMOID"


class PresentationLUTShapeValues(Enum):
    """Values of (2050,0020) *Presentation LUT Shape* (PS3.3 C.11.6.1.2)."""

    IDENTITY = "IDENTITY"
    """The input values are P-Values: no further translation."""
    INVERSE = "INVERSE"
    """As IDENTITY, except that the minimum output value conveys the maximum
    available luminance and the maximum value the minimum luminance."""


class RescaleTypeValues(Enum):
    """Defined values of (0028,1054) *Rescale Type* (PS3.3 C.11.1.1.2)."""

    OD = "OD"
    """Thousands of optical density: 2140 is an optical density of 2.140."""
    HU = "HU"
    """Hounsfield Units (CT)."""
    US = "US"
    """Unspecified."""
    MGML = "MGML"
    """Milligrams per millilitre."""
    Z_EFF = "Z_EFF"
    """Effective atomic number."""
    ED = "ED"
    """Electron density in 10^23 electrons/ml."""
    EDW = "EDW"
    """Electron density normalised to water."""
    HU_MOD = "HU_MOD"
    """Modified Hounsfield Units."""
    PCT = "PCT"
    """Percentage (%)."""


class RGBColorChannels(Enum):
    """The colour channels of a palette."""

    R = "R"
    """Red."""
    G = "G"
    """Green."""
    B = "B"
    """Blue."""


def enum_value(value: object) -> str:
    """The DICOM string of `value`: a str, or a member of any Enum holding one.

    Members of dcmcore's enums and of another library's with the same
    values (highdicom's ``RescaleTypeValues.HU``, say) give their value
    (``"HU"``), never their name with the class in front.
    """
    if isinstance(value, Enum):
        value = value.value
    return str(value)
