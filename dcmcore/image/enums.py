"""Enumerated values of the Image API: the same enumeration objects as :mod:`dcmcore.volume.enums`.

One ``CoordinateSystemNames`` for the whole package (as highdicom has one), so
that ``image.coordinate_system`` compares equal to the value a volume or a
geometry carries, and highdicom's own members are accepted by value.
"""

from __future__ import annotations

from dcmcore.volume.enums import CoordinateSystemNames

__all__ = ["CoordinateSystemNames"]
