"""The decoder of natively encoded pixel data (the four native transfer syntaxes)."""

from __future__ import annotations

from typing import Any

import numpy as np

from dcmcore._native import NativePlan
from dcmcore._validate import output_array
from dcmcore.plugins.base import PluginBase
from dcmcore.spec import PixelSpec
from dcmcore.uids import NATIVE_TRANSFER_SYNTAXES

__all__ = ["NativeDecoder", "DECODER"]


class NativeDecoder(PluginBase):
    """Decode natively encoded frames with dcmcore's Cython kernels.

    ``pixel_array`` recognises this plugin and decodes whole runs of frames in
    one fused kernel pass; :meth:`decode` is the per-frame form of the contract.
    """

    label = "dcmcore"
    priority = 10
    uids = NATIVE_TRANSFER_SYNTAXES

    def decode(
        self, src: bytes | memoryview, spec: PixelSpec, *, out: np.ndarray | None = None, bit_offset: int = 0, **options: Any
    ) -> tuple[np.ndarray, PixelSpec]:
        """Decode one frame's stored bytes into stored values (samples interleaved).

        ``bit_offset`` is where a 1-bit frame starts within ``src[0]`` (frames
        of Bits Allocated 1 need not start on a byte boundary).
        """
        plan = NativePlan(spec, to_rgb=False, correct_unused_bits=False)
        arr = output_array(out, spec.frame_shape, spec.dtype)
        plan.decode_frame_bytes(src, arr, bit_offset=bit_offset)
        return arr, plan.output_spec


DECODER = NativeDecoder()
