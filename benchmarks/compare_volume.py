"""Volumes: series files to a volume, point mapping and volume operations, dcmcore vs highdicom and pydicom.

Targets (speedup = reference time / dcmcore time):

* 200 CT slices 512x512 from files to a float32 volume: >= 5x highdicom
  (``dcmread`` + ``get_volume_from_series``) and >= 2x pydicom (``dcmread`` +
  sort along the normal + ``np.stack`` of ``pixel_array`` + rescale);
  ``workers=2`` >= 1.6x ``workers=1``;
* ``map_indices_to_reference`` of 10^6 indices: no slower than highdicom;
* a 512^3 float32 ``Volume`` crop + permute + ``normalize_mean_std``: no slower than highdicom.

And the bound of the ``workers=2`` case on this machine: the same slices,
already in memory as int16, converted by NumPy into a new float32 volume on
2 threads against 1 (no files, no headers, no Python between slices): what
two cores give for writing 200 MB of new memory.
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


def _numpy_convert(stack: np.ndarray, threads: int) -> np.ndarray:
    """int16 slices into a new float32 volume with NumPy, slice k on thread k % `threads` (ufuncs release the GIL)."""
    import threading

    out = np.empty(stack.shape, np.float32)

    def work(first: int) -> None:
        for k in range(first, len(stack), threads):
            np.multiply(stack[k], np.float32(1.0), out=out[k])

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return out


def _series(paths, workers: int = 1):
    return dcmcore.get_volume_from_series(paths, dtype=np.float32, workers=workers)


def _series_case(label: str, paths, workers: int, reference_label: str, reference, target: float, repeat: int) -> Case:
    """The series to a float32 volume on `workers` threads, against `reference` (at least `target` times slower)."""
    return Case(
        label, lambda: _series(paths, workers), reference_label, reference, target=target,
        target_text=f">= {target:g}x", repeat=repeat,
    )  # fmt: skip


def _volume_case(label: str, module, array, repeat: int) -> Case:
    """crop + permute + normalize_mean_std of `array` as a Volume of dcmcore's and of `module`'s."""
    ours = dcmcore.Volume(array, cv.VOLUME_AFFINE, "PATIENT")
    theirs = module.Volume(array, cv.VOLUME_AFFINE, "PATIENT")
    return Case(
        label, lambda: cv.crop_permute_normalize(ours), "highdicom", lambda: cv.crop_permute_normalize(theirs),
        target=1.0, target_text=">= 1x (no slower)", repeat=repeat,
    )  # fmt: skip


def cases(quick: bool = False) -> list[Case]:
    import highdicom as hd

    count, size = (20, 128) if quick else (200, 512)
    paths = cv.ct_series(count, size)
    label = f"{count} CT slices {size}x{size} files -> float32 volume"
    stack = np.random.default_rng(0).integers(-1024, 3072, (count, size, size)).astype(np.int16)
    n = 10_000 if quick else 1_000_000
    ix = cv.indices(n)
    geometry, geometry_hd = cv.map_geometry(dcmcore), cv.map_geometry(hd)
    side = 96 if quick else 512
    repeat = 2 if quick else 5
    return [
        _series_case(label, paths, 1, "highdicom dcmread + get_volume", lambda: _highdicom(paths), 5.0, repeat),
        _series_case(label, paths, 1, "pydicom dcmread+sort+stack+rescale", lambda: _pydicom_stack(paths), 2.0, repeat),
        _series_case(label + ", workers=2", paths, 2, "dcmcore workers=1", lambda: _series(paths, 1), 1.6, repeat),
        Case(
            f"the bound: {count} int16 slices {size}x{size} in memory -> new float32 volume, NumPy, 2 threads",
            lambda: _numpy_convert(stack, 2), "NumPy, 1 thread", lambda: _numpy_convert(stack, 1), repeat=repeat,
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
        _volume_case(f"{side}^3 float32 Volume crop + permute + normalize_mean_std", hd, cv.float_volume(side), repeat),
    ]
