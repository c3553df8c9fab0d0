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

JPEG-LS Lossless and JPEG 2000 Lossless (when dcmcore-imagecodecs encodes
them here and pydicom has its plugin): dcmcore through dcmcore-imagecodecs
(CharLS, OpenJPEG via imagecodecs) against pydicom with ``pyjpegls`` and
``pylibjpeg`` (pylibjpeg-openjpeg), one thread each, and dcmcore with
``workers=2`` (pydicom has no threads); both write lossless MONOCHROME2
codestreams of the same frames (the sizes differ a little with the libraries'
defaults: the timing is of the whole ``compress``). Both sides spend nearly
all their time in the same kind of codec (CharLS; OpenJPEG), so one thread
against one thread is close to 1x: the codec is the cost, not the Python
around it, and the ">= 3x" of the issue is out of reach without threads.
"""

from __future__ import annotations


from pydicom.uid import JPEG2000Lossless, JPEGLSLossless, RLELossless

import dcmcore
from benchmarks import common_write
from benchmarks.common import quiet as _quiet
from benchmarks.compare import Case


#: The JPEG-family rows: (syntax, pydicom's plugin label).
JPEG_FAMILY = ((JPEGLSLossless, "pyjpegls"), (JPEG2000Lossless, "pylibjpeg"))


def usable(uid, pydicom_label: str) -> bool:
    """Whether dcmcore-imagecodecs and pydicom's `pydicom_label` plugin both encode `uid` here."""
    from pydicom.pixels import get_encoder

    from dcmcore import plugins

    ours = any(i.label == "imagecodecs" and i.available for i in plugins.encoders(str(uid)))
    try:
        theirs = pydicom_label in get_encoder(uid).available_plugins
    except Exception:
        theirs = False
    return ours and theirs


def _jpeg_family(native, ct: str, repeat: int) -> list[Case]:
    fresh = common_write.fresh
    out = []
    for uid, label in JPEG_FAMILY:
        if not usable(uid, label):
            continue
        name = "JPEG-LS Lossless" if uid == JPEGLSLossless else "JPEG 2000 Lossless"
        for workers in (1, 2):
            out.append(
                Case(
                    f"compress to {name}, {ct}" + (f", workers={workers}" if workers > 1 else ""),
                    lambda uid=uid, w=workers: dcmcore.compress(fresh(native), uid, encoding_plugin="imagecodecs", workers=w),
                    f"pydicom Dataset.compress ({label})",
                    _quiet(lambda uid=uid, label=label: fresh(native).compress(uid, encoding_plugin=label)),
                    target=3.0 if workers == 1 else None,
                    target_text=">= 3x" if workers == 1 else "",
                    repeat=repeat,
                )
            )
    return out


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
        *_jpeg_family(native, ct, 2 if quick else 3),
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
