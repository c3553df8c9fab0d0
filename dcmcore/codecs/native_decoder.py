"""The decoder of natively encoded pixel data (the four native transfer syntaxes)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

import numpy as np

from dcmcore._kernels import pages
from dcmcore._native_plan import NativePlan, needs_rgb_conversion
from dcmcore._arrays import byte_view, output_array
from dcmcore.plugins.base import PluginBase
from dcmcore.plugins.frames import FrameRun
from dcmcore.spec import PixelSpec
from dcmcore.uids import NATIVE_TRANSFER_SYNTAXES

__all__ = ["NativeDecoder", "DECODER"]


class NativeDecoder(PluginBase):
    """Decode natively encoded frames with dcmcore's Cython kernels.

    Besides the per-frame :meth:`decode` of the contract it has the optional
    capabilities :meth:`decode_frames` (a run of frames in one fused kernel
    pass: unpacking, byte swapping, unused bits, planar order, YBR_FULL_422
    upsampling and YCbCr to RGB), :meth:`decodes_in_place` and
    :meth:`in_place_decoder`.
    """

    label = "dcmcore"
    priority = 10
    uids = NATIVE_TRANSFER_SYNTAXES
    corrects_unused_bits = True

    def decode(
        self,
        src: bytes | memoryview,
        spec: PixelSpec,
        *,
        out: np.ndarray | None = None,
        bit_offset: int = 0,
        correct_unused_bits: bool = False,
        **options: Any,
    ) -> tuple[np.ndarray, PixelSpec]:
        """Decode one frame's stored bytes into stored values (samples interleaved).

        ``bit_offset`` is where a 1-bit frame starts within ``src[0]`` (frames
        of Bits Allocated 1 need not start on a byte boundary).
        """
        plan = _plan(spec, False, correct_unused_bits)
        arr = output_array(out, spec.frame_shape, spec.dtype)
        plan.decode_frame_bytes(src, arr, bit_offset=bit_offset)
        return arr, plan.output_spec

    def decodes_in_place(self, spec: PixelSpec, *, as_rgb: bool = False, correct_unused_bits: bool = False) -> bool:
        """True when :meth:`decode_frames` can take a run whose stored bytes are already in ``out``."""
        return _plan(spec, as_rgb, correct_unused_bits).works_in_place

    def in_place_decoder(
        self, spec: PixelSpec, *, as_rgb: bool = False, correct_unused_bits: bool = False
    ) -> Callable[[np.ndarray, int], None] | None:
        """``f(dst, count)`` decoding `count` frames whose stored bytes were read into `dst`, or None.

        `dst` is a flat uint8 view of the output (see :meth:`decodes_in_place`);
        the options are resolved once here, not per call.
        """
        return _plan(spec, as_rgb, correct_unused_bits).in_place_kernel

    def decode_frames(
        self,
        run: FrameRun,
        spec: PixelSpec,
        out: np.ndarray,
        *,
        as_rgb: bool = False,
        correct_unused_bits: bool = False,
        prefault: bool = False,
        **options: Any,
    ) -> tuple[int, PixelSpec]:
        """Decode the frames of `run` into `out` in one kernel pass; returns ``(len(run), produced)``."""
        plan = _plan(spec, as_rgb, correct_unused_bits)
        count = len(run)
        if count:
            if run.in_place:
                plan.transform_in_place(out, count)
            else:
                if prefault:
                    pages.prefault(byte_view(out))
                start = plan.byte_range(run.first, count)[0]
                plan.decode_into(run.buffer, start - int(run.starts[0]), run.first, count, out)
        return count, plan.output_spec


@lru_cache(maxsize=64)
def _plan(spec: PixelSpec, as_rgb: bool, correct_unused_bits: bool) -> NativePlan:
    """The plan for frames of `spec`: built once per description and options (frames of a series share it)."""
    to_rgb = as_rgb and needs_rgb_conversion(spec, raw=False, as_rgb=True)
    return NativePlan(spec, to_rgb=to_rgb, correct_unused_bits=bool(correct_unused_bits))


DECODER = NativeDecoder()
