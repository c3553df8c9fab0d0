"""The pixel data element of a file: its header, and the elements after it.

:func:`pixel_element_header` parses the header where pydicom's reader stopped.

The elements a file holds after its pixel data: :class:`Tail` refuses those that
would change what it means.

A file read from a path, a file object or bytes is read up to its pixel data
(:mod:`dcmcore._source`). PS3.5 7.1 requires elements in ascending tag order,
each at most once, so nothing after the pixel data should describe it; a
malformed file may still repeat an Image Pixel element or the pixel data
there, and pydicom, which reads the whole file and keeps the last value of a
repeated element, would then decode the same bytes differently. Such a file
is refused (:class:`~dcmcore.errors.ElementOrderError`).

Only the top-level element headers after the pixel data are read, and the
value of an element with a defined length is skipped, never read: the cost is
bounded by the bytes after the pixel data (one header for the usual trailing
padding, the item headers of a sequence such as the digital signatures, a run
of zero bytes at once; nothing when the pixel data ends the file).
Bytes that cannot be parsed as elements end the check quietly: the pixel data
is not affected by them, and whether pydicom can read them is pydicom's matter.
"""

from __future__ import annotations

import struct
from typing import BinaryIO, Callable

from pydicom.dataset import Dataset
from pydicom.uid import UID

from dcmcore.dataset_elements import tag_name
from dcmcore.errors import ElementOrderError, MissingElementError, TruncatedFileError
from dcmcore.spec import PIXEL_KEYWORDS, transfer_syntax_of

__all__ = ["LONG_VRS", "PIXEL_TAGS", "Tail", "find_out_of_order", "out_of_order_tag", "pixel_element_header"]

#: Explicit VRs with a 2-byte reserved field and a 4-byte length (PS3.5 7.1.2).
LONG_VRS = frozenset({b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"})
UNDEFINED = 0xFFFFFFFF
ITEM, ITEM_END, SEQUENCE_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_STRUCTS = {little: (struct.Struct(f"{e}HH"), struct.Struct(f"{e}H"), struct.Struct(f"{e}L")) for little, e in ((True, "<"), (False, ">"))}
#: The pixel data elements' keywords by tag.
PIXEL_TAGS = {tag: kw for kw, tag in PIXEL_KEYWORDS.items()}
_WINDOW = 1 << 16
_MAX_DEPTH = 64

#: read(position, n) -> up to n bytes of the file from `position`
Read = Callable[[int, int], bytes]


def pixel_element_header(
    fp: BinaryIO, ds: Dataset, name: str, tsyntax: UID | None = None, read_implicit: bool | None = None
) -> tuple[str, str | None, int]:
    """Parse the pixel data element header at the file position: (keyword, VR, length).

    `tsyntax`: the data set's transfer syntax, when the caller knows it already.
    `read_implicit`: whether pydicom reads the data set as implicit VR (it
    decides that from the data set's first element, whatever the transfer
    syntax says); the pixel data element is read the same way, but for VR bytes
    that are no letters in an explicit VR data set (that element alone is read
    as implicit VR).
    None: it is the first element, read as pydicom reads a first element.
    """
    if tsyntax is None:
        tsyntax = transfer_syntax_of(ds)
    little = tsyntax.is_little_endian if tsyntax.is_transfer_syntax else True
    implicit = tsyntax.is_implicit_VR if tsyntax.is_transfer_syntax else False
    end = "<" if little else ">"
    at = fp.tell()
    head = fp.read(8)
    group, elem = struct.unpack(f"{end}HH", head[:4])
    tag = group << 16 | elem
    if tag not in PIXEL_TAGS:
        raise MissingElementError(f"Expected a pixel data element, found ({group:04X},{elem:04X})")
    if read_implicit is not None:
        implicit = read_implicit
    if not implicit and not (65 <= head[4] <= 90 and 65 <= head[5] <= 90):
        implicit = True  # VR bytes that are no letters: pydicom reads the element as implicit VR
    elif read_implicit is None and implicit and head[4:6] in LONG_VRS and head[6:8] == b"\0\0":
        implicit = False  # said implicit, written explicit: as implicit, an odd length, which is invalid
    if implicit:
        (length,) = struct.unpack(f"{end}L", head[4:])
        vr = None
    else:
        vr_bytes = head[4:6]
        if vr_bytes in LONG_VRS:
            rest = fp.read(4)
            if len(rest) < 4:
                raise TruncatedFileError(
                    f"{name}: the file ends at byte {at + 8 + len(rest)}, inside the header of "
                    f"{tag_name(tag)} at byte {at}: it is truncated"
                )
            (length,) = struct.unpack(f"{end}L", rest)
        else:
            (length,) = struct.unpack(f"{end}H", head[6:])
        vr = vr_bytes.decode("ascii", "replace")
    return PIXEL_TAGS[tag], vr, length


def out_of_order_tag(tag: int) -> bool:
    """True for a tag that must not follow the pixel data: group 0028, or (7FE0,0001) to (7FE0,0010)."""
    return tag >> 16 == 0x0028 or 0x7FE00001 <= tag <= 0x7FE00010


class _Window:
    """Reads of a file region through a window that grows from 256 bytes to 64 KiB.

    One trailing element (padding) costs one small read; many small elements
    or a run of zero bytes cost no system call each.
    """

    def __init__(self, read: Read, stop: int) -> None:
        self._read, self.stop = read, stop
        self._at, self._buf, self._size = 0, b"", 256

    def get(self, pos: int, n: int) -> bytes:
        if not (self._at <= pos and pos + n <= self._at + len(self._buf)):
            self._at, self._buf = pos, bytes(self._read(pos, max(n, min(self._size, self.stop - pos))))
            self._size = min(2 * self._size, _WINDOW)
        return self._buf[pos - self._at : pos - self._at + n]

    def zeros_from(self, pos: int) -> int:
        """The number of zero bytes from `pos` (at least 1, up to the end of the window)."""
        chunk = self.get(pos, min(self._size, self.stop - pos))
        return len(chunk) - len(chunk.lstrip(b"\0"))


def find_out_of_order(
    read: Read, start: int, stop: int, *, little: bool, implicit: bool, in_encapsulated: bool = False
) -> tuple[int, int] | None:
    """``(tag, byte offset)`` of the first top-level element in ``[start, stop)`` that :func:`out_of_order_tag` refuses.

    Nested sequence items are skipped (their elements are not the data set's).
    `in_encapsulated`: `start` is the start of an encapsulated value of undefined
    length, whose items are skipped up to its sequence delimiter.
    None when there is none, or when the bytes stop parsing as elements.
    """
    window = _Window(read, stop)
    stack: list[tuple[str, bool, bool]] = [("seq", implicit, little)] if in_encapsulated else []  # ("seq" | "item",
    # implicit, little) of the open containers
    pos = start
    while pos + 8 <= stop:
        head = window.get(pos, 8)
        if head == b"\0" * 8 and not stack:  # zero padding (pydicom reads (0000,0000) elements): skip the run
            pos += max(8, window.zeros_from(pos) // 8 * 8)
            continue
        in_implicit, in_little = stack[-1][1:] if stack else (implicit, little)
        tags, short, long = _STRUCTS[in_little]
        group, elem = tags.unpack(head[:4])
        tag = group << 16 | elem
        if stack and stack[-1][0] == "seq":  # items and the sequence delimiter: always tag + 4-byte length
            (length,) = long.unpack(head[4:])
            pos += 8
            if tag == SEQUENCE_END:
                stack.pop()
            elif tag != ITEM:
                return None
            elif length == UNDEFINED:
                stack.append(("item", *stack[-1][1:]))
            else:
                pos += length
            continue
        if tag == ITEM_END and stack:
            stack.pop()
            pos += 8
            continue
        if not stack and out_of_order_tag(tag):
            return tag, pos
        vr = head[4:6]
        if in_implicit or not (65 <= vr[0] <= 90 and 65 <= vr[1] <= 90):  # pydicom reads these as implicit too
            (length,) = long.unpack(head[4:])
            pos += 8
        elif vr in LONG_VRS:
            if pos + 12 > stop:
                return None
            (length,) = long.unpack(window.get(pos + 8, 4))
            pos += 12
        else:
            (length,) = short.unpack(head[6:])
            pos += 8
        if length == UNDEFINED:  # a sequence, or encapsulated data (items too); UN is implicit little endian inside
            if len(stack) >= _MAX_DEPTH:
                return None
            stack.append(("seq", True, True) if vr == b"UN" and not in_implicit else ("seq", in_implicit, in_little))
        else:
            pos += length
    return None


class Tail:
    """What :mod:`dcmcore._source` knows to check a file's elements after its pixel data.

    Parameters
    ----------
    name : str
        The file's name, for messages.
    pixel_tag : int
        The pixel data element's tag.
    little, implicit : bool
        How the pixel data element was encoded.
    read : callable
        ``read(position, n)``: bytes of the file.
    """

    def __init__(self, name: str, pixel_tag: int, *, little: bool, implicit: bool, read: Read) -> None:
        self.name, self.pixel_tag, self.little, self.implicit, self.read = name, pixel_tag, little, implicit, read

    def check(self, end: int, size: int) -> None:
        """Refuse an out-of-order element between `end` (where the pixel data ends) and `size` (the file's end).

        Raises
        ------
        ElementOrderError
            Naming the element, its byte offset and where the pixel data ends.
        """
        if end < size:
            self._refuse(find_out_of_order(self.read, end, size, little=self.little, implicit=self.implicit), f"byte {end}")

    def check_from_value(self, start: int, size: int) -> None:
        """:meth:`check` for an encapsulated value of undefined length from `start`: its items are skipped first."""
        found = find_out_of_order(self.read, start, size, little=self.little, implicit=self.implicit, in_encapsulated=True)
        self._refuse(found, f"its value starts at byte {start}")

    def _refuse(self, found: tuple[int, int] | None, end: str) -> None:
        if found is None:
            return
        tag, at = found
        pixel = tag_name(self.pixel_tag)
        what = f"a second pixel data element, {tag_name(tag)}" if tag >> 16 == 0x7FE0 else tag_name(tag)
        raise ElementOrderError(
            f"{self.name}: {what} at byte {at} comes after the end of {pixel} ({end}): elements must be in "
            "ascending tag order, each at most once (PS3.5 7.1), and this one would change what the pixel data "
            "means (pydicom keeps the last value of a repeated element, dcmcore's file reader reads up to the "
            "pixel data): the file is malformed"
        )
