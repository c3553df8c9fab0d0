"""Opening a file from its path reads the data set up to Pixel Data as pydicom reads it, scanned or not.

A plain header is read by walking its element headers in memory
(``dcmcore._scan``), anything else by pydicom's reader. Either way the data
set a lazily opened image holds must be pydicom's: the same elements, VRs,
values (sequences included), undefined lengths, File Meta Information and
encoding, for every file of pydicom's test files and pydicom-data that has
pixel data. pydicom ``dcmread(stop_before_pixels=True)`` is the oracle.
"""

from __future__ import annotations

import io
import logging
import struct

import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filereader import read_partial
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

import dcmcore
from dcmcore._header import HEAD_BYTES, scanned_dataset
from dcmcore._scan import scan_file
from dcmcore.errors import DcmcoreError, InvalidElementError
from tests._helpers import headers

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
PIXEL_TAGS = (0x7FE00008, 0x7FE00009, 0x7FE00010)
MAX_BYTES = 20_000_000


FILES = [path for path, ds in headers(MAX_BYTES) if "Rows" in ds and ds.file_meta.get("TransferSyntaxUID") is not None]


def _same(ours: Dataset, ref: Dataset) -> list[str]:
    """Where two data sets differ: element by element (value, VR, undefined length), then how they were encoded."""
    problems = []
    if [t for t in ours.keys() if t not in PIXEL_TAGS] != list(ref.keys()):  # (a deflated file is read whole)
        return [f"elements {sorted(set(ours.keys()) ^ set(ref.keys()))}"]
    for tag in ref.keys():
        a, b = ref[tag], ours[tag]
        if a != b or a.VR != b.VR or a.is_undefined_length != b.is_undefined_length:
            problems.append(f"{tag}: {a.VR}/{b.VR}, undefined {a.is_undefined_length}/{b.is_undefined_length}")
    if ours.file_meta != ref.file_meta:
        problems.append("file meta")
    for attr in ("preamble", "original_encoding", "original_character_set", "is_implicit_VR", "is_little_endian"):
        if getattr(ours, attr) != getattr(ref, attr):
            problems.append(attr)
    return problems


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_lazy_image_holds_pydicoms_data_set(path):
    logging.getLogger("highdicom").setLevel(logging.ERROR)
    ref = pydicom.dcmread(path, stop_before_pixels=True)
    try:
        image = dcmcore.imread(path, lazy_frame_retrieval=True)
    except dcmcore.DcmcoreError as exc:
        pytest.skip(f"dcmcore refuses it: {exc}")
    with image:
        assert _same(image, ref) == []
        assert image.filename == str(path)


def test_most_files_are_scanned_and_equal_pydicom():
    """The scan is used for most headers (so the test above is not all pydicom's reader), and gives its data set."""
    scanned = 0
    for path in FILES:
        head = path.read_bytes()[:HEAD_BYTES]
        found = scan_file(head)
        if found is None:
            continue
        scanned += 1
        buf = io.BytesIO(head)
        ref = read_partial(buf, lambda tag, vr, length: tag in PIXEL_TAGS, force=True)
        assert found.pixel_at == buf.tell(), path.name
        assert _same(scanned_dataset(found), ref) == [], path.name
    assert scanned >= 100, f"only {scanned} of {len(FILES)} files scanned"


def _file(elements: bytes, syntax=ExplicitVRLittleEndian, meta: bytes | None = None) -> bytes:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = syntax
    ds.file_meta.MediaStorageSOPClassUID = pydicom.uid.SecondaryCaptureImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = "1.2.3"
    buf = io.BytesIO()
    pydicom.dcmwrite(buf, ds, enforce_file_format=True)
    return buf.getvalue() + elements


def _explicit(tag: int, vr: bytes, value: bytes) -> bytes:
    if vr in (b"OB", b"OW", b"SQ", b"UN", b"UT"):
        return struct.pack("<HH2sHL", tag >> 16, tag & 0xFFFF, vr, 0, len(value)) + value
    return struct.pack("<HH2sH", tag >> 16, tag & 0xFFFF, vr, len(value)) + value


PIXELS = _explicit(0x00280010, b"US", b"\x02\x00") + _explicit(0x00280011, b"US", b"\x02\x00")
PIXEL_END = _explicit(0x7FE00010, b"OW", b"\x01\x00\x02\x00\x03\x00\x04\x00")


SEQ_START = struct.pack("<HH2sHL", 0x0040, 0x0275, b"SQ", 0, 0xFFFFFFFF)  # (0040,0275), undefined length
ITEM_START = struct.pack("<HHL", 0xFFFE, 0xE000, 0xFFFFFFFF)
ITEM_END = struct.pack("<HHL", 0xFFFE, 0xE00D, 0)
SEQ_END = struct.pack("<HHL", 0xFFFE, 0xE0DD, 0)


def _nested(depth: int) -> bytes:
    """Sequences of undefined length, each in the one item of the one before: `depth` sequences."""
    return (SEQ_START + ITEM_START) * depth + (ITEM_END + SEQ_END) * depth


_DEEP = _nested(70)


def _item(elements: bytes, length: int | None = None) -> bytes:
    """An item of defined length (by default the elements' length) holding `elements`."""
    return struct.pack("<HHL", 0xFFFE, 0xE000, len(elements) if length is None else length) + elements


@pytest.mark.parametrize(
    "body, syntax",
    [
        pytest.param(b"", ExplicitVRLittleEndian, id="nothing after the file meta"),
        pytest.param(PIXELS, ExplicitVRLittleEndian, id="no pixel data"),
        pytest.param(struct.pack("<HHL", 0xFFFE, 0xE000, 0) + PIXELS + PIXEL_END, ExplicitVRLittleEndian, id="item tag"),
        pytest.param(_explicit(0x00100010, b"ZZ", b"AB") + PIXELS + PIXEL_END, ExplicitVRLittleEndian, id="unknown VR"),
        pytest.param(PIXELS + _explicit(0x7FE00010, b"ZZ", b"AB"), ExplicitVRLittleEndian, id="unknown VR of pixel data"),
        pytest.param(
            struct.pack("<HH2sHL", 0x0009, 0x1010, b"UN", 0, 0xFFFFFFFF) + PIXELS + PIXEL_END, ExplicitVRLittleEndian,
            id="UN of undefined length",
        ),
        pytest.param(PIXELS + _DEEP + PIXEL_END, ExplicitVRLittleEndian, id="sequences nested 70 deep"),
        pytest.param(PIXELS + PIXELS + PIXEL_END, ExplicitVRLittleEndian, id="elements twice"),
        pytest.param(PIXELS[10:] + PIXELS[:10] + PIXEL_END, ExplicitVRLittleEndian, id="elements not in ascending order"),
        pytest.param(PIXELS + SEQ_START + ITEM_START + ITEM_END + ITEM_END + PIXEL_END, ExplicitVRLittleEndian, id="sequence closed by an item delimiter"),
        pytest.param(PIXELS + SEQ_START + ITEM_END + SEQ_END + PIXEL_END, ExplicitVRLittleEndian, id="item delimiter among items"),
        pytest.param(PIXELS + SEQ_START + ITEM_START + SEQ_END + PIXEL_END, ExplicitVRLittleEndian, id="item closed by a sequence delimiter"),
        pytest.param(PIXELS + SEQ_START + ITEM_START * 2 + ITEM_END * 2 + SEQ_END + PIXEL_END, ExplicitVRLittleEndian, id="item in an item"),
        pytest.param(
            PIXELS + SEQ_START + _item(_explicit(0x00081150, b"UI", b"1.2"), length=4) + SEQ_END + PIXEL_END, ExplicitVRLittleEndian,
            id="element across the end of its item",
        ),
        pytest.param(
            PIXELS + SEQ_START + _item(_explicit(0x00081150, b"UI", b"1.2") + ITEM_END) + SEQ_END + PIXEL_END, ExplicitVRLittleEndian,
            id="item delimiter in an item of defined length",
        ),
        pytest.param(
            PIXELS + SEQ_START + ITEM_START + struct.pack("<HH2sHL", 0x0009, 0x1010, b"UN", 0, 0xFFFFFFFF) + SEQ_END + ITEM_END
            + SEQ_END + PIXEL_END, ExplicitVRLittleEndian, id="UN of undefined length in an item",
        ),
        pytest.param(PIXELS + struct.pack("<HH2sH", 0x0028, 0x0030, b"DS", 0x7FFF) + b"1", ExplicitVRLittleEndian, id="past the end"),
        pytest.param(_explicit(0x00000000, b"UL", b"\x00" * 4) + PIXELS + PIXEL_END, ExplicitVRLittleEndian, id="command set"),
        pytest.param(PIXELS + PIXEL_END, ImplicitVRLittleEndian, id="explicit VR in an implicit VR file"),
        pytest.param(PIXELS + PIXEL_END, pydicom.uid.DeflatedExplicitVRLittleEndian, id="deflated"),
    ],
)
def test_what_the_scan_leaves_to_pydicom(body, syntax):
    """Unusual or malformed headers are not scanned, so pydicom's reader (and dcmcore's errors) see them; no raise."""
    assert scan_file(_file(body, syntax)) is None


def test_the_same_elements_are_scanned():
    """The control for the test above: its well-formed pieces, put together, are scanned."""
    found = scan_file(_file(PIXELS + PIXEL_END))
    assert found is not None and sorted(found.elements) == [0x00280010, 0x00280011]
    assert scan_file(_file(PIXELS + _nested(3) + PIXEL_END)) is not None
    uid = _explicit(0x00081150, b"UI", b"1.2")
    items = _item(uid) + _item(b"") + ITEM_START + uid + _nested(2) + ITEM_END + _item(uid + _nested(1))
    found = scan_file(_file(PIXELS + SEQ_START + items + SEQ_END + PIXEL_END))
    assert found is not None and len(scanned_dataset(found)[0x00400275].value) == 4


def test_every_prefix_of_a_file_is_scanned_or_left_alone():
    """Cut anywhere, a header never makes the scan raise or read past its bytes; whole, it is scanned."""
    seq_item = _explicit(0x00100010, b"PN", b"Doe^J ")
    body = (
        struct.pack("<HH2sHL", 0x0008, 0x1140, b"SQ", 0, 0xFFFFFFFF)
        + struct.pack("<HHL", 0xFFFE, 0xE000, 0xFFFFFFFF) + seq_item + struct.pack("<HHL", 0xFFFE, 0xE00D, 0)
        + struct.pack("<HHL", 0xFFFE, 0xE0DD, 0)
        + PIXELS + PIXEL_END
    )
    data = _file(body)
    for cut in range(len(data)):
        found = scan_file(data[:cut])
        assert found is None or found.pixel_at + 12 <= cut
    found = scan_file(data)
    assert found is not None
    ds = scanned_dataset(found)
    assert isinstance(ds.ReferencedImageSequence, Sequence) and ds[0x00081140].is_undefined_length
    ref = read_partial(io.BytesIO(data), lambda tag, vr, length: tag in PIXEL_TAGS, force=True)
    assert _same(ds, ref) == []


@pytest.mark.parametrize("syntax", [ImplicitVRLittleEndian, ExplicitVRLittleEndian, pydicom.uid.ExplicitVRBigEndian])
def test_pixel_array_of_a_scanned_file_equals_pydicom(tmp_path, syntax):
    """Through the public API: a file written by pydicom in each uncompressed syntax, opened from its path."""
    import numpy as np

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = syntax
    ds.SOPClassUID = pydicom.uid.SecondaryCaptureImageStorage
    ds.SOPInstanceUID = "1.2.3.4"
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.PatientName = "Müller^Jürgen"
    ds.ReferencedImageSequence = Sequence([Dataset(), Dataset()])
    ds.ReferencedImageSequence[0].ReferencedSOPInstanceUID = "1.2.3"
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = 3, 4, 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    little = syntax != pydicom.uid.ExplicitVRBigEndian
    ds.PixelData = np.arange(12, dtype="<u2" if little else ">u2").tobytes()
    path = tmp_path / "scanned.dcm"
    ds.save_as(path, enforce_file_format=True, little_endian=little, implicit_vr=syntax == ImplicitVRLittleEndian)
    assert scan_file(path.read_bytes()) is not None
    np.testing.assert_array_equal(dcmcore.pixel_array(path), pydicom.dcmread(path).pixel_array)
    with dcmcore.imread(path, lazy_frame_retrieval=True) as image:
        assert image.PatientName == "Müller^Jürgen"
        assert _same(image, pydicom.dcmread(path, stop_before_pixels=True)) == []


def test_a_transfer_syntax_uid_of_another_vr_is_left_to_pydicom():
    """(0002,0010) with the VR US: pydicom reads US values, so the scan must not take the bytes as a UID."""
    data = _file(PIXELS + PIXEL_END, ExplicitVRLittleEndian)
    at = data.index(b"\x02\x00\x10\x00UI")
    mutated = data[:at] + b"\x02\x00\x10\x00US" + data[at + 6 :]
    assert scan_file(data) is not None and scan_file(mutated) is None
    ref = pydicom.dcmread(io.BytesIO(mutated), force=True, stop_before_pixels=True)
    assert ref.file_meta[0x00020010].VR == "US"
    with pytest.raises(DcmcoreError):  # the syntax pydicom read is no transfer syntax any plugin decodes
        dcmcore.pixel_array(io.BytesIO(mutated))


def _specific_character_set(value: bytes) -> bytes:
    return _explicit(0x00080005, b"CS", value)


@pytest.mark.parametrize(
    "body",
    [
        # fuzz/regressions/pixel_file/specific_character_set_twice: pydicom converts each (0008,0005) as it reads it
        pytest.param(_specific_character_set(b"\x08\x00gdcm") + _specific_character_set(b"ISO_IR 100") + PIXELS, id="charset twice"),
        # fuzz/regressions/pixel_file/sequence_closed_by_item_delimiter: pydicom reads items up to a (FFFE,E0DD)
        pytest.param(PIXELS + SEQ_START + ITEM_START + ITEM_END + ITEM_END, id="sequence closed by an item delimiter"),
    ],
)
def test_a_header_pydicom_refuses_is_refused_from_a_path_too(tmp_path, body):
    """Malformed headers the scan once read: the path gives the error pydicom's reading of a file object gives."""
    data = _file(body + PIXEL_END)
    path = tmp_path / "malformed.dcm"
    path.write_bytes(data)
    with pytest.raises(Exception):  # the oracle: pydicom refuses the header
        pydicom.dcmread(io.BytesIO(data), force=True)
    with pytest.raises(DcmcoreError) as from_object:
        dcmcore.pixel_array(io.BytesIO(data))
    with pytest.raises(DcmcoreError) as from_path:
        dcmcore.pixel_array(path)
    assert type(from_path.value) is type(from_object.value)
    assert str(from_path.value).split(": ", 1)[1] == str(from_object.value).split(": ", 1)[1]


def test_a_transfer_syntax_uid_of_vr_sq_is_refused_naming_it():
    """(0002,0010) of VR SQ (pixel_file seed 17, input 2,187,388): an InvalidElementError naming it, not the
    BytesLengthException pydicom raised while printing the sequence's malformed items as a UID."""
    data = _file(PIXELS + PIXEL_END, ExplicitVRLittleEndian)
    at = data.index(b"\x02\x00\x10\x00UI")
    length = struct.unpack_from("<H", data, at + 6)[0]
    item = _item(struct.pack("<HH2sH", 0x0002, 0x0010, b"UL", 3) + b"abc")  # a UL of 3 bytes: not convertible
    sequence = struct.pack("<HH2sHL", 0x0002, 0x0010, b"SQ", 0, len(item)) + item
    mutated = data[:at] + sequence + data[at + 8 + length :]
    group_length = data.index(b"\x02\x00\x00\x00UL")  # (0002,0000) follows the change of length
    old = struct.unpack_from("<L", mutated, group_length + 8)[0]
    mutated = mutated[: group_length + 8] + struct.pack("<L", old + len(sequence) - 8 - length) + mutated[group_length + 12 :]
    assert pydicom.dcmread(io.BytesIO(mutated), force=True, stop_before_pixels=True).file_meta[0x00020010].VR == "SQ"
    with pytest.raises(InvalidElementError, match=r"\(0002,0010\) 'Transfer Syntax UID' is a sequence"):
        dcmcore.pixel_array(io.BytesIO(mutated))
