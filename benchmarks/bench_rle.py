"""asv, RLE: the RLE Lossless codec (dcmcore.rle), frame by frame.

Inputs: ``benchmarks/common_rle.py``.
"""

from __future__ import annotations

import numpy as np

from benchmarks import common_rle
from dcmcore import rle


class RleDecode:
    """Decode one synthetic CT-like frame."""

    params = ([8, 16, 32], [1, 3], [(512, 512), (2048, 2048)])
    param_names = ["bits_allocated", "samples_per_pixel", "shape"]
    timeout = 120

    def setup(self, bits, spp, shape):
        self.spec, self.arr, self.src = common_rle.synthetic_frame(bits, spp, shape)
        self.out = np.empty(self.spec.frame_shape, self.spec.dtype)

    def time_decode_into(self, *_):
        rle.decode_frame(self.src, self.spec, out=self.out)

    def time_decode_new_array(self, *_):
        rle.decode_frame(self.src, self.spec)

    def peakmem_decode(self, *_):
        rle.decode_frame(self.src, self.spec)


class RleEncode:
    """Encode one synthetic CT-like frame."""

    params = ([8, 16, 32], [1, 3], [(512, 512), (2048, 2048)])
    param_names = ["bits_allocated", "samples_per_pixel", "shape"]
    timeout = 120

    def setup(self, bits, spp, shape):
        self.spec, self.arr, _ = common_rle.synthetic_frame(bits, spp, shape)

    def time_encode(self, *_):
        rle.encode_frame(self.arr, self.spec)

    def peakmem_encode(self, *_):
        rle.encode_frame(self.arr, self.spec)


class RleRealFrames:
    """Decode and encode a frame of the benchmark CT set and of OBXXXX1A_rle.dcm."""

    params = (["ct", "OBXXXX1A_rle.dcm"],)
    param_names = ["source"]
    timeout = 300

    def setup(self, source):
        self.spec, frames, volume = common_rle.rle_case(source, 100)
        self.src = frames[0]
        self.arr = volume[0]
        self.out = np.empty(self.spec.frame_shape, self.spec.dtype)

    def time_decode_into(self, _):
        rle.decode_frame(self.src, self.spec, out=self.out)

    def time_encode(self, _):
        rle.encode_frame(self.arr, self.spec)
