"""asv, overlays: 1-bit packing and unpacking (dcmcore.pack_bits / unpack_bits).

Inputs: ``benchmarks/common_overlays.py``.
"""

from __future__ import annotations

import numpy as np

import dcmcore
from benchmarks import common_overlays as co


class UnpackBits:
    params = [10**6, 10**8]
    param_names = ["n_pixels"]
    timeout = 120

    def setup(self, n):
        self.packed = co.random_packed(n // 8)
        self.out = np.ones(n, np.uint8)  # pre-touched

    def time_unpack_new(self, n):
        dcmcore.unpack_bits(self.packed)

    def time_unpack_out(self, n):
        dcmcore.unpack_bits(self.packed, out=self.out)

    def time_unpack_offset(self, n):
        dcmcore.unpack_bits(self.packed, n - 8, bit_offset=3, out=self.out[: n - 8])

    def peakmem_unpack_new(self, n):
        dcmcore.unpack_bits(self.packed)


class PackBits:
    params = ([10**6, 10**8], ["uint8", "bool", "uint16"])
    param_names = ["n_pixels", "dtype"]
    timeout = 120

    def setup(self, n, dtype):
        self.arr = co.random_bits(n).astype(dtype)

    def time_pack(self, n, dtype):
        dcmcore.pack_bits(self.arr)

    def peakmem_pack(self, n, dtype):
        dcmcore.pack_bits(self.arr)
