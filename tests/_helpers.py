"""Helpers shared by the tests: test data lookup, oracles, data set builders."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, generate_uid

from dcmcore._testdata import testdata_file, testdata_files

__all__ = ["testdata", "testdata_files", "read", "headers", "pydicom_array", "make_dataset", "roundtrip_bytes"]

# Their names start with "test": tell pytest they are not tests wherever they are imported.
testdata_file.__test__ = False  # type: ignore[attr-defined]
testdata_files.__test__ = False  # type: ignore[attr-defined]


def testdata(name: str) -> Path:
    """Path of a file from pydicom's test files or pydicom-data (never downloads)."""
    return testdata_file(name)


testdata.__test__ = False  # type: ignore[attr-defined]


def read(name: str, **kwargs) -> Dataset:
    """dcmread a test file by name, silencing pydicom's warnings about the file itself."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(testdata(name), force=True, **kwargs)


def headers(max_bytes: int = 20_000_000) -> list[tuple[Path, Dataset]]:
    """(path, data set up to Pixel Data) of every test file of at most `max_bytes` that pydicom reads, quietly."""
    found = []
    for path in testdata_files():
        if path.stat().st_size > max_bytes:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                found.append((path, pydicom.dcmread(path, stop_before_pixels=True)))
        except Exception:  # noqa: BLE001  (not a file pydicom reads)
            continue
    return found


def pydicom_array(ds: Dataset, **options) -> np.ndarray:
    """The oracle: pydicom 3's pixels backend, with its warnings silenced."""
    from pydicom.pixels import pixel_array as pd_pixel_array

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd_pixel_array(ds, **options)


def make_dataset(
    arr_bytes: bytes,
    *,
    rows: int,
    columns: int,
    samples_per_pixel: int = 1,
    bits_allocated: int = 16,
    bits_stored: int | None = None,
    pixel_representation: int = 0,
    photometric_interpretation: str = "MONOCHROME2",
    number_of_frames: int | None = None,
    planar_configuration: int | None = None,
    transfer_syntax: str = "1.2.840.10008.1.2.1",
    keyword: str = "PixelData",
    vr: str | None = None,
) -> Dataset:
    """A minimal Secondary Capture data set holding `arr_bytes` as its pixel data."""
    tsyntax = UID(transfer_syntax)
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = tsyntax
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.Rows = rows
    ds.Columns = columns
    ds.SamplesPerPixel = samples_per_pixel
    ds.PhotometricInterpretation = photometric_interpretation
    ds.BitsAllocated = bits_allocated
    if keyword == "PixelData":
        ds.BitsStored = bits_allocated if bits_stored is None else bits_stored
        ds.HighBit = ds.BitsStored - 1
        ds.PixelRepresentation = pixel_representation
    if samples_per_pixel > 1:
        ds.PlanarConfiguration = 0 if planar_configuration is None else planar_configuration
    if number_of_frames is not None:
        ds.NumberOfFrames = number_of_frames
    if vr is None:
        vr = {"PixelData": "OB" if bits_allocated <= 8 else "OW", "FloatPixelData": "OF", "DoubleFloatPixelData": "OD"}[keyword]
    ds.add_new({"PixelData": 0x7FE00010, "FloatPixelData": 0x7FE00008, "DoubleFloatPixelData": 0x7FE00009}[keyword], vr, arr_bytes)
    return ds


def roundtrip_bytes(ds: Dataset) -> Dataset:
    """Write `ds` with pydicom and read it back (as a file would be)."""
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    buf.seek(0)
    return pydicom.dcmread(buf)
