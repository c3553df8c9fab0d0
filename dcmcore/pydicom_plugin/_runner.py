"""What pydicom's decode and encode runners say about a frame, as a :class:`~dcmcore.PixelSpec`."""

from __future__ import annotations

from typing import Any

from dcmcore.spec import PixelSpec

__all__ = ["spec_of"]


def spec_of(runner: Any) -> PixelSpec:
    """The spec of one frame described by a pydicom ``DecodeRunner`` or ``EncodeRunner``."""
    samples = int(runner.samples_per_pixel)
    return PixelSpec(
        rows=int(runner.rows),
        columns=int(runner.columns),
        samples_per_pixel=samples,
        bits_allocated=int(runner.bits_allocated),
        bits_stored=int(runner.bits_stored),
        pixel_representation=int(runner.pixel_representation),
        photometric_interpretation=str(runner.photometric_interpretation),
        number_of_frames=1,
        planar_configuration=int(runner.get_option("planar_configuration", 0) or 0) if samples > 1 else 0,
        transfer_syntax_uid=runner.transfer_syntax,
    )
