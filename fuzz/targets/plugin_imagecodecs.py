"""The dcmcore-imagecodecs plugin (libjpeg-turbo, CharLS, OpenJPEG, libjxl): its ``decode`` and ``decode_frames``.

Input: the frame header of :mod:`fuzz.seeds`, one byte choosing the transfer
syntax (of :data:`UIDS`), then the frame. Seeds: the frames of every test file
the plugin decodes. Checked: ``decode`` gives an array of ``spec.frame_shape``
or raises; ``decode_frames`` on a run of that one frame decodes it exactly when
``decode`` does (it may decline a frame ``decode`` takes, with a warning to
give), to the same values when neither converts colours.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np

from dcmcore.plugins import FrameRun
from fuzz.seeds import FRAME_HEADER, PLUGIN_MAX_LEN, plugin_input, plugin_seeds

from dcmcore_imagecodecs import DECODER

UIDS = tuple(sorted(DECODER.uids))
FOCUS = FRAME_HEADER.size + 1 + 256  # the headers and the start of the codestream
MAX_LEN = PLUGIN_MAX_LEN
seeds = functools.partial(plugin_seeds, UIDS)


def run(data: bytes) -> None:
    found = plugin_input(data, UIDS)
    if found is not None:
        _decode_both(found[0].data, found[2])


def _decode_both(src: bytes, spec) -> None:
    """``decode_frames`` on a run of the one frame, then ``decode``: the same frames taken, the same values."""
    batch = np.zeros((1, *spec.frame_shape), spec.dtype)
    starts = np.zeros(1, np.intp)
    stops = np.array([len(src)], np.intp)
    got, produced_batch = DECODER.decode_frames(FrameRun(memoryview(src), starts, stops, 0), spec, batch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            decoded, produced = DECODER.decode(src, spec)
        except Exception:
            assert got == 0, "decode_frames decoded a frame that decode refuses"
            raise
    assert decoded.shape == spec.frame_shape and decoded.dtype == spec.dtype, (decoded.shape, decoded.dtype, spec.frame_shape)
    if got == 1 and produced_batch.photometric_interpretation == produced.photometric_interpretation:
        assert np.array_equal(batch[0], decoded), "decode_frames and decode give different values"
