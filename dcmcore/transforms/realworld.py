"""Real World Value Mapping (PS3.3 C.7.6.16.2.11).

A Real World Value Mapping Sequence item maps stored values to values with a
physical meaning (given by its Measurement Units Code Sequence), either by
(0040,9225) *Real World Value Slope* and (0040,9224) *Intercept* over the
stored values from First to Last Value Mapped, or by (0040,9212) *Real World
Value LUT Data*, one value per stored value from First Value Mapped on.
Values outside the mapped range have no real-world value: they are an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from pydicom.dataset import Dataset

from dcmcore.transforms import _engine as E
from dcmcore.transforms._dsutil import T, get, has, number, numbers, strings, tag_name
from dcmcore.transforms.errors import InvalidTransformError, SelectorError

__all__ = ["RealWorldValueMapping", "select_real_world_value_map"]

_SEQ = tag_name(T.RealWorldValueMappingSequence)


def _code_of(item: Dataset) -> tuple[str, str] | None:
    units = get(item, T.MeasurementUnitsCodeSequence)
    if not units:
        return None
    code = units[0]
    value = get(code, T.CodeValue) or get(code, T.LongCodeValue) or get(code, T.URNCodeValue)
    scheme = get(code, T.CodingSchemeDesignator) or ""
    return (str(value).strip(), str(scheme).strip()) if value is not None else None


def select_real_world_value_map(sequence: Any, selector: Any) -> Dataset:
    """The item of a Real World Value Mapping Sequence that `selector` names.

    Parameters
    ----------
    sequence : pydicom.sequence.Sequence
        The (0040,9096) *Real World Value Mapping Sequence*.
    selector : int, str or code
        An index (negative counts from the end); a (0040,9210) *LUT Label*;
        or a coded concept (anything with ``value`` and ``scheme_designator``,
        such as ``pydicom.sr.coding.Code`` or highdicom's ``CodedConcept``)
        matched against the item's (0040,08EA) *Measurement Units Code Sequence*.

    Raises
    ------
    SelectorError
        If no item matches.
    """
    items = list(sequence)
    if isinstance(selector, bool):
        raise TypeError("'real_world_value_map_selector' must be an int, a str or a code, not a bool")
    if isinstance(selector, (int, np.integer)):
        if not -len(items) <= int(selector) < len(items):
            raise SelectorError(
                f"real_world_value_map_selector {int(selector)} is out of range: {_SEQ} has {len(items)} item(s)"
            )
        return items[int(selector)]
    if isinstance(selector, str):
        labels = [(strings(item, T.LUTLabel) or [None])[0] for item in items]
        if selector not in labels:
            raise SelectorError(
                f"No item of {_SEQ} has the {tag_name(T.LUTLabel)} {selector!r}; the labels are {labels}"
            )
        return items[labels.index(selector)]
    value = getattr(selector, "value", None)
    scheme = getattr(selector, "scheme_designator", None)
    if value is None or scheme is None:
        raise TypeError(
            "'real_world_value_map_selector' must be an int, a str (LUT Label) or a coded concept "
            f"(pydicom.sr.coding.Code), not {type(selector).__name__}"
        )
    wanted = (str(value).strip(), str(scheme).strip())
    codes = [_code_of(item) for item in items]
    if wanted not in codes:
        raise SelectorError(
            f"No item of {_SEQ} has the units {wanted[0]!r} ({wanted[1]}) in its "
            f"{tag_name(T.MeasurementUnitsCodeSequence)}; the units are {codes}"
        )
    return items[codes.index(wanted)]


@dataclass(frozen=True)
class RealWorldValueMapping:
    """One parsed Real World Value Mapping item.

    Attributes
    ----------
    label : str or None
        (0040,9210) *LUT Label*.
    units : (str, str) or None
        Code value and coding scheme of the measurement units.
    first, last : float
        The stored values mapped (inclusive).
    slope, intercept : float or None
        The linear map, when there is no LUT.
    lut : numpy.ndarray or None
        (0040,9212) *Real World Value LUT Data*, one float64 per stored value.
    """

    label: str | None
    units: tuple[str, str] | None
    first: float
    last: float
    slope: float | None = None
    intercept: float | None = None
    lut: np.ndarray | None = None

    @classmethod
    def from_dataset(cls, item: Dataset, *, signed: bool = False) -> "RealWorldValueMapping":
        """Parse an item; `signed` if the stored values are signed (US values read as SS)."""
        label = (strings(item, T.LUTLabel) or [None])[0]
        units = _code_of(item)
        if has(item, T.DoubleFloatRealWorldValueFirstValueMapped):
            first = number(item, T.DoubleFloatRealWorldValueFirstValueMapped)
            last = number(item, T.DoubleFloatRealWorldValueLastValueMapped)
        else:
            first = number(item, T.RealWorldValueFirstValueMapped)
            last = number(item, T.RealWorldValueLastValueMapped)
            if signed and first is not None and item[T.RealWorldValueFirstValueMapped].VR == "US" and first >= 0x8000:
                first -= 0x10000
            if signed and last is not None and item[T.RealWorldValueLastValueMapped].VR == "US" and last >= 0x8000:
                last -= 0x10000
        if first is None:
            raise InvalidTransformError(f"{_SEQ} item has no {tag_name(T.RealWorldValueFirstValueMapped)}")
        lut = numbers(item, T.RealWorldValueLUTData)
        if lut is not None:
            data = np.asarray(lut, dtype=np.float64)
            if last is not None and last != first + len(data) - 1:
                raise InvalidTransformError(
                    f"{tag_name(T.RealWorldValueLUTData)} holds {len(data)} values, but the mapped range "
                    f"{first:g} .. {last:g} has {int(last - first + 1)}"
                )
            if first != int(first):
                raise InvalidTransformError(f"{tag_name(T.RealWorldValueFirstValueMapped)} is not an integer")
            return cls(label, units, first, first + len(data) - 1, lut=data)
        if last is None:
            raise InvalidTransformError(f"{_SEQ} item has no {tag_name(T.RealWorldValueLastValueMapped)}")
        slope = number(item, T.RealWorldValueSlope)
        intercept = number(item, T.RealWorldValueIntercept)
        if slope is None or intercept is None:
            raise InvalidTransformError(
                f"{_SEQ} item has neither {tag_name(T.RealWorldValueLUTData)} nor both "
                f"{tag_name(T.RealWorldValueSlope)} and {tag_name(T.RealWorldValueIntercept)}"
            )
        return cls(label, units, first, last, slope=slope, intercept=intercept)

    def plan(self, dtype: Any = np.float64) -> "E.Plan":
        """The transform plan of this map, for an output `dtype`."""
        if self.lut is not None:
            what = f"the {tag_name(T.RealWorldValueLUTData)}"
            stages: tuple = (E.Lookup(int(self.first), self.lut, clip=False, what=what),)
        else:
            what = f"the {_SEQ} item"
            stages = (E.Linear(float(self.slope), float(self.intercept)),)
        return E.Plan(stages, np.dtype(dtype), valid=(self.first, self.last), valid_what=what)

    def apply(self, array: np.ndarray, dtype: Any = np.float64) -> np.ndarray:
        """Map stored values to real world values (float64 by default).

        Raises
        ------
        ValueError
            If a value lies outside the mapped range.
        """
        return E.apply_plan(self.plan(dtype), np.asarray(array))
