"""asv, native decoding: natively encoded pixel data to arrays, with NumPy baselines.

Little and big endian 12-bit, Bits Allocated 1, 8-bit colour, ``view_only`` and
frames read from a file. Inputs: ``benchmarks/common.py``.
"""

from __future__ import annotations

import numpy as np

import dcmcore
from benchmarks import common


class LittleEndian12Bit:
    """uint16 storage, signed, Bits Stored 12, 200 frames of 512 x 512 (105 MB)."""

    timeout = 120

    def setup(self):
        self.ds = common.ct12(200)
        spec = dcmcore.PixelSpec.from_dataset(self.ds)
        self.src = np.frombuffer(self.ds.PixelData, np.int16).reshape(spec.shape())
        self.out = np.ones(spec.shape(), spec.dtype)

    def time_new_array(self):
        dcmcore.pixel_array(self.ds)

    def time_into_out(self):
        dcmcore.pixel_array(self.ds, out=self.out)

    def time_numpy_fresh_copy(self):
        self.src.copy()

    def time_numpy_copyto(self):
        np.copyto(self.out, self.src)

    def peakmem_new_array(self):
        dcmcore.pixel_array(self.ds)


class BigEndian12Bit:
    timeout = 120

    def setup(self):
        self.ds = common.ct12(200, big_endian=True)

    def time_to_native_array(self):
        dcmcore.pixel_array(self.ds)


class OneBit:
    """Bits Allocated 1, 50 frames of 1024 x 1024."""

    timeout = 120

    def setup(self):
        self.ds = common.bits1(50)
        spec = dcmcore.PixelSpec.from_dataset(self.ds)
        self.packed = np.frombuffer(self.ds.PixelData, np.uint8)
        self.out = np.ones(spec.shape(), np.uint8)

    def time_new_array(self):
        dcmcore.pixel_array(self.ds)

    def time_into_out(self):
        dcmcore.pixel_array(self.ds, out=self.out)

    def time_numpy_unpackbits(self):
        np.unpackbits(self.packed, bitorder="little")


class Colour:
    """8-bit colour, 20 frames of 1024 x 1024."""

    params = ["YBR_FULL_422 -> RGB", "YBR_FULL_422 raw", "RGB planar 1"]
    param_names = ["layout"]
    timeout = 120

    def setup(self, layout):
        self.ds = common.rgb_planar(20) if layout == "RGB planar 1" else common.ybr422(20)
        self.raw = layout == "YBR_FULL_422 raw"

    def time_decode(self, layout):
        dcmcore.pixel_array(self.ds, raw=self.raw)


class ViewOnly:
    """view_only is O(1): the same time for 2 and 200 frames."""

    params = [2, 200]
    param_names = ["frames"]

    def setup(self, frames):
        self.ds = common.u16_full(frames)

    def time_view(self, frames):
        dcmcore.pixel_array(self.ds, view_only=True)


class FromFile:
    """One frame from a 200-frame file: only that frame is read."""

    timeout = 120

    def setup_cache(self):
        return str(common.ct12_path(200))

    def time_one_frame(self, path):
        dcmcore.pixel_array(path, index=150)

    def time_iter_all_frames(self, path):
        for _ in dcmcore.iter_pixels(path):
            pass
