"""Bad input: every case gets a clear exception of the documented class, never a crash.

* missing required elements -> AttributeError naming each element (tag and name);
* pixel data shorter than required -> ValueError with both lengths;
* valid but unsupported values -> NotImplementedError naming the element and value;
* invalid values -> ValueError naming the element;
* absurd dimensions -> ValueError before any large allocation (tracemalloc);
* index out of range / negative -> ValueError;
* truncated files and undefined-length native pixel data -> ValueError.

Each case is checked from a Dataset and, where pydicom can write it, from a file.
"""

from __future__ import annotations

import io
import struct
import tracemalloc
import warnings

import numpy as np
import pydicom
import pytest
from pydicom.datadict import dictionary_description
from pydicom.dataelem import RawDataElement
from pydicom.tag import Tag

import dcmcore
from tests import _helpers
from tests._helpers import make_dataset, pydicom_array
from tests.test_native_matrix import Case, build

def _file_bytes(ds: pydicom.Dataset) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def _sources(ds: pydicom.Dataset):
    """The data set itself, then a file object with it written by pydicom."""
    yield "dataset", ds
    try:
        raw = _file_bytes(ds)
    except Exception:  # pydicom refuses to write some invalid values
        return
    yield "file", io.BytesIO(raw)


def _mono16(**kwargs) -> pydicom.Dataset:
    kw = {"rows": 4, "columns": 6, "bits_allocated": 16, "number_of_frames": 2, **kwargs}
    spp = kw.get("samples_per_pixel", 1)
    nframes = kw["number_of_frames"] or 1
    nbytes = nframes * kw["rows"] * kw["columns"] * spp * max(kw["bits_allocated"], 8) // 8
    return make_dataset((bytes(range(256)) * (nbytes // 256 + 1))[:nbytes], **kw)


def _name(tag: int) -> str:
    return dictionary_description(tag)


def _tag_text(tag: int) -> str:
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


def _raises(exc, src, match_all=(), **kwargs):
    """Call pixel_array and iter_pixels on `src`; both raise `exc` whose message holds every `match_all`."""
    with pytest.raises(exc) as info:
        dcmcore.pixel_array(src, **kwargs)
    message = str(info.value)
    for text in match_all:
        assert str(text).lower() in message.lower(), f"{text!r} not in {message!r}"
    if hasattr(src, "seek"):
        src.seek(0)
    iter_kwargs = {k: v for k, v in kwargs.items() if k != "index"}
    with pytest.raises(exc):
        next(dcmcore.iter_pixels(src, **iter_kwargs))
    return message


# -- missing elements ------------------------------------------------------------
REQUIRED = {
    "Rows": 0x00280010,
    "Columns": 0x00280011,
    "SamplesPerPixel": 0x00280002,
    "PhotometricInterpretation": 0x00280004,
    "BitsAllocated": 0x00280100,
    "BitsStored": 0x00280101,
    "PixelRepresentation": 0x00280103,
}


@pytest.mark.parametrize("keyword", sorted(REQUIRED))
def test_missing_element(keyword):
    ds = _mono16()
    del ds[keyword]
    for _, src in _sources(ds):
        _raises(AttributeError, src, [_tag_text(REQUIRED[keyword]), _name(REQUIRED[keyword])])


def test_missing_elements_all_named_at_once():
    ds = _mono16()
    gone = ["Rows", "BitsStored", "PhotometricInterpretation", "PixelRepresentation"]
    for kw in gone:
        del ds[kw]
    for _, src in _sources(ds):
        message = _raises(AttributeError, src)
        for kw in gone:
            assert _tag_text(REQUIRED[kw]) in message and _name(REQUIRED[kw]) in message, (kw, message)


def test_empty_required_value_is_missing():
    ds = _mono16()
    ds.Columns = None
    for _, src in _sources(ds):
        _raises(AttributeError, src, ["(0028,0011)", "Columns"])


def test_missing_planar_configuration_with_three_samples():
    ds = make_dataset(bytes(4 * 6 * 3), rows=4, columns=6, samples_per_pixel=3, bits_allocated=8,
                      photometric_interpretation="RGB")
    del ds.PlanarConfiguration
    for _, src in _sources(ds):
        _raises(AttributeError, src, ["(0028,0006)", "Planar Configuration"])


def test_float_pixel_data_needs_no_bits_stored():
    ds = make_dataset(np.arange(24, dtype="<f4").tobytes(), rows=4, columns=6, bits_allocated=32,
                      keyword="FloatPixelData")
    assert "BitsStored" not in ds and "PixelRepresentation" not in ds
    assert dcmcore.pixel_array(ds).tolist() == np.arange(24, dtype="f4").reshape(4, 6).tolist()
    del ds.BitsAllocated
    for _, src in _sources(ds):
        _raises(AttributeError, src, ["(0028,0100)", "Bits Allocated"])


def test_missing_pixel_data():
    ds = _mono16()
    del ds.PixelData
    for _, src in _sources(ds):
        _raises(AttributeError, src, ["(7FE0,0010)", "Pixel Data"])


def test_missing_transfer_syntax_in_memory():
    """A data set built in memory, no file meta Transfer Syntax UID and never read: AttributeError."""
    ds = _mono16()
    del ds.file_meta.TransferSyntaxUID
    _raises(AttributeError, ds, ["(0002,0010)", "Transfer Syntax UID"])


# -- short pixel data --------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, have",
    [
        ({"bits_allocated": 16}, 95),  # 2 x 4 x 6 x 2 = 96 bytes needed
        ({"bits_allocated": 16}, 48),
        ({"bits_allocated": 16}, 0),
        ({"bits_allocated": 8, "samples_per_pixel": 3, "photometric_interpretation": "RGB"}, 100),
        ({"bits_allocated": 8, "samples_per_pixel": 3, "photometric_interpretation": "YBR_FULL_422"}, 95),
        ({"bits_allocated": 1, "rows": 3, "columns": 5, "number_of_frames": 7}, 13),  # 105 bits: 14 bytes
        ({"bits_allocated": 64, "pixel_representation": 1}, 383),
    ],
    ids=str,
)
def test_pixel_data_too_short(kwargs, have):
    kw = {"rows": 4, "columns": 6, "number_of_frames": 2, **kwargs}
    spp = kw.get("samples_per_pixel", 1)
    per_pixel = 2 if kw.get("photometric_interpretation") == "YBR_FULL_422" else spp
    bits = kw["number_of_frames"] * kw["rows"] * kw["columns"] * per_pixel * kw["bits_allocated"]
    need = -(-bits // 8)
    assert have < need
    ds = make_dataset(bytes(have), **kw)
    for kind, src in _sources(ds):
        if kind == "file" and have % 2:
            continue  # pydicom pads odd values when writing: covered by the data set
        _raises(ValueError, src, [str(have), str(need)])
        for index in (0, kw["number_of_frames"] - 1):
            if hasattr(src, "seek"):
                src.seek(0)
            with pytest.raises(ValueError):
                dcmcore.pixel_array(src, index=index)


def test_odd_length_without_padding_is_accepted():
    """PS3.5 8.1.1 pads odd values; a data set holding exactly the odd length still decodes (as pydicom)."""
    values = np.arange(15, dtype=np.uint8)
    ds = make_dataset(values.tobytes(), rows=3, columns=5, bits_allocated=8)
    assert len(ds.PixelData) == 15
    assert np.array_equal(dcmcore.pixel_array(ds), pydicom_array(ds))


def test_big_endian_ow_8bit_needs_the_pad_byte():
    """8-bit OW in big endian stores the odd last byte in the first half of a word: the pad must be there."""
    ds = make_dataset(bytes(15), rows=3, columns=5, bits_allocated=8, transfer_syntax="1.2.840.10008.1.2.2", vr="OW")
    with pytest.raises(ValueError):
        dcmcore.pixel_array(ds)


# -- unsupported values -----------------------------------------------------------
@pytest.mark.parametrize(
    "change, texts",
    [
        ({"BitsAllocated": 24, "BitsStored": 24}, ["(0028,0100)", "Bits Allocated", "24"]),
        (
            {"SamplesPerPixel": 4, "PhotometricInterpretation": "ARGB", "PlanarConfiguration": 0},
            ["(0028,0002)", "Samples per Pixel", "4"],
        ),
        ({"SamplesPerPixel": 2, "PlanarConfiguration": 0}, ["(0028,0002)", "Samples per Pixel", "2"]),
        (
            {"BitsAllocated": 1, "BitsStored": 1, "SamplesPerPixel": 3, "PhotometricInterpretation": "RGB",
             "PlanarConfiguration": 0},
            ["(0028,0100)", "1", "(0028,0002)", "3"],
        ),
    ],
    ids=["ba24", "spp4", "spp2", "1bit-rgb"],
)
def test_unsupported_values(change, texts):
    ds = make_dataset(bytes(4 * 6 * 4 * 8), rows=4, columns=6, bits_allocated=8)
    for kw, value in change.items():
        setattr(ds, kw, value)
    for _, src in _sources(ds):
        _raises(NotImplementedError, src, texts)


def test_unknown_transfer_syntax():
    ds = _mono16(transfer_syntax="1.2.3.4.5.6")
    for _, src in _sources(ds):
        _raises(NotImplementedError, src, ["transfer syntax", "1.2.3.4.5.6"])


@pytest.mark.parametrize("pi", ["YBR_FULL", "YBR_FULL_422"])
@pytest.mark.parametrize("bits", [16, 32])
def test_ybr_conversion_of_more_than_8_bits(pi, bits):
    per_pixel = 2 if pi == "YBR_FULL_422" else 3
    ds = make_dataset(bytes(2 * 4 * 6 * per_pixel * bits // 8), rows=4, columns=6, samples_per_pixel=3,
                      bits_allocated=bits,
                      photometric_interpretation=pi, number_of_frames=2)
    for _, src in _sources(ds):
        _raises(NotImplementedError, src, ["(0028,0100)", str(bits), pi])
        _raises(NotImplementedError, src, ["(0028,0100)", str(bits)], as_rgb=True)
        if hasattr(src, "seek"):
            src.seek(0)
        # without conversion the samples decode
        assert dcmcore.pixel_array(src, as_rgb=False).shape == (2, 4, 6, 3)


def test_ybr_conversion_of_signed_samples():
    """Y = 200 stored signed is -56: converting it as 200 and returning int8 -56 is silently wrong."""
    ds = make_dataset(bytes([200, 128, 128]), rows=1, columns=1, samples_per_pixel=3, bits_allocated=8,
                      pixel_representation=1, photometric_interpretation="YBR_FULL")
    with pytest.raises(ValueError):
        pydicom_array(ds)
    with pytest.raises((ValueError, NotImplementedError)):
        dcmcore.pixel_array(ds)


# -- invalid values ------------------------------------------------------------------
@pytest.mark.parametrize(
    "change, tag",
    [
        ({"BitsStored": 0}, 0x00280101),
        ({"BitsStored": 17}, 0x00280101),
        ({"PixelRepresentation": 2}, 0x00280103),
        ({"Rows": 0}, 0x00280010),
        ({"Columns": 0}, 0x00280011),
        ({"NumberOfFrames": -1}, 0x00280008),
        ({"BitsAllocated": 12, "BitsStored": 12}, 0x00280100),
        ({"BitsAllocated": 0, "BitsStored": 0}, 0x00280100),
        ({"BitsAllocated": 72, "BitsStored": 72}, 0x00280100),
        ({"SamplesPerPixel": 0}, 0x00280002),
        ({"PhotometricInterpretation": "MONOCHROME3"}, 0x00280004),
        ({"SamplesPerPixel": 3, "PhotometricInterpretation": "RGB", "PlanarConfiguration": 2}, 0x00280006),
    ],
    ids=lambda v: str(v),
)
def test_invalid_values(change, tag):
    ds = _mono16(number_of_frames=2)
    for kw, value in change.items():
        setattr(ds, kw, value)
    ds.PixelData = bytes(2 * 4 * 6 * 3 * 2)
    for _, src in _sources(ds):
        _raises(ValueError, src, [_tag_text(tag), _name(tag)])


@pytest.mark.filterwarnings(
    "ignore:Invalid value for VR IS", "ignore:Value .* is not valid for elements with a VR of IS"
)
@pytest.mark.parametrize(
    "raw_value",
    [
        b"1A",
        b"one",
        b"2.5",
    ],
)
def test_number_of_frames_not_an_integer(raw_value):
    ds = _mono16()
    tag = Tag(0x00280008)
    ds._dict[tag] = RawDataElement(tag, "IS", len(raw_value), raw_value, 0, False, True)
    _raises(ValueError, ds, ["(0028,0008)", "Number of Frames"])


def test_number_of_frames_not_an_integer_real_file():
    path = _helpers.testdata("badVR.dcm")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path)
        with pytest.raises(ValueError, match=r"\(0028,0008\)"):
            dcmcore.pixel_array(ds)
        with pytest.raises(ValueError, match=r"\(0028,0008\)"):
            dcmcore.pixel_array(path)


def test_ybr_422_with_odd_pixel_count():
    ds = make_dataset(bytes(3 * 5 * 2), rows=3, columns=5, samples_per_pixel=3, bits_allocated=8,
                      photometric_interpretation="YBR_FULL_422")
    for _, src in _sources(ds):
        _raises(ValueError, src, ["(0028,0004)", "YBR_FULL_422"])


def test_ybr_422_holding_full_samples():
    """A YBR_FULL_422 value a third longer than 4:2:2 needs is really RGB / YBR_FULL: pydicom raises too."""
    ds = make_dataset(bytes(4 * 6 * 3), rows=4, columns=6, samples_per_pixel=3, bits_allocated=8,
                      photometric_interpretation="YBR_FULL_422")
    with pytest.raises(ValueError):
        pydicom_array(ds)
    for _, src in _sources(ds):
        _raises(ValueError, src, ["YBR_FULL_422"])


def test_two_pixel_data_elements():
    ds = _mono16()
    ds.FloatPixelData = np.zeros(48, "<f4").tobytes()
    with pytest.raises(ValueError):
        dcmcore.pixel_array(ds)


def test_float_pixel_data_with_wrong_bits_allocated():
    ds = make_dataset(bytes(8 * 24), rows=4, columns=6, bits_allocated=64, keyword="FloatPixelData")
    _raises(ValueError, ds, ["(0028,0100)", "64"])
    ds = make_dataset(bytes(4 * 24), rows=4, columns=6, bits_allocated=32, keyword="DoubleFloatPixelData")
    _raises(ValueError, ds, ["(0028,0100)", "32"])


# -- absurd dimensions ---------------------------------------------------------------
def _peak_of(fn) -> int:
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


@pytest.mark.parametrize(
    "frames, rows, cols, spp, bits",
    [
        (2**31 - 1, 65535, 65535, 1, 16),  # overflows anything a 64-bit size can hold
        (999_999_999_999, 65535, 65535, 3, 64),
        (1000, 65535, 65535, 1, 16),  # 8.6 TB: representable, still impossible from 16 bytes
        (2**31 - 1, 65535, 65535, 1, 1),
        (3, 65535, 65535, 3, 8),
    ],
    ids=str,
)
def test_absurd_dimensions_fail_before_allocating(frames, rows, cols, spp, bits):
    ds = make_dataset(bytes(16), rows=rows, columns=cols, samples_per_pixel=spp, bits_allocated=bits,
                      number_of_frames=frames, photometric_interpretation="RGB" if spp == 3 else "MONOCHROME2")
    raw = _file_bytes(ds)

    def attempt():
        sources = ((ds, {}), (ds, {"index": 0}), (io.BytesIO(raw), {}), (io.BytesIO(raw), {"index": frames - 1}))
        for src, kwargs in sources:
            with pytest.raises(ValueError):
                dcmcore.pixel_array(src, **kwargs)
        with pytest.raises(ValueError):
            next(dcmcore.iter_pixels(ds))
        with pytest.raises(ValueError):
            next(dcmcore.iter_pixels(io.BytesIO(raw), indices=[0]))

    assert _peak_of(attempt) < 2**20


def test_value_length_beyond_the_end_of_the_file():
    """A header claiming 4 GB of pixel data in a small file: ValueError, nothing large allocated."""
    ds = make_dataset(b"", rows=256, columns=256, number_of_frames=30000)
    del ds.PixelData
    head = _file_bytes(ds)
    raw = head + struct.pack("<HH2sHL", 0x7FE0, 0x0010, b"OW", 0, 0xFFFFFFF0) + bytes(64)
    assert _peak_of(lambda: pytest.raises(ValueError, dcmcore.pixel_array, io.BytesIO(raw))) < 2**20


# -- index -------------------------------------------------------------------------------
@pytest.mark.parametrize("index", [-1, -5, 2, 3, 2**40])
def test_index_out_of_range(index, tmp_path):
    ds = _mono16(number_of_frames=2)
    path = tmp_path / "x.dcm"
    path.write_bytes(_file_bytes(ds))
    for src in (ds, path, io.BytesIO(path.read_bytes())):
        with pytest.raises(ValueError, match=str(index)):
            dcmcore.pixel_array(src, index=index)
        it = dcmcore.iter_pixels(src, indices=[1, index])
        next(it)
        with pytest.raises(ValueError):
            next(it)


# -- truncated files and undefined lengths --------------------------------------------
@pytest.mark.parametrize("encoding", ["explicit", "implicit", "big"])
def test_file_cut_inside_the_pixel_data(encoding, tmp_path):
    case = build(Case(16, 12, 1, "MONOCHROME2", 1, 0, encoding, 3, 5, 7))
    raw = case.raw_file
    value_start = len(raw) - len(case.stored) - len(case.stored) % 2
    for cut in sorted({value_start, value_start + 1, value_start + 70, len(raw) - 2, len(raw) - 1}):
        path = tmp_path / f"cut{cut}.dcm"
        path.write_bytes(raw[:cut])
        with pytest.raises(ValueError, match=r"(?i)truncated|ends"):
            dcmcore.pixel_array(path)
        with pytest.raises(ValueError):
            dcmcore.pixel_array(path, index=0)  # even though frame 0 may be complete
        with open(path, "rb") as fp:
            fp.seek(3)
            with pytest.raises(ValueError):
                dcmcore.pixel_array(fp)
            assert fp.tell() == 3


@pytest.mark.parametrize("encoding", ["explicit", "big"])
def test_file_cut_inside_the_pixel_data_header(encoding):
    case = build(Case(16, 12, 1, "MONOCHROME2", 1, 0, encoding, 3, 5, 7))
    raw = case.raw_file
    header_start = len(raw) - len(case.stored) - len(case.stored) % 2 - 12
    for cut in range(header_start + 1, header_start + 12):
        with pytest.raises(ValueError):
            dcmcore.pixel_array(io.BytesIO(raw[:cut]))


def test_deflated_file_cut_short(tmp_path):
    case = build(Case(16, 12, 1, "MONOCHROME2", 1, 0, "deflated", 3, 5, 7))
    path = tmp_path / "cut.dcm"
    path.write_bytes(case.raw_file[:-5])
    with pytest.raises(ValueError):
        dcmcore.pixel_array(path)


def _undefined_length_file() -> bytes:
    """Explicit VR Little Endian with a native-looking Pixel Data of undefined length (items inside)."""
    ds = _mono16(number_of_frames=1)
    del ds.PixelData
    frame = bytes(range(48))
    body = struct.pack("<HH2sHL", 0x7FE0, 0x0010, b"OW", 0, 0xFFFFFFFF)
    body += struct.pack("<HHL", 0xFFFE, 0xE000, 0)
    body += struct.pack("<HHL", 0xFFFE, 0xE000, len(frame)) + frame
    body += struct.pack("<HHL", 0xFFFE, 0xE0DD, 0)
    return _file_bytes(ds) + body


def test_undefined_length_native_pixel_data_from_a_file(tmp_path):
    raw = _undefined_length_file()
    path = tmp_path / "undefined.dcm"
    path.write_bytes(raw)
    for src in (path, io.BytesIO(raw)):
        with pytest.raises(ValueError, match="(?i)undefined length"):
            dcmcore.pixel_array(src)


def test_undefined_length_native_pixel_data_from_a_dataset():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(io.BytesIO(_undefined_length_file()))
    assert ds["PixelData"].is_undefined_length
    with pytest.raises(ValueError, match="(?i)undefined length"):
        dcmcore.pixel_array(ds)


def test_element_whose_value_pydicom_cannot_convert():
    """A corrupted VR (Columns written as UL with 2 bytes): a ValueError naming the element, not pydicom's own."""
    import struct

    ds = make_dataset(bytes(48), rows=4, columns=6)
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    raw = bytearray(buf.getvalue())
    at = raw.find(struct.pack("<HH", 0x0028, 0x0011) + b"US")
    raw[at + 4 : at + 6] = b"UL"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read_back = pydicom.dcmread(io.BytesIO(bytes(raw)))
    for src in (io.BytesIO(bytes(raw)), read_back):
        with pytest.raises(ValueError, match=r"\(0028,0011\) 'Columns' cannot be read"):
            dcmcore.pixel_array(src)


def test_text_file_object_is_refused(tmp_path):
    path = tmp_path / "x.dcm"
    path.write_bytes(b"not much")
    with open(path) as text, pytest.raises(TypeError, match="binary mode"):
        dcmcore.pixel_array(text)


# -- never a crash ------------------------------------------------------------------------
_ALLOWED = (ValueError, AttributeError, NotImplementedError)


def test_fuzzed_elements_never_crash():
    """Random Image Pixel values and value lengths: either an allowed exception or a right-shaped array."""
    rng = np.random.default_rng(7)
    choices = {
        "Rows": [0, 1, 3, 17, 65535],
        "Columns": [0, 1, 2, 5, 65535],
        "SamplesPerPixel": [0, 1, 2, 3, 4],
        "BitsAllocated": [0, 1, 7, 8, 16, 24, 32, 64, 65],
        "BitsStored": [0, 1, 5, 8, 12, 16, 31, 64, 70],
        "PixelRepresentation": [0, 1, 2],
        "PlanarConfiguration": [0, 1, 2],
        "NumberOfFrames": [None, 0, 1, 3, -1, 2**31 - 1],
        "PhotometricInterpretation": ["MONOCHROME2", "RGB", "YBR_FULL", "YBR_FULL_422", "PALETTE COLOR", "HSV"],
    }
    tsyntaxes = ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"]
    results = {"ok": 0, "error": 0, "compared": 0}
    for trial in range(400):
        ds = _mono16(number_of_frames=1, transfer_syntax=tsyntaxes[trial % 4])
        for kw, values in choices.items():
            if rng.random() < 0.35:
                value = values[rng.integers(len(values))]
                setattr(ds, kw, value)
        ds.PixelData = rng.integers(0, 256, int(rng.integers(0, 400)), dtype=np.uint8).tobytes()
        for src in (ds, None):
            if src is None:
                try:
                    src = io.BytesIO(_file_bytes(ds))
                except Exception:
                    continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)
                    arr = dcmcore.pixel_array(src)
            except _ALLOWED:
                results["error"] += 1
                continue
            if isinstance(src, pydicom.Dataset):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)
                    spec = dcmcore.PixelSpec.from_dataset(ds)
                    try:
                        expected = pydicom_array(ds)
                    except Exception:  # dcmcore may read what pydicom refuses (e.g. odd 1-bit frames)
                        expected = None
                # as many frames as the data holds (excess whole frames included, as in pydicom)
                assert arr.shape[-len(spec.frame_shape):] == spec.frame_shape and arr.dtype == spec.dtype
                if expected is not None:
                    assert arr.shape == expected.shape, (trial, arr.shape, expected.shape)
                    diff = np.abs(arr.astype(np.int64) - expected.astype(np.int64))
                    tolerance = 1 if spec.photometric_interpretation.startswith("YBR") else 0
                    assert diff.max(initial=0) <= tolerance, trial
                    results["compared"] += 1
            results["ok"] += 1
    assert results["ok"] > 20 and results["error"] > 100 and results["compared"] > 10, results
