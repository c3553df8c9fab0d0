"""Reading only what a volume needs from a DICOM file: the spatial and pixel elements, and where the pixels are.

A pydicom header read parses every element of the file; a series of CT
slices spends most of its time there. :func:`read_header` scans the element
headers of the file's first bytes with :mod:`struct` (skipping values and
nested sequences), keeps the bytes of the elements a volume uses (the
spatial, pixel description and pixel transform elements), and records the
offset and length of the pixel data, which :func:`read_pixel_bytes` reads
later in one call. The values a series compares are parsed from those bytes
(:meth:`Header.value`); a pydicom data set of the kept elements is made only
when asked for. Given the header of another file of the series, the scan
follows that file's layout and parses only the elements whose bytes differ.
Anything unusual (no preamble, deflated or big endian data, encapsulated
pixel data, sequences of undefined length, a scan error) falls back to
pydicom's own reading.
"""

from __future__ import annotations

import io
import os
import struct
from dataclasses import dataclass
from typing import NamedTuple

import pydicom
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.multival import MultiValue
from pydicom.tag import Tag
from pydicom.uid import UID, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from dcmcore._scan import LONG_VRS as _LONG_VRS
from dcmcore._scan import UNDEFINED as _UNDEFINED
from dcmcore._scan import OutOfBytes as _OutOfBytes
from dcmcore._scan import element_header as _element
from dcmcore._scan import skip_undefined as _skip_undefined

__all__ = ["Header", "dataset_header", "read_header", "read_pixel_bytes", "read_pixel_data", "VALUE_TAGS"]

_FIRST_READ = 16384
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


def _text(value: bytes) -> str | None:
    text = value.rstrip(b"\x00 ").decode("ascii", "replace").strip()
    return text or None


def _numbers(value: bytes) -> tuple[float, ...] | None:
    value = value.rstrip(b"\x00 ")
    return tuple(float(v) for v in value.split(b"\\")) if value else None


def _ushort(value: bytes) -> int | None:
    return struct.unpack_from("<H", value)[0] if len(value) >= 2 else None


#: The values a series reads from every file, parsed straight from their bytes: keyword -> (tag, parser).
VALUE_TAGS = {
    "SeriesInstanceUID": (0x0020000E, _text),
    "FrameOfReferenceUID": (0x00200052, _text),
    "ImagePositionPatient": (0x00200032, _numbers),
    "ImageOrientationPatient": (0x00200037, _numbers),
    "PixelSpacing": (0x00280030, _numbers),
    "SpacingBetweenSlices": (0x00180088, _numbers),
    "Rows": (0x00280010, _ushort),
    "Columns": (0x00280011, _ushort),
}
_MULTIFRAME_TAGS = (0x52009229, 0x52009230)


def _from_dataset(ds: Dataset, keyword: str):
    """A data set's value of `keyword` in the types the parsers give (tuples of floats, str, int)."""
    value = ds.get(keyword)
    if value is None or value == "":
        return None
    parser = VALUE_TAGS[keyword][1]
    if parser is _numbers:
        return tuple(float(v) for v in (value if isinstance(value, (list, tuple, MultiValue)) else [value]))
    return int(value) if parser is _ushort else str(value)


@dataclass
class Header:
    """The needed elements of one image, and where its pixel data lies (length None: it is in the data set).

    From a file, the elements are kept as raw bytes (`raw`): the values a
    series compares are parsed from them directly (:meth:`value`), and a
    pydicom data set is made only when asked for (:attr:`dataset`).
    """

    given: Dataset | None
    path: str
    pixel_tag: int = 0
    pixel_vr: str = "OW"
    offset: int = 0
    length: int | None = None
    #: bytes that are equal for two files whose pixel description and transforms are equal (None: unknown)
    transform_key: bytes | None = None
    #: tag -> (VR bytes, or b"" when implicit; value bytes); the transfer syntax and whether VRs are explicit
    raw: dict | None = None
    syntax: str = ""
    explicit: bool = True
    #: where this file's elements lie, to guide the scan of the next files of its series
    layout: _Layout | None = None

    @property
    def dataset(self) -> Dataset:
        """The elements as a pydicom data set (made from the raw bytes once)."""
        if self.given is None:
            self.given = _raw_dataset(self.raw or {}, self.explicit, self.syntax)
        return self.given

    def value(self, keyword: str):
        """The value of a :data:`VALUE_TAGS` keyword (None when absent)."""
        if self.raw is None:
            return _from_dataset(self.dataset, keyword)
        tag, parser = VALUE_TAGS[keyword]
        item = self.raw.get(tag)
        return None if item is None else parser(item[1])

    @property
    def is_multiframe(self) -> bool:
        """Whether the image has functional groups (an enhanced multi-frame image)."""
        if self.raw is None:
            return any(t in self.dataset for t in _MULTIFRAME_TAGS)
        return any(t in self.raw for t in _MULTIFRAME_TAGS)


_HEAD = struct.Struct("<HH2sH")  # group, element, VR, short length (explicit VR)
_LONG = struct.Struct("<L")


class _Layout(NamedTuple):
    """Where one file's elements start (the pixel data element's last), its bytes up to there, and for each
    element kept its (tag, header size, VR, undefined length), None for the others."""

    ref: bytes
    starts: list[int]
    kept: list[tuple | None]
    syntax: str


def _scan(buf: bytes, pos: int, explicit: bool) -> tuple[list[tuple], tuple[int, int, int, bytes]]:
    """The byte ranges of the elements to keep, and the pixel data element's header."""
    if not explicit:
        return _scan_implicit(buf, pos)
    keep: list[tuple] = []
    size = len(buf)
    unpack_head, unpack_long, long_vrs, keep_tags, keep_groups = _HEAD.unpack_from, _LONG.unpack_from, _LONG_VRS, _KEEP, _KEEP_GROUPS
    while True:  # one unpack per element, the tag made only when needed
        if pos + 12 > size:
            raise _OutOfBytes
        group, element, vr, length = unpack_head(buf, pos)
        if vr in long_vrs:
            length, start = unpack_long(buf, pos + 8)[0], pos + 12
        elif group == 0xFFFE:
            raise ValueError("an item tag among the data set's elements")  # malformed: pydicom reads the file
        else:
            start = pos + 8
        if group == 0x7FE0 and (group << 16 | element) in _PIXEL_TAGS:
            return keep, ((group << 16) | element, start, length, vr)
        if length == _UNDEFINED:
            end = _skip_undefined(buf, start, True)
        else:
            end = start + length
            if end > size:
                raise _OutOfBytes
        if group in keep_groups or (group << 16 | element) in keep_tags:
            keep.append((pos, end, group << 16 | element, start, vr, length == _UNDEFINED))
        pos = end


def _layout(buf: bytes, first: int, keep: list[tuple], pixel: int, explicit: bool, syntax: str) -> _Layout:
    """The layout of a file scanned from `first` (the data set's first element) to `pixel` (its pixel data element)."""
    starts, pos = [], first
    while pos < pixel:
        starts.append(pos)
        tag, start, length, _ = _element(buf, pos, explicit)
        pos = _skip_undefined(buf, start, explicit) if length == _UNDEFINED else start + length
    kept_at = {k[0]: (k[2], k[3] - k[0], k[4], k[5]) for k in keep}
    return _Layout(bytes(buf[:pixel]), starts + [pixel], [kept_at.get(a) for a in starts], syntax)


def _prefix(buf: bytes, ref: bytes, at: int, delta: int, stop: int) -> bool:
    """Whether `buf` from ``at + delta`` holds the bytes `ref` holds from `at` to `stop`."""
    return buf[at + delta : stop + delta] == ref[at:stop]


def _scan_like(buf: bytes, pos: int, explicit: bool, layout: _Layout) -> tuple[list[tuple], tuple[int, int, int, bytes]]:
    """:func:`_scan` guided by the layout of another file of the series.

    Runs of elements whose bytes equal the other file's (found by bisection
    on byte comparisons) have its boundaries, shifted; only the elements that
    differ are parsed. Another element where the other file had one: a plain
    scan from there.
    """
    ref, starts, kept = layout.ref, layout.starts, layout.kept
    n = len(starts) - 1
    keep: list[tuple] = []
    i, delta = 0, pos - starts[0]
    while True:
        at = starts[i]
        if _prefix(buf, ref, at, delta, starts[n]):
            j = n
        else:
            lo, hi = i, n - 1  # the bytes match up to starts[lo]
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if _prefix(buf, ref, at, delta, starts[mid]):
                    lo = mid
                else:
                    hi = mid - 1
            j = lo
        for m in range(i, j):
            info = kept[m]
            if info is not None:
                a = starts[m] + delta
                keep.append((a, starts[m + 1] + delta, info[0], a + info[1], info[2], info[3]))
        here = starts[j] + delta
        tag, start, length, vr = _element(buf, here, explicit)
        if j == n or tag != _element(ref, starts[j], explicit)[0]:
            rest, pixel = _scan(buf, here, explicit)
            return keep + rest, pixel
        end = _skip_undefined(buf, start, explicit) if length == _UNDEFINED else start + length
        if end > len(buf):
            raise _OutOfBytes
        if kept[j] is not None:
            keep.append((here, end, tag, start, vr, length == _UNDEFINED))
        delta, i = end - starts[j + 1], j + 1


def _scan_implicit(buf: bytes, pos: int) -> tuple[list[tuple], tuple[int, int, int, bytes]]:
    keep: list[tuple] = []
    size = len(buf)
    while True:
        if pos + 12 > size:
            raise _OutOfBytes
        tag, start, length, vr = _element(buf, pos, False)
        if tag in _PIXEL_TAGS:
            return keep, (tag, start, length, vr)
        end = _skip_undefined(buf, start, False) if length == _UNDEFINED else start + length
        if end > size:
            raise _OutOfBytes
        if tag in _KEEP or (tag >> 16) in _KEEP_GROUPS:
            keep.append((pos, end, tag, start, vr, length == _UNDEFINED))
        pos = end


def _fallback(path: str) -> Header:
    return Header(pydicom.dcmread(path, defer_size=4096), path)


def dataset_header(ds: Dataset) -> Header:
    """The header of a data set given in memory (its pixel data in it)."""
    return Header(ds, "")


def read_header(path, like: Header | None = None) -> Header:
    """The elements of the file at `path` that a volume needs, and where its pixel data is.

    `like`: the header of another file of the series, whose element layout
    guides this file's scan (files of a series mostly differ in a few values).
    """
    path = os.fspath(path)
    size = os.path.getsize(path)
    chunk = _FIRST_READ
    with open(path, "rb") as fp:
        buf = fp.read(chunk)
        while True:
            try:
                return _parse(buf, path, None if like is None else like.layout)
            except _OutOfBytes:
                if len(buf) >= size:
                    return _fallback(path)
                chunk *= 4
                fp.seek(0)
                buf = fp.read(chunk)
            except (ValueError, struct.error, KeyError):
                return _fallback(path)


def _parse(buf: bytes, path: str, layout: _Layout | None = None) -> Header:
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
    if layout is not None and layout.syntax == syntax:
        keep, (tag, start, length, vr) = _scan_like(buf, pos, explicit, layout)
        new_layout = layout
    else:
        keep, (tag, start, length, vr) = _scan(buf, pos, explicit)
        new_layout = None
    if length == _UNDEFINED:  # encapsulated pixel data: pydicom reads it
        return _fallback(path)
    if new_layout is None:
        new_layout = _layout(buf, pos, keep, start - (12 if explicit and vr in _LONG_VRS else 8), explicit, syntax)
    if True in [k[5] for k in keep]:
        given, raw = _read_selected(buf, pos, keep), None  # sequences of undefined length: pydicom reads them
    else:
        given, raw = None, {t: (v, buf[start:last]) for _, last, t, start, v, _ in keep}
    key = b"".join([buf[a:b] for a, b, t, *_ in keep if not _spatial(t)])
    if vr:
        pixel_vr = vr.decode("ascii")
    else:
        bits = _ushort(raw[0x00280100][1]) if raw and 0x00280100 in raw else int(given.get("BitsAllocated", 16)) if given else 16
        pixel_vr = "OB" if (bits or 16) <= 8 else "OW"
    return Header(
        given, path, tag, pixel_vr, start, length, syntax.encode() + (b"E" if explicit else b"I") + key, raw, syntax, explicit,
        new_layout,
    )


def _read_selected(buf: bytes, meta_end: int, keep: list[tuple]) -> Dataset:
    """The kept elements read by pydicom (the file meta, then only those elements)."""
    selected = io.BytesIO()
    selected.write(buf[:meta_end])
    for first, last, *_ in keep:
        selected.write(buf[first:last])
    selected.seek(0)
    return pydicom.dcmread(selected)


def _raw_dataset(raw: dict, explicit: bool, syntax: str) -> Dataset:
    """A data set of the kept elements, as raw elements that pydicom converts when they are read."""
    ds = Dataset()
    for tag, (vr, value) in raw.items():
        ds[tag] = RawDataElement(Tag(tag), vr.decode("ascii") if vr else None, len(value), value, 0, not explicit, True, True, False)
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
    ds.add_new(header.pixel_tag, header.pixel_vr, read_pixel_bytes(header))
    return ds


def read_pixel_bytes(header: Header, into=None, count: int | None = None):
    """The value of the header's pixel data element (its first `count` bytes), read from its file (into `into`)."""
    length = (header.length or 0) if count is None else count
    with open(header.path, "rb", buffering=0) as fp:
        fp.seek(header.offset)
        if into is None:
            data = fp.read(length)
            got = len(data)
        else:
            data = into
            view = memoryview(into).cast("B")[:length]
            got = 0
            while got < length:
                n = fp.readinto(view[got:])
                if not n:
                    break
                got += n
    if got != length:
        raise ValueError(f"{header.path}: the pixel data is {length} bytes long but the file ends after {got}")
    return data
