"""The pydicom-style functions against pydicom 3.0's pydicom.pixels.processing and PS3.3."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
from pydicom.dataelem import DataElement
from pydicom.pixels import processing as pdp

from dcmcore.transforms import (
    SelectorError,
    apply_color_lut,
    apply_modality_lut,
    apply_presentation_lut,
    apply_voi_lut,
    apply_windowing,
)
from tests._transforms_util import assert_close, image_dataset, item, lut_item, per_frame_groups, real, real_stored, window_standard


def _pydicom(func, *args, **kwargs):
    """pydicom's function on copies (it modifies the data set), warnings silenced."""
    args = [copy.deepcopy(a) if hasattr(a, "dir") else a for a in args]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def _same(got, ref):
    assert got.dtype == ref.dtype, (got.dtype, ref.dtype)
    if got.dtype.kind == "f":
        assert_close(got, ref, got.dtype)
    else:
        np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("name", ["CT_small.dcm", "mlut_18.dcm", "MR2_UNCI.dcm", "6154", "MR_small.dcm", "vlut_04.dcm", "emri_small.dcm"])
def test_apply_modality_lut(name):
    ds, stored = real(name), real_stored(name)
    got = apply_modality_lut(stored, ds)
    ref = _pydicom(pdp.apply_modality_lut, stored, ds)
    _same(got, ref)
    if ref is stored:
        assert got is stored
    if "ModalityLUTSequence" not in ds:  # pydicom cannot index its LUT with floats
        _same(apply_modality_lut(stored.astype(np.float32), ds), _pydicom(pdp.apply_modality_lut, stored.astype(np.float32), ds))


@pytest.mark.parametrize("name", ["MR_small.dcm", "vlut_04.dcm", "RG1_UNCI.dcm", "RG3_UNCI.dcm", "6154", "MR2_UNCI.dcm", "CT_small.dcm", "mlut_18.dcm"])
@pytest.mark.parametrize("prefer_lut", [True, False])
def test_apply_voi_lut_after_modality(name, prefer_lut):
    ds, stored = real(name), real_stored(name)
    modality = apply_modality_lut(stored, ds)
    got = apply_voi_lut(modality, ds, prefer_lut=prefer_lut)
    ref = _pydicom(pdp.apply_voi_lut, _pydicom(pdp.apply_modality_lut, stored, ds), ds, prefer_lut=prefer_lut)
    _same(got, ref)


@pytest.mark.parametrize("function", ["LINEAR", "LINEAR_EXACT", "SIGMOID"])
@pytest.mark.parametrize("signed", [False, True])
def test_apply_windowing_functions_and_index(function, signed):
    rng = np.random.default_rng(11)
    stored = rng.integers(-2048 if signed else 0, 2048 if signed else 4096, (30, 40)).astype(np.int16 if signed else np.uint16)
    ds = image_dataset(
        stored, bits_stored=12, RescaleSlope=1.5, RescaleIntercept=-7,
        WindowCenter=[100, -20.5, 3000], WindowWidth=[400, 1.0 if function == "LINEAR" else 0.25, 5000],
        VOILUTFunction=function,
    )
    arr = apply_modality_lut(stored, ds)
    for index in (0, 1, 2):
        got = apply_windowing(arr, ds, index)
        ref = _pydicom(pdp.apply_windowing, arr, ds, index)
        _same(got, ref)
        lo, hi = (-2048 * 1.5 - 7, 2047 * 1.5 - 7) if signed else (-7, 4095 * 1.5 - 7)
        c, w = float(ds.WindowCenter[index]), float(ds.WindowWidth[index])
        assert_close(got, window_standard(arr, c, w, function, lo, hi), np.float64)
    with pytest.raises(SelectorError, match="out of range"):
        apply_windowing(arr, ds, 3)


def test_apply_windowing_leaves_dataset_alone():
    ds = image_dataset(np.zeros((2, 2), np.int16), bits_stored=12, RescaleSlope="1.0", RescaleIntercept="0", WindowCenter=1, WindowWidth=2)
    before = copy.deepcopy(ds)
    apply_windowing(np.zeros((2, 2)), ds)
    assert ds == before


def test_apply_windowing_errors():
    arr = np.zeros((2, 2))
    for function, width, match in (
        ("LINEAR", 0.5, r"'Window Width' is 0.5: a LINEAR window must be at least 1"),
        ("LINEAR_EXACT", 0, r"'Window Width' is 0: a LINEAR_EXACT window must be wider than 0"),
        ("SIGMOID", -1, r"'Window Width' is -1: a SIGMOID window must be wider than 0"),
        ("GAMMA", 10, r"\(0028,1056\) 'VOI LUT Function' is 'GAMMA'"),
    ):
        ds = image_dataset(np.zeros((2, 2), np.uint16), WindowCenter=1, WindowWidth=width, VOILUTFunction=function)
        with pytest.raises(ValueError, match=match):
            apply_windowing(arr, ds)
    ds = image_dataset(np.zeros((2, 2, 3), np.uint8), photometric="RGB", WindowCenter=1, WindowWidth=3)
    with pytest.raises(ValueError, match="MONOCHROME"):
        apply_windowing(arr, ds)


def test_apply_voi_lut_sequence_items():
    rng = np.random.default_rng(3)
    # up to 265: pydicom indexes an 8-bit LUT with uint8 and wraps beyond its last entry
    stored = rng.integers(0, 266, (20, 20), dtype=np.uint16)
    ds = image_dataset(stored, bits_stored=9)
    bytes8 = (np.arange(256) % 200).astype(np.uint8)
    # 8-bit entries in 16-bit words, as pydicom reads them
    ds.VOILUTSequence = [
        lut_item(10, bytes8.astype(np.uint16), bits=8, LUTExplanation="A"),
        lut_item(5, (np.arange(100) * 600).astype(np.uint16), LUTExplanation="B"),
    ]
    for index in (0, 1, -1):
        _same(apply_voi_lut(stored, ds, index), _pydicom(pdp.apply_voi_lut, stored, ds, index))
    expected = bytes8[np.clip(stored.astype(int) - 10, 0, 255)]
    np.testing.assert_array_equal(apply_voi_lut(stored, ds, 0), expected)
    # 8-bit entries one per byte (PS3.3 C.11.2.1.1 today)
    ds.VOILUTSequence[0] = lut_item(10, bytes8, LUTExplanation="A")
    np.testing.assert_array_equal(apply_voi_lut(stored, ds, 0), expected)
    beyond = np.array([300, 511], np.uint16)  # past the last entry: the last entry
    np.testing.assert_array_equal(apply_voi_lut(beyond, ds, 0), [bytes8[-1]] * 2)
    # a signed first value mapped (SS) on signed modality values
    signed = np.array([-300, -6, -5, 0, 94, 95], np.int16)
    ds.VOILUTSequence[1] = lut_item(-5, (np.arange(100) * 600).astype(np.uint16), LUTExplanation="B")
    np.testing.assert_array_equal(apply_voi_lut(signed, ds, 1), [0, 0, 0, 3000, 59400, 59400])
    with pytest.raises(SelectorError, match="VOI LUT Sequence"):
        apply_voi_lut(stored, ds, 2)


def test_modality_lut_8_bit_entries_and_us_data():
    stored = np.arange(-20, 20, dtype=np.int16).reshape(5, 8)
    ds = image_dataset(stored, bits_stored=8)
    mlut = item(ModalityLUTType="US")
    mlut.add(DataElement(0x00283002, "SS", [30, -10, 8]))
    mlut.add(DataElement(0x00283006, "US", list(range(100, 130))))
    ds.ModalityLUTSequence = [mlut]
    got = apply_modality_lut(stored, ds)
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, np.arange(100, 130)[np.clip(stored.astype(int) + 10, 0, 29)])
    _same(got, _pydicom(pdp.apply_modality_lut, stored, ds))


def test_enhanced_functional_groups():
    """Rescale and windows from the Shared / Per-Frame Functional Groups (pydicom reads only the top level)."""
    rng = np.random.default_rng(8)
    stored = rng.integers(0, 4096, (3, 10, 12), dtype=np.uint16)
    ds = image_dataset(stored, bits_stored=12, sop_class="1.2.840.10008.5.1.4.1.1.2.1")
    ds.SharedFunctionalGroupsSequence = [item(PixelValueTransformationSequence=[item(RescaleSlope=2, RescaleIntercept=-5, RescaleType="US")])]
    ds.PerFrameFunctionalGroupsSequence = per_frame_groups(3, center=[100, 2000, 4000], width=[50, 3000, 200])
    modality = apply_modality_lut(stored, ds)
    assert_close(modality, stored * 2.0 - 5, np.float64)
    got = apply_voi_lut(modality, ds)
    lo, hi = -5.0, 4095 * 2.0 - 5
    for i, (c, w) in enumerate(((100, 50), (2000, 3000), (4000, 200))):
        expected = window_standard(modality[i], c, w, "LINEAR", lo, hi)
        assert_close(got[i], expected, np.float64)
        assert_close(apply_windowing(modality[i], ds, frame_index=i), expected, np.float64)
    with pytest.raises(ValueError, match="frame_index"):
        apply_voi_lut(modality[0], ds)
    # per-frame rescale
    ds.PerFrameFunctionalGroupsSequence = per_frame_groups(3, slope=[1, 2, 3], intercept=[0, 1, 2])
    del ds.SharedFunctionalGroupsSequence
    got = apply_modality_lut(stored, ds)
    for i in range(3):
        assert_close(got[i], stored[i] * (i + 1.0) + i, np.float64)
    assert_close(apply_modality_lut(stored[2], ds, frame_index=2), stored[2] * 3.0 + 2, np.float64)


def test_enhanced_transform_in_a_later_frame_only():
    """Every Per-Frame Functional Groups item is looked at, not only the first (which has none here)."""
    rng = np.random.default_rng(9)
    stored = rng.integers(0, 4096, (3, 6, 5), dtype=np.uint16)
    ds = image_dataset(stored, bits_stored=12, sop_class="1.2.840.10008.5.1.4.1.1.2.1")
    groups = per_frame_groups(3)
    groups[2].PixelValueTransformationSequence = [item(RescaleSlope=2, RescaleIntercept=-10, RescaleType="US")]
    groups[1].FrameVOILUTSequence = [item(WindowCenter=2000, WindowWidth=1000)]
    ds.PerFrameFunctionalGroupsSequence = groups
    # frames with and without the transform: no single answer for the stack (pydicom ignores frame 2's)
    with pytest.raises(ValueError, match="frame_index"):
        apply_modality_lut(stored, ds)
    with pytest.raises(ValueError, match="frame_index"):
        apply_windowing(stored.astype(np.float64), ds)
    assert_close(apply_modality_lut(stored[2], ds, frame_index=2), stored[2] * 2.0 - 10, np.float64)
    frame0 = stored[0]
    assert apply_modality_lut(frame0, ds, frame_index=0) is frame0  # no transform: the input itself
    expected = window_standard(stored[1], 2000, 1000, "LINEAR", 0.0, 4095.0)
    assert_close(apply_windowing(stored[1], ds, frame_index=1), expected, np.float64)


def test_enhanced_real_file():
    ds, stored = real("eCT_Supplemental.dcm"), real_stored("eCT_Supplemental.dcm")
    got = apply_modality_lut(stored, ds)
    assert_close(got, stored - 1024.0, np.float64)  # Shared Pixel Value Transformation
    voi = apply_voi_lut(got, ds)
    assert_close(voi, window_standard(got, 49, 102, "LINEAR", -1024.0, 65535 - 1024.0), np.float64)


def test_apply_presentation_lut_inverse():
    stored = np.arange(0, 4096, 7, dtype=np.uint16)[:576].reshape(24, 24)
    ds = image_dataset(stored, bits_stored=12, PresentationLUTShape="INVERSE")
    got = apply_presentation_lut(stored, ds)
    np.testing.assert_array_equal(got, 4095 - stored)  # reflected within Bits Stored's range
    assert got.dtype == np.uint16
    # pydicom reflects within the array's own maximum; the same when the array reaches it
    full = np.arange(4096, dtype=np.uint16).reshape(64, 64)
    _same(apply_presentation_lut(full, ds), _pydicom(pdp.apply_presentation_lut, full, ds))
    # after a window the range is the window's output range
    ds.WindowCenter, ds.WindowWidth = 2000, 1000
    win = apply_voi_lut(stored, ds)
    assert_close(apply_presentation_lut(win, ds), 4095.0 - win, np.float64)
    assert_close(apply_presentation_lut(win / 4095, ds, input_range=(0, 1)), 1 - win / 4095, np.float64)
    ds.PresentationLUTShape = "IDENTITY"
    assert apply_presentation_lut(win, ds) is win
    ds.PresentationLUTShape = "LIN OD"
    with pytest.raises(NotImplementedError, match="LIN OD"):
        apply_presentation_lut(win, ds)


def test_apply_presentation_lut_sequence():
    plut = ((np.arange(4096) * 7) % 4096).astype(np.uint16)
    ds = image_dataset(np.zeros((2, 2), np.uint16), bits_stored=12)
    ds.PresentationLUTSequence = [lut_item(0, plut, bits=12)]
    full = np.arange(4096, dtype=np.uint16).reshape(64, 64)
    got = apply_presentation_lut(full, ds)
    np.testing.assert_array_equal(got, plut[full])
    _same(got, _pydicom(pdp.apply_presentation_lut, full, ds))
    # a float input range is scaled onto the entries, rounding half up
    x = np.linspace(0.0, 1.0, 1001)
    got = apply_presentation_lut(x, ds, input_range=(0.0, 1.0))
    np.testing.assert_array_equal(got, plut[np.floor(x * 4095 + 0.5).astype(int)])


@pytest.mark.parametrize(
    "name",
    ["OT-PAL-8-face.dcm", "examples_palette.dcm", "OBXXXX1A.dcm", "gdcm-US-ALOKA-16.dcm", "gdcm-US-ALOKA-16_big.dcm"],
)
def test_apply_color_lut_real(name):
    ds, stored = real(name), real_stored(name)
    _same(apply_color_lut(stored, ds), _pydicom(pdp.apply_color_lut, stored, ds))
    every = np.arange(2 ** (8 * stored.dtype.itemsize), dtype=stored.dtype)
    _same(apply_color_lut(every, ds), _pydicom(pdp.apply_color_lut, every, ds))


@pytest.mark.parametrize("uid", [f"1.2.840.10008.1.5.{i}" for i in range(1, 9)])
def test_well_known_palettes(uid):
    arr = np.arange(256, dtype=np.uint8).reshape(16, 16)
    _same(apply_color_lut(arr, palette=uid), _pydicom(pdp.apply_color_lut, arr, palette=uid))


def test_well_known_palette_names():
    """PS3.6 Annex B: FALL is ...1.5.7 and WINTER ...1.5.8 (pydicom 3.0.2 swaps the two names)."""
    arr = np.arange(256, dtype=np.uint8)
    for name, uid in (("HOT_IRON", "1.2.840.10008.1.5.1"), ("PET", "1.2.840.10008.1.5.2"), ("FALL", "1.2.840.10008.1.5.7"), ("WINTER", "1.2.840.10008.1.5.8")):
        _same(apply_color_lut(arr, palette=name), _pydicom(pdp.apply_color_lut, arr, palette=uid))
    with pytest.raises(ValueError, match="Unknown palette"):
        apply_color_lut(arr, palette="SPRINGTIME")
    with pytest.raises(ValueError, match="'ds' or 'palette'"):
        apply_color_lut(arr)


def _palette_ds(stored, tables, bits, *, first=0, segmented=False, alpha=None):
    ds = image_dataset(stored, photometric="PALETTE COLOR", sop_class="1.2.840.10008.5.1.4.1.1.7")
    n = len(tables[0]) if not segmented else tables[3]
    for k, color in enumerate(("Red", "Green", "Blue")):
        ds.add(DataElement({"Red": 0x00281101, "Green": 0x00281102, "Blue": 0x00281103}[color], "US", [0 if n == 65536 else n, first, bits]))
        data = np.asarray(tables[k])
        raw = data.astype("<u2").tobytes() if bits == 16 else data.astype(np.uint8).tobytes()
        tag = {"Red": 0x00281221, "Green": 0x00281222, "Blue": 0x00281223}[color] if segmented else {"Red": 0x00281201, "Green": 0x00281202, "Blue": 0x00281203}[color]
        ds.add(DataElement(tag, "OW", raw))
    if alpha is not None:
        ds.add(DataElement(0x00281204, "OW", np.asarray(alpha).astype("<u2" if bits == 16 else np.uint8).tobytes()))
    return ds


def test_segmented_palettes():
    """Discrete, linear and indirect segments (PS3.3 C.7.9.2), against pydicom and by hand."""
    stored = np.arange(0, 40, dtype=np.uint8).reshape(5, 8)
    # red: discrete [10 20 30], linear to 60 over 3 -> 40 50 60, discrete [5], linear to 0 over 2 -> 2 (2.5 rounds to even), 0
    red = [0, 3, 10, 20, 30, 1, 3, 60, 0, 1, 5, 1, 2, 0]
    red_expanded = [10, 20, 30, 40, 50, 60, 5, 2, 0]
    green = [0, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    blue = [0, 1, 200, 1, 8, 0]
    blue_expanded = [200, 175, 150, 125, 100, 75, 50, 25, 0]
    for bits in (8, 16):
        ds = _palette_ds(stored, (red, green, blue, 9), bits, first=3, segmented=True)
        got = apply_color_lut(stored, ds)
        ref = _pydicom(pdp.apply_color_lut, stored, ds)
        _same(got, ref)
        idx = np.clip(stored.astype(int) - 3, 0, 8)
        expected = np.stack([np.asarray(red_expanded)[idx], np.arange(1, 10)[idx], np.asarray(blue_expanded)[idx]], -1)
        np.testing.assert_array_equal(got, expected)


def test_segmented_indirect():
    """Indirect segments: a byte offset, least significant word first (PS3.3 C.7.9.2.3)."""
    stored = np.arange(12, dtype=np.uint8).reshape(3, 4)
    # 8 bits: offset 0 -> repeats the first two segments
    seg8 = [0, 2, 7, 9, 1, 2, 13, 2, 2, 0, 0, 0, 0]  # discrete 7 9, linear to 13 (11, 13), copy 2 segments
    expanded = [7, 9, 11, 13, 7, 9, 11, 13]
    ds = _palette_ds(stored, (seg8, seg8, seg8, 8), 8, segmented=True)
    got = apply_color_lut(stored, ds)
    _same(got, _pydicom(pdp.apply_color_lut, stored, ds))
    np.testing.assert_array_equal(got[..., 0], np.asarray(expanded)[np.clip(stored, 0, 7)])
    # 16 bits: the offset counts bytes, so the 2nd segment (word 4) is at byte 8
    seg16 = [0, 2, 700, 900, 1, 2, 1300, 2, 1, 8, 0]  # copies the linear segment: 1100+... from 1300
    expanded16 = [700, 900, 1100, 1300, 1300, 1300]
    ds = _palette_ds(stored, (seg16, seg16, seg16, 6), 16, segmented=True)
    got = apply_color_lut(stored, ds)
    np.testing.assert_array_equal(got[..., 1], np.asarray(expanded16)[np.clip(stored, 0, 5)])


@pytest.mark.parametrize(
    "segments, match",
    [
        ([1, 3, 10], "a linear segment cannot come first"),
        ([0, 5, 1, 2], "the segment at word 0 is truncated"),
        ([0, 1, 5, 7, 1, 0], r"unknown segment type \(opcode\) 7"),
        ([0, 1, 5, 2, 1, 0], "is truncated"),
        ([0, 1, 5, 2, 1, 40, 0], "points beyond the data"),
        ([0, 1, 5, 2, 1, 14, 0, 2, 1, 0, 0], "target of another indirect segment"),
    ],
)
def test_bad_segmented_palettes(segments, match):
    stored = np.zeros((2, 2), np.uint16)
    ds = _palette_ds(stored, (segments, segments, segments, 2), 16, segmented=True)
    with pytest.raises(ValueError, match=rf"Segmented Red Palette Color Lookup Table Data.*{match}"):
        apply_color_lut(stored, ds)


def test_palette_alpha_and_errors():
    stored = np.arange(16, dtype=np.uint8).reshape(4, 4)
    rgb = [np.arange(10) * k for k in (1, 2, 3)]
    ds = _palette_ds(stored, rgb, 8, first=2, alpha=np.arange(10) * 20)
    got = apply_color_lut(stored, ds)
    assert got.shape == (4, 4, 4)
    _same(got, _pydicom(pdp.apply_color_lut, stored, ds))
    # mismatched descriptors and data lengths
    ds.GreenPaletteColorLookupTableDescriptor = [11, 2, 8]
    with pytest.raises(ValueError, match=r"\(0028,1102\) 'Green Palette Color Lookup Table Descriptor'"):
        apply_color_lut(stored, ds)
    ds = _palette_ds(stored, rgb, 8)
    ds.RedPaletteColorLookupTableData = b"\x00" * 6
    with pytest.raises(ValueError, match=r"\(0028,1201\) 'Red Palette Color Lookup Table Data' holds 6 bytes"):
        apply_color_lut(stored, ds)
    ds.RedPaletteColorLookupTableDescriptor = [10, 0, 12]
    with pytest.raises(ValueError, match="bits per entry"):
        apply_color_lut(stored, ds)
    ds = image_dataset(stored, photometric="PALETTE COLOR")
    with pytest.raises(ValueError, match="No suitable Palette Color Lookup Table"):
        apply_color_lut(stored, ds)
    ds.PixelPresentation = "COLOR"
    with pytest.raises(ValueError, match="Supplemental"):
        apply_color_lut(stored, ds)


def test_segmented_work_is_bounded():
    """Indirect segments repeating each other's targets cannot make the expansion run away."""
    stored = np.zeros((2, 2), np.uint16)
    # 65535 empty discrete segments, then indirect segments each repeating all of them
    segments = [0, 1, 7] + [0, 0] * 65535 + [2, 65535, 6, 0] * 70
    ds = _palette_ds(stored, (segments, segments, segments, 1), 16, segmented=True)
    with pytest.raises(ValueError, match="repeat more than"):
        apply_color_lut(stored, ds)


@pytest.mark.parametrize("first", [32768, 40000, 65000])
def test_voi_lut_unsigned_first_mapped_value_above_32767(first):
    """A US first mapped value >= 32768 on unsigned data is that value, as pydicom and highdicom read it."""
    import highdicom as hd

    from dcmcore.transforms import VOILUT, VOILUTTransformation

    stored = np.array([[0, first - 1, first, first + 50, first + 99, 65535]], np.uint16)
    ds = image_dataset(stored, bits_stored=16)
    data = (np.arange(100) * 600).astype(np.uint16)
    ds.VOILUTSequence = [lut_item(first, data)]
    assert ds.VOILUTSequence[0]["LUTDescriptor"].VR == "US"
    expected = pdp.apply_voi_lut(stored, copy.deepcopy(ds))
    np.testing.assert_array_equal(expected, data[np.clip(stored.astype(int) - first, 0, 99)])
    np.testing.assert_array_equal(apply_voi_lut(stored, ds), expected)
    scaled = hd.VOILUTTransformation(voi_luts=[hd.VOILUT(first, data)]).apply(stored)
    ours = VOILUTTransformation(voi_luts=[VOILUT(first, data)]).apply(stored)
    np.testing.assert_allclose(ours, scaled, rtol=1e-12)
    np.testing.assert_allclose(VOILUTTransformation.from_dataset(ds).apply(stored), scaled, rtol=1e-12)
