"""Hostile input: memory is taken only for what the data can produce (issue: hostile input, item 2).

Small files declaring huge images are refused before the output is
allocated, with an error naming the declared size and what the data holds;
the peak resident memory of a child process shows nothing was taken. A size
the data can produce but a service does not want is refused by
``dcmcore.config.max_array_bytes``; an allocation the machine refuses is an
``ArrayTooLargeError``, not a bare ``MemoryError``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pydicom
import pytest
from pydicom.encaps import encapsulate
from pydicom.uid import JPEG2000Lossless, JPEGLSLossless, RLELossless

import dcmcore
from dcmcore.errors import ArrayTooLargeError, CorruptPixelDataError, DcmcoreError
from tests._helpers import make_dataset, pydicom_array, read, roundtrip_bytes

MB = 1 << 20
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="peak RSS from getrusage in KiB")


def _rle_header(*segment_lengths: int) -> bytes:
    offsets, at = [], 64
    for n in segment_lengths:
        offsets.append(at)
        at += n
    return np.array([len(offsets), *offsets] + [0] * (15 - len(offsets)), "<u4").tobytes()


def _zero_segment(npix: int) -> bytes:
    """A PackBits segment of `npix` zeros: runs of 128 (two bytes each), as tight as RLE gets."""
    full, rest = divmod(npix, 128)
    seg = bytes([0x81, 0]) * full + (bytes([257 - rest, 0]) if rest > 1 else bytes([0, 0]) if rest else b"")
    return seg + b"\x00" * (len(seg) % 2)


def _items(frames: list[bytes]) -> bytes:
    """Encapsulated pixel data, one fragment per frame, empty ones included (pydicom's encapsulate refuses those)."""
    item = b"\xfe\xff\x00\xe0"
    out = [item + bytes(4)]  # an empty Basic Offset Table
    for frame in frames:
        frame += b"\x00" * (len(frame) % 2)
        out.append(item + len(frame).to_bytes(4, "little") + frame)
    return b"".join(out)


def _rle_file(tmp_path, rows: int, columns: int, frames: list[bytes], name: str = "rle.dcm") -> str:
    ds = make_dataset(b"", rows=rows, columns=columns, bits_allocated=8, transfer_syntax=RLELossless)
    ds.NumberOfFrames = len(frames)
    ds.PixelData = _items(frames)
    ds["PixelData"].VR = "OB"
    path = tmp_path / name
    ds.save_as(path, enforce_file_format=True)
    return str(path)


def _small_rle_claiming(tmp_path, rows: int, columns: int) -> str:
    """A 7.8 KB RLE file (a real 64 x 64 frame's worth of data) declaring `rows` x `columns`."""
    seg = _zero_segment(64 * 64 * 120)  # 7.7 KB of zero runs
    return _rle_file(tmp_path, rows, columns, [_rle_header(len(seg)) + seg])


def _in_child(body: str, *args: str) -> dict[str, str]:
    """Run `body` in a fresh interpreter; it prints ``key=value`` lines, returned as a dict.

    ``peak()`` in the body gives the process's peak resident memory in bytes.
    """
    script = "import resource, sys\n" "def peak():\n    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024\n"
    script += textwrap.dedent(body)
    run = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return dict(line.split("=", 1) for line in run.stdout.splitlines() if "=" in line)


_DECODE_IN_CHILD = """
    import dcmcore
    import numpy  # everything imported before the baseline
    from dcmcore.errors import DcmcoreError
    before = peak()
    try:
        dcmcore.pixel_array(sys.argv[1])
        print("result=decoded")
    except DcmcoreError as exc:
        print(f"result={type(exc).__name__}: {exc}")
    except MemoryError as exc:
        print(f"result=MemoryError: {exc}")
    print(f"grown={peak() - before}")
"""


# -- sizes the data cannot produce ----------------------------------------------------------------
@linux_only
@pytest.mark.parametrize("rows, columns", [(20000, 20000), (65535, 65535)])
def test_small_rle_file_declaring_a_huge_image(tmp_path, rows, columns):
    path = _small_rle_claiming(tmp_path, rows, columns)
    seen = _in_child(_DECODE_IN_CHILD, path)
    assert seen["result"].startswith("CorruptPixelDataError: Frame 0 holds"), seen
    assert f"'Rows' {rows} x (0028,0011) 'Columns' {columns}" in seen["result"]
    assert f"declare {rows * columns} bytes" in seen["result"]
    assert int(seen["grown"]) < 16 * MB, seen


def _relabelled(name: str, rows: int, columns: int) -> pydicom.Dataset:
    ds = read(name)
    ds.Rows, ds.Columns = rows, columns
    return ds


@linux_only
@pytest.mark.parametrize("name", ["MR_small_jp2klossless.dcm", "MR_small_jpeg_ls_lossless.dcm"])
def test_small_codestream_declaring_a_huge_image(tmp_path, name):
    """A 64 x 64 JPEG 2000 / JPEG-LS frame in a data set saying 20000 x 20000: the codestream tells."""
    pytest.importorskip("gdcm")  # a plugin with frame_geometry; dcmcore-gdcm is in the test extras
    ds = _relabelled(name, 20000, 20000)
    assert ds.file_meta.TransferSyntaxUID in (JPEG2000Lossless, JPEGLSLossless)
    path = tmp_path / name
    ds.save_as(path)
    assert path.stat().st_size < 10_000
    seen = _in_child(_DECODE_IN_CHILD, str(path))
    assert seen["result"].startswith("CorruptPixelDataError: Frame 0's codestream holds 64 x 64 pixels"), seen
    assert "'Rows' 20000 x (0028,0011) 'Columns' 20000" in seen["result"]
    assert int(seen["grown"]) < 16 * MB, seen


def test_a_smaller_declared_image_is_left_to_the_decoder():
    """Only a declaration larger than the codestream is refused up front; a smaller one is the plugin's call."""
    pytest.importorskip("gdcm")
    ds = _relabelled("MR_small_jp2klossless.dcm", 32, 64)
    with pytest.raises(CorruptPixelDataError, match="codestream holds 64 x 64 pixels") as info:
        dcmcore.pixel_array(ds, decoding_plugin="gdcm")
    assert "Frame 0's" not in str(info.value)  # from the plugin, not the size check


@linux_only
def test_thousands_of_empty_fragments(tmp_path):
    """5000 frames of 1024 x 1024 declared (5 GB) in a 40 KB file of empty fragments."""
    path = _rle_file(tmp_path, 1024, 1024, [b""] * 5000)
    seen = _in_child(_DECODE_IN_CHILD, path)
    assert seen["result"].startswith("CorruptPixelDataError: Frame 0 of the encapsulated pixel data has no bytes"), seen
    assert "declare 1048576 bytes" in seen["result"]
    assert int(seen["grown"]) < 16 * MB, seen


def test_an_empty_frame_among_good_ones_is_refused_before_decoding():
    ds = read("emri_small_RLE.dcm")
    frames = list(pydicom.encaps.generate_frames(ds.PixelData, number_of_frames=ds.NumberOfFrames))
    frames[7] = b""
    ds.PixelData = _items(frames)
    with pytest.raises(CorruptPixelDataError, match="Frame 7 of the encapsulated pixel data has no bytes"):
        dcmcore.pixel_array(ds)
    with pytest.raises(CorruptPixelDataError, match="Frame 7 "):
        list(dcmcore.iter_pixels(ds))
    np.testing.assert_array_equal(dcmcore.pixel_array(ds, index=6), pydicom_array(ds, index=6))


@linux_only
def test_rle_decode_frame_checks_segments_before_allocating():
    seen = _in_child(
        """
        import dcmcore
        from dcmcore import PixelSpec
        spec = PixelSpec(rows=65535, columns=65535, samples_per_pixel=1, bits_allocated=8, bits_stored=8,
                         pixel_representation=0, photometric_interpretation="MONOCHROME2")
        header = bytes([1, 0, 0, 0, 64]) + bytes(59)
        before = peak()
        try:
            dcmcore.rle.decode_frame(header + bytes([0x81, 0]), spec)
        except dcmcore.CorruptPixelDataError as exc:
            print(f"result={exc}")
        print(f"grown={peak() - before}")
        """
    )
    assert seen["result"].startswith("RLE segment 1 of 1 (sample 1) holds 2 bytes, which decode to at most 128"), seen
    assert "need 4294836225" in seen["result"]
    assert int(seen["grown"]) < 16 * MB, seen


def test_rle_decode_segment_checks_its_length_before_allocating():
    with pytest.raises(CorruptPixelDataError, match="holds 2 bytes, which decode to at most 128 bytes"):
        dcmcore.rle.decode_segment(bytes([0x81, 0]), 1 << 40)


# -- pages touched only as frames are written -----------------------------------------------------
@linux_only
def test_a_corrupt_frame_stops_before_the_rest_is_touched(tmp_path):
    """520 frames of 512 x 512 (130 MB declared, the data can produce it); frame 10 is corrupt."""
    npix = 512 * 512
    good = _rle_header(len(_zero_segment(npix))) + _zero_segment(npix)
    frames = [good] * 520
    frames[10] = good[:-2] + bytes([0x7F, 0])  # a literal run of 128 bytes past the segment's end
    path = _rle_file(tmp_path, 512, 512, frames)
    seen = _in_child(_DECODE_IN_CHILD, path)
    assert seen["result"].startswith("CorruptPixelDataError"), seen
    assert int(seen["grown"]) < 40 * MB, seen  # ~11 frames of 256 KiB, and a huge page or two


# -- what the data can produce, but a service does not want ---------------------------------------
@pytest.fixture
def ceiling(monkeypatch):
    def set_to(nbytes):
        monkeypatch.setattr(dcmcore.config, "max_array_bytes", nbytes)

    return set_to


def test_the_ceiling_refuses_before_decoding(ceiling):
    ds = read("emri_small_RLE.dcm")  # 10 frames of 64 x 64 x 16 bits: 81920 bytes
    ceiling(81919)
    with pytest.raises(ArrayTooLargeError, match=r"would take 81920 bytes, more than dcmcore.config.max_array_bytes \(81919\)") as info:
        dcmcore.pixel_array(ds)
    assert isinstance(info.value, DcmcoreError) and isinstance(info.value, ValueError) and isinstance(info.value, MemoryError)
    # one frame fits, and iter_pixels allocates a frame at a time
    np.testing.assert_array_equal(dcmcore.pixel_array(ds, index=3), pydicom_array(ds, index=3))
    assert len(list(dcmcore.iter_pixels(ds))) == 10
    # an array the caller allocated is the caller's business
    out = np.empty((10, 64, 64), np.uint16)
    assert dcmcore.pixel_array(ds, out=out) is out
    ceiling(81920)
    np.testing.assert_array_equal(dcmcore.pixel_array(ds), pydicom_array(ds))


def test_the_ceiling_applies_to_natively_encoded_data(ceiling):
    ds = roundtrip_bytes(make_dataset(bytes(2 * 16 * 16), rows=16, columns=16))
    ceiling(100)
    with pytest.raises(ArrayTooLargeError, match="would take 512 bytes"):
        dcmcore.pixel_array(ds)
    ceiling(None)
    assert dcmcore.pixel_array(ds).shape == (16, 16)


@linux_only
def test_an_allocation_the_machine_refuses_is_array_too_large(tmp_path):
    """512 MiB of zeros in 8 MiB of RLE, decoded under an address-space limit of 256 MiB more than in use."""
    npix = 512 * MB
    seg = _zero_segment(npix)
    path = _rle_file(tmp_path, 16384, 32768, [_rle_header(len(seg)) + seg], "big.dcm")
    seen = _in_child(
        """
        import dcmcore
        size = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
        resource.setrlimit(resource.RLIMIT_AS, (size + 256 * 2**20, resource.RLIM_INFINITY))
        try:
            dcmcore.pixel_array(sys.argv[1])
            print("result=decoded")
        except dcmcore.ArrayTooLargeError as exc:
            print(f"result={type(exc).__name__}: {exc}; memoryerror={isinstance(exc, MemoryError)}")
        """,
        path,
    )
    assert seen["result"] == (
        f"ArrayTooLargeError: the decoded pixel data needs {npix} bytes, which could not be allocated; memoryerror=True"
    ), seen
