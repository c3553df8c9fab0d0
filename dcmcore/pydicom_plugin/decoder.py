"""dcmcore as a pydicom 3 decoding plugin (the module pydicom's ``Decoder.add_plugin`` imports).

pydicom hands the plugin one encoded frame and its ``DecodeRunner``; the frame
is decoded by dcmcore's dispatcher (its own codecs and the installed dcmcore
plugins), and the runner is told what came out: samples interleaved (Planar
Configuration 0), the photometric interpretation and Bits Allocated of the
decoded samples. pydicom then does what it does after any plugin (unused bits,
YCbCr to RGB, reshaping).
"""

from __future__ import annotations

from typing import Any

from dcmcore import plugins
from dcmcore.plugins import Dispatcher
from dcmcore.pydicom_plugin._runner import spec_of

__all__ = ["is_available", "decode_frame", "DECODER_DEPENDENCIES"]


class _Dependencies(dict):
    """What a syntax needs: a dcmcore decoder plugin for it (any UID)."""

    def __missing__(self, uid: str) -> tuple[str, ...]:
        return (f"a dcmcore decoder plugin for {uid} (see `dcmcore plugins`)",)

    def __contains__(self, uid: object) -> bool:
        return True


DECODER_DEPENDENCIES = _Dependencies()


def is_available(uid: str) -> bool:
    """Whether some dcmcore decoder for `uid` is usable here."""
    return any(info.available for info in plugins.decoders(str(uid)))


def decode_frame(src: bytes, runner: Any) -> bytes:
    """One encoded frame decoded by dcmcore, as the little endian bytes pydicom expects."""
    spec = spec_of(runner)
    arr, produced = Dispatcher(spec.transfer_syntax_uid).decode(src, spec)
    if spec.samples_per_pixel > 1:
        runner.set_option("planar_configuration", 0)
    if produced.photometric_interpretation != spec.photometric_interpretation:
        runner.set_option("photometric_interpretation", produced.photometric_interpretation)
    if arr.dtype.itemsize * 8 != spec.bits_allocated and spec.bits_allocated > 1:
        runner.set_option("bits_allocated", arr.dtype.itemsize * 8)
    return arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
