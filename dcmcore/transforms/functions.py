"""pydicom's pixel processing functions, on dcmcore's kernels.

:func:`apply_modality_lut`, :func:`apply_voi_lut`, :func:`apply_windowing`,
:func:`apply_presentation_lut` and :func:`apply_color_lut` take the same
arguments and return the same values as ``pydicom.pixels`` does, with these
additions and differences (see docs/transforms.md):

* the parameters of enhanced multi-frame images are found in the Shared and
  Per-Frame Functional Groups (Pixel Value Transformation, Frame VOI LUT);
  with per-frame values a multi-frame array gets each frame's own transform,
  and a single frame needs ``frame_index``;
* :func:`apply_presentation_lut` inverts (INVERSE) and scales the input of a
  Presentation LUT over the range the preceding step can produce
  (PS3.3 C.11.6.1), not over the array's own minimum and maximum;
* bad values are ``ValueError`` naming the element; nothing in `ds` is modified.

Each transform runs as one table gather (8/16-bit integer input) or one fused
arithmetic pass (float input), never a chain of whole-array temporaries.
"""

from __future__ import annotations

import functools
from typing import Callable

import numpy as np
from pydicom.dataset import Dataset

from dcmcore.transforms import _engine as E
from dcmcore.transforms._dsutil import T, first_item, frame_items, has, integers, is_little_endian, numbers, strings, tag_name
from dcmcore.transforms._image import stored_value_range
from dcmcore.transforms._lutdata import (
    MODALITY_BITS,
    PRESENTATION_BITS,
    VOI_BITS,
    expand_segmented,
    lut_item,
    read_descriptor,
    read_lut_data,
)
from dcmcore.transforms._palette import palette_stage
from dcmcore.transforms._resolve import has_per_frame_transforms
from dcmcore.transforms._voi import select_voi_lut, select_window, window_stage
from dcmcore.dataset_elements import element_value
from dcmcore.errors import InvalidElementError, InvalidPixelSpecError, UnsupportedPixelDataError
from dcmcore.transforms.errors import InvalidTransformError, TransformNotFoundError
from dcmcore.uids import WELL_KNOWN_COLOR_PALETTES

__all__ = ["apply_modality_lut", "apply_voi_lut", "apply_windowing", "apply_presentation_lut", "apply_color_lut", "apply_voi", "apply_rescale"]


def _domain(ds: Dataset) -> tuple[int, int] | None:
    bits = integers(ds, T.BitsStored)
    if not bits:
        return None
    if not 1 <= bits[0] <= 64:
        raise InvalidPixelSpecError(f"A {tag_name(T.BitsStored)} value of {bits[0]} is invalid: it must be 1 to 64")
    return stored_value_range(bits[0], (integers(ds, T.PixelRepresentation) or [0])[0] == 1)


def _run(
    arr: np.ndarray, ds: Dataset, frame_index: int | None, make_plan: Callable[[int | None], E.Plan | None]
) -> np.ndarray:
    """Apply the plan of each frame: one plan for all, or one per frame on axis 0."""
    arr = np.asarray(arr)
    domain = _domain(ds)
    if frame_index is not None or not has_per_frame_transforms(ds):
        plan = make_plan(frame_index)
        return arr if plan is None else E.apply_plan(plan, arr, domain=domain)
    nframes = (integers(ds, T.NumberOfFrames) or [1])[0]
    plans = [make_plan(i) for i in range(nframes)]
    if all(p == plans[0] for p in plans[1:]):
        return arr if plans[0] is None else E.apply_plan(plans[0], arr, domain=domain)
    if arr.ndim < 3 or arr.shape[0] != nframes:
        raise ValueError(
            f"The transform differs between the {nframes} frames (Per-Frame Functional Groups): pass all frames "
            f"shaped (frames, rows, columns), or the frame's 'frame_index', not an array shaped {arr.shape}"
        )
    if any(p is None for p in plans):
        raise ValueError("Some frames have the transform and some have not; pass 'frame_index'")
    out = np.empty(arr.shape, plans[0].dtype)
    for i, plan in enumerate(plans):
        E.apply_plan(plan, arr[i], domain=domain, out=out[i])
    return out


def _rescale(ds: Dataset, frame_index: int | None) -> tuple[float, float] | None:
    """(slope, intercept) as pydicom reads them (both present), or from the functional groups."""
    for item, _ in frame_items(ds, frame_index):
        sub = first_item(item, T.PixelValueTransformationSequence) or item
        if has(sub, T.RescaleSlope) and has(sub, T.RescaleIntercept):
            slope = numbers(sub, T.RescaleSlope)
            intercept = numbers(sub, T.RescaleIntercept)
            if not slope or not intercept:
                raise InvalidTransformError(f"{tag_name(T.RescaleSlope)} or {tag_name(T.RescaleIntercept)} is empty")
            return slope[0], intercept[0]
    return None


def apply_modality_lut(arr: np.ndarray, ds: Dataset, *, frame_index: int | None = None) -> np.ndarray:
    """Apply the Modality LUT or rescale operation of `ds` to `arr` (PS3.3 C.11.1).

    Parameters
    ----------
    arr : numpy.ndarray
        Stored values.
    ds : pydicom.dataset.Dataset
        With a (0028,3000) *Modality LUT Sequence*, or (0028,1053) *Rescale
        Slope* and (0028,1052) *Rescale Intercept* (top level or in a Pixel
        Value Transformation functional group).
    frame_index : int, optional
        The frame `arr` is, when the functional groups differ per frame.

    Returns
    -------
    numpy.ndarray
        ``uint8`` or ``uint16`` for a Modality LUT (by its bits per entry),
        ``float64`` for a rescale, `arr` itself when there is neither.
    """
    item = first_item(ds, T.ModalityLUTSequence)
    if item is not None:
        info_signed = (integers(ds, T.PixelRepresentation) or [0])[0] == 1
        first, data, bits = lut_item(item, allowed_bits=MODALITY_BITS, signed_first=info_signed, little=is_little_endian(ds))
        plan = E.Plan((E.Lookup(first, data),), np.dtype(np.uint8 if bits == 8 else np.uint16))
        return E.apply_plan(plan, np.asarray(arr), domain=_domain(ds))

    def make(index: int | None) -> E.Plan | None:
        found = _rescale(ds, index)
        if found is None:
            return None
        return E.Plan((E.Linear(*found),), np.dtype(np.float64))

    return _run(arr, ds, frame_index, make)


apply_rescale = apply_modality_lut


def _modality_output_can_be_negative(ds: Dataset) -> bool:
    """Whether the values a VOI LUT of `ds` maps (the modality output) can be negative.

    Only then is a (US) first mapped value of 32768 or more read as the
    negative SS value it must have been written for, as TransformChain does.
    """
    if first_item(ds, T.ModalityLUTSequence) is not None:
        return False  # a Modality LUT's entries are unsigned
    domain = _domain(ds)
    if domain is None:
        return True
    try:
        found = _rescale(ds, None)
    except InvalidTransformError:
        found = None
    if found is None:
        return domain[0] < 0
    slope, intercept = found
    return min(domain[0] * slope, domain[1] * slope) + intercept < 0


def _voi_lut_plan(ds: Dataset, index: int) -> E.Plan:
    item = select_voi_lut(ds, index)
    signed_first = _modality_output_can_be_negative(ds)
    first, data, bits = lut_item(item, allowed_bits=VOI_BITS, signed_first=signed_first, little=is_little_endian(ds))
    return E.Plan((E.Lookup(first, data),), np.dtype(np.uint8 if bits == 8 else np.uint16))


def apply_voi(arr: np.ndarray, ds: Dataset, index: int = 0) -> np.ndarray:
    """Apply the VOI LUT at `index` of the (0028,3010) *VOI LUT Sequence* (`arr` if none).

    Returns the LUT's entries, ``uint8`` (8 bits per entry) or ``uint16``.
    """
    if first_item(ds, T.VOILUTSequence) is None:
        return arr
    return E.apply_plan(_voi_lut_plan(ds, index), np.asarray(arr), domain=None)


def _window_range(ds: Dataset, frame_index: int | None) -> tuple[float, float]:
    """The output range pydicom gives a window: the modality output range (PS3.3 C.11.1.1)."""
    mlut = first_item(ds, T.ModalityLUTSequence)
    if mlut is not None:
        desc = read_descriptor(mlut, T.LUTDescriptor, allowed_bits=MODALITY_BITS, signed_first=True)
        y_min, y_max = 0.0, float((1 << desc.bits) - 1)
    else:
        domain = _domain(ds)
        if domain is None:
            raise InvalidTransformError(f"The data set has no {tag_name(T.BitsStored)}: the window's output range is unknown")
        y_min, y_max = float(domain[0]), float(domain[1])
    rescale = _rescale(ds, frame_index)
    if rescale is not None:
        slope, intercept = rescale
        a, b = y_min * slope + intercept, y_max * slope + intercept
        y_min, y_max = min(a, b), max(a, b)
    return y_min, y_max


def _window_item(ds: Dataset, frame_index: int | None) -> Dataset | None:
    for item, _ in frame_items(ds, frame_index):
        sub = first_item(item, T.FrameVOILUTSequence) or item
        if has(sub, T.WindowCenter) or has(sub, T.WindowWidth):
            return sub
    return None


def apply_windowing(arr: np.ndarray, ds: Dataset, index: int = 0, *, frame_index: int | None = None) -> np.ndarray:
    """Apply the window at `index` of `ds` to `arr` (PS3.3 C.11.2.1.2, C.11.2.1.3).

    The output range is the range of the modality output (of the stored
    values after a Modality LUT or rescale), as pydicom does; the window
    function is (0028,1056) *VOI LUT Function* (LINEAR when absent).

    Returns
    -------
    numpy.ndarray
        ``float64``, or `arr` itself when `ds` has no window.
    """
    if _window_item(ds, frame_index) is None and not (frame_index is None and has_per_frame_transforms(ds)):
        return arr
    pi = (strings(ds, T.PhotometricInterpretation) or [""])[0].upper()
    if pi not in ("MONOCHROME1", "MONOCHROME2"):
        raise InvalidElementError(
            "When performing a windowing operation only 'MONOCHROME1' and 'MONOCHROME2' are allowed for "
            f"{tag_name(T.PhotometricInterpretation)}, not {pi!r}"
        )

    def make(fi: int | None) -> E.Plan | None:
        item = _window_item(ds, fi)
        if item is None:
            return None
        center, width, function = select_window(item, index)
        lo, hi = _window_range(ds, fi)
        return E.Plan((window_stage(center, width, function, lo, hi, False),), np.dtype(np.float64))

    return _run(arr, ds, frame_index, make)


def apply_voi_lut(
    arr: np.ndarray, ds: Dataset, index: int = 0, prefer_lut: bool = True, *, frame_index: int | None = None
) -> np.ndarray:
    """Apply the VOI LUT or the window of `ds` to `arr` (PS3.3 C.11.2).

    With both a (0028,3010) *VOI LUT Sequence* and a window, `prefer_lut`
    chooses; see :func:`apply_voi` and :func:`apply_windowing` for the outputs.
    """
    voi_item = first_item(ds, T.VOILUTSequence)
    valid_voi = voi_item is not None and has(voi_item, T.LUTDescriptor) and has(voi_item, T.LUTData)
    valid_window = _window_item(ds, frame_index) is not None or (frame_index is None and has_per_frame_transforms(ds))
    if valid_voi and (prefer_lut or not valid_window):
        return apply_voi(arr, ds, index)
    if valid_window:
        return apply_windowing(arr, ds, index, frame_index=frame_index)
    return arr


def presentation_input_range(ds: Dataset, frame_index: int | None = None) -> tuple[float, float]:
    """The range of values ``apply_voi_lut(apply_modality_lut(stored))`` can produce for `ds`."""
    voi_item = first_item(ds, T.VOILUTSequence)
    if voi_item is not None:
        desc = read_descriptor(voi_item, T.LUTDescriptor, allowed_bits=VOI_BITS, signed_first=True)
        return 0.0, float((1 << desc.bits) - 1)
    if _window_item(ds, frame_index) is not None:
        return _window_range(ds, frame_index)
    mlut = first_item(ds, T.ModalityLUTSequence)
    if mlut is not None:
        desc = read_descriptor(mlut, T.LUTDescriptor, allowed_bits=MODALITY_BITS, signed_first=True)
        return 0.0, float((1 << desc.bits) - 1)
    return _window_range(ds, frame_index)


def apply_presentation_lut(
    arr: np.ndarray, ds: Dataset, *, input_range: tuple[float, float] | None = None
) -> np.ndarray:
    """Apply the Presentation LUT of `ds` to `arr` and return P-Values (PS3.3 C.11.4, C.11.6).

    Parameters
    ----------
    arr : numpy.ndarray
        The output of the modality and VOI transforms.
    ds : pydicom.dataset.Dataset
        With a (2050,0010) *Presentation LUT Sequence* or a (2050,0020)
        *Presentation LUT Shape*.
    input_range : (float, float), optional
        The range `arr`'s values come from. By default the range the modality
        and VOI transforms of `ds` produce (the VOI LUT's entries, the
        window's output, the modality output, or the stored values).

    Returns
    -------
    numpy.ndarray
        For a Presentation LUT: its P-Values (``uint8`` or ``uint16``), the
        input range scaled onto its entries and rounded half up. For INVERSE:
        the values reflected within the input range. Otherwise `arr`.
    """
    item = first_item(ds, T.PresentationLUTSequence)
    shape = strings(ds, T.PresentationLUTShape)
    if item is None and not shape:
        return arr
    arr = np.asarray(arr)
    if item is None:
        value = shape[0].upper()
        if value == "IDENTITY":
            return arr
        if value != "INVERSE":
            raise UnsupportedPixelDataError(
                f"A {tag_name(T.PresentationLUTShape)} value of {shape[0]!r} is not supported: "
                "only IDENTITY and INVERSE are defined"
            )
    lo, hi = input_range if input_range is not None else presentation_input_range(ds)
    lo, hi = float(lo), float(hi)
    if not hi > lo:
        raise ValueError(f"The presentation LUT's input range must be increasing, not {(lo, hi)}")
    if item is not None:
        _, data, bits = lut_item(item, allowed_bits=PRESENTATION_BITS, signed_first=False, little=is_little_endian(ds))
        plan = E.Plan((E.Quantize(lo, hi, len(data)), E.Lookup(0, data)), np.dtype(np.uint8 if bits <= 8 else np.uint16))
        return E.apply_plan(plan, arr)
    dtype = np.dtype(np.float64)
    if arr.dtype.kind in "iu" and lo == int(lo) and hi == int(hi):
        info = np.iinfo(arr.dtype)
        if info.min <= lo and hi <= info.max:
            dtype = arr.dtype
    return E.apply_plan(E.Plan((E.Reflect(lo, hi),), dtype), arr, domain=(int(lo), int(hi)) if dtype.kind in "iu" else None)


def _well_known_palette(palette: str) -> Dataset:
    """A well-known Color Palette (PS3.6 Annex B), from the palette files bundled with pydicom."""
    from pathlib import Path

    from pydicom.data.data_manager import DATA_ROOT

    name_of_uid = {uid: name for name, uid in WELL_KNOWN_COLOR_PALETTES.items()}
    name = str(palette).upper() if str(palette).upper() in WELL_KNOWN_COLOR_PALETTES else name_of_uid.get(str(palette))
    if name is None:
        raise ValueError(
            f"Unknown palette {palette!r}: use one of {', '.join(WELL_KNOWN_COLOR_PALETTES)} or their UIDs"
        )
    # pydicom's files are the names in lower case without underscores: hotiron.dcm, pet20step.dcm, ...
    path = Path(DATA_ROOT) / "palettes" / f"{name.lower().replace('_', '')}.dcm"
    if not path.is_file():
        raise ValueError(f"The well-known palette file {path} is not installed with pydicom")
    return _read_palette(str(path))


@functools.lru_cache(maxsize=8)
def _read_palette(path: str) -> Dataset:
    import pydicom

    return pydicom.dcmread(path)


def apply_color_lut(arr: np.ndarray, ds: Dataset | None = None, palette: str | None = None) -> np.ndarray:
    """Map palette indices to RGB (or RGBA) with the Palette Color LUT of `ds` or a well-known palette.

    Parameters
    ----------
    arr : numpy.ndarray
        Integer pixel values.
    ds : pydicom.dataset.Dataset, optional
        With a Palette Color Lookup Table (plain or segmented, PS3.3 C.7.9).
    palette : str, optional
        Instead of `ds`: HOT_IRON, PET, HOT_METAL_BLUE, PET_20_STEP, SPRING,
        SUMMER, FALL or WINTER, or its SOP Instance UID.

    Returns
    -------
    numpy.ndarray
        Shaped ``arr.shape + (3,)``, or ``(4,)`` with an alpha table;
        ``uint8`` or ``uint16`` by the LUT's bits per entry.
    """
    if ds is None and not palette:
        raise ValueError("Either 'ds' or 'palette' is required")
    if palette:
        ds = _well_known_palette(palette)
    assert ds is not None
    presentation = (strings(ds, T.PixelPresentation) or [""])[0].upper()
    if presentation in ("MIXED", "COLOR"):
        raise InvalidElementError(
            "Use of this function with the Supplemental Palette Color Lookup Table Module is not currently "
            f"supported ({tag_name(T.PixelPresentation)} is {presentation!r})"
        )
    if T.RedPaletteColorLookupTableDescriptor not in ds._dict:
        raise TransformNotFoundError(
            "No suitable Palette Color Lookup Table Module found: the data set has no "
            f"{tag_name(T.RedPaletteColorLookupTableDescriptor)}"
        )
    signed = (integers(ds, T.PixelRepresentation) or [0])[0] == 1
    little = is_little_endian(ds)
    stage = palette_stage(ds, signed=signed, little=little)
    first, table = stage.first, stage.data
    alpha = _alpha(ds, len(table), table.dtype, little)
    arr = np.asarray(arr)
    if arr.dtype.kind not in "iub":
        raise ValueError(f"Palette indices must be integers, not {arr.dtype}")
    out = E.apply_plan(E.Plan((stage,), table.dtype), arr)
    if alpha is None:
        return out
    a = E.apply_plan(E.Plan((E.Lookup(first, alpha),), table.dtype), arr)
    return np.concatenate([out, a[..., None]], axis=-1)


def _alpha(ds: Dataset, entries: int, dtype: np.dtype, little: bool) -> np.ndarray | None:
    desc_tag = T.AlphaPaletteColorLookupTableDescriptor
    if T.AlphaPaletteColorLookupTableData in ds._dict:
        if desc_tag in ds._dict:
            desc = read_descriptor(ds, desc_tag, allowed_bits=(8, 16))
        else:
            desc = read_descriptor(ds, T.RedPaletteColorLookupTableDescriptor, allowed_bits=(8, 16))
            desc_tag = T.RedPaletteColorLookupTableDescriptor
        data = read_lut_data(ds, T.AlphaPaletteColorLookupTableData, desc, desc_tag, little=little)
    elif T.SegmentedAlphaPaletteColorLookupTableData in ds._dict:
        desc = read_descriptor(ds, T.RedPaletteColorLookupTableDescriptor, allowed_bits=(8, 16))
        data = expand_segmented(
            element_value(ds, T.SegmentedAlphaPaletteColorLookupTableData), desc.bits, little=little,
            tag=T.SegmentedAlphaPaletteColorLookupTableData,
        )
    else:
        return None
    if len(data) != entries:
        raise InvalidTransformError(
            f"The alpha palette table has {len(data)} entries, the color tables have {entries}"
        )
    return data.astype(dtype)
