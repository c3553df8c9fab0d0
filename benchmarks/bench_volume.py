"""asv, volumes: series files to a volume, point mapping, volume operations.

Inputs: ``benchmarks/common_volume.py``.
"""

from __future__ import annotations

import dcmcore
from benchmarks import common_volume as cv


class SeriesToVolume:
    params = [[20, 200], [1, 2], ["float32", "float64"]]
    param_names = ["slices", "workers", "dtype"]
    timeout = 300

    def setup(self, slices, workers, dtype):
        self.paths = cv.ct_series(slices, 512)

    def time_from_paths(self, slices, workers, dtype):
        dcmcore.get_volume_from_series(self.paths, dtype=dtype, workers=workers)

    def peakmem_from_paths(self, slices, workers, dtype):
        dcmcore.get_volume_from_series(self.paths, dtype=dtype, workers=workers)


class MapIndices:
    params = [1_000, 1_000_000]
    param_names = ["n"]

    def setup(self, n):
        self.geometry = cv.map_geometry(dcmcore)
        self.indices = cv.indices(n)
        self.points = self.geometry.map_indices_to_reference(self.indices)

    def time_indices_to_reference(self, n):
        self.geometry.map_indices_to_reference(self.indices)

    def time_reference_to_indices(self, n):
        self.geometry.map_reference_to_indices(self.points, round_output=True)


class VolumeOperations:
    params = [128, 512]
    param_names = ["size"]
    timeout = 300

    def setup(self, size):
        self.volume = dcmcore.Volume(cv.float_volume(size), cv.VOLUME_AFFINE, "PATIENT")

    def time_crop_permute_normalize(self, size):
        cv.crop_permute_normalize(self.volume)

    def time_flip_pad(self, size):
        self.volume.flip_spatial([0, 2]).pad(4)

    def time_normalize_min_max(self, size):
        self.volume.normalize_min_max()
