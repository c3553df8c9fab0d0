"""Element headers read from bytes in memory: the data set up to Pixel Data of a plain file, without pydicom's reader.

pydicom reads a data set one element at a time through a file object, with
hooks and checks at every step; for the few dozen elements in front of the
pixel data of most files that is most of the cost of opening one. This module
walks the element headers of bytes already in memory with :mod:`struct` and
makes the same :class:`~pydicom.dataelem.RawDataElement` objects pydicom
would (values stay raw: pydicom converts them when they are read).

It handles the plain case only, and says so by returning None for anything
else, so that the caller reads the file with pydicom and the errors are the
same as ever: no 'DICM' prefix, File Meta Information that is not explicit VR
little endian or has no Transfer Syntax UID, a deflated or private
transfer syntax, a command set (group 0000), a VR that is not the
Standard's, an implicit VR data set whose first element looks explicit,
elements not in ascending order (or one twice), an undefined length on
anything but a sequence, sequences and items whose delimiters or lengths do
not nest (see :func:`skip_undefined`), a length past the end of the bytes, or
no pixel data element within them.

The sequence walk (:func:`element_header`, :func:`skip_undefined`) is shared
with the header reading of :mod:`dcmcore.volume`.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from pydicom.datadict import dictionary_VR
from pydicom.dataelem import DataElement, RawDataElement, empty_value_for_VR
from pydicom.tag import BaseTag
from pydicom.uid import UID, PrivateTransferSyntaxes

from dcmcore._pixel_element import LONG_VRS  # VRs whose explicit header has a 4-byte length
from dcmcore.dataset_elements import KNOWN_VRS
from dcmcore.uids import DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian, ImplicitVRLittleEndian

__all__ = ["OutOfBytes", "Scanned", "element_header", "skip_undefined", "scan_file", "LONG_VRS", "UNDEFINED"]

UNDEFINED = 0xFFFFFFFF
ITEM, ITEM_END, SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_KNOWN = frozenset(vr.encode("ascii") for vr in KNOWN_VRS)
#: VR bytes -> (VR, whether its explicit header has a 4-byte length)
_VRS = {vr: (vr.decode("ascii"), vr in LONG_VRS) for vr in _KNOWN}
_PIXEL_TAGS = frozenset((0x7FE00008, 0x7FE00009, 0x7FE00010))
_OTHER_SYNTAXES = frozenset((DeflatedExplicitVRLittleEndian, *PrivateTransferSyntaxes))
_HEAD = struct.Struct("<HH2sH")  # group, element, VR, short length (explicit VR)
_HEAD_BE = struct.Struct(">HH2sH")
_IMPLICIT = struct.Struct("<HHL")  # group, element, length (implicit VR, and item headers)
_TAG, _TAG_BE = struct.Struct("<HH"), struct.Struct(">HH")
_LONG, _LONG_BE = struct.Struct("<L"), struct.Struct(">L")
_SHORT, _SHORT_BE = struct.Struct("<H"), struct.Struct(">H")
_TRANSFER_SYNTAX = 0x00020010
_MAX_DEPTH = 64  # nested sequences and items a scan follows (pydicom, recursing, is bounded by Python's stack)
_IN_SEQUENCE, _IN_ITEM = -1, -2  # what skip_undefined is inside (an item of defined length: its end offset)


class OutOfBytes(Exception):
    """The scan needs bytes past the end of the buffer."""


class Scanned(NamedTuple):
    """What :func:`scan_file` found: the raw elements, the encoding, and where the pixel data element is."""

    preamble: bytes
    meta: dict
    elements: dict
    syntax: UID
    implicit: bool
    little: bool
    #: offset of the pixel data element's header
    pixel_at: int
    #: (tag, VR or None when implicit, header offset, length) of the last element before the pixel data, or None
    last: tuple | None

    @property
    def undefined(self) -> list:
        """The tags of the sequences of undefined length (kept as raw bytes, without their delimiter)."""
        return [tag for tag, elem in self.elements.items() if elem.length == UNDEFINED]


def element_header(buf: bytes, pos: int, explicit: bool, little: bool = True) -> tuple[int, int, int, bytes]:
    """(tag, value offset, value length, VR) of the element (or item) header at `pos`; VR b'' when implicit or an item."""
    if pos + 8 > len(buf):
        raise OutOfBytes
    group, element = (_TAG if little else _TAG_BE).unpack_from(buf, pos)
    tag = (group << 16) | element
    if not explicit or group == 0xFFFE:
        return tag, pos + 8, (_LONG if little else _LONG_BE).unpack_from(buf, pos + 4)[0], b""
    vr = buf[pos + 4 : pos + 6]
    if vr in LONG_VRS:
        if pos + 12 > len(buf):
            raise OutOfBytes
        return tag, pos + 12, (_LONG if little else _LONG_BE).unpack_from(buf, pos + 8)[0], vr
    return tag, pos + 8, (_SHORT if little else _SHORT_BE).unpack_from(buf, pos + 6)[0], vr


def skip_undefined(buf: bytes, pos: int, explicit: bool, little: bool = True) -> int:
    """The offset after the Sequence Delimitation Item of the sequence of undefined length whose value starts at `pos`.

    The nesting is followed as pydicom's reader follows well-formed data: a
    sequence holds items up to its (FFFE,E0DD) delimiter; an item of
    undefined length holds elements up to its (FFFE,E00D) delimiter, one of
    defined length elements that end exactly at its end; an element of
    undefined length inside an item is a sequence. Anything else (a
    delimiter of the other kind, an item tag among elements, an element
    across the end of its item, an undefined length on anything but a
    sequence, a VR that is not the Standard's, nesting deeper than 64) is a
    ValueError: pydicom's reader reads such data as it can, and says what is
    wrong. Raises :class:`OutOfBytes` when the bytes end first.
    """
    size = len(buf)
    # what is open, innermost last: _IN_SEQUENCE, _IN_ITEM (undefined length) or the end offset of an item of defined length
    levels = [_IN_SEQUENCE]
    while True:
        inside = levels[-1]
        if inside >= 0 and pos >= inside:
            if pos > inside:
                raise ValueError("an element across the end of its sequence item")
            levels.pop()  # the end of an item of defined length
            continue
        tag, start, length, vr = element_header(buf, pos, explicit, little)
        if inside == _IN_SEQUENCE:
            if tag == SEQUENCE_END:
                levels.pop()
                if not levels:
                    return start
                pos = start
                continue
            if tag != ITEM:
                raise ValueError("something other than an item in a sequence")
            if length == UNDEFINED:
                levels.append(_IN_ITEM)
            elif start + length > size:
                raise OutOfBytes
            else:
                levels.append(start + length)
            pos = start
        elif tag == ITEM_END and inside == _IN_ITEM:
            levels.pop()
            pos = start
            continue
        elif tag >> 16 == 0xFFFE or (vr and vr not in _KNOWN):
            raise ValueError("an item tag, a misplaced delimiter or a VR that is not the Standard's in a sequence item")
        elif length == UNDEFINED:
            if not (vr == b"SQ" if explicit else _implicit_sequence(buf, tag, start)):
                raise ValueError("an element of undefined length that is not a sequence, in a sequence item")
            levels.append(_IN_SEQUENCE)
            pos = start
        else:
            pos = start + length
            if pos > size:
                raise OutOfBytes
            continue
        if len(levels) > _MAX_DEPTH:
            raise ValueError("sequences nested deeper than the scan follows")


def _implicit_sequence(buf: bytes, tag: int, start: int) -> bool:
    """Whether the implicit VR element of undefined length whose value starts at `start` is a sequence, as pydicom decides."""
    try:
        return dictionary_VR(tag) == "SQ"
    except KeyError:  # a private element: a sequence when it holds items
        return buf[start : start + 4] == b"\xfe\xff\x00\xe0"


def _meta(buf: bytes) -> tuple[dict, int, UID] | None:
    """The File Meta Information's raw elements, where the data set starts, and the transfer syntax."""
    meta: dict = {}
    pos, size, syntax = 132, len(buf), None
    while pos + 8 <= size and buf[pos : pos + 2] == b"\x02\x00":
        group, element, vr, length = _HEAD.unpack_from(buf, pos)
        if vr not in _KNOWN:
            return None  # implicit VR File Meta Information, or garbage: pydicom's reading decides
        if vr in LONG_VRS:
            if pos + 12 > size:
                return None
            length, start = _LONG.unpack_from(buf, pos + 8)[0], pos + 12
        else:
            start = pos + 8
        end = start + length
        if length == UNDEFINED or end > size:
            return None
        tag = BaseTag((group << 16) | element)
        value = buf[start:end]
        if tag == _TRANSFER_SYNTAX:
            text = value.rstrip(b"\x00 ")
            if vr != b"UI" or not text or not text.isascii() or b"\\" in text:
                return None  # pydicom converts a Transfer Syntax UID of another VR by that VR, or of 2 values to a list
            syntax = UID(text.decode("ascii"))
            # converted as pydicom's read_partial converts it (it reads the transfer syntax at once)
            meta[tag] = DataElement(tag, vr.decode("ascii"), syntax, start, already_converted=True)
        else:
            meta[tag] = RawDataElement(tag, vr.decode("ascii"), length, value, start, False, True)
        pos = end
    if syntax is None or syntax in _OTHER_SYNTAXES:
        return None
    return meta, pos, syntax


def scan_file(buf: bytes) -> Scanned | None:
    """The elements of the file whose first bytes are `buf`, up to its pixel data element, or None (see the module)."""
    if len(buf) < 140 or buf[128:132] != b"DICM":
        return None
    found = _meta(buf)
    if found is None:
        return None
    meta, pos, syntax = found
    implicit = syntax == ImplicitVRLittleEndian
    little = syntax != ExplicitVRBigEndian
    try:
        if implicit:
            if pos + 6 > len(buf) or (0x40 < buf[pos + 4] < 0x5B and 0x40 < buf[pos + 5] < 0x5B):
                return None  # two capital letters where a VR would be: pydicom reads it as explicit VR (and warns)
            elements, pixel_at, last = _implicit(buf, pos)
        else:
            elements, pixel_at, last = _explicit(buf, pos, little)
    except (OutOfBytes, ValueError, struct.error):
        return None
    if pixel_at < 0:
        return None
    return Scanned(buf[:128], meta, elements, syntax, implicit, little, pixel_at, last)


def _explicit(buf: bytes, pos: int, little: bool) -> tuple[dict, int, tuple | None]:
    elements: dict = {}
    size = len(buf)
    unpack_head, unpack_long = (_HEAD.unpack_from, _LONG.unpack_from) if little else (_HEAD_BE.unpack_from, _LONG_BE.unpack_from)
    vrs, raw, base_tag = _VRS, RawDataElement, BaseTag
    previous = last_tag = -1  # the header offset and the tag of the last element read
    while pos + 12 <= size:
        group, element, vr, length = unpack_head(buf, pos)
        info = vrs.get(vr)
        if info is None:
            return elements, -1, None  # not one of the Standard's VRs: pydicom's reading says what it is
        if group == 0x7FE0 and element in (0x0008, 0x0009, 0x0010):
            return elements, pos, _last(elements, buf, previous)
        if group <= 0x0002 or group == 0xFFFE:
            return elements, -1, None  # a command set, File Meta elements in the data set, an item
        tag = (group << 16) | element
        if tag <= last_tag:
            return elements, -1, None  # not in ascending order (PS3.5 7.1), or twice: pydicom reads each as it comes
        last_tag = tag
        text, long = info
        if long:
            length, start = unpack_long(buf, pos + 8)[0], pos + 12
        else:
            start = pos + 8
        if length == UNDEFINED:
            if vr != b"SQ":
                return elements, -1, None  # UN of undefined length (pydicom reads it as a sequence)
            end = skip_undefined(buf, start, True, little)
            value = buf[start : end - 8]  # the items, without the sequence delimiter
        else:
            end = start + length
            if end > size:
                raise OutOfBytes
            value = buf[start:end] if length else empty_value_for_VR(text, raw=True)  # as pydicom's reader
        key = base_tag(tag)
        elements[key] = raw(key, text, length, value, start, False, little)
        previous, pos = pos, end
    raise OutOfBytes


def _last(elements: dict, buf: bytes, at: int) -> tuple | None:
    """(tag, VR or None, header offset, length) of the element whose header is at `at` (-1: none)."""
    if at < 0:
        return None
    elem = next(reversed(elements.values()))  # the element read last
    tag = int(elem.tag)
    return tag, None if elem.is_implicit_VR else elem.VR, at, elem.length


def _implicit(buf: bytes, pos: int) -> tuple[dict, int, tuple | None]:
    elements: dict = {}
    size = len(buf)
    unpack = _IMPLICIT.unpack_from
    previous = last_tag = -1
    while pos + 12 <= size:
        group, element, length = unpack(buf, pos)
        tag = (group << 16) | element
        if tag in _PIXEL_TAGS:
            return elements, pos, _last(elements, buf, previous)
        if group <= 0x0002 or group == 0xFFFE or tag <= last_tag:
            return elements, -1, None  # (last: elements not in ascending order, or one twice)
        last_tag = tag
        start = pos + 8
        vr = None
        if length == UNDEFINED:
            if not _implicit_sequence(buf, tag, start):
                return elements, -1, None
            vr = "SQ"
            end = skip_undefined(buf, start, False)
            value = buf[start : end - 8]
        else:
            end = start + length
            if end > size:
                raise OutOfBytes
            value = buf[start:end] if length else empty_value_for_VR(None, raw=True)
        key = BaseTag(tag)
        elements[key] = RawDataElement(key, vr, length, value, start, True, True)
        previous, pos = pos, end
    raise OutOfBytes
