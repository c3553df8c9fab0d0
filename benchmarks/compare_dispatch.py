"""Plugins and dispatch: compressed pixel data end to end through the dispatcher.

RLE Lossless files decoded to an array by ``dcmcore.pixel_array`` vs pydicom 3
with pylibjpeg-rle and with its pure-Python decoder; frames on two threads vs
one; and the dispatcher's own cost per frame.
"""

from __future__ import annotations

import statistics
import time
import warnings

import numpy as np
import pydicom

import dcmcore
from benchmarks import common_rle
from benchmarks.compare import Case
from dcmcore._testdata import testdata_file


def _read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(path)


def _pydicom(ds, plugin):
    from pydicom.pixels import pixel_array

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pixel_array(ds, decoding_plugin=plugin)


def _datasets(quick: bool):
    frames = 10 if quick else 100
    ct = _read(common_rle.ct_rle_path(frames))
    ob = _read(testdata_file("OBXXXX1A_rle.dcm"))
    return frames, ct, ob


def cases(quick: bool = False) -> list[Case]:
    frames, ct, ob = _datasets(quick)
    mb = dcmcore.PixelSpec.from_dataset(ct).frame_decoded_nbytes * frames / 1e6
    out = []
    for label, ds in ((f"16-bit 512x512x{frames} ({mb:.0f} MB)", ct), ("OBXXXX1A_rle.dcm", ob)):
        out += [
            Case(
                f"RLE {label} -> array",
                lambda ds=ds: dcmcore.pixel_array(ds),
                "pydicom + pylibjpeg-rle",
                lambda ds=ds: _pydicom(ds, "pylibjpeg"),
                target=2.0,
                target_text=">= 2x",
            ),
            Case(
                f"RLE {label} -> array",
                lambda ds=ds: dcmcore.pixel_array(ds),
                "pydicom pure-Python RLE",
                lambda ds=ds: _pydicom(ds, "pydicom"),
                target=8.0,
                target_text=">= 8x",
                repeat=3,
            ),
        ]
    out.append(
        Case(
            f"RLE 16-bit 512x512x{frames}, workers=2",
            lambda: dcmcore.pixel_array(ct, workers=2),
            "dcmcore workers=1",
            lambda: dcmcore.pixel_array(ct, workers=1),
            target=1.6,
            target_text=">= 1.6x",
            # Runs of calls in a row, as a pipeline makes them; the first call of a
            # run also pays for waking the second vCPU of this shared virtual
            # machine, idle during the other side's run, and is not counted.
            repeat=21,
            batch=5,
        )
    )
    return out


def _median(fn, repeat=15):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def report(quick: bool = False) -> list[str]:
    """The dispatcher's cost per frame: pixel_array of many tiny RLE frames minus the bare decodes."""
    from pydicom.encaps import encapsulate

    from dcmcore import rle

    nframes = 200 if quick else 2000
    frame = np.arange(16, dtype=np.uint8).reshape(4, 4)
    ds = common_rle._dataset([b"\0\0"], 4, 4, 1)
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    ds.NumberOfFrames = nframes
    spec = dcmcore.PixelSpec.from_dataset(ds, pixel_keyword="PixelData")
    encoded = rle.encode_frame(frame, spec)
    ds.PixelData = encapsulate([encoded] * nframes)
    ds = _read(_roundtrip(ds))
    spec = dcmcore.PixelSpec.from_dataset(ds)
    from pydicom.encaps import generate_frames

    blobs = list(generate_frames(ds.PixelData, number_of_frames=nframes))
    target = np.empty((nframes, 4, 4), np.uint8)

    def direct():
        for k, blob in enumerate(blobs):
            rle.decode_frame(blob, spec, out=target[k])

    import dcmcore.plugins as plugins

    builtin = plugins.decoders(spec.transfer_syntax_uid)[0].plugin

    class PerFrame:
        """dcmcore's RLE decoder without its decode_frames capability: every frame through the dispatcher."""

        label, priority, api_version = "dcmcore-per-frame", 99, 1
        corrects_unused_bits = True
        decode = staticmethod(builtin.decode)

        def is_available(self, uid):
            return True

    bare = _median(direct)
    batched = _median(lambda: dcmcore.pixel_array(ds, out=target))
    plugins.register_decoder(spec.transfer_syntax_uid, PerFrame())
    try:
        dispatched = _median(lambda: dcmcore.pixel_array(ds, out=target, decoding_plugin="dcmcore-per-frame"))
    finally:
        plugins.unregister_decoder(spec.transfer_syntax_uid, "dcmcore-per-frame")
    per_frame_us = (dispatched - bare) / nframes * 1e6
    batched_us = (batched - bare) / nframes * 1e6
    verdict = "met" if per_frame_us < 5 else "MISSED"
    return [
        f"dispatch  overhead per frame (pixel_array of {nframes} 4x4 RLE frames through the dispatcher, minus "
        f"bare rle.decode_frame calls): {per_frame_us:.2f} us  target < 5 us {verdict}",
        f"dispatch  the same with dcmcore's RLE kernel decoding the run of frames in one call (the default): "
        f"{batched_us:.2f} us per frame",
    ]


def _roundtrip(ds):
    import io

    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    buf.seek(0)
    return buf
