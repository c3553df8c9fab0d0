"""Enumerated values of the volume and spatial API (those of highdicom's ``highdicom.enum``).

Each enum also accepts a member of another enum with the same value, so a
``highdicom.AxisHandedness.LEFT_HANDED`` (or any look-alike) is taken wherever
:class:`AxisHandedness.LEFT_HANDED <AxisHandedness>` is.
"""

from __future__ import annotations

from enum import Enum

__all__ = [
    "AxisHandedness",
    "CoordinateSystemNames",
    "PadModes",
    "PatientOrientationValuesBiped",
    "PatientOrientationValuesQuadruped",
    "PixelIndexDirections",
]


class _ForeignMembers(Enum):
    """Looks up a member of an enum from another library by its value."""

    @classmethod
    def _missing_(cls, value: object):
        if isinstance(value, Enum) and not isinstance(value, cls):
            try:
                return cls(value.value)
            except ValueError:
                return None
        return None


class AxisHandedness(_ForeignMembers):
    """Whether the three array axes, mapped to the frame of reference, form a left or right hand."""

    LEFT_HANDED = "LEFT_HANDED"
    """First axis the thumb, second the index finger, third the middle finger of a left hand."""
    RIGHT_HANDED = "RIGHT_HANDED"
    """First axis the thumb, second the index finger, third the middle finger of a right hand."""


class CoordinateSystemNames(_ForeignMembers):
    """The frame-of-reference coordinate system a volume lives in."""

    PATIENT = "PATIENT"
    SLIDE = "SLIDE"


class PadModes(_ForeignMembers):
    """How padding values are chosen (lower-case names are accepted too)."""

    CONSTANT = "CONSTANT"
    """A given constant."""
    EDGE = "EDGE"
    """The nearest edge value."""
    MINIMUM = "MINIMUM"
    """The array's minimum."""
    MAXIMUM = "MAXIMUM"
    """The array's maximum."""
    MEAN = "MEAN"
    """The array's mean."""
    MEDIAN = "MEDIAN"
    """The array's median."""

    @classmethod
    def _missing_(cls, value: object):
        if isinstance(value, str) and value.upper() != value:
            try:
                return cls(value.upper())
            except ValueError:
                return None
        return super()._missing_(value)


class PatientOrientationValuesBiped(_ForeignMembers):
    """Directions relative to a biped patient ((0010,2210) Anatomical Orientation Type BIPED)."""

    A = "A"
    """Anterior."""
    F = "F"
    """Foot."""
    H = "H"
    """Head."""
    L = "L"
    """Left."""
    P = "P"
    """Posterior."""
    R = "R"
    """Right."""


class PatientOrientationValuesQuadruped(_ForeignMembers):
    """Directions relative to a quadruped patient (Anatomical Orientation Type QUADRUPED)."""

    CD = "CD"
    """Caudal."""
    CR = "CR"
    """Cranial."""
    D = "D"
    """Dorsal."""
    DI = "DI"
    """Distal."""
    L = "L"
    """Lateral."""
    LE = "LE"
    """Left."""
    M = "M"
    """Medial."""
    PA = "PA"
    """Palmar."""
    PL = "PL"
    """Plantar."""
    PR = "PR"
    """Proximal."""
    R = "R"
    """Rostral."""
    RT = "RT"
    """Right."""
    V = "V"
    """Ventral."""


class PixelIndexDirections(_ForeignMembers):
    """The direction in which a pixel index increases."""

    D = "D"
    """Down the columns, top to bottom."""
    L = "L"
    """Along the rows, right to left."""
    R = "R"
    """Along the rows, left to right."""
    U = "U"
    """Up the columns, bottom to top."""
