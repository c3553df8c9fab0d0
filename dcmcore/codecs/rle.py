"""dcmcore's own RLE Lossless codec (PS3.5 Annex G) as a plugin: see :mod:`dcmcore.rle`."""

from __future__ import annotations

from typing import Any

import numpy as np

from dcmcore.plugins.base import PluginBase
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
