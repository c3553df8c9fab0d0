"""Seed inputs made from the test files (``dcmcore._testdata``), and the frame header of the frame targets.

Frame targets (``rle_frame``, ``plugin_rle``, ``plugin_gdcm``, ``plugin_imagecodecs``) read an 8-byte
header before the frame: Rows, Columns (uint16 LE), Samples per Pixel, Bits
Allocated, Bits Stored, and flags (bit 0 signed, bit 1 planar configuration 1,
bit 2 correct unused bits, bits 3-4 frames in a batch minus one, bit 5
prefault, bit 6 YBR_FULL / MONOCHROME1). Seeds carry each test frame's own
geometry, so the mutations start from real frames.
"""

from __future__ import annotations

import functools
import struct
import warnings
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

__all__ = [
    "FRAME_HEADER", "Frame", "frame_header", "read_frame_input", "files", "file_bytes", "encapsulated", "spec_of",
    "lightest_per_syntax",
]

FRAME_HEADER = struct.Struct("<HHBBBB")


class Frame(NamedTuple):
    rows: int
    columns: int
    samples: int
    bits_allocated: int
    bits_stored: int
    flags: int
    data: bytes

    @property
    def decoded_nbytes(self) -> int:
        return self.rows * self.columns * self.samples * max(1, (self.bits_allocated + 7) // 8)


def frame_header(rows: int, columns: int, samples: int, bits_allocated: int, bits_stored: int, flags: int) -> bytes:
    return FRAME_HEADER.pack(rows & 0xFFFF, columns & 0xFFFF, samples & 0xFF, bits_allocated & 0xFF, bits_stored & 0xFF, flags & 0xFF)


def read_frame_input(data: bytes) -> Frame | None:
    """The header and frame of a frame target's input (None when shorter than the header)."""
    if len(data) < FRAME_HEADER.size:
        return None
    return Frame(*FRAME_HEADER.unpack_from(data), data[FRAME_HEADER.size :])


def spec_of(frame: Frame, uid: str):
    """The PixelSpec the header describes (raises what PixelSpec raises for bad values)."""
    from dcmcore import PixelSpec

    ybr = bool(frame.flags & 64)
    if frame.samples == 1:
        photometric = "MONOCHROME1" if ybr else "MONOCHROME2"
    else:
        photometric = "YBR_FULL" if ybr else "RGB"
    return PixelSpec(
        rows=frame.rows,
        columns=frame.columns,
        samples_per_pixel=frame.samples,
        bits_allocated=frame.bits_allocated,
        bits_stored=frame.bits_stored,
        pixel_representation=frame.flags & 1,
        photometric_interpretation=photometric,
        planar_configuration=(frame.flags >> 1) & 1 if frame.samples > 1 else 0,
        transfer_syntax_uid=uid,
    )


@functools.cache
def files(max_bytes: int = 1 << 20) -> tuple[Path, ...]:
    """The test files (pydicom's and pydicom-data's) of at most `max_bytes`, in a fixed order."""
    from dcmcore._testdata import testdata_files

    return tuple(p for p in testdata_files() if p.stat().st_size <= max_bytes)


def file_bytes(max_bytes: int) -> list[bytes]:
    return [p.read_bytes() for p in files(max_bytes)]


def encapsulated(uids: set[str], *, max_frame: int = 1 << 18, max_decoded: int = 1 << 22) -> Iterator[tuple[str, bytes, bytes]]:
    """``(uid, frame header, frame)`` for the frames of the test files with a transfer syntax in `uids`."""
    import pydicom
    from pydicom.encaps import generate_frames

    warnings.simplefilter("ignore")
    for path in files(8 << 20):
        try:
            ds = pydicom.dcmread(path)
            uid = str(ds.file_meta.TransferSyntaxUID)
            if uid not in uids or "PixelData" not in ds:
                continue
            nframes = int(getattr(ds, "NumberOfFrames", 1) or 1)
            frames = list(generate_frames(ds.PixelData, number_of_frames=nframes))
            flags = int(ds.PixelRepresentation) | (int(getattr(ds, "PlanarConfiguration", 0) or 0) << 1)
            flags |= 64 if str(ds.PhotometricInterpretation).startswith(("YBR", "MONOCHROME1")) else 0
            head = frame_header(ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.BitsAllocated, ds.BitsStored, flags)
        except Exception:  # noqa: BLE001 - a file that cannot be read is no seed
            continue
        if Frame(*FRAME_HEADER.unpack(head), b"").decoded_nbytes > max_decoded:
            continue
        for frame in frames[:2]:
            if len(frame) <= max_frame:
                yield uid, head, bytes(frame)


def lightest_per_syntax(items: Iterable[tuple[str, int, bytes]], limit: int) -> list[bytes]:
    """Of ``(syntax, cost, seed)`` items, those costing at most `limit`, and for each syntax none of whose
    seeds does, its cheapest (in the items' order): every syntax keeps a seed."""
    items = list(items)
    keep = [cost <= limit for _, cost, _ in items]
    for uid in {uid for uid, _, _ in items}:
        of_uid = [k for k, item in enumerate(items) if item[0] == uid]
        if not any(keep[k] for k in of_uid):
            keep[min(of_uid, key=lambda k: items[k][1])] = True
    return [item[2] for item, kept in zip(items, keep) if kept]


#: The codec plugin targets (``plugin_gdcm``, ``plugin_imagecodecs``): the longest input they
#: take, the largest decoded frame they try (larger geometries are item 2 of issue 13,
#: allocation bounds: skipped), and the longest frame taken as a seed (with the shortest of a
#: syntax that has none so short). A JPEG 2000 test frame of 30 to 110 KiB costs GDCM or imagecodecs
#: 30 to 80 ms an input, the other frames above 16 KiB 3 to 12 ms, one of at most 16 KiB about 1 ms
#: (docs/robustness.md, "What is fuzzed"): the mutations of the headers dcmcore reads reach the
#: decoders as well from the short frames, at 4 to 5 times the rate.
PLUGIN_MAX_LEN = 1 << 17
PLUGIN_MAX_DECODED = 1 << 22
PLUGIN_SEED_MAX_FRAME = 1 << 14


def plugin_seeds(uids: tuple[str, ...]) -> list[bytes]:
    """A codec plugin target's seeds: each test frame of a syntax in `uids` as frame header, syntax byte, frame."""
    found = encapsulated(set(uids), max_frame=PLUGIN_MAX_LEN, max_decoded=PLUGIN_MAX_DECODED)
    items = [(uid, len(frame), head + bytes([uids.index(uid)]) + frame) for uid, head, frame in found]
    return lightest_per_syntax(items, PLUGIN_SEED_MAX_FRAME)


def plugin_input(data: bytes, uids: tuple[str, ...]):
    """``(frame, uid, spec)`` of a codec plugin target's input, or None for one too short or too large.

    The input is the frame header, one byte choosing the transfer syntax of
    `uids`, then the frame (raises what PixelSpec raises for bad values).
    """
    frame = read_frame_input(data[: FRAME_HEADER.size] + data[FRAME_HEADER.size + 1 :])
    if frame is None or len(data) <= FRAME_HEADER.size or frame.decoded_nbytes > PLUGIN_MAX_DECODED:
        return None
    uid = uids[data[FRAME_HEADER.size] % len(uids)]
    return frame, uid, spec_of(frame, uid)
