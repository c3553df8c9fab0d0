"""Lookup tables as pydicom data sets: LUT, ModalityLUT, VOILUT, PresentationLUT,
PaletteColorLUT and SegmentedPaletteColorLUT.

Each class is a :class:`pydicom.dataset.Dataset` holding the elements of its
table (so it can be placed in a data set's sequence), with the table as a
NumPy array and ``apply`` mapping pixel values through it in one gather pass.
A value below the first mapped value takes the first entry and a value past
the last entry takes the last one (PS3.3 C.11.1.1.1, C.11.2.1.1, C.7.6.3.1.5).
"""

from __future__ import annotations

import copy as _copy
from typing import Any

import numpy as np
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset

from dcmcore.transforms import _engine as E
from dcmcore.transforms._dsutil import T, get, is_little_endian, tag_name
from dcmcore.transforms._lutdata import (
    encode_descriptor_value,
    expand_segmented,
    read_descriptor,
    read_lut_data,
)
from dcmcore.transforms.enums import RescaleTypeValues, enum_value
from dcmcore.transforms.errors import InvalidTransformError

__all__ = ["LUT", "ModalityLUT", "VOILUT", "PresentationLUT", "PaletteColorLUT", "SegmentedPaletteColorLUT"]

_ANY_BITS = tuple(range(1, 17))


def _check_table(lut_data: Any, name: str = "lut_data", *, max_entries: int = 65536) -> np.ndarray:
    if not isinstance(lut_data, np.ndarray):
        raise TypeError(f"'{name}' must be a numpy.ndarray, not {type(lut_data).__name__}")
    if lut_data.ndim != 1:
        raise ValueError(f"'{name}' must have a single dimension, not {lut_data.ndim}")
    if lut_data.size == 0:
        raise ValueError(f"'{name}' must not be empty")
    if lut_data.size > max_entries:
        raise ValueError(f"'{name}' has {lut_data.size} entries, at most {max_entries} are allowed")
    if lut_data.dtype not in (np.dtype(np.uint8), np.dtype(np.uint16)):
        raise ValueError(f"'{name}' must have dtype uint8 or uint16, not {lut_data.dtype}")
    return lut_data


def _check_first(first_mapped_value: Any, *, allow_negative: bool) -> int:
    if isinstance(first_mapped_value, bool) or not isinstance(first_mapped_value, (int, np.integer)):
        raise TypeError(f"'first_mapped_value' must be an integer, not {first_mapped_value!r}")
    value = int(first_mapped_value)
    lo = -(2**15) if allow_negative else 0
    if not lo <= value < 2**16:
        raise ValueError(f"'first_mapped_value' must lie in {lo} .. 65535, not {value}")
    return value


def _table_bytes(data: np.ndarray) -> bytes:
    """LUT data as OW bytes: 8-bit entries one per byte (padded to even length), 16-bit little endian."""
    if data.dtype == np.uint8:
        raw = data.tobytes()
        return raw + b"\x00" if len(raw) % 2 else raw
    return data.astype("<u2").tobytes()


def _set_descriptor(ds: Dataset, tag: int, entries: int, first: int, bits: int) -> None:
    vr, values = encode_descriptor_value(entries, first, bits)
    ds.add(DataElement(tag, vr, values))


def check_dtype_safe(src: np.dtype, dtype: Any) -> np.dtype:
    """`dtype` (the table's `src` when None), refused when the entries cannot be cast to it safely."""
    if dtype is None:
        return src
    dt = np.dtype(dtype)
    if dt.kind not in "uif":
        raise ValueError(f"Data type {dt} is not suitable for LUT output")
    if not np.can_cast(src, dt, "safe"):
        raise TypeError(f"Cannot cast the LUT data from {src} to {dt} (only safe casts are permitted)")
    return dt


def _apply_table(array: np.ndarray, first: int, data: np.ndarray, dtype: Any, palette: bool = False) -> np.ndarray:
    array = np.asarray(array)
    if array.dtype.kind not in "iub":
        raise ValueError(f"The array must have an integer dtype to index a LUT, not {array.dtype}")
    out_dtype = check_dtype_safe(data.dtype, dtype)
    stage = E.Palette(first, data) if palette else E.Lookup(first, data)
    return E.apply_plan(E.Plan((stage,), out_dtype), array)


class _DescribedTable(Dataset):
    """A table with a LUT descriptor: what its three values say (``_descriptor()`` reads them)."""

    def _descriptor(self):  # pragma: no cover - each table class defines it
        raise NotImplementedError

    @property
    def number_of_entries(self) -> int:
        """Number of entries (of the expanded table, when segmented; a descriptor value of 0 means 65536)."""
        return self._descriptor().entries

    @property
    def first_mapped_value(self) -> int:
        """The pixel value mapped to the first entry."""
        return self._descriptor().first_mapped

    @property
    def bits_per_entry(self) -> int:
        """Bits per entry (the third descriptor value)."""
        return self._descriptor().bits


class LUT(_DescribedTable):
    """A lookup table item: (0028,3002) *LUT Descriptor*, (0028,3006) *LUT Data*.

    Parameters
    ----------
    first_mapped_value : int
        The pixel value mapped to ``lut_data[0]``; ``first_mapped_value + i``
        maps to ``lut_data[i]``.
    lut_data : numpy.ndarray
        1 to 65536 entries, ``uint8`` or ``uint16``.
    lut_explanation : str, optional
        (0028,3003) *LUT Explanation*.
    """

    _allow_negative_first = True

    def __init__(self, first_mapped_value: int, lut_data: np.ndarray, lut_explanation: str | None = None):
        super().__init__()
        first = _check_first(first_mapped_value, allow_negative=self._allow_negative_first)
        data = _check_table(lut_data)
        bits = 8 if data.dtype == np.uint8 else 16
        _set_descriptor(self, T.LUTDescriptor, data.size, first, bits)
        self.add(DataElement(T.LUTData, "OW", _table_bytes(data)))
        if lut_explanation is not None:
            self.LUTExplanation = str(lut_explanation)

    _required = ("LUTDescriptor", "LUTData")

    @classmethod
    def from_dataset(cls, dataset: Dataset, copy: bool = True):
        """The data set `dataset` (copied unless `copy` is False) as this class.

        Raises
        ------
        AttributeError
            If an element the class needs is missing.
        """
        for keyword in cls._required:
            if keyword not in dataset:
                raise AttributeError(f"The data set has no '{keyword}', which a {cls.__name__} requires")
        ds = _copy.deepcopy(dataset) if copy else dataset
        ds.__class__ = cls
        return ds

    # -- the table --

    def _descriptor(self):
        return read_descriptor(self, T.LUTDescriptor, allowed_bits=_ANY_BITS, signed_first=False)

    @property
    def lut_data(self) -> np.ndarray:
        """The entries, ``uint8`` (8 bits per entry) or ``uint16``."""
        desc = self._descriptor()
        return read_lut_data(self, T.LUTData, desc, T.LUTDescriptor, little=is_little_endian(self))

    def get_scaled_lut_data(
        self, output_range: tuple[float, float] = (0.0, 1.0), dtype: Any = np.float64, invert: bool = False
    ) -> np.ndarray:
        """The entries mapped linearly from their minimum .. maximum onto `output_range`.

        With `invert` the lowest entry maps to the upper limit. A constant
        table maps to the lower limit (the upper one when inverted).
        """
        dt = np.dtype(dtype)
        if dt.kind != "f":
            raise ValueError(f"Data type {dt} is not suitable: scaled LUT data needs a floating point dtype")
        lo, hi = (float(v) for v in output_range)
        if not hi > lo:
            raise ValueError(f"Invalid output range {output_range}: the upper limit must exceed the lower")
        from dcmcore.transforms._voi import scaled_lut

        return scaled_lut(self.lut_data, lo, hi, invert).astype(dt)

    def get_inverted_lut_data(self) -> np.ndarray:
        """The entries reflected within their own range (min + max - entry), same dtype."""
        data = self.lut_data
        wide = data.astype(np.int64)
        return (wide.min() + wide.max() - wide).astype(data.dtype)

    def apply(self, array: np.ndarray, dtype: Any = None) -> np.ndarray:
        """Map the integer `array` through the table.

        Parameters
        ----------
        array : numpy.ndarray
            Integer pixel values, any shape.
        dtype : numpy dtype, optional
            Output dtype; the LUT's (uint8 or uint16) when None. Only safe
            casts from it are allowed.
        """
        return _apply_table(array, self.first_mapped_value, self.lut_data, dtype)


class ModalityLUT(LUT):
    """An item of the (0028,3000) *Modality LUT Sequence*.

    Parameters
    ----------
    lut_type : RescaleTypeValues or str
        (0028,3004) *Modality LUT Type*: the units of the output.
    first_mapped_value : int
        The stored value mapped to the first entry (may be negative).
    lut_data : numpy.ndarray
        ``uint8`` or ``uint16`` entries.
    lut_explanation : str, optional
        (0028,3003) *LUT Explanation*.
    """

    def __init__(
        self,
        lut_type: RescaleTypeValues | str,
        first_mapped_value: int,
        lut_data: np.ndarray,
        lut_explanation: str | None = None,
    ):
        super().__init__(first_mapped_value, lut_data, lut_explanation)
        self.ModalityLUTType = enum_value(lut_type)


class VOILUT(LUT):
    """An item of the (0028,3010) *VOI LUT Sequence*."""


class PresentationLUT(LUT):
    """An item of the (2050,0010) *Presentation LUT Sequence*.

    Its entries are P-Values; the first mapped value is 0 (PS3.3 C.11.4.1).
    """

    _allow_negative_first = False


_COLORS = {"red": "Red", "green": "Green", "blue": "Blue"}


_CHANNELS = {"r": "red", "g": "green", "b": "blue"}


def _color_name(color: str) -> str:
    name = enum_value(color).lower()  # 'red', or an RGBColorChannels member (dcmcore's or highdicom's)
    try:
        return _COLORS[_CHANNELS.get(name, name)]
    except KeyError:
        raise ValueError(f"'color' must be 'red', 'green' or 'blue', not {color!r}") from None


def _color_of(ds: Dataset, *, segmented: bool) -> str:
    found = [
        name
        for name in _COLORS.values()
        if f"{'Segmented' if segmented else ''}{name}PaletteColorLookupTableData" in ds
    ]
    if len(found) != 1:
        raise AttributeError(
            "The data set must hold the table of exactly one color to be read as one palette LUT, "
            f"it holds {found or 'none'}; use extract_from_dataset(dataset, color)"
        )
    return found[0]


class _PaletteChannel(_DescribedTable):
    """What the plain and the segmented palette channel share: one color's descriptor and table."""

    #: True for Segmented Palette Color Lookup Table Data.
    _segmented = False

    @classmethod
    def _table_tag(cls, name: str) -> int:
        return _seg_tag(name) if cls._segmented else _data_tag(name)

    @property
    def _color(self) -> str:
        return _color_of(self, segmented=self._segmented)

    @classmethod
    def extract_from_dataset(cls, dataset: Dataset, color: str):
        """A new LUT with one color's descriptor and table from `dataset` (e.g. an image)."""
        name = _color_name(color)
        new = cls.__new__(cls)
        Dataset.__init__(new)
        for tag in (_desc_tag(name), cls._table_tag(name)):
            if tag not in dataset._dict:
                raise AttributeError(f"The data set has no {tag_name(tag)}")
            new.add(_copy.deepcopy(dataset[tag]))
        copy_encoding(dataset, new)
        return new

    @classmethod
    def from_dataset(cls, dataset: Dataset, copy: bool = True):
        """`dataset`, holding one color's descriptor and table, as this class."""
        _color_of(dataset, segmented=cls._segmented)
        ds = _copy.deepcopy(dataset) if copy else dataset
        ds.__class__ = cls
        return ds

    def _descriptor(self):
        return read_descriptor(self, _desc_tag(self._color), allowed_bits=(8, 16), signed_first=False)

    @property
    def lut_data(self) -> np.ndarray:  # pragma: no cover - each channel class defines it
        raise NotImplementedError

    def apply(self, array: np.ndarray, dtype: Any = None) -> np.ndarray:
        """Map the integer `array` through this channel (dtype: the LUT's when None)."""
        return _apply_table(array, self.first_mapped_value, self.lut_data, dtype)


class PaletteColorLUT(_PaletteChannel):
    """One channel of a Palette Color Lookup Table (PS3.3 C.7.6.3.1.5).

    Parameters
    ----------
    first_mapped_value : int
        The pixel value mapped to the first entry.
    lut_data : numpy.ndarray
        ``uint8`` or ``uint16`` entries (at most 2**bits of them).
    color : str
        ``"red"``, ``"green"`` or ``"blue"``.
    """

    def __init__(self, first_mapped_value: int, lut_data: np.ndarray, color: str):
        super().__init__()
        name = _color_name(color)
        data = _check_table(lut_data)
        bits = 8 if data.dtype == np.uint8 else 16
        if data.size > 2**bits:
            raise ValueError(f"'lut_data' has {data.size} entries, an {bits}-bit palette has at most {2**bits}")
        first = _check_first(first_mapped_value, allow_negative=True)
        _set_descriptor(self, _desc_tag(name), data.size, first, bits)
        self.add(DataElement(_data_tag(name), "OW", _table_bytes(data)))

    @property
    def lut_data(self) -> np.ndarray:
        """The entries, ``uint8`` or ``uint16``."""
        name = self._color
        desc = self._descriptor()
        return read_lut_data(self, _data_tag(name), desc, _desc_tag(name), little=is_little_endian(self))


def _segments_end(words: np.ndarray) -> int:
    """Where the top-level segments of 8-bit segmented data end (PS3.3 C.7.9.2).

    Discrete segments hold ``2 + length`` words, linear ones 3, indirect ones
    6 (their byte offset in four bytes); a lone word after the last complete
    segment is padding. Returns ``len(words)`` if the last segment is cut short.
    """
    n, pos = len(words), 0
    sizes = {1: 3, 2: 6}
    while pos + 1 < n:
        op = int(words[pos])
        size = 2 + int(words[pos + 1]) if op == 0 else sizes.get(op)
        if size is None or pos + size > n:
            return n
        pos += size
    return pos


class SegmentedPaletteColorLUT(_PaletteChannel):
    """One channel of a segmented Palette Color Lookup Table (PS3.3 C.7.9.2).

    Parameters
    ----------
    first_mapped_value : int
        The pixel value mapped to the first entry of the expanded table.
    segmented_lut_data : numpy.ndarray
        The segments (``uint8`` or ``uint16`` words): discrete (opcode 0),
        linear (1) and indirect (2) segments, expanded exactly as the
        Standard defines.
    color : str
        ``"red"``, ``"green"`` or ``"blue"``.
    """

    _segmented = True

    def __init__(self, first_mapped_value: int, segmented_lut_data: np.ndarray, color: str):
        super().__init__()
        name = _color_name(color)
        data = _check_table(segmented_lut_data, "segmented_lut_data", max_entries=2**31)
        bits = 8 if data.dtype == np.uint8 else 16
        first = _check_first(first_mapped_value, allow_negative=True)
        tag = _seg_tag(name)
        expanded = expand_segmented(data, bits, little=True, tag=tag)
        _set_descriptor(self, _desc_tag(name), expanded.size, first, bits)
        self.add(DataElement(tag, "OW", _table_bytes(data)))

    @property
    def segmented_lut_data(self) -> np.ndarray:
        """The segment words as given, ``uint8`` or ``uint16``.

        8-bit segments are stored one per byte in an OW element, which has an
        even length: the padding byte after an odd number of words is not
        returned.
        """
        raw = get(self, _seg_tag(self._color))
        if self.bits_per_entry == 8:
            words = np.frombuffer(bytes(raw), np.uint8).copy()
            if len(words) % 2 == 0 and words.size and words[-1] == 0 and _segments_end(words) == len(words) - 1:
                words = words[:-1]
            return words
        raw = bytes(raw)[: len(raw) // 2 * 2]
        return np.frombuffer(raw, "<u2" if is_little_endian(self) else ">u2").astype(np.uint16)

    @property
    def lut_data(self) -> np.ndarray:
        """The expanded entries; their count must equal the descriptor's."""
        name = self._color
        desc = self._descriptor()
        data = expand_segmented(get(self, _seg_tag(name)), desc.bits, little=is_little_endian(self), tag=_seg_tag(name))
        if len(data) != desc.entries:
            raise InvalidTransformError(
                f"{tag_name(_seg_tag(name))} expands to {len(data)} entries, {tag_name(_desc_tag(name))} "
                f"describes {desc.entries}"
            )
        return data


def _desc_tag(name: str) -> int:
    return {"Red": T.RedPaletteColorLookupTableDescriptor, "Green": T.GreenPaletteColorLookupTableDescriptor, "Blue": T.BluePaletteColorLookupTableDescriptor}[name]


def _data_tag(name: str) -> int:
    return {"Red": T.RedPaletteColorLookupTableData, "Green": T.GreenPaletteColorLookupTableData, "Blue": T.BluePaletteColorLookupTableData}[name]


def _seg_tag(name: str) -> int:
    return {
        "Red": T.SegmentedRedPaletteColorLookupTableData,
        "Green": T.SegmentedGreenPaletteColorLookupTableData,
        "Blue": T.SegmentedBluePaletteColorLookupTableData,
    }[name]


def copy_encoding(src: Dataset, dst: Dataset) -> None:
    """Keep the byte order OW values were read with."""
    little = is_little_endian(src)
    try:
        dst.set_original_encoding(False, little)
    except Exception:  # pragma: no cover - very old pydicom
        pass


def as_lut(obj: Any, cls: type, what: str) -> Any:
    """`obj` as a `cls`: itself, or a copy of another library's LUT data set (highdicom's, say) holding the same elements."""
    if isinstance(obj, cls):
        return obj
    try:  # another kind of dcmcore table is an error
        if isinstance(obj, Dataset) and not type(obj).__module__.startswith("dcmcore."):
            return cls.from_dataset(obj)  # type: ignore[attr-defined]
    except (AttributeError, ValueError) as exc:
        raise TypeError(f"{what} must be a {cls.__name__} (or a data set holding one), not {type(obj).__name__}: {exc}") from None
    raise TypeError(f"{what} must be a {cls.__name__}, not {type(obj).__name__}")
