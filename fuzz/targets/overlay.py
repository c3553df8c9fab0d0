"""Overlays (PS3.3 C.9.2, C.9.3): ``overlay_array``, ``list_overlays``, ``burn_in`` and, for
overlays in the unused bits of Pixel Data, ``split_embedded_overlays``.

Input: a 24-byte header giving the overlay's elements (Overlay Rows, Columns,
Number of Frames in Overlay, Origin, Bits Allocated, Bit Position, Image Frame
Origin, group) and the image's (Rows, Columns, Number of Frames, Bits Allocated,
Bits Stored), flags (bit 0 Overlay Data VR OW, bit 1 overlay embedded in Pixel
Data, bit 2 big endian, bit 3 an index is given, bit 4 burn in), an index; then
the bytes of Overlay Data (or of Pixel Data when embedded). Seeds: the overlays
of the test files with overlays, and embedded ones made from their images.
"""

from __future__ import annotations

import struct
import warnings

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian

from dcmcore import overlays
from fuzz.seeds import files

_HEAD = struct.Struct("<HHHhhBBHBBHHBBBB")
FOCUS = _HEAD.size
MAX_LEN = 1 << 18
MAX_PIXELS = 1 << 22  # larger declared sizes are item 2 of issue 13 (allocation bounds): skipped here


def seeds() -> list[bytes]:
    warnings.simplefilter("ignore")
    out = []
    for path in files(1 << 21):
        if path.name not in ("MR-SIEMENS-DICOM-WithOverlays.dcm", "examples_overlay.dcm"):
            continue
        ds = pydicom.dcmread(path)
        for group in range(0x6000, 0x6020, 2):
            if (group, 0x3000) not in ds:
                continue
            g = lambda e, d=0: ds.get((group, e)).value if (group, e) in ds else d  # noqa: E731
            origin = g(0x0050, [1, 1])
            head = _HEAD.pack(
                g(0x0010), g(0x0011), int(g(0x0015, 0) or 0), origin[0], origin[1], g(0x0100, 1), g(0x0102, 0),
                int(g(0x0051, 0) or 0), 1 if ds[group, 0x3000].VR == "OW" else 0, 0,
                ds.Rows, ds.Columns, int(getattr(ds, "NumberOfFrames", 1) or 1), ds.BitsAllocated, ds.BitsStored,
                (group - 0x6000) // 2,
            )  # fmt: skip
            out.append(head + bytes(ds[group, 0x3000].value))
    # embedded: 16-bit images of 12 bits with overlays in bits 12 to 15
    rng = np.random.default_rng(0)
    for rows, cols, frames, bit in ((8, 8, 1, 12), (5, 7, 2, 15), (16, 3, 3, 13)):
        pixels = rng.integers(0, 1 << 12, rows * cols * frames, dtype=np.uint16)
        pixels |= (rng.integers(0, 2, pixels.size, dtype=np.uint16) << bit).astype(np.uint16)
        head = _HEAD.pack(rows, cols, frames, 1, 1, 16, bit, 1, 2 | 1 | 8 | 16, frames - 1, rows, cols, frames, 16, 12, bit - 12)
        out.append(head + pixels.astype("<u2").tobytes())
    return out


def _dataset(data: bytes) -> tuple[Dataset, int, int | None, bool, tuple[int, int, int]]:
    (orows, ocols, oframes, orow, ocol, obits, obit, frame_origin, flags, index,
     rows, cols, frames, bits, stored, group) = _HEAD.unpack_from(data)  # fmt: skip
    payload = data[_HEAD.size :]
    big = bool(flags & 4)
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRBigEndian if big else ExplicitVRLittleEndian
    ds.Rows, ds.Columns, ds.BitsAllocated, ds.BitsStored = rows, cols, bits, stored
    ds.SamplesPerPixel, ds.PixelRepresentation, ds.PhotometricInterpretation = 1, 0, "MONOCHROME2"
    ds.HighBit = (stored - 1) & 0xFFFF
    if frames != 1:
        ds.NumberOfFrames = frames
    g = 0x6000 + 2 * (group & 15)
    ds.add_new((g, 0x0010), "US", orows)
    ds.add_new((g, 0x0011), "US", ocols)
    ds.add_new((g, 0x0040), "CS", "G")
    ds.add_new((g, 0x0050), "SS", [orow, ocol])
    ds.add_new((g, 0x0100), "US", obits)
    ds.add_new((g, 0x0102), "US", obit)
    if oframes:
        ds.add_new((g, 0x0015), "IS", str(oframes))
    if frame_origin:
        ds.add_new((g, 0x0051), "US", frame_origin)
    if flags & 2:
        ds.add_new(0x7FE00010, "OW" if bits > 8 else "OB", payload)
    else:
        ds.add_new((g, 0x3000), "OW" if flags & 1 else "OB", payload)
    return ds, g, (index if flags & 8 else None), bool(flags & 16), (rows, cols, max(frames, 1))


def run(data: bytes) -> None:
    if len(data) < _HEAD.size:
        return
    ds, group, index, burn, (rows, cols, frames) = _dataset(data)
    orows, ocols, oframes = _HEAD.unpack_from(data)[:3]
    if rows * cols * frames > MAX_PIXELS or orows * ocols * max(oframes, 1) > MAX_PIXELS:
        return
    infos = overlays.list_overlays(ds)
    assert all(info.group == group for info in infos), [info.group for info in infos]
    arr = overlays.overlay_array(ds, group, index=index)
    assert arr.dtype == np.uint8 and arr.shape[-2:] == (orows, ocols), (arr.shape, orows, ocols)
    assert not (arr > 1).any(), "an overlay pixel that is not 0 or 1"
    if "PixelData" in ds:  # split_embedded_overlays' index is an image frame, overlay_array's an overlay frame
        origin = int(ds.get((group, 0x0051)).value) if (group, 0x0051) in ds else 1
        _, found = overlays.split_embedded_overlays(ds, index=None if index is None else origin - 1 + index)
        assert group in found and np.array_equal(found[group], arr), "split_embedded_overlays differs from overlay_array"
    if burn:
        image = np.zeros((frames, rows, cols) if frames > 1 else (rows, cols), np.uint16)
        drawn = overlays.burn_in(image, ds, group, value=7)
        assert drawn.shape == image.shape and set(np.unique(drawn)) <= {0, 7}
