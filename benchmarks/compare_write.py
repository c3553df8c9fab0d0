"""Write path and waveforms: dcmcore.compress / decompress / waveform_array vs pydicom's Dataset methods.

Inputs (``benchmarks/common_write.py``): a 200-frame 512 x 512 CT-like series
(12 bits stored), natively encoded; the same compressed to RLE Lossless; and
pydicom's 12-lead ECG.

Fairness: each call gets a fresh copy of the data set's elements (the pixel
bytes are shared), made the same way for both sides and inside the timing of
both. pydicom runs with its plugins as installed here (for RLE: pylibjpeg-rle
first, then its own codec); dcmcore with its own RLE codec, one thread unless
the case says otherwise. Both produce the same thing: an RLE Lossless data set
(Basic Offset Table), or an Explicit VR Little Endian one; pydicom's
``decompress`` also makes a new SOP Instance UID, which costs microseconds.
"""

from __future__ import annotations

import warnings

from pydicom.uid import RLELossless

import dcmcore
from benchmarks import common_write
from benchmarks.compare import Case


def _quiet(fn):
    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn()

    return run


def cases(quick: bool = False) -> list[Case]:
    frames = 20 if quick else 200
    native = common_write.ct_dataset(frames)
    rle = common_write.ct_rle_dataset(frames)
    ecg = common_write.ecg()
    fresh = common_write.fresh
    ct = f"CT 512x512 x{frames} (12 bits stored)"
    repeat = 3 if quick else 5
    return [
        Case(
            f"compress to RLE Lossless, {ct}",
            lambda: dcmcore.compress(fresh(native), RLELossless),
            "pydicom Dataset.compress",
            _quiet(lambda: fresh(native).compress(RLELossless)),
            target=3.0,
            target_text=">= 3x",
            repeat=repeat,
        ),
        Case(
            f"compress to RLE Lossless, {ct}, workers=2",
            lambda: dcmcore.compress(fresh(native), RLELossless, workers=2),
            "pydicom Dataset.compress",
            _quiet(lambda: fresh(native).compress(RLELossless)),
            repeat=repeat,
        ),
        Case(
            f"decompress RLE Lossless, {ct}",
            lambda: dcmcore.decompress(fresh(rle)),
            "pydicom Dataset.decompress",
            _quiet(lambda: fresh(rle).decompress()),
            target=2.0,
            target_text=">= 2x",
            repeat=repeat,
        ),
        Case(
            "waveform_array, 12-lead ECG (10,000 samples)",
            lambda: dcmcore.waveform_array(ecg, 0),
            "pydicom Dataset.waveform_array",
            lambda: ecg.waveform_array(0),
            target=3.0,
            target_text=">= 3x",
            repeat=15,
            batch=20,
        ),
    ]
