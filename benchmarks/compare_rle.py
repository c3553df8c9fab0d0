"""RLE: the RLE Lossless codec, frame by frame: dcmcore.rle vs pylibjpeg-rle, GDCM and pydicom.

Inputs: a seeded 16-bit CT-like 512 x 512 x 100 data set (encoded by
pylibjpeg-rle, cached outside the source tree: see benchmarks/common.py) and pydicom-data's
OBXXXX1A_rle.dcm (8-bit palette colour, 600 x 800, one segment).

Fairness: every side gets the frame's RLE bytes and returns a new array of
the frame's shape in native byte order, allocating its own output (dcmcore
without out=). pylibjpeg-rle's little endian, planar output needs only
np.frombuffer for one sample. GDCM is called through python-gdcm, which
returns its buffer as a str; that conversion is part of using GDCM from Python
and is included. Encoders get the natively encoded frame: dcmcore the array
(it reads it in place), pylibjpeg-rle and GDCM its bytes, made beforehand.
"""

from __future__ import annotations

from benchmarks import common_rle
from benchmarks.compare import Case
from dcmcore import rle


def _decode_all(decode, frames, spec, times=1):
    def run():
        for _ in range(times):
            for frame in frames:
                decode(frame, spec)

    return run


def _encode_all(encode, inputs, spec, times=1):
    def run():
        for _ in range(times):
            for src in inputs:
                encode(src, spec)

    return run


def cases(quick: bool = False) -> list[Case]:
    nct = 10 if quick else 100
    ct_spec, ct_frames, ct_volume = common_rle.rle_case("ct", 100)
    ct_frames = ct_frames[:nct]
    ct_arrays = list(ct_volume[:nct])
    ct_bytes = [a.tobytes() for a in ct_arrays]
    ct_mb = sum(len(b) for b in ct_bytes) / 1e6
    few = max(2, nct // 10)  # the pure-Python decoder gets a tenth of the frames

    ob_spec, ob_frames, ob_volume = common_rle.rle_case("OBXXXX1A_rle.dcm")
    ob_arrays = list(ob_volume)
    ob_bytes = [a.tobytes() for a in ob_arrays]
    reps = 5 if quick else 20  # one 0.5 MB frame is too short to time alone

    dec = rle.decode_frame
    enc = rle.encode_frame
    ct = f"CT u16 512x512 x{nct} ({ct_mb:.0f} MB)"
    ob = f"OBXXXX1A_rle 8-bit 600x800 x{reps}"
    return [
        # -- decode ---------------------------------------------------------
        Case(
            f"decode {ct}, bare frames",
            _decode_all(dec, ct_frames, ct_spec),
            "pylibjpeg-rle decode_frame",
            _decode_all(common_rle.pylibjpeg_decode, ct_frames, ct_spec),
            target=1.0,
            target_text=">= 1.0x",
        ),
        Case(
            f"decode {ob}, bare frame",
            _decode_all(dec, ob_frames, ob_spec, reps),
            "pylibjpeg-rle decode_frame",
            _decode_all(common_rle.pylibjpeg_decode, ob_frames, ob_spec, reps),
            target=1.0,
            target_text=">= 1.0x",
        ),
        Case(
            f"decode {ct}, bare frames",
            _decode_all(dec, ct_frames, ct_spec),
            "GDCM (python-gdcm)",
            _decode_all(common_rle.gdcm_decode, ct_frames, ct_spec),
        ),
        Case(
            f"decode {ob}, bare frame",
            _decode_all(dec, ob_frames, ob_spec, reps),
            "GDCM (python-gdcm)",
            _decode_all(common_rle.gdcm_decode, ob_frames, ob_spec, reps),
        ),
        Case(
            f"decode CT u16 512x512 x{few}, bare frames",
            _decode_all(dec, ct_frames[:few], ct_spec),
            "pydicom pure-Python RLE",
            _decode_all(common_rle.pydicom_decode, ct_frames[:few], ct_spec),
            target=8.0,
            target_text=">= 8x",
            repeat=3,
        ),
        Case(
            "decode OBXXXX1A_rle 8-bit 600x800 x2, bare frame",
            _decode_all(dec, ob_frames, ob_spec, 2),
            "pydicom pure-Python RLE",
            _decode_all(common_rle.pydicom_decode, ob_frames, ob_spec, 2),
            target=8.0,
            target_text=">= 8x",
            repeat=3,
        ),
        # -- encode ---------------------------------------------------------
        Case(
            f"encode {ct}",
            _encode_all(enc, ct_arrays, ct_spec),
            "GDCM (python-gdcm)",
            _encode_all(common_rle.gdcm_encode, ct_bytes, ct_spec),
            target=1.5,
            target_text=">= 1.5x",
        ),
        Case(
            f"encode {ob}",
            _encode_all(enc, ob_arrays, ob_spec, reps),
            "GDCM (python-gdcm)",
            _encode_all(common_rle.gdcm_encode, ob_bytes, ob_spec, reps),
            target=1.5,
            target_text=">= 1.5x",
        ),
        Case(
            f"encode CT u16 512x512 x{few}",
            _encode_all(enc, ct_arrays[:few], ct_spec),
            "pylibjpeg-rle encode_frame",
            _encode_all(common_rle.pylibjpeg_encode, ct_bytes[:few], ct_spec),
            repeat=3,
        ),
        Case(
            "encode OBXXXX1A_rle 8-bit 600x800 x2",
            _encode_all(enc, ob_arrays, ob_spec, 2),
            "pylibjpeg-rle encode_frame",
            _encode_all(common_rle.pylibjpeg_encode, ob_bytes, ob_spec, 2),
            repeat=3,
        ),
    ]
