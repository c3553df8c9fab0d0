"""``waveform_array`` and ``waveform_times``: a multiplex group as physical values and its time axis."""

from __future__ import annotations

import numpy as np
from pydicom.dataset import Dataset

from dcmcore._kernels import waveform as _kernel
from dcmcore._kernels.status import check_status
from dcmcore.dataset_elements import element_value, tag_name
from dcmcore.errors import InvalidElementError, MissingElementError
from dcmcore.waveforms._group import FREQUENCY, TIME_OFFSET, channel_factors, multiplex_group

__all__ = ["waveform_array", "waveform_times"]


def waveform_array(ds: Dataset, index: int = 0, *, raw: bool = False, mask_padding: bool = True) -> np.ndarray:
    """Return multiplex group `index` of the Waveform Sequence as ``(samples, channels)``.

    Each stored sample becomes ``value * sensitivity * correction + baseline``
    in float64, from (003A,0210) *Channel Sensitivity*, (003A,0212) *Channel
    Sensitivity Correction Factor* and (003A,0213) *Channel Baseline* of the
    channel's item in (003A,0200) *Channel Definition Sequence* (1, 1 and 0
    when absent), as pydicom's ``Dataset.waveform_array`` does: the values are
    in the units of (003A,0211) *Channel Sensitivity Units Sequence*. 8-bit
    mu-law (MB) and A-law (AB) samples are expanded to their linear G.711
    values first (14-bit and 13-bit). A sample equal to (5400,100A) *Waveform
    Padding Value* is NaN unless `mask_padding` is False.

    Parameters
    ----------
    ds : pydicom.dataset.Dataset
        A data set with a (5400,0100) *Waveform Sequence*.
    index : int, optional
        The multiplex group (0-based; negative counts from the end).
    raw : bool, optional
        Return the stored values instead (their own integer dtype, native
        byte order, no expansion, scaling or masking).
    mask_padding : bool, optional
        Make padding samples NaN (default True).

    Returns
    -------
    numpy.ndarray
        float64 (or the stored dtype with `raw`), shaped ``(samples, channels)``.

    Examples
    --------
    >>> from pydicom import examples
    >>> dcmcore.waveform_array(examples.waveform, 0).shape  # doctest: +SKIP
    (10000, 12)
    """
    group = multiplex_group(ds, index)
    count = group.samples * group.channels
    if raw:
        stored = np.frombuffer(group.data, group.dtype, count).reshape(group.samples, group.channels)
        return stored.astype(group.dtype.newbyteorder("="))
    scale, corr, base = channel_factors(group)
    pad = group.padding() if mask_padding else None
    out = np.empty((group.samples, group.channels), np.float64)
    src = group.data if isinstance(group.data, (bytes, bytearray)) else bytes(group.data)
    rc = _kernel.unpack(
        src, group.samples, group.channels, group.nbytes, group.kind, not group.little_endian,
        scale, corr, base, pad is not None, 0 if pad is None else pad, out.reshape(-1),
    )  # fmt: skip
    check_status(rc, "waveform_array")
    return out


def waveform_times(ds: Dataset, index: int = 0) -> np.ndarray:
    """The time of each sample of multiplex group `index`, in seconds.

    Sample ``k`` is at ``offset + k / frequency``, from (003A,001A) *Sampling
    Frequency* (Hz) and (0018,1068) *Multiplex Group Time Offset* (ms, 0 when
    absent).

    Returns
    -------
    numpy.ndarray
        float64, shaped ``(samples,)``: the rows of :func:`waveform_array`.
    """
    group = multiplex_group(ds, index)
    frequency = element_value(group.item, FREQUENCY)
    if frequency in (None, ""):
        raise MissingElementError(f"Multiplex group {index} has no {tag_name(FREQUENCY)}")
    frequency = float(frequency)
    if not frequency > 0:
        raise InvalidElementError(f"{tag_name(FREQUENCY)} {frequency} of multiplex group {index} is not positive")
    offset = element_value(group.item, TIME_OFFSET)
    offset_s = 0.0 if offset in (None, "") else float(offset) / 1000.0
    return offset_s + np.arange(group.samples, dtype=np.float64) / frequency
