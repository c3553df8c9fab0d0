"""The fragment and offset table parser: ``FragmentIndex``, ``frame_ranges`` and ``join`` (dcmcore.encaps).

Input: 4 bytes (Number of Frames as uint16 LE; the count of Extended Offset Table
entries; flags: bit 0 give the table as lists instead of bytes, bit 1 no ``tail``
reader) then, when there is an Extended Offset Table, its offsets and lengths
(8 bytes each, LE), then the encapsulated Pixel Data value. Checked: every
fragment and every frame range lies inside the value, fragments do not
overlap, and there are exactly Number of Frames frames.
"""

from __future__ import annotations

import struct

from dcmcore import encaps
from fuzz.seeds import files

FOCUS = 4 + 64
MAX_LEN = 1 << 18
_HEAD = struct.Struct("<HBB")


def seeds() -> list[bytes]:
    import warnings

    import pydicom

    warnings.simplefilter("ignore")
    out = []
    for path in files(1 << 20):
        try:
            ds = pydicom.dcmread(path)
            if not ds.file_meta.TransferSyntaxUID.is_encapsulated or "PixelData" not in ds:
                continue
            value = bytes(ds.PixelData)
            nframes = int(getattr(ds, "NumberOfFrames", 1) or 1)
        except Exception:  # noqa: BLE001
            continue
        if len(value) > MAX_LEN:
            continue
        out.append(_HEAD.pack(nframes & 0xFFFF, 0, 0) + value)
        try:  # the same value described by an Extended Offset Table
            index = encaps.FragmentIndex.from_buffer(value)
            ranges = encaps.frame_ranges(index, nframes, tail=lambda off, n: value[off : off + n])
        except Exception:  # noqa: BLE001
            continue
        if all(len(r) == 1 for r in ranges) and len(ranges) < 256:
            table = b"".join(struct.pack("<Q", r[0][0] - 8 - index.first_item) for r in ranges)
            table += b"".join(struct.pack("<Q", r[0][1]) for r in ranges)
            out.append(_HEAD.pack(nframes & 0xFFFF, len(ranges), 0) + table + value)
    return out


def run(data: bytes) -> None:
    if len(data) < _HEAD.size:
        return
    nframes, neot, flags = _HEAD.unpack_from(data)
    pos = _HEAD.size
    extended = None
    if neot:
        offsets, lengths = data[pos : pos + 8 * neot], data[pos + 8 * neot : pos + 16 * neot]
        pos += 16 * neot
        if flags & 1:
            offsets = [v for (v,) in struct.iter_unpack("<Q", offsets[: len(offsets) // 8 * 8])]
            lengths = [v for (v,) in struct.iter_unpack("<Q", lengths[: len(lengths) // 8 * 8])]
        extended = (offsets, lengths)
    value = memoryview(data[pos:])
    size = len(value)
    index = encaps.FragmentIndex.from_buffer(value)
    end = 0
    for off, length in index.fragments:
        assert index.first_item <= off and off >= end + 8 and off + length <= size, f"fragment {(off, length)} of {size}"
        end = off + length
    tail = None if flags & 2 else (lambda off, n: value[off : off + n])
    ranges = encaps.frame_ranges(index, max(nframes, 1), extended_offsets=extended, tail=tail)
    assert len(ranges) == max(nframes, 1), f"{len(ranges)} frames for {nframes}"
    for frame in ranges:
        assert frame, "a frame without a fragment"
        for off, length in frame:
            assert 0 <= off and length >= 0 and off + length <= size, f"range {(off, length)} outside {size} bytes"
        joined = encaps.join(lambda off, n: value[off : off + n], frame)
        assert len(joined) == sum(n for _, n in frame)
