"""Waveforms (PS3.3 C.10.9): the multiplex groups of (5400,0100) Waveform Sequence as arrays.

- :func:`waveform_array`: one multiplex group as ``(samples, channels)`` physical
  values (sensitivity, correction factor, baseline; mu-law and A-law expanded;
  padding masked), or its stored values;
- :func:`waveform_times`: the time axis of a group, in seconds;
- :func:`number_of_groups`: how many groups the data set holds.

The interleaved samples are converted in one pass by the Cython kernel
``dcmcore._kernels.waveform``, without the GIL.
"""

from dcmcore.waveforms._array import waveform_array, waveform_times
from dcmcore.waveforms._group import number_of_groups

__all__ = ["waveform_array", "waveform_times", "number_of_groups"]
