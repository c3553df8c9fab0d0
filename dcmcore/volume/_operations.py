"""Operations that give a new geometry without resampling: index, pad, crop, flip, permute, match.

Each keeps the affine right: the result's voxel (i, j, k) is at the same
frame-of-reference position as the voxel of the source it came from.
Subclasses provide ``__getitem__``, ``pad`` and ``permute_spatial_axes``
(which carry the array along, for a volume); everything else is built on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

import numpy as np

from dcmcore.volume._affine import (
    PATIENT_ORIENTATION_OPPOSITES,
    normalize_patient_orientation,
    permute_affine,
    stack_affine,
    translate_affine,
)
from dcmcore.volume._base import DEFAULT_EQUALITY_TOLERANCE, SpatialBase
from dcmcore.volume.enums import AxisHandedness, CoordinateSystemNames, PadModes

__all__ = ["SpatialOperations"]


def _check_axes_subset(axes: Sequence[int]) -> None:
    if len(axes) < 2 or len(axes) > 3:
        raise ValueError("Argument 'axes' must contain 2 or 3 items.")
    if len(set(axes)) != len(axes):
        raise ValueError("Argument 'axes' should contain unique values.")
    if not set(axes) <= {0, 1, 2}:
        raise ValueError("Argument 'axes' should contain only 0, 1, and 2.")


def _check_shape3(spatial_shape: Sequence[int]) -> None:
    if len(spatial_shape) != 3:
        raise ValueError("Argument 'spatial_shape' must have length 3.")


class SpatialOperations(SpatialBase):
    """The geometry operations shared by :class:`Volume` and :class:`VolumeGeometry`."""

    __slots__ = ()

    # -- indexing -------------------------------------------------------------------------------
    def _prepare_index(self, index) -> tuple[tuple[slice, ...], tuple[int, int, int], np.ndarray]:
        """The spatial slices, the new spatial shape and the new affine of ``self[index]``.

        An integer keeps its axis (length 1), as in highdicom; slices may have
        steps (negative ones flip the axis).
        """
        shape = self.spatial_shape
        items = index if isinstance(index, tuple) else (index,)
        if len(items) > 3:
            raise IndexError(f"A volume has 3 spatial axes; the index has {len(items)} items.")
        slices: list[slice] = []
        for axis, item in enumerate(items):
            size = shape[axis]
            if isinstance(item, Integral) and not isinstance(item, bool):
                item = int(item)
                if not -size <= item < size:
                    raise IndexError(f"Index {item} is out of bounds for axis {axis} with size {size}.")
                slices.append(slice(item, None if item == -1 else item + 1))
            elif isinstance(item, slice):
                if item.start is not None and not -size <= item.start < size:
                    raise ValueError(f"Slice start {item.start} is out of bounds for axis {axis} with size {size}.")
                if item.stop is not None and not -size - 1 <= item.stop <= size:
                    raise ValueError(f"Slice stop {item.stop} is out of bounds for axis {axis} with size {size}.")
                slices.append(item)
            else:
                raise TypeError(f"Items of a volume index must be ints or slices, not {type(item).__name__}.")
        firsts, steps, new_shape = [], [], []
        for axis in range(3):
            if axis < len(slices):
                first, stop, step = slices[axis].indices(shape[axis])
                count = len(range(first, stop, step))
                if count == 0:
                    raise IndexError("Indexing would result in an empty array.")
            else:
                first, step, count = 0, 1, shape[axis]
            firsts.append(first)
            steps.append(step)
            new_shape.append(count)
        origin = self.map_indices_to_reference(np.array([firsts]))[0]
        rotation = self._affine[:3, :3] * np.array(steps, dtype=np.float64)
        return tuple(slices), tuple(new_shape), stack_affine(rotation, origin)  # type: ignore[return-value]

    # -- padding ---------------------------------------------------------------------------------
    def _prepare_pad_width(self, pad_width) -> tuple[np.ndarray, list[list[int]]]:
        """The new affine and the [[before, after]] * 3 widths of a numpy.pad-style `pad_width`."""
        if isinstance(pad_width, Integral):
            widths = [[int(pad_width)] * 2 for _ in range(3)]
        elif isinstance(pad_width, Sequence) and len(pad_width) > 0:
            if isinstance(pad_width[0], Integral):
                if len(pad_width) != 2:
                    raise ValueError("Invalid arrangement in 'pad_width'.")
                widths = [[int(pad_width[0]), int(pad_width[1])] for _ in range(3)]
            elif isinstance(pad_width[0], Sequence):
                if len(pad_width) != 3:
                    raise ValueError("Invalid arrangement in 'pad_width'.")
                lengths = {len(w) for w in pad_width}
                if lengths == {1}:
                    widths = [[int(w[0]), int(w[0])] for w in pad_width]
                elif lengths == {2}:
                    widths = [[int(w[0]), int(w[1])] for w in pad_width]
                else:
                    raise ValueError("Invalid arrangement in 'pad_width'.")
            else:
                raise TypeError("Invalid format for 'pad_width'.")
        else:
            raise TypeError("Invalid format for 'pad_width'.")
        if any(v < 0 for w in widths for v in w):
            raise ValueError("Argument 'pad_width' cannot contain negative values.")
        return translate_affine(self._affine, [-w[0] for w in widths]), widths

    def pad_to_spatial_shape(self, spatial_shape, *, mode=PadModes.CONSTANT, constant_value=0.0, per_channel=False):
        """Pad symmetrically (one more at the end when odd) to `spatial_shape`."""
        _check_shape3(spatial_shape)
        widths = []
        for have, want in zip(self.spatial_shape, spatial_shape):
            extra = want - have
            if extra < 0:
                raise ValueError("Shape is smaller than existing shape along at least one axis.")
            widths.append((extra // 2, extra - extra // 2))
        return self.pad(widths, mode=mode, constant_value=constant_value, per_channel=per_channel)

    def crop_to_spatial_shape(self, spatial_shape):
        """Crop about the centre (one more from the end when odd) to `spatial_shape`."""
        _check_shape3(spatial_shape)
        slices = []
        for have, want in zip(self.spatial_shape, spatial_shape):
            extra = have - want
            if extra < 0:
                raise ValueError("Shape is larger than existing shape along at least one axis.")
            slices.append(slice(extra // 2, have - (extra - extra // 2)))
        return self[tuple(slices)]

    def pad_or_crop_to_spatial_shape(
        self, spatial_shape, *, mode=PadModes.CONSTANT, constant_value=0.0, per_channel=False
    ):
        """Crop about the centre where larger, then pad symmetrically where smaller, to `spatial_shape`."""
        _check_shape3(spatial_shape)
        slices, widths = [], []
        for have, want in zip(self.spatial_shape, spatial_shape):
            extra = have - want
            if extra > 0:
                slices.append(slice(extra // 2, have - (extra - extra // 2)))
                widths.append((0, 0))
            else:
                slices.append(slice(None))
                widths.append((-extra // 2, -extra - (-extra // 2)))
        cropped = self[tuple(slices)]
        return cropped.pad(widths, mode=mode, constant_value=constant_value, per_channel=per_channel)

    def random_spatial_crop(self, spatial_shape):
        """A crop of `spatial_shape` at a random place (``numpy.random``)."""
        slices = []
        for want, have in zip(spatial_shape, self.spatial_shape):
            if want > have:
                raise ValueError("Crop shape is larger than volume in at least one dimension.")
            start = np.random.randint(0, have - want + 1)
            slices.append(slice(start, start + want))
        return self[tuple(slices)]

    # -- flips and permutations ------------------------------------------------------------------
    def _permuted_affine(self, indices: Sequence[int]) -> np.ndarray:
        return permute_affine(self._affine, list(indices))

    def flip_spatial(self, axes):
        """Reverse the array along `axes` (0, 1 and/or 2), the affine following."""
        if isinstance(axes, Integral):
            axes = [axes]
        if len(axes) > 3 or not set(axes) <= {0, 1, 2}:
            raise ValueError('Argument "axes" must contain only values 0, 1, and/or 2.')
        return self[tuple(slice(None, None, -1) if d in axes else slice(None) for d in range(3))]

    def random_flip_spatial(self, axes: Sequence[int] = (0, 1, 2)):
        """Flip each of `axes` with probability 0.5 (``numpy.random``)."""
        _check_axes_subset(axes)
        flips = [d for d in range(3) if d in axes and np.random.randint(2) == 1]
        return self[tuple(slice(None, None, -1) if d in flips else slice(None) for d in range(3))]

    def swap_spatial_axes(self, axis_1: int, axis_2: int):
        """Exchange two spatial axes."""
        if axis_1 not in (0, 1, 2) or axis_2 not in (0, 1, 2):
            raise ValueError("Axis values must be one of 0, 1 or 2.")
        if axis_1 == axis_2:
            raise ValueError("Arguments 'axis_1' and 'axis_2' must be different.")
        order = [0, 1, 2]
        order[axis_1], order[axis_2] = axis_2, axis_1
        return self.permute_spatial_axes(order)

    def random_permute_spatial_axes(self, axes: Sequence[int] = (0, 1, 2)):
        """Permute `axes` (2 or 3 of the spatial axes) randomly (``numpy.random``); the others stay."""
        _check_axes_subset(axes)
        shuffled = np.random.permutation(list(axes)).tolist()
        order = [0, 1, 2]
        for slot, axis in zip(sorted(axes), shuffled):
            order[slot] = axis
        return self.permute_spatial_axes(order)

    def ensure_handedness(self, handedness, *, flip_axis: int | None = None, swap_axes: Sequence[int] | None = None):
        """This geometry if it has `handedness`; otherwise flip `flip_axis` or swap `swap_axes` (give one)."""
        if (flip_axis is None) == (swap_axes is None):
            raise TypeError("Exactly one of either 'flip_axis' or 'swap_axes' must be specified.")
        if AxisHandedness(handedness) is self.handedness:
            return self
        if flip_axis is not None:
            return self.flip_spatial(flip_axis)
        if len(swap_axes) != 2:  # type: ignore[arg-type]
            raise ValueError("Argument 'swap_axes' must have length 2.")
        return self.swap_spatial_axes(swap_axes[0], swap_axes[1])  # type: ignore[index]

    def _to_orientation(self, orientation) -> SpatialOperations:
        current = self.get_closest_patient_orientation()
        order, flips = [], []
        for direction in orientation:
            if direction in current:
                order.append(current.index(direction))
            else:
                axis = current.index(PATIENT_ORIENTATION_OPPOSITES[direction])
                order.append(axis)
                flips.append(axis)
        result = self.flip_spatial(flips) if flips else self
        return result.permute_spatial_axes(order)

    def to_patient_orientation(self, patient_orientation):
        """Permute and flip the axes to be as close to `patient_orientation` (e.g. ``"FPL"``) as possible."""
        if self._coordinate_system is not CoordinateSystemNames.PATIENT:
            raise RuntimeError("Volume is not defined in the patient coordinate system.")
        return self._to_orientation(normalize_patient_orientation(patient_orientation))

    def match_orientation(self, other):
        """Permute and flip the axes to the closest patient orientation of `other`."""
        if not isinstance(other, SpatialBase):
            raise TypeError("Argument 'other' must be a Volume or a VolumeGeometry.")
        return self._to_orientation(other.get_closest_patient_orientation())

    # -- matching another geometry -----------------------------------------------------------------
    def match_geometry(
        self, other, *, mode=PadModes.CONSTANT, constant_value=0.0, per_channel=False, tol=DEFAULT_EQUALITY_TOLERANCE
    ):
        """Permute, pad and crop, and flip (or step through) this volume so its geometry is `other`'s.

        No resampling: the directions must agree up to sign and order, the
        spacings of `other` must be whole multiples of this one's, and the
        offset a whole number of voxels; otherwise ``RuntimeError``.
        """
        mine, theirs = self.frame_of_reference_uid, other.frame_of_reference_uid
        if mine is not None and theirs is not None and mine != theirs:
            raise RuntimeError("Volumes do not have matching frame of reference UIDs.")
        if self.coordinate_system != CoordinateSystemNames(other.coordinate_system):
            raise RuntimeError("Volumes do not exist in the same coordinate system.")
        order, steps = [], []
        own_units, own_spacing = self.unit_vectors(), self.spacing
        for unit, spacing in zip(other.unit_vectors(), other.spacing):
            for axis, (own, own_step) in enumerate(zip(own_units, own_spacing)):
                cosine = float(unit @ own)
                if abs(cosine - 1.0) < tol or abs(cosine + 1.0) < tol:
                    ratio = spacing / own_step
                    step = int(np.round(ratio))
                    if step == 0 or abs(ratio - step) > tol:
                        raise RuntimeError("Non-integer scale factor required.")
                    order.append(axis)
                    steps.append(step if cosine > 0 else -step)
                    break
            else:
                raise RuntimeError("Direction vectors could not be aligned.")
        result = self.permute_spatial_axes(order) if order != [0, 1, 2] else self
        offset = np.array(other.position) - np.array(result.position)
        widths, plan = [], []
        for unit, spacing, step, size_out, size_in in zip(
            result.unit_vectors(), result.spacing, steps, other.spatial_shape, result.spatial_shape
        ):
            exact = float(unit @ offset) / spacing
            start = int(np.round(exact))
            if abs(start - exact) > tol:
                raise RuntimeError("Required translation is non-integer multiple of voxel spacing.")
            last = start + (size_out - 1) * step
            before = max(-min(start, last), 0)
            after = max(max(start, last) - (size_in - 1), 0)
            widths.append((before, after))
            plan.append((start + before, last + before, step))
        if any(b or a for b, a in widths):
            result = result.pad(widths, mode=mode, constant_value=constant_value, per_channel=per_channel)
        slices = []
        for start, last, step in plan:
            stop = last + (1 if step > 0 else -1)
            slices.append(slice(start, None if stop < 0 else stop, step))
        return result[tuple(slices)]
