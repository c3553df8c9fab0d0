"""What the transforms need to know about a data set's stored values, taken from its :class:`PixelSpec`.

Internal to :mod:`dcmcore.transforms`: the other modules of the subpackage
import its public names.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydicom.dataset import Dataset

from dcmcore.dataset_elements import transfer_syntax_of
from dcmcore.errors import MissingElementError
from dcmcore.spec import PIXEL_KEYWORDS, PixelSpec
from dcmcore.uids import ExplicitVRLittleEndian

__all__ = ["ImageInfo", "stored_value_range", "MONOCHROME", "PALETTE", "COLOR", "FLOAT_PIXEL_TAGS"]

MONOCHROME, PALETTE, COLOR = "MONOCHROME", "PALETTE", "COLOR"
#: (7FE0,0008) Float Pixel Data and (7FE0,0009) Double Float Pixel Data.
FLOAT_PIXEL_TAGS = (PIXEL_KEYWORDS["FloatPixelData"], PIXEL_KEYWORDS["DoubleFloatPixelData"])


def stored_value_range(bits_stored: int, signed: bool) -> tuple[int, int]:
    """The lowest and highest stored value of `bits_stored` bits (two's complement when `signed`)."""
    if signed:
        return -(1 << (bits_stored - 1)), (1 << (bits_stored - 1)) - 1
    return 0, (1 << bits_stored) - 1


@dataclass(frozen=True)
class ImageInfo:
    """What the transforms need to know about the stored values."""

    photometric: str
    color_type: str
    is_float: bool
    domain: tuple[int, int] | None  # range of the stored values (Bits Stored, Pixel Representation)
    signed: bool
    number_of_frames: int

    @classmethod
    def from_spec(cls, spec: PixelSpec) -> "ImageInfo":
        """The description of the stored values that `spec` describes."""
        photometric = spec.photometric_interpretation
        if photometric in ("MONOCHROME1", "MONOCHROME2"):
            color_type = MONOCHROME
        elif photometric == "PALETTE COLOR":
            color_type = PALETTE
        else:
            color_type = COLOR
        domain = None if spec.is_float else stored_value_range(spec.bits_stored, spec.is_signed)
        return cls(photometric, color_type, spec.is_float, domain, spec.is_signed, spec.number_of_frames)

    @classmethod
    def from_dataset(cls, ds: Dataset) -> "ImageInfo":
        """The description of the stored values of `ds`, validated as :meth:`PixelSpec.from_dataset` does.

        The pixel data need not be loaded (a data set read with
        ``stop_before_pixels=True`` is taken for Pixel Data), and a data set
        made in memory without a transfer syntax is accepted: the transforms
        do not depend on the encoding of the pixel data.
        """
        overrides: dict = {}
        if not any(tag in ds._dict for tag in PIXEL_KEYWORDS.values()):
            overrides["pixel_keyword"] = "PixelData"
        try:
            transfer_syntax_of(ds)
        except MissingElementError:
            overrides["transfer_syntax_uid"] = ExplicitVRLittleEndian
        return cls.from_spec(PixelSpec.from_dataset(ds, **overrides))
