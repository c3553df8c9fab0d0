"""What a volume and a volume geometry share: the affine and everything read from it.

:class:`SpatialBase` holds the affine (array index -> frame of reference,
LPS for the patient coordinate system), maps points both ways, and describes
the geometry in DICOM terms. The operations that make a new geometry (index,
pad, crop, flip, permute, match) are in :mod:`dcmcore.volume._operations`.
"""

from __future__ import annotations

import numpy as np
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import UID
from pydicom.valuerep import DSfloat

from dcmcore.volume._affine import (
    LPS_PATIENT_REFERENCE_CONVENTION,
    convert_affine_to_convention,
    get_closest_patient_orientation,
    is_orthogonal,
    normalize_patient_orientation,
)
from dcmcore.volume.enums import AxisHandedness, CoordinateSystemNames

__all__ = ["SpatialBase", "DEFAULT_EQUALITY_TOLERANCE", "apply_affine"]

#: Absolute tolerance on affine entries and direction cosines when comparing geometries.
DEFAULT_EQUALITY_TOLERANCE = 1e-5


def _ds(values) -> list[DSfloat]:
    return [DSfloat(float(v), auto_format=True) for v in values]


def apply_affine(affine: np.ndarray, points: np.ndarray) -> np.ndarray:
    """`affine` applied to (n, 3) points: (n, 3) float64 (a transposed view of a (3, n) product).

    ``rotation @ points.T`` is one BLAS matrix product; ``points @ rotation.T``
    with an inner dimension of 3 is several times slower in NumPy.
    """
    out = affine[:3, :3] @ points.astype(np.float64, copy=False).T
    out += affine[:3, 3:4]
    return out.T


def _check_points(points: np.ndarray, name: str) -> np.ndarray:
    points = np.asarray(points)
    if points.ndim != 2 or points.shape[1] != 3:
        raise ValueError(f'Argument "{name}" must be a two-dimensional array with shape [n, 3].')
    return points


class SpatialBase:
    """An affine in a coordinate system; subclasses give the spatial shape."""

    __slots__ = ("_affine", "_coordinate_system", "_frame_of_reference_uid")

    def __init__(self, affine, coordinate_system, frame_of_reference_uid=None, from_reference_convention=None):
        affine = np.asarray(affine)
        if affine.shape != (4, 4):
            raise ValueError("Affine matrix must have shape (4, 4).")
        if not np.array_equal(affine[-1, :], [0.0, 0.0, 0.0, 1.0]):
            raise ValueError("Final row of affine matrix must be [0.0, 0.0, 0.0, 1.0].")
        if not is_orthogonal(affine[:3, :3], require_unit=False):
            raise ValueError("Argument 'affine' must be an orthogonal matrix.")
        self._coordinate_system = CoordinateSystemNames(coordinate_system)
        affine = affine.astype(np.float64)  # always a copy of the caller's matrix
        if from_reference_convention is not None:
            if self._coordinate_system is CoordinateSystemNames.SLIDE:
                raise TypeError("Argument 'from_reference_convention' may not be used with the 'SLIDE' coordinate system.")
            convention = normalize_patient_orientation(from_reference_convention)
            if convention != LPS_PATIENT_REFERENCE_CONVENTION:
                affine = convert_affine_to_convention(affine, convention, LPS_PATIENT_REFERENCE_CONVENTION)
        self._affine = affine
        self._frame_of_reference_uid = frame_of_reference_uid

    # -- what subclasses provide -------------------------------------------------------------
    @property
    def spatial_shape(self) -> tuple[int, int, int]:
        raise NotImplementedError

    # -- the affine ----------------------------------------------------------------------------
    @property
    def affine(self) -> np.ndarray:
        """numpy.ndarray: The 4 x 4 affine (a copy): array index -> frame-of-reference (LPS) position."""
        return self._affine.copy()

    @property
    def inverse_affine(self) -> np.ndarray:
        """numpy.ndarray: The inverse of :attr:`affine`: frame-of-reference position -> array index."""
        return np.linalg.inv(self._affine)

    def get_affine(self, output_convention) -> np.ndarray:
        """The affine in another patient reference convention (``"RAH"``, ``"FPL"``, ...; None: LPS)."""
        if output_convention is None:
            return self.affine
        convention = normalize_patient_orientation(output_convention)
        if convention == LPS_PATIENT_REFERENCE_CONVENTION:
            return self.affine
        return convert_affine_to_convention(self._affine, LPS_PATIENT_REFERENCE_CONVENTION, convention)

    @property
    def coordinate_system(self) -> CoordinateSystemNames:
        """CoordinateSystemNames: PATIENT or SLIDE."""
        return self._coordinate_system

    @property
    def frame_of_reference_uid(self) -> UID | None:
        """pydicom.uid.UID or None: The Frame of Reference UID, if known."""
        return None if self._frame_of_reference_uid is None else UID(self._frame_of_reference_uid)

    @property
    def direction(self) -> np.ndarray:
        """numpy.ndarray: 3 x 3, columns the unit vectors of the three array axes."""
        rotation = self._affine[:3, :3]
        return rotation / np.sqrt((rotation**2).sum(axis=0))

    @property
    def direction_cosines(self) -> tuple[float, float, float, float, float, float]:
        """tuple: Image Orientation of the frames (axis 2 then axis 1 as unit vectors)."""
        along_row = self._affine[:3, 2] / np.sqrt((self._affine[:3, 2] ** 2).sum())
        along_column = self._affine[:3, 1] / np.sqrt((self._affine[:3, 1] ** 2).sum())
        return tuple([*along_row.tolist(), *along_column.tolist()])  # type: ignore[return-value]

    @property
    def spacing(self) -> tuple[float, float, float]:
        """tuple of 3 floats: Distance between voxel centres along each array axis (mm)."""
        return tuple(np.sqrt((self._affine[:3, :3] ** 2).sum(axis=0)).tolist())  # type: ignore[return-value]

    @property
    def pixel_spacing(self) -> tuple[float, float]:
        """tuple of 2 floats: Pixel Spacing of the frames (between rows, between columns)."""
        spacing = self.spacing
        return spacing[1], spacing[2]

    @property
    def spacing_between_slices(self) -> float:
        """float: Distance between consecutive frames (axis 0), mm."""
        return self.spacing[0]

    @property
    def position(self) -> tuple[float, float, float]:
        """tuple of 3 floats: Position of the centre of voxel (0, 0, 0)."""
        return tuple(self._affine[:3, 3].tolist())  # type: ignore[return-value]

    def spacing_vectors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The vectors between neighbouring voxel centres along the three axes."""
        return tuple(self._affine[:3, :3].T.copy())  # type: ignore[return-value]

    def unit_vectors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The unit vectors of the three axes."""
        return tuple(self.direction.T)  # type: ignore[return-value]

    @property
    def voxel_volume(self) -> float:
        """float: The volume of one voxel, mm³."""
        return float(np.prod(self.spacing))

    @property
    def physical_extent(self) -> tuple[float, float, float]:
        """tuple of 3 floats: Side lengths of the volume, mm."""
        return tuple(n * d for n, d in zip(self.spatial_shape, self.spacing))  # type: ignore[return-value]

    @property
    def physical_volume(self) -> float:
        """float: The whole volume, mm³."""
        return self.voxel_volume * float(np.prod(self.spatial_shape))

    @property
    def handedness(self) -> AxisHandedness:
        """AxisHandedness: Whether the three axes form a right or a left hand."""
        first, second, third = self._affine[:3, :3].T
        if np.cross(first, second) @ third < 0.0:
            return AxisHandedness.LEFT_HANDED
        return AxisHandedness.RIGHT_HANDED

    @property
    def nearest_center_indices(self) -> tuple[int, int, int]:
        """tuple of 3 ints: The voxel index of the centre, rounded down."""
        return tuple((d - 1) // 2 for d in self.spatial_shape)  # type: ignore[return-value]

    @property
    def center_indices(self) -> tuple[float, float, float]:
        """tuple of 3 floats: The (fractional) array index of the centre."""
        return tuple((d - 1) / 2.0 for d in self.spatial_shape)  # type: ignore[return-value]

    @property
    def center_position(self) -> tuple[float, float, float]:
        """tuple of 3 floats: The frame-of-reference position of the centre."""
        centre = self.map_indices_to_reference(np.array([self.center_indices]))
        return tuple(centre[0].tolist())  # type: ignore[return-value]

    # -- mapping points -------------------------------------------------------------------------
    def map_indices_to_reference(self, indices: np.ndarray) -> np.ndarray:
        """(n, 3) array indices (integer or fractional) -> (n, 3) frame-of-reference coordinates."""
        indices = _check_points(indices, "indices")
        return apply_affine(self._affine, indices)

    def map_reference_to_indices(
        self, coordinates: np.ndarray, round_output: bool = False, check_bounds: bool = False
    ) -> np.ndarray:
        """(n, 3) frame-of-reference coordinates -> (n, 3) array indices.

        Float indices, or the nearest integers with `round_output`. With
        `check_bounds`, a ``RuntimeError`` if any index (before rounding) lies
        outside the array on any axis (further than half a voxel).
        """
        coordinates = _check_points(coordinates, "coordinates")
        out = apply_affine(self.inverse_affine, coordinates)
        if check_bounds and out.shape[0]:
            low, high = out.min(axis=0), out.max(axis=0)
            if np.any(low < -0.5) or np.any(high > np.array(self.spatial_shape) - 0.5):
                raise RuntimeError("Bounds check failed.")
        return np.around(out).astype(int) if round_output else out

    # -- DICOM descriptions -------------------------------------------------------------------
    def get_closest_patient_orientation(self) -> tuple:
        """The axis-aligned patient orientation (three PatientOrientationValuesBiped) nearest to the axes."""
        if self._coordinate_system is not CoordinateSystemNames.PATIENT:
            raise RuntimeError("Volume is not defined in the patient coordinate system.")
        return get_closest_patient_orientation(self._affine)

    def _plane_position_item(self, position) -> Dataset:
        item = Dataset()
        if self._coordinate_system is CoordinateSystemNames.SLIDE:
            item.XOffsetInSlideCoordinateSystem, item.YOffsetInSlideCoordinateSystem, item.ZOffsetInSlideCoordinateSystem = _ds(position)
            item.ColumnPositionInTotalImagePixelMatrix = 1
            item.RowPositionInTotalImagePixelMatrix = 1
        else:
            item.ImagePositionPatient = _ds(position)
        return item

    def get_plane_position(self, plane_index: int) -> DicomSequence:
        """The Plane Position (Patient or Slide) Sequence of plane `plane_index` (0-based, along axis 0)."""
        if not 0 <= plane_index < self.spatial_shape[0]:
            raise ValueError("Invalid plane number for volume.")
        position = self.map_indices_to_reference(np.array([[plane_index, 0, 0]]))[0]
        return DicomSequence([self._plane_position_item(position)])

    def get_plane_positions(self) -> list[DicomSequence]:
        """The Plane Position Sequence of every plane along axis 0."""
        indices = np.zeros((self.spatial_shape[0], 3), dtype=np.int64)
        indices[:, 0] = np.arange(self.spatial_shape[0])
        return [DicomSequence([self._plane_position_item(p)]) for p in self.map_indices_to_reference(indices)]

    def get_plane_orientation(self) -> DicomSequence:
        """The Plane Orientation (Patient or Slide) Sequence of the frames."""
        item = Dataset()
        if self._coordinate_system is CoordinateSystemNames.SLIDE:
            item.ImageOrientationSlide = _ds(self.direction_cosines)
        else:
            item.ImageOrientationPatient = _ds(self.direction_cosines)
        return DicomSequence([item])

    def get_pixel_measures(self) -> DicomSequence:
        """The Pixel Measures Sequence of the frames (Slice Thickness = Spacing Between Slices)."""
        item = Dataset()
        item.PixelSpacing = _ds(self.pixel_spacing)
        item.SliceThickness = _ds([self.spacing_between_slices])[0]
        item.SpacingBetweenSlices = _ds([self.spacing_between_slices])[0]
        return DicomSequence([item])

    def geometry_equal(self, other, tol: float | None = DEFAULT_EQUALITY_TOLERANCE) -> bool:
        """Whether `other` (a volume or geometry) has the same geometry (affine within `tol`; exact if None).

        Frames of reference are compared when both are known.
        """
        mine, theirs = self.frame_of_reference_uid, other.frame_of_reference_uid
        if mine is not None and theirs is not None and mine != theirs:
            return False
        if tuple(self.spatial_shape) != tuple(other.spatial_shape):
            return False
        if self.coordinate_system != CoordinateSystemNames(other.coordinate_system):
            return False
        if tol is None:
            return bool(np.array_equal(self._affine, other.affine))
        return bool(np.allclose(self._affine, other.affine, atol=tol))
