"""The dcmcore-gdcm plugin (GDCM, C++): its ``decode`` on JPEG, JPEG-LS, JPEG 2000 and RLE frames.

Input: the frame header of :mod:`fuzz.seeds`, one byte choosing the transfer
syntax (of :data:`UIDS`), then the frame. Seeds: the frames of every test file
GDCM decodes. Checked: the frame decodes to ``spec.frame_shape`` or raises; an
RLE frame GDCM and dcmcore both decode has the same values. GDCM ends the
process on some inputs (the plugin refuses those it knows); the plain runner
runs the target in a child process, so such an input is a counted, saved crash.
"""

from __future__ import annotations

import numpy as np

from dcmcore import rle
from dcmcore.uids import RLELossless
from fuzz.seeds import FRAME_HEADER, PLUGIN_MAX_LEN, plugin_input, plugin_seeds

from dcmcore_gdcm import DECODER

UIDS = tuple(sorted(DECODER.uids))
FOCUS = FRAME_HEADER.size + 1 + 256  # the headers and the start of the codestream
MAX_LEN = PLUGIN_MAX_LEN


def seeds() -> list[bytes]:
    return plugin_seeds(UIDS)


def run(data: bytes) -> None:
    found = plugin_input(data, UIDS)
    if found is None:
        return
    frame, uid, spec = found
    decoded, produced = DECODER.decode(frame.data, spec)
    assert decoded.shape == spec.frame_shape, (decoded.shape, spec.frame_shape)
    if uid == RLELossless:
        try:
            ours = rle.decode_frame(frame.data, spec)
        except Exception:  # noqa: BLE001
            return
        if decoded.dtype == ours.dtype:
            assert np.array_equal(decoded, ours), "GDCM and dcmcore decode the RLE frame to different values"
