"""dcmcore.plugins.check_geometry: a codestream header against the data set, before a codec decodes.

Headers come from real frames of pydicom's test files read by
``dcmcore.plugins.parse_jpeg`` / ``parse_j2k``; the expected geometry is
pydicom's reading of the same files' Image Pixel elements.
"""

from __future__ import annotations

import dataclasses

import pytest
from pydicom.encaps import encapsulate

import dcmcore
import dcmcore.plugins as plugins
from dcmcore.errors import CorruptPixelDataError, UnsupportedPixelDataError
from dcmcore.plugins import check_geometry, codestream_info, testing

FILES = ["SC_rgb_jpeg_dcmtk.dcm", "JPEG-LL.dcm", "MR_small_jpeg_ls_lossless.dcm", "MR_small_jp2klossless.dcm"]


def test_it_is_exported_for_plugin_authors():
    assert "check_geometry" in plugins.__all__ and plugins.check_geometry is check_geometry


@pytest.mark.parametrize("name", FILES)
def test_the_frame_of_its_data_set_passes(name):
    src, spec = testing.first_frame(name)
    ds = testing.read_dataset(name)
    info = codestream_info(src, spec.transfer_syntax_uid)
    assert (info.rows, info.columns, info.components) == (ds.Rows, ds.Columns, ds.SamplesPerPixel)
    assert check_geometry(info, spec, "a library") is None


@pytest.mark.parametrize("name", FILES)
def test_another_geometry_is_corrupt(name):
    src, spec = testing.first_frame(name)
    info = codestream_info(src, spec.transfer_syntax_uid)
    for other in (spec.replace(rows=spec.rows + 1), spec.replace(columns=spec.columns - 1)):
        with pytest.raises(CorruptPixelDataError, match=r"\(0028,0010\) 'Rows', \(0028,0011\) 'Columns' and \(0028,0002\)"):
            check_geometry(info, other, "a library")
    wider = dataclasses.replace(info, components=info.components + 1)
    with pytest.raises(CorruptPixelDataError, match=f"{info.components + 1} component"):
        check_geometry(wider, spec, "a library")


def test_precision():
    src, spec = testing.first_frame("JPEG-LL.dcm")  # 16-bit samples
    info = codestream_info(src, spec.transfer_syntax_uid)
    assert info.precision == testing.read_dataset("JPEG-LL.dcm").BitsStored
    with pytest.raises(CorruptPixelDataError, match=r"16-bit samples, more than the \(0028,0100\) 'Bits Allocated' value of 8"):
        check_geometry(info, spec.replace(bits_allocated=8, bits_stored=8), "a library")
    for bad in (0, 39):
        with pytest.raises(CorruptPixelDataError, match=f"invalid sample precision of {bad} bits"):
            check_geometry(dataclasses.replace(info, precision=bad), spec, "a library")


def test_lines_given_later_by_dnl_name_the_library():
    src, spec = testing.first_frame("SC_rgb_jpeg_dcmtk.dcm")
    info = dataclasses.replace(codestream_info(src, spec.transfer_syntax_uid), rows=0)
    with pytest.raises(UnsupportedPixelDataError, match="DNL segment; SomeCodec cannot decode that"):
        check_geometry(info, spec, "SomeCodec")


def test_a_header_read_again_gives_what_reading_it_anew_gives():
    """parse_jpeg remembers the last header: frames that share it, and frames that differ in it or end inside it."""
    src, spec = testing.first_frame("SC_rgb_jpeg_dcmtk.dcm")
    src = bytes(src)
    first = plugins.parse_jpeg(src)
    other_tail = src[:-200] + bytes(190) + src[-10:]  # the same header, other entropy-coded data
    assert plugins.parse_jpeg(other_tail) == first
    sof = src.index(b"\xff\xc0")
    taller = bytearray(src)
    taller[sof + 5 : sof + 7] = (first.rows + 7).to_bytes(2, "big")  # the frame header's number of lines
    assert plugins.parse_jpeg(bytes(taller)).rows == first.rows + 7
    assert plugins.parse_jpeg(src) == first
    sos = src.index(b"\xff\xda")
    with pytest.raises(CorruptPixelDataError, match="truncated"):
        plugins.parse_jpeg(src[: sos + 5])  # ends inside the first scan header
    assert plugins.parse_jpeg(src[: sos + 2 + int.from_bytes(src[sos + 2 : sos + 4], "big")]) == first


@pytest.mark.parametrize(
    "offset, value",
    [
        (36, 19),  # YTOsiz past YOsiz (0): the tile grid starts below the image area
        (32, 1),  # XTOsiz past XOsiz
        (24, 0),  # XTsiz 0
        (28, 0),  # YTsiz 0
    ],
)
def test_a_tile_grid_the_standard_does_not_allow_is_corrupt(offset, value):
    """ISO/IEC 15444-1 A.5.1: a real frame's SIZ with one tile field changed (OpenJPH loops forever on the first)."""
    src, spec = testing.first_frame("MR_small_jp2klossless.dcm")
    frame = bytearray(src)
    assert frame[:4] == b"\xff\x4f\xff\x51"  # a bare codestream: SOC, then SIZ
    frame[offset : offset + 4] = value.to_bytes(4, "big")
    with pytest.raises(CorruptPixelDataError, match=r"SIZ segment gives tiles of .* \(ISO/IEC 15444-1 A\.5\.1\)"):
        plugins.parse_j2k(bytes(frame))
    assert plugins.parse_j2k(src).rows == spec.rows  # the frame as it is passes


def test_a_component_sub_sampling_of_zero_is_corrupt():
    src, _ = testing.first_frame("MR_small_jp2klossless.dcm")
    frame = bytearray(src)
    frame[43] = 0  # XRsiz of component 0
    with pytest.raises(CorruptPixelDataError, match="sub-sampling of 0 x 1"):
        plugins.parse_j2k(bytes(frame))


@pytest.mark.parametrize(
    "selectors, match",
    [
        ((1, 1, 3), "selects the component 1 a second time"),  # component 2 is never decoded
        ((1, 2, 9), r"selects the component 9 but the frame header's components are \[1, 2, 3\]"),
    ],
)
def test_a_scan_must_select_distinct_components_of_the_frame(selectors, match):
    """ITU-T T.81 B.2.3, on a real 3-component frame with its scan header's selectors changed.

    A repeated selector left GDCM's libjpeg returning memory it never wrote
    (``fuzz/regressions/pixel_file/gdcm_jpeg_scan_selects_a_component_twice``);
    the frame is refused before any codec sees it, through the public API too.
    """
    name = "SC_rgb_jpeg_dcmtk.dcm"
    src, _ = testing.first_frame(name)
    frame = bytearray(src)
    sos = frame.index(b"\xff\xda")
    assert frame[sos + 4] == 3 and plugins.parse_jpeg(bytes(frame)).component_ids == (1, 2, 3)
    for k, cid in enumerate(selectors):
        frame[sos + 5 + 2 * k] = cid
    with pytest.raises(CorruptPixelDataError, match=match):
        plugins.parse_jpeg(bytes(frame))
    ds = testing.read_dataset(name)
    ds.PixelData = encapsulate([bytes(frame)])
    with pytest.raises(CorruptPixelDataError, match=match):
        dcmcore.pixel_array(ds)


def test_a_scan_of_no_components_is_corrupt():
    src, _ = testing.first_frame("JPEG-LL.dcm")
    frame = bytearray(src)
    sos = frame.index(b"\xff\xda")
    frame[sos + 4] = 0
    with pytest.raises(CorruptPixelDataError, match="lists 0 components .* it needs at least one"):
        plugins.parse_jpeg(bytes(frame))
