"""Volumes and their geometry (highdicom's ``highdicom.volume`` API), and series of images to volumes.

* :class:`Volume` — a voxel array (plus channel dimensions) with the affine
  that places it in a frame of reference; :class:`VolumeGeometry` — the same
  without voxels; :class:`VolumeToVolumeTransformer` — indices of one to
  indices of another; :class:`ChannelDescriptor`.
* :func:`get_volume_from_series` — single-frame data sets or files to a volume,
  reading headers first and decoding straight into the output.
* The enums: :class:`AxisHandedness`, :class:`CoordinateSystemNames`,
  :class:`PadModes`, :class:`PatientOrientationValuesBiped`,
  :class:`PatientOrientationValuesQuadruped`, :class:`PixelIndexDirections`.

The 2-D transformers and the helper functions are in :mod:`dcmcore.spatial`.
"""

from dcmcore.volume.channels import RGB_COLOR_CHANNEL_DESCRIPTOR, ChannelDescriptor
from dcmcore.volume.enums import (
    AxisHandedness,
    CoordinateSystemNames,
    PadModes,
    PatientOrientationValuesBiped,
    PatientOrientationValuesQuadruped,
    PixelIndexDirections,
)
from dcmcore.volume.geometry import VolumeGeometry
from dcmcore.volume.series import get_volume_from_series, volume_geometry_from_positions
from dcmcore.volume.volume import Volume, VolumeToVolumeTransformer

__all__ = [
    "Volume",
    "VolumeGeometry",
    "VolumeToVolumeTransformer",
    "ChannelDescriptor",
    "RGB_COLOR_CHANNEL_DESCRIPTOR",
    "get_volume_from_series",
    "volume_geometry_from_positions",
    "AxisHandedness",
    "CoordinateSystemNames",
    "PadModes",
    "PatientOrientationValuesBiped",
    "PatientOrientationValuesQuadruped",
    "PixelIndexDirections",
]
