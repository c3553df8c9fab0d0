"""Encapsulated Pixel Data (PS3.5 A.4): fragments, offset tables and frame boundaries.

The index holds only the position and length of every fragment, so frames can
be read one at a time from a file without loading (or joining) the whole pixel
data. Every length read from the data is checked against the real size.
"""

from __future__ import annotations

import operator
import struct
import warnings
from dataclasses import dataclass
from typing import Callable, Sequence

from dcmcore.errors import CorruptPixelDataError, InvalidElementError, TruncatedFileError

__all__ = ["FragmentIndex", "frame_ranges", "parse_offset_table"]

_ITEM = 0xFFFEE000
_SEQ_DELIM = 0xFFFEE0DD
_EOI = b"\xff\xd9"
_HEADER = struct.Struct("<HHL")
_DELIMITER = _HEADER.pack(0xFFFE, 0xE0DD, 0)  # the Sequence Delimitation Item, whole

ReadAt = Callable[[int, int], bytes]


@dataclass(frozen=True)
class FragmentIndex:
    """Where the Basic Offset Table and the fragments of an encapsulated value lie.

    Attributes
    ----------
    basic_offsets : tuple of int
        The Basic Offset Table (empty when the first item has length 0).
    fragments : tuple of (int, int)
        ``(offset, length)`` of each fragment's data, relative to the start of
        the pixel data value.
    first_item : int
        Offset of the first fragment's item tag (offset tables count from there).
    """

    basic_offsets: tuple[int, ...]
    fragments: tuple[tuple[int, int], ...]
    first_item: int

    @classmethod
    def parse(cls, read_at: ReadAt, size: int) -> FragmentIndex:
        """Parse the item headers of a value of `size` bytes, read through ``read_at(offset, n)``."""
        pos = 0
        items: list[tuple[int, int]] = []
        while pos + 8 <= size:
            group, elem, length = _HEADER.unpack(read_at(pos, 8))
            tag = group << 16 | elem
            if tag == _SEQ_DELIM:
                break
            if tag != _ITEM:
                raise CorruptPixelDataError(
                    f"Encapsulated pixel data: expected an item tag (FFFE,E000) at byte {pos}, "
                    f"found ({group:04X},{elem:04X})"
                )
            if length == 0xFFFFFFFF:
                raise CorruptPixelDataError(
                    f"Encapsulated pixel data: the item at byte {pos} has an undefined length"
                )
            if pos + 8 + length > size:
                raise CorruptPixelDataError(
                    f"Encapsulated pixel data: the item at byte {pos} is {length} bytes long but "
                    f"only {size - pos - 8} bytes remain (the data is truncated)"
                )
            items.append((pos + 8, length))
            pos += 8 + length
        else:
            if pos != size and _DELIMITER[:4].startswith(bytes(read_at(pos, min(size - pos, 4)))):  # its tag, the
                # length (0, or any bytes: only the tag ends the value) cut off
                raise TruncatedFileError(
                    f"Encapsulated pixel data: it ends {size - pos} bytes into the 8 of its "
                    f"Sequence Delimitation Item (FFFE,E0DD) at byte {pos}: the data is truncated"
                )
            if pos != size:
                raise CorruptPixelDataError(
                    f"Encapsulated pixel data: {size - pos} stray bytes at its end (byte {pos})"
                )
        if not items:
            raise CorruptPixelDataError("Encapsulated pixel data holds no Basic Offset Table item")
        bot_offset, bot_length = items[0]
        return cls(
            basic_offsets=parse_offset_table(read_at(bot_offset, bot_length)) if bot_length else (),
            fragments=tuple(items[1:]),
            first_item=bot_offset + bot_length,
        )

    @classmethod
    def from_buffer(cls, buf: bytes | bytearray | memoryview) -> FragmentIndex:
        """Index an encapsulated value held in memory."""
        view = memoryview(buf).cast("B")
        return cls.parse(lambda off, n: view[off : off + n], len(view))


def parse_offset_table(data: bytes | memoryview) -> tuple[int, ...]:
    """The 32-bit little endian offsets of a Basic Offset Table item value."""
    if len(data) % 4:
        raise CorruptPixelDataError(
            f"The Basic Offset Table is {len(data)} bytes long, not a multiple of 4"
        )
    return struct.unpack(f"<{len(data) // 4}L", data)


def _as_offsets(value, size: int, name: str) -> list[int]:
    """The unsigned integers of an offset table element's value (an empty value gives [])."""
    if value is None:
        return []
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        if len(raw) % size:
            raise CorruptPixelDataError(f"{name} is {len(raw)} bytes long, not a multiple of {size}")
        return list(struct.unpack(f"<{len(raw) // size}Q", raw))
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise InvalidElementError(
            f"{name} holds {value!r}: it must be a binary value of {8 * size}-bit unsigned integers (VR OV)"
        )
    try:
        ints = [operator.index(v) for v in value]
    except TypeError:
        raise InvalidElementError(f"{name} holds {value!r}: its items must be integers") from None
    if any(v < 0 for v in ints):
        raise InvalidElementError(f"{name} holds a negative offset: {min(ints)}")
    return ints


def frame_ranges(
    index: FragmentIndex,
    nframes: int,
    *,
    extended_offsets: tuple[object, object] | None = None,
    tail: Callable[[int, int], bytes] | None = None,
) -> list[list[tuple[int, int]]]:
    """The byte ranges (``[(offset, length), ...]``) making up each frame.

    Frame boundaries come from, in order: the Extended Offset Table, the Basic
    Offset Table, one fragment per frame, all fragments for one frame, and
    finally JPEG/JPEG-LS/JPEG 2000 end-of-image markers (``FFD9`` among the
    last bytes of a fragment, as pydicom does).

    Parameters
    ----------
    index : FragmentIndex
    nframes : int
        (0028,0008) *Number of Frames*.
    extended_offsets : (offsets, lengths), optional
        (7FE0,0001) and (7FE0,0002) values (bytes of 64-bit integers or lists).
    tail : callable, optional
        ``tail(offset, n)`` returns the bytes at `offset`; needed only for the
        end-of-image marker search.

    Raises
    ------
    CorruptPixelDataError
        If the frames cannot be found consistently.
    """
    frags = index.fragments
    if extended_offsets is not None:
        offsets = _as_offsets(extended_offsets[0], 8, "(7FE0,0001) 'Extended Offset Table'")
        lengths = _as_offsets(extended_offsets[1], 8, "(7FE0,0002) 'Extended Offset Table Lengths'")
        if not offsets and not lengths:
            pass  # both empty: no extended offset table, as an empty Basic Offset Table
        elif len(offsets) != len(lengths):
            warnings.warn(
                "(7FE0,0001) 'Extended Offset Table' and (7FE0,0002) 'Extended Offset Table Lengths' "
                "have different numbers of items: the extended offset table is ignored",
                UserWarning,
                stacklevel=3,
            )
        else:
            starts = {off - 8 - index.first_item: k for k, (off, _) in enumerate(frags)}
            ranges = []
            for i, (off, length) in enumerate(zip(offsets, lengths)):
                k = starts.get(off)
                if k is None:
                    raise CorruptPixelDataError(
                        f"(7FE0,0001) 'Extended Offset Table' entry {i} ({off}) does not point at a fragment"
                    )
                data_off, frag_len = frags[k]
                if length > frag_len:
                    raise CorruptPixelDataError(
                        f"(7FE0,0002) 'Extended Offset Table Lengths' entry {i} ({length}) exceeds its "
                        f"fragment's length ({frag_len})"
                    )
                ranges.append([(data_off, length)])
            return _check_count(ranges, nframes)

    if index.basic_offsets:
        bot = index.basic_offsets
        starts = {off - 8 - index.first_item: k for k, (off, _) in enumerate(frags)}
        firsts = [starts.get(off) for off in bot]
        if None in firsts or any(b <= a for a, b in zip(firsts, firsts[1:])):
            raise CorruptPixelDataError(
                f"The Basic Offset Table {list(bot[:8])}{'...' if len(bot) > 8 else ''} does not point at "
                "the starts of increasing fragments"
            )
        bounds = [*firsts, len(frags)]
        ranges = [list(frags[bounds[i] : bounds[i + 1]]) for i in range(len(firsts))]
        return _check_count(ranges, nframes)

    if not frags:
        raise CorruptPixelDataError("Encapsulated pixel data holds no fragments")
    if len(frags) == nframes:
        return [[f] for f in frags]
    if nframes == 1:
        return [list(frags)]
    if len(frags) < nframes:
        raise CorruptPixelDataError(
            f"Encapsulated pixel data holds {len(frags)} fragments for {nframes} frames and no offset "
            "table: the data is incomplete or (0028,0008) 'Number of Frames' is wrong"
        )
    if tail is None:
        raise CorruptPixelDataError(
            f"{len(frags)} fragments for {nframes} frames and no offset table: the frame boundaries are unknown"
        )
    ranges, current = [], []
    for off, length in frags:
        current.append((off, length))
        n = min(10, length)
        if _EOI in bytes(tail(off + length - n, n)):
            ranges.append(current)
            current = []
    if current:
        ranges.append(current)
    if len(ranges) < nframes:
        raise CorruptPixelDataError(
            f"Only {len(ranges)} frames were found in {len(frags)} fragments by their end-of-image "
            f"markers, {nframes} were expected"
        )
    return _check_count(ranges, nframes)


def _check_count(ranges: list[list[tuple[int, int]]], nframes: int) -> list[list[tuple[int, int]]]:
    if len(ranges) < nframes:
        raise CorruptPixelDataError(
            f"The encapsulated pixel data holds {len(ranges)} frames, (0028,0008) 'Number of Frames' is {nframes}"
        )
    if len(ranges) > nframes:
        warnings.warn(
            f"The encapsulated pixel data holds {len(ranges)} frames, more than the {nframes} of "
            "(0028,0008) 'Number of Frames': the extra frames are ignored",
            UserWarning,
            stacklevel=3,
        )
    return ranges[:nframes]


def join(read_at: ReadAt, ranges: Sequence[tuple[int, int]]) -> bytes | memoryview:
    """The bytes of one frame: a view of its only fragment, or the fragments joined."""
    if len(ranges) == 1:
        off, length = ranges[0]
        return read_at(off, length)
    return b"".join(bytes(read_at(off, length)) for off, length in ranges)
