"""Reading LUT Descriptor / LUT Data pairs and expanding segmented palettes.

PS3.3 C.11.1.1.1 (Modality LUT), C.11.2.1.1 (VOI LUT), C.11.4.1 / C.11.6.1.1
(Presentation LUT), C.7.6.3.1.5 (Palette Color LUT) and C.7.9.2 (Segmented
Palette Color LUT Data). Every inconsistency is a ``ValueError`` that names
the elements involved; nothing is read beyond the data's real length.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from dcmcore._kernels import status as _status
from dcmcore.dataset_elements import element
from dcmcore.transforms._dsutil import T, get, tag_name
from dcmcore.transforms.errors import InvalidTransformError

__all__ = [
    "Descriptor",
    "read_descriptor",
    "read_lut_data",
    "lut_item",
    "expand_segmented",
    "clear_segmented_cache",
    "encode_descriptor_value",
    "MODALITY_BITS",
    "VOI_BITS",
    "PRESENTATION_BITS",
    "PALETTE_BITS",
]


@dataclass(frozen=True)
class Descriptor:
    """The three values of a LUT descriptor, interpreted."""

    entries: int
    first_mapped: int
    bits: int


def read_descriptor(
    ds: Dataset, tag: int, *, allowed_bits: tuple[int, ...], signed_first: bool = False
) -> Descriptor:
    """Read and check a LUT descriptor.

    Parameters
    ----------
    allowed_bits : tuple of int
        The third values the LUT's module allows.
    signed_first : bool
        If the second value may be negative (its VR is "US or SS"): a value
        read as US that is 2**15 or more is taken as the SS it was meant to be.
    """
    if tag not in ds._dict:
        raise InvalidTransformError(f"{tag_name(tag)} is missing")
    elem = element(ds, tag)  # InvalidElementError naming it if pydicom cannot convert it
    assert elem is not None
    value = elem.value
    values = list(value) if isinstance(value, (list, tuple, MultiValue)) else [value]
    if len(values) != 3:
        raise InvalidTransformError(f"{tag_name(tag)} must have 3 values, not {len(values)} ({values!r})")
    try:
        v0, v1, v2 = (int(v) for v in values)
    except (TypeError, ValueError):
        raise InvalidTransformError(f"{tag_name(tag)} has a value that is not an integer: {values!r}") from None
    # Values 1 and 3 are always unsigned, whatever VR was used for the element
    entries = (v0 & 0xFFFF) or 65536
    bits = v2 & 0xFFFF
    first = v1
    if signed_first and elem.VR == "US" and first >= 0x8000:
        first -= 0x10000
    if bits not in allowed_bits:
        allowed = ", ".join(str(b) for b in allowed_bits) if len(allowed_bits) < 4 else f"{allowed_bits[0]} to {allowed_bits[-1]}"
        raise InvalidTransformError(
            f"The third value of {tag_name(tag)} (bits per entry) is {bits}, it must be {allowed}"
        )
    return Descriptor(entries, first, bits)


def encode_descriptor_value(entries: int, first_mapped: int, bits: int) -> tuple[str, list[int]]:
    """The VR and values to store a descriptor with (65536 entries are stored as 0)."""
    n = 0 if entries == 65536 else entries
    if first_mapped < 0:
        return "SS", [n - 65536 if n > 32767 else n, first_mapped, bits]
    return "US", [n, first_mapped, bits]


def _words(raw: bytes, little: bool) -> np.ndarray:
    return np.frombuffer(raw, dtype="<u2" if little else ">u2").astype(np.uint16)


def read_lut_data(ds: Dataset, tag: int, desc: Descriptor, desc_tag: int, *, little: bool) -> np.ndarray:
    """The LUT data of `ds` as ``uint8`` (8 bits per entry) or ``uint16`` entries.

    OB/OW data may hold 8-bit entries one per byte (with a padding byte when
    the count is odd) or one per 16-bit word, as older files do; US/SS data
    holds one value per entry. The entry count must equal the descriptor's.
    """
    value = get(ds, tag)
    if value is None:
        raise InvalidTransformError(f"{tag_name(tag)} is missing or empty")
    n = desc.entries
    dtype = np.uint8 if desc.bits <= 8 else np.uint16
    top = (1 << desc.bits) - 1
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        if desc.bits <= 8 and (len(raw) == n or (n % 2 and len(raw) == n + 1)):
            data = np.frombuffer(raw[:n], dtype=np.uint8).copy()
        elif len(raw) == 2 * n:
            data = _words(raw, little)
        else:
            expect = f"{n} or {2 * n}" if desc.bits <= 8 else f"{2 * n}"
            raise InvalidTransformError(
                f"{tag_name(tag)} holds {len(raw)} bytes, but {tag_name(desc_tag)} describes {n} entries of "
                f"{desc.bits} bits ({expect} bytes)"
            )
    else:
        values = list(value) if isinstance(value, (list, tuple, MultiValue)) else [value]
        if len(values) != n:
            raise InvalidTransformError(
                f"{tag_name(tag)} holds {len(values)} values, but {tag_name(desc_tag)} describes {n} entries"
            )
        try:
            data = np.asarray([int(v) & 0xFFFF for v in values], dtype=np.int64)
        except (TypeError, ValueError):
            raise InvalidTransformError(f"{tag_name(tag)} holds a value that is not an integer") from None
    if data.size and int(data.max()) > top:
        raise InvalidTransformError(
            f"{tag_name(tag)} holds the value {int(data.max())}, more than the {desc.bits} bits per entry of "
            f"{tag_name(desc_tag)} allow"
        )
    return data.astype(dtype, copy=False)


_SEG_MESSAGES = {
    _status.ST_TRUNCATED: "the segment at word {pos} is truncated",
    _status.ST_LINEAR_FIRST: (
        "a linear segment cannot come first, it continues the previous segment's last value (word {pos})"
    ),
    _status.ST_UNKNOWN_OPCODE: "unknown segment type (opcode) {op} at word {pos}",
    _status.ST_NESTED_INDIRECT: "the indirect segment at word {pos} is the target of another indirect segment",
    _status.ST_INDIRECT_BEYOND: "the indirect segment at word {pos} points beyond the data",
    _status.ST_INDIRECT_UNALIGNED: (
        "the indirect segment at word {pos} points to an odd byte offset, not a word boundary"
    ),
    _status.ST_OVERLONG: "it expands to more than 65536 entries",
    _status.ST_INDIRECT_FIRST: "an indirect segment cannot come first (word {pos})",
    _status.ST_TOO_MANY: "its indirect segments repeat more than 4194304 segments",
}


@functools.lru_cache(maxsize=64)
def _expand(raw: bytes, bits: int, little: bool) -> np.ndarray:
    from dcmcore._kernels.lut_segments import expand_segments

    if bits <= 8:
        words = np.frombuffer(raw, dtype=np.uint8).astype(np.uint16)
    else:
        raw = raw[: len(raw) // 2 * 2]
        words = np.frombuffer(raw, dtype="<u2" if little else ">u2").astype(np.uint16)
    out = np.empty(65536, np.uint16)
    status, value = expand_segments(words, out, bits <= 8, little)
    if status < 0:
        op = int(words[value]) if value < len(words) else None
        detail = _SEG_MESSAGES.get(status)
        _status.check_status(status, "", detail and detail.format(pos=value, op=op), error=_SegmentError)
    if value == 0:
        raise _SegmentError("it expands to no entries")
    data = out[:value].astype(np.uint8 if bits <= 8 else np.uint16)
    data.setflags(write=False)
    return data


class _SegmentError(Exception):
    pass


def expand_segmented(value: Any, bits: int, *, little: bool, tag: int) -> np.ndarray:
    """Expand Segmented Palette Color Lookup Table Data (PS3.3 C.7.9.2).

    Discrete segments (opcode 0) copy their entries; linear segments (1)
    connect the previous entry to their end value over their length, each
    value rounded half to even; indirect segments (2) repeat ``count``
    segments starting at a byte offset (least significant 16 bits first) from
    the start of the data, which may not themselves be indirect. A single
    trailing padding word is ignored. Expanded tables are cached by content.
    """
    if value is None:
        raise InvalidTransformError(f"{tag_name(tag)} is missing or empty")
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
    else:  # a list of words (e.g. read with VR US)
        dtype = np.uint8 if bits <= 8 else ("<u2" if little else ">u2")
        try:
            raw = np.asarray([int(v) for v in value]).astype(dtype).tobytes()
        except (TypeError, ValueError, OverflowError):
            shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
            raise InvalidTransformError(
                f"{tag_name(tag)} holds {type(value).__name__} {shown}, not bytes or a list of 16-bit words"
            ) from None
    try:
        return _expand(raw, bits, bool(little))
    except _SegmentError as exc:
        raise InvalidTransformError(f"{tag_name(tag)} is malformed: {exc}") from None


#: Bits per entry each kind of LUT may have (PS3.3 C.11.1.1.1, C.11.2.1.1, C.11.6.1.1, C.7.6.3.1.5).
MODALITY_BITS = (8, 16)
VOI_BITS = tuple(range(8, 17))
PRESENTATION_BITS = tuple(range(8, 17))
PALETTE_BITS = (8, 16)


def lut_item(
    item: Dataset, *, allowed_bits: tuple[int, ...], signed_first: bool, little: bool
) -> tuple[int, np.ndarray, int]:
    """``(first mapped value, entries, bits)`` of the LUT Descriptor / LUT Data of a LUT item."""
    desc = read_descriptor(item, T.LUTDescriptor, allowed_bits=allowed_bits, signed_first=signed_first)
    data = read_lut_data(item, T.LUTData, desc, T.LUTDescriptor, little=little)
    return desc.first_mapped, data, desc.bits


def clear_segmented_cache() -> None:
    """Forget the expanded segmented tables."""
    _expand.cache_clear()
