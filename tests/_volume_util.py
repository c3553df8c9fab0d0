"""Shared inputs for the volume tests: geometries in several orientations, built the same way for dcmcore and highdicom."""

from __future__ import annotations

import numpy as np

#: Image Orientation (Patient) values: axial, coronal, sagittal, and two obliques.
ORIENTATIONS = {
    "axial": [1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
    "coronal": [1.0, 0.0, 0.0, 0.0, 0.0, -1.0],
    "sagittal": [0.0, 1.0, 0.0, 0.0, 0.0, -1.0],
    "oblique": [0.8660254037844387, 0.5, 0.0, -0.35355339059327373, 0.6123724356957945, -0.7071067811865476],
    "flipped": [-1.0, 0.0, 0.0, 0.0, -1.0, 0.0],
}


def rotation(name: str) -> np.ndarray:
    """A 3 x 3 direction matrix whose columns are the normal, column and row directions of ORIENTATIONS[name]."""
    o = np.array(ORIENTATIONS[name])
    return np.column_stack([np.cross(o[:3], o[3:]), o[3:], o[:3]])


def geometry_args(name: str, shape=(7, 10, 12), spacing=(2.5, 0.7, 0.9), position=(-12.5, 30.25, 101.0)):
    """(affine, spatial_shape) of a volume with orientation `name`."""
    affine = np.eye(4)
    affine[:3, :3] = rotation(name) * np.array(spacing)
    affine[:3, 3] = position
    return affine, shape


def series_positions(orientation, count: int, spacing: float, start=(10.0, -20.0, 30.0)) -> np.ndarray:
    """Positions of `count` regularly spaced slices along the normal of `orientation`."""
    o = np.asarray(orientation, dtype=np.float64)
    normal = np.cross(o[:3], o[3:])
    return np.asarray(start) + np.arange(count)[:, None] * spacing * normal
