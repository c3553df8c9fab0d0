"""Resolving a data set's transforms into a plan: what applies, with which values.

Used by :class:`~dcmcore.transforms.TransformChain` (per frame) and by the
pydicom-style functions. The option semantics are highdicom
``Image.get_frame``'s; the values follow PS3.3 C.11 (see docs/transforms.md
for where highdicom and pydicom differ). The parts live in their own
modules: the image description (``_image``), the options (``_options``), the
palette (``_palette``), VOI selection (``_voi``), the dtype policy
(``_dtype_policy``) and the ICC profile (``_icc``).

Internal to :mod:`dcmcore.transforms`: the other modules of the subpackage
import its public names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydicom.dataset import Dataset

from dcmcore.transforms import _engine as E
from dcmcore.transforms._dsutil import T, first_item, frame_items, get, has, is_little_endian, numbers, strings, tag_name
from dcmcore.transforms._dsutil import items as dataset_items
from dcmcore.transforms._dtype_policy import check_output_dtype
from dcmcore.transforms._icc import icc_per_frame, icc_profile
from dcmcore.transforms._image import COLOR, MONOCHROME, PALETTE, ImageInfo
from dcmcore.transforms._lutdata import MODALITY_BITS, PRESENTATION_BITS, VOI_BITS, lut_item
from dcmcore.transforms._options import Options
from dcmcore.transforms._palette import palette_stage
from dcmcore.transforms._voi import scaled_lut, select_voi_lut, select_window, user_voi, window_stage
from dcmcore.transforms.errors import InvalidTransformError, TransformNotFoundError
from dcmcore.transforms.realworld import RealWorldValueMapping, select_real_world_value_map

__all__ = ["Resolved", "resolve", "per_frame_tags", "has_per_frame_transforms", "PER_FRAME_TRANSFORM_TAGS"]


@dataclass
class Resolved:
    """One frame's composed plan, whether every frame shares it, and its ICC profile."""

    plan: E.Plan
    shared: bool  # the same for every frame
    icc: bytes | None = None


def resolve(ds: Dataset, info: ImageInfo, opts: Options, frame_index: int | None) -> Resolved:
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

    icc = icc_profile(ds, frame_index) if opts.use_icc and info.color_type != MONOCHROME else None
    if opts.require_icc and icc is None:
        raise TransformNotFoundError(
            f"An ICC profile is required but the data set has no {tag_name(T.ICCProfile)} (top level or in the "
            f"{tag_name(T.OpticalPathSequence)})"
        )

    # a profile chosen by each frame's optical path (microscopy) may differ between frames
    icc_shared = icc is None or not icc_per_frame(ds)

    if info.color_type == PALETTE:
        if not opts.use_palette:
            return Resolved(E.Plan((), dtype), True, None)
        stage = palette_stage(ds, signed=info.signed, little=is_little_endian(ds))
        if icc is None:
            if dtype.kind in "iu" and not np.can_cast(stage.data.dtype, dtype, "safe"):
                raise ValueError(
                    f"The output dtype {dtype} cannot hold the {stage.data.dtype.itemsize * 8}-bit entries of the "
                    f"Palette Color LUT ({tag_name(T.RedPaletteColorLookupTableDescriptor)}); use a floating point "
                    "dtype or a wider integer dtype"
                )
            return Resolved(E.Plan((stage,), dtype), True, None)
        first, data = stage.first, stage.data
        if icc is not None:
            from dcmcore.color import ColorManager

            if data.dtype != np.uint8:
                raise ValueError(
                    "The ICC profile can only be applied to 8-bit colors, but the Palette Color LUT has "
                    f"16 bits per entry ({tag_name(T.RedPaletteColorLookupTableDescriptor)}); pass applyicc_profile=False"
                )
            data = ColorManager(icc).transform_frame(data[:, None, :])[:, 0, :]
        return Resolved(E.Plan((E.Palette(first, data),), dtype), icc_shared, None)

    if info.color_type == COLOR:
        return Resolved(E.Plan((), dtype), icc_shared, icc)

    return resolve_monochrome(ds, info, opts, frame_index)


def resolve_monochrome(ds: Dataset, info: ImageInfo, opts: Options, frame_index: int | None) -> Resolved:
    """The plan of a monochrome frame: real world value map, or modality, VOI and presentation."""
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
            plut = lut_item(plut_item, allowed_bits=PRESENTATION_BITS, signed_first=False, little=is_little_endian(ds))
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
            seq = dataset_items(item, T.RealWorldValueMappingSequence)
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
                check_output_dtype(plan, info, opts, rounding=False)
                return Resolved(plan, item_shared and shared)
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
            first, data, _ = lut_item(mlut_item, allowed_bits=MODALITY_BITS, signed_first=info.signed, little=is_little_endian(ds))
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
            stage = user_voi(selector, mrange, lo, hi, invert_voi)
            stages.append(stage)
            has_voi = True
        elif first_item(ds, T.VOILUTSequence) is not None:
            item = select_voi_lut(ds, selector)
            signed_first = mrange is not None and mrange[0] < 0
            first, data, _ = lut_item(item, allowed_bits=VOI_BITS, signed_first=signed_first, little=is_little_endian(ds))
            stages.append(E.Lookup(first, scaled_lut(data, lo, hi, invert_voi), what=f"the {tag_name(T.VOILUTSequence)}"))
            has_voi = True
        else:
            for item, item_shared in items:
                sub = first_item(item, T.FrameVOILUTSequence) or item
                if has(sub, T.WindowCenter) or has(sub, T.WindowWidth):
                    center, width, function = select_window(sub, selector)
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
    check_output_dtype(plan, info, opts, rounding=plan.rounding)
    return Resolved(plan, shared)


PER_FRAME_TRANSFORM_TAGS = frozenset(
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


def has_per_frame_transforms(ds: Dataset, tags: frozenset = PER_FRAME_TRANSFORM_TAGS) -> bool:
    """True if any Per-Frame Functional Groups item holds one of the `tags` (every item is looked at)."""
    per_frame = dataset_items(ds, T.PerFrameFunctionalGroupsSequence)
    if not per_frame or not tags:
        return False
    return any(not tags.isdisjoint(item._dict) for item in per_frame)
