"""VolumeGeometry: the geometry of a volume (affine, spatial shape, coordinate system) without voxels."""

from __future__ import annotations

from collections.abc import Sequence

from dcmcore.volume._affine import (
    VOLUME_INDEX_CONVENTION,
    create_affine_matrix_from_attributes,
    create_affine_matrix_from_components,
)
from dcmcore.volume._operations import SpatialOperations
from dcmcore.volume.enums import CoordinateSystemNames, PadModes

__all__ = ["VolumeGeometry"]


def check_patient_orientation_allowed(patient_orientation, coordinate_system) -> None:
    """`patient_orientation` only makes sense in the patient coordinate system."""
    if patient_orientation is not None and CoordinateSystemNames(coordinate_system) is not CoordinateSystemNames.PATIENT:
        raise ValueError(
            "Argument 'patient_orientation' should be provided only for volumes in the patient coordinate system."
        )


class VolumeGeometry(SpatialOperations):
    """The geometry of a regularly spaced 3-D volume, without voxel data.

    Parameters
    ----------
    affine : numpy.ndarray
        4 x 4: (slice, row, column) array index -> frame-of-reference position
        (LPS in the patient coordinate system). Its 3 x 3 block must be a
        scaled orthogonal matrix and its last row ``[0, 0, 0, 1]``.
    spatial_shape : sequence of 3 ints
        Number of voxels along each array axis.
    coordinate_system : CoordinateSystemNames or str
        ``"PATIENT"`` or ``"SLIDE"`` (highdicom's enum members are accepted).
    frame_of_reference_uid : str, optional
        The Frame of Reference UID, if known.
    from_reference_convention : str or sequence, optional
        The patient convention `affine` is written in, if not LPS (``"RAS"``
        for a NIfTI affine); it is converted to LPS.
    """

    __slots__ = ("_spatial_shape",)

    def __init__(
        self,
        affine,
        spatial_shape: Sequence[int],
        coordinate_system,
        frame_of_reference_uid: str | None = None,
        from_reference_convention=None,
    ):
        super().__init__(affine, coordinate_system, frame_of_reference_uid, from_reference_convention)
        if len(spatial_shape) != 3:
            raise ValueError("Argument 'spatial_shape' must have length 3.")
        self._spatial_shape = tuple(int(n) for n in spatial_shape)

    @classmethod
    def from_attributes(
        cls,
        *,
        image_position,
        image_orientation,
        rows: int,
        columns: int,
        pixel_spacing,
        spacing_between_slices: float,
        number_of_frames: int,
        coordinate_system,
        frame_of_reference_uid: str | None = None,
    ) -> VolumeGeometry:
        """The geometry of `number_of_frames` frames stacked down axis 0 as a right-handed volume."""
        affine = create_affine_matrix_from_attributes(
            image_position,
            image_orientation,
            pixel_spacing,
            spacing_between_slices,
            index_convention=VOLUME_INDEX_CONVENTION,
            slices_first=True,
        )
        return cls(affine, (number_of_frames, rows, columns), coordinate_system, frame_of_reference_uid)

    @classmethod
    def from_components(
        cls,
        spatial_shape: Sequence[int],
        *,
        spacing,
        coordinate_system,
        position=None,
        center_position=None,
        direction=None,
        patient_orientation=None,
        frame_of_reference_uid: str | None = None,
        from_reference_convention=None,
    ) -> VolumeGeometry:
        """The geometry from its spacing (3 values or one), direction or patient orientation, and position or centre."""
        check_patient_orientation_allowed(patient_orientation, coordinate_system)
        affine = create_affine_matrix_from_components(
            spacing=spacing,
            position=position,
            center_position=center_position,
            direction=direction,
            patient_orientation=patient_orientation,
            spatial_shape=spatial_shape,
        )
        return cls(affine, spatial_shape, coordinate_system, frame_of_reference_uid, from_reference_convention)

    @property
    def spatial_shape(self) -> tuple[int, int, int]:
        """tuple of 3 ints: Number of voxels along each axis."""
        return self._spatial_shape  # type: ignore[return-value]

    @property
    def shape(self) -> tuple[int, ...]:
        """tuple: The spatial shape (a geometry has no channels)."""
        return self._spatial_shape

    @property
    def ndim(self) -> int:
        """int: 3."""
        return 3

    def _new(self, affine, spatial_shape) -> VolumeGeometry:
        return self.__class__(affine, spatial_shape, self._coordinate_system, self._frame_of_reference_uid)

    def copy(self) -> VolumeGeometry:
        """An independent copy."""
        return self._new(self._affine.copy(), self._spatial_shape)

    def __getitem__(self, index) -> VolumeGeometry:
        _, shape, affine = self._prepare_index(index)
        return self._new(affine, shape)

    def pad(self, pad_width, *, mode=PadModes.CONSTANT, constant_value=0.0, per_channel=False) -> VolumeGeometry:
        """The geometry padded by `pad_width` (numpy.pad's forms) along the spatial axes."""
        PadModes(mode)
        affine, widths = self._prepare_pad_width(pad_width)
        return self._new(affine, [n + w[0] + w[1] for n, w in zip(self._spatial_shape, widths)])

    def permute_spatial_axes(self, indices: Sequence[int]) -> VolumeGeometry:
        """The geometry with its axes in the order `indices` (0, 1, 2 in some order)."""
        affine = self._permuted_affine(indices)
        return self._new(affine, [self._spatial_shape[i] for i in indices])

    def with_array(self, array, channels=None):
        """A :class:`~dcmcore.volume.Volume` of this geometry holding `array`."""
        from dcmcore.volume.volume import Volume  # volume.py imports this module

        return Volume(array, self._affine, self._coordinate_system, self._frame_of_reference_uid, channels=channels)

    def __repr__(self) -> str:
        return (
            f"VolumeGeometry(spatial_shape={self._spatial_shape}, coordinate_system={self._coordinate_system.value}, "
            f"spacing={tuple(round(s, 6) for s in self.spacing)}, position={tuple(round(p, 6) for p in self.position)})"
        )
