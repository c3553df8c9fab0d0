"""``TransformChain``: every pixel transform a data set defines, composed into one pass.

The options and their True / False / None semantics are those of
highdicom's ``Image.get_frame``: None applies a transform when the data set
has it, True requires it (:class:`~dcmcore.transforms.errors.TransformNotFoundError`
when absent), False skips it. The values computed follow PS3.3 C.11 where
highdicom or pydicom differ from it (see docs/transforms.md).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from pydicom.dataelem import DataElement as _DataElement
from pydicom.dataelem import RawDataElement as _RawDataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue as _MultiValue

from dcmcore._kernels.lut import gather as _gather
from dcmcore.dataset_elements import check_frame_index
from dcmcore.transforms import _engine as E
from dcmcore.transforms._dsutil import T
from dcmcore.transforms._image import COLOR, FLOAT_PIXEL_TAGS, ImageInfo
from dcmcore.transforms._lutdata import clear_segmented_cache
from dcmcore.transforms._options import Options
from dcmcore.transforms._palette import PALETTE_CACHE
from dcmcore.transforms._resolve import has_per_frame_transforms, per_frame_tags, resolve

__all__ = ["TransformChain", "clear_caches"]

_LOCK = threading.Lock()


# ---- cache of built chains -----------------------------------------------------------

# Elements whose values decide a chain when the data set holds none of _UNCACHED
_FINGERPRINT_TAGS = (
    # (Rows, Columns and Samples per Pixel do not change a chain; they are read, and checked, when
    # one is built: in the key, an unreadable one is never hidden by a chain built for a good one)
    T.Rows,
    T.Columns,
    T.SamplesPerPixel,
    T.PhotometricInterpretation,
    T.BitsAllocated,
    T.BitsStored,
    T.PixelRepresentation,
    T.NumberOfFrames,
    T.RescaleSlope,
    T.RescaleIntercept,
    T.WindowCenter,
    T.WindowWidth,
    T.WindowCenterWidthExplanation,
    T.VOILUTFunction,
    T.PresentationLUTShape,
)
# Sequences and tables are not fingerprinted: data sets with them are always parsed
_UNCACHED = (
    T.ModalityLUTSequence,
    T.VOILUTSequence,
    T.PresentationLUTSequence,
    T.RealWorldValueMappingSequence,
    T.SharedFunctionalGroupsSequence,
    T.PerFrameFunctionalGroupsSequence,
    T.PixelValueTransformationSequence,
    T.FrameVOILUTSequence,
    T.RedPaletteColorLookupTableDescriptor,
    T.ICCProfile,
    T.OpticalPathSequence,
    *FLOAT_PIXEL_TAGS,
)
_CHAINS: dict = {}
_CHAINS_MAX = 256


_UNCACHED_SET = frozenset(_UNCACHED)


def clear_caches() -> None:
    """Forget built chains, composed tables, palettes and expanded segmented tables."""
    _CHAINS.clear()
    PALETTE_CACHE.clear()
    clear_segmented_cache()
    E.clear_cache()


def _fingerprint(ds: Dataset) -> tuple | None:
    """The values that decide a simple data set's chain, or None if it is not simple.

    Content, not identity: a data set whose elements change gets a new key.
    """
    d = ds._dict
    if not d.keys().isdisjoint(_UNCACHED_SET):
        return None
    fp = []
    add = fp.append
    for e in [d.get(tag) for tag in _FINGERPRINT_TAGS]:
        if e is None:
            add(None)
            continue
        cls = e.__class__
        if cls is _DataElement:
            v = e.value
            if v.__class__ is _MultiValue or v.__class__ is list:
                v = tuple(v)
            add((e.VR, v))
        elif cls is _RawDataElement:
            add((e.VR, e.value, e.is_little_endian))
        else:
            return None
    return tuple(fp)


# ---- the chain ----------------------------------------------------------------------


class TransformChain:
    """The pixel transforms of a data set, composed once, applied in one pass.

    Build it with :meth:`from_dataset` and call it on stored values::

        chain = TransformChain.from_dataset(ds, dtype=np.float32, apply_voi_transform=True)
        frame = chain(dcmcore.pixel_array(ds, index=0))

    For integer stored values of up to 16 bits the whole chain is one table
    over the stored-value domain (cached, keyed by the transform's values),
    applied in one ``nogil`` gather pass; palette color is one gather into
    three channels; float and wider integer values go through one fused
    arithmetic pass.
    """

    __slots__ = ("_plans", "_frame_plans", "_info", "_icc", "_color_manager", "_fast", "dtype", "applies_to_all_frames", "color_output")

    def __init__(
        self, plans: list[E.Plan], frame_plans: list[int] | None, info: ImageInfo, icc: bytes | list[bytes | None] | None
    ):
        self._plans = plans
        self._frame_plans = frame_plans
        self._info = info
        self._icc = icc
        self._color_manager = None
        # per input dtype: the whole-domain table and the kernel's arguments, once known
        self._fast: dict = {}
        self.dtype: np.dtype = plans[0].dtype
        #: True when one transform serves every frame (no per-frame functional groups involved)
        self.applies_to_all_frames: bool = frame_plans is None
        #: True when the output has three samples per pixel (color, or palette applied)
        self.color_output: bool = info.color_type == COLOR or plans[0].is_palette

    @classmethod
    def from_dataset(
        cls,
        ds: Dataset,
        *,
        frame_index: int | None = None,
        dtype: Any = np.float64,
        apply_real_world_transform: bool | None = None,
        real_world_value_map_selector: Any = 0,
        apply_modality_transform: bool | None = None,
        apply_voi_transform: bool | None = False,
        voi_transform_selector: Any = 0,
        voi_output_range: tuple[float, float] = (0.0, 1.0),
        apply_presentation_lut: bool = True,
        apply_palette_color_lut: bool | None = None,
        apply_icc_profile: bool | None = None,
    ) -> "TransformChain":
        """The transform chain of `ds` with highdicom ``Image.get_frame``'s options.

        Parameters
        ----------
        ds : pydicom.dataset.Dataset
            An image data set (its pixel data need not be loaded).
        frame_index : int, optional
            0-based frame whose Per-Frame Functional Groups apply. When None
            and the transforms differ between frames, the chain holds one
            transform per frame and must be called with all frames.
        dtype : numpy dtype, optional
            float64 (default), float32, or an integer type (uint8, uint16,
            int8, int16, uint32, int32). Integer outputs of a VOI transform
            are rounded half to even; otherwise they must be exact.
        apply_real_world_transform : bool or None, optional
            Map stored values through a (0040,9096) Real World Value Mapping
            (LUT or slope/intercept); it replaces modality, VOI and
            presentation transforms.
        real_world_value_map_selector : int, str or code, optional
            Index, LUT Label or measurement units of the map to use.
        apply_modality_transform : bool or None, optional
            Apply the Modality LUT Sequence or Rescale Slope/Intercept.
        apply_voi_transform : bool or None, optional
            Apply the window or VOI LUT, into `voi_output_range`. Default False.
        voi_transform_selector : int, str or VOILUTTransformation, optional
            Index or explanation of the window / VOI LUT, or a user supplied
            transformation that replaces the data set's.
        voi_output_range : (float, float), optional
            Output range of the VOI transform.
        apply_presentation_lut : bool, optional
            Invert MONOCHROME1 and INVERSE images so that higher is brighter,
            and apply a Presentation LUT Sequence.
        apply_palette_color_lut : bool or None, optional
            Map PALETTE COLOR indices to RGB.
        apply_icc_profile : bool or None, optional
            Color-correct color and palette images with their ICC profile.

        Raises
        ------
        ValueError
            Incompatible options; an element with an invalid value (named):
            :class:`~dcmcore.errors.InvalidElementError` and its subclasses.
        FrameIndexError
            `frame_index` is negative or not below the number of frames (a
            ``ValueError`` and an ``IndexError``).
        TransformNotFoundError
            A transform given as True is absent (a ValueError and a KeyError).
        SelectorError
            A selector matches no item (a ValueError, IndexError and KeyError).
        """
        key = None
        fp = _fingerprint(ds)
        if fp is not None and not isinstance(voi_transform_selector, Dataset):
            key = (
                fp, frame_index, dtype, apply_real_world_transform, real_world_value_map_selector,
                apply_modality_transform, apply_voi_transform, voi_transform_selector, tuple(voi_output_range),
                apply_presentation_lut, apply_palette_color_lut, apply_icc_profile,
            )
            try:
                hit = _CHAINS.get(key)
            except TypeError:  # an unhashable option or value: no caching
                key, hit = None, None
            if hit is not None:
                return hit
        chain = cls._build(
            ds, frame_index, dtype, apply_real_world_transform, real_world_value_map_selector,
            apply_modality_transform, apply_voi_transform, voi_transform_selector, voi_output_range,
            apply_presentation_lut, apply_palette_color_lut, apply_icc_profile,
        )
        if key is not None:
            with _LOCK:
                if len(_CHAINS) >= _CHAINS_MAX:
                    _CHAINS.pop(next(iter(_CHAINS)), None)
                _CHAINS[key] = chain
        return chain

    @classmethod
    def _build(
        cls, ds, frame_index, dtype, apply_real_world_transform, real_world_value_map_selector,
        apply_modality_transform, apply_voi_transform, voi_transform_selector, voi_output_range,
        apply_presentation_lut, apply_palette_color_lut, apply_icc_profile,
    ) -> "TransformChain":
        opts = Options.make(
            dtype, apply_real_world_transform, real_world_value_map_selector, apply_modality_transform,
            apply_voi_transform, voi_transform_selector, voi_output_range, apply_presentation_lut,
            apply_palette_color_lut, apply_icc_profile,
        )
        info = ImageInfo.from_dataset(ds)
        if frame_index is not None:
            frame_index = check_frame_index(frame_index, info.number_of_frames, name="frame_index", holder="the image")
        per_frame = frame_index is None and info.number_of_frames > 1 and has_per_frame_transforms(ds, per_frame_tags(opts))
        first = resolve(ds, info, opts, frame_index if frame_index is not None else (0 if per_frame else None))
        # "shared" says where frame 0's elements were found; a later frame's item may hold one
        # frame 0 lacks, so with any per-frame transform every frame is resolved
        if frame_index is not None or info.number_of_frames == 1 or (first.shared and not per_frame):
            return cls([first.plan], None, info, first.icc)
        # Transforms that differ between frames: one plan per frame, shared where equal
        plans: list[E.Plan] = [first.plan]
        index_of = {first.plan: 0}
        frame_plans = [0]
        iccs = [first.icc]
        for i in range(1, info.number_of_frames):
            resolved = resolve(ds, info, opts, i)
            plan = resolved.plan
            iccs.append(resolved.icc)
            k = index_of.get(plan)
            if k is None:
                k = index_of[plan] = len(plans)
                plans.append(plan)
            frame_plans.append(k)
        icc: bytes | list[bytes | None] | None = first.icc if len(set(iccs)) == 1 else iccs
        if len(plans) == 1 and not isinstance(icc, list):
            return cls(plans, None, info, icc)
        return cls(plans, frame_plans, info, icc)

    def __repr__(self) -> str:
        stages = ", ".join(type(s).__name__ for s in self._plans[0].stages) or "identity"
        per = "" if self._frame_plans is None else f", {len(self._plans)} per-frame variants"
        return f"<TransformChain {self._info.photometric}: {stages} -> {self.dtype}{per}>"

    @property
    def is_identity(self) -> bool:
        """True when the chain changes no value: no stage, no ICC profile, one transform for every frame.

        Calling it then only casts to :attr:`dtype` (nothing to do when the
        stored values already have it).
        """
        plan = self._plans[0]
        return self._frame_plans is None and not plan.stages and self._icc is None and plan.valid is None

    @property
    def plan(self) -> E.Plan:
        """The composed transform (of the first frame, when they differ)."""
        return self._plans[0]

    def _icc_manager(self, profile: bytes | None = None):
        from dcmcore.color import ColorManager

        if profile is not None:  # one of several per-frame profiles
            if self._color_manager is None:
                self._color_manager = {}
            manager = self._color_manager.get(profile)
            if manager is None:
                manager = self._color_manager[profile] = ColorManager(profile)
            return manager
        if self._color_manager is None:
            self._color_manager = ColorManager(self._icc)
        return self._color_manager

    def _per_frame_icc(self, arr: np.ndarray, out: np.ndarray | None) -> np.ndarray:
        profiles = self._icc
        assert isinstance(profiles, list)
        if arr.ndim != 4 or arr.shape[0] != len(profiles):
            raise ValueError(
                f"The frames' optical paths have different ICC profiles, so the chain needs all {len(profiles)} "
                f"frames shaped (frames, rows, columns, 3), not {arr.shape}; or build it with frame_index"
            )
        if arr.dtype != np.uint8:
            raise ValueError(f"The ICC profile can only be applied to 8-bit colors, not {arr.dtype}")
        managed = np.stack(
            [f if p is None else self._icc_manager(p).transform_frame(f) for f, p in zip(arr, profiles)]
        )
        return E.apply_plan(self._plans[0], managed, domain=None, out=out)

    def __call__(self, frame: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
        """Transform stored values: one frame, or a stack of frames on the first axis.

        Parameters
        ----------
        frame : numpy.ndarray
            Stored values as :func:`dcmcore.pixel_array` returns them:
            ``(rows, columns)`` (``(rows, columns, 3)`` for color), or with a
            leading frames axis.
        out : numpy.ndarray, optional
            C-contiguous array of the result's shape and dtype to write into.
        """
        arr = frame if frame.__class__ is np.ndarray else np.asarray(frame)
        fast = self._fast.get(arr.dtype)
        if fast is not None and arr.flags.c_contiguous and arr.ndim >= 2:
            table, ntab, itemsize, code, three, lo, full = fast
            shape = arr.shape + (3,) if three else arr.shape
            if out is None:
                result = np.empty(shape, self.dtype)
            elif out.shape == shape and out.dtype == self.dtype and out.flags.c_contiguous and out.flags.writeable:
                result = out
            else:
                result = None  # refused below, by apply_plan
            if result is not None and not _gather(arr.reshape(-1).view(np.uint8), code, arr.size, lo, table, ntab, itemsize, result.reshape(-1).view(np.uint8), three, full):
                return result
            # values outside the table's span: computed directly, or an error (below)
        info = self._info
        if info.color_type == COLOR:
            if arr.ndim < 3 or arr.shape[-1] != 3:
                raise ValueError(f"Expected color pixels shaped (..., rows, columns, 3), not {arr.shape}")
            if isinstance(self._icc, list):
                return self._per_frame_icc(arr, out)
            if self._icc is not None:
                if arr.dtype != np.uint8:
                    raise ValueError(f"The ICC profile can only be applied to 8-bit colors, not {arr.dtype}")
                manager = self._icc_manager()
                if arr.ndim == 3:
                    arr = manager.transform_frame(arr)
                else:
                    arr = np.stack([manager.transform_frame(f) for f in arr.reshape(-1, *arr.shape[-3:])]).reshape(arr.shape)
            return E.apply_plan(self._plans[0], arr, domain=None, out=out)
        if arr.ndim < 2:
            raise ValueError(f"Expected pixels shaped (..., rows, columns), not {arr.shape}")
        if self._frame_plans is None:
            plan = self._plans[0]
            if (
                plan.valid is None
                and arr.dtype.kind in "iu"
                and arr.dtype.itemsize <= 2
                and arr.dtype.isnative
                and arr.dtype not in self._fast
            ):
                table, invalid = E.table(plan, arr.dtype)
                lo, full = 0, True
                if invalid is not None and info.domain is not None and info.domain[1] - info.domain[0] < (1 << 16):
                    # an exact integer output that cannot hold every entry: gather through the
                    # span of valid entries, bounds-checked; a pixel outside it goes the slow way
                    dlo, dhi = info.domain
                    span = E.valid_span(plan, arr.dtype, int(dlo), int(dhi - dlo + 1))
                    if span is not None:
                        table, lo, _ = span
                        invalid, full = None, False
                if invalid is None:
                    self._fast[arr.dtype] = (
                        table.reshape(-1).view(np.uint8), table.shape[0], plan.dtype.itemsize,
                        E.CODES[arr.dtype], plan.is_palette, lo, full,
                    )
            return E.apply_plan(plan, arr, domain=info.domain, out=out)
        nframes = len(self._frame_plans)
        if arr.ndim != 3 or arr.shape[0] != nframes:
            raise ValueError(
                f"The transforms differ between frames (per-frame functional groups), so the chain needs all "
                f"{nframes} frames shaped (frames, rows, columns), not {arr.shape}; or build it with frame_index"
            )
        shape = arr.shape + ((3,) if self.color_output else ())
        if out is None:
            out = np.empty(shape, self.dtype)
        elif out.shape != shape or out.dtype != self.dtype or not out.flags.c_contiguous:
            raise ValueError(f"'out' must be a C-contiguous array of shape {shape} and dtype {self.dtype}")
        for i, k in enumerate(self._frame_plans):
            E.apply_plan(self._plans[k], arr[i], domain=info.domain, out=out[i])
        return out
