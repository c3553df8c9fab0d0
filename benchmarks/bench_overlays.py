"""asv, overlays: dcmcore.overlay_array, list_overlays and overlays.burn_in.

Inputs: ``benchmarks/common_overlays.py``.
"""

from __future__ import annotations

import numpy as np

import dcmcore
from benchmarks import common_overlays as co
from dcmcore import overlays


class OverlayArray:
    params = [1, 100]
    param_names = ["frames"]

    def setup(self, frames):
        self.ds = co.overlay_dataset(frames)
        self.out = np.ones((frames, 512, 512) if frames > 1 else (512, 512), np.uint8)

    def time_new_array(self, frames):
        dcmcore.overlay_array(self.ds, 0x6000)

    def time_out(self, frames):
        dcmcore.overlay_array(self.ds, 0x6000, out=self.out)

    def time_one_frame(self, frames):
        dcmcore.overlay_array(self.ds, 0x6000, index=frames - 1)

    def peakmem_new_array(self, frames):
        dcmcore.overlay_array(self.ds, 0x6000)


class RealOverlay:
    def setup(self):
        self.ds = co.real_overlay_dataset()

    def time_overlay_array(self):
        dcmcore.overlay_array(self.ds, 0x6000)

    def time_list_overlays(self):
        overlays.list_overlays(self.ds)


class BurnIn:
    params = [1, 100]
    param_names = ["frames"]
    timeout = 120

    def setup(self, frames):
        self.ds, img = co.image_with_overlay(frames)
        self.img = img.copy()

    def time_burn_in_place(self, frames):
        overlays.burn_in(self.img, self.ds, value=4095, out=self.img)
