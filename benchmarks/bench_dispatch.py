"""asv, plugins and dispatch: RLE Lossless files end to end through the plugin dispatcher.

A 100-frame CT on one and two threads, one small real file, and the cost per
frame of the dispatch path (2000 tiny frames). Inputs: ``benchmarks/common_rle.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pydicom

import dcmcore
from benchmarks import common_rle


def _read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(path)


class RleToArray:
    """RLE Lossless 16-bit 512 x 512 x 100 to an array, frames on 1 or 2 threads."""

    params = [1, 2]
    param_names = ["workers"]
    timeout = 300

    def setup_cache(self):
        return str(common_rle.ct_rle_path(100))

    def setup(self, path, workers):
        self.ds = _read(path)
        spec = dcmcore.PixelSpec.from_dataset(self.ds)
        self.out = np.ones(spec.shape(), spec.dtype)

    def time_new_array(self, path, workers):
        dcmcore.pixel_array(self.ds, workers=workers)

    def time_into_out(self, path, workers):
        dcmcore.pixel_array(self.ds, out=self.out, workers=workers)

    def time_one_frame_from_file(self, path, workers):
        dcmcore.pixel_array(path, index=73)


class SmallFile:
    """The fixed cost: pydicom-data's OBXXXX1A_rle.dcm (one 600 x 800 8-bit frame)."""

    def setup(self):
        from dcmcore._testdata import testdata_file

        self.ds = _read(testdata_file("OBXXXX1A_rle.dcm"))

    def time_pixel_array(self):
        dcmcore.pixel_array(self.ds)


class DispatchOverhead:
    """2000 tiny RLE frames: the time is mostly the per-frame dispatch path."""

    def setup(self):
        from pydicom.encaps import encapsulate

        from dcmcore import rle

        ds = common_rle._dataset([b"\0\0"], 4, 4, 1)
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
        ds.NumberOfFrames = 2000
        spec = dcmcore.PixelSpec.from_dataset(ds, pixel_keyword="PixelData")
        ds.PixelData = encapsulate([rle.encode_frame(np.zeros((4, 4), np.uint8), spec)] * 2000)
        self.ds = ds
        self.out = np.empty((2000, 4, 4), np.uint8)

    def time_2000_frames(self):
        dcmcore.pixel_array(self.ds, out=self.out)
