"""Transforms: dcmcore's TransformChain / apply_* vs highdicom and pydicom.

The CT input: signed 12-bit stored values in 16-bit samples, 512 x 512, with
Rescale Slope 1 / Intercept -1024 and a LINEAR window 40 / 400, in memory.

* "1 frame": the chain is built from the data set and applied to the
  frame's stored values, against highdicom's ``Image.get_frame`` (which
  builds its transform from the data set every call, and decodes the frame);
  a second case adds dcmcore's decoding of the frame, for comparison.
* "N frames": one chain over the stack of stored values, against highdicom
  ``get_frame`` for every frame, and pydicom's ``apply_modality_lut`` +
  ``apply_voi_lut`` over the stack.
* palette: ``apply_color_lut`` on a 512 x 512 8-bit image with a 16-bit
  palette, and on a real segmented palette (gdcm-US-ALOKA-16.dcm).

Built chains (for data sets without sequences) and composed tables are
cached by the values that decide them; the "all caches cleared" case clears
them before every call.
"""

from __future__ import annotations


import numpy as np

from benchmarks import common_transforms as C
from benchmarks.common import quiet as _quiet
from benchmarks.compare import Case


def cases(quick: bool = False) -> list[Case]:
    import dcmcore
    from dcmcore.transforms import TransformChain, apply_color_lut, apply_modality_lut, apply_voi_lut, clear_caches
    from pydicom.pixels import apply_color_lut as pd_apply_color_lut
    from pydicom.pixels import apply_modality_lut as pd_modality
    from pydicom.pixels import apply_voi_lut as pd_voi

    nframes = 20 if quick else 200
    ds1 = C.ct_dataset(1)
    frame = C.ct_stored(1)[0]
    image1 = C.hd_image(1)
    ds = C.ct_dataset(nframes)
    stack = C.ct_stored(nframes)
    image = C.hd_image(nframes)

    def chain1(dtype, **kw):
        return lambda: TransformChain.from_dataset(ds1, dtype=dtype, apply_voi_transform=True, **kw)(frame)

    def chain1_cold():
        clear_caches()
        return TransformChain.from_dataset(ds1, dtype=np.float32, apply_voi_transform=True)(frame)

    def hd1(dtype):
        return lambda: image1.get_frame(1, dtype=dtype, apply_voi_transform=True)

    def chain_n(dtype, **kw):
        return lambda: TransformChain.from_dataset(ds, dtype=dtype, apply_voi_transform=True, **kw)(stack)

    def hd_n(dtype):
        return lambda: [image.get_frame(i + 1, dtype=dtype, apply_voi_transform=True) for i in range(nframes)]

    pd_n = _quiet(lambda: pd_voi(pd_modality(stack, ds), ds))
    pd_1 = _quiet(lambda: pd_voi(pd_modality(frame, ds1), ds1))
    display = dict(voi_output_range=(0, 255))

    palette = C.palette_dataset()
    pal_stored = np.frombuffer(palette.PixelData, np.uint8).reshape(512, 512)
    aloka = C.real("gdcm-US-ALOKA-16.dcm")
    aloka_stored = dcmcore.pixel_array(aloka)

    return [
        Case("CT 512x512 1 frame -> float32 (chain built + applied)", chain1(np.float32), "highdicom get_frame float32", hd1(np.float32), target=10.0, target_text=">= 10x"),
        Case("CT 512x512 1 frame -> float64 (chain built + applied)", chain1(np.float64), "highdicom get_frame float64", hd1(np.float64), target=10.0, target_text=">= 10x"),
        Case("CT 512x512 1 frame -> uint8 0..255 (chain built + applied)", chain1(np.uint8, **display), "highdicom get_frame float32", hd1(np.float32), target=10.0, target_text=">= 10x"),
        Case("CT 512x512 1 frame -> float32, all caches cleared", chain1_cold, "highdicom get_frame float32", hd1(np.float32)),
        Case(
            "CT 512x512 1 frame -> float32, incl. dcmcore decoding",
            lambda: TransformChain.from_dataset(ds1, dtype=np.float32, apply_voi_transform=True)(dcmcore.pixel_array(ds1, index=0)),
            "highdicom get_frame float32",
            hd1(np.float32),
        ),
        Case("CT 512x512 1 frame -> float64 (apply_modality_lut + apply_voi_lut)", lambda: apply_voi_lut(apply_modality_lut(frame, ds1), ds1), "pydicom apply_modality+voi_lut", pd_1),
        Case(f"CT {nframes}x512x512 -> float32 (one chain)", chain_n(np.float32), "highdicom get_frame float32", hd_n(np.float32), target=3.0, target_text=">= 3x", repeat=3),
        Case(f"CT {nframes}x512x512 -> float64 (one chain)", chain_n(np.float64), "pydicom apply_modality+voi_lut", pd_n, target=5.0, target_text=">= 5x", repeat=3),
        Case(f"CT {nframes}x512x512 -> uint8 0..255 (one chain)", chain_n(np.uint8, **display), "highdicom get_frame float32", hd_n(np.float32), target=10.0, target_text=">= 10x", repeat=3),
        Case(f"CT {nframes}x512x512 -> float64 (one chain)", chain_n(np.float64), "highdicom get_frame float64", hd_n(np.float64), repeat=3),
        Case(
            f"CT {nframes}x512x512 -> float64 (apply_modality_lut + apply_voi_lut)",
            lambda: apply_voi_lut(apply_modality_lut(stack, ds), ds),
            "pydicom apply_modality+voi_lut",
            pd_n,
            repeat=3,
        ),
        Case("palette 512x512 8-bit -> RGB uint16 (apply_color_lut)", lambda: apply_color_lut(pal_stored, palette), "pydicom apply_color_lut", _quiet(lambda: pd_apply_color_lut(pal_stored, palette)), target=5.0, target_text=">= 5x"),
        Case(
            "palette 512x512 -> RGB uint16 (TransformChain)",
            lambda: TransformChain.from_dataset(palette, dtype=np.uint16)(pal_stored),
            "pydicom apply_color_lut",
            _quiet(lambda: pd_apply_color_lut(pal_stored, palette)),
            target=5.0,
            target_text=">= 5x",
        ),
        Case(
            "segmented palette 480x640 16-bit (ALOKA) -> RGB",
            lambda: apply_color_lut(aloka_stored, aloka),
            "pydicom apply_color_lut",
            _quiet(lambda: pd_apply_color_lut(aloka_stored, aloka)),
        ),
    ]
