"""Reading only what a volume needs from a DICOM file: the spatial and pixel elements, and where the pixels are.

A pydicom header read parses every element of the file; a series of CT
slices spends most of its time there. :func:`read_header` scans the element
headers of the file's first bytes with :mod:`struct` (skipping values and
nested sequences), lets pydicom parse only the elements a volume uses (the
spatial, pixel description and pixel transform elements), and records the
offset and length of the pixel data, which :func:`read_pixel_data` reads later
in one call. Anything unusual (no preamble, deflated or big endian data,
encapsulated pixel data, a scan error) falls back to pydicom's own reading.
"""

from __future__ import annotations

import io
import os
import struct
from dataclasses import dataclass

import pydicom
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.tag import Tag
from pydicom.uid import UID, ExplicitVRLittleEndian, ImplicitVRLittleEndian

__all__ = ["Header", "read_header", "read_pixel_data"]

_FIRST_READ = 16384
_LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"}
_UNDEFINED = 0xFFFFFFFF
_ITEM, _ITEM_END, _SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_PIXEL_TAGS = {0x7FE00008, 0x7FE00009, 0x7FE00010}
# elements outside the groups kept whole (0028, 2050, 5200) that a volume or its transforms read
_KEEP = {
    0x00080016, 0x00080018, 0x00080060, 0x00180050, 0x00180088, 0x0020000E, 0x00200032, 0x00200037,
    0x00200052, 0x00409096,
}  # fmt: skip
_KEEP_GROUPS = {0x0028, 0x2050, 0x5200}


def _spatial(tag: int) -> bool:
    """Elements that differ from slice to slice without changing the pixel transforms."""
    return (tag >> 16) in (0x0018, 0x0020) or tag == 0x00080018
_LITTLE_ENDIAN_SYNTAXES = {ImplicitVRLittleEndian, ExplicitVRLittleEndian}


@dataclass
class Header:
    """A data set of the needed elements, and where its pixel data lies (None: it is in `dataset`)."""

    dataset: Dataset
    path: str
    pixel_tag: int = 0
    pixel_vr: str = "OW"
    offset: int = 0
    length: int | None = None
    #: bytes that are equal for two files whose pixel description and transforms are equal (None: unknown)
    transform_key: bytes | None = None


class _OutOfBytes(Exception):
    pass


def _element(buf: bytes, pos: int, explicit: bool) -> tuple[int, int, int, bytes]:
    """(tag, value offset, value length, VR) of the element header at `pos`."""
    if pos + 8 > len(buf):
        raise _OutOfBytes
    group, element = struct.unpack_from("<HH", buf, pos)
    tag = (group << 16) | element
    if not explicit or group == 0xFFFE:
        return tag, pos + 8, struct.unpack_from("<L", buf, pos + 4)[0], b""
    vr = buf[pos + 4 : pos + 6]
    if vr in _LONG_VRS:
        if pos + 12 > len(buf):
            raise _OutOfBytes
        return tag, pos + 12, struct.unpack_from("<L", buf, pos + 8)[0], vr
    return tag, pos + 8, struct.unpack_from("<H", buf, pos + 6)[0], vr


def _skip_undefined(buf: bytes, pos: int, explicit: bool) -> int:
    """The offset after the sequence (or item) of undefined length whose value starts at `pos`."""
    while True:
        tag, start, length, _ = _element(buf, pos, explicit)
        if tag in (_SEQUENCE_END, _ITEM_END):
            return start
        if tag == _ITEM and length == _UNDEFINED:
            pos = _skip_undefined(buf, start, explicit)  # the item's elements, up to its delimiter
        elif length == _UNDEFINED:
            pos = _skip_undefined(buf, start, explicit)
        else:
            pos = start + length
        if pos > len(buf):
            raise _OutOfBytes


_HEAD = struct.Struct("<HH2sH")  # group, element, VR, short length (explicit VR)
_LONG = struct.Struct("<L")


def _scan(buf: bytes, pos: int, explicit: bool) -> tuple[list[tuple[int, int]], tuple[int, int, int, bytes]]:
    """The byte ranges of the elements to keep, and the pixel data element's header."""
    keep: list[tuple[int, int]] = []
    size = len(buf)
    unpack_head, unpack_long, long_vrs = _HEAD.unpack_from, _LONG.unpack_from, _LONG_VRS
    while True:
        if pos + 12 > size:
            raise _OutOfBytes
        if explicit:  # the common case inline: one unpack per element
            group, element, vr, length = unpack_head(buf, pos)
            if vr in long_vrs or group == 0xFFFE:
                tag, start, length, vr = _element(buf, pos, True)
            else:
                tag, start = (group << 16) | element, pos + 8
        else:
            tag, start, length, vr = _element(buf, pos, False)
        if tag in _PIXEL_TAGS:
            return keep, (tag, start, length, vr)
        end = _skip_undefined(buf, start, explicit) if length == _UNDEFINED else start + length
        if end > size:
            raise _OutOfBytes
        if tag in _KEEP or (tag >> 16) in _KEEP_GROUPS:
            keep.append((pos, end))
        pos = end


def _fallback(path: str) -> Header:
    return Header(pydicom.dcmread(path, defer_size=4096), path)


def read_header(path) -> Header:
    """The elements of the file at `path` that a volume needs, and where its pixel data is."""
    path = os.fspath(path)
    size = os.path.getsize(path)
    chunk = _FIRST_READ
    with open(path, "rb") as fp:
        buf = fp.read(chunk)
        while True:
            try:
                return _parse(buf, path)
            except _OutOfBytes:
                if len(buf) >= size:
                    return _fallback(path)
                chunk *= 4
                fp.seek(0)
                buf = fp.read(chunk)
            except (ValueError, struct.error, KeyError):
                return _fallback(path)


def _parse(buf: bytes, path: str) -> Header:
    if len(buf) < 132 or buf[128:132] != b"DICM":
        return _fallback(path)
    pos, syntax = 132, None
    while pos + 8 <= len(buf) and buf[pos : pos + 2] == b"\x02\x00":
        tag, start, length, _ = _element(buf, pos, True)
        if tag == 0x00020010:
            syntax = bytes(buf[start : start + length]).rstrip(b"\x00 ").decode("ascii")
        pos = start + length
    if syntax is None or (syntax not in _LITTLE_ENDIAN_SYNTAXES and not _encapsulated_ok(syntax)):
        return _fallback(path)
    explicit = syntax != ImplicitVRLittleEndian
    keep, (tag, start, length, vr) = _scan(buf, pos, explicit)
    if length == _UNDEFINED:  # encapsulated pixel data: pydicom reads it
        return _fallback(path)
    ds = _raw_dataset(buf, pos, keep, explicit, syntax)
    key = b"".join(bytes(buf[a:b]) for a, b in keep if not _spatial(_element(buf, a, explicit)[0]))
    pixel_vr = vr.decode("ascii") if vr else ("OB" if int(ds.get("BitsAllocated", 16)) <= 8 else "OW")
    return Header(ds, path, tag, pixel_vr, start, length, syntax.encode() + (b"E" if explicit else b"I") + key)


def _raw_dataset(buf: bytes, meta_end: int, keep: list[tuple[int, int]], explicit: bool, syntax: str) -> Dataset:
    """A data set of the kept elements, as raw elements that pydicom converts when they are read."""
    if any(_element(buf, first, explicit)[2] == _UNDEFINED for first, _ in keep):
        selected = io.BytesIO()  # sequences of undefined length: pydicom reads them
        selected.write(buf[:meta_end])
        for first, last in keep:
            selected.write(buf[first:last])
        selected.seek(0)
        return pydicom.dcmread(selected)
    ds = Dataset()
    for first, last in keep:
        tag, start, length, vr = _element(buf, first, explicit)
        ds[tag] = RawDataElement(
            Tag(tag), vr.decode("ascii") if vr else None, length, bytes(buf[start:last]), start, not explicit, True, True, False
        )
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = UID(syntax)
    ds.set_original_encoding(not explicit, True, None)
    return ds


def _encapsulated_ok(syntax: str) -> bool:
    """Explicit VR little endian syntaxes other than native ones: compressed pixel data (found undefined, then fallen back)."""
    return UID(syntax).is_little_endian and not UID(syntax).is_deflated


def read_pixel_data(header: Header) -> Dataset:
    """The header's data set with its pixel data element, read from the file in one call."""
    ds = header.dataset
    if header.length is None:
        return ds
    with open(header.path, "rb") as fp:
        fp.seek(header.offset)
        data = fp.read(header.length)
    if len(data) != header.length:
        raise ValueError(f"{header.path}: the pixel data is {header.length} bytes long but the file ends after {len(data)}")
    ds.add_new(header.pixel_tag, header.pixel_vr, data)
    return ds
