"""Plugins and dispatch: codec plugins end to end, dcmcore with a plugin vs pydicom with the same codec.

Each case decodes a whole real file (pydicom's test files and pydicom-data)
to an array: ``dcmcore.pixel_array(ds, decoding_plugin=...)`` through the
dcmcore-gdcm or dcmcore-rle plugin, against ``pydicom.pixels.pixel_array(ds,
decoding_plugin=...)`` driving the same library (GDCM; pylibjpeg-rle through
pylibjpeg). Both get the same data set, read once beforehand with its pixel
data in memory, and return a new array. The codec call is the same on both
sides, so the ratio shows what each side spends around it: frame lookup,
buffer conversion, the returned-spec bookkeeping and, for YCbCr images
without ``raw``, the colour conversion (dcmcore's Cython kernel, pydicom's
NumPy code). No target: the plugins add to a codec's time, they cannot remove
from it.
"""

from __future__ import annotations

import warnings

from benchmarks.compare import Case

#: (file, plugin label, pydicom's label for the same codec, options, note)
_CASES = [
    ("color3d_jpeg_baseline.dcm", "gdcm", "gdcm", {}, "JPEG Baseline YBR_FULL_422 640x480 x120 -> RGB"),
    ("color3d_jpeg_baseline.dcm", "gdcm", "gdcm", {"raw": True}, "JPEG Baseline YBR_FULL_422 640x480 x120 raw"),
    ("examples_ybr_color.dcm", "gdcm", "gdcm", {}, "JPEG Baseline YBR_FULL_422 320x240 x30 -> RGB"),
    ("JPGLosslessP14SV1_1s_1f_8b.dcm", "gdcm", "gdcm", {}, "JPEG Lossless SV1 u8 1024x768"),
    ("MR2_J2KR.dcm", "gdcm", "gdcm", {}, "JPEG 2000 Lossless u16 1024x1024"),
    ("US1_J2KI.dcm", "gdcm", "gdcm", {}, "JPEG 2000 YBR_ICT 640x480"),
    ("emri_small_jpeg_ls_lossless.dcm", "gdcm", "gdcm", {}, "JPEG-LS Lossless u16 64x64 x10"),
    ("emri_small_jpeg_2k_lossless.dcm", "gdcm", "gdcm", {}, "JPEG 2000 Lossless u16 64x64 x10"),
    ("OBXXXX1A_rle_2frame.dcm", "pylibjpeg-rle", "pylibjpeg", {}, "RLE palette u8 800x600 x2"),
    ("emri_small_RLE.dcm", "pylibjpeg-rle", "pylibjpeg", {}, "RLE u16 64x64 x10"),
    ("SC_rgb_rle_32bit_2frame.dcm", "pylibjpeg-rle", "pylibjpeg", {}, "RLE RGB u32 100x100 x2"),
]
_QUICK = {"examples_ybr_color.dcm", "US1_J2KI.dcm", "emri_small_jpeg_ls_lossless.dcm", "emri_small_RLE.dcm"}


def _dataset(name: str):
    import pydicom

    from dcmcore._testdata import testdata_file

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(testdata_file(name))
    ds.PixelData  # noqa: B018 - loaded before timing
    return ds


def _available(label: str) -> bool:
    import dcmcore.plugins as plugins

    return any(i.label == label and i.available for uid in ("1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.5") for i in plugins.decoders(uid))


def cases(quick: bool = False) -> list[Case]:
    import dcmcore
    from pydicom.pixels import pixel_array as pydicom_array

    out = []
    for name, label, reference, options, note in _CASES:
        if quick and name not in _QUICK:
            continue
        if not _available(label):
            print(f"plugins   skipped {name}: the {label!r} plugin is not installed")
            continue
        ds = _dataset(name)
        opts = dict(options)

        def ours(ds=ds, label=label, opts=opts):
            return dcmcore.pixel_array(ds, decoding_plugin=label, **opts)

        def theirs(ds=ds, reference=reference, opts=opts):
            return pydicom_array(ds, decoding_plugin=reference, **opts)

        out.append(
            Case(
                name=f"{label}: {note}",
                dcmcore=ours,
                reference_label=f"pydicom + {reference}",
                reference=theirs,
                repeat=3 if name == "color3d_jpeg_baseline.dcm" else 7,
                notes=name,
            )
        )
    return out
