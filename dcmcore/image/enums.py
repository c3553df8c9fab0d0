"""Enumerated values of the Image API."""

from __future__ import annotations

from enum import Enum

__all__ = ["CoordinateSystemNames"]


class CoordinateSystemNames(Enum):
    """The frame-of-reference coordinate system an image lies in."""

    PATIENT = "PATIENT"
    """The patient-based coordinate system (PS3.3 C.7.6.2.1.1)."""
    SLIDE = "SLIDE"
    """The slide-based coordinate system of whole-slide microscopy (PS3.3 C.8.12.2.1)."""
