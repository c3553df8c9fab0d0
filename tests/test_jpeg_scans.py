"""JPEG-LS coding parameters (``dcmcore.plugins.jpegls``) and the markers after a JPEG scan (``jpeg_scans``).

Oracles: the preset parameters that encoders wrote into pydicom's JPEG-LS test
files (the defaults of ISO/IEC 14495-1 C.2.4.1.1.1 for their NEAR), and
CharLS 2.4 (through imagecodecs), which refuses the parameters C.2.4.1.1 does
not allow with its own messages. The walk after the scan is checked on every
JPEG and JPEG-LS frame of the test files: it must end at the EOI marker that
ends the frame.
"""

from __future__ import annotations

import random
import re
import struct
import warnings

import pytest

import dcmcore.plugins as plugins
from dcmcore._testdata import testdata_files
from dcmcore.errors import CorruptPixelDataError
from dcmcore.plugins import (
    PresetParameters,
    check_scan_parameters,
    default_thresholds,
    parse_jpeg,
    read_near,
    segments_after_scan,
)
from dcmcore.uids import JPEG_FAMILY_TRANSFER_SYNTAXES


def _frames(kind: str | None = None) -> list[tuple[str, str, bytes]]:
    """(file name, kind, first frame) of every JPEG-family test file of at most 2 MB."""
    import pydicom
    from pydicom.encaps import generate_frames
    from pydicom.uid import JPEGLSTransferSyntaxes

    found = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in testdata_files():
            if path.stat().st_size > 2 << 20:
                continue
            try:
                ds = pydicom.dcmread(path)
                uid = ds.file_meta.TransferSyntaxUID
                if uid not in JPEG_FAMILY_TRANSFER_SYNTAXES or "PixelData" not in ds:
                    continue
                frame = next(generate_frames(ds.PixelData, number_of_frames=int(ds.get("NumberOfFrames", 1) or 1)))
            except Exception:  # noqa: BLE001 - files pydicom cannot read are not examples here
                continue
            this = "JPEG-LS" if uid in JPEGLSTransferSyntaxes else "JPEG"
            if kind in (None, this):
                found.append((path.name, this, bytes(frame)))
    return found


JPEG_LS = _frames("JPEG-LS")


def _scan_header(frame: bytes) -> tuple[int, bytes]:
    info = parse_jpeg(frame, "JPEG-LS")
    start = frame.rfind(b"\xff\xda", 0, info.scan_offset)
    return start, frame[start + 4 : info.scan_offset]


def test_exported_for_plugin_authors():
    for name in ("segments_after_scan", "check_scan_parameters", "default_thresholds", "read_presets", "read_near"):
        assert name in plugins.__all__


def test_jpeg_ls_test_files_are_there():
    assert len(JPEG_LS) >= 4


@pytest.mark.parametrize("name, kind, frame", [f for f in JPEG_LS if parse_jpeg(f[2], "JPEG-LS").presets], ids=lambda v: v if isinstance(v, str) else "")
def test_default_thresholds_are_what_encoders_wrote(name, kind, frame):
    """The LSE segments of the test files hold C.2.4.1.1.1's defaults for their MAXVAL and NEAR."""
    info = parse_jpeg(frame, "JPEG-LS")
    start, header = _scan_header(frame)
    near = read_near(header, start)
    p = info.presets
    assert default_thresholds(p.maxval, near) == (p.t1, p.t2, p.t3), (name, near)


def test_default_thresholds_of_the_standard_table():
    # ISO/IEC 14495-1 Table C.3: MAXVAL 255, NEAR 0 gives the basic thresholds
    assert default_thresholds(255, 0) == (3, 7, 21)


def _with_parameters(frame: bytes, presets: tuple[int, ...] | None, near: int) -> bytes:
    """`frame` with its LSE segments of ID 1 replaced by `presets` (before the scan) and its NEAR set."""
    out, pos = bytearray(frame[:2]), 2
    while True:
        marker, length = frame[pos + 1], struct.unpack(">H", frame[pos + 2 : pos + 4])[0]
        segment = bytearray(frame[pos : pos + 2 + length])
        if marker == 0xDA:
            if presets is not None:
                out += b"\xff\xf8\x00\x0d\x01" + struct.pack(">5H", *presets)
            segment[5 + 2 * segment[4]] = near
            return bytes(out + segment + frame[pos + 2 + length :])
        if not (marker == 0xF8 and frame[pos + 4] == 1):
            out += segment
        pos += 2 + length


def _charls_refuses_parameters(data: bytes) -> bool:
    import imagecodecs

    try:
        imagecodecs.jpegls_decode(data)
    except Exception as exc:  # noqa: BLE001 - CharLS's verdict is in its message
        return "preset parameters" in str(exc) or "near-lossless" in str(exc)
    return False


def test_parameters_refused_exactly_where_charls_refuses_them():
    """C.2.4.1.1's ranges, at their edges and at random, against CharLS 2.4's own validation."""
    pytest.importorskip("imagecodecs")
    rng = random.Random(20261203)
    agreed = {True: 0, False: 0}
    for _ in range(600):
        name, _, frame = rng.choice(JPEG_LS)
        top = (1 << parse_jpeg(frame, "JPEG-LS").precision) - 1
        edges = [0, 1, 2, 3, 4, 21, 22, 127, 128, 255, 256, top - 1, top, min(top + 1, 65535), 65535]
        value = lambda: rng.choice(edges) if rng.random() < 0.7 else rng.randint(0, min(65535, 2 * top))  # noqa: E731
        presets = None if rng.random() < 0.15 else tuple(value() for _ in range(5))
        near = rng.choice([0, 1, 2, 3, 127, 128, 254, 255]) if rng.random() < 0.8 else rng.randint(0, 255)
        data = _with_parameters(frame, presets, near)
        try:
            parse_jpeg(data, "JPEG-LS")
            ours = False
        except CorruptPixelDataError as exc:
            assert re.search(r"ISO/IEC 14495-1 C\.2\.(3|4\.1\.1) does not allow", str(exc)), str(exc)
            ours = True
        assert ours == _charls_refuses_parameters(data), (name, presets, near)
        agreed[ours] += 1
    assert min(agreed.values()) >= 50  # both verdicts well represented (99 and 501 with this seed)


def test_the_message_names_the_value_and_its_range():
    with pytest.raises(CorruptPixelDataError, match=r"T1 18 is not NEAR \+ 1 = 223 to MAXVAL 65535"):
        check_scan_parameters(16, PresetParameters(65535, 18, 67, 0, 256), 222, 30)
    with pytest.raises(CorruptPixelDataError, match=r"C\.2\.3 does not allow: NEAR 128 is more than min\(255, MAXVAL / 2\) = 127"):
        check_scan_parameters(8, None, 128, 30)
    with pytest.raises(CorruptPixelDataError, match=r"sample precision of 17 bits"):
        check_scan_parameters(17, None, 0, 30)


@pytest.mark.parametrize("name, kind, frame", _frames(), ids=lambda v: v if isinstance(v, str) else "")
def test_the_walk_after_the_scan_ends_at_the_frames_eoi(name, kind, frame):
    """Every test frame: the markers after the first scan end with EOI, which ends the frame."""
    info = parse_jpeg(frame, kind)
    found = list(segments_after_scan(frame, info))
    eoi = frame.rstrip(b"\x00").rfind(b"\xff\xd9")
    assert found and found[-1] == (0xD9, eoi, eoi + 2), (name, found[-3:])
    assert all(end <= len(frame) for _, _, end in found)


def test_segments_cut_by_the_end_of_the_frame_are_the_last_item():
    frame = next(f for n, k, f in _frames("JPEG") if n == "SC_rgb_jpeg_dcmtk.dcm")
    info = parse_jpeg(frame, "JPEG")
    coded = frame[: frame.rfind(b"\xff\xd9")]
    for tail, end in ((b"\xff\xfe\xd9\x00", len(coded) + 2 + 0xD900), (b"\xff\xfe\xd9", len(coded) + 4)):
        found = list(segments_after_scan(coded + tail, info))
        assert found[-1] == (0xFE, len(coded), end)
    whole = coded + b"\xff\xfe\x00\x04ab\xff\xd9"
    assert list(segments_after_scan(whole, info))[-2:] == [(0xFE, len(coded), len(coded) + 6), (0xD9, len(coded) + 6, len(whole))]


def _pillow_jpeg(**options) -> bytes:
    import io

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(5)
    values = rng.integers(0, 256, (48, 40, 3), dtype=np.uint8)
    values[:8] = 255  # runs of FF bytes in the coded data, stuffed as FF 00
    out = io.BytesIO()
    Image.fromarray(values, "RGB").save(out, "JPEG", quality=95, **options)
    return out.getvalue()


def test_restart_markers_and_stuffed_bytes_are_coded_data():
    frame = _pillow_jpeg(restart_marker_blocks=1)
    restarts = sum(frame.count(bytes([0xFF, 0xD0 + k])) for k in range(8))
    assert restarts >= 8 and b"\xff\x00" in frame  # what this test is about is there
    found = list(segments_after_scan(frame, parse_jpeg(frame)))
    assert found == [(0xD9, len(frame) - 2, len(frame))]


def test_every_scan_of_a_progressive_frame_is_found():
    frame = _pillow_jpeg(progressive=True)
    info = parse_jpeg(frame)
    found = list(segments_after_scan(frame, info))
    scans = [offset for marker, offset, _ in found if marker == 0xDA]
    starts, pos = [], frame.find(b"\xff\xda", info.scan_offset)  # FF DA cannot occur in coded data
    while pos >= 0:
        starts.append(pos)
        pos = frame.find(b"\xff\xda", pos + 2)
    assert len(scans) >= 5 and scans == starts
    assert found[-1] == (0xD9, len(frame) - 2, len(frame)) and all(end <= len(frame) for _, _, end in found)


def test_fill_bytes_before_a_marker_are_skipped():
    frame = _pillow_jpeg()
    padded = frame[:-2] + b"\xff\xff\xff" + frame[-2:]
    assert list(segments_after_scan(padded, parse_jpeg(padded))) == [(0xD9, len(padded) - 2, len(padded))]


def _jpeg_ls_one_scan_per_component():
    """A 3-component JPEG-LS frame of three scans, spliced from CharLS's encodings of each plane."""
    imagecodecs = pytest.importorskip("imagecodecs")
    import numpy as np

    planes = np.random.default_rng(9).integers(0, 200, (3, 12, 10), dtype=np.uint8)
    frame = b""
    for cid, plane in enumerate(planes, 1):
        coded = imagecodecs.jpegls_encode(plane)
        sof, sos = coded.find(b"\xff\xf7"), coded.find(b"\xff\xda")
        sos_end = sos + 2 + struct.unpack(">H", coded[sos + 2 : sos + 4])[0]
        if cid == 1:  # SOI and the tables, then a frame header of three components
            frame = coded[:sof] + b"\xff\xf7\x00\x11\x08\x00\x0c\x00\x0a\x03" + b"".join(bytes([k, 0x11, 0]) for k in (1, 2, 3))
        near_ilv_pt = coded[sos_end - 3 : sos_end]
        frame += b"\xff\xda\x00\x08\x01" + bytes([cid, 0]) + near_ilv_pt + coded[sos_end : coded.rfind(b"\xff\xd9")]
    frame += b"\xff\xd9"
    assert np.array_equal(imagecodecs.jpegls_decode(frame), planes.transpose(1, 2, 0))  # CharLS reads it back
    return frame


def test_the_scans_of_a_jpeg_ls_frame_of_one_scan_per_component():
    frame = _jpeg_ls_one_scan_per_component()
    for kind in ("JPEG-LS", "JPEG"):  # the SOF55 marker, not `kind`, selects JPEG-LS's marker stuffing
        found = list(segments_after_scan(frame, parse_jpeg(frame, kind)))
        assert [m for m, _, _ in found] == [0xDA, 0xDA, 0xD9], kind
        assert [o for m, o, _ in found if m == 0xDA] == [frame.find(b"\xff\xda", frame.find(b"\xff\xda") + 2), frame.rfind(b"\xff\xda")]


def test_malformed_segments_and_arguments():
    with pytest.raises(CorruptPixelDataError, match="LSE, ID 1.* has 12 bytes"):
        plugins.read_presets(b"\x01" + bytes(9), 40)
    with pytest.raises(CorruptPixelDataError, match="lists 3 components in 8 bytes"):
        read_near(b"\x03\x01\x00\x02\x00\x00", 40)
    with pytest.raises(CorruptPixelDataError, match="lists 0 components in 2 bytes"):
        read_near(b"", 40)
    with pytest.raises(ValueError, match="MAXVAL must be 1 to 65535"):
        default_thresholds(0, 0)
