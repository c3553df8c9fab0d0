"""asv, transforms: color conversion (exact T.871) and ICC color management."""

from __future__ import annotations

import numpy as np


class ConvertColorSpace:
    params = ["YBR_FULL->RGB", "RGB->YBR_FULL"]
    param_names = ["direction"]

    def setup(self, direction):
        rng = np.random.default_rng(0)
        self.arr = rng.integers(0, 256, (512, 512, 3), dtype=np.uint8)
        self.current, self.desired = direction.split("->")

    def time_dcmcore(self, direction):
        from dcmcore.color import convert_color_space

        convert_color_space(self.arr, self.current, self.desired)

    def time_pydicom(self, direction):
        from pydicom.pixels import convert_color_space

        convert_color_space(self.arr, self.current, self.desired)


class IccProfile:
    def setup(self):
        from importlib import resources

        from dcmcore.color import ColorManager

        profile = resources.files("highdicom").joinpath("_icc_profiles/sRGB_v4_ICC_preference.icc").read_bytes()
        self.manager = ColorManager(profile)
        self.frame = np.random.default_rng(0).integers(0, 256, (512, 512, 3), dtype=np.uint8)

    def time_transform_frame(self):
        self.manager.transform_frame(self.frame)
