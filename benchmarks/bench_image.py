"""asv, Image API: lazy open + one frame, random frames through one open image, get_frame with a window, tiled regions.

Inputs: ``benchmarks/common_image.py`` (generated once, outside the tree).
"""

from __future__ import annotations

import numpy as np

from benchmarks import common_image as C


class LazyFrames:
    """A 2000-frame 256 x 256 unsigned 16-bit file read lazily."""

    def setup(self):
        import dcmcore

        self.path = C.many_frames_path(2000)
        self.image = dcmcore.imread(self.path, lazy_frame_retrieval=True)
        self.picks = [int(k) for k in np.random.default_rng(7).integers(0, 2000, 100)]

    def teardown(self):
        self.image.close()

    def time_open_and_one_frame(self):
        import dcmcore

        with dcmcore.imread(self.path, lazy_frame_retrieval=True) as im:
            im.get_stored_frame(1500)

    def time_100_random_frames(self):
        for k in self.picks:
            self.image.get_stored_frame(k, as_index=True)

    def time_get_frames_100(self):
        self.image.get_stored_frames(self.picks, as_indices=True)


class CTWindow:
    """get_frame with rescale + window over a 200-frame 512 x 512 CT in memory."""

    def setup(self):
        import dcmcore

        self.image = dcmcore.imread(C.ct_path(200))
        self.image.get_frame(1, apply_voi_transform=True)

    def time_get_frame_loop(self):
        for k in range(1, 201):
            self.image.get_frame(k, apply_voi_transform=True)

    def time_get_frames(self):
        self.image.get_frames(apply_voi_transform=True)


class TiledRegion:
    """A 2048 x 2048 region of an 8192 x 8192 slide of 256 x 256 JPEG Baseline tiles."""

    params = [1, 2]
    param_names = ["workers"]

    def setup(self, workers):
        import dcmcore

        self.image = dcmcore.imread(C.wsi_path(8192), lazy_frame_retrieval=True)

    def teardown(self, workers):
        self.image.close()

    def time_region(self, workers):
        self.image.get_total_pixel_matrix(3073, 5121, 3073, 5121, dtype=np.uint8, workers=workers)
