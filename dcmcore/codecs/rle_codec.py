"""dcmcore's own RLE Lossless codec (PS3.5 Annex G) as a plugin: see :mod:`dcmcore.rle`."""

from __future__ import annotations

from typing import Any

import numpy as np

from dcmcore._kernels import rle_decode as rle_kernels
from dcmcore._arrays import byte_view
from dcmcore.plugins.base import PluginBase
from dcmcore.plugins.frames import FrameRun
from dcmcore.spec import PixelSpec
from dcmcore.uids import RLELossless

__all__ = ["RLEDecoder", "RLEEncoder", "DECODER", "ENCODER", "RLE_LOSSLESS"]

RLE_LOSSLESS = RLELossless


class RLEDecoder(PluginBase):
    """Decode RLE Lossless frames with dcmcore's Cython kernel.

    It corrects unused bits while assembling the samples (see
    :attr:`~dcmcore.plugins.base.PluginBase.corrects_unused_bits`), which
    saves the separate pass over each frame.
    """

    label = "dcmcore"
    priority = 10
    uids = frozenset({RLE_LOSSLESS})
    corrects_unused_bits = True

    def decode(
        self,
        src: bytes | memoryview,
        spec: PixelSpec,
        *,
        out: np.ndarray | None = None,
        correct_unused_bits: bool = False,
        **options: Any,
    ) -> tuple[np.ndarray, PixelSpec]:
        from dcmcore import rle

        return rle.decode_frame(src, spec, out=out, correct_unused_bits=correct_unused_bits), spec

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
        """Decode the frames of `run` into `out` in one kernel call with the GIL released.

        Stops at the first frame whose header or segments are not right and
        returns how many frames it decoded before it (0 for options or a
        geometry it does not take); dcmcore decodes that frame again with
        :meth:`decode`, for the precise error or another plugin. YCbCr stays
        as stored (`as_rgb` is left to dcmcore).
        """
        nseg = spec.samples_per_pixel * spec.itemsize
        if options or spec.bits_allocated not in (8, 16, 32, 64) or nseg > 15:
            return 0, spec
        fix = correct_unused_bits and spec.bits_stored < spec.bits_allocated
        bits = spec.bits_stored if fix else 0
        signed = spec.pixel_representation == 1
        got = rle_kernels.decode_frames(
            run.buffer, run.starts, run.stops, spec.frame_pixels, spec.samples_per_pixel, spec.itemsize,
            byte_view(out), bits, signed, prefault,
        )  # fmt: skip
        return got, spec


class RLEEncoder(PluginBase):
    """Encode frames as RLE Lossless with dcmcore's Cython kernel."""

    label = "dcmcore"
    priority = 10
    uids = frozenset({RLE_LOSSLESS})

    def encode(self, src: np.ndarray | bytes | memoryview, spec: PixelSpec, **options: Any) -> bytes:
        from dcmcore import rle

        return rle.encode_frame(src, spec)


DECODER = RLEDecoder()
ENCODER = RLEEncoder()
