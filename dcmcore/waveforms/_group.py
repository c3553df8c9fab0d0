"""One multiplex group of the Waveform Sequence, its elements read and checked once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydicom.dataset import Dataset

from dcmcore.dataset_elements import element_value, is_little_endian, tag_name
from dcmcore.errors import InvalidElementError, MissingElementError

__all__ = ["MultiplexGroup", "multiplex_group", "number_of_groups", "INTERPRETATIONS"]

WAVEFORM_SEQUENCE = 0x54000100
CHANNELS = 0x003A0005
SAMPLES = 0x003A0010
FREQUENCY = 0x003A001A
TIME_OFFSET = 0x00181068
BITS_ALLOCATED = 0x54001004
INTERPRETATION = 0x54001006
PADDING = 0x5400100A
DATA = 0x54001010
CHANNEL_DEFINITIONS = 0x003A0200
SENSITIVITY = 0x003A0210
CORRECTION = 0x003A0212
BASELINE = 0x003A0213
_FACTORS = {SENSITIVITY: 0, CORRECTION: 1, BASELINE: 2}

#: Waveform Sample Interpretation (PS3.3 C.10.9.1.5) -> (Waveform Bits Allocated, dtype of the stored values, kind).
#: Kinds are those of ``dcmcore._kernels.waveform``: 0 unsigned, 1 signed, 2 mu-law, 3 A-law.
INTERPRETATIONS = {
    "SB": (8, "i1", 1),
    "UB": (8, "u1", 0),
    "MB": (8, "u1", 2),
    "AB": (8, "u1", 3),
    "SS": (16, "i2", 1),
    "US": (16, "u2", 0),
    "SL": (32, "i4", 1),
    "UL": (32, "u4", 0),
    "SV": (64, "i8", 1),
    "UV": (64, "u8", 0),
}


@dataclass(frozen=True)
class MultiplexGroup:
    """What reading one multiplex group needs, validated."""

    item: Dataset
    channels: int
    samples: int
    interpretation: str
    data: bytes
    little_endian: bool

    @property
    def nbytes(self) -> int:
        return INTERPRETATIONS[self.interpretation][0] // 8

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(INTERPRETATIONS[self.interpretation][1]).newbyteorder("<" if self.little_endian else ">")

    @property
    def kind(self) -> int:
        return INTERPRETATIONS[self.interpretation][2]

    def padding(self) -> int | None:
        """The raw bits of (5400,100A) Waveform Padding Value, or None."""
        pad = element_value(self.item, PADDING)
        if pad is None or len(pad) < self.nbytes:
            return None
        return int.from_bytes(bytes(pad[: self.nbytes]), "little" if self.little_endian else "big")


def number_of_groups(ds: Dataset) -> int:
    """How many multiplex groups (5400,0100) Waveform Sequence holds (0 when absent)."""
    seq = element_value(ds, WAVEFORM_SEQUENCE)
    return 0 if seq is None else len(seq)


def _required(item: Dataset, tag: int, index: int):
    v = element_value(item, tag)
    if v is None or (hasattr(v, "__len__") and len(v) == 0 and not isinstance(v, int)):
        raise MissingElementError(f"Multiplex group {index} of the Waveform Sequence has no {tag_name(tag)}")
    return v


def multiplex_group(ds: Dataset, index: int) -> MultiplexGroup:
    """Multiplex group `index` of `ds`, its elements checked against each other and its data.

    Raises
    ------
    MissingElementError
        No Waveform Sequence, or a required element is missing from the item.
    IndexError
        `index` is not one of the groups.
    InvalidElementError
        An element value is not allowed, or the data is shorter than the
        channels and samples need.
    """
    seq = element_value(ds, WAVEFORM_SEQUENCE)
    if seq is None:
        raise MissingElementError("The data set has no (5400,0100) 'Waveform Sequence'")
    if not -len(seq) <= index < len(seq):
        raise IndexError(f"Multiplex group {index} does not exist: the Waveform Sequence has {len(seq)} item(s)")
    index = index % len(seq)
    item = seq[index]
    channels = int(_required(item, CHANNELS, index))
    samples = int(_required(item, SAMPLES, index))
    bits = int(_required(item, BITS_ALLOCATED, index))
    interpretation = str(_required(item, INTERPRETATION, index)).strip()
    data = _required(item, DATA, index)
    if interpretation not in INTERPRETATIONS:
        raise InvalidElementError(
            f"{tag_name(INTERPRETATION)} {interpretation!r} of multiplex group {index} is not one of "
            + ", ".join(INTERPRETATIONS)
        )
    if INTERPRETATIONS[interpretation][0] != bits:
        raise InvalidElementError(
            f"{tag_name(BITS_ALLOCATED)} {bits} of multiplex group {index} does not fit "
            f"{tag_name(INTERPRETATION)} {interpretation!r} ({INTERPRETATIONS[interpretation][0]} bits)"
        )
    if channels < 1 or samples < 0:
        raise InvalidElementError(f"Multiplex group {index} has {channels} channels and {samples} samples")
    need = channels * samples * bits // 8
    if len(data) < need:
        raise InvalidElementError(
            f"{tag_name(DATA)} of multiplex group {index} holds {len(data)} bytes; {channels} channels of "
            f"{samples} samples of {bits} bits need {need}"
        )
    return MultiplexGroup(item, channels, samples, interpretation, data, is_little_endian(ds))


def channel_factors(group: MultiplexGroup) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sensitivity, correction factor, baseline) per channel, 1, 1 and 0 where absent."""
    n = group.channels
    scale, corr, base = np.ones(n), np.ones(n), np.zeros(n)
    definitions = group.item.get(CHANNEL_DEFINITIONS)
    if definitions is None or not definitions.value:
        return scale, corr, base
    factors = (scale, corr, base)
    for c, ch in enumerate(definitions.value[:n]):
        # the item's tags as plain ints: pydicom's Tag comparisons are Python code, this is the hot part
        for tag in ch.keys():
            which = _FACTORS.get(int(tag))
            if which is None:
                continue
            v = ch[tag].value
            if v is None or (isinstance(v, str) and not v.strip()):  # (DS values compare slowly with ==)
                continue
            try:
                factors[which][c] = float(v)
            except (TypeError, ValueError):
                raise InvalidElementError(f"{tag_name(int(tag))} {v!r} of channel {c + 1} is not a number") from None
    return scale, corr, base
