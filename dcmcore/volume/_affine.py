"""Affine matrices: built from DICOM attributes or components, flipped, permuted, re-expressed.

The maths of :mod:`dcmcore.spatial` and of the volume classes. An affine is a
4 x 4 float64 matrix whose upper 3 x 3 block holds, column by column, the
vector in the frame of reference between neighbouring voxel centres along each
array axis, and whose last column holds the position of voxel (0, 0, 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

import numpy as np

from dcmcore.volume.enums import AxisHandedness, PatientOrientationValuesBiped, PixelIndexDirections

__all__ = [
    "PATIENT_ORIENTATION_OPPOSITES",
    "VOLUME_INDEX_CONVENTION",
    "LPS_PATIENT_REFERENCE_CONVENTION",
    "RAS_PATIENT_REFERENCE_CONVENTION",
    "normalize_index_convention",
    "normalize_patient_orientation",
    "is_orthogonal",
    "stack_affine",
    "get_normal_vector",
    "create_rotation_matrix",
    "create_affine_matrix_from_attributes",
    "inverse_affine_from_attributes",
    "rotation_for_patient_orientation",
    "create_affine_matrix_from_components",
    "flip_affine",
    "permute_affine",
    "translate_affine",
    "convert_affine_to_convention",
    "get_closest_patient_orientation",
]

_B = PatientOrientationValuesBiped
_D = PixelIndexDirections

#: The opposite of each biped patient direction.
PATIENT_ORIENTATION_OPPOSITES = {_B.L: _B.R, _B.R: _B.L, _B.A: _B.P, _B.P: _B.A, _B.F: _B.H, _B.H: _B.F}
#: How volume arrays are indexed within a frame: rows going down, then columns going right.
VOLUME_INDEX_CONVENTION = (_D.D, _D.R)
#: DICOM's patient reference convention (left, posterior, head), also ITK's.
LPS_PATIENT_REFERENCE_CONVENTION = (_B.L, _B.P, _B.H)
#: NIfTI's patient reference convention (right, anterior, head).
RAS_PATIENT_REFERENCE_CONVENTION = (_B.R, _B.A, _B.H)

# The unit vector of LPS space each biped direction points along.
_DIRECTION_VECTORS = {
    _B.L: (1.0, 0.0, 0.0), _B.R: (-1.0, 0.0, 0.0),
    _B.P: (0.0, 1.0, 0.0), _B.A: (0.0, -1.0, 0.0),
    _B.H: (0.0, 0.0, 1.0), _B.F: (0.0, 0.0, -1.0),
}  # fmt: skip
_ALIASES = {"S": _B.H, "I": _B.F}
DEFAULT_ORTHOGONAL_TOLERANCE = 1e-4


def normalize_index_convention(convention) -> tuple[PixelIndexDirections, PixelIndexDirections]:
    """Two pixel index directions, one of L/R and one of U/D, as enum members."""
    if len(convention) != 2:
        raise ValueError(f"A pixel index convention has 2 directions, not {len(convention)}: {convention!r}")
    dirs = tuple(PixelIndexDirections(d) for d in convention)
    names = {d.value for d in dirs}
    if ("L" in names) == ("R" in names) or ("U" in names) == ("D" in names):
        raise ValueError(f"Invalid combination of pixel directions: {[d.value for d in dirs]}")
    return dirs  # type: ignore[return-value]


def normalize_patient_orientation(orientation) -> tuple[_B, _B, _B]:
    """Three biped directions (a string like ``"LPS"`` or a sequence; S and I alias H and F)."""
    if len(orientation) != 3:
        raise ValueError(f"A patient orientation has 3 directions, not {len(orientation)}: {orientation!r}")
    dirs = tuple(_ALIASES.get(d, d) if isinstance(d, str) else d for d in orientation)
    dirs = tuple(_B(d) for d in dirs)
    names = {d.value for d in dirs}
    if not all(((a in names) != (b in names)) for a, b in (("L", "R"), ("A", "P"), ("F", "H"))):
        raise ValueError(f"Invalid combination of frame of reference directions: {[d.value for d in dirs]}")
    return dirs  # type: ignore[return-value]


def is_orthogonal(m: np.ndarray, require_unit: bool = True, tol: float = DEFAULT_ORTHOGONAL_TOLERANCE) -> bool:
    """True when the columns of square `m` are orthogonal (and of unit length if `require_unit`)."""
    if m.ndim != 2:
        raise ValueError(f"Expected a 2-dimensional matrix, not one of shape {m.shape}")
    if m.shape[0] != m.shape[1]:
        return False
    norms = np.linalg.norm(m, axis=0)
    if not np.all(np.isfinite(norms)) or np.any(norms == 0.0):
        return False
    if require_unit and not np.allclose(norms**2, 1.0, atol=tol):
        return False
    unit = m / norms
    return bool(np.allclose(unit.T @ unit, np.eye(m.shape[1]), atol=tol))


def stack_affine(rotation: np.ndarray, translation) -> np.ndarray:
    """The 4 x 4 affine with `rotation` (3 x 3) and `translation` (3 values)."""
    rotation = np.asarray(rotation, dtype=np.float64)
    translation = np.asarray(translation, dtype=np.float64)
    if rotation.shape != (3, 3):
        raise ValueError(f"The rotation must have shape (3, 3), not {rotation.shape}")
    if translation.size != 3:
        raise ValueError(f"The translation must have 3 elements, not {translation.size}")
    affine = np.eye(4)
    affine[:3, :3] = rotation
    affine[:3, 3] = translation.reshape(3)
    return affine


def _in_plane_columns(image_orientation, index_convention, pixel_spacing=(1.0, 1.0)):
    """The two in-plane axis vectors (scaled by the spacing) in the order of `index_convention`."""
    rows = np.asarray(image_orientation[:3], dtype=np.float64)  # along a row: increasing column
    cols = np.asarray(image_orientation[3:], dtype=np.float64)  # down a column: increasing row
    vectors, spacings = [], []
    for d in normalize_index_convention(index_convention):
        vector = {_D.R: rows, _D.L: -rows, _D.D: cols, _D.U: -cols}[d]
        vectors.append(vector)
        spacings.append(pixel_spacing[1] if d in (_D.R, _D.L) else pixel_spacing[0])
    return vectors, spacings


def _normal(first: np.ndarray, second: np.ndarray, handedness) -> np.ndarray:
    if AxisHandedness(handedness) is AxisHandedness.RIGHT_HANDED:
        return np.cross(first, second)
    return np.cross(second, first)


def get_normal_vector(
    image_orientation, index_convention=(_D.R, _D.D), handedness=AxisHandedness.RIGHT_HANDED
) -> np.ndarray:
    """The unit normal of an image plane that completes `index_convention` to a hand of `handedness`."""
    orientation = np.asarray(image_orientation, dtype=np.float64)
    if orientation.shape != (6,):
        raise ValueError("Argument 'image_orientation' should be an array of length 6.")
    (first, second), _ = _in_plane_columns(orientation, index_convention)
    return _normal(first, second, handedness)


def _pixel_spacing_pair(pixel_spacing) -> tuple[float, float]:
    if isinstance(pixel_spacing, (Sequence, np.ndarray)):
        if len(pixel_spacing) != 2:
            raise ValueError("A sequence passed to argument 'pixel_spacing' must have length 2.")
        pair = (float(pixel_spacing[0]), float(pixel_spacing[1]))
    else:
        pair = (float(pixel_spacing), float(pixel_spacing))
    if pair[0] <= 0.0 or pair[1] <= 0.0:
        raise ValueError("All values in 'pixel_spacing' must be positive.")
    return pair


def create_rotation_matrix(
    image_orientation,
    index_convention=(_D.R, _D.D),
    slices_first: bool = False,
    handedness=AxisHandedness.RIGHT_HANDED,
    pixel_spacing=1.0,
    spacing_between_slices: float = 1.0,
) -> np.ndarray:
    """The 3 x 3 scaled rotation of an image plane stacked into slices."""
    if len(image_orientation) != 6:
        raise ValueError('Argument "image_orientation" must have length 6.')
    spacing_pair = _pixel_spacing_pair(pixel_spacing)
    vectors, spacings = _in_plane_columns(image_orientation, index_convention, spacing_pair)
    normal = _normal(vectors[0], vectors[1], handedness)
    position = 0 if slices_first else 2
    vectors.insert(position, normal)
    spacings.insert(position, spacing_between_slices)
    return np.column_stack([v * s for v, s in zip(vectors, spacings)])


def _check_sequence(value, name: str, length: int) -> None:
    if not isinstance(value, (Sequence, np.ndarray)):
        raise TypeError(f'Argument "{name}" must be a sequence.')
    if len(value) != length:
        raise ValueError(f'Argument "{name}" must have length {length}.')


def create_affine_matrix_from_attributes(
    image_position,
    image_orientation,
    pixel_spacing,
    spacing_between_slices: float = 1.0,
    index_convention=(_D.R, _D.D),
    slices_first: bool = False,
    handedness=AxisHandedness.RIGHT_HANDED,
) -> np.ndarray:
    """The affine of an image from Image Position, Image Orientation and Pixel Spacing."""
    _check_sequence(image_position, "image_position", 3)
    _check_sequence(image_orientation, "image_orientation", 6)
    _check_sequence(pixel_spacing, "pixel_spacing", 2)
    convention = normalize_index_convention(index_convention)
    if _D.L in convention or _D.U in convention:
        raise ValueError("Index convention cannot include 'L' or 'U'.")
    rotation = create_rotation_matrix(
        image_orientation, convention, slices_first, handedness, pixel_spacing, spacing_between_slices
    )
    return stack_affine(rotation, [float(x) for x in image_position])


def inverse_affine_from_attributes(
    image_position, image_orientation, pixel_spacing, spacing_between_slices: float = 1.0
) -> np.ndarray:
    """The inverse of :func:`create_affine_matrix_from_attributes` (default conventions)."""
    _check_sequence(image_position, "image_position", 3)
    _check_sequence(image_orientation, "image_orientation", 6)
    _check_sequence(pixel_spacing, "pixel_spacing", 2)
    rotation = create_rotation_matrix(
        image_orientation, pixel_spacing=pixel_spacing, spacing_between_slices=spacing_between_slices
    )
    inverse = np.linalg.inv(rotation)
    origin = np.array([float(x) for x in image_position])
    return stack_affine(inverse, -(inverse @ origin))


def _spacing_triple(spacing) -> np.ndarray:
    if isinstance(spacing, Real):
        values = np.full(3, float(spacing))
    elif isinstance(spacing, (Sequence, np.ndarray)):
        values = np.asarray(spacing, dtype=np.float64).reshape(-1)
        if values.shape != (3,):
            raise ValueError('Argument "spacing" must have length 3.')
    else:
        raise TypeError('Argument "spacing" must be a sequence or float.')
    if values.min() <= 0.0:
        raise ValueError('All items of "spacing" must be positive.')
    return values


def rotation_for_patient_orientation(patient_orientation, spacing=1.0) -> np.ndarray:
    """The 3 x 3 axis-aligned rotation whose axes point along `patient_orientation`, scaled by `spacing`."""
    dirs = normalize_patient_orientation(patient_orientation)
    scale = _spacing_triple(spacing)
    return np.column_stack([np.array(_DIRECTION_VECTORS[d]) * s for d, s in zip(dirs, scale)])


def create_affine_matrix_from_components(
    *,
    spacing,
    position=None,
    center_position=None,
    direction=None,
    patient_orientation=None,
    spatial_shape=None,
) -> np.ndarray:
    """An affine from spacing, a direction (or patient orientation) and a position (or centre).

    `spacing` is three values or one shared by the three axes.
    """
    if (direction is None) == (patient_orientation is None):
        raise TypeError("Exactly one of 'direction' or 'patient_orientation' must be provided.")
    if (position is None) == (center_position is None):
        raise TypeError("Exactly one of 'position' or 'center_position' must be provided.")
    scale = _spacing_triple(spacing)
    if direction is not None:
        matrix = np.array(direction, dtype=np.float64)
        if matrix.shape == (9,):
            matrix = matrix.reshape(3, 3)
        elif matrix.shape != (3, 3):
            raise ValueError("Argument 'direction' must have shape (9, ) or (3, 3).")
        if not is_orthogonal(matrix, require_unit=True):
            raise ValueError("Argument 'direction' must be an orthogonal matrix of unit vectors.")
    else:
        matrix = rotation_for_patient_orientation(patient_orientation)
    scaled = matrix * scale
    if position is not None:
        if not isinstance(position, (Sequence, np.ndarray)):
            raise TypeError('Argument "position" must be a sequence.')
        origin = np.array(position, dtype=np.float64)
        if origin.shape != (3,):
            raise ValueError('Argument "position" must have length 3.')
    else:
        if spatial_shape is None:
            raise TypeError("Argument 'spatial_shape' must be provided if 'center_position' is used.")
        shape = np.array(spatial_shape)
        if shape.shape != (3,):
            raise ValueError("Argument 'spatial_shape' must have length 3.")
        if not isinstance(center_position, (Sequence, np.ndarray)):
            raise TypeError('Argument "center_position" must be a sequence.')
        centre = np.array(center_position, dtype=np.float64)
        if centre.shape != (3,):
            raise ValueError('Argument "center_position" must have length 3.')
        origin = centre - scaled @ ((shape - 1.0) / 2.0)
    return stack_affine(scaled, origin)


def flip_affine(affine: np.ndarray, shape: Sequence[int], axes: Sequence[int]) -> np.ndarray:
    """The affine of the array reversed along `axes` (its first voxel becomes the last)."""
    flipped = affine.copy()
    for axis in axes:
        flipped[:3, 3] += affine[:3, axis] * (shape[axis] - 1)
        flipped[:3, axis] = -affine[:3, axis]
    return flipped


def permute_affine(affine: np.ndarray, indices: Sequence[int]) -> np.ndarray:
    """The affine of the array whose axes are `indices` of this one's."""
    if len(indices) != 3 or set(indices) != {0, 1, 2}:
        raise ValueError('Argument "indices" must consist of the values 0, 1, and 2 in some order.')
    return affine[:, [*indices, 3]]


def translate_affine(affine: np.ndarray, offset: Sequence[float]) -> np.ndarray:
    """The affine whose voxel (0, 0, 0) is this one's voxel `offset`."""
    if len(offset) != 3:
        raise ValueError("The index offset must have three elements.")
    moved = affine.copy()
    moved[:3, 3] = affine[:3, 3] + affine[:3, :3] @ np.asarray(offset, dtype=np.float64)
    return moved


def convert_affine_to_convention(affine: np.ndarray, from_reference_convention, to_reference_convention) -> np.ndarray:
    """Re-express `affine` from one patient reference convention in another (e.g. LPS to RAS)."""
    source = normalize_patient_orientation(from_reference_convention)
    target = normalize_patient_orientation(to_reference_convention)
    change = np.zeros((4, 4))
    change[3, 3] = 1.0
    for row, d in enumerate(target):
        if d in source:
            change[row, source.index(d)] = 1.0
        else:
            change[row, source.index(PATIENT_ORIENTATION_OPPOSITES[d])] = -1.0
    return change @ np.asarray(affine, dtype=np.float64)


def get_closest_patient_orientation(affine: np.ndarray) -> tuple[_B, _B, _B]:
    """The axis-aligned patient orientation nearest to the directions of `affine`'s three axes.

    Axes are matched in order: each takes the patient axis it is most aligned
    with among those the previous axes left free.
    """
    affine = np.asarray(affine)
    if affine.ndim != 2 or affine.shape not in ((3, 3), (4, 4)):
        raise ValueError(f"Invalid shape for array: {affine.shape}")
    rotation = affine[:3, :3]
    if not is_orthogonal(rotation, require_unit=False):
        raise ValueError("Matrix is not orthogonal.")
    positive, negative = (_B.L, _B.P, _B.H), (_B.R, _B.A, _B.F)
    taken: set[int] = set()
    result = []
    for column in rotation.T:
        ranked = np.argsort(-np.abs(column), kind="stable")
        axis = next(int(i) for i in ranked if int(i) not in taken)
        taken.add(axis)
        result.append(positive[axis] if column[axis] > 0 else negative[axis])
    return tuple(result)  # type: ignore[return-value]
