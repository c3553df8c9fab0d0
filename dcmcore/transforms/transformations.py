"""The pixel transformation steps as pydicom data sets (PS3.3 C.11, C.7.6.16.2.9):
ModalityLUTTransformation, VOILUTTransformation, PresentationLUTTransformation
and PaletteColorLUTTransformation.

Each holds the elements of its module or functional group macro, so it can be
placed in a data set, and ``apply`` runs the step in one pass over the array.
"""

from __future__ import annotations

import copy as _copy
from typing import Any, Sequence

import numpy as np
from pydicom.dataset import Dataset
from pydicom.valuerep import DSfloat

from dcmcore.transforms import _engine as E
from dcmcore.transforms._dsutil import T, get, is_little_endian, numbers, strings, tag_name
from dcmcore.transforms._lutdata import PRESENTATION_BITS, lut_item
from dcmcore.transforms._palette import palette_table
from dcmcore.transforms._voi import scaled_lut, select_voi_lut, select_window, window_stage
from dcmcore.transforms.enums import PresentationLUTShapeValues, RescaleTypeValues, VOILUTFunctionValues, enum_value
from dcmcore.transforms.luts import (
    VOILUT,
    ModalityLUT,
    PaletteColorLUT,
    PresentationLUT,
    SegmentedPaletteColorLUT,
    as_lut,
    check_dtype_safe,
    copy_encoding,
)

__all__ = [
    "ModalityLUTTransformation",
    "VOILUTTransformation",
    "PresentationLUTTransformation",
    "PaletteColorLUTTransformation",
]


def _ds(value: float) -> DSfloat:
    return DSfloat(float(value), auto_format=True)


class _Transformation(Dataset):
    """A transformation step read from a data set holding one of its elements (``_REQUIRED``)."""

    _REQUIRED: tuple[str, ...] = ()
    _MISSING = ""

    @classmethod
    def from_dataset(cls, dataset: Dataset, copy: bool = True) -> Any:
        """`dataset` (e.g. an image or a functional group item) as this class, copied unless `copy` is False.

        Raises
        ------
        AttributeError
            If `dataset` holds none of the step's elements.
        """
        if not any(keyword in dataset for keyword in cls._REQUIRED):
            raise AttributeError(f"The data set has {cls._MISSING}")
        ds = _copy.deepcopy(dataset) if copy else dataset
        ds.__class__ = cls
        return ds


def _float_or_display(dtype: Any, output_range: tuple[float, float]) -> tuple[np.dtype, bool]:
    dt = np.dtype(np.float64 if dtype is None else dtype)
    if dt not in E.OUTPUT_DTYPES:
        raise ValueError(f"Data type {dt} is not suitable")
    if dt.kind in "iu":
        info = np.iinfo(dt)
        if output_range[0] < info.min or output_range[1] > info.max:
            raise ValueError(f"The output range {output_range} does not fit {dt}")
        return dt, True
    return dt, False


class ModalityLUTTransformation(_Transformation):
    """The Modality LUT transformation: stored values to modality values (PS3.3 C.11.1).

    Either `modality_lut`, or `rescale_intercept`, `rescale_slope` and
    `rescale_type` together.

    Parameters
    ----------
    rescale_intercept, rescale_slope : float, optional
        ``output = stored * slope + intercept``.
    rescale_type : RescaleTypeValues or str, optional
        Units of the output.
    modality_lut : ModalityLUT, optional
        A lookup table instead of the linear rescale.
    """

    def __init__(
        self,
        rescale_intercept: float | None = None,
        rescale_slope: float | None = None,
        rescale_type: RescaleTypeValues | str | None = None,
        modality_lut: ModalityLUT | None = None,
    ):
        super().__init__()
        if modality_lut is not None:
            for name, value in (("rescale_intercept", rescale_intercept), ("rescale_slope", rescale_slope), ("rescale_type", rescale_type)):
                if value is not None:
                    raise TypeError(f"'{name}' must not be given with 'modality_lut'")
            modality_lut = as_lut(modality_lut, ModalityLUT, "'modality_lut'")
            self.ModalityLUTSequence = [modality_lut]
            return
        for name, value in (("rescale_intercept", rescale_intercept), ("rescale_slope", rescale_slope), ("rescale_type", rescale_type)):
            if value is None:
                raise TypeError(f"'{name}' is required when 'modality_lut' is not given")
        if not np.isfinite(float(rescale_slope)) or float(rescale_slope) == 0:
            raise ValueError(f"'rescale_slope' must be finite and non-zero, not {rescale_slope}")
        self.RescaleIntercept = _ds(rescale_intercept)
        self.RescaleSlope = _ds(rescale_slope)
        self.RescaleType = enum_value(rescale_type)

    #: :meth:`from_dataset` needs one of these elements; the message when all are absent.
    _REQUIRED = ("ModalityLUTSequence", "RescaleSlope", "RescaleIntercept")
    _MISSING = "neither a Modality LUT Sequence nor Rescale Slope/Intercept"

    def has_lut(self) -> bool:
        """True if the transformation is a lookup table, False if a linear rescale."""
        return "ModalityLUTSequence" in self

    def apply(self, array: np.ndarray, dtype: Any = None) -> np.ndarray:
        """Apply the transformation.

        Parameters
        ----------
        array : numpy.ndarray
            Stored values (integers if the transformation is a LUT).
        dtype : numpy dtype, optional
            Output dtype: float64 for a rescale, the LUT's for a LUT, when
            None. An integer dtype needs integral results that fit it.
        """
        array = np.asarray(array)
        if self.has_lut():
            return ModalityLUT.from_dataset(self.ModalityLUTSequence[0], copy=False).apply(array, dtype=dtype)
        slope = (numbers(self, T.RescaleSlope) or [1.0])[0]
        intercept = (numbers(self, T.RescaleIntercept) or [0.0])[0]
        dt = np.dtype(np.float64 if dtype is None else dtype)
        if dt.kind in "iu" and array.dtype.kind == "f":
            raise ValueError("An integer output dtype cannot be used with floating point input")
        stages = () if (slope, intercept) == (1.0, 0.0) else (E.Linear(slope, intercept),)
        return E.apply_plan(E.Plan(stages, dt), array)


class VOILUTTransformation(_Transformation):
    """The VOI LUT transformation: windows and/or VOI LUTs (PS3.3 C.11.2).

    Parameters
    ----------
    window_center, window_width : float or sequence of float, optional
        One or more windows.
    window_explanation : str or sequence of str, optional
        One explanation per window.
    voi_lut_function : VOILUTFunctionValues or str, optional
        LINEAR (default), LINEAR_EXACT or SIGMOID.
    voi_luts : sequence of VOILUT, optional
        VOI lookup tables.
    """

    def __init__(
        self,
        window_center: float | Sequence[float] | None = None,
        window_width: float | Sequence[float] | None = None,
        window_explanation: str | Sequence[str] | None = None,
        voi_lut_function: VOILUTFunctionValues | str | None = None,
        voi_luts: Sequence[VOILUT] | None = None,
    ):
        super().__init__()
        if (window_center is None) != (window_width is None):
            raise TypeError("'window_center' and 'window_width' must be given together")
        if window_center is not None:
            multi = not isinstance(window_center, (int, float, np.number))
            centers = list(window_center) if multi else [window_center]
            widths = list(window_width) if not isinstance(window_width, (int, float, np.number)) else [window_width]
            if multi != (not isinstance(window_width, (int, float, np.number))) or len(centers) != len(widths):
                raise ValueError("'window_width' must have as many values as 'window_center'")
            if not centers:
                raise TypeError("'window_center' must not be empty")
            # as highdicom: every function needs a width above 0 (checked here); a LINEAR window
            # also needs at least 1 (PS3.3 C.11.2.1.2.1), checked when it is applied
            for w in widths:
                if not float(w) > 0:
                    raise ValueError(f"{tag_name(T.WindowWidth)} must be greater than zero, not {w}")
            self.WindowCenter = [_ds(c) for c in centers] if multi else _ds(centers[0])
            self.WindowWidth = [_ds(w) for w in widths] if multi else _ds(widths[0])
            if window_explanation is not None:
                expl = [window_explanation] if isinstance(window_explanation, str) else list(window_explanation)
                if len(expl) != len(centers):
                    raise ValueError("'window_explanation' must have one value per window")
                self.WindowCenterWidthExplanation = expl if multi else expl[0]
            if voi_lut_function is not None:
                self.VOILUTFunction = VOILUTFunctionValues(enum_value(voi_lut_function)).value
        else:
            if window_explanation is not None:
                raise TypeError("'window_explanation' needs 'window_center'")
            if voi_lut_function is not None:
                raise TypeError("'voi_lut_function' needs 'window_center'")
        if voi_luts is not None:
            voi_luts = list(voi_luts)
            if not voi_luts:
                raise ValueError("'voi_luts' must not be empty")
            voi_luts = [as_lut(item, VOILUT, "Items of 'voi_luts'") for item in voi_luts]
            self.VOILUTSequence = voi_luts
        elif window_center is None:
            raise TypeError("At least one of 'window_center' or 'voi_luts' must be given")

    #: :meth:`from_dataset` needs one of these elements; the message when all are absent.
    _REQUIRED = ("VOILUTSequence", "WindowCenter")
    _MISSING = "neither a VOI LUT Sequence nor a Window Center"

    def has_lut(self) -> bool:
        """True if the transformation holds a VOI LUT Sequence."""
        return "VOILUTSequence" in self

    def has_window(self) -> bool:
        """True if the transformation holds window center and width values."""
        return "WindowCenter" in self

    def apply(
        self,
        array: np.ndarray,
        output_range: tuple[float, float] = (0.0, 1.0),
        voi_transform_selector: int | str = 0,
        dtype: Any = None,
        invert: bool = False,
        prefer_lut: bool = False,
    ) -> np.ndarray:
        """Apply a window or VOI LUT, mapping the values of interest onto `output_range`.

        Parameters
        ----------
        array : numpy.ndarray
            Modality values.
        output_range : (float, float), optional
            Output range.
        voi_transform_selector : int or str, optional
            Index of the window / LUT, or its explanation.
        dtype : numpy dtype, optional
            float64 when None; an integer dtype rounds (half to even).
        invert : bool, optional
            Reflect the output within `output_range` (for MONOCHROME1).
        prefer_lut : bool, optional
            With both windows and LUTs, apply the LUT.
        """
        lo, hi = (float(v) for v in output_range)
        if not hi > lo:
            raise ValueError(f"The second value of 'output_range' must be higher than the first, not {output_range}")
        dt, rounding = _float_or_display(dtype, (lo, hi))
        if not self.has_window() or (self.has_lut() and prefer_lut):
            if not self.has_lut():
                raise ValueError("The VOILUTTransformation has neither a window nor a VOI LUT")
            item = select_voi_lut(self, voi_transform_selector)
            array = np.asarray(array)
            # a US first mapped value >= 32768 is a negative one written as US only when the
            # input cannot hold it (8- or 16-bit signed samples); otherwise its VR decides
            signed_first = array.dtype.kind == "i" and array.dtype.itemsize <= 2
            first, data, _ = lut_item(item, allowed_bits=tuple(range(8, 17)), signed_first=signed_first, little=is_little_endian(item, self))
            stage: Any = E.Lookup(first, scaled_lut(data, lo, hi, invert), what=f"the {tag_name(T.VOILUTSequence)}")
        else:
            center, width, function = select_window(self, voi_transform_selector)
            stage = window_stage(center, width, function, lo, hi, invert)
        return E.apply_plan(E.Plan((stage,), dt, rounding=rounding), np.asarray(array))


class PresentationLUTTransformation(_Transformation):
    """The Presentation LUT transformation: to P-Values (PS3.3 C.11.4, C.11.6).

    Parameters
    ----------
    presentation_lut_shape : PresentationLUTShapeValues or str, optional
        IDENTITY (the default when no LUT is given) or INVERSE.
    presentation_lut : PresentationLUT, optional
        A lookup table instead of a shape.
    """

    def __init__(
        self,
        presentation_lut_shape: PresentationLUTShapeValues | str | None = None,
        presentation_lut: PresentationLUT | None = None,
    ):
        super().__init__()
        if presentation_lut is not None:
            if presentation_lut_shape is not None:
                raise TypeError("Only one of 'presentation_lut' or 'presentation_lut_shape' may be given")
            presentation_lut = as_lut(presentation_lut, PresentationLUT, "'presentation_lut'")
            self.PresentationLUTSequence = [presentation_lut]
        else:
            shape = presentation_lut_shape or PresentationLUTShapeValues.IDENTITY
            self.PresentationLUTShape = PresentationLUTShapeValues(enum_value(shape)).value

    #: :meth:`from_dataset` needs one of these elements; the message when all are absent.
    _REQUIRED = ("PresentationLUTSequence", "PresentationLUTShape")
    _MISSING = "neither a Presentation LUT Sequence nor a Presentation LUT Shape"

    def has_lut(self) -> bool:
        """True if the transformation is a Presentation LUT Sequence."""
        return "PresentationLUTSequence" in self

    def apply(self, array: np.ndarray, dtype: Any = None, input_range: tuple[float, float] = (0.0, 1.0)) -> np.ndarray:
        """Apply the shape or LUT to VOI output values in `input_range`.

        INVERSE reflects the values within `input_range`; a Presentation LUT
        scales `input_range` onto its entries (PS3.3 C.11.6.1.1: the implicit
        scaling of its input), rounding half up, and returns P-Values.

        Parameters
        ----------
        dtype : numpy dtype, optional
            The input's float dtype (float64 for integers) for a shape, the
            LUT's for a LUT, when None.
        """
        array = np.asarray(array)
        lo, hi = (float(v) for v in input_range)
        if not hi > lo:
            raise ValueError(f"'input_range' must be increasing, not {input_range}")
        if self.has_lut():
            first, data, _ = lut_item(
                self.PresentationLUTSequence[0], allowed_bits=PRESENTATION_BITS, signed_first=False, little=is_little_endian(self)
            )
            dt = check_dtype_safe(data.dtype, dtype)
            stages: tuple = (E.Quantize(lo, hi, len(data)), E.Lookup(0, data))
            return E.apply_plan(E.Plan(stages, dt), array)
        default = array.dtype if array.dtype.kind == "f" else np.dtype(np.float64)
        dt = np.dtype(default if dtype is None else dtype)
        shape = (strings(self, T.PresentationLUTShape) or ["IDENTITY"])[0].upper()
        if shape not in ("IDENTITY", "INVERSE"):
            raise ValueError(f"{tag_name(T.PresentationLUTShape)} is {shape!r}: only IDENTITY and INVERSE are defined")
        stages = (E.Reflect(lo, hi),) if shape == "INVERSE" else ()
        return E.apply_plan(E.Plan(stages, dt), array)


class PaletteColorLUTTransformation(_Transformation):
    """The Palette Color LUT transformation: indices to RGB (PS3.3 C.7.6.3.1.5, C.7.9).

    Parameters
    ----------
    red_lut, green_lut, blue_lut : PaletteColorLUT or SegmentedPaletteColorLUT
        The three channels; their entries, first mapped values and bits must agree.
    palette_color_lut_uid : str, optional
        (0028,1199) *Palette Color Lookup Table UID*.
    """

    def __init__(
        self,
        red_lut: PaletteColorLUT | SegmentedPaletteColorLUT,
        green_lut: PaletteColorLUT | SegmentedPaletteColorLUT,
        blue_lut: PaletteColorLUT | SegmentedPaletteColorLUT,
        palette_color_lut_uid: str | None = None,
    ):
        super().__init__()
        luts = {"Red": red_lut, "Green": green_lut, "Blue": blue_lut}
        kinds = set()
        for name, lut in list(luts.items()):
            if not isinstance(lut, (PaletteColorLUT, SegmentedPaletteColorLUT)):
                kind = SegmentedPaletteColorLUT if any("Segmented" in (e.keyword or "") for e in lut) else PaletteColorLUT
                lut = luts[name] = as_lut(lut, kind, f"'{name.lower()}_lut'")
            if lut._color != name:
                raise ValueError(f"'{name.lower()}_lut' holds the {lut._color.lower()} channel")
            kinds.add(type(lut))
        if len(kinds) != 1:
            raise ValueError("The three LUTs must all be segmented or all plain")
        for prop in ("number_of_entries", "bits_per_entry", "first_mapped_value"):
            values = {getattr(lut, prop) for lut in luts.values()}
            if len(values) != 1:
                raise ValueError(f"The three palette LUTs must have the same {prop.replace('_', ' ')}, not {sorted(values)}")
        for lut in luts.values():
            for elem in lut:
                self.add(_copy.deepcopy(elem))
        copy_encoding(luts["Red"], self)
        if palette_color_lut_uid is not None:
            self.PaletteColorLookupTableUID = str(palette_color_lut_uid)

    @classmethod
    def from_colors(
        cls, colors: Sequence[str], first_mapped_value: int = 0, palette_color_lut_uid: str | None = None
    ) -> "PaletteColorLUTTransformation":
        """An 8-bit palette mapping ``first_mapped_value + i`` to ``colors[i]``.

        Colors are names or codes that Pillow's ``ImageColor.getrgb`` reads
        (``"red"``, ``"#ff7733"``, ``"rgb(255, 255, 0)"``).
        """
        from PIL import ImageColor

        colors = list(colors)
        if not colors:
            raise ValueError("'colors' must not be empty")
        rgb = np.array([ImageColor.getrgb(c)[:3] for c in colors], dtype=np.uint8)
        return cls.from_combined_lut(rgb, first_mapped_value, palette_color_lut_uid)

    @classmethod
    def from_combined_lut(
        cls, lut_data: np.ndarray, first_mapped_value: int = 0, palette_color_lut_uid: str | None = None
    ) -> "PaletteColorLUTTransformation":
        """A palette from an ``(entries, 3)`` ``uint8`` or ``uint16`` RGB array."""
        lut_data = np.asarray(lut_data)
        if lut_data.ndim != 2 or lut_data.shape[1] != 3:
            raise ValueError(f"'lut_data' must be shaped (number_of_entries, 3), not {lut_data.shape}")
        if lut_data.dtype not in (np.dtype(np.uint8), np.dtype(np.uint16)):
            raise ValueError(f"'lut_data' must have dtype uint8 or uint16, not {lut_data.dtype}")
        return cls(
            PaletteColorLUT(first_mapped_value, np.ascontiguousarray(lut_data[:, 0]), "red"),
            PaletteColorLUT(first_mapped_value, np.ascontiguousarray(lut_data[:, 1]), "green"),
            PaletteColorLUT(first_mapped_value, np.ascontiguousarray(lut_data[:, 2]), "blue"),
            palette_color_lut_uid,
        )

    @classmethod
    def extract_from_dataset(cls, dataset: Dataset) -> "PaletteColorLUTTransformation":
        """A new transformation with the palette elements of `dataset` (e.g. an image)."""
        segmented = "SegmentedRedPaletteColorLookupTableData" in dataset
        kind = SegmentedPaletteColorLUT if segmented else PaletteColorLUT
        # validates descriptors and data before copying them
        palette_table(dataset, signed=False, little=is_little_endian(dataset))
        luts = [kind.extract_from_dataset(dataset, c) for c in ("red", "green", "blue")]
        new = cls(*luts, palette_color_lut_uid=get(dataset, T.PaletteColorLookupTableUID))
        return new

    #: :meth:`from_dataset` needs one of these elements; the message when all are absent.
    _REQUIRED = ("RedPaletteColorLookupTableDescriptor",)
    _MISSING = "no Palette Color Lookup Table Descriptor"

    @property
    def is_segmented(self) -> bool:
        """True if the tables are segmented."""
        return "SegmentedRedPaletteColorLookupTableData" in self

    def _lut(self, color: str):
        kind = SegmentedPaletteColorLUT if self.is_segmented else PaletteColorLUT
        return kind.extract_from_dataset(self, color)

    @property
    def red_lut(self) -> PaletteColorLUT | SegmentedPaletteColorLUT:
        """The red channel."""
        return self._lut("red")

    @property
    def green_lut(self) -> PaletteColorLUT | SegmentedPaletteColorLUT:
        """The green channel."""
        return self._lut("green")

    @property
    def blue_lut(self) -> PaletteColorLUT | SegmentedPaletteColorLUT:
        """The blue channel."""
        return self._lut("blue")

    def _table(self) -> tuple[int, np.ndarray]:
        return palette_table(self, signed=False, little=is_little_endian(self))

    @property
    def number_of_entries(self) -> int:
        """Number of entries."""
        return self.red_lut.number_of_entries

    @property
    def first_mapped_value(self) -> int:
        """The pixel value mapped to the first entry."""
        return self.red_lut.first_mapped_value

    @property
    def bits_per_entry(self) -> int:
        """Bits per entry: 8 or 16."""
        return self.red_lut.bits_per_entry

    @property
    def combined_lut_data(self) -> np.ndarray:
        """The ``(entries, 3)`` RGB table (segmented tables expanded)."""
        return self._table()[1]

    def apply(self, array: np.ndarray, dtype: Any = None) -> np.ndarray:
        """Map integer indices to RGB: the result has a trailing axis of 3.

        Parameters
        ----------
        dtype : numpy dtype, optional
            The LUT's (uint8 or uint16) when None; only safe casts.
        """
        array = np.asarray(array)
        if array.dtype.kind not in "iub":
            raise ValueError(f"The array must have an integer dtype to index a palette, not {array.dtype}")
        first, data = self._table()
        dt = check_dtype_safe(data.dtype, dtype)
        return E.apply_plan(E.Plan((E.Palette(first, data),), dt), array)
