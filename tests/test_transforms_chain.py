"""TransformChain against highdicom's get_frame transform, pydicom and PS3.3 itself."""

from __future__ import annotations

import collections
import copy
import itertools

import numpy as np
import pytest

import dcmcore
from dcmcore.transforms import (
    SelectorError,
    TransformChain,
    TransformNotFoundError,
    VOILUT,
    VOILUTTransformation,
)
from dcmcore.transforms import _engine
from tests._transforms_util import (
    assert_close,
    hd_image,
    hd_transform,
    image_dataset,
    item,
    lut_item,
    per_frame_groups,
    real,
    real_stored,
    window_standard,
)

# Real files: monochrome (signed/unsigned, rescale, windows, MONOCHROME1), Modality LUT
# Sequence, VOI LUT Sequence, palettes, an enhanced CT with functional groups and a
# real world value map.
REAL = [
    "CT_small.dcm",
    "MR_small.dcm",
    "mlut_18.dcm",
    "vlut_04.dcm",
    "RG1_UNCI.dcm",
    "RG3_UNCI.dcm",
    "MR2_UNCI.dcm",
    "emri_small.dcm",
    "OT-PAL-8-face.dcm",
    "examples_palette.dcm",
    "OBXXXX1A.dcm",
    "eCT_Supplemental.dcm",
]

FLAGS3 = (None, True, False)
MATRIX = [
    dict(
        apply_real_world_transform=rw,
        apply_modality_transform=mod,
        apply_voi_transform=voi,
        apply_presentation_lut=pres,
        apply_palette_color_lut=pal,
    )
    for rw, mod, voi, pres, pal in itertools.product(FLAGS3, FLAGS3, FLAGS3, (True, False), FLAGS3)
]


def _crop(stored: np.ndarray) -> np.ndarray:
    # keep the transforms fast on large images; the values, not the size, matter
    return np.ascontiguousarray(stored[..., :160, :160]) if stored.ndim >= 2 else stored


def _category(exc: Exception, *, oracle: bool) -> str:
    """The kind of an error: a transform required but absent, a selector, or an invalid input/option."""
    if oracle:
        if isinstance(exc, RuntimeError):  # "... is required but not found" / "superseded"
            return "missing"
        if isinstance(exc, IndexError):  # "Requested ... selector is not present"
            return "selector"
    else:
        if isinstance(exc, TransformNotFoundError):
            return "missing"
        if isinstance(exc, SelectorError):
            return "selector"
    if isinstance(exc, (ValueError, TypeError)):
        return "invalid"
    return f"unexpected {type(exc).__name__} from {'highdicom' if oracle else 'dcmcore'}"  # never equal


# highdicom has no integer output for these (a window, a scaled VOI LUT); dcmcore rounds half to even
_HD_FLOAT_ONLY = ("requires a floating point", "is not suitable", "must be a floating point")


def _hd_wraps(ref: np.ndarray, dtype: np.dtype) -> bool:
    """True when highdicom's exact (float64) values do not fit the integer `dtype` (it casts them unchecked)."""
    info = np.iinfo(dtype)
    return bool((ref < info.min).any() or (ref > info.max).any())


def _compare(ds, image, frame_index, frame, options, dtype):
    """Both succeed and agree, or both raise an error of the same kind (see _category)."""
    dtype = np.dtype(dtype)

    def ref64():
        return hd_transform(image, frame_index, frame, dtype=np.float64, **options)

    try:
        ref = hd_transform(image, frame_index, frame, dtype=dtype, **options)
        ref_err = None
    except Exception as exc:  # noqa: BLE001 - any error of the oracle is compared below
        ref, ref_err = None, exc
    try:
        chain = TransformChain.from_dataset(ds, frame_index=frame_index, dtype=dtype, **options)
        got = chain(frame)
        err = None
    except Exception as exc:  # noqa: BLE001
        got, err = None, exc
    msg = f"{options} dtype={dtype}"
    if ref_err is not None and _more_lenient(ref_err, options) and (err is None or isinstance(err, TransformNotFoundError)):
        return 0  # dcmcore accepts the options: it applies the map, or says the data set has none
    if (
        ref_err is not None and err is None and dtype.kind in "iu"
        and isinstance(ref_err, ValueError) and any(m in str(ref_err) for m in _HD_FLOAT_ONLY)
    ):
        # highdicom has no integer display output: dcmcore rounds its float64 result half to even
        ref, ref_err = np.rint(ref64()).astype(dtype), None
    if ref_err is not None and err is None and dtype == np.float32 and isinstance(ref_err, TypeError) and "Cannot cast" in str(ref_err):
        # highdicom cannot cast float64 LUT values (a real world map) to float32; compare in float64
        ref, ref_err = ref64().astype(dtype), None
    if ref_err is not None:
        assert err is not None, f"{msg}: highdicom raised {ref_err!r}, dcmcore returned a result"
        kind, ref_kind = _category(err, oracle=False), _category(ref_err, oracle=True)
        assert kind == ref_kind, f"{msg}: dcmcore raised {err!r} ({kind}), highdicom {ref_err!r} ({ref_kind})"
        return 0
    if err is not None and dtype.kind in "iu" and "of the stored value" in str(err):
        # highdicom casts without a check and wraps values the dtype cannot hold; dcmcore
        # raises when a frame has such a value (docs/transforms.md), and only then
        assert _hd_wraps(ref64(), dtype), f"{msg}: dcmcore raised {err!r}"
        return 0
    assert err is None, f"{msg}: dcmcore raised {err!r}, highdicom did not"
    if _window_after_slope(chain):
        return 0  # highdicom's window is not PS3.3's here: see test_windows_follow_ps33_with_rescale_slope
    assert_close(got, ref, dtype, msg=msg)
    return 1


def _more_lenient(ref_err: Exception, options: dict) -> bool:
    """highdicom rejects apply_voi_transform=None with apply_real_world_transform=True, although
    None means "apply if present and not superseded"; dcmcore applies the real world map."""
    return (
        "'apply_modality_transform' cannot be False" in str(ref_err)
        and options.get("apply_real_world_transform") is True
        and options.get("apply_voi_transform") is None
    )


def _window_after_slope(chain) -> bool:
    stages = chain.plan.stages
    return any(isinstance(s, _engine.Window) for s in stages) and any(
        isinstance(s, _engine.Linear) and s.slope != 1 for s in stages
    )


# Every output dtype, and per dtype a few VOI output ranges (fitting the integer ones, whose
# VOI output is the rounded display value); the range only matters when a VOI transform may apply
MATRIX_DTYPES = {
    np.dtype(np.float64): [(0.0, 1.0), (-1.0, 1.0), (100.0, 4095.0)],
    np.dtype(np.float32): [(0.0, 1.0), (-1.0, 1.0), (100.0, 4095.0)],
    np.dtype(np.uint8): [(0.0, 1.0), (0.0, 255.0), (10.0, 200.0)],
    np.dtype(np.uint16): [(0.0, 1.0), (0.0, 65535.0), (100.0, 4095.0)],
    np.dtype(np.int16): [(-1.0, 1.0), (-1000.0, 1000.0), (0.0, 4095.0)],
    np.dtype(np.int32): [(-1.0, 1.0), (0.0, 65535.0), (-5000.0, 5000.0)],
}


# Files whose matrix compares uint8 values (the others cannot give uint8 exactly: 16-bit
# palettes and Modality LUTs, rescales and stored values beyond 255, without a window)
MATRIX_UINT8 = {"MR_small.dcm", "vlut_04.dcm", "RG1_UNCI.dcm", "RG3_UNCI.dcm", "MR2_UNCI.dcm", "eCT_Supplemental.dcm"}


@pytest.mark.parametrize("name", REAL)
def test_option_matrix_against_highdicom(name):
    ds = real(name)
    stored = real_stored(name)
    nframes = int(ds.get("NumberOfFrames", 1) or 1)
    frame = _crop(stored[0] if nframes > 1 else stored)
    image = hd_image(ds)
    compared = collections.Counter()
    for options in MATRIX:
        for dtype, ranges in MATRIX_DTYPES.items():
            for output_range in ranges if options["apply_voi_transform"] is not False else ranges[:1]:
                both = dict(options, voi_output_range=output_range)
                compared[dtype] += _compare(ds, image, 0, frame, both, dtype)
    # values were compared, not only errors: in float and in integers (uint8 where the file allows it)
    assert compared[np.dtype(np.float64)] and compared[np.dtype(np.float32)], compared
    assert any(compared[dtype] for dtype in MATRIX_DTYPES if dtype.kind in "iu"), compared
    assert compared[np.dtype(np.uint8)] or name not in MATRIX_UINT8, compared


def test_public_get_frame_equals_chain_ct_small():
    """highdicom's public Image.get_frame on a file it decodes as pydicom does."""
    import highdicom as hd

    ds = real("CT_small.dcm")
    image = hd_image(ds)
    stored = dcmcore.pixel_array(ds)
    for dtype in (np.float64, np.float32):
        for voi in (False, True):
            selector = hd.VOILUTTransformation(window_center=40, window_width=400) if voi else 0
            options = dict(apply_voi_transform=voi, voi_transform_selector=selector)
            ref = image.get_frame(1, dtype=dtype, **options)
            got = TransformChain.from_dataset(ds, dtype=dtype, **options)(stored)
            assert_close(got, ref, dtype, msg=str(options))


@pytest.mark.parametrize("name", ["MR_small.dcm", "RG1_UNCI.dcm", "vlut_04.dcm", "mlut_18.dcm"])
@pytest.mark.parametrize("voi_output_range", [(0.0, 1.0), (-1.0, 1.0), (0.0, 255.0), (100.0, 4095.0)])
def test_output_ranges(name, voi_output_range):
    ds = real(name)
    frame = _crop(real_stored(name))
    image = hd_image(ds)
    for pres in (True, False):
        options = dict(apply_voi_transform=None, voi_output_range=voi_output_range, apply_presentation_lut=pres)
        assert _compare(ds, image, 0, frame, options, np.float64) == 1


def test_selectors_and_window_functions():
    rng = np.random.default_rng(1)
    stored = rng.integers(-1000, 3000, (40, 50), dtype=np.int16)
    for function in ("LINEAR", "LINEAR_EXACT", "SIGMOID"):
        ds = image_dataset(
            stored,
            bits_stored=13,
            RescaleSlope=1,
            RescaleIntercept=-100,
            WindowCenter=[40, 500, -300],
            WindowWidth=[400, 1.0 if function == "LINEAR" else 0.5, 2000],
            WindowCenterWidthExplanation=["SOFT", "NARROW", "WIDE"],
            VOILUTFunction=function,
        )
        image = hd_image(ds)
        for selector in (0, 1, 2, -1, -3, "SOFT", "NARROW", "WIDE"):
            for dtype in (np.float64, np.float32):
                for rng_out in ((0.0, 1.0), (-5.0, 7.5)):
                    options = dict(apply_voi_transform=True, voi_transform_selector=selector, voi_output_range=rng_out)
                    assert _compare(ds, image, 0, stored, options, dtype) == 1
        # out of range and unknown selectors
        for selector in (3, -4, "BONE"):
            with pytest.raises(SelectorError, match="voi_transform_selector"):
                TransformChain.from_dataset(ds, apply_voi_transform=True, voi_transform_selector=selector)


@pytest.mark.parametrize("name", ["6154", "MR2_UNCI.dcm"])
def test_windows_follow_ps33_with_rescale_slope(name):
    """With Rescale Slope != 1 the window applies to the modality values (PS3.3 C.11.2.1.2).

    highdicom rescales the window instead (center and width divided by the slope, but it
    keeps the LINEAR "w - 1"), which is not the same function; dcmcore follows the standard
    and agrees with pydicom.
    """
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    ds = real(name)  # 6154: CR, MONOCHROME1, slope 0.684; MR2_UNCI: slope 3.77
    stored = real_stored(name)
    slope, intercept = float(ds.RescaleSlope), float(ds.RescaleIntercept)
    y = stored * slope + intercept
    expected = window_standard(y, float(ds.WindowCenter), float(ds.WindowWidth), "LINEAR", 0.0, 1.0)
    got = TransformChain.from_dataset(ds, apply_voi_transform=True, apply_presentation_lut=False)(stored)
    assert_close(got, expected, np.float64)
    shown = TransformChain.from_dataset(ds, apply_voi_transform=True)(stored)
    assert_close(shown, 1.0 - expected if ds.PhotometricInterpretation == "MONOCHROME1" else expected, np.float64)
    # pydicom: the same window over its output range
    ref = apply_voi_lut(apply_modality_lut(stored, ds), ds)
    lo, hi = intercept, (2 ** int(ds.BitsStored) - 1) * slope + intercept
    assert_close(got, (ref - lo) / (hi - lo), np.float64)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int16])
def test_integer_display_output_is_rounded_float(dtype):
    ds = real("MR_small.dcm")
    stored = real_stored("MR_small.dcm")
    hi = float(min(np.iinfo(dtype).max, 4095))
    ref = hd_transform(hd_image(ds), 0, stored, dtype=np.float64, apply_voi_transform=True, voi_output_range=(0.0, hi))
    got = TransformChain.from_dataset(ds, dtype=dtype, apply_voi_transform=True, voi_output_range=(0, hi))(stored)
    assert_close(got, np.rint(ref).astype(dtype), dtype)


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.float32, np.uint16])
def test_integer_rescale_output_exact(dtype):
    ds = real("mlut_18.dcm")  # 12-bit signed, a Modality LUT of uint16 values
    stored = real_stored("mlut_18.dcm")
    if np.dtype(dtype) in (np.dtype(np.int16),):
        with pytest.raises(ValueError, match="int16 cannot hold"):
            TransformChain.from_dataset(ds, dtype=dtype)
    else:
        ref = hd_transform(hd_image(ds), 0, stored, dtype=dtype)
        got = TransformChain.from_dataset(ds, dtype=dtype)(stored)
        assert_close(got, ref, dtype)
    rng = np.random.default_rng(0)
    ct = rng.integers(-2048, 2048, (30, 30), dtype=np.int16)
    ds = image_dataset(ct, bits_stored=12, RescaleSlope=1, RescaleIntercept=-1024)
    if np.dtype(dtype) == np.uint16:
        with pytest.raises(ValueError, match="uint16 cannot hold"):
            TransformChain.from_dataset(ds, dtype=dtype)
        return
    ref = hd_transform(hd_image(ds), 0, ct, dtype=dtype)
    assert_close(TransformChain.from_dataset(ds, dtype=dtype)(ct), ref, dtype)


def test_integer_output_that_cannot_hold_the_values():
    ds = real("CT_small.dcm")  # signed 16-bit, intercept -1024
    with pytest.raises(ValueError, match="uint16 cannot hold"):
        TransformChain.from_dataset(ds, dtype=np.uint16)
    ds2 = image_dataset(np.zeros((4, 4), np.uint16), bits_stored=12, RescaleSlope=0.5, RescaleIntercept=0)
    with pytest.raises(ValueError, match="not an integer"):
        TransformChain.from_dataset(ds2, dtype=np.int32)
    with pytest.raises(ValueError, match="does not fit"):
        TransformChain.from_dataset(ds, dtype=np.uint8, apply_voi_transform=None, voi_transform_selector=VOILUTTransformation(window_center=0, window_width=100), voi_output_range=(0, 1000))


@pytest.mark.parametrize(
    "name, dtype, options",
    [
        ("MR_small.dcm", np.uint16, {}),  # signed 16-bit, no rescale: values 127 .. 2145
        ("MR_small.dcm", np.int16, {}),
        ("CT_small.dcm", np.uint16, dict(apply_modality_transform=False)),
        ("CT_small.dcm", np.int16, dict(apply_modality_transform=False)),
        ("RG1_UNCI.dcm", np.uint16, {}),  # MONOCHROME1, 15-bit: the inversion 32767 - x
        ("RG1_UNCI.dcm", np.uint16, dict(apply_presentation_lut=False)),
        ("emri_small.dcm", np.uint16, {}),
    ],
)
def test_integer_output_of_stored_values_as_highdicom(name, dtype, options):
    """highdicom's public get_frame gives these exactly (its checks are of the transform only)."""
    ds = real(name)
    stored = real_stored(name)
    frame = stored[0] if stored.ndim == 3 else stored
    ref = hd_image(ds).get_frame(1, dtype=dtype, **options)
    chain = TransformChain.from_dataset(ds, dtype=dtype, **options)
    got = chain(frame)
    assert_close(got, ref, dtype)
    expected = frame.astype(np.int64)
    if ds.PhotometricInterpretation == "MONOCHROME1" and options.get("apply_presentation_lut", True):
        expected = (1 << int(ds.BitsStored)) - 1 - expected
    np.testing.assert_array_equal(got, expected)
    # the one-gather fast path (through the run of valid table entries) serves the next frames
    assert frame.dtype in chain._fast
    assert_close(chain(frame), ref, dtype)


def test_integer_output_raises_only_for_values_it_cannot_hold():
    """Where highdicom would wrap a value around, dcmcore raises, naming the stored value."""
    ds = real("MR_small.dcm")  # int16 stored values
    stored = real_stored("MR_small.dcm")
    image = hd_image(ds)
    to_u16 = TransformChain.from_dataset(ds, dtype=np.uint16)
    bad = stored.copy()
    bad[3, 5] = -7
    with pytest.raises(ValueError, match=r"uint16 cannot hold the transformed value -7\.0 of the stored value -7"):
        to_u16(bad)
    assert hd_transform(image, 0, bad, dtype=np.uint16)[3, 5] == 65529  # highdicom wraps
    assert_close(to_u16(stored), stored.astype(np.uint16), np.uint16)  # the chain still works
    # uint8: the frames whose values fit are exact, the others raise
    to_u8 = TransformChain.from_dataset(ds, dtype=np.uint8)
    small = np.clip(stored, 0, 255)
    assert_close(to_u8(small), hd_transform(image, 0, small, dtype=np.uint8), np.uint8)
    with pytest.raises(ValueError, match="uint8 cannot hold .* of the stored value 2145"):
        to_u8(np.clip(stored, 2145, None))
    # a stack of frames and 32-bit samples go through the same checks
    multi = np.stack([small, bad])
    with pytest.raises(ValueError, match="of the stored value -7"):
        to_u16(multi)
    with pytest.raises(ValueError, match="of the stored value -7"):
        to_u16(bad.astype(np.int32))
    assert_close(to_u16(stored.astype(np.int32)), stored.astype(np.uint16), np.uint16)


RESCALES = [None, (1, 0), (1, -1024), (2, 5), (-1, 100), (0.5, 0), (1, 1024)]


@pytest.mark.parametrize("signed", [False, True])
@pytest.mark.parametrize("bits", [8, 12, 16])
@pytest.mark.parametrize("photometric", ["MONOCHROME2", "MONOCHROME1"])
def test_exact_integer_outputs_against_highdicom(signed, bits, photometric):
    """Rescales, inversions and plain stored values into every integer dtype: highdicom's
    refusals are dcmcore's, its values dcmcore's, except its wrapped ones (dcmcore raises)."""
    rng = np.random.default_rng(bits)
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    sample = np.dtype(f"{'i' if signed else 'u'}{1 if bits == 8 else 2}")
    compared = 0
    for rescale in RESCALES:
        for stored in (rng.integers(max(lo, 0), min(hi, 200) + 1, (6, 7)), rng.integers(lo, hi + 1, (6, 7))):
            stored = stored.astype(sample)
            kw = {} if rescale is None else dict(RescaleSlope=rescale[0], RescaleIntercept=rescale[1])
            ds = image_dataset(stored, bits_stored=bits, photometric=photometric, **kw)
            image = hd_image(ds)
            for dtype in (np.uint8, np.uint16, np.int8, np.int16, np.int32):
                for presentation in (True, False):
                    compared += _compare(ds, image, 0, stored, dict(apply_presentation_lut=presentation), dtype)
    assert compared > 0


def test_multiframe_with_and_without_frame_index():
    ds = real("emri_small.dcm")  # 10 frames, 12-bit
    stored = real_stored("emri_small.dcm")
    image = hd_image(ds)
    chain = TransformChain.from_dataset(ds, dtype=np.float32)
    assert chain.applies_to_all_frames
    whole = chain(stored)
    for i in range(stored.shape[0]):
        ref = hd_transform(image, i, stored[i], dtype=np.float32)
        assert_close(whole[i], ref, np.float32)
        assert_close(TransformChain.from_dataset(ds, frame_index=i, dtype=np.float32)(stored[i]), ref, np.float32)


def _enhanced(nframes=4):
    rng = np.random.default_rng(7)
    stored = rng.integers(0, 4096, (nframes, 24, 20), dtype=np.uint16)
    ds = image_dataset(stored, bits_stored=12, sop_class="1.2.840.10008.5.1.4.1.1.2.1")
    ds.SharedFunctionalGroupsSequence = [item()]
    ds.PerFrameFunctionalGroupsSequence = per_frame_groups(
        nframes,
        slope=[1, 2, 1, 0.5],
        intercept=[-1024, -10, -1024, 3],
        center=[40, 400, 40, 1000],
        width=[400, 1000, 400, 2000],
        function=["LINEAR", "LINEAR_EXACT", "LINEAR", "SIGMOID"],
    )
    return ds, stored


def test_per_frame_functional_groups():
    ds, stored = _enhanced()
    chain = TransformChain.from_dataset(ds, apply_voi_transform=True)
    assert not chain.applies_to_all_frames
    whole = chain(stored)
    params = [(1, -1024, 40, 400, "LINEAR"), (2, -10, 400, 1000, "LINEAR_EXACT"), (1, -1024, 40, 400, "LINEAR"), (0.5, 3, 1000, 2000, "SIGMOID")]
    image = hd_image(ds)
    for i, (m, b, c, w, f) in enumerate(params):
        expected = window_standard(stored[i] * float(m) + b, c, w, f, 0.0, 1.0)
        assert_close(whole[i], expected, np.float64, msg=f"frame {i}")
        one = TransformChain.from_dataset(ds, frame_index=i, apply_voi_transform=True)
        assert one.applies_to_all_frames
        assert_close(one(stored[i]), expected, np.float64)
        if m == 1:  # highdicom agrees when the slope is 1
            assert_close(one(stored[i]), hd_transform(image, i, stored[i], apply_voi_transform=True), np.float64)
    # rescale only, no VOI: agrees with highdicom for every frame
    for i in range(len(params)):
        assert_close(TransformChain.from_dataset(ds, frame_index=i)(stored[i]), hd_transform(image, i, stored[i]), np.float64)
    with pytest.raises(ValueError, match="frame_index"):
        chain(stored[0])
    with pytest.raises(IndexError, match="frame_index"):
        TransformChain.from_dataset(ds, frame_index=4)


@pytest.mark.parametrize("where", ["pixel value", "frame voi", "optical path"])
def test_per_frame_transforms_in_a_later_item_only(where):
    """A transform in the Per-Frame Functional Groups of a later frame only (not the first)."""
    rng = np.random.default_rng(11)
    stored = rng.integers(0, 4096, (3, 8, 9), dtype=np.uint16)
    ds = image_dataset(stored, bits_stored=12, sop_class="1.2.840.10008.5.1.4.1.1.2.1")
    ds.SharedFunctionalGroupsSequence = [item()]
    groups = per_frame_groups(3)
    if where == "pixel value":
        groups[2].PixelValueTransformationSequence = [item(RescaleSlope=2, RescaleIntercept=-10, RescaleType="US")]
        options = {}
    elif where == "frame voi":
        groups[2].FrameVOILUTSequence = [item(WindowCenter=2000, WindowWidth=1000)]
        options = dict(apply_voi_transform=None)
    else:  # no transform of its own: the chain is one for every frame, built from all items
        groups[1].OpticalPathIdentificationSequence = [item(OpticalPathIdentifier="1")]
        options = {}
    ds.PerFrameFunctionalGroupsSequence = groups
    chain = TransformChain.from_dataset(ds, **options)
    whole = chain(stored)
    image = hd_image(ds)
    for i in range(3):
        assert_close(whole[i], hd_transform(image, i, stored[i], **options), np.float64, msg=f"frame {i}")
    assert chain.applies_to_all_frames == (where == "optical path")
    if where != "optical path":
        assert not np.array_equal(whole[2], stored[2].astype(np.float64))


def test_out_parameter_and_stacks():
    ds = real("CT_small.dcm")
    stored = real_stored("CT_small.dcm")
    chain = TransformChain.from_dataset(ds, dtype=np.float32, apply_voi_transform=None)
    out = np.empty(stored.shape, np.float32)
    assert chain(stored, out=out) is out
    stack = np.stack([stored, stored[::-1]])
    got = chain(stack)
    assert_close(got[1], chain(np.ascontiguousarray(stored[::-1])), np.float32)
    with pytest.raises(ValueError, match="out"):
        chain(stored, out=np.empty(stored.shape, np.float64))


def test_values_beyond_bits_stored_are_still_transformed():
    """A 32-bit input (table over Bits Stored) with values outside the declared range."""
    stored = np.array([[0, 100, 4095, 5000, -7, 70000]], dtype=np.int32)
    ds = image_dataset(np.zeros((1, 6), np.uint16), bits_stored=12, RescaleSlope=2, RescaleIntercept=-1, WindowCenter=2000, WindowWidth=3000)
    chain = TransformChain.from_dataset(ds, apply_voi_transform=True)
    expected = window_standard(stored * 2.0 - 1, 2000, 3000, "LINEAR", 0.0, 1.0)
    assert_close(chain(stored), expected, np.float64)
    assert_close(chain(stored.astype(np.uint16)[:, :4]), expected[:, :4], np.float64)


def test_float_pixel_data():
    rng = np.random.default_rng(3)
    stored = (rng.standard_normal((30, 20)) * 100).astype(np.float32)
    ds = image_dataset(stored, keyword="FloatPixelData", sop_class="1.2.840.10008.5.1.4.1.1.30", RescaleSlope=2.5, RescaleIntercept=-3, WindowCenter=10, WindowWidth=150)
    # highdicom 0.28 cannot rescale Float Pixel Data (no input dtype); pydicom and PS3.3 are the oracles
    from pydicom.pixels import apply_modality_lut

    for dtype in (np.float64, np.float32):
        assert_close(TransformChain.from_dataset(ds, dtype=dtype)(stored), apply_modality_lut(stored, ds).astype(dtype), dtype)
        got = TransformChain.from_dataset(ds, dtype=dtype, apply_voi_transform=True)(stored)
        assert_close(got, window_standard(stored.astype(np.float64) * 2.5 - 3, 10, 150, "LINEAR", 0.0, 1.0), dtype)
        got = TransformChain.from_dataset(ds, dtype=dtype, apply_modality_transform=False)(stored)
        assert_close(got, stored.astype(dtype), dtype)
    with pytest.raises(ValueError, match="floating point"):
        TransformChain.from_dataset(ds, dtype=np.int32)


def test_modality_lut_then_voi_lut_follows_the_standard():
    """Modality LUT, then a VOI LUT on its output, scaled to the output range and inverted for MONOCHROME1.

    highdicom composes the two LUTs without scaling or inversion in this one case.
    """
    stored = np.arange(-8, 24, dtype=np.int16).reshape(4, 8)
    mlut = np.arange(16, dtype=np.uint16) * 3 + 100  # maps -4 .. 11 to 100 .. 145
    vdata = (np.arange(20, dtype=np.uint16) ** 2)  # maps 110 .. 129
    ds = image_dataset(stored, bits_stored=8, photometric="MONOCHROME1")
    ds.ModalityLUTSequence = [lut_item(-4, mlut, ModalityLUTType="US")]
    ds.VOILUTSequence = [lut_item(110, vdata)]
    m = mlut[np.clip(stored.astype(int) + 4, 0, 15)].astype(float)
    v = vdata[np.clip(m - 110, 0, 19).astype(int)].astype(float)
    scaled = (v - vdata.min()) / (vdata.max() - vdata.min())
    got = TransformChain.from_dataset(ds, apply_voi_transform=True, apply_presentation_lut=False)(stored)
    assert_close(got, scaled, np.float64)
    got = TransformChain.from_dataset(ds, apply_voi_transform=True)(stored)
    assert_close(got, 1.0 - scaled, np.float64)


def test_modality_lut_then_window_matches_highdicom():
    stored = np.arange(0, 64, dtype=np.uint16).reshape(8, 8)
    mlut = (np.arange(64, dtype=np.uint16) * 37) % 1000
    for function in ("LINEAR", "LINEAR_EXACT", "SIGMOID"):
        ds = image_dataset(stored, bits_stored=6, WindowCenter=500, WindowWidth=300, VOILUTFunction=function)
        ds.ModalityLUTSequence = [lut_item(0, mlut, ModalityLUTType="US")]
        image = hd_image(ds)
        for options in (dict(apply_voi_transform=True), dict(), dict(apply_voi_transform=None, voi_output_range=(-2, 2))):
            assert _compare(ds, image, 0, stored, options, np.float64) == 1


def test_presentation_lut_shape_and_monochrome1():
    stored = np.arange(0, 256, dtype=np.uint8).reshape(16, 16)
    for pi, shape, inverted in (
        ("MONOCHROME2", "INVERSE", True),
        ("MONOCHROME2", "IDENTITY", False),
        ("MONOCHROME1", "IDENTITY", False),
        ("MONOCHROME1", None, True),
    ):
        ds = image_dataset(stored, photometric=pi, RescaleSlope=1, RescaleIntercept=10, WindowCenter=200, WindowWidth=100)
        if shape:
            ds.PresentationLUTShape = shape
        image = hd_image(ds)
        for options in (dict(), dict(apply_voi_transform=True), dict(apply_presentation_lut=False), dict(apply_modality_transform=False, apply_voi_transform=False)):
            assert _compare(ds, image, 0, stored, options, np.float64) == 1
        got = TransformChain.from_dataset(ds)(stored)
        y = stored + 10.0
        assert_close(got, (10 + 265) - y if inverted else y, np.float64)


def test_presentation_lut_sequence():
    """A Presentation LUT: the VOI output range scaled onto its entries (PS3.3 C.11.6.1.1), then P-Values."""
    stored = np.arange(0, 4096, 16, dtype=np.uint16).reshape(16, 16)
    plut = (4095 - np.arange(4096) // 2).astype(np.uint16)  # 12-bit P-Values
    ds = image_dataset(stored, bits_stored=12, WindowCenter=2048, WindowWidth=4096)
    ds.PresentationLUTSequence = [lut_item(0, plut, bits=12)]
    voi = window_standard(stored, 2048, 4096, "LINEAR", 0.0, 1.0)
    index = np.floor(voi * 4095 + 0.5).astype(int)
    got = TransformChain.from_dataset(ds, apply_voi_transform=True)(stored)
    assert_close(got, plut[index] / 4095.0, np.float64)
    # without VOI: the stored range 0 .. 4095 is the input range, the output P-Values
    got = TransformChain.from_dataset(ds, dtype=np.uint16)(stored)
    assert_close(got, plut[stored], np.uint16)
    # off: no presentation transform
    got = TransformChain.from_dataset(ds, apply_presentation_lut=False, dtype=np.uint16)(stored)
    assert_close(got, stored, np.uint16)


def test_real_world_value_maps():
    rng = np.random.default_rng(5)
    stored = rng.integers(0, 1000, (12, 10), dtype=np.uint16)
    from pydicom.sr.coding import Code

    lut_values = np.linspace(-5.0, 17.25, 1000)
    rwvm = [
        item(LUTLabel="LINEAR", LUTExplanation="x", RealWorldValueFirstValueMapped=0, RealWorldValueLastValueMapped=999, RealWorldValueSlope=0.25, RealWorldValueIntercept=-12.5,
             MeasurementUnitsCodeSequence=[item(CodeValue="mm2/s", CodingSchemeDesignator="UCUM", CodeMeaning="mm2/s")]),
        item(LUTLabel="TABLE", LUTExplanation="y", RealWorldValueFirstValueMapped=0, RealWorldValueLastValueMapped=999, RealWorldValueLUTData=list(lut_values),
             MeasurementUnitsCodeSequence=[item(CodeValue="Hz", CodingSchemeDesignator="UCUM", CodeMeaning="Hz")]),
    ]
    ds = image_dataset(stored, bits_stored=10, RescaleSlope=3, RescaleIntercept=1, WindowCenter=100, WindowWidth=50)
    ds.RealWorldValueMappingSequence = rwvm
    image = hd_image(ds)
    for selector in (0, 1, -1, "LINEAR", "TABLE", Code("Hz", "UCUM", "Hz"), Code("mm2/s", "UCUM", "mm2/s")):
        for dtype in (np.float64, np.float32):
            for rw in (None, True):
                options = dict(apply_real_world_transform=rw, real_world_value_map_selector=selector)
                assert _compare(ds, image, 0, stored, options, dtype) == 1
    got = TransformChain.from_dataset(ds, real_world_value_map_selector="TABLE")(stored)
    assert_close(got, lut_values[stored], np.float64)
    got = TransformChain.from_dataset(ds)(stored)
    assert_close(got, stored * 0.25 - 12.5, np.float64)
    # modality instead
    assert_close(TransformChain.from_dataset(ds, apply_real_world_transform=False)(stored), stored * 3.0 + 1, np.float64)
    assert_close(TransformChain.from_dataset(ds, apply_modality_transform=True)(stored), stored * 3.0 + 1, np.float64)
    # outside the mapped range
    bad = stored.copy()
    bad[0, 0] = 1000
    for selector in (0, 1):
        with pytest.raises(ValueError, match="range beyond"):
            TransformChain.from_dataset(ds, real_world_value_map_selector=selector)(bad)
    for selector in (2, "NONE", Code("kg", "UCUM", "kg")):
        with pytest.raises(SelectorError, match="Real World Value Mapping"):
            TransformChain.from_dataset(ds, real_world_value_map_selector=selector)
    with pytest.raises(ValueError, match="cannot both be True"):
        TransformChain.from_dataset(ds, apply_real_world_transform=True, apply_modality_transform=True)


def test_user_voi_transformation_selector():
    import highdicom as hd

    ds = real("CT_small.dcm")
    stored = real_stored("CT_small.dcm")
    image = hd_image(ds)
    lut = (np.arange(3000) % 997).astype(np.uint16)
    for ours, theirs in (
        (VOILUTTransformation(window_center=40, window_width=400), hd.VOILUTTransformation(window_center=40, window_width=400)),
        (VOILUTTransformation(voi_luts=[VOILUT(0, lut)]), hd.VOILUTTransformation(voi_luts=[hd.VOILUT(0, lut)])),
    ):
        for dtype in (np.float64, np.float32):
            ref = hd_transform(image, 0, stored, dtype=dtype, apply_voi_transform=True, voi_transform_selector=theirs)
            for selector in (ours, theirs):
                got = TransformChain.from_dataset(ds, dtype=dtype, apply_voi_transform=True, voi_transform_selector=selector)(stored)
                assert_close(got, ref, dtype)
    # its VOI LUT Function is honoured (highdicom ignores it)
    voi = VOILUTTransformation(window_center=40, window_width=400, voi_lut_function="SIGMOID")
    got = TransformChain.from_dataset(ds, apply_voi_transform=True, voi_transform_selector=voi)(stored)
    assert_close(got, window_standard(stored - 1024.0, 40, 400, "SIGMOID", 0.0, 1.0), np.float64)
    with pytest.raises(ValueError, match="single"):
        TransformChain.from_dataset(ds, apply_voi_transform=True, voi_transform_selector=VOILUTTransformation(window_center=[1, 2], window_width=[3, 4]))


def test_rescale_identity_counts_as_present():
    """Rescale Slope 1 / Intercept 0 is a modality transform, for highdicom too; highdicom
    treats a rescale as absent only when both values are 0 or empty (docs/transforms.md)."""
    stored = np.arange(16, dtype=np.uint16).reshape(4, 4)
    ds = image_dataset(stored, bits_stored=4, RescaleSlope=1, RescaleIntercept=0)
    got = TransformChain.from_dataset(ds, apply_modality_transform=True)(stored)
    assert_close(got, stored.astype(np.float64), np.float64)
    ref = hd_transform(hd_image(ds), 0, stored, apply_modality_transform=True)
    assert_close(got, ref, np.float64)
    # Rescale Intercept 0 alone: present here (a missing slope is 1), absent for highdicom
    ds = image_dataset(stored, bits_stored=4, RescaleIntercept=0)
    got = TransformChain.from_dataset(ds, apply_modality_transform=True)(stored)
    assert_close(got, stored.astype(np.float64), np.float64)
    with pytest.raises(RuntimeError, match="required but not found"):
        hd_transform(hd_image(ds), 0, stored, apply_modality_transform=True)


def test_palette_color_and_icc():
    from PIL import ImageCms

    from dcmcore.transforms import PaletteColorLUTTransformation

    ds = copy.deepcopy(real("OT-PAL-8-face.dcm"))
    stored = real_stored("OT-PAL-8-face.dcm")
    image = hd_image(ds)
    for dtype in (np.float64, np.float32, np.uint16):
        assert _compare(ds, image, 0, stored, dict(), dtype) == 1
    # 16-bit palette entries cannot go through an 8-bit ICC transform
    ds.ICCProfile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    with pytest.raises(ValueError, match="8-bit colors"):
        TransformChain.from_dataset(ds)
    # an 8-bit palette with an ICC profile
    rng = np.random.default_rng(4)
    stored = rng.integers(0, 256, (40, 30), dtype=np.uint8)
    ds = image_dataset(stored, photometric="PALETTE COLOR", sop_class="1.2.840.10008.5.1.4.1.1.7")
    palette = PaletteColorLUTTransformation.from_combined_lut(rng.integers(0, 256, (256, 3), dtype=np.uint8))
    for elem in palette:
        ds.add(elem)
    image = hd_image(ds)
    for dtype in (np.float64, np.uint8):
        assert _compare(ds, image, 0, stored, dict(), dtype) == 1
    ds.ICCProfile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = hd_image(ds)
    for options in (dict(), dict(apply_icc_profile=True), dict(apply_icc_profile=False)):
        for dtype in (np.float64, np.uint8):
            if dtype == np.uint8 and options.get("apply_icc_profile") is False:
                continue
            assert _compare(ds, image, 0, stored, options, dtype) == 1
    with pytest.raises(ValueError, match="apply_palette_color_lut"):
        TransformChain.from_dataset(ds, apply_palette_color_lut=False)


def test_rgb_with_icc_profile():
    from PIL import ImageCms

    rng = np.random.default_rng(2)
    stored = rng.integers(0, 256, (2, 20, 30, 3), dtype=np.uint8)
    ds = image_dataset(stored, photometric="RGB", sop_class="1.2.840.10008.5.1.4.1.1.7")
    ds.ICCProfile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = hd_image(ds)
    for i in range(2):
        for dtype in (np.float64, np.uint8):
            assert _compare(ds, image, i, stored[i], dict(), dtype) == 1
    chain = TransformChain.from_dataset(ds, dtype=np.uint8)
    assert chain.color_output
    np.testing.assert_array_equal(chain(stored)[1], chain(stored[1]))


@pytest.mark.parametrize("palette", [False, True])
def test_icc_profile_per_optical_path(palette):
    """Slide microscopy: each frame's optical path has its own ICC profile (highdicom picks it per frame)."""
    from importlib import resources

    from PIL import ImageCms

    from tests._transforms_util import item

    v4 = resources.files("highdicom").joinpath("_icc_profiles/sRGB_v4_ICC_preference.icc").read_bytes()
    builtin = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    rng = np.random.default_rng(5)
    if palette:
        stored = rng.integers(0, 256, (2, 16, 16), dtype=np.uint8)
        ds = image_dataset(stored, photometric="PALETTE COLOR", sop_class="1.2.840.10008.5.1.4.1.1.77.1.6")
        lut = rng.integers(0, 256, 256).astype(np.uint8)
        for color in ("Red", "Green", "Blue"):
            setattr(ds, f"{color}PaletteColorLookupTableDescriptor", [256, 0, 8])
            setattr(ds, f"{color}PaletteColorLookupTableData", np.roll(lut, len(color)).tobytes())
    else:
        stored = rng.integers(0, 256, (2, 16, 16, 3), dtype=np.uint8)
        ds = image_dataset(stored, photometric="RGB", sop_class="1.2.840.10008.5.1.4.1.1.77.1.6")
    ds.OpticalPathSequence = [
        item(OpticalPathIdentifier="1", ICCProfile=v4),
        item(OpticalPathIdentifier="2", ICCProfile=builtin),
    ]
    ds.SharedFunctionalGroupsSequence = [item()]
    ds.PerFrameFunctionalGroupsSequence = [
        item(OpticalPathIdentificationSequence=[item(OpticalPathIdentifier=str(i + 1))]) for i in range(2)
    ]
    whole = TransformChain.from_dataset(ds, dtype=np.uint8)
    assert not whole.applies_to_all_frames
    both = whole(stored)
    image = hd_image(ds)
    for i in range(2):
        expected = hd_transform(image, i, stored[i], dtype=np.uint8)
        np.testing.assert_array_equal(TransformChain.from_dataset(ds, frame_index=i, dtype=np.uint8)(stored[i]), expected)
        np.testing.assert_array_equal(both[i], expected)
    assert not np.array_equal(both[0], TransformChain.from_dataset(ds, frame_index=1, dtype=np.uint8)(stored[0]))
    with pytest.raises(ValueError, match="needs all 2 frames"):
        whole(stored[0])


@pytest.mark.parametrize(
    "element, value, match",
    [
        ("WindowWidth", 0.5, r"\(0028,1051\) 'Window Width' is 0.5: a LINEAR window must be at least 1"),
        ("VOILUTFunction", "LOG", r"\(0028,1056\) 'VOI LUT Function' is 'LOG'"),
    ],
)
def test_bad_window_elements(element, value, match):
    ds = image_dataset(np.zeros((4, 4), np.uint16), WindowCenter=10, WindowWidth=20)
    setattr(ds, element, value)
    with pytest.raises(ValueError, match=match):
        TransformChain.from_dataset(ds, apply_voi_transform=True)


@pytest.mark.parametrize("function", ["LINEAR_EXACT", "SIGMOID"])
def test_bad_window_width_zero(function):
    ds = image_dataset(np.zeros((4, 4), np.uint16), WindowCenter=10, WindowWidth=0, VOILUTFunction=function)
    with pytest.raises(ValueError, match=rf"\(0028,1051\) 'Window Width' is 0: a {function} window must be wider than 0"):
        TransformChain.from_dataset(ds, apply_voi_transform=True)


def test_window_center_width_count_mismatch():
    ds = image_dataset(np.zeros((4, 4), np.uint16), WindowCenter=[10, 20], WindowWidth=[20])
    with pytest.raises(ValueError, match=r"\(0028,1050\) 'Window Center' has 2 values but \(0028,1051\) 'Window Width' has 1"):
        TransformChain.from_dataset(ds, apply_voi_transform=True)


def test_required_transforms_absent():
    ds = image_dataset(np.zeros((4, 4), np.uint16))
    for option, match in (
        ("apply_modality_transform", r"\(0028,3000\) 'Modality LUT Sequence'"),
        ("apply_voi_transform", r"\(0028,1050\) 'Window Center'"),
        ("apply_real_world_transform", r"\(0040,9096\) 'Real World Value Mapping Sequence'"),
    ):
        with pytest.raises(TransformNotFoundError, match=match) as info:
            TransformChain.from_dataset(ds, **{option: True})
        assert isinstance(info.value, ValueError) and isinstance(info.value, KeyError)
    with pytest.raises(ValueError, match="not PALETTE COLOR"):
        TransformChain.from_dataset(ds, apply_palette_color_lut=True)
    rgb = image_dataset(np.zeros((4, 4, 3), np.uint8), photometric="RGB")
    with pytest.raises(TransformNotFoundError, match=r"\(0028,2000\) 'ICC Profile'"):
        TransformChain.from_dataset(rgb, apply_icc_profile=True)


@pytest.mark.parametrize(
    "descriptor, data, match",
    [
        ([0, 0, 16], np.arange(100, dtype=np.uint16), r"holds 200 bytes, but \(0028,3002\) 'LUT Descriptor' describes 65536 entries"),
        ([100, 0, 12], np.arange(100, dtype=np.uint16), r"third value of \(0028,3002\) 'LUT Descriptor' \(bits per entry\) is 12, it must be 8, 16"),
        ([101, 0, 16], np.arange(100, dtype=np.uint16), r"holds 200 bytes, but \(0028,3002\) 'LUT Descriptor' describes 101 entries"),
        ([10, 0], np.arange(10, dtype=np.uint16), r"\(0028,3002\) 'LUT Descriptor' must have 3 values, not 2"),
        ([4, 0, 8], np.array([1, 2, 300, 4], np.uint16), r"holds the value 300, more than the 8 bits per entry"),
    ],
)
def test_bad_modality_lut_descriptors(descriptor, data, match):
    from pydicom.dataelem import DataElement
    from pydicom.dataset import Dataset

    lut = Dataset()
    lut.add(DataElement(0x00283002, "US", descriptor))
    lut.add(DataElement(0x00283006, "OW", data.astype("<u2").tobytes()))
    ds = image_dataset(np.zeros((4, 4), np.uint16))
    ds.ModalityLUTSequence = [lut]
    with pytest.raises(ValueError, match=match):
        TransformChain.from_dataset(ds)


def test_full_16_bit_modality_lut():
    """A descriptor's 0 entries means 65536."""
    stored = np.array([[0, 1, 65535, 40000]], np.uint16)
    data = (np.arange(65536) // 3).astype(np.uint16)
    ds = image_dataset(stored)
    ds.ModalityLUTSequence = [lut_item(0, data, ModalityLUTType="US")]
    got = TransformChain.from_dataset(ds, dtype=np.uint16)(stored)
    np.testing.assert_array_equal(got, data[stored])


def test_option_errors():
    ds = real("CT_small.dcm")
    with pytest.raises(TypeError, match="voi_transform_selector"):
        TransformChain.from_dataset(ds, voi_transform_selector=1.5)
    with pytest.raises(TypeError, match="apply_presentation_lut"):
        TransformChain.from_dataset(ds, apply_presentation_lut=None)
    with pytest.raises(ValueError, match="voi_output_range"):
        TransformChain.from_dataset(ds, voi_output_range=(1, 0))
    with pytest.raises(ValueError, match="cannot be False"):
        TransformChain.from_dataset(ds, apply_voi_transform=True, apply_modality_transform=False)
    with pytest.raises(ValueError, match="Unsupported output dtype"):
        TransformChain.from_dataset(ds, dtype=np.complex64)


def test_tables_are_cached_and_read_only():
    ds = real("CT_small.dcm")
    chain = TransformChain.from_dataset(ds, dtype=np.float32, apply_voi_transform=True, voi_transform_selector=VOILUTTransformation(window_center=1, window_width=2))
    table, invalid = _engine.table(chain.plan, np.dtype(np.int16))
    again, _ = _engine.table(chain.plan, np.dtype(np.int16))
    assert table is again and invalid is None
    assert not table.flags.writeable and table.shape == (65536,)


def test_monochrome1_voi_lut_matches_highdicom():
    rng = np.random.default_rng(12)
    stored = rng.integers(0, 1024, (20, 20), dtype=np.uint16)
    ds = image_dataset(stored, bits_stored=10, photometric="MONOCHROME1")
    ds.VOILUTSequence = [lut_item(100, (rng.integers(0, 4096, 700)).astype(np.uint16), LUTExplanation="L")]
    image = hd_image(ds)
    for options in (dict(apply_voi_transform=True), dict(apply_voi_transform=True, apply_presentation_lut=False), dict(apply_voi_transform=True, voi_transform_selector="L", voi_output_range=(-1, 1))):
        for dtype in (np.float64, np.float32):
            assert _compare(ds, image, 0, stored, options, dtype) == 1


def test_threads_share_a_chain():
    from concurrent.futures import ThreadPoolExecutor

    ds = real("RG1_UNCI.dcm")
    stored = real_stored("RG1_UNCI.dcm")
    chain = TransformChain.from_dataset(ds, dtype=np.float32, apply_voi_transform=True)
    expected = chain(stored)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: chain(stored), range(8)))
    for got in results:
        np.testing.assert_array_equal(got, expected)


def test_chain_cache_follows_the_data_set():
    """Built chains are cached by content: changing an element gives the new transform."""
    stored = np.arange(0, 4096, 16, dtype=np.uint16).reshape(16, 16)
    ds = image_dataset(stored, bits_stored=12, RescaleSlope=1, RescaleIntercept=0, WindowCenter=1000, WindowWidth=500)
    first = TransformChain.from_dataset(ds, apply_voi_transform=True)
    assert TransformChain.from_dataset(ds, apply_voi_transform=True) is first
    ds.WindowCenter = 2000
    second = TransformChain.from_dataset(ds, apply_voi_transform=True)
    assert_close(second(stored), window_standard(stored, 2000, 500, "LINEAR", 0.0, 1.0), np.float64)
    ds["WindowWidth"].value = 100  # in place
    assert_close(TransformChain.from_dataset(ds, apply_voi_transform=True)(stored), window_standard(stored, 2000, 100, "LINEAR", 0.0, 1.0), np.float64)
    ds.WindowCenter = [2000, 10]
    ds.WindowWidth = [100, 20]
    ds.WindowCenter[0] = 3000  # a multi-value changed in place
    assert_close(TransformChain.from_dataset(ds, apply_voi_transform=True)(stored), window_standard(stored, 3000, 100, "LINEAR", 0.0, 1.0), np.float64)
    ds.PhotometricInterpretation = "MONOCHROME1"
    assert_close(TransformChain.from_dataset(ds, apply_voi_transform=True)(stored), 1 - window_standard(stored, 3000, 100, "LINEAR", 0.0, 1.0), np.float64)
