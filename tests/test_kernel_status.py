"""The one status convention of dcmcore kernels (``dcmcore._kernels.status``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import dcmcore._kernels
from dcmcore._kernels import bitpack, lut_segments, overlay, rle_decode, status
from dcmcore._kernels.status import check_status
from dcmcore.errors import CorruptPixelDataError

KERNELS = Path(dcmcore._kernels.__file__).parent
CODES = {name: getattr(status, name) for name in dir(status) if name.startswith("ST_")}


def test_codes_are_distinct_and_negative_but_ok():
    assert CODES["ST_OK"] == 0
    failures = [code for name, code in CODES.items() if name != "ST_OK"]
    assert all(code < 0 for code in failures)
    assert len(set(failures)) == len(failures)
    assert set(status.MESSAGES) == set(failures)  # every failure has a message


def test_check_status_passes_counts_through():
    assert check_status(0, "k") == 0
    assert check_status(17, "k") == 17


@pytest.mark.parametrize(
    "name, exc",
    [
        ("ST_BAD_GEOMETRY", ValueError),
        ("ST_VALUE_RANGE", ValueError),
        ("ST_NO_MEMORY", MemoryError),
        ("ST_SHORT", CorruptPixelDataError),
        ("ST_LITERAL_TRUNCATED", CorruptPixelDataError),
        ("ST_OVERLONG", CorruptPixelDataError),
        ("ST_UNKNOWN_OPCODE", CorruptPixelDataError),
    ],
)
def test_check_status_maps_each_kind(name, exc):
    code = CODES[name]
    with pytest.raises(exc) as info:
        check_status(code, "some kernel")
    assert str(info.value) == f"some kernel: {status.MESSAGES[code]}"
    if exc is ValueError:
        assert not isinstance(info.value, CorruptPixelDataError)


def test_check_status_detail_and_error_class():
    class Malformed(ValueError):
        pass

    with pytest.raises(CorruptPixelDataError, match=r"^segment 3 ends early$"):
        check_status(status.ST_SHORT, "", "segment 3 ends early")
    with pytest.raises(Malformed, match="word 4"):
        check_status(status.ST_TRUNCATED, "LUT", "the segment at word 4 is truncated", error=Malformed)
    with pytest.raises(ValueError) as info:  # an argument error keeps its class
        check_status(status.ST_BAD_GEOMETRY, "LUT", error=Malformed)
    assert not isinstance(info.value, Malformed)
    with pytest.raises(RuntimeError, match="unknown status -999"):
        check_status(-999, "k")


def test_kernels_return_the_shared_codes():
    # a value of 2 to pack, bits beyond the source, an overlay larger than dst, a segment
    # that ends early, a palette segment of an unknown type
    assert bitpack.pack_lsb(np.array([0, 2], np.uint8), np.empty(1, np.uint8), True) == status.ST_VALUE_RANGE
    assert bitpack.pack_to_bytes(np.array([0, 1, 2], np.uint16), 1, True) == status.ST_VALUE_RANGE
    assert bitpack.unpack_into(bytes(1), 0, 9, np.empty(9, np.uint8)) == status.ST_BAD_GEOMETRY
    dst = np.zeros((2, 2), np.uint8)
    assert overlay.burn(b"\xff", 0, 2, 0, 2, 3, dst, b"\x01") == status.ST_BAD_GEOMETRY
    assert rle_decode.decode_segment(b"\x01\x07", np.empty(4, np.uint8))[0] == status.ST_LITERAL_TRUNCATED
    assert rle_decode.decode_segment(b"\x00\x07", np.empty(4, np.uint8))[0] == status.ST_SHORT
    words = np.array([0, 1, 5, 7, 1, 0], np.uint16)  # a discrete entry, then opcode 7 at word 3
    code, pos = lut_segments.expand_segments(words, np.empty(8, np.uint16), False, True)
    assert (code, pos) == (status.ST_UNKNOWN_OPCODE, 3)


def test_kernel_sources_follow_the_house_layout():
    pyx = sorted(KERNELS.glob("*.pyx"))
    assert pyx
    for path in pyx:
        text = path.read_text()
        assert path.with_suffix(".pyi").exists(), f"{path.name} has no .pyi"
        assert 'cdef extern from *' not in text, f"{path.name} keeps C in a string: move it to a header"
        assert len(text.splitlines()) <= 500, f"{path.name} is over 500 lines"
