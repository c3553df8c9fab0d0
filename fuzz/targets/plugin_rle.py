"""The dcmcore-rle plugin (pylibjpeg-rle, Rust): its ``decode`` on RLE frames, against dcmcore's decoder.

Input: as for ``rle_frame`` (the frame header of :mod:`fuzz.seeds` and an RLE
frame). Checked: a frame both decode gives the same values. The plain runner
runs it, like every target, in a child process, so a panic or an abort in the
codec is a crash that is counted and saved, not the end of the run.
"""

from __future__ import annotations

import numpy as np

from dcmcore import rle
from dcmcore.uids import RLELossless
from fuzz.seeds import read_frame_input, spec_of
from fuzz.targets.rle_frame import FOCUS, MAX_DECODED, MAX_LEN, seeds  # noqa: F401 - the same inputs

from dcmcore_rle import DECODER


def run(data: bytes) -> None:
    frame = read_frame_input(data)
    if frame is None or frame.decoded_nbytes > MAX_DECODED:
        return
    spec = spec_of(frame, RLELossless)
    decoded, produced = DECODER.decode(frame.data, spec)
    assert decoded.shape == spec.frame_shape, (decoded.shape, spec.frame_shape)
    try:
        ours = rle.decode_frame(frame.data, spec)
    except Exception:  # noqa: BLE001 - dcmcore is stricter (overlong runs are errors)
        return
    if decoded.dtype == ours.dtype:
        assert np.array_equal(decoded, ours), "pylibjpeg-rle and dcmcore decode the frame to different values"
