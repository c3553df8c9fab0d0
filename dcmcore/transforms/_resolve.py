"""Resolving a data set's transforms into a plan: what applies, with which values.

Used by :class:`~dcmcore.transforms.TransformChain` (per frame) and by the
pydicom-style functions and transformation classes. The option semantics are
highdicom ``Image.get_frame``'s; the values follow PS3.3 C.11 (see
docs/transforms.md for where highdicom and pydicom differ).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue as _MultiValue

from dcmcore.transforms import _engine as E
from dcmcore.transforms._dsutil import (
    T,
    first_item,
    frame_items,
    get,
    has,
    integers,
    is_little_endian,
    numbers,
    strings,
    tag_name,
)
from dcmcore.transforms._lutdata import expand_segmented, read_descriptor, read_lut_data
from dcmcore.transforms.errors import InvalidTransformError, SelectorError, TransformNotFoundError
from dcmcore.transforms.realworld import RealWorldValueMapping, select_real_world_value_map

__all__ = ["ImageInfo", "Options", "resolve", "palette_table", "palette_stage", "scaled_lut", "window_stage"]

_LOCK = threading.Lock()
MONOCHROME, PALETTE, COLOR = "MONOCHROME", "PALETTE", "COLOR"
_FLOAT_PIXEL_TAGS = (0x7FE00008, 0x7FE00009)


# ---- the image's description --------------------------------------------------------


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
    def from_dataset(cls, ds: Dataset) -> "ImageInfo":
        pi = strings(ds, T.PhotometricInterpretation)
        if not pi:
            raise InvalidTransformError(f"The data set has no {tag_name(T.PhotometricInterpretation)}")
        photometric = pi[0].upper()
        if photometric in ("MONOCHROME1", "MONOCHROME2"):
            color_type = MONOCHROME
        elif photometric == "PALETTE COLOR":
            color_type = PALETTE
        else:
            color_type = COLOR
        is_float = any(t in ds._dict for t in _FLOAT_PIXEL_TAGS)
        signed = False
        domain = None
        if not is_float:
            bits = integers(ds, T.BitsStored) or integers(ds, T.BitsAllocated)
            rep = integers(ds, T.PixelRepresentation) or [0]
            if bits is None:
                raise InvalidTransformError(f"The data set has no {tag_name(T.BitsStored)}")
            b = bits[0]
            if not 1 <= b <= 64:
                raise InvalidTransformError(f"{tag_name(T.BitsStored)} is {b}, it must be 1 to 64")
            signed = rep[0] == 1
            domain = (-(1 << (b - 1)), (1 << (b - 1)) - 1) if signed else (0, (1 << b) - 1)
        nframes = integers(ds, T.NumberOfFrames) or [1]
        return cls(photometric, color_type, is_float, domain, signed, max(1, nframes[0]))


# ---- options ------------------------------------------------------------------------


def _flag(value: Any, name: str) -> tuple[bool, bool]:
    """(use, require) for a True / False / None option."""
    if value is None:
        return True, False
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"'{name}' must be True, False or None, not {value!r}")
    return bool(value), bool(value)


@dataclass(frozen=True)
class Options:
    dtype: np.dtype
    use_rwvm: bool
    require_rwvm: bool
    rwvm_selector: Any
    use_modality: bool
    require_modality: bool
    use_voi: bool
    require_voi: bool
    voi_selector: Any
    voi_range: tuple[float, float]
    presentation: bool
    use_palette: bool
    require_palette: bool
    use_icc: bool
    require_icc: bool

    @classmethod
    def make(
        cls,
        dtype: Any,
        apply_real_world_transform: bool | None,
        real_world_value_map_selector: Any,
        apply_modality_transform: bool | None,
        apply_voi_transform: bool | None,
        voi_transform_selector: Any,
        voi_output_range: tuple[float, float],
        apply_presentation_lut: bool,
        apply_palette_color_lut: bool | None,
        apply_icc_profile: bool | None,
    ) -> "Options":
        dt = np.dtype(dtype)
        if dt not in E.OUTPUT_DTYPES:
            names = ", ".join(str(d) for d in E.OUTPUT_DTYPES)
            raise ValueError(f"Unsupported output dtype {dt}: use one of {names}")
        if isinstance(voi_transform_selector, bool) or not isinstance(
            voi_transform_selector, (int, np.integer, str, Dataset)
        ):
            raise TypeError(
                "'voi_transform_selector' must be an int, a str or a VOILUTTransformation, "
                f"not {type(voi_transform_selector).__name__}"
            )
        use_rwvm, require_rwvm = _flag(apply_real_world_transform, "apply_real_world_transform")
        use_modality, require_modality = _flag(apply_modality_transform, "apply_modality_transform")
        use_voi, require_voi = _flag(apply_voi_transform, "apply_voi_transform")
        use_palette, require_palette = _flag(apply_palette_color_lut, "apply_palette_color_lut")
        use_icc, require_icc = _flag(apply_icc_profile, "apply_icc_profile")
        if not isinstance(apply_presentation_lut, (bool, np.bool_)):
            raise TypeError(f"'apply_presentation_lut' must be True or False, not {apply_presentation_lut!r}")
        if require_rwvm and require_modality:
            raise ValueError(
                "'apply_real_world_transform' and 'apply_modality_transform' cannot both be True: "
                "a real world value map replaces the modality transform"
            )
        if require_rwvm:
            use_modality = False
            if require_voi:
                raise ValueError(
                    "'apply_real_world_transform' and 'apply_voi_transform' cannot both be True: the VOI "
                    "transform applies to modality values, which a real world value map replaces"
                )
            use_voi = False
        if require_modality:
            use_rwvm = False
        if use_voi and not use_modality and not require_rwvm:
            raise ValueError("If 'apply_voi_transform' is True or None, 'apply_modality_transform' cannot be False")
        if use_icc and not use_palette:
            # as highdicom: the ICC profile applies to the palette's output
            raise ValueError("If 'apply_icc_profile' is True or None, 'apply_palette_color_lut' cannot be False")
        try:
            lo, hi = (float(v) for v in voi_output_range)
        except (TypeError, ValueError):
            raise TypeError(f"'voi_output_range' must be a pair of numbers, not {voi_output_range!r}") from None
        if not lo < hi:
            raise ValueError(f"The second value of 'voi_output_range' must be higher than the first, not {(lo, hi)}")
        return cls(
            dt, use_rwvm, require_rwvm, real_world_value_map_selector, use_modality, require_modality,
            use_voi, require_voi, voi_transform_selector, (lo, hi), bool(apply_presentation_lut),
            use_palette, require_palette, use_icc, require_icc,
        )


# ---- LUT items ----------------------------------------------------------------------


def _lut_item(item: Dataset, *, allowed_bits: tuple[int, ...], signed_first: bool, little: bool) -> tuple[int, np.ndarray, int]:
    desc = read_descriptor(item, T.LUTDescriptor, allowed_bits=allowed_bits, signed_first=signed_first)
    data = read_lut_data(item, T.LUTData, desc, T.LUTDescriptor, little=little)
    return desc.first_mapped, data, desc.bits


MODALITY_BITS = (8, 16)
VOI_BITS = tuple(range(8, 17))
PRESENTATION_BITS = tuple(range(8, 17))
PALETTE_BITS = (8, 16)
_COLORS = ("Red", "Green", "Blue")


def palette_table(ds: Dataset, *, signed: bool, little: bool) -> tuple[int, np.ndarray]:
    """``(first mapped value, (n, 3) entries)`` of a data set's Palette Color LUT.

    Plain or segmented (PS3.3 C.7.6.3.1.5, C.7.9); the three descriptors
    must agree, and the three tables must have the descriptor's length.
    """
    desc_tags = (T.RedPaletteColorLookupTableDescriptor, T.GreenPaletteColorLookupTableDescriptor, T.BluePaletteColorLookupTableDescriptor)
    data_tags = (T.RedPaletteColorLookupTableData, T.GreenPaletteColorLookupTableData, T.BluePaletteColorLookupTableData)
    seg_tags = (
        T.SegmentedRedPaletteColorLookupTableData,
        T.SegmentedGreenPaletteColorLookupTableData,
        T.SegmentedBluePaletteColorLookupTableData,
    )
    if desc_tags[0] not in ds._dict:
        raise TransformNotFoundError(f"The data set has no {tag_name(desc_tags[0])}: no Palette Color LUT")
    descs = [read_descriptor(ds, t, allowed_bits=PALETTE_BITS, signed_first=signed) for t in desc_tags]
    for t, d in zip(desc_tags[1:], descs[1:]):
        if d != descs[0]:
            raise InvalidTransformError(f"{tag_name(t)} {d} differs from {tag_name(desc_tags[0])} {descs[0]}")
    desc = descs[0]
    segmented = seg_tags[0] in ds._dict
    channels = []
    for i in range(3):
        if segmented:
            if seg_tags[i] not in ds._dict:
                raise InvalidTransformError(f"{tag_name(seg_tags[i])} is missing (the red table is segmented)")
            data = expand_segmented(ds[seg_tags[i]].value, desc.bits, little=little, tag=seg_tags[i])
            if len(data) != desc.entries:
                raise InvalidTransformError(
                    f"{tag_name(seg_tags[i])} expands to {len(data)} entries, but {tag_name(desc_tags[i])} "
                    f"describes {desc.entries}"
                )
        else:
            if data_tags[i] not in ds._dict:
                raise InvalidTransformError(f"{tag_name(data_tags[i])} is missing")
            data = read_lut_data(ds, data_tags[i], desc, desc_tags[i], little=little)
        channels.append(data)
    dtype = np.uint8 if desc.bits == 8 else np.uint16
    return desc.first_mapped, np.stack([c.astype(dtype) for c in channels], axis=-1)


_PALETTES: dict = {}
_PALETTE_TAGS = (
    T.RedPaletteColorLookupTableDescriptor,
    T.GreenPaletteColorLookupTableDescriptor,
    T.BluePaletteColorLookupTableDescriptor,
    T.RedPaletteColorLookupTableData,
    T.GreenPaletteColorLookupTableData,
    T.BluePaletteColorLookupTableData,
    T.SegmentedRedPaletteColorLookupTableData,
    T.SegmentedGreenPaletteColorLookupTableData,
    T.SegmentedBluePaletteColorLookupTableData,
)


def palette_stage(ds: Dataset, *, signed: bool, little: bool) -> E.Palette:
    """The Palette Color LUT of `ds` as a transform stage, cached by the tables' content."""
    values = []
    for tag in _PALETTE_TAGS:
        v = get(ds, tag)
        if isinstance(v, (list, _MultiValue)):
            v = tuple(v)
        values.append(v)
    key = (tuple(values), signed, little)
    try:
        stage = _PALETTES.get(key)
    except TypeError:
        key, stage = None, None
    if stage is None:
        first, data = palette_table(ds, signed=signed, little=little)
        stage = E.Palette(first, data)
        if key is not None:
            with _LOCK:
                if len(_PALETTES) >= 32:
                    _PALETTES.pop(next(iter(_PALETTES)), None)
                _PALETTES[key] = stage
    return stage


def scaled_lut(data: np.ndarray, lo: float, hi: float, invert: bool) -> np.ndarray:
    """LUT entries mapped linearly from their own min .. max onto ``lo .. hi``.

    Inverted, the minimum goes to `hi`. A constant table maps to `lo`
    (`hi` when inverted).
    """
    d = data.astype(np.float64)
    dmin, dmax = float(d.min()), float(d.max())
    if dmax == dmin:
        return np.full(d.shape, hi if invert else lo)
    scale = (hi - lo) / (dmax - dmin)
    return ((dmax - d) if invert else (d - dmin)) * scale + lo


# ---- resolving one frame's plan -----------------------------------------------------


@dataclass
class _Resolved:
    plan: E.Plan
    shared: bool  # the same for every frame
    icc: bytes | None = None


def _select_window(item: Dataset, selector: Any) -> tuple[float, float, str]:
    centers = numbers(item, T.WindowCenter)
    widths = numbers(item, T.WindowWidth)
    if centers is None or widths is None:
        missing = T.WindowWidth if centers is not None else T.WindowCenter
        raise InvalidTransformError(f"{tag_name(missing)} is missing or empty (the other window element is present)")
    if len(centers) != len(widths):
        raise InvalidTransformError(
            f"{tag_name(T.WindowCenter)} has {len(centers)} values but {tag_name(T.WindowWidth)} has {len(widths)}"
        )
    if isinstance(selector, str):
        explanations = strings(item, T.WindowCenterWidthExplanation) or []
        if selector not in explanations:
            raise SelectorError(
                f"voi_transform_selector {selector!r} matches no {tag_name(T.WindowCenterWidthExplanation)} "
                f"(they are {explanations}) and the data set has no (0028,3010) 'VOI LUT Sequence'"
            )
        index = explanations.index(selector)
    else:
        index = int(selector)
    if not -len(centers) <= index < len(centers):
        raise SelectorError(
            f"voi_transform_selector {index} is out of range: {tag_name(T.WindowCenter)} has {len(centers)} value(s)"
        )
    funcs = strings(item, T.VOILUTFunction) or ["LINEAR"]
    return centers[index], widths[index], funcs[0].upper() or "LINEAR"


def window_stage(center: float, width: float, function: str, lo: float, hi: float, invert: bool) -> E.Window:
    """A checked window stage (PS3.3 C.11.2.1.2 and C.11.2.1.3)."""
    mode = E.WINDOW_MODES.get(function)
    if mode is None:
        raise InvalidTransformError(
            f"{tag_name(T.VOILUTFunction)} is {function!r}: only LINEAR, LINEAR_EXACT and SIGMOID are defined"
        )
    if not (np.isfinite(center) and np.isfinite(width)):
        raise InvalidTransformError(f"The window ({tag_name(T.WindowCenter)} {center}, width {width}) is not finite")
    if mode == E.WIN_LINEAR and width < 1:
        raise InvalidTransformError(f"{tag_name(T.WindowWidth)} is {width:g}: a LINEAR window must be at least 1 wide")
    if mode != E.WIN_LINEAR and width <= 0:
        raise InvalidTransformError(f"{tag_name(T.WindowWidth)} is {width:g}: a {function} window must be wider than 0")
    return E.Window(mode, float(center), float(width), lo, hi, invert)


def _select_voi_lut(ds: Dataset, selector: Any) -> Dataset:
    seq = get(ds, T.VOILUTSequence)
    items = list(seq)
    if isinstance(selector, str):
        explanations = [(strings(it, T.LUTExplanation) or [None])[0] for it in items]
        if selector not in explanations:
            raise SelectorError(
                f"voi_transform_selector {selector!r} matches no {tag_name(T.LUTExplanation)} of "
                f"{tag_name(T.VOILUTSequence)} (they are {explanations})"
            )
        return items[explanations.index(selector)]
    index = int(selector)
    if not -len(items) <= index < len(items):
        raise SelectorError(f"voi_transform_selector {index} is out of range: {tag_name(T.VOILUTSequence)} has {len(items)} item(s)")
    return items[index]


def resolve(ds: Dataset, info: ImageInfo, opts: Options, frame_index: int | None) -> _Resolved:
    """The plan of one frame (or of every frame, when they share their transforms)."""
    dtype = opts.dtype
    if info.color_type != MONOCHROME:
        for flag, what in ((opts.require_rwvm, "Real world value map"), (opts.require_modality, "Modality transform"), (opts.require_voi, "VOI transform")):
            if flag:
                raise ValueError(f"{what} is required but the image is not monochrome ({info.photometric})")
    if opts.require_palette and info.color_type != PALETTE:
        raise ValueError(f"Palette color transform is required but the image is {info.photometric}, not PALETTE COLOR")
    if opts.require_icc and info.color_type == MONOCHROME:
        raise ValueError(f"ICC profile is required but the image is {info.photometric}, not a color image")

    icc = _icc_profile(ds, frame_index) if opts.use_icc and info.color_type != MONOCHROME else None
    if opts.require_icc and icc is None:
        raise TransformNotFoundError(
            f"An ICC profile is required but the data set has no {tag_name(T.ICCProfile)} (top level or in the "
            f"{tag_name(T.OpticalPathSequence)})"
        )

    # a profile chosen by each frame's optical path (microscopy) may differ between frames
    icc_shared = icc is None or not _icc_per_frame(ds)

    if info.color_type == PALETTE:
        if not opts.use_palette:
            return _Resolved(E.Plan((), dtype), True, None)
        stage = palette_stage(ds, signed=info.signed, little=is_little_endian(ds))
        if icc is None:
            if dtype.kind in "iu" and not np.can_cast(stage.data.dtype, dtype, "safe"):
                raise ValueError(
                    f"The output dtype {dtype} cannot hold the {stage.data.dtype.itemsize * 8}-bit entries of the "
                    f"Palette Color LUT ({tag_name(T.RedPaletteColorLookupTableDescriptor)}); use a floating point "
                    "dtype or a wider integer dtype"
                )
            return _Resolved(E.Plan((stage,), dtype), True, None)
        first, data = stage.first, stage.data
        if icc is not None:
            from dcmcore.color import ColorManager

            if data.dtype != np.uint8:
                raise ValueError(
                    "The ICC profile can only be applied to 8-bit colors, but the Palette Color LUT has "
                    f"16 bits per entry ({tag_name(T.RedPaletteColorLookupTableDescriptor)}); pass apply_icc_profile=False"
                )
            data = ColorManager(icc).transform_frame(data[:, None, :])[:, 0, :]
        return _Resolved(E.Plan((E.Palette(first, data),), dtype), icc_shared, None)

    if info.color_type == COLOR:
        return _Resolved(E.Plan((), dtype), icc_shared, icc)

    return _resolve_monochrome(ds, info, opts, frame_index)


def _resolve_monochrome(ds: Dataset, info: ImageInfo, opts: Options, frame_index: int | None) -> _Resolved:
    items = list(frame_items(ds, frame_index))
    shared = True
    stages: list = []

    # Presentation: INVERSE shape, MONOCHROME1, or a Presentation LUT Sequence
    invert = False
    plut = None
    if opts.presentation:
        plut_item = first_item(ds, T.PresentationLUTSequence)
        shape = strings(ds, T.PresentationLUTShape)
        if plut_item is not None:
            plut = _lut_item(plut_item, allowed_bits=PRESENTATION_BITS, signed_first=False, little=is_little_endian(ds))
        elif shape:
            if shape[0].upper() not in ("IDENTITY", "INVERSE"):
                raise InvalidTransformError(
                    f"{tag_name(T.PresentationLUTShape)} is {shape[0]!r}: only IDENTITY and INVERSE are defined for images"
                )
            invert = shape[0].upper() == "INVERSE"
        elif info.photometric == "MONOCHROME1":
            invert = True

    # Real world value map: replaces modality, VOI and presentation
    if opts.use_rwvm:
        for item, item_shared in items:
            seq = get(item, T.RealWorldValueMappingSequence)
            if seq:
                if opts.require_voi:
                    # the VOI transform a real world value map supersedes is not applicable: "not found"
                    raise TransformNotFoundError(
                        "A VOI transform is required (apply_voi_transform=True) but the data set's "
                        f"{tag_name(T.RealWorldValueMappingSequence)} supersedes it; pass apply_real_world_transform=False"
                    )
                mapping = RealWorldValueMapping.from_dataset(
                    select_real_world_value_map(seq, opts.rwvm_selector), signed=info.signed
                )
                plan = mapping.plan(opts.dtype)
                _check_output(plan, info, opts, rounding=False)
                return _Resolved(plan, item_shared and shared)
        if opts.require_rwvm:
            raise TransformNotFoundError(
                f"A real world value map is required but the data set has no {tag_name(T.RealWorldValueMappingSequence)}"
            )

    # Modality LUT or rescale
    domain = info.domain
    mrange: tuple[float, float] | None = domain
    has_modality = False
    if opts.use_modality:
        mlut_item = first_item(ds, T.ModalityLUTSequence)
        if mlut_item is not None:
            first, data, _ = _lut_item(mlut_item, allowed_bits=MODALITY_BITS, signed_first=info.signed, little=is_little_endian(ds))
            stages.append(E.Lookup(first, data, what=f"the {tag_name(T.ModalityLUTSequence)}"))
            mrange = (float(data.min()), float(data.max()))
            has_modality = True
        else:
            for item, item_shared in items:
                sub = first_item(item, T.PixelValueTransformationSequence) or item
                if has(sub, T.RescaleSlope) or has(sub, T.RescaleIntercept):
                    slope = numbers(sub, T.RescaleSlope)
                    intercept = numbers(sub, T.RescaleIntercept)
                    slope = 1.0 if not slope else slope[0]
                    intercept = 0.0 if not intercept else intercept[0]
                    if not (np.isfinite(slope) and np.isfinite(intercept)):
                        raise InvalidTransformError(
                            f"{tag_name(T.RescaleSlope)} {slope} / {tag_name(T.RescaleIntercept)} {intercept} is not finite"
                        )
                    if slope == 0:
                        raise InvalidTransformError(f"{tag_name(T.RescaleSlope)} is 0")
                    if (slope, intercept) != (1.0, 0.0):
                        stages.append(E.Linear(slope, intercept))
                    if domain is not None:
                        a, b = domain[0] * slope + intercept, domain[1] * slope + intercept
                        mrange = (min(a, b), max(a, b))
                    else:
                        mrange = None
                    has_modality = True
                    shared = shared and item_shared
                    break
        if opts.require_modality and not has_modality:
            raise TransformNotFoundError(
                "A modality transform is required but the data set has neither a "
                f"{tag_name(T.ModalityLUTSequence)} nor {tag_name(T.RescaleSlope)} / {tag_name(T.RescaleIntercept)} "
                f"(top level or in a {tag_name(T.PixelValueTransformationSequence)})"
            )

    # VOI: window or VOI LUT into voi_output_range
    has_voi = False
    lo, hi = opts.voi_range
    invert_voi = invert and plut is None
    if opts.use_voi:
        selector = opts.voi_selector
        if isinstance(selector, Dataset):
            stage = _user_voi(selector, info, mrange, lo, hi, invert_voi)
            stages.append(stage)
            has_voi = True
        elif first_item(ds, T.VOILUTSequence) is not None:
            item = _select_voi_lut(ds, selector)
            signed_first = mrange is not None and mrange[0] < 0
            first, data, _ = _lut_item(item, allowed_bits=VOI_BITS, signed_first=signed_first, little=is_little_endian(ds))
            stages.append(E.Lookup(first, scaled_lut(data, lo, hi, invert_voi), what=f"the {tag_name(T.VOILUTSequence)}"))
            has_voi = True
        else:
            for item, item_shared in items:
                sub = first_item(item, T.FrameVOILUTSequence) or item
                if has(sub, T.WindowCenter) or has(sub, T.WindowWidth):
                    center, width, function = _select_window(sub, selector)
                    stages.append(window_stage(center, width, function, lo, hi, invert_voi))
                    has_voi = True
                    shared = shared and item_shared
                    break
        if opts.require_voi and not has_voi:
            raise TransformNotFoundError(
                f"A VOI transform is required but the data set has neither {tag_name(T.WindowCenter)} / "
                f"{tag_name(T.WindowWidth)} (top level or in a {tag_name(T.FrameVOILUTSequence)}) nor a "
                f"{tag_name(T.VOILUTSequence)}"
            )

    prange = (lo, hi) if has_voi else mrange
    if plut is not None:
        if prange is None:
            raise ValueError(
                f"The {tag_name(T.PresentationLUTSequence)} cannot be applied to floating point pixel data without "
                "a VOI transform: the range of its input is unknown"
            )
        _, pdata, pbits = plut
        stages.append(E.Quantize(prange[0], prange[1], len(pdata)))
        pvalues = pdata.astype(np.float64)
        if has_voi:
            pvalues = pvalues * ((hi - lo) / ((1 << pbits) - 1)) + lo
        stages.append(E.Lookup(0, pvalues, what=f"the {tag_name(T.PresentationLUTSequence)}"))
    elif invert and not has_voi:
        stages.append(E.Reflect(*prange) if prange is not None else E.Reflect(0.0, 0.0))

    plan = E.Plan(tuple(stages), opts.dtype, rounding=has_voi and opts.dtype.kind in "iu")
    _check_output(plan, info, opts, rounding=plan.rounding)
    return _Resolved(plan, shared)


def _user_voi(voi: Dataset, info: ImageInfo, mrange, lo: float, hi: float, invert: bool):
    """The stage of a user supplied VOILUTTransformation (a single window or LUT)."""
    seq = get(voi, T.VOILUTSequence)
    if seq:
        if len(seq) > 1:
            raise ValueError("A VOILUTTransformation given as 'voi_transform_selector' must hold a single VOI LUT")
        signed_first = mrange is not None and mrange[0] < 0
        first, data, _ = _lut_item(seq[0], allowed_bits=VOI_BITS, signed_first=signed_first, little=is_little_endian(voi))
        return E.Lookup(first, scaled_lut(data, lo, hi, invert), what=f"the {tag_name(T.VOILUTSequence)}")
    centers, widths = numbers(voi, T.WindowCenter), numbers(voi, T.WindowWidth)
    if not centers or not widths:
        raise ValueError("The VOILUTTransformation given as 'voi_transform_selector' has no window and no VOI LUT")
    if len(centers) != 1 or len(widths) != 1:
        raise ValueError("A VOILUTTransformation given as 'voi_transform_selector' must hold a single window")
    function = (strings(voi, T.VOILUTFunction) or ["LINEAR"])[0].upper()
    return window_stage(centers[0], widths[0], function, lo, hi, invert)


def _check_output(plan: E.Plan, info: ImageInfo, opts: Options, *, rounding: bool) -> None:
    """Reject, once, an integer output dtype that cannot hold the transformed values.

    The rules are highdicom's (``Image.get_frame``), which decides from the
    transform and the Bits Stored range, never from a frame's values:

    * a display range (VOI transform): `voi_output_range` must fit the dtype;
    * a rescale and/or inversion ``y = a x + b`` other than the identity: `a`
      and `b` must be integers, an unsigned dtype needs ``b >= 0``, and
      ``a * max + b`` / ``a * min + b`` over the Bits Stored range must fit;
    * a Modality LUT or palette: its entries (8 or 16 bits) must cast safely
      to the dtype; a Real World Value LUT (floating point) cannot be exact.

    What highdicom then casts without a check (stored values as they are, an
    inversion) is checked against each frame's values when it is applied: a
    stored value whose result the dtype cannot hold raises there, where
    highdicom would wrap it around (the table keeps such entries flagged).
    """
    dtype = opts.dtype
    if dtype.kind not in "iu":
        return
    lo, hi = np.iinfo(dtype).min, np.iinfo(dtype).max
    if rounding:
        if opts.voi_range[0] < lo or opts.voi_range[1] > hi:
            raise ValueError(
                f"voi_output_range {opts.voi_range} does not fit the output dtype {dtype} ({lo} .. {hi})"
            )
        return
    if info.is_float:
        raise ValueError(
            f"An integer output dtype ({dtype}) needs integer stored values, but the pixel data is floating point; "
            "use a floating point dtype, or a VOI transform into a display range"
        )
    stages = plan.stages
    if not stages:
        return  # the stored values themselves: checked per frame
    arith = plan.arithmetic
    if arith is not None and arith[2] == 0:
        slope, intercept, _, _, _, ymin, ymax, invert = arith
        a, b = (-slope, ymin + ymax - intercept) if invert else (slope, intercept)
        if plan.valid is not None:
            what = f"The real world value map ({tag_name(T.RealWorldValueSlope)} / {tag_name(T.RealWorldValueIntercept)})"
        elif (slope, intercept) == (1.0, 0.0):
            what = "The inversion (MONOCHROME1 or INVERSE)"
        else:
            what = f"The rescale ({tag_name(T.RescaleSlope)} / {tag_name(T.RescaleIntercept)})"
            what += ", inverted (MONOCHROME1 or INVERSE)," if invert else ""
        _check_affine(a, b, info.domain, dtype, what)
        return
    for stage in stages:
        if isinstance(stage, E.Lookup) and not isinstance(stage, E.Palette) and stage.data.dtype.kind == "f" and not stage.clip:
            raise ValueError(
                f"An integer output dtype ({dtype}) cannot hold the floating point values of {stage.what}; "
                "use a floating point dtype"
            )
    if len(stages) <= 2 and isinstance(stages[0], E.Lookup) and stages[0].data.dtype.kind in "iu":
        entries = stages[0].data.dtype
        if not np.can_cast(entries, dtype, "safe"):
            raise ValueError(
                f"The output dtype {dtype} cannot hold the {entries.itemsize * 8}-bit entries of {stages[0].what}; "
                "use a floating point dtype or a wider integer dtype"
            )
        return
    # any other composition (a Presentation LUT Sequence): every entry must fit
    domain = plan.valid if plan.valid is not None else info.domain
    if domain is None or domain[1] - domain[0] >= (1 << 16):
        return
    lo_d = int(np.ceil(domain[0]))
    _, invalid = E.table(plan, np.dtype(np.int64), lo_d, int(domain[1]) - lo_d + 1)
    if invalid is not None:
        raise E._first_invalid(invalid, plan, lo_d)


def _check_affine(a: float, b: float, domain: tuple[int, int] | None, dtype: np.dtype, what: str) -> None:
    """highdicom's checks of a rescale ``y = a x + b`` into an integer dtype (none for the identity)."""
    if (a, b) == (1.0, 0.0):
        return
    name = f"{what} y = {a:g} x + {b:g}"
    if not (float(a).is_integer() and float(b).is_integer()):
        raise ValueError(
            f"{name}: its slope or intercept is not an integer, so the output dtype {dtype} cannot hold its values"
        )
    if dtype.kind == "u" and b < 0:
        raise ValueError(f"{name} has a negative intercept: the unsigned output dtype {dtype} cannot hold its values")
    if domain is None:
        return
    lo, hi = np.iinfo(dtype).min, np.iinfo(dtype).max
    at_max, at_min = a * domain[1] + b, a * domain[0] + b
    if at_max > hi or at_min < lo:
        raise ValueError(
            f"{name} maps the stored values {domain[0]} .. {domain[1]} ({tag_name(T.BitsStored)}) to "
            f"{min(at_min, at_max):g} .. {max(at_min, at_max):g}: the output dtype {dtype} cannot hold them ({lo} .. {hi})"
        )


def _icc_per_frame(ds: Dataset) -> bool:
    """True when each frame's optical path picks its ICC profile (no top-level profile, several paths)."""
    if get(ds, T.ICCProfile) is not None:
        return False
    paths = get(ds, T.OpticalPathSequence)
    return bool(paths) and len(paths) > 1


def _icc_profile(ds: Dataset, frame_index: int | None) -> bytes | None:
    """The ICC profile for a frame: top level, or in the frame's optical path (microscopy)."""
    profile = get(ds, T.ICCProfile)
    if profile is not None:
        return bytes(profile)
    paths = get(ds, T.OpticalPathSequence)
    if not paths:
        return None
    if len(paths) == 1:
        item = paths[0]
    else:
        identifier = None
        for source, _ in frame_items(ds, frame_index if frame_index is not None else None):
            ident = first_item(source, T.OpticalPathIdentificationSequence)
            if ident is not None:
                identifier = (strings(ident, T.OpticalPathIdentifier) or [None])[0]
        if identifier is None:
            raise ValueError(
                f"The data set has several {tag_name(T.OpticalPathSequence)} items and the frame's "
                f"{tag_name(T.OpticalPathIdentifier)} is unknown (pass frame_index)"
            )
        matches = [p for p in paths if (strings(p, T.OpticalPathIdentifier) or [None])[0] == identifier]
        if not matches:
            raise ValueError(f"No {tag_name(T.OpticalPathSequence)} item has the identifier {identifier!r}")
        item = matches[0]
    profile = get(item, T.ICCProfile)
    return bytes(profile) if profile is not None else None


_PER_FRAME_TRANSFORM_TAGS = frozenset(
    (
        T.PixelValueTransformationSequence,
        T.FrameVOILUTSequence,
        T.RealWorldValueMappingSequence,
        T.OpticalPathIdentificationSequence,
    )
)


def per_frame_tags(opts: Options) -> frozenset:
    """The functional group macros that can change a frame's transform with these options."""
    tags = []
    if opts.use_modality:
        tags.append(T.PixelValueTransformationSequence)
    if opts.use_voi:
        tags.append(T.FrameVOILUTSequence)
    if opts.use_rwvm:
        tags.append(T.RealWorldValueMappingSequence)
    if opts.use_icc:
        tags.append(T.OpticalPathIdentificationSequence)
    return frozenset(tags)


def _has_per_frame_transforms(ds: Dataset, tags: frozenset = _PER_FRAME_TRANSFORM_TAGS) -> bool:
    """True if any Per-Frame Functional Groups item holds one of the `tags` (every item is looked at)."""
    per_frame = get(ds, T.PerFrameFunctionalGroupsSequence)
    if not per_frame or not tags:
        return False
    return any(not tags.isdisjoint(item._dict) for item in per_frame)
