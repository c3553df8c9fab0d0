"""Encapsulated Uncompressed Explicit VR Little Endian and Deflated Image Frame Compression.

Both keep each frame's native little endian bytes in its own fragment (PS3.5
A.4.11 and A.4.13): the first as they are, the second deflated (RFC 1951,
raw, without a zlib header). A 1-bit frame starts on a byte boundary of its
fragment.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from dcmcore._native_plan import NativePlan, frame_to_bytes
from dcmcore._arrays import output_array
from dcmcore.errors import CorruptPixelDataError
from dcmcore.plugins.base import PluginBase
from dcmcore.spec import PixelSpec
from dcmcore.uids import (
    DeflatedImageFrameCompression,
    EncapsulatedUncompressedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
)

__all__ = [
    "ENCAPSULATED_UNCOMPRESSED",
    "DEFLATED_IMAGE_FRAME",
    "EncapsulatedUncompressedDecoder",
    "EncapsulatedUncompressedEncoder",
    "DeflatedFrameDecoder",
    "DeflatedFrameEncoder",
]

ENCAPSULATED_UNCOMPRESSED = EncapsulatedUncompressedExplicitVRLittleEndian
DEFLATED_IMAGE_FRAME = DeflatedImageFrameCompression


def _native_le(spec: PixelSpec) -> PixelSpec:
    """`spec` as one natively encoded little endian frame."""
    return spec.replace(transfer_syntax_uid=ExplicitVRLittleEndian, number_of_frames=1, pixel_vr=None)


def _decode_native(raw: bytes | memoryview, spec: PixelSpec, out: np.ndarray | None) -> tuple[np.ndarray, PixelSpec]:
    native = _native_le(spec)
    plan = NativePlan(native, to_rgb=False, correct_unused_bits=False)
    arr = output_array(out, spec.frame_shape, spec.dtype)
    plan.decode_frame_bytes(raw, arr)
    return arr, spec


class EncapsulatedUncompressedDecoder(PluginBase):
    """Decode Encapsulated Uncompressed Explicit VR Little Endian frames."""

    label = "dcmcore"
    priority = 10
    uids = frozenset({ENCAPSULATED_UNCOMPRESSED})

    def decode(self, src: bytes | memoryview, spec: PixelSpec, *, out: np.ndarray | None = None, **options: Any) -> tuple[np.ndarray, PixelSpec]:
        need = _native_le(spec).frame_nbytes
        if len(src) < need:
            raise CorruptPixelDataError(
                f"An Encapsulated Uncompressed frame holds {len(src)} bytes, {need} are needed"
            )
        return _decode_native(src, spec, out)


class EncapsulatedUncompressedEncoder(PluginBase):
    """Encode a frame as its native little endian bytes (one fragment per frame)."""

    label = "dcmcore"
    priority = 10
    uids = frozenset({ENCAPSULATED_UNCOMPRESSED})

    def encode(self, src: np.ndarray | bytes | memoryview, spec: PixelSpec, **options: Any) -> bytes:
        return frame_to_bytes(src, _native_le(spec))


class DeflatedFrameDecoder(PluginBase):
    """Decode Deflated Image Frame Compression frames (zlib, raw deflate)."""

    label = "dcmcore"
    priority = 10
    uids = frozenset({DEFLATED_IMAGE_FRAME})

    def decode(self, src: bytes | memoryview, spec: PixelSpec, *, out: np.ndarray | None = None, **options: Any) -> tuple[np.ndarray, PixelSpec]:
        need = _native_le(spec).frame_nbytes
        inflater = zlib.decompressobj(wbits=-15)
        try:
            # never inflate more than one frame needs (a deflate bomb stops here)
            raw = inflater.decompress(src, need)
        except zlib.error as exc:
            raise CorruptPixelDataError(f"A Deflated Image Frame Compression frame is corrupt: {exc}") from None
        if len(raw) < need:
            raise CorruptPixelDataError(
                f"A Deflated Image Frame Compression frame inflates to {len(raw)} bytes, {need} are needed"
            )
        return _decode_native(raw, spec, out)


class DeflatedFrameEncoder(PluginBase):
    """Encode a frame with raw deflate (option ``level``, 0-9, default 6)."""

    label = "dcmcore"
    priority = 10
    uids = frozenset({DEFLATED_IMAGE_FRAME})

    def encode(self, src: np.ndarray | bytes | memoryview, spec: PixelSpec, *, level: int = 6, **options: Any) -> bytes:
        raw = frame_to_bytes(src, _native_le(spec))
        deflater = zlib.compressobj(level, zlib.DEFLATED, -15)
        return deflater.compress(raw) + deflater.flush()


ENCAPSULATED_DECODER = EncapsulatedUncompressedDecoder()
ENCAPSULATED_ENCODER = EncapsulatedUncompressedEncoder()
DEFLATED_DECODER = DeflatedFrameDecoder()
DEFLATED_ENCODER = DeflatedFrameEncoder()
