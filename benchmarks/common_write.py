"""Inputs for the write-path and waveform benchmarks (asv and compare_write).

Nothing heavy runs at import time. The CT series is ``common_rle.ct_volume``
(seeded, CT-like: runs in the high byte, noise in the low one) stored natively
through ``dcmcore.set_pixel_data`` and written once to
``benchmarks.common.data_dir()``, outside the source tree. The 12-lead ECG is
pydicom's ``waveform_ecg.dcm``.
"""

from __future__ import annotations

import copy
import functools
import warnings
from pathlib import Path

from benchmarks import common, common_rle

CT_VERSION = 1  # bump when the series changes, to invalidate the cache


def ct_path(frames: int = 200, size: int = 512) -> Path:
    """The CT series as a natively encoded file (Explicit VR Little Endian), made once."""

    def write(tmp: Path) -> None:
        import pydicom
        from pydicom.dataset import Dataset, FileMetaDataset

        import dcmcore

        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
        ds.file_meta.MediaStorageSOPClassUID = pydicom.uid.CTImageStorage
        ds.SOPClassUID = pydicom.uid.CTImageStorage
        ds.Modality = "CT"
        ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
        dcmcore.set_pixel_data(ds, common_rle.ct_volume(frames, size, size), "MONOCHROME2", 12)
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.save_as(tmp, enforce_file_format=True)

    return common.cached_file(f"write_ct_v{CT_VERSION}_{frames}x{size}x{size}.dcm", write)


@functools.cache
def ct_dataset(frames: int = 200, size: int = 512):
    """The CT series, read once per process (use :func:`fresh` for a copy to change)."""
    import pydicom

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(ct_path(frames, size))


@functools.cache
def ct_rle_dataset(frames: int = 200, size: int = 512):
    """The CT series compressed to RLE Lossless by dcmcore, once per process."""
    import pydicom

    import dcmcore

    ds = fresh(ct_dataset(frames, size))
    dcmcore.compress(ds, pydicom.uid.RLELossless, workers=0)
    return ds


def fresh(ds):
    """A copy of `ds` whose elements (not their values) are new: compress/decompress may change it.

    Both sides get the same kind of copy; the pixel bytes are shared, not copied.
    """
    from pydicom.dataset import Dataset, FileMetaDataset

    out = Dataset()
    out.file_meta = FileMetaDataset()
    for elem in ds.file_meta:
        out.file_meta.add(copy.copy(elem))
    for elem in ds:
        out.add(copy.copy(elem))
    return out


@functools.cache
def ecg():
    """pydicom's 12-lead ECG (waveform_ecg.dcm): 12 channels of 10,000 signed 16-bit samples."""
    from dcmcore._testdata import testdata_file
    import pydicom

    return pydicom.dcmread(testdata_file("waveform_ecg.dcm"))
