"""asv, transforms: the pixel transform chain (composed tables, gathers, the fused pass) and palettes.

Inputs: ``benchmarks/common_transforms.py``.
"""

from __future__ import annotations

import numpy as np

from benchmarks import common_transforms as C


class ChainOneFrame:
    """A 512 x 512 signed 12-bit CT frame, rescale + LINEAR window."""

    params = ["float32", "float64", "uint8"]
    param_names = ["dtype"]

    def setup(self, dtype):
        from dcmcore.transforms import TransformChain

        self.ds = C.ct_dataset(1)
        self.frame = C.ct_stored(1)[0]
        self.kw = dict(dtype=dtype, apply_voi_transform=True)
        if dtype == "uint8":
            self.kw["voi_output_range"] = (0, 255)
        self.chain = TransformChain.from_dataset(self.ds, **self.kw)
        self.out = np.empty(self.frame.shape, dtype)
        self.chain(self.frame)

    def time_build_and_apply(self, dtype):
        from dcmcore.transforms import TransformChain

        TransformChain.from_dataset(self.ds, **self.kw)(self.frame)

    def time_build(self, dtype):
        from dcmcore.transforms import TransformChain

        TransformChain.from_dataset(self.ds, **self.kw)

    def time_build_uncached(self, dtype):
        from dcmcore.transforms import clear_caches, TransformChain

        clear_caches()
        TransformChain.from_dataset(self.ds, **self.kw)

    def time_apply(self, dtype):
        self.chain(self.frame)

    def time_apply_into_out(self, dtype):
        self.chain(self.frame, out=self.out)


class ChainFrames:
    """N frames of 512 x 512 through one chain."""

    params = ([20, 200], ["float32", "float64", "uint8"])
    param_names = ["frames", "dtype"]
    timeout = 180

    def setup(self, frames, dtype):
        from dcmcore.transforms import TransformChain

        self.stack = C.ct_stored(frames)
        kw = dict(dtype=dtype, apply_voi_transform=True)
        if dtype == "uint8":
            kw["voi_output_range"] = (0, 255)
        self.chain = TransformChain.from_dataset(C.ct_dataset(frames), **kw)

    def time_apply(self, frames, dtype):
        self.chain(self.stack)

    def peakmem_apply(self, frames, dtype):
        self.chain(self.stack)


class Functions:
    """pydicom-style functions over a 20-frame stack (float64, as pydicom returns)."""

    def setup(self):
        self.ds = C.ct_dataset(20)
        self.stack = C.ct_stored(20)

    def time_modality_then_voi(self):
        from dcmcore.transforms import apply_modality_lut, apply_voi_lut

        apply_voi_lut(apply_modality_lut(self.stack, self.ds), self.ds)


class Palette:
    """512 x 512 8-bit indices through a 16-bit palette; a real segmented palette."""

    def setup(self):
        import dcmcore

        self.ds = C.palette_dataset()
        self.indices = np.frombuffer(self.ds.PixelData, np.uint8).reshape(512, 512)
        self.aloka = C.real("gdcm-US-ALOKA-16.dcm")
        self.aloka_indices = dcmcore.pixel_array(self.aloka)

    def time_apply_color_lut(self):
        from dcmcore.transforms import apply_color_lut

        apply_color_lut(self.indices, self.ds)

    def time_segmented_apply_color_lut(self):
        from dcmcore.transforms import apply_color_lut

        apply_color_lut(self.aloka_indices, self.aloka)

    def time_segmented_expand_uncached(self):
        from dcmcore.transforms import clear_caches
        from dcmcore.transforms._palette import palette_table

        clear_caches()
        palette_table(self.aloka, signed=False, little=True)


class Kernels:
    """The kernels alone on 512 x 512 values (no Python around them)."""

    params = ["gather_full_f32", "gather_checked_i32_f32", "fused_f32_input", "fused_sigmoid"]
    param_names = ["kernel"]

    def setup(self, kernel):
        from dcmcore._kernels import lut

        rng = np.random.default_rng(0)
        self.lut = lut
        self.i16 = rng.integers(-2048, 2048, 512 * 512, dtype=np.int16)
        self.i32 = self.i16.astype(np.int32)
        self.f32 = self.i16.astype(np.float32)
        self.table = np.linspace(0, 1, 65536, dtype=np.float32)
        self.small = self.table[:4096].copy()
        self.out = np.empty(512 * 512, np.float32)

    def time_kernel(self, kernel):
        lut, v = self.lut, (lambda a: a.view(np.uint8))
        if kernel == "gather_full_f32":
            lut.gather(v(self.i16), 3, self.i16.size, 0, v(self.table), 65536, 4, v(self.out), False, True)
        elif kernel == "gather_checked_i32_f32":
            lut.gather(v(self.i32), 5, self.i32.size, -2048, v(self.small), 4096, 4, v(self.out), False, False)
        elif kernel == "fused_f32_input":
            lut.linear_window(v(self.f32), 6, self.f32.size, v(self.out), 6, 1.0, -1024.0, 1, 40.0, 400.0, 0.0, 1.0, False, 0.0, 0.0)
        else:
            lut.linear_window(v(self.f32), 6, self.f32.size, v(self.out), 6, 1.0, -1024.0, 3, 40.0, 400.0, 0.0, 1.0, False, 0.0, 0.0)
