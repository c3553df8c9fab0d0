"""The dcmcore-imagecodecs plugin (libjpeg-turbo, CharLS, OpenJPEG, libjxl): its ``decode`` and ``decode_frames``.

Input: the frame header of :mod:`fuzz.seeds`, one byte choosing the transfer
syntax (of :data:`UIDS`), then the frame. Seeds: the frames of every test file
the plugin decodes. Checked: ``decode`` gives an array of ``spec.frame_shape``
or raises; ``decode_frames`` on a run of that one frame decodes it exactly when
``decode`` does (it may decline a frame ``decode`` takes, with a warning to
give), to the same values when neither converts colours.
"""

from __future__ import annotations

import warnings

import numpy as np

from dcmcore.plugins import FrameRun
from fuzz.seeds import FRAME_HEADER, encapsulated, read_frame_input, spec_of

from dcmcore_imagecodecs import DECODER

UIDS = tuple(sorted(DECODER.uids))
FOCUS = FRAME_HEADER.size + 1 + 256  # the headers and the start of the codestream
MAX_LEN = 1 << 17
MAX_DECODED = 1 << 22  # larger geometries are item 2 of issue 13 (allocation bounds): skipped here


def seeds() -> list[bytes]:
    out = []
    for uid, head, frame in encapsulated(set(UIDS), max_frame=MAX_LEN, max_decoded=MAX_DECODED):
        out.append(head + bytes([UIDS.index(uid)]) + frame)
    return out


def run(data: bytes) -> None:
    frame = read_frame_input(data[: FRAME_HEADER.size] + data[FRAME_HEADER.size + 1 :])
    if frame is None or len(data) <= FRAME_HEADER.size or frame.decoded_nbytes > MAX_DECODED:
        return
    uid = UIDS[data[FRAME_HEADER.size] % len(UIDS)]
    spec = spec_of(frame, uid)
    batch = np.zeros((1, *spec.frame_shape), spec.dtype)
    starts = np.zeros(1, np.intp)
    stops = np.array([len(frame.data)], np.intp)
    got, produced_batch = DECODER.decode_frames(FrameRun(memoryview(frame.data), starts, stops, 0), spec, batch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            decoded, produced = DECODER.decode(frame.data, spec)
        except Exception:
            assert got == 0, "decode_frames decoded a frame that decode refuses"
            raise
    assert decoded.shape == spec.frame_shape and decoded.dtype == spec.dtype, (decoded.shape, decoded.dtype, spec.frame_shape)
    if got == 1 and produced_batch.photometric_interpretation == produced.photometric_interpretation:
        assert np.array_equal(batch[0], decoded), "decode_frames and decode give different values"
