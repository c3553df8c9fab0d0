"""Volume: a NumPy array of regularly spaced voxels with the affine that places them in a frame of reference."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydicom.tag import BaseTag

from dcmcore.volume import _intensity
from dcmcore.volume._affine import (
    VOLUME_INDEX_CONVENTION,
    create_affine_matrix_from_attributes,
    create_affine_matrix_from_components,
)
from dcmcore.volume._base import apply_affine
from dcmcore.volume._operations import SpatialOperations
from dcmcore.volume.channels import ChannelDescriptor
from dcmcore.volume.enums import PadModes
from dcmcore.volume.geometry import VolumeGeometry, check_patient_orientation_allowed

__all__ = ["Volume", "VolumeToVolumeTransformer"]


def _check_dtype(array: np.ndarray) -> None:
    if array.dtype.kind not in "fiub":
        raise ValueError(f"Array must have an integer, floating point, or boolean dtype, received '{array.dtype}'.")


class Volume(SpatialOperations):
    """A 3-D array of voxels (plus optional channel dimensions) and its affine.

    Parameters
    ----------
    array : numpy.ndarray
        At least 3-D: (slices, rows, columns, *channels). Integer, float or bool.
    affine : numpy.ndarray
        4 x 4: array index -> frame-of-reference position (LPS for PATIENT).
    coordinate_system : CoordinateSystemNames or str
        ``"PATIENT"`` or ``"SLIDE"``.
    frame_of_reference_uid : str, optional
        The Frame of Reference UID, if known.
    channels : dict, optional
        One item per channel dimension, in axis order (axis 3 first): a
        :class:`ChannelDescriptor`, DICOM keyword or tag, mapped to the values
        along that dimension.
    from_reference_convention : str or sequence, optional
        The patient convention of `affine`, if not LPS (it is converted).
    """

    __slots__ = ("_array", "_channels")

    def __init__(
        self, array, affine, coordinate_system, frame_of_reference_uid=None, channels=None, from_reference_convention=None
    ):
        super().__init__(affine, coordinate_system, frame_of_reference_uid, from_reference_convention)
        array = np.asarray(array)
        if array.ndim < 3:
            raise ValueError("Argument 'array' must be at least three dimensional.")
        _check_dtype(array)
        channels = {} if channels is None else channels
        if len(channels) != array.ndim - 3:
            raise ValueError(
                f"Number of items in the 'channels' parameter ({len(channels)}) does not match the number of "
                f"channel dimensions in the array ({array.ndim - 3})."
            )
        self._channels: dict[ChannelDescriptor, list] = {}
        for axis, (identifier, values) in enumerate(channels.items(), start=3):
            descriptor = ChannelDescriptor(identifier)
            if descriptor.is_enumerated:
                values = [descriptor.value_type(v) for v in values]
            if len(values) != array.shape[axis]:
                raise ValueError(
                    f"Number of values for channel number {axis} ({len(values)}) does not match the size of the "
                    f"corresponding dimension of the array ({array.shape[axis]})."
                )
            if not all(isinstance(v, descriptor.value_type) for v in values):
                raise TypeError(f"Values for channel {descriptor} do not have the expected type ({descriptor.value_type}).")
            if descriptor in self._channels:
                raise ValueError("Channel identifiers must represent unique attributes.")
            self._channels[descriptor] = list(values)
        self._array = array

    @classmethod
    def from_attributes(
        cls,
        *,
        array,
        image_position,
        image_orientation,
        pixel_spacing,
        spacing_between_slices: float,
        coordinate_system,
        frame_of_reference_uid=None,
        channels=None,
    ) -> Volume:
        """A volume of frames stacked down axis 0 (right-handed) from DICOM attributes."""
        affine = create_affine_matrix_from_attributes(
            image_position, image_orientation, pixel_spacing, spacing_between_slices,
            index_convention=VOLUME_INDEX_CONVENTION, slices_first=True,
        )  # fmt: skip
        return cls(array, affine, coordinate_system, frame_of_reference_uid, channels)

    @classmethod
    def from_components(
        cls,
        array,
        *,
        spacing,
        coordinate_system,
        position=None,
        center_position=None,
        direction=None,
        patient_orientation=None,
        frame_of_reference_uid=None,
        channels=None,
        from_reference_convention=None,
    ) -> Volume:
        """A volume from its spacing (3 values or one), direction or patient orientation, and position or centre."""
        check_patient_orientation_allowed(patient_orientation, coordinate_system)
        affine = create_affine_matrix_from_components(
            spacing=spacing, position=position, center_position=center_position, direction=direction,
            patient_orientation=patient_orientation, spatial_shape=np.shape(array)[:3],
        )  # fmt: skip
        return cls(array, affine, coordinate_system, frame_of_reference_uid, channels, from_reference_convention)

    # -- shape and data ----------------------------------------------------------------------------
    @property
    def array(self) -> np.ndarray:
        """numpy.ndarray: The voxels (assignable with an array of the same shape)."""
        return self._array

    @array.setter
    def array(self, value: np.ndarray) -> None:
        if value.shape != self._array.shape:
            raise ValueError("Array must match the shape of the existing array.")
        _check_dtype(value)
        self._array = value

    @property
    def dtype(self) -> np.dtype:
        """numpy.dtype: The array's dtype."""
        return self._array.dtype

    @property
    def shape(self) -> tuple[int, ...]:
        """tuple: The array's shape, channels included."""
        return tuple(self._array.shape)

    @property
    def spatial_shape(self) -> tuple[int, int, int]:
        """tuple of 3 ints: The three spatial dimensions."""
        return tuple(self._array.shape[:3])  # type: ignore[return-value]

    @property
    def ndim(self) -> int:
        """int: The array's number of dimensions."""
        return self._array.ndim

    @property
    def number_of_channel_dimensions(self) -> int:
        """int: Dimensions after the three spatial ones."""
        return self._array.ndim - 3

    @property
    def channel_shape(self) -> tuple[int, ...]:
        """tuple: The shape of the channel dimensions."""
        return tuple(self._array.shape[3:])

    @property
    def channel_descriptors(self) -> tuple[ChannelDescriptor, ...]:
        """tuple of ChannelDescriptor: What each channel dimension holds."""
        return tuple(self._channels)

    def get_geometry(self) -> VolumeGeometry:
        """The geometry alone."""
        return VolumeGeometry(self._affine, self.spatial_shape, self._coordinate_system, self._frame_of_reference_uid)

    def _new(self, array, affine=None, channels=None) -> Volume:
        return self.__class__(
            array, self._affine if affine is None else affine, self._coordinate_system, self._frame_of_reference_uid,
            self._channels if channels is None else channels,
        )  # fmt: skip

    def with_array(self, array, channels=None) -> Volume:
        """A volume of the same geometry holding `array` (the same channels unless `channels` is given)."""
        array = np.asarray(array)
        if array.shape[:3] != self.spatial_shape:
            raise ValueError("Array must match the spatial shape of the existing array.")
        if channels is None and array.ndim != 3:
            if array.shape != self.shape:
                raise ValueError("Array must match the shape of the existing array.")
            channels = self._channels
        return self.__class__(array, self._affine, self._coordinate_system, self._frame_of_reference_uid, channels or {})

    def copy(self) -> Volume:
        """An independent copy (array included)."""
        return self._new(self._array.copy(), self._affine.copy())

    def astype(self, dtype) -> Volume:
        """The volume cast to `dtype`; ``ValueError`` if a value does not fit (or is not 0/1 for bool)."""
        dtype = np.dtype(dtype)
        array = self._array
        if dtype.kind in "fiu":
            info = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype)
            if array.size and (array.min() < info.min or array.max() > info.max):
                raise ValueError(
                    f"Cannot cast {array.dtype} to {dtype}. Values exceed supported range: [{info.min}, {info.max}]."
                )
        elif dtype.kind == "b":
            unique = np.unique(array)
            if not np.isin(unique, [0, 1]).all():
                raise ValueError(f"Cannot cast to {dtype} unless array is binary. Encountered unique values: {unique}.")
        else:
            raise ValueError(f"Casting to {dtype} is not supported.")
        return self.with_array(array.astype(dtype))

    def clip(self, a_min, a_max) -> Volume:
        """Intensities clipped to [a_min, a_max] (either may be None)."""
        return self.with_array(np.clip(self._array, a_min, a_max))

    def normalize_mean_std(self, per_channel: bool = True, output_mean: float = 0.0, output_std: float = 1.0) -> Volume:
        """Intensities shifted and scaled to `output_mean` and `output_std` (per channel by default)."""
        return self.with_array(_intensity.normalize_mean_std(self._array, per_channel, output_mean, output_std))

    def normalize_min_max(self, output_min: float = 0.0, output_max: float = 1.0, per_channel: bool = False) -> Volume:
        """Intensities mapped linearly from their range onto [output_min, output_max]."""
        return self.with_array(_intensity.normalize_min_max(self._array, output_min, output_max, per_channel))

    # -- geometry operations carrying the array ------------------------------------------------------
    def __getitem__(self, index) -> Volume:
        slices, _, affine = self._prepare_index(index)
        return self._new(self._array[slices], affine)

    def permute_spatial_axes(self, indices: Sequence[int]) -> Volume:
        """The volume with its spatial axes in the order `indices` (channels stay last)."""
        affine = self._permuted_affine(indices)
        order = [*indices, *range(3, self._array.ndim)]
        return self._new(np.transpose(self._array, order), affine)

    def pad(self, pad_width, *, mode=PadModes.CONSTANT, constant_value=0.0, per_channel: bool = False) -> Volume:
        """The volume padded along its spatial axes (numpy.pad's `pad_width` forms), the affine following."""
        affine, widths = self._prepare_pad_width(pad_width)
        return self._new(_intensity.pad_array(self._array, widths, mode, constant_value, per_channel), affine)

    # -- channels -------------------------------------------------------------------------------------
    def _channel(self, identifier) -> ChannelDescriptor:
        if isinstance(identifier, str):
            found = [c for c in self._channels if c.keyword == identifier]
            what = f"keyword '{identifier}'"
        elif isinstance(identifier, int):
            tag = BaseTag(identifier)
            found = [c for c in self._channels if c.tag is not None and c.tag == tag]
            what = f"tag '{tag}'"
        elif hasattr(identifier, "keyword"):
            found = [c for c in self._channels if c == identifier]
            what = f"identifier '{identifier}'"
        else:
            raise TypeError(f"Invalid type for channel identifier: {type(identifier)}")
        if not found:
            raise ValueError(f"No channel identifier with {what} found in volume.")
        return found[0]

    def get_channel_values(self, channel_identifier) -> list:
        """The values along the channel dimension `channel_identifier` (a copy)."""
        return list(self._channels[self._channel(channel_identifier)])

    def get_channel(self, *, keepdims: bool = False, **kwargs) -> Volume:
        """The volume at one value of one or more channels (``get_channel(RGBColorChannel="R")``)."""
        indexer: list = [slice(None)] * self._array.ndim
        channels = dict(self._channels)
        for keyword, value in kwargs.items():
            descriptor = self._channel(keyword)
            axis = self.channel_descriptors.index(descriptor)
            if descriptor.is_enumerated:
                value = descriptor.value_type(value)
            elif not isinstance(value, descriptor.value_type):
                raise TypeError(f"Value for argument '{descriptor}' must be of type '{descriptor.value_type}'.")
            try:
                position = self._channels[descriptor].index(value)
            except ValueError:
                raise IndexError(f"Value {value} is not found in channel {descriptor}.") from None
            if keepdims:
                indexer[axis + 3] = slice(position, position + 1)
                channels[descriptor] = [value]
            else:
                indexer[axis + 3] = position
                del channels[descriptor]
        return self.with_array(self._array[tuple(indexer)], channels=channels)

    def permute_channel_axes_by_index(self, indices: Sequence[int]) -> Volume:
        """The volume with its channel dimensions in the order `indices`."""
        if len(set(indices)) != len(indices):
            raise ValueError("Set of channel indices must not contain duplicates.")
        if set(indices) != set(range(self.number_of_channel_dimensions)):
            raise ValueError("Set of channel indices must match exactly those present in the volume.")
        descriptors = self.channel_descriptors
        channels = {descriptors[i]: self._channels[descriptors[i]] for i in indices}
        return self.with_array(np.transpose(self._array, [0, 1, 2, *(i + 3 for i in indices)]), channels=channels)

    def permute_channel_axes(self, channel_identifiers) -> Volume:
        """The volume with its channel dimensions in the order of `channel_identifiers`."""
        wanted = [self._channel(i) for i in channel_identifiers]
        if len(set(wanted)) != len(wanted):
            raise ValueError("Set of channel identifiers must not contain duplicates.")
        if set(wanted) != set(self._channels):
            raise ValueError("Set of channel identifiers must match exactly those present in the volume.")
        return self.permute_channel_axes_by_index([self.channel_descriptors.index(d) for d in wanted])

    def squeeze_channel(self, channel_descriptors=None) -> Volume:
        """The volume without its length-1 channel dimensions (only those named, which must be length 1)."""
        if channel_descriptors is None:
            names, strict = list(self._channels), False
        else:
            names, strict = [ChannelDescriptor(i) for i in channel_descriptors], True
            for descriptor in names:
                if descriptor not in self._channels:
                    raise ValueError(f"No channel with identifier: {descriptor}")
        axes, kept = [], dict(self._channels)
        for descriptor in names:
            axis = self.channel_descriptors.index(descriptor)
            if self.channel_shape[axis] == 1:
                axes.append(axis + 3)
                del kept[descriptor]
            elif strict:
                raise RuntimeError(f"Volume has channels along the dimension {descriptor} and cannot be squeezed.")
        return self.with_array(self._array.squeeze(tuple(axes)), channels=kept)

    def __repr__(self) -> str:
        return (
            f"Volume(shape={self.shape}, dtype={self.dtype}, coordinate_system={self._coordinate_system.value}, "
            f"spacing={tuple(round(s, 6) for s in self.spacing)}, channels={[str(c) for c in self._channels]})"
        )


class VolumeToVolumeTransformer:
    """Maps voxel indices of one volume (or geometry) to those of another in the same frame of reference.

    Parameters
    ----------
    volume_from, volume_to : Volume or VolumeGeometry
    round_output : bool, optional
        Round to the nearest integer index (integer output).
    check_bounds : bool, optional
        Raise ``ValueError`` when an output index lies outside `volume_to`
        along any axis (each axis against its own length).
    """

    __slots__ = ("_affine", "_output_shape", "_round_output", "_check_bounds")

    def __init__(self, volume_from, volume_to, round_output: bool = False, check_bounds: bool = False):
        self._affine = volume_to.inverse_affine @ volume_from.affine
        self._output_shape = tuple(volume_to.spatial_shape)
        self._round_output = round_output
        self._check_bounds = check_bounds

    @property
    def affine(self) -> np.ndarray:
        """numpy.ndarray: The 4 x 4 affine from "from" indices to "to" indices."""
        return self._affine.copy()

    def __call__(self, indices: np.ndarray) -> np.ndarray:
        """(n, 3) indices of the "from" volume -> (n, 3) indices of the "to" volume.

        Integer output with `round_output` (the input's integer dtype, or
        int64); otherwise float (the input's float dtype, or float64).
        """
        indices = np.asarray(indices)
        if indices.ndim != 2 or indices.shape[1] != 3:
            raise ValueError('Argument "indices" must be a two-dimensional array with shape [n, 3].')
        out = apply_affine(self._affine, indices)
        if self._check_bounds and out.shape[0]:
            if np.any(out.min(axis=0) < -0.5) or np.any(out.max(axis=0) > np.array(self._output_shape) - 0.5):
                raise ValueError("Bounds check failed.")
        if self._round_output:
            return np.around(out).astype(indices.dtype if indices.dtype.kind in "iu" else np.int64)
        if indices.dtype.kind == "f":
            return out.astype(indices.dtype, copy=False)
        return out


