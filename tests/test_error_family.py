"""One error family (the hostile-input issue, item 4): bad data raises a DcmcoreError naming the element.

A table of bad inputs, each tried from every kind of source it applies to (a
path, a file object, the bytes of the file, a Dataset), through the public
API: the exception is a :class:`~dcmcore.errors.DcmcoreError`, keeps the
built-in base pydicom users catch, and its message names the element and the
value (or the byte offset); the same bad bytes give the same error whatever
the source. Mistakes in how a function is called stay plain ``TypeError`` /
``ValueError``.
"""

from __future__ import annotations

import copy
import io
import tracemalloc
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_file_meta_info
from pydicom.sequence import Sequence

import dcmcore
from dcmcore import overlays
from dcmcore.errors import (
    ArrayTooLargeError,
    DcmcoreError,
    FrameIndexError,
    InvalidElementError,
    MissingElementError,
    NotDicomFileError,
    PixelDataLengthError,
    TruncatedFileError,
    UnknownVRError,
)
from dcmcore.transforms import TransformNotFoundError
from tests._helpers import pydicom_array, read, testdata

EXPLICIT_LE, IMPLICIT_LE, EXPLICIT_BE = "1.2.840.10008.1.2.1", "1.2.840.10008.1.2", "1.2.840.10008.1.2.2"
FILE_SOURCES = ("path", "file object", "bytes")


def _dataset(raw: bytes) -> Dataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(io.BytesIO(raw), force=True)


def _source(raw: bytes, kind: str, tmp_path):
    if kind == "path":
        path = tmp_path / "bad.dcm"
        path.write_bytes(raw)
        return path
    if kind == "file object":
        return io.BytesIO(raw)
    if kind == "bytes":
        return raw
    return _dataset(raw)


def _replace_vr(raw: bytes, header: bytes, vr: bytes = b"ZZ") -> bytes:
    at = raw.index(header)
    return raw[: at + 4] + vr + raw[at + 6 :]


def _relabelled(name: str, uid: str) -> bytes:
    """The file `name` with its File Meta Information saying transfer syntax `uid`, its data set bytes unchanged."""
    raw = testdata(name).read_bytes()
    ds = read(name, stop_before_pixels=True)
    start = 132 + 12 + ds.file_meta.FileMetaInformationGroupLength
    meta = copy.deepcopy(ds.file_meta)
    meta.TransferSyntaxUID = uid
    out = DicomBytesIO()
    out.write(raw[:128] + b"DICM")
    write_file_meta_info(out, meta, enforce_standard=True)
    return out.getvalue() + raw[start:]


def _with_undefined_length_sequence() -> bytes:
    ds = read("CT_small.dcm")
    item = Dataset()
    item.ReferencedSOPClassUID = ds.SOPClassUID
    item.ReferencedSOPInstanceUID = ds.SOPInstanceUID
    ds.ReferencedImageSequence = Sequence([item, copy.deepcopy(item)])
    ds["ReferencedImageSequence"].is_undefined_length = True
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


CT = testdata("CT_small.dcm").read_bytes()
ELEMENT_VALUE_START = CT.index(b"\x08\x00\x08\x00CS") + 8  # (0008,0008) Image Type
PIXEL_HEADER = CT.index(b"\xe0\x7f\x10\x00OW")


@dataclass
class Case:
    id: str
    raw: Callable[[], bytes]
    error: type
    builtins: tuple[type, ...]
    match: str
    sources: tuple[str, ...] = FILE_SOURCES


def _sequence_cut() -> bytes:
    raw = _with_undefined_length_sequence()
    return raw[: raw.index(b"\x08\x00\x40\x11") + 140]  # inside the second item of the undefined length sequence


def _nul_in_character_set() -> bytes:
    raw = testdata("SC_rgb_rle.dcm").read_bytes()  # (0008,0005) 'ISO_IR 192'
    at = raw.index(b"ISO_IR 192")
    return raw[: at + 8] + b"\0" + raw[at + 9 :]  # 'ISO_IR 1\x002': Python's codecs.lookup refuses it


def _numeric_character_set() -> bytes:
    raw = testdata("SC_rgb_rle.dcm").read_bytes()  # (0008,0005) 'ISO_IR 192' of VR CS
    at = raw.index(b"\x08\x00\x05\x00CS")
    return raw[: at + 4] + b"SS" + raw[at + 6 :]  # five SS numbers: pydicom's charset code gets ints


MR_IMPLICIT = testdata("MR_small_implicit.dcm").read_bytes()
IMPLICIT_FIRST = 132 + 12 + read("MR_small_implicit.dcm", stop_before_pixels=True).file_meta.FileMetaInformationGroupLength


def _explicit_looking_first_element() -> bytes:
    """MR_small_implicit.dcm with its first data set element's length starting 'ZZ': pydicom's peek sees an explicit VR."""
    return MR_IMPLICIT[: IMPLICIT_FIRST + 4] + b"ZZ" + MR_IMPLICIT[IMPLICIT_FIRST + 6 :]


def _first_element_without_dicm() -> bytes:
    """CT_small.dcm with a zero preamble and two bytes after its 'D': no 'DICM', and at byte 128 a tag then 'CM'."""
    return bytes(128) + CT[128:129] + b"\xc5\xc5" + CT[129:]


CASES = [
    # 1. a VR that is not the Standard's
    Case("unknown-vr-unused-element", lambda: _replace_vr(CT, b"\x08\x00\x16\x00UI"), UnknownVRError,
         (ValueError, NotImplementedError), r"\(0008,0016\) 'SOP Class UID' at byte \d+ has the Value Representation 'ZZ'"),
    Case("unknown-vr-rows", lambda: _replace_vr(CT, b"\x28\x00\x10\x00US"), UnknownVRError,
         (ValueError, NotImplementedError), r"\(0028,0010\) 'Rows'.* Value Representation 'ZZ'", FILE_SOURCES + ("Dataset",)),
    Case("unknown-vr-pixel-data", lambda: _replace_vr(CT, b"\xe0\x7f\x10\x00OW"), UnknownVRError,
         (ValueError, NotImplementedError), r"\(7FE0,0010\) 'Pixel Data'.* Value Representation 'ZZ'", FILE_SOURCES + ("Dataset",)),
    Case("unknown-vr-first-element-of-implicit-data-set", _explicit_looking_first_element, UnknownVRError,
         (ValueError, NotImplementedError), rf"\(\w{{4}},\w{{4}}\) '[^']+' at byte {IMPLICIT_FIRST} has the Value Representation 'ZZ'"),
    Case("unknown-vr-first-element-without-dicm", _first_element_without_dicm, NotDicomFileError, (InvalidDicomError,),
         r"no 'DICM' prefix at byte 128 and its first data set element cannot be read: \(C544,49C5\) 'Unknown' at byte 128 "
         r"has the Value Representation 'CM'"),
    Case("unknown-vr-in-file-meta", lambda: _replace_vr(CT, b"\x02\x00\x10\x00UI", b"U\xca"), UnknownVRError,
         (ValueError, NotImplementedError), r"its File Meta Information has a Value Representation .*\(0002,0010\)"),
    Case("bad-length-in-file-meta", lambda: CT[:138] + b"\x03\x00" + CT[140:], InvalidElementError, (ValueError,),
         r"its File Meta Information cannot be read .*\(0002,0000\) according to VR 'UL'"),
    Case("nul-in-specific-character-set", _nul_in_character_set,
         InvalidElementError, (ValueError,), r"\(0008,0005\) 'Specific Character Set' at byte \d+ cannot be read"),
    Case("numeric-specific-character-set", _numeric_character_set,
         InvalidElementError, (ValueError,), r"\(0008,0005\) 'Specific Character Set' (at byte \d+ )?cannot be read \(TypeError"),
    # 2. a file cut short before its pixel data
    Case("cut-in-file-meta", lambda: CT[:150], TruncatedFileError, (OSError, ValueError),
         r"ends at byte 150, inside its File Meta Information"),
    Case("cut-in-an-element-value", lambda: CT[: ELEMENT_VALUE_START + 5], TruncatedFileError, (OSError, ValueError),
         rf"ends at byte {ELEMENT_VALUE_START + 5}, 5 bytes into the value of \(0008,0008\) 'Image Type' \(VR CS\)"),
    Case("cut-in-an-element-header", lambda: CT[: ELEMENT_VALUE_START + 22 + 3], TruncatedFileError, (OSError, ValueError),
         r"3 bytes into the header of the element after \(0008,0008\) 'Image Type'"),
    Case("cut-in-a-sequence-item", _sequence_cut, TruncatedFileError, (OSError, ValueError),
         r"ends at byte \d+ inside \(0008,1140\) 'Referenced Image Sequence' \(an undefined length SQ from byte \d+\)"),
    Case("cut-in-the-pixel-data-header", lambda: CT[: PIXEL_HEADER + 10], TruncatedFileError, (OSError, ValueError),
         r"ends at byte \d+.*\(7FE0,0010\) 'Pixel Data'|header of the element after"),
    Case("cut-in-the-pixel-data", lambda: CT[: PIXEL_HEADER + 12 + 1000], TruncatedFileError, (OSError, ValueError),
         r"ends at byte \d+, 1000 bytes into the value of \(7FE0,0010\) 'Pixel Data' \(from byte \d+\), which is 32768"),
    Case("cut-at-an-element-boundary", lambda: CT[:PIXEL_HEADER], MissingElementError, (AttributeError,),
         r"no pixel data to decode \(the file ends at byte \d+, right after \(0043,104E\) .*\(0028,0010\) 'Rows' says it "
         r"should have some: the file may be truncated"),
    # 3. a file relabelled with another transfer syntax: impossible lengths, no huge allocation
    Case("little-endian-relabelled-big", lambda: _relabelled("CT_small.dcm", EXPLICIT_BE), InvalidElementError,
         (ValueError,), r"\(\w{4},\w{4}\) 'Unknown' at byte \d+ has a length of \d+ bytes, more than the whole file "
         rf"\(\d+ bytes\): .*Transfer Syntax UID \({EXPLICIT_BE}, Explicit VR Big Endian\)"),
    Case("big-endian-relabelled-little", lambda: _relabelled("MR_small_bigendian.dcm", EXPLICIT_LE), InvalidElementError,
         (ValueError,), rf"has a length of \d+ bytes, more than the whole file .*\({EXPLICIT_LE}, Explicit VR Little Endian\)"),
    Case("implicit-relabelled-big-endian", lambda: _relabelled("MR_small_implicit.dcm", EXPLICIT_BE), InvalidElementError,
         (ValueError,), r"has a length of \d+ bytes, more than the whole file"),
    Case("encapsulated-relabelled-big-endian", lambda: _relabelled("emri_small_RLE.dcm", EXPLICIT_BE),
         InvalidElementError, (ValueError,), r"has a length of \d+ bytes, more than the whole file"),
]


def _message_after_name(exc: BaseException) -> str:
    """The message without the leading source name (a path, or 'file')."""
    text = str(exc)
    if " is not a DICOM file: " in text:  # '<name> is not a DICOM file: ...'
        return text[text.index(" is not a DICOM file: ") :]
    return text.split(": ", 1)[1] if text.startswith(("file: ", "/")) else text


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@pytest.mark.parametrize("call", ["pixel_array", "iter_pixels", "index"])
def test_bad_files(case, call, tmp_path):
    raw = case.raw()
    messages = set()
    for kind in case.sources:
        src = _source(raw, kind, tmp_path)
        with pytest.raises(DcmcoreError) as info, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pydicom's remarks on a relabelled file
            if call == "pixel_array":
                dcmcore.pixel_array(src)
            elif call == "index":
                dcmcore.pixel_array(src, index=0)
            else:
                next(dcmcore.iter_pixels(src))
        exc = info.value
        assert isinstance(exc, case.error), (kind, repr(exc))
        for base in case.builtins:
            assert isinstance(exc, base), (kind, base)
        assert info.match(case.match), (kind, str(exc))
        if kind in FILE_SOURCES:
            messages.add(_message_after_name(exc))
    assert len(messages) == 1, messages  # the same error from a path, a file object and bytes


@pytest.mark.parametrize(
    ("name", "uid"), [("CT_small.dcm", IMPLICIT_LE), ("MR_small_implicit.dcm", EXPLICIT_LE)], ids=["explicit-as-implicit", "implicit-as-explicit"]
)
def test_relabelled_explicit_implicit_still_decodes(name, uid, tmp_path):
    """pydicom detects a data set written with the other VR encoding; so does dcmcore, from every source."""
    raw = _relabelled(name, uid)
    expected = pydicom_array(read(name))
    for kind in FILE_SOURCES + ("Dataset",):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pydicom: "Expected explicit VR, but found implicit VR"
            got = dcmcore.pixel_array(_source(raw, kind, tmp_path))
        np.testing.assert_array_equal(got, expected)


def test_a_relabelled_file_allocates_nothing_huge(tmp_path):
    path = tmp_path / "relabelled.dcm"
    path.write_bytes(_relabelled("emri_small_RLE.dcm", EXPLICIT_BE))
    tracemalloc.start()
    try:
        with pytest.raises(InvalidElementError, match="more than the whole file"):
            dcmcore.pixel_array(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20  # the element claims 4 GB; the file is 49 KB


def test_the_new_classes_keep_their_bases():
    assert issubclass(TruncatedFileError, PixelDataLengthError) and issubclass(TruncatedFileError, OSError)
    assert issubclass(UnknownVRError, InvalidElementError) and issubclass(UnknownVRError, NotImplementedError)
    assert dcmcore.errors.TruncatedFileError is TruncatedFileError and "UnknownVRError" in dcmcore.errors.__all__


def test_every_error_class_is_in_the_top_level_namespace():
    for name in dcmcore.errors.__all__:
        assert getattr(dcmcore, name) is getattr(dcmcore.errors, name) and name in dcmcore.__all__, name


# ---- overlays ---------------------------------------------------------------------------------

OVERLAY_FILE = "MR-SIEMENS-DICOM-WithOverlays.dcm"


def _overlay_ds(**changes) -> Dataset:
    ds = read(OVERLAY_FILE)
    for tag, (vr, value) in changes.items():
        ds.add_new(int(tag[1:], 16), vr, value)
    return ds


def _embedded_ds(bit_position: int) -> Dataset:
    ds = read("MR_small.dcm")  # 16 bits allocated, 16 stored: bit 15 is used, but position 16 is beyond
    ds.add_new(0x60000010, "US", ds.Rows)
    ds.add_new(0x60000011, "US", ds.Columns)
    ds.add_new(0x60000100, "US", 16)
    ds.add_new(0x60000102, "US", bit_position)
    ds.add_new(0x60000050, "SS", [1, 1])
    return ds


def _raw_rows() -> Dataset:
    ds = read(OVERLAY_FILE)
    raw = io.BytesIO()
    ds.save_as(raw, enforce_file_format=True)
    return _dataset(_replace_vr(raw.getvalue(), b"\x00\x60\x10\x00US"))


OVERLAY_CASES = [
    ("rows-zero", lambda: overlays.overlay_array(_overlay_ds(x60000010=("US", 0)), 0x6000),
     InvalidElementError, r"\(6000,0010\) 'Overlay Rows' value of 0 is invalid"),
    ("rows-not-an-integer", lambda: overlays.overlay_array(_overlay_ds(x60000010=("LO", "abc")), 0x6000),
     InvalidElementError, r"\(6000,0010\) 'Overlay Rows' has the value 'abc'"),
    ("rows-unknown-vr", lambda: overlays.overlay_array(_raw_rows(), 0x6000),
     UnknownVRError, r"\(6000,0010\) 'Overlay Rows' has the Value Representation 'ZZ'"),
    ("frames-zero", lambda: overlays.overlay_array(_overlay_ds(x60000015=("IS", "0")), 0x6000),
     InvalidElementError, r"\(6000,0015\) 'Number of Frames in Overlay' value of 0"),
    ("data-short", lambda: overlays.overlay_array(_overlay_ds(x60003000=("OW", b"\0" * 10)), 0x6000),
     PixelDataLengthError, r"\(6000,3000\) 'Overlay Data' holds 10 bytes but"),
    ("data-text-vr", lambda: overlays.overlay_array(_overlay_ds(x60003000=("LO", "abc")), 0x6000),
     InvalidElementError, r"\(6000,3000\) 'Overlay Data' holds str 'abc' \(VR LO\), not bytes"),
    ("frame-origin-zero", lambda: overlays.burn_in(np.zeros((484, 484), np.uint16), _overlay_ds(x60000051=("US", 0)), groups=0x6000),
     InvalidElementError, r"\(6000,0051\) 'Image Frame Origin' value of 0"),
    ("origin-not-two-integers", lambda: overlays.burn_in(np.zeros((484, 484), np.uint16), _overlay_ds(x60000050=("LO", "abc")), groups=0x6000),
     InvalidElementError, r"\(6000,0050\) 'Overlay Origin' has the value 'abc'"),
    ("absurd-size", lambda: overlays.overlay_array(_overlay_ds(x60000010=("US", 65535), x60000011=("US", 65535), x60000015=("IS", "999999")), 0x6000),
     ArrayTooLargeError, r"Overlay group 0x6000 describes 999999 frames of 65535 x 65535 pixels"),
    ("index-beyond-frames", lambda: overlays.overlay_array(read(OVERLAY_FILE), 0x6000, index=3),
     FrameIndexError, r"'index' 3 is out of range: overlay group 0x6000 has 1 frame"),
    ("expected-length-not-an-integer", lambda: overlays.get_expected_length({"OverlayRows": "abc", "OverlayColumns": 4}),
     InvalidElementError, r"\(60xx,0010\) 'Overlay Rows' has the value 'abc'"),
    ("reshape-frames-zero", lambda: overlays.reshape_overlay_array(
        {"OverlayRows": 2, "OverlayColumns": 2, "NumberOfFramesInOverlay": 0}, np.zeros(4, np.uint8)),
     InvalidElementError, r"\(60xx,0015\) 'Number of Frames in Overlay' value of 0"),
    ("embedded-bit-position-beyond", lambda: overlays.overlay_array(_embedded_ds(16), 0x6000),
     InvalidElementError, r"\(6000,0102\) 'Overlay Bit Position' of 16 is invalid"),
    ("clear-a-group-with-overlay-data", lambda: overlays.clear_embedded_overlays(np.zeros((484, 484), np.uint16), read(OVERLAY_FILE), [0x6000]),
     InvalidElementError, r"Overlay group 0x6000 has \(6000,3000\) 'Overlay Data'"),
]


@pytest.mark.parametrize(("call", "error", "match"), [c[1:] for c in OVERLAY_CASES], ids=[c[0] for c in OVERLAY_CASES])
def test_bad_overlays(call, error, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the odd-length remarks of some cases
        with pytest.raises(error, match=match) as info:
            call()
    assert isinstance(info.value, DcmcoreError)
    assert isinstance(info.value, ValueError)  # what pydicom's overlay functions raise


# ---- transforms -------------------------------------------------------------------------------

TRANSFORM_CASES = [
    ("sequence-holding-text", "CT_small.dcm", lambda ds: ds.add_new(0x00283010, "LO", "abc"),
     lambda ds: dcmcore.apply_voi_lut(np.zeros((2, 2), np.uint16), ds), InvalidElementError,
     r"\(0028,3010\) 'VOI LUT Sequence' holds str 'abc', not a sequence of items"),
    ("per-frame-sequence-holding-an-int", "CT_small.dcm", lambda ds: ds.add_new(0x52009230, "US", 3),
     lambda ds: dcmcore.TransformChain.from_dataset(ds, frame_index=0), InvalidElementError,
     r"\(5200,9230\) 'Per-Frame Functional Groups Sequence' holds int 3"),
    ("icc-profile-text", "SC_rgb_small_odd.dcm", lambda ds: ds.add_new(0x00282000, "LO", "abc"),
     lambda ds: dcmcore.TransformChain.from_dataset(ds), InvalidElementError,
     r"\(0028,2000\) 'ICC Profile' holds str 'abc', not bytes"),
    ("windowing-a-colour-image", "SC_rgb_small_odd.dcm", lambda ds: (ds.add_new(0x00281050, "DS", "128"), ds.add_new(0x00281051, "DS", "256")),
     lambda ds: dcmcore.apply_windowing(np.zeros((2, 2, 3), np.uint8), ds), InvalidElementError,
     r"\(0028,0004\) 'Photometric Interpretation', not 'RGB'"),
    ("bits-stored-zero", "MR_small.dcm", lambda ds: setattr(ds, "BitsStored", 0),
     lambda ds: dcmcore.apply_voi_lut(np.zeros((2, 2), np.uint16), ds), InvalidElementError,
     r"\(0028,0101\) 'Bits Stored' value of 0 is invalid"),
    ("no-palette", "CT_small.dcm", lambda ds: None,
     lambda ds: dcmcore.apply_color_lut(np.zeros((2, 2), np.uint8), ds), TransformNotFoundError,
     r"no \(0028,1101\) 'Red Palette Color Lookup Table Descriptor'"),
]


@pytest.mark.parametrize(("name", "change", "call", "error", "match"), [c[1:] for c in TRANSFORM_CASES], ids=[c[0] for c in TRANSFORM_CASES])
def test_bad_transform_elements(name, change, call, error, match):
    ds = read(name)
    change(ds)
    with pytest.raises(error, match=match) as info:
        call(ds)
    assert isinstance(info.value, DcmcoreError) and isinstance(info.value, ValueError)


# ---- what stays a plain TypeError / ValueError: the caller's arguments ------------------------


@pytest.mark.parametrize(
    ("call", "builtin"),
    [
        (lambda: overlays.overlay_array(read(OVERLAY_FILE), 0x6001), ValueError),
        (lambda: overlays.overlay_array(read(OVERLAY_FILE), "0x6000"), TypeError),
        (lambda: overlays.get_expected_length({"OverlayRows": 2, "OverlayColumns": 2}, unit="bits"), ValueError),
        (lambda: overlays.overlay_array(read(OVERLAY_FILE), 0x6000, out=np.zeros((2, 2), np.uint8)), ValueError),
        (lambda: dcmcore.pixel_array(read("CT_small.dcm"), index="0"), TypeError),
        (lambda: dcmcore.pixel_array(12345), TypeError),
    ],
    ids=["not-an-overlay-group", "group-not-an-int", "unit", "out-shape", "index-type", "src-type"],
)
def test_argument_mistakes_stay_plain(call, builtin):
    with pytest.raises(builtin) as info:
        call()
    assert not isinstance(info.value, DcmcoreError)
