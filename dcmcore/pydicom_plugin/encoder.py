"""dcmcore as a pydicom 3 encoding plugin (the module pydicom's ``Encoder.add_plugin`` imports).

pydicom hands the plugin one frame of natively encoded little endian bytes
and its ``EncodeRunner``; the frame is encoded by dcmcore's encoder
dispatcher. pydicom's lossy options (``jls_error``, ``j2k_cr``, ``j2k_psnr``)
are passed on to the dcmcore encoder. pydicom keeps the data set's
Photometric Interpretation, so a frame the encoder would code in another
colour space (its ``encoded_photometric_interpretation``) is refused.
"""

from __future__ import annotations

from typing import Any

from dcmcore import plugins
from dcmcore.plugins import encoder_dispatcher
from dcmcore.pydicom_plugin._runner import spec_of

__all__ = ["is_available", "encode_frame", "ENCODER_DEPENDENCIES"]

#: The options of pydicom's ``compress`` that mean something to an encoder.
PASSED_OPTIONS = ("jls_error", "j2k_cr", "j2k_psnr")


class _Dependencies(dict):
    def __missing__(self, uid: str) -> tuple[str, ...]:
        return (f"a dcmcore encoder plugin for {uid} (see `dcmcore plugins`)",)

    def __contains__(self, uid: object) -> bool:
        return True


ENCODER_DEPENDENCIES = _Dependencies()


def is_available(uid: str) -> bool:
    """Whether some dcmcore encoder for `uid` is usable here."""
    return any(info.available for info in plugins.encoders(str(uid)))


def encode_frame(src: bytes, runner: Any) -> bytes:
    """One frame of native little endian bytes encoded by dcmcore."""
    if runner.get_option("byteorder", "<") == ">":
        raise ValueError("dcmcore encodes little endian frames only (option byteorder='>')")
    spec = spec_of(runner)
    options = {k: runner.get_option(k) for k in PASSED_OPTIONS if runner.get_option(k) is not None}
    encoded, photometric = encoder_dispatcher(spec.transfer_syntax_uid).encode_reporting(src, spec, **options)
    if photometric != spec.photometric_interpretation:
        # pydicom keeps the data set's (0028,0004): an encoder that changes the colour space cannot serve it
        raise ValueError(
            f"The dcmcore encoder's output would be {photometric}, but pydicom keeps (0028,0004) "
            f"'Photometric Interpretation' {spec.photometric_interpretation}: use dcmcore.compress"
        )
    return bytes(encoded)
