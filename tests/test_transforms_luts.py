"""LUT and transformation classes against highdicom's classes, pydicom and PS3.3."""

from __future__ import annotations

import warnings

import highdicom as hd
import numpy as np
import pytest
from pydicom.pixels import processing as pdp

from dcmcore.transforms import (
    LUT,
    VOILUT,
    ModalityLUT,
    ModalityLUTTransformation,
    PaletteColorLUT,
    PaletteColorLUTTransformation,
    PresentationLUT,
    PresentationLUTTransformation,
    RescaleTypeValues,
    SegmentedPaletteColorLUT,
    SelectorError,
    TransformChain,
    VOILUTFunctionValues,
    VOILUTTransformation,
    apply_color_lut,
)
from tests._helpers import roundtrip_bytes
from tests._transforms_util import assert_close, image_dataset, real, real_stored, window_standard

RNG = np.random.default_rng(21)
TABLES = [
    RNG.integers(0, 256, 37, dtype=np.uint8),
    RNG.integers(0, 65536, 300, dtype=np.uint16),
    np.arange(65536, dtype=np.uint16)[::-1].copy(),
]


@pytest.mark.parametrize("data", TABLES, ids=["u8-37", "u16-300", "u16-65536"])
@pytest.mark.parametrize("cls, hd_cls, args", [
    (LUT, hd.LUT, ()),
    (VOILUT, hd.VOILUT, ()),
    (PresentationLUT, hd.PresentationLUT, ()),
])
def test_luts_match_highdicom(cls, hd_cls, args, data):
    ours = cls(7, data, "an explanation")
    theirs = hd_cls(7, data, "an explanation")
    assert list(ours.LUTDescriptor) == list(theirs.LUTDescriptor)
    assert ours.LUTExplanation == theirs.LUTExplanation
    for prop in ("number_of_entries", "first_mapped_value", "bits_per_entry"):
        assert getattr(ours, prop) == getattr(theirs, prop)
    np.testing.assert_array_equal(ours.lut_data, data)
    assert ours.lut_data.dtype == data.dtype
    wide = data.astype(np.int64)
    # highdicom's inversion overflows uint8 when min + max > 255; by hand:
    np.testing.assert_array_equal(ours.get_inverted_lut_data(), (wide.min() + wide.max() - wide).astype(data.dtype))
    full = len(data) == 65536  # highdicom 0.28 cannot read a descriptor's 0 (65536 entries) back
    for invert in (False, True):
        for rng_out in ((0.0, 1.0), (-3.0, 250.0)):
            scale = (rng_out[1] - rng_out[0]) / (wide.max() - wide.min())
            expected = ((wide.max() - wide) if invert else (wide - wide.min())) * scale + rng_out[0]
            for dtype in (np.float64, np.float32):
                got = ours.get_scaled_lut_data(rng_out, dtype, invert)
                assert_close(got, expected.astype(dtype), dtype)
                if not full:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        ref = theirs.get_scaled_lut_data(rng_out, dtype, invert)
                    assert_close(got, ref, dtype)
    values = RNG.integers(0, len(data) + 20, (13, 17)).astype(np.int32)
    for dtype in (None, np.float64, np.int32):
        got = ours.apply(values, dtype)
        expected = data[np.clip(values - 7, 0, len(data) - 1)].astype(dtype or data.dtype)
        np.testing.assert_array_equal(got, expected)
        assert got.dtype == expected.dtype
        if not full:
            ref = theirs.apply(values, dtype)
            np.testing.assert_array_equal(got, ref)
            assert got.dtype == ref.dtype
    with pytest.raises(TypeError, match="safe"):
        ours.apply(values, np.int8)
    with pytest.raises(ValueError, match="integer dtype"):
        ours.apply(values.astype(np.float32))


def test_modality_lut_and_from_dataset():
    data = RNG.integers(0, 4096, 4096, dtype=np.uint16)
    ours = ModalityLUT(RescaleTypeValues.HU, -2048, data, "HU table")
    assert ours.ModalityLUTType == "HU" and ours.first_mapped_value == -2048
    assert ours["LUTDescriptor"].VR == "SS"
    stored = np.arange(-2100, 2100, 7, dtype=np.int16)
    np.testing.assert_array_equal(ours.apply(stored), data[np.clip(stored.astype(int) + 2048, 0, 4095)])
    # a real Modality LUT Sequence item (US data, SS descriptor) and a VOI LUT item
    for name, seq in (("mlut_18.dcm", "ModalityLUTSequence"), ("vlut_04.dcm", "VOILUTSequence")):
        item = real(name)[seq][0]
        ours = LUT.from_dataset(item)
        theirs = hd.LUT.from_dataset(item.copy() if hasattr(item, "copy") else item)
        np.testing.assert_array_equal(ours.lut_data, theirs.lut_data)
        assert type(item).__name__ == "Dataset"  # copied, not re-classed
    with pytest.raises(AttributeError, match="LUTDescriptor"):
        LUT.from_dataset(image_dataset(np.zeros((2, 2), np.uint8)))


@pytest.mark.parametrize("bad, error, match", [
    (np.zeros(0, np.uint16), ValueError, "must not be empty"),
    (np.zeros(65537, np.uint16), ValueError, "at most 65536"),
    (np.zeros((2, 2), np.uint16), ValueError, "single dimension"),
    (np.zeros(4, np.int16), ValueError, "uint8 or uint16"),
    ([1, 2], TypeError, "numpy.ndarray"),
])
def test_lut_constructor_errors(bad, error, match):
    with pytest.raises(error, match=match):
        LUT(0, bad)


def test_palette_luts_on_real_files():
    for name in ("OT-PAL-8-face.dcm", "examples_palette.dcm"):
        ds = real(name)
        for color in ("red", "green", "blue"):
            ours = PaletteColorLUT.extract_from_dataset(ds, color)
            theirs = hd.PaletteColorLUT.extract_from_dataset(ds, color)
            np.testing.assert_array_equal(ours.lut_data, theirs.lut_data)
            assert (ours.number_of_entries, ours.first_mapped_value, ours.bits_per_entry) == (
                theirs.number_of_entries, theirs.first_mapped_value, theirs.bits_per_entry)
        ours = PaletteColorLUTTransformation.extract_from_dataset(ds)
        # highdicom's extract_from_dataset skips __init__ (no table cache); rebuild it from its channels
        theirs = hd.PaletteColorLUTTransformation(
            *(hd.PaletteColorLUT.extract_from_dataset(ds, c) for c in ("red", "green", "blue"))
        )
        np.testing.assert_array_equal(ours.combined_lut_data, theirs.combined_lut_data)
        stored = real_stored(name)
        for dtype in (None, np.float64, np.uint16):
            got, ref = ours.apply(stored, dtype), theirs.apply(stored, dtype)
            np.testing.assert_array_equal(got, ref)
            assert got.dtype == ref.dtype
        assert not ours.is_segmented


def test_palette_constructors_match_highdicom():
    colors = ["black", "red", "orange", "#ff7733", "rgb(10, 20, 30)", "Crimson"]
    ours = PaletteColorLUTTransformation.from_colors(colors, first_mapped_value=3, palette_color_lut_uid="1.2.3")
    theirs = hd.PaletteColorLUTTransformation.from_colors(colors, first_mapped_value=3, palette_color_lut_uid="1.2.3")
    np.testing.assert_array_equal(ours.combined_lut_data, theirs.combined_lut_data)
    assert ours.PaletteColorLookupTableUID == "1.2.3"
    for attr in ("RedPaletteColorLookupTableDescriptor", "BluePaletteColorLookupTableDescriptor"):
        assert list(ours[attr].value) == list(theirs[attr].value)
    index = np.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(ours.apply(index), theirs.apply(index))
    combined = RNG.integers(0, 65536, (70, 3), dtype=np.uint16)
    ours = PaletteColorLUTTransformation.from_combined_lut(combined)
    theirs = hd.PaletteColorLUTTransformation.from_combined_lut(combined)
    np.testing.assert_array_equal(ours.combined_lut_data, theirs.combined_lut_data)
    assert ours.bits_per_entry == 16 and ours.number_of_entries == 70
    for lut, color in ((ours.red_lut, 0), (ours.blue_lut, 2)):
        np.testing.assert_array_equal(lut.lut_data, combined[:, color])
    with pytest.raises(ValueError, match="same number of entries"):
        PaletteColorLUTTransformation(PaletteColorLUT(0, np.zeros(4, np.uint8), "red"), PaletteColorLUT(0, np.zeros(5, np.uint8), "green"), PaletteColorLUT(0, np.zeros(4, np.uint8), "blue"))
    with pytest.raises(ValueError, match="holds the green channel"):
        PaletteColorLUTTransformation(*(PaletteColorLUT(0, np.zeros(4, np.uint8), c) for c in ("green", "green", "blue")))
    with pytest.raises(ValueError, match="shaped"):
        PaletteColorLUTTransformation.from_combined_lut(np.zeros((4, 4), np.uint8))


def test_segmented_palette_luts():
    ds = real("gdcm-US-ALOKA-16.dcm")
    every = np.arange(65536, dtype=np.uint16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pdp.apply_color_lut(every, ds)
    transformation = PaletteColorLUTTransformation.extract_from_dataset(ds)
    assert transformation.is_segmented
    for k, color in enumerate(("red", "green", "blue")):
        lut = SegmentedPaletteColorLUT.extract_from_dataset(ds, color)
        np.testing.assert_array_equal(lut.lut_data, ref[:, k])
        assert lut.number_of_entries == 65536
        np.testing.assert_array_equal(lut.segmented_lut_data, np.frombuffer(ds[f"Segmented{color.title()}PaletteColorLookupTableData"].value, "<u2"))
    np.testing.assert_array_equal(transformation.apply(every), ref)
    np.testing.assert_array_equal(transformation.combined_lut_data, ref)
    # built from segments: discrete, linear (rounded half to even), indirect
    segments = np.array([0, 2, 10, 20, 1, 4, 30, 2, 1, 0, 0], np.uint16)
    lut = SegmentedPaletteColorLUT(5, segments, "green")
    np.testing.assert_array_equal(lut.lut_data, [10, 20, 22, 25, 28, 30, 10, 20])
    assert lut.GreenPaletteColorLookupTableDescriptor == [8, 5, 16]
    np.testing.assert_array_equal(lut.apply(np.array([0, 5, 9, 12, 99])), [10, 10, 28, 20, 20])
    luts = [SegmentedPaletteColorLUT(5, segments, c) for c in ("red", "green", "blue")]
    np.testing.assert_array_equal(PaletteColorLUTTransformation(*luts).apply(np.array([7])), [[22, 22, 22]])


def test_segmented_lut_data_is_the_segments_given():
    """8-bit segments of odd length: OW pads them to an even length, the property does not."""
    segments = np.array([0, 1, 5, 1, 7, 9, 0, 1, 3], np.uint8)  # 9 words, which highdicom can read back
    ours = SegmentedPaletteColorLUT(0, segments, "red")
    theirs = hd.SegmentedPaletteColorLUT(0, segments, "red")
    np.testing.assert_array_equal(ours.segmented_lut_data, theirs.segmented_lut_data)
    assert ours.segmented_lut_data.dtype == np.uint8 and len(ours.segmented_lut_data) == 9
    np.testing.assert_array_equal(ours.lut_data, [5, 6, 6, 7, 7, 8, 8, 9, 3])  # PS3.3 (highdicom's differs)
    # 13 words with an indirect segment (highdicom cannot build it), also through a file
    segments = np.array([0, 2, 7, 9, 1, 2, 13, 2, 2, 0, 0, 0, 0], np.uint8)
    lut = SegmentedPaletteColorLUT(0, segments, "blue")
    np.testing.assert_array_equal(lut.segmented_lut_data, segments)
    np.testing.assert_array_equal(lut.lut_data, [7, 9, 11, 13, 7, 9, 11, 13])
    ds = image_dataset(np.zeros((2, 2), np.uint8), photometric="PALETTE COLOR")
    for elem in lut:
        ds.add(elem)
    back = SegmentedPaletteColorLUT.extract_from_dataset(roundtrip_bytes(ds), "blue")
    assert len(bytes(back.SegmentedBluePaletteColorLookupTableData)) == 14
    np.testing.assert_array_equal(back.segmented_lut_data, segments)
    # an even number of words, the last one 0, is all segments; 16-bit words are as given
    segments = np.array([0, 1, 5, 0, 1, 0], np.uint8)
    np.testing.assert_array_equal(SegmentedPaletteColorLUT(0, segments, "red").segmented_lut_data, segments)
    words = np.array([0, 2, 10, 20, 1, 4, 30], np.uint16)
    np.testing.assert_array_equal(SegmentedPaletteColorLUT(0, words, "red").segmented_lut_data, words)


def test_modality_lut_transformation():
    stored = RNG.integers(-2048, 2048, (20, 30), dtype=np.int16)
    ours = ModalityLUTTransformation(-1024, 0.5, RescaleTypeValues.HU)
    theirs = hd.ModalityLUTTransformation(-1024.0, 0.5, hd.RescaleTypeValues.HU)
    assert not ours.has_lut()
    assert (float(ours.RescaleIntercept), float(ours.RescaleSlope), ours.RescaleType) == (-1024.0, 0.5, "HU")
    for dtype in (None, np.float32):
        assert_close(ours.apply(stored, dtype), theirs.apply(stored, dtype), dtype or np.float64)
    integral = ModalityLUTTransformation(-1024, 1, "HU")
    np.testing.assert_array_equal(integral.apply(stored, np.int32), stored.astype(np.int32) - 1024)
    with pytest.raises(ValueError, match="not an integer"):
        ours.apply(stored, np.int32)
    lut = ModalityLUT("US", -2048, RNG.integers(0, 65536, 4096, dtype=np.uint16))
    with_lut = ModalityLUTTransformation(modality_lut=lut)
    assert with_lut.has_lut()
    np.testing.assert_array_equal(with_lut.apply(stored), hd.ModalityLUTTransformation(modality_lut=hd.ModalityLUT("US", 0, lut.lut_data)).apply(stored + 2048))
    with pytest.raises(TypeError, match="'rescale_intercept' must not be given"):
        ModalityLUTTransformation(rescale_intercept=0, modality_lut=lut)
    with pytest.raises(TypeError, match="required"):
        ModalityLUTTransformation(rescale_intercept=0)


@pytest.mark.parametrize("function", [None, "LINEAR", "LINEAR_EXACT", VOILUTFunctionValues.SIGMOID])
def test_voi_lut_transformation_windows(function):
    values = np.linspace(-500, 1500, 2001)
    ours = VOILUTTransformation([40, 700], [400, 1200], ["A", "B"], function)
    theirs = hd.VOILUTTransformation([40, 700], [400, 1200], ["A", "B"], getattr(function, "value", function))
    assert ours.has_window() and not ours.has_lut()
    assert ours.VOILUTFunction == theirs.VOILUTFunction if function else "VOILUTFunction" not in ours
    name = function.value if isinstance(function, VOILUTFunctionValues) else (function or "LINEAR")
    for selector in (0, 1, -1, "A", "B"):
        for invert in (False, True):
            for rng_out in ((0.0, 1.0), (-1.0, 255.0)):
                got = ours.apply(values, rng_out, selector, invert=invert)
                ref = theirs.apply(values, rng_out, selector, invert=invert)
                assert_close(got, ref, np.float64)
                c, w = ((40, 400), (700, 1200))[0 if selector in (0, "A") else 1]
                expected = window_standard(values, c, w, name, *rng_out)
                assert_close(got, (rng_out[0] + rng_out[1]) - expected if invert else expected, np.float64)
    assert_close(ours.apply(values, dtype=np.float32), theirs.apply(values, dtype=np.float32), np.float32)
    with pytest.raises(SelectorError):
        ours.apply(values, voi_transform_selector=2)
    with pytest.raises(SelectorError):
        ours.apply(values, voi_transform_selector="C")


def test_voi_lut_transformation_luts():
    data = [RNG.integers(0, 4096, 500, dtype=np.uint16), RNG.integers(0, 256, 300, dtype=np.uint8)]
    ours = VOILUTTransformation(window_center=100, window_width=50, voi_luts=[VOILUT(10, data[0], "first"), VOILUT(0, data[1], "second")])
    theirs = hd.VOILUTTransformation(window_center=100, window_width=50, voi_luts=[hd.VOILUT(10, data[0], "first"), hd.VOILUT(0, data[1], "second")])
    values = RNG.integers(0, 600, (30, 30)).astype(np.int32)
    for selector in (0, 1, "first", "second"):
        for prefer_lut in (True, False):
            for invert in (False, True):
                got = ours.apply(values, (0.0, 1.0), selector if prefer_lut or selector in (0, -1) else 0, invert=invert, prefer_lut=prefer_lut)
                ref = theirs.apply(values, (0.0, 1.0), selector if prefer_lut or selector in (0, -1) else 0, invert=invert, prefer_lut=prefer_lut)
                assert_close(got, ref, np.float64)
    np.testing.assert_array_equal(ours.apply(values, (0, 255), 1, dtype=np.uint8, prefer_lut=True), np.rint(theirs.apply(values, (0, 255), 1, prefer_lut=True)))


def test_voi_lut_transformation_errors():
    with pytest.raises(TypeError, match="together"):
        VOILUTTransformation(window_center=1)
    with pytest.raises(ValueError, match="greater than zero"):
        VOILUTTransformation(window_center=1, window_width=0)
    with pytest.raises(ValueError, match=r"\(0028,1051\) 'Window Width' must be greater than zero"):
        VOILUTTransformation(window_center=[1, 2], window_width=[3, -1])
    with pytest.raises(ValueError, match="as many values"):
        VOILUTTransformation(window_center=[1, 2], window_width=[1])
    with pytest.raises(TypeError, match="At least one"):
        VOILUTTransformation()
    with pytest.raises(ValueError, match="GAMMA"):
        VOILUTTransformation(window_center=1, window_width=2, voi_lut_function="GAMMA")
    with pytest.raises(TypeError, match="VOILUT"):
        VOILUTTransformation(voi_luts=[LUT(0, np.zeros(3, np.uint8))])


@pytest.mark.parametrize("function", [None, "LINEAR", "LINEAR_EXACT", "SIGMOID"])
@pytest.mark.parametrize("width", [0.5, 1e-3, 0.0, -2.0])
def test_voi_lut_transformation_width_checked_as_highdicom(function, width):
    """The constructor refuses the widths highdicom's refuses (<= 0, any function) and takes the
    others; a LINEAR window narrower than 1 (PS3.3 C.11.2.1.2.1) is refused when applied."""
    options = dict(window_center=10, window_width=width, voi_lut_function=function)
    try:
        hd.VOILUTTransformation(**options)
        hd_err = None
    except ValueError as exc:
        hd_err = exc
    if hd_err is not None:
        with pytest.raises(ValueError, match=r"\(0028,1051\) 'Window Width' must be greater than zero"):
            VOILUTTransformation(**options)
        return
    ours = VOILUTTransformation(**options)
    values = np.arange(5, 16, dtype=np.int16)
    if function in (None, "LINEAR") and width < 1:
        with pytest.raises(ValueError, match=r"\(0028,1051\) 'Window Width' is .*at least 1 wide"):
            ours.apply(values)
    else:
        ref = window_standard(values, 10, width, function or "LINEAR", 0.0, 1.0)
        assert_close(ours.apply(values), ref, np.float64)


def test_presentation_lut_transformation():
    values = np.linspace(0, 1, 101)
    inverse = PresentationLUTTransformation("INVERSE")
    assert inverse.PresentationLUTShape == "INVERSE" and not inverse.has_lut()
    assert_close(inverse.apply(values), 1 - values, np.float64)
    assert_close(inverse.apply(values * 255, input_range=(0, 255)), 255 - values * 255, np.float64)
    identity = PresentationLUTTransformation()
    assert identity.PresentationLUTShape == "IDENTITY"
    assert_close(identity.apply(values), values, np.float64)
    data = (np.arange(1024)[::-1] * 4).astype(np.uint16)
    with_lut = PresentationLUTTransformation(presentation_lut=PresentationLUT(0, data))
    np.testing.assert_array_equal(with_lut.apply(values), data[np.floor(values * 1023 + 0.5).astype(int)])
    with pytest.raises(TypeError, match="Only one"):
        PresentationLUTTransformation("INVERSE", PresentationLUT(0, data))
    with pytest.raises(ValueError):
        PresentationLUTTransformation("LIN OD")


def test_transformations_are_data_set_items():
    """The classes hold real elements: placed in a data set and written, the chain reads them back."""
    stored = RNG.integers(0, 4096, (16, 16), dtype=np.uint16)
    ds = image_dataset(stored, bits_stored=12)
    for elem in ModalityLUTTransformation(-100, 2, "US"):
        ds.add(elem)
    for elem in VOILUTTransformation(window_center=[2000, 500], window_width=[1000, 100], voi_lut_function="SIGMOID"):
        ds.add(elem)
    for elem in PresentationLUTTransformation("INVERSE"):
        ds.add(elem)
    back = roundtrip_bytes(ds)
    got = TransformChain.from_dataset(back, apply_voi_transform=True, voi_transform_selector=1)(stored)
    expected = 1 - window_standard(stored * 2.0 - 100, 500, 100, "SIGMOID", 0.0, 1.0)
    assert_close(got, expected, np.float64)
    palette = PaletteColorLUTTransformation.from_colors(["red", "lime", "blue"])
    pal = image_dataset(np.array([[0, 1, 2, 7]], np.uint8), photometric="PALETTE COLOR")
    for elem in palette:
        pal.add(elem)
    back = roundtrip_bytes(pal)
    np.testing.assert_array_equal(apply_color_lut(np.array([[0, 1, 2, 7]], np.uint8), back), [[[255, 0, 0], [0, 255, 0], [0, 0, 255], [0, 0, 255]]])
