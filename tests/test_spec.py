"""PixelSpec: fields from a data set, derived sizes and shapes, replace(), validation.

Oracles: the data set's own elements, pydicom's ``get_expected_length``,
``pixel_dtype`` and ``as_pixel_options`` (pydicom.pixels.utils), the shape of
pydicom's decoded arrays, and hand-computed values from PS3.3 / PS3.5.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from pydicom.pixels.utils import as_pixel_options, get_expected_length, pixel_dtype

import dcmcore
from dcmcore import errors
from dcmcore.spec import MAX_ARRAY_BYTES, PixelSpec, transfer_syntax_of
from tests._helpers import make_dataset, pydicom_array, read

EXPLICIT = "1.2.840.10008.1.2.1"
BIG = "1.2.840.10008.1.2.2"

REAL = [
    "CT_small.dcm",
    "MR_small_bigendian.dcm",
    "MR_small_implicit.dcm",
    "SC_rgb_expb_32bit_2frame.dcm",
    "SC_rgb_small_odd_big_endian.dcm",
    "SC_ybr_full_422_uncompressed.dcm",
    "liver.dcm",
    "liver_expb_1frame.dcm",
    "emri_small_big_endian.dcm",
    "rtdose.dcm",
    "image_dfl.dcm",
    "OBXXXX1A_expb_2frame.dcm",
    "color-pl.dcm",
    "examples_palette.dcm",
]


def spec(**kw) -> PixelSpec:
    base = dict(rows=4, columns=6, samples_per_pixel=1, bits_allocated=16, bits_stored=12,
                pixel_representation=1, photometric_interpretation="MONOCHROME2")
    base.update(kw)
    return PixelSpec(**base)


# -- from_dataset: fields -------------------------------------------------------------
@pytest.mark.parametrize("name", REAL)
def test_from_dataset_fields(name):
    ds = read(name)
    s = PixelSpec.from_dataset(ds)
    assert (s.rows, s.columns) == (ds.Rows, ds.Columns)
    assert s.samples_per_pixel == ds.SamplesPerPixel
    assert s.bits_allocated == ds.BitsAllocated
    assert s.bits_stored == ds.BitsStored
    assert s.pixel_representation == ds.PixelRepresentation
    assert s.photometric_interpretation == ds.PhotometricInterpretation
    assert s.number_of_frames == int(ds.get("NumberOfFrames", 1) or 1)
    assert s.planar_configuration == (ds.PlanarConfiguration if ds.SamplesPerPixel > 1 else 0)
    assert s.transfer_syntax_uid == ds.file_meta.TransferSyntaxUID
    assert s.pixel_keyword == "PixelData"
    if ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2":
        assert s.pixel_vr in (None, ds["PixelData"].VR)  # implicit VR: not in the file
    else:
        assert s.pixel_vr == ds["PixelData"].VR
    assert s.is_native
    assert s.is_big_endian == (ds.file_meta.TransferSyntaxUID == BIG)
    assert type(s.rows) is int and type(s.number_of_frames) is int  # IS / US values normalised


@pytest.mark.parametrize("name", REAL)
def test_against_pydicom_utils(name):
    """Sizes, dtype and options agree with pydicom.pixels.utils and with pydicom's decoded array."""
    ds = read(name)
    s = PixelSpec.from_dataset(ds)
    assert s.expected_nbytes() == get_expected_length(ds, "bytes")
    ref_dtype = pixel_dtype(ds)
    assert s.dtype == ref_dtype.newbyteorder("=") and s.dtype.isnative
    opts = as_pixel_options(ds)
    ours = s.as_pixel_options()
    for key, value in opts.items():
        assert ours[key] == value, key
    arr = pydicom_array(ds, raw=True)
    assert s.shape() == arr.shape
    assert s.shape(s.number_of_frames) == (s.number_of_frames, *s.frame_shape)
    assert arr.size == s.number_of_frames * s.frame_samples


def test_float_pixel_data_fields():
    ds = make_dataset(bytes(4 * 24 * 3), rows=4, columns=6, bits_allocated=32, keyword="FloatPixelData",
                      number_of_frames=3)
    s = PixelSpec.from_dataset(ds)
    assert (s.pixel_keyword, s.is_float, s.bits_stored, s.pixel_representation) == ("FloatPixelData", True, 32, 0)
    assert s.dtype == np.float32 and not s.is_signed
    assert s.expected_nbytes() == get_expected_length(ds) == 288
    ds = make_dataset(bytes(8 * 24), rows=4, columns=6, bits_allocated=64, transfer_syntax=BIG,
                      keyword="DoubleFloatPixelData")
    s = PixelSpec.from_dataset(ds)
    assert s.dtype == np.float64 and s.is_big_endian and s.itemsize == 8
    assert s.expected_nbytes() == get_expected_length(ds) == 192


# -- dtype ---------------------------------------------------------------------------
@pytest.mark.parametrize("ba, pr", list(itertools.product([1, 8, 16, 32, 64], [0, 1])))
@pytest.mark.parametrize("tsyntax", [EXPLICIT, BIG])
def test_dtype(ba, pr, tsyntax):
    ds = make_dataset(b"", rows=2, columns=4, bits_allocated=ba, bits_stored=ba, pixel_representation=pr,
                      transfer_syntax=tsyntax)
    s = PixelSpec.from_dataset(ds)
    expected = np.dtype("u1") if ba == 1 else np.dtype(f"{'i' if pr else 'u'}{ba // 8}")
    assert s.dtype == expected and s.dtype.isnative
    assert s.dtype == pixel_dtype(ds).newbyteorder("=")
    assert s.itemsize == max(1, ba // 8)
    assert s.is_signed == (pr == 1 and ba > 1)


# -- sizes -----------------------------------------------------------------------------
SIZE_CASES = [
    # (ba, spp, pi, frames, rows, cols)
    (1, 1, "MONOCHROME2", 1, 3, 5),
    (1, 1, "MONOCHROME2", 7, 3, 5),
    (1, 1, "MONOCHROME2", 9, 1, 1),
    (1, 1, "MONOCHROME2", 3, 512, 512),
    (8, 1, "MONOCHROME2", 7, 3, 5),
    (8, 3, "RGB", 2, 3, 3),
    (8, 3, "YBR_FULL_422", 3, 4, 6),
    (16, 3, "YBR_FULL_422", 2, 1, 2),
    (16, 1, "MONOCHROME1", 2, 17, 13),
    (32, 3, "YBR_FULL", 7, 5, 5),
    (64, 1, "PALETTE COLOR", 2, 1, 3),
]


@pytest.mark.parametrize("ba, spp, pi, frames, rows, cols", SIZE_CASES, ids=str)
def test_sizes(ba, spp, pi, frames, rows, cols):
    ds = make_dataset(b"", rows=rows, columns=cols, samples_per_pixel=spp, bits_allocated=ba,
                      photometric_interpretation=pi, number_of_frames=frames)
    s = PixelSpec.from_dataset(ds)
    stored_samples_per_pixel = 2 if pi == "YBR_FULL_422" else spp  # PS3.3 C.7.6.3.1.2
    frame_bits = rows * cols * stored_samples_per_pixel * ba
    assert s.frame_nbits == frame_bits
    assert s.frame_nbytes == -(-frame_bits // 8)
    assert s.expected_nbytes() == -(-frames * frame_bits // 8) == get_expected_length(ds, "bytes")
    assert s.expected_nbytes(1) == s.frame_nbytes
    assert s.expected_nbytes(2) == -(-2 * frame_bits // 8)
    assert s.frame_pixels == rows * cols
    assert s.frame_samples == rows * cols * spp
    assert s.frame_decoded_nbytes == rows * cols * spp * max(1, ba // 8)
    assert get_expected_length(ds, "pixels") == frames * rows * cols * spp
    assert s.frame_bit_range(0) == (0, frame_bits)
    assert s.frame_bit_range(frames - 1, 1) == ((frames - 1) * frame_bits, frames * frame_bits)
    assert s.frame_bit_range(1, 2) == (frame_bits, 3 * frame_bits)
    frame_shape = (rows, cols) if spp == 1 else (rows, cols, spp)
    assert s.frame_shape == frame_shape
    assert s.shape() == (frame_shape if frames == 1 else (frames, *frame_shape))
    assert s.shape(1) == (1, *frame_shape)
    assert s.shape(5) == (5, *frame_shape)


def test_ybr422_subsampling_is_a_property_of_native_data():
    s = spec(samples_per_pixel=3, photometric_interpretation="YBR_FULL_422", bits_stored=8, bits_allocated=8,
             pixel_representation=0)
    assert s.is_ybr422_subsampled and s.frame_nbits == 4 * 6 * 2 * 8
    jpeg = s.replace(transfer_syntax_uid="1.2.840.10008.1.2.4.50")
    assert not jpeg.is_native and not jpeg.is_ybr422_subsampled


# -- from_dataset: missing, empty and odd values -----------------------------------
def test_missing_elements_are_all_named():
    ds = make_dataset(bytes(48), rows=4, columns=6)
    for kw in ("Rows", "Columns", "BitsAllocated", "SamplesPerPixel"):
        del ds[kw]
    with pytest.raises(AttributeError) as info:
        PixelSpec.from_dataset(ds)
    assert isinstance(info.value, errors.MissingElementError)
    for text in ("(0028,0010) 'Rows'", "(0028,0011) 'Columns'", "(0028,0100) 'Bits Allocated'",
                 "(0028,0002) 'Samples per Pixel'"):
        assert text in str(info.value)
    assert "(0028,0101)" not in str(info.value)


def test_overrides_replace_values():
    ds = make_dataset(bytes(48), rows=4, columns=6)
    s = PixelSpec.from_dataset(ds, rows=2, columns=3, bits_stored=9, number_of_frames=4)
    assert (s.rows, s.columns, s.bits_stored, s.number_of_frames) == (2, 3, 9, 4)
    assert PixelSpec.from_dataset(ds).rows == 4


def test_overrides_supply_missing_values():
    ds = make_dataset(bytes(48), rows=4, columns=6)
    del ds.Rows
    del ds.BitsStored
    s = PixelSpec.from_dataset(ds, rows=4, bits_stored=12)
    assert (s.rows, s.bits_stored) == (4, 12)


def test_without_pixel_data_given_the_keyword():
    ds = read("MR_small_bigendian.dcm", stop_before_pixels=True)
    assert "PixelData" not in ds
    with pytest.raises(AttributeError, match=r"\(7FE0,0010\)"):
        PixelSpec.from_dataset(ds)
    s = PixelSpec.from_dataset(ds, pixel_keyword="PixelData", pixel_vr="OW")
    assert s.pixel_vr == "OW" and s.is_big_endian and s.dtype == np.int16


@pytest.mark.parametrize("value", [0, None])
def test_number_of_frames_zero_or_empty_means_one_with_a_warning(value):
    ds = make_dataset(bytes(48), rows=4, columns=6)
    ds.NumberOfFrames = value
    with pytest.warns(UserWarning, match=r"\(0028,0008\)"):
        assert PixelSpec.from_dataset(ds).number_of_frames == 1
    with pytest.warns(UserWarning):  # pydicom assumes 1 frame and warns too
        from pydicom.pixels import pixel_array

        assert pixel_array(ds).shape == (4, 6)


def test_string_values_are_parsed():
    ds = make_dataset(bytes(48), rows=4, columns=6, number_of_frames=1)
    ds.NumberOfFrames = "1 "
    ds.PhotometricInterpretation = "MONOCHROME2 "
    s = PixelSpec.from_dataset(ds)
    assert s.number_of_frames == 1 and s.photometric_interpretation == "MONOCHROME2"


def test_transfer_syntax_of():
    ds = read("CT_small.dcm")
    assert transfer_syntax_of(ds) == EXPLICIT
    face = read("OT-PAL-8-face.dcm")  # no (0002,0010): the encoding it was read with
    assert "TransferSyntaxUID" not in face.file_meta
    implicit, little = face.original_encoding
    assert transfer_syntax_of(face) == ("1.2.840.10008.1.2" if implicit else EXPLICIT if little else BIG)
    ds = make_dataset(b"", rows=1, columns=1)
    del ds.file_meta.TransferSyntaxUID
    with pytest.raises(AttributeError, match=r"\(0002,0010\)"):
        transfer_syntax_of(ds)


def test_two_pixel_data_elements_are_invalid():
    ds = make_dataset(bytes(48), rows=4, columns=6)
    ds.DoubleFloatPixelData = bytes(192)
    with pytest.raises(ValueError, match="PixelData"):
        PixelSpec.from_dataset(ds)


# -- derived values, immutability, replace ------------------------------------------
def test_derived_properties():
    s = spec(transfer_syntax_uid=BIG, number_of_frames=3)
    assert not s.is_float and s.is_signed and s.is_native and s.is_big_endian
    assert s.dtype == np.int16 and s.itemsize == 2
    assert s.frame_shape == (4, 6) and s.shape() == (3, 4, 6)
    one_bit = spec(bits_allocated=1, bits_stored=1, pixel_representation=1)
    assert not one_bit.is_signed and one_bit.dtype == np.uint8 and one_bit.itemsize == 1
    assert spec(transfer_syntax_uid="1.2.840.10008.1.2.1.99").is_native
    assert not spec(transfer_syntax_uid="1.2.840.10008.1.2.5").is_native


def test_frozen():
    s = spec()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.rows = 5  # type: ignore[misc]
    assert hash(s) == hash(spec()) and s == spec()


def test_replace():
    s = spec(number_of_frames=2)
    r = s.replace(rows=8, number_of_frames=5, photometric_interpretation="MONOCHROME1")
    assert (r.rows, r.number_of_frames, r.photometric_interpretation) == (8, 5, "MONOCHROME1")
    assert (s.rows, s.number_of_frames, s.photometric_interpretation) == (4, 2, "MONOCHROME2")
    assert r.columns == s.columns and r.bits_stored == s.bits_stored
    assert r.shape() == (5, 8, 6)
    with pytest.raises(ValueError, match=r"\(0028,0101\)"):
        s.replace(bits_stored=17)
    with pytest.raises(NotImplementedError, match=r"\(0028,0100\)"):
        s.replace(bits_allocated=24, bits_stored=24)
    rgb = s.replace(samples_per_pixel=3, photometric_interpretation="RGB", planar_configuration=1)
    assert rgb.frame_shape == (4, 6, 3) and rgb.as_pixel_options()["planar_configuration"] == 1
    assert "planar_configuration" not in s.as_pixel_options()


# -- validation messages ---------------------------------------------------------------------
INVALID = [
    ({"rows": 0}, ValueError, ["(0028,0010)", "Rows", "0"]),
    ({"rows": 65536}, ValueError, ["(0028,0010)", "Rows", "65536"]),
    ({"columns": 0}, ValueError, ["(0028,0011)", "Columns"]),
    ({"columns": -3}, ValueError, ["(0028,0011)", "-3"]),
    ({"number_of_frames": 0}, ValueError, ["(0028,0008)", "Number of Frames", "0"]),
    ({"number_of_frames": -1}, ValueError, ["(0028,0008)", "-1"]),
    ({"bits_allocated": 12}, ValueError, ["(0028,0100)", "Bits Allocated", "12"]),
    ({"bits_allocated": 0, "bits_stored": 0}, ValueError, ["(0028,0100)", "0"]),
    ({"bits_allocated": 72, "bits_stored": 12}, ValueError, ["(0028,0100)", "72"]),
    ({"bits_allocated": 24}, NotImplementedError, ["(0028,0100)", "Bits Allocated", "24"]),
    ({"bits_allocated": 48}, NotImplementedError, ["(0028,0100)", "48"]),
    ({"bits_stored": 0}, ValueError, ["(0028,0101)", "Bits Stored", "0"]),
    ({"bits_stored": 17}, ValueError, ["(0028,0101)", "17", "16"]),
    ({"pixel_representation": 2}, ValueError, ["(0028,0103)", "Pixel Representation", "2"]),
    ({"samples_per_pixel": 0}, ValueError, ["(0028,0002)", "Samples per Pixel", "0"]),
    ({"samples_per_pixel": 4}, NotImplementedError, ["(0028,0002)", "Samples per Pixel", "4"]),
    ({"samples_per_pixel": 2}, NotImplementedError, ["(0028,0002)", "2"]),
    ({"samples_per_pixel": 3, "photometric_interpretation": "RGB", "planar_configuration": 2}, ValueError,
     ["(0028,0006)", "Planar Configuration", "2"]),
    ({"photometric_interpretation": "MONOCHROME3"}, ValueError,
     ["(0028,0004)", "Photometric Interpretation", "MONOCHROME3"]),
    ({"bits_allocated": 1, "bits_stored": 1, "samples_per_pixel": 3, "photometric_interpretation": "RGB"},
     NotImplementedError, ["(0028,0100)", "(0028,0002)", "3"]),
    ({"samples_per_pixel": 1, "photometric_interpretation": "YBR_FULL_422"}, ValueError,
     ["YBR_FULL_422", "(0028,0002)"]),
    ({"samples_per_pixel": 3, "photometric_interpretation": "YBR_FULL_422", "planar_configuration": 1},
     NotImplementedError, ["YBR_FULL_422", "(0028,0006)"]),
    ({"samples_per_pixel": 3, "photometric_interpretation": "YBR_FULL_422", "rows": 3, "columns": 5}, ValueError,
     ["YBR_FULL_422", "3 x 5"]),
    ({"pixel_keyword": "FloatPixelData", "bits_allocated": 64, "bits_stored": 64}, ValueError,
     ["(0028,0100)", "64", "FloatPixelData"]),
    ({"pixel_keyword": "DoubleFloatPixelData", "bits_allocated": 32, "bits_stored": 32}, ValueError,
     ["(0028,0100)", "32"]),
    ({"pixel_keyword": "OverlayData"}, ValueError, ["OverlayData"]),
    ({"rows": 65535, "columns": 65535, "number_of_frames": 2**31 - 1, "samples_per_pixel": 3,
      "photometric_interpretation": "RGB", "bits_allocated": 64, "bits_stored": 64}, ValueError,
     [str(MAX_ARRAY_BYTES)]),
]


@pytest.mark.parametrize("kwargs, exc, texts", INVALID, ids=lambda v: str(v) if isinstance(v, dict) else "")
def test_validation(kwargs, exc, texts):
    with pytest.raises(exc) as info:
        spec(**kwargs)
    message = str(info.value)
    for text in texts:
        assert text in message, (text, message)
    base = errors.InvalidPixelSpecError if exc is ValueError else errors.UnsupportedPixelDataError
    assert isinstance(info.value, base) and isinstance(info.value, errors.DcmcoreError)


@pytest.mark.parametrize("kwargs", [
    {"rows": 1, "columns": 1},
    {"rows": 65535, "columns": 65535},
    {"bits_allocated": 64, "bits_stored": 1},
    {"bits_allocated": 8, "bits_stored": 8, "pixel_representation": 0},
    {"bits_allocated": 1, "bits_stored": 1, "pixel_representation": 0},
    {"samples_per_pixel": 3, "photometric_interpretation": "YBR_FULL_422", "rows": 1, "columns": 2},
    {"samples_per_pixel": 3, "photometric_interpretation": "RGB", "planar_configuration": 1},
    {"photometric_interpretation": "PALETTE COLOR"},
    {"number_of_frames": 2**31 - 1},  # large but 4 x 6 x 2 bytes each: representable
])
def test_valid_edges(kwargs):
    s = spec(**kwargs)
    assert s.expected_nbytes() > 0


def test_exception_hierarchy():
    assert issubclass(errors.MissingElementError, AttributeError)
    assert issubclass(errors.InvalidPixelSpecError, ValueError)
    assert issubclass(errors.PixelDataLengthError, ValueError)
    assert issubclass(errors.CorruptPixelDataError, ValueError)
    assert issubclass(errors.UnsupportedPixelDataError, NotImplementedError)
    for cls in (errors.MissingElementError, errors.InvalidPixelSpecError, errors.PixelDataLengthError,
                errors.CorruptPixelDataError, errors.UnsupportedPixelDataError):
        assert issubclass(cls, errors.DcmcoreError)
    assert dcmcore.PixelSpec is PixelSpec
