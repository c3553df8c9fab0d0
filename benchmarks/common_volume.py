"""Inputs of the volume benchmarks: a CT series written as single-frame files, and large volumes.

The series is cached in :func:`benchmarks.common.data_dir` (outside the source
tree) as one directory per size, made under a temporary name then renamed.
Each file carries the header of pydicom's ``CT_small.dcm`` (so header reads
cost what they cost on a real CT), its own position along an oblique normal
and its own Rescale Intercept; the files are named in shuffled order.
"""

from __future__ import annotations

import copy
import functools
import os
import shutil
from pathlib import Path

import numpy as np

from benchmarks.common import data_dir

ORIENTATION = [0.9961947, 0.0871557, 0.0, -0.0871557, 0.9961947, 0.0]  # 5 degrees about the z axis


def _write_series(directory: Path, count: int, size: int) -> None:
    import pydicom
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    from dcmcore._testdata import testdata_file

    base = pydicom.dcmread(testdata_file("CT_small.dcm"))
    base.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    base.Rows = base.Columns = size
    base.PixelSpacing = [0.7, 0.7]
    base.SeriesInstanceUID, base.FrameOfReferenceUID = generate_uid(), generate_uid()
    base.ImageOrientationPatient = ORIENTATION
    base.BitsStored, base.HighBit = 12, 11
    rng = np.random.default_rng(0)
    normal = np.cross(ORIENTATION[:3], ORIENTATION[3:])
    names = rng.permutation(count)
    for i in range(count):
        ds = copy.deepcopy(base)
        ds.SOPInstanceUID = generate_uid()
        ds.InstanceNumber = i + 1
        ds.ImagePositionPatient = [float(v) for v in np.array([-180.0, -180.0, -300.0]) + 1.25 * i * normal]
        ds.RescaleIntercept = -1024 if i % 2 else -1000
        ds.PixelData = rng.integers(0, 4096, (size, size), dtype=np.int16).tobytes()
        ds.save_as(directory / f"slice{names[i]:04d}.dcm", enforce_file_format=True)


def ct_series(count: int = 200, size: int = 512) -> list[Path]:
    """Paths of `count` single-frame `size` x `size` CT slices of one series (written once)."""
    directory = data_dir() / f"ct_series_{count}x{size}x{size}"
    if not directory.exists():
        tmp = directory.with_name(f"{directory.name}.{os.getpid()}.tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        try:
            _write_series(tmp, count, size)
            tmp.replace(directory)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return sorted(directory.glob("*.dcm"))


@functools.cache
def float_volume(size: int) -> np.ndarray:
    """A seeded `size`^3 float32 array."""
    return np.random.default_rng(1).standard_normal((size, size, size), dtype=np.float32) * 100 + 40


#: The geometry point mapping is measured on: 512^3 voxels of 0.7 x 0.7 x 1.25 mm.
MAP_AFFINE = np.diag([0.7, 0.7, 1.25, 1.0])
MAP_SHAPE = (512, 512, 512)
#: The affine of the volumes the operations are measured on.
VOLUME_AFFINE = np.diag([0.5, 0.5, 0.5, 1.0])
#: Voxels cropped from each side's end by the crop + permute + normalise benchmark.
CROP_MARGIN = 32


def map_geometry(module):
    """The point-mapping geometry, made by `module` (``dcmcore`` or ``highdicom``)."""
    return module.VolumeGeometry(MAP_AFFINE, MAP_SHAPE, "PATIENT")


def crop_permute_normalize(volume):
    """`volume` cropped by CROP_MARGIN on each axis, its axes permuted, then normalised (either library's Volume)."""
    shape = tuple(n - CROP_MARGIN for n in volume.spatial_shape)
    return volume.crop_to_spatial_shape(shape).permute_spatial_axes([2, 0, 1]).normalize_mean_std()


@functools.cache
def indices(n: int) -> np.ndarray:
    """`n` seeded integer voxel indices, (n, 3)."""
    return np.random.default_rng(2).integers(0, 512, (n, 3))
