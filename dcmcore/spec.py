"""``PixelSpec``: the validated description of a data set's pixel data (layer 2)."""

from __future__ import annotations

import dataclasses
import sys
import warnings
from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import UID

from dcmcore.dataset_elements import as_int, element_value, plain_value, tag_name, transfer_syntax_of
from dcmcore.errors import InvalidPixelSpecError, MissingElementError, UnsupportedPixelDataError
from dcmcore.uids import BIG_ENDIAN_TRANSFER_SYNTAXES, NATIVE_TRANSFER_SYNTAXES, ExplicitVRLittleEndian

__all__ = ["PixelSpec", "PIXEL_KEYWORDS", "SAMPLES_PER_PIXEL", "transfer_syntax_of"]

#: The pixel data elements, by keyword, with their tags.
PIXEL_KEYWORDS = {
    "PixelData": 0x7FE00010,
    "FloatPixelData": 0x7FE00008,
    "DoubleFloatPixelData": 0x7FE00009,
}

_ROWS, _COLS, _SPP, _PI = 0x00280010, 0x00280011, 0x00280002, 0x00280004
_PC, _NF, _BA, _BS, _PR = 0x00280006, 0x00280008, 0x00280100, 0x00280101, 0x00280103

#: Every Photometric Interpretation of PS3.3 C.7.6.3.1.2 (retired ones included)
#: with the Samples per Pixel it defines.
SAMPLES_PER_PIXEL = {
    "MONOCHROME1": 1,
    "MONOCHROME2": 1,
    "PALETTE COLOR": 1,
    "RGB": 3,
    "YBR_FULL": 3,
    "YBR_FULL_422": 3,
    "YBR_PARTIAL_422": 3,
    "YBR_PARTIAL_420": 3,
    "YBR_ICT": 3,
    "YBR_RCT": 3,
    "XYB": 3,
    "HSV": 3,
    "ARGB": 4,
    "CMYK": 4,
}

#: Largest number of bytes one decoded array may have; anything larger is
#: treated as a corrupt description rather than attempted.
MAX_ARRAY_BYTES = 2**48


def _pixel_keyword(ds: Dataset) -> str:
    present = [kw for kw, tag in PIXEL_KEYWORDS.items() if tag in ds._dict]
    if not present:
        raise MissingElementError(
            "The data set has no (7FE0,0010) 'Pixel Data', (7FE0,0008) 'Float Pixel "
            "Data' or (7FE0,0009) 'Double Float Pixel Data' element: no pixel data to decode"
        )
    if len(present) > 1:
        raise InvalidPixelSpecError(
            f"The data set holds {', '.join(present)}: only one pixel data element may be present"
        )
    return present[0]


@dataclasses.dataclass(frozen=True, slots=True)
class PixelSpec:
    """The validated description of one data set's pixel data.

    Built once, with :meth:`from_dataset`, and shared by every later layer.
    Immutable; use :meth:`replace` to describe decoded or converted data.

    Parameters
    ----------
    rows, columns : int
        (0028,0010) *Rows* and (0028,0011) *Columns*, 1 to 65535.
    samples_per_pixel : int
        (0028,0002) *Samples per Pixel*, 1 or 3.
    bits_allocated : int
        (0028,0100) *Bits Allocated*: 1, 8, 16, 32 or 64.
    bits_stored : int
        (0028,0101) *Bits Stored*, 1 to *Bits Allocated*.
    pixel_representation : int
        (0028,0103) *Pixel Representation*: 0 unsigned, 1 two's complement.
    photometric_interpretation : str
        (0028,0004) *Photometric Interpretation*.
    number_of_frames : int, optional
        (0028,0008) *Number of Frames*, default 1.
    planar_configuration : int, optional
        (0028,0006) *Planar Configuration*, default 0 (interleaved samples).
    transfer_syntax_uid : str, optional
        The Transfer Syntax UID of the encoded pixel data.
    pixel_keyword : str, optional
        ``"PixelData"``, ``"FloatPixelData"`` or ``"DoubleFloatPixelData"``.
    pixel_vr : str or None, optional
        The VR the pixel data element was encoded with (``"OB"``/``"OW"``), if known.

    Raises
    ------
    InvalidPixelSpecError
        (a ``ValueError``) for a value the DICOM Standard does not allow.
    UnsupportedPixelDataError
        (a ``NotImplementedError``) for a valid value dcmcore cannot decode.
    """

    rows: int
    columns: int
    samples_per_pixel: int
    bits_allocated: int
    bits_stored: int
    pixel_representation: int
    photometric_interpretation: str
    number_of_frames: int = 1
    planar_configuration: int = 0
    transfer_syntax_uid: UID = ExplicitVRLittleEndian
    pixel_keyword: str = "PixelData"
    pixel_vr: str | None = None

    # -- construction -----------------------------------------------------
    @classmethod
    def from_dataset(cls, ds: Dataset, **overrides: Any) -> PixelSpec:
        """Describe the pixel data of `ds`.

        Parameters
        ----------
        ds : pydicom.dataset.Dataset
            A data set with an Image Pixel (or Floating Point Image Pixel) module.
            Its pixel data element need not be loaded: a data set read with
            ``stop_before_pixels=True`` works when `overrides` name the
            ``pixel_keyword``.
        **overrides
            Field values that replace those taken from `ds`.

        Raises
        ------
        MissingElementError
            (an ``AttributeError``) naming every required element that is absent.
        InvalidElementError
            (a ``ValueError``) naming an element whose value cannot be read or
            is not an integer.
        """
        if "pixel_keyword" in overrides:
            keyword = overrides["pixel_keyword"]
        else:
            keyword = _pixel_keyword(ds)
        is_float = keyword != "PixelData"
        elems = ds._dict

        required = [_ROWS, _COLS, _SPP, _PI, _BA]
        if not is_float:
            required += [_BS, _PR]
        field_of = {
            _ROWS: "rows",
            _COLS: "columns",
            _SPP: "samples_per_pixel",
            _PI: "photometric_interpretation",
            _BA: "bits_allocated",
            _BS: "bits_stored",
            _PR: "pixel_representation",
            _PC: "planar_configuration",
        }

        seen: dict[int, Any] = {}

        def value(tag: int) -> Any:
            if tag not in seen:
                seen[tag] = plain_value(ds, tag)
            return seen[tag]

        missing = [
            tag_name(tag)
            for tag in required
            if field_of[tag] not in overrides and value(tag) in (None, "", b"")
        ]
        if missing:
            raise MissingElementError(f"Missing required element{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")

        fields: dict[str, Any] = {}

        def take(tag: int) -> None:
            if field_of[tag] not in overrides:
                fields[field_of[tag]] = as_int(value(tag), tag)

        for tag in (_ROWS, _COLS, _SPP, _BA):
            take(tag)
        if is_float:
            fields["bits_stored"] = overrides.get("bits_allocated", fields.get("bits_allocated"))
            fields["pixel_representation"] = 0
        else:
            take(_BS)
            take(_PR)
        if "photometric_interpretation" not in overrides:
            fields["photometric_interpretation"] = str(value(_PI)).strip("\0 ")

        samples = overrides.get("samples_per_pixel", fields.get("samples_per_pixel"))
        planar = value(_PC)
        if samples > 1 and planar in (None, "") and "planar_configuration" not in overrides:
            raise MissingElementError(
                f"Missing required element: {tag_name(_PC)} (required when "
                f"(0028,0002) 'Samples per Pixel' is {samples})"
            )
        fields["planar_configuration"] = as_int(planar, _PC) if samples > 1 else 0

        frames = value(_NF)
        if frames in (None, "", b""):
            nframes = 1
            if _NF in elems:
                warnings.warn(
                    f"{tag_name(_NF)} is empty, assuming 1 frame", UserWarning, stacklevel=2
                )
        else:
            nframes = as_int(frames, _NF)
            if nframes == 0:
                warnings.warn(
                    f"{tag_name(_NF)} is 0, assuming 1 frame", UserWarning, stacklevel=2
                )
                nframes = 1
        fields["number_of_frames"] = nframes

        if "transfer_syntax_uid" not in overrides:
            fields["transfer_syntax_uid"] = transfer_syntax_of(ds)
        fields["pixel_keyword"] = keyword
        if "pixel_vr" not in overrides and not is_float and PIXEL_KEYWORDS[keyword] in elems:
            fields["pixel_vr"] = elems[PIXEL_KEYWORDS[keyword]].VR
        fields.update(overrides)
        return cls(**fields)

    def __post_init__(self) -> None:
        # Normalise types (pydicom values are int subclasses such as IS).
        for name in (
            "rows",
            "columns",
            "samples_per_pixel",
            "bits_allocated",
            "bits_stored",
            "pixel_representation",
            "number_of_frames",
            "planar_configuration",
        ):
            object.__setattr__(self, name, int(getattr(self, name)))
        if type(self.transfer_syntax_uid) is not UID:  # (a UID made again is validated again)
            object.__setattr__(self, "transfer_syntax_uid", UID(str(self.transfer_syntax_uid)))
        object.__setattr__(self, "photometric_interpretation", str(self.photometric_interpretation).strip("\0 "))
        self._validate()

    def _validate(self) -> None:
        if self.pixel_keyword not in PIXEL_KEYWORDS:
            raise InvalidPixelSpecError(f"Unknown pixel data keyword {self.pixel_keyword!r}")
        for tag, val in ((_ROWS, self.rows), (_COLS, self.columns)):
            if not 0 < val <= 0xFFFF:
                raise InvalidPixelSpecError(f"A {tag_name(tag)} value of {val} is invalid: it must be 1 to 65535")
        if self.number_of_frames < 1:
            raise InvalidPixelSpecError(
                f"A {tag_name(_NF)} value of {self.number_of_frames} is invalid: it must be at least 1"
            )
        ba = self.bits_allocated
        if not (ba == 1 or (ba % 8 == 0 and 8 <= ba <= 64)):
            raise InvalidPixelSpecError(
                f"A {tag_name(_BA)} value of {ba} is invalid: it must be 1 or a multiple of 8 up to 64"
            )
        if ba not in (1, 8, 16, 32, 64):
            raise UnsupportedPixelDataError(
                f"A {tag_name(_BA)} value of {ba} is not supported: NumPy has no {ba}-bit integer type"
            )
        if self.is_float:
            need = 32 if self.pixel_keyword == "FloatPixelData" else 64
            if ba != need:
                raise InvalidPixelSpecError(
                    f"A {tag_name(_BA)} value of {ba} is invalid for {self.pixel_keyword}: it must be {need}"
                )
        if not 1 <= self.bits_stored <= ba:
            raise InvalidPixelSpecError(
                f"A {tag_name(_BS)} value of {self.bits_stored} is invalid: it must be 1 to the "
                f"{tag_name(_BA)} value of {ba}"
            )
        if self.pixel_representation not in (0, 1):
            raise InvalidPixelSpecError(
                f"A {tag_name(_PR)} value of {self.pixel_representation} is invalid: it must be 0 or 1"
            )
        spp = self.samples_per_pixel
        if spp < 1:
            raise InvalidPixelSpecError(f"A {tag_name(_SPP)} value of {spp} is invalid: it must be at least 1")
        if spp not in (1, 3):
            raise UnsupportedPixelDataError(
                f"A {tag_name(_SPP)} value of {spp} is not supported: dcmcore decodes 1 or 3 samples per pixel"
            )
        if self.planar_configuration not in (0, 1):
            raise InvalidPixelSpecError(
                f"A {tag_name(_PC)} value of {self.planar_configuration} is invalid: it must be 0 or 1"
            )
        pi = self.photometric_interpretation
        if pi not in SAMPLES_PER_PIXEL:
            raise InvalidPixelSpecError(
                f"Unknown {tag_name(_PI)} value {pi!r}: PS3.3 C.7.6.3.1.2 defines "
                f"{', '.join(repr(k) for k in SAMPLES_PER_PIXEL)}"
            )
        if spp != SAMPLES_PER_PIXEL[pi]:
            raise InvalidPixelSpecError(
                f"A {tag_name(_PI)} of {pi!r} needs a {tag_name(_SPP)} of "
                f"{SAMPLES_PER_PIXEL[pi]} (PS3.3 C.7.6.3.1.2), not {spp}"
            )
        if ba == 1 and spp != 1:
            raise UnsupportedPixelDataError(
                f"A {tag_name(_BA)} value of 1 with a {tag_name(_SPP)} value of {spp} is not supported"
            )
        if self.is_ybr422_subsampled:
            if self.planar_configuration != 0:
                raise UnsupportedPixelDataError(
                    f"A {tag_name(_PI)} of 'YBR_FULL_422' with a {tag_name(_PC)} of 1 is not "
                    "supported: PS3.3 C.7.6.3.1.2 requires 0"
                )
            if self.rows * self.columns % 2:
                raise InvalidPixelSpecError(
                    f"A {tag_name(_PI)} of 'YBR_FULL_422' needs an even number of pixels per frame, "
                    f"not {self.rows} x {self.columns}"
                )
        total = self.number_of_frames * self.rows * self.columns * spp * self.itemsize
        if total > MAX_ARRAY_BYTES or total > sys.maxsize:
            raise InvalidPixelSpecError(
                f"{self.number_of_frames} frames of {self.rows} x {self.columns} x {spp} samples "
                f"({total} bytes) exceed what dcmcore will allocate ({MAX_ARRAY_BYTES} bytes)"
            )

    def replace(self, **changes: Any) -> PixelSpec:
        """Return a copy with `changes` applied (and validated)."""
        return dataclasses.replace(self, **changes)

    # -- derived properties ------------------------------------------------
    @property
    def is_float(self) -> bool:
        """True for Float Pixel Data and Double Float Pixel Data."""
        return self.pixel_keyword != "PixelData"

    @property
    def is_signed(self) -> bool:
        """True when the stored values are two's complement integers."""
        return not self.is_float and self.pixel_representation == 1 and self.bits_allocated > 1

    @property
    def is_native(self) -> bool:
        """True when the transfer syntax stores the pixel data natively."""
        return self.transfer_syntax_uid in NATIVE_TRANSFER_SYNTAXES

    @property
    def is_big_endian(self) -> bool:
        """True when multi-byte samples are stored big endian."""
        return self.transfer_syntax_uid in BIG_ENDIAN_TRANSFER_SYNTAXES

    @property
    def is_ybr422_subsampled(self) -> bool:
        """True when natively encoded samples are YBR_FULL_422 sub-sampled (2 samples per pixel)."""
        return self.photometric_interpretation == "YBR_FULL_422" and self.is_native

    @property
    def itemsize(self) -> int:
        """Bytes per decoded sample (1 for Bits Allocated 1)."""
        return max(1, self.bits_allocated // 8)

    @property
    def dtype(self) -> np.dtype:
        """The native byte order dtype of decoded samples."""
        if self.pixel_keyword == "FloatPixelData":
            return np.dtype(np.float32)
        if self.pixel_keyword == "DoubleFloatPixelData":
            return np.dtype(np.float64)
        if self.bits_allocated == 1:
            return np.dtype(np.uint8)
        kind = "i" if self.pixel_representation else "u"
        return np.dtype(f"{kind}{self.itemsize}")

    @property
    def frame_pixels(self) -> int:
        """Pixels per frame."""
        return self.rows * self.columns

    @property
    def frame_shape(self) -> tuple[int, ...]:
        """Shape of one decoded frame: ``(rows, columns)`` or ``(rows, columns, samples)``."""
        if self.samples_per_pixel == 1:
            return (self.rows, self.columns)
        return (self.rows, self.columns, self.samples_per_pixel)

    def shape(self, nframes: int | None = None) -> tuple[int, ...]:
        """Shape of a decoded array.

        With `nframes` None, the shape pydicom gives the whole pixel data: no
        frame axis for a single frame. With an int, ``(nframes, *frame_shape)``.
        """
        if nframes is None:
            if self.number_of_frames == 1:
                return self.frame_shape
            nframes = self.number_of_frames
        return (nframes, *self.frame_shape)

    @property
    def frame_samples(self) -> int:
        """Decoded samples per frame."""
        return self.frame_pixels * self.samples_per_pixel

    @property
    def frame_decoded_nbytes(self) -> int:
        """Bytes of one decoded frame."""
        return self.frame_samples * self.itemsize

    @property
    def frame_nbits(self) -> int:
        """Bits of one natively encoded frame (YBR_FULL_422 stores 2 samples per pixel)."""
        samples = self.frame_pixels * (2 if self.is_ybr422_subsampled else self.samples_per_pixel)
        return samples * self.bits_allocated

    @property
    def frame_nbytes(self) -> int:
        """Bytes of one natively encoded frame, rounded up (1-bit frames need not be byte aligned)."""
        return -(-self.frame_nbits // 8)

    def expected_nbytes(self, nframes: int | None = None) -> int:
        """Bytes of natively encoded pixel data for `nframes` frames (all when None), without padding."""
        n = self.number_of_frames if nframes is None else nframes
        return -(-(n * self.frame_nbits) // 8)

    def frame_bit_range(self, first: int, count: int = 1) -> tuple[int, int]:
        """First and one-past-last bit of frames ``first .. first + count - 1`` in native pixel data."""
        return first * self.frame_nbits, (first + count) * self.frame_nbits

    def as_pixel_options(self) -> dict[str, Any]:
        """The description as pydicom's decoding option names (for oracles and plugins)."""
        opts: dict[str, Any] = {
            "rows": self.rows,
            "columns": self.columns,
            "samples_per_pixel": self.samples_per_pixel,
            "bits_allocated": self.bits_allocated,
            "bits_stored": self.bits_stored,
            "pixel_representation": self.pixel_representation,
            "photometric_interpretation": self.photometric_interpretation,
            "number_of_frames": self.number_of_frames,
            "transfer_syntax_uid": self.transfer_syntax_uid,
            "pixel_keyword": self.pixel_keyword,
        }
        if self.samples_per_pixel > 1:
            opts["planar_configuration"] = self.planar_configuration
        return opts
