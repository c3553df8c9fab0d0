"""``FrameRun``: consecutive encoded frames in one buffer, for the optional ``decode_frames`` capability.

A decoder that can turn many frames into a preallocated output in one call
(with the GIL released once for all of them) implements ``decode_frames``;
dcmcore detects it by attribute and uses it when that plugin is first in
dispatch order, for built-in and third-party plugins alike (see
:class:`~dcmcore.plugins.base.DecoderPlugin`).
"""

from __future__ import annotations

from dataclasses import InitVar, dataclass

import numpy as np

__all__ = ["FrameRun"]


@dataclass(frozen=True, eq=False)
class FrameRun:
    """Consecutive encoded frames held in one buffer.

    Attributes
    ----------
    buffer : memoryview
        A 1-D byte view holding the frames. For encapsulated syntaxes it is
        the Pixel Data value (or a part read from a file); for natively
        encoded data, the stored bytes of the frames.
    starts, stops : numpy.ndarray
        ``intp`` arrays: frame ``k`` of the run is ``buffer[starts[k]:stops[k]]``.
        Natively encoded frames of Bits Allocated 1 need not start on a byte
        boundary: there ``starts[k]`` is the byte holding the frame's first
        bit, at bit ``((first + k) * rows * columns) % 8`` of it.
    first : int
        The index (0-based) of the run's first frame in the data set.
    in_place : bool
        True when `buffer` is the output itself: the stored bytes of natively
        encoded frames were read straight into ``out`` (only for plugins that
        say they can, with ``decodes_in_place``).

    Parameters
    ----------
    check : bool, optional
        Check that every range lies in `buffer` (``ValueError`` otherwise);
        dcmcore's sessions, which computed the ranges from the buffer, skip it.
    """

    buffer: memoryview
    starts: np.ndarray
    stops: np.ndarray
    first: int
    in_place: bool = False
    check: InitVar[bool] = True

    def __post_init__(self, check: bool) -> None:
        if not check:  # the maker already knows the ranges lie in the buffer
            return
        if self.starts.shape != self.stops.shape or self.starts.ndim != 1:
            raise ValueError(f"'starts' {self.starts.shape} and 'stops' {self.stops.shape} must be equal 1-D shapes")
        n = len(self.buffer)
        if len(self.starts) and (
            int(self.starts.min()) < 0 or int(self.stops.max()) > n or bool((self.stops < self.starts).any())
        ):
            raise ValueError(f"A frame range of the run lies outside its {n}-byte buffer")

    def __len__(self) -> int:
        return len(self.starts)

    def frame(self, k: int) -> memoryview:
        """The encoded bytes of frame `k` of the run."""
        return self.buffer[int(self.starts[k]) : int(self.stops[k])]
