"""Overlays and 1-bit packing: dcmcore vs pydicom 3 and bare NumPy.

Targets (speedup = reference time / dcmcore time):

* 100 x 512 x 512 overlay -> new array: no slower than pydicom's Dataset.overlay_array;
* the real MR-SIEMENS overlay (484 x 484): >= 2x pydicom (fixed overhead dominates);
* unpack_bits into a caller's pre-touched 100 MB array: <= 1.5x np.copyto of 100 MB;
* pack_bits of 100 MB, validating 0/1: >= 5x pydicom's pack_bits and no slower than
  np.packbits(bitorder="little"), which does not validate.
"""

from __future__ import annotations


import numpy as np

import dcmcore
from benchmarks import common_overlays as co
from benchmarks.common import quiet as _quiet
from benchmarks.compare import Case


def cases(quick: bool = False) -> list[Case]:
    from pydicom.pixels import pack_bits as pd_pack_bits

    frames = 10 if quick else 100
    n = 10_000_000 if quick else 100_000_000
    mb = n / 1e6

    multi = co.overlay_dataset(frames)
    real = co.real_overlay_dataset()

    bits = co.random_bits(n)
    packed = co.random_packed(n // 8)
    touched = np.ones(n, np.uint8)
    copy_src = np.zeros(n, np.uint8)

    ds_img, img = co.image_with_overlay(10 if quick else 100)
    touched_img = img.copy()

    def burn_numpy():
        # the same drawing with pydicom and NumPy: unpack the overlay, then np.copyto(..., where=)
        plane = ds_img.overlay_array(0x6000).astype(bool)
        np.copyto(touched_img, np.uint16(4095), where=plane)

    return [
        Case(
            f"overlay {frames}x512x512 -> new array",
            lambda: dcmcore.overlay_array(multi, 0x6000),
            "pydicom Dataset.overlay_array",
            _quiet(lambda: multi.overlay_array(0x6000)),
            target=1.0,
            target_text=">= 1x (no slower)",
        ),
        Case(
            "overlay MR-SIEMENS 484x484 (real file)",
            lambda: dcmcore.overlay_array(real, 0x6000),
            "pydicom Dataset.overlay_array",
            _quiet(lambda: real.overlay_array(0x6000)),
            target=2.0,
            target_text=">= 2x",
            repeat=301,
        ),
        Case(
            f"unpack_bits {mb / 8:.1f} MB -> out= {mb:.0f} MB (pre-touched)",
            lambda: dcmcore.unpack_bits(packed, out=touched),
            f"np.copyto {mb:.0f} MB",
            lambda: np.copyto(touched, copy_src),
            target=1 / 1.5,
            target_text="<= 1.5x copyto",
        ),
        Case(
            f"unpack_bits {mb / 8:.1f} MB -> new array",
            lambda: dcmcore.unpack_bits(packed),
            "np.unpackbits(bitorder=little)",
            lambda: np.unpackbits(np.frombuffer(packed, np.uint8), bitorder="little"),
        ),
        Case(
            f"pack_bits {mb:.0f} MB (validating 0/1)",
            lambda: dcmcore.pack_bits(bits),
            "pydicom pack_bits",
            lambda: pd_pack_bits(bits),
            target=5.0,
            target_text=">= 5x",
            repeat=5,
        ),
        Case(
            f"pack_bits {mb:.0f} MB (validating 0/1)",
            lambda: dcmcore.pack_bits(bits),
            "np.packbits(bitorder=little)",
            lambda: np.packbits(bits, bitorder="little"),
            target=1.0,
            target_text=">= 1x (no slower)",
            repeat=15,
        ),
        Case(
            f"burn_in {img.shape[0]}x512x512 uint16 in place",
            lambda: dcmcore.overlays.burn_in(touched_img, ds_img, value=4095, out=touched_img),
            "pydicom overlay_array + np.copyto(where=)",
            _quiet(burn_numpy),
        ),
    ]
