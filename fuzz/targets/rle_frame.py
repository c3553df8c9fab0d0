"""RLE Lossless frames: ``dcmcore.rle.decode_frame`` (one frame) against the plugin's batched
``decode_frames`` (the kernel that decodes runs of frames with the GIL released).

Input: the frame header of :mod:`fuzz.seeds` and one RLE frame. The batch holds the
frame 1 to 4 times (flags bits 3-4) at shifting offsets of one buffer. Checked: the
batch decodes exactly as many frames as decode_frame accepts (all or none), to the
same values, with and without correcting unused bits and prefaulting.
"""

from __future__ import annotations

import numpy as np

from dcmcore import rle
from dcmcore.plugins import FrameRun, decoders
from dcmcore.uids import RLELossless
from fuzz.seeds import encapsulated, frame_header, read_frame_input, spec_of

FOCUS = 8 + 64  # the frame header and the RLE header
MAX_LEN = 1 << 18
MAX_DECODED = 1 << 22  # larger geometries are item 2 of issue 13 (allocation bounds): skipped here

_BATCHED = next(info.plugin for info in decoders(RLELossless) if info.builtin)


def seeds() -> list[bytes]:
    out = [head + frame for _, head, frame in encapsulated({RLELossless}, max_frame=MAX_LEN, max_decoded=MAX_DECODED)]
    # 64-bit and 4-sample layouts that no test file has, from dcmcore's encoder
    rng = np.random.default_rng(0)
    for spp, bits, shape in ((1, 64, (3, 5)), (3, 16, (4, 7)), (1, 8, (1, 1)), (1, 32, (2, 130))):
        arr = rng.integers(0, 4, size=shape + ((spp,) if spp > 1 else ()), dtype=np.uint8).astype(f"u{bits // 8}")
        spec = spec_of(read_frame_input(frame_header(shape[0], shape[1], spp, bits, bits, 0)), RLELossless)
        out.append(frame_header(shape[0], shape[1], spp, bits, bits, 4 | 32) + rle.encode_frame(arr, spec))
    return out


def run(data: bytes) -> None:
    frame = read_frame_input(data)
    if frame is None or frame.decoded_nbytes > MAX_DECODED:
        return
    spec = spec_of(frame, RLELossless)
    fix = bool(frame.flags & 4)
    try:
        single = rle.decode_frame(frame.data, spec, correct_unused_bits=fix)
    except Exception as exc:
        single, error = None, exc
    count = 1 + ((frame.flags >> 3) & 3)
    gap = len(frame.data) % 7
    stride = len(frame.data) + gap
    buffer = memoryview((frame.data + bytes(gap)) * count)
    starts = np.arange(count, dtype=np.intp) * stride
    run_ = FrameRun(buffer, starts, starts + len(frame.data), 0)
    out = np.full((count, *spec.frame_shape), 0x5A, dtype=spec.dtype)
    done, _ = _BATCHED.decode_frames(run_, spec, out, correct_unused_bits=fix, prefault=bool(frame.flags & 32))
    if single is None:
        assert done == 0, f"decode_frames decoded {done} frames that decode_frame refuses ({error!r})"
        raise error
    assert done == count, f"decode_frames decoded {done} of {count} frames that decode_frame decodes"
    for k in range(count):
        assert np.array_equal(out[k], single), f"frame {k} of the batch differs from decode_frame"
