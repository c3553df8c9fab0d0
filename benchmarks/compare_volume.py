"""Volumes: series files to a volume, point mapping and volume operations, dcmcore vs highdicom and pydicom.

Targets (speedup = reference time / dcmcore time):

* 200 CT slices 512x512 from files to a float32 volume: >= 5x highdicom
  (``dcmread`` + ``get_volume_from_series``) and >= 2x pydicom (``dcmread`` +
  sort along the normal + ``np.stack`` of ``pixel_array`` + rescale);
  ``workers=2`` >= 1.6x ``workers=1``;
* ``map_indices_to_reference`` of 10^6 indices: no slower than highdicom;
* a 512^3 float32 ``Volume`` crop + permute + ``normalize_mean_std``: no slower than highdicom.
"""

from __future__ import annotations

import numpy as np

import dcmcore
from benchmarks import common_volume as cv
from benchmarks.compare import Case


def _pydicom_stack(paths):
    import pydicom

    datasets = [pydicom.dcmread(p) for p in paths]
    o = np.array(datasets[0].ImageOrientationPatient, dtype=float)
    normal = np.cross(o[3:], o[:3])
    datasets.sort(key=lambda ds: float(np.dot(normal, np.array(ds.ImagePositionPatient, dtype=float))))
    arrays = [ds.pixel_array.astype(np.float32) * np.float32(ds.RescaleSlope) + np.float32(ds.RescaleIntercept) for ds in datasets]
    return np.stack(arrays)


def _highdicom(paths):
    import highdicom as hd
    import pydicom

    return hd.get_volume_from_series([pydicom.dcmread(p) for p in paths], dtype=np.float32)


def _crop_permute_normalize(module, array):
    volume = module.Volume(array, np.diag([0.5, 0.5, 0.5, 1.0]), "PATIENT")
    size = array.shape[0]
    return volume.crop_to_spatial_shape((size - 32, size - 32, size - 32)).permute_spatial_axes([2, 0, 1]).normalize_mean_std()


def cases(quick: bool = False) -> list[Case]:
    import highdicom as hd

    count, size = (20, 128) if quick else (200, 512)
    paths = cv.ct_series(count, size)
    label = f"{count} CT slices {size}x{size} files -> float32 volume"
    n = 10_000 if quick else 1_000_000
    ix = cv.indices(n)
    geometry = dcmcore.VolumeGeometry(np.diag([0.7, 0.7, 1.25, 1.0]), (512, 512, 512), "PATIENT")
    geometry_hd = hd.VolumeGeometry(np.diag([0.7, 0.7, 1.25, 1.0]), (512, 512, 512), "PATIENT")
    side = 96 if quick else 512
    array = cv.float_volume(side)
    repeat = 2 if quick else 5
    return [
        Case(
            label,
            lambda: dcmcore.get_volume_from_series(paths, dtype=np.float32),
            "highdicom dcmread + get_volume",
            lambda: _highdicom(paths),
            target=5.0,
            target_text=">= 5x",
            repeat=repeat,
        ),
        Case(
            label,
            lambda: dcmcore.get_volume_from_series(paths, dtype=np.float32),
            "pydicom dcmread+sort+stack+rescale",
            lambda: _pydicom_stack(paths),
            target=2.0,
            target_text=">= 2x",
            repeat=repeat,
        ),
        Case(
            label + ", workers=2",
            lambda: dcmcore.get_volume_from_series(paths, dtype=np.float32, workers=2),
            "dcmcore workers=1",
            lambda: dcmcore.get_volume_from_series(paths, dtype=np.float32, workers=1),
            target=1.6,
            target_text=">= 1.6x",
            repeat=repeat,
        ),
        Case(
            f"map_indices_to_reference {n} indices",
            lambda: geometry.map_indices_to_reference(ix),
            "highdicom",
            lambda: geometry_hd.map_indices_to_reference(ix),
            target=1.0,
            target_text=">= 1x (no slower)",
            repeat=15,
        ),
        Case(
            f"{side}^3 float32 Volume crop + permute + normalize_mean_std",
            lambda: _crop_permute_normalize(dcmcore.volume, array),
            "highdicom",
            lambda: _crop_permute_normalize(hd, array),
            target=1.0,
            target_text=">= 1x (no slower)",
            repeat=repeat,
        ),
    ]
