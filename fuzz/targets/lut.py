"""LUTs from elements: Palette Color (plain and segmented), Modality, VOI and Presentation LUTs,
and the segmented palette expansion (``SegmentedPaletteColorLUT``), applied to stored values.

Input: an 8-byte header (kind: 0 palette, 1 segmented palette, 2 Modality LUT
Sequence, 3 VOI LUT Sequence, 4 Presentation LUT Sequence, 5
SegmentedPaletteColorLUT; the three descriptor values; flags: bit 0 descriptor
VR SS, bit 1 big endian, bit 2 8-bit segment words for kind 5, bit 3 an alpha
table; Bits Stored and Pixel Representation of the image), then the LUT or
segment data. The image is every stored value of its Bits Stored (or a sample
across them) and values outside. Seeds: the LUTs of the test files that have them.
"""

from __future__ import annotations

import struct
import warnings

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian

from dcmcore import transforms
from dcmcore.transforms import SegmentedPaletteColorLUT
from fuzz.seeds import files

_HEAD = struct.Struct("<BHHBBBB")  # kind, entries, first mapped, bits, flags, bits stored, pixel representation
FOCUS = _HEAD.size + 16
MAX_LEN = 1 << 18
_FILES = {
    "gdcm-US-ALOKA-16.dcm": 1, "OBXXXX1A.dcm": 0, "OT-PAL-8-face.dcm": 0, "examples_palette.dcm": 0,
    "mlut_18.dcm": 2, "vlut_04.dcm": 3,
}  # fmt: skip
_SEQ = {2: "ModalityLUTSequence", 3: "VOILUTSequence", 4: "PresentationLUTSequence"}


def seeds() -> list[bytes]:
    warnings.simplefilter("ignore")
    out = []
    for path in files(8 << 20):
        kind = _FILES.get(path.name)
        if kind is None:
            continue
        ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)
        if "BitsStored" not in ds:
            continue
        stored, rep = int(ds.BitsStored), int(ds.PixelRepresentation)
        if kind in (0, 1):
            desc = ds[0x00281101].value
            data = bytes(ds[0x00281221 if kind else 0x00281201].value)
            items = [(kind, desc, data)]
            if kind == 1:
                items.append((5, desc, data))
        else:
            item = ds[_SEQ[kind]][0]
            items = [(kind, item.LUTDescriptor, bytes(item.LUTData) if isinstance(item.LUTData, bytes) else np.asarray(item.LUTData, "<u2").tobytes())]
            if kind == 3:
                items.append((4, item.LUTDescriptor, items[0][2]))
        for k, (n, first, bits), data in items:
            out.append(_HEAD.pack(k, n & 0xFFFF, first & 0xFFFF, bits, 0, stored, rep) + data)
    return out


def _image(stored: int, signed: bool) -> np.ndarray:
    stored = min(max(stored, 1), 16)
    lo, hi = (-(1 << (stored - 1)), (1 << (stored - 1)) - 1) if signed else (0, (1 << stored) - 1)
    values = np.unique(np.concatenate([np.linspace(lo, hi, 257).round(), [lo - 1, hi + 1, 0, -1, 65535]]))
    return values.astype(np.int32 if signed else np.int64).clip(-32768 if signed else 0, 32767 if signed else 65535).astype(np.int16 if signed else np.uint16)


def run(data: bytes) -> None:
    if len(data) < _HEAD.size:
        return
    kind, entries, first, bits, flags, stored, rep = _HEAD.unpack_from(data)
    payload = data[_HEAD.size :]
    kind %= 6
    if kind == 5:
        words = np.frombuffer(payload, np.uint8) if flags & 4 else np.frombuffer(payload[: len(payload) // 2 * 2], "<u2")
        lut = SegmentedPaletteColorLUT(first - 65536 if flags & 1 and first > 32767 else first, words, "red")
        table = lut.lut_data
        assert 0 < table.size <= 65536 and table.dtype == (np.uint8 if words.dtype == np.uint8 else np.uint16)
        return
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRBigEndian if flags & 2 else ExplicitVRLittleEndian
    ds.BitsAllocated, ds.BitsStored, ds.PixelRepresentation = 16, stored, rep & 1
    ds.SamplesPerPixel, ds.Rows, ds.Columns = 1, 1, 1
    vr = "SS" if flags & 1 else "US"
    desc = [entries if vr == "US" or entries < 32768 else entries - 65536, first if vr == "US" or first < 32768 else first - 65536, bits]
    image = _image(stored, bool(rep & 1))
    if kind in (0, 1):
        ds.PhotometricInterpretation = "PALETTE COLOR"
        for color in (1, 2, 3):
            ds.add_new(0x00281100 + color, vr, desc)
            ds.add_new((0x00281220 if kind else 0x00281200) + color, "OW", payload)
        if flags & 8:
            ds.add_new(0x00281104, vr, desc)
            ds.add_new(0x00281204, "OW", payload)
        out = transforms.apply_color_lut(image, ds)
        assert out.shape[:-1] == image.shape and out.shape[-1] in (3, 4)
        return
    ds.PhotometricInterpretation = "MONOCHROME2"
    item = Dataset()
    item.add_new(0x00283002, vr, desc)
    item.add_new(0x00283006, "OW", payload)
    setattr(ds, _SEQ[kind], [item])
    if kind == 2:
        out = transforms.apply_modality_lut(image, ds)
    elif kind == 3:
        out = transforms.apply_voi_lut(image, ds)
    else:
        out = transforms.apply_presentation_lut(image.astype(np.float64), ds)
    assert out.shape == image.shape, (out.shape, image.shape)
