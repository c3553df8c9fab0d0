"""Compressed codecs: dcmcore through dcmcore-imagecodecs vs pydicom with its fastest plugin.

The multi-frame files of issue 10 are generated once (seeded, encoded with
imagecodecs) and cached outside the source tree (:func:`benchmarks.common.data_dir`);
a few real files of pydicom's test data are added. Each file is read once, with
its pixel data in memory, and both sides decode that same data set to a new
array. pydicom's reference is the fastest of its plugins that decode the file
here, chosen by timing each once before the measurement (the label says which).
Then, where dcmcore-gdcm decodes the syntax too, this plugin against it (the
measurement behind the priorities: imagecodecs 20, before GDCM's 30), and
dcmcore with ``workers=2`` against ``workers=1``.

Rows marked "the ceiling" time the codec library alone on the same frames
(split beforehand, each decoded into a new array), against the same reference:
what no plugin around that library can beat.

Targets (issue 10): JPEG Baseline YBR 1024x1024 >= 4x, JPEG Baseline grey
>= 1.3x, JPEG-LS and JPEG 2000 >= 1x, HTJ2K >= 2x pydicom with
pylibjpeg-openjpeg, ``workers=2`` >= 1.7x ``workers=1``.
"""

from __future__ import annotations

import functools
import time
import warnings

import numpy as np

from benchmarks.common import cached_file
from benchmarks.compare import Case

_PYDICOM_PLUGINS = ("pylibjpeg", "pillow", "pyjpegls", "gdcm")


def _phantom(frames: int, size: int, bits: int, seed: int) -> np.ndarray:
    """Smooth anatomy-like frames (gradients, discs, mild noise) of `bits` bits, unsigned."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    top = (1 << bits) - 1
    out = np.empty((frames, size, size), np.uint16 if bits > 8 else np.uint8)
    for k in range(frames):
        cx, cy = 0.5 + 0.1 * np.sin(k / 3), 0.5 + 0.1 * np.cos(k / 4)
        disc = ((x - cx) ** 2 + (y - cy) ** 2 < 0.12).astype(np.float32)
        inner = ((x - cx + 0.1) ** 2 + (y - cy) ** 2 < 0.01).astype(np.float32)
        img = 0.2 * x + 0.1 * y + 0.4 * disc + 0.2 * inner + rng.normal(0, 0.01, (size, size)).astype(np.float32)
        out[k] = np.clip(img * top, 0, top).astype(out.dtype)
    return out


def _write(path, frames: list[bytes], uid: str, shape: tuple[int, int, int], bits: tuple[int, int], pi: str) -> None:
    from pydicom.dataset import FileMetaDataset
    from pydicom.encaps import encapsulate
    from pydicom.uid import UID, generate_uid

    from pydicom import Dataset

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = UID(uid)
    ds.file_meta.MediaStorageSOPClassUID = UID("1.2.840.10008.5.1.4.1.1.7")
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID, ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID
    ds.Rows, ds.Columns, ds.SamplesPerPixel = shape
    ds.PhotometricInterpretation = pi
    if shape[2] > 1:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated, ds.BitsStored = bits
    ds.HighBit = bits[1] - 1
    ds.PixelRepresentation = 0
    ds.NumberOfFrames = len(frames)
    ds.PixelData = encapsulate(frames)
    ds["PixelData"].VR = "OB"
    ds.save_as(path, enforce_file_format=True)


def _jpeg_ybr(frames: int, size: int):
    import imagecodecs

    grey = _phantom(frames, size, 8, 1)
    rgb = np.stack([grey, np.flip(grey, 1), grey // 2 + 60], axis=-1)
    encoded = [bytes(imagecodecs.jpeg8_encode(f, level=90, colorspace="RGB", outcolorspace="YCbCr", subsampling="420")) for f in rgb]
    return encoded, "1.2.840.10008.1.2.4.50", (size, size, 3), (8, 8), "YBR_FULL_422"


def _jpeg_grey(frames: int, size: int):
    import imagecodecs

    encoded = [bytes(imagecodecs.jpeg8_encode(f, level=90)) for f in _phantom(frames, size, 8, 2)]
    return encoded, "1.2.840.10008.1.2.4.50", (size, size, 1), (8, 8), "MONOCHROME2"


def _jpeg_ls(frames: int, size: int):
    import imagecodecs

    encoded = [bytes(imagecodecs.jpegls_encode(f)) for f in _phantom(frames, size, 12, 3)]
    return encoded, "1.2.840.10008.1.2.4.80", (size, size, 1), (16, 12), "MONOCHROME2"


def _j2k_lossless(frames: int, size: int):
    import imagecodecs

    encoded = [
        bytes(imagecodecs.jpeg2k_encode(f, level=0, codecformat="J2K", reversible=True, bitspersample=12))
        for f in _phantom(frames, size, 12, 4)
    ]
    return encoded, "1.2.840.10008.1.2.4.90", (size, size, 1), (16, 12), "MONOCHROME2"


def _j2k_lossy_rgb(frames: int, size: int):
    import imagecodecs

    grey = _phantom(frames, size, 8, 5)
    rgb = np.stack([grey, np.flip(grey, 0), grey // 3 + 80], axis=-1)
    encoded = [bytes(imagecodecs.jpeg2k_encode(f, level=40, codecformat="J2K", reversible=False, mct=True)) for f in rgb]
    return encoded, "1.2.840.10008.1.2.4.91", (size, size, 3), (8, 8), "YBR_ICT"


def _htj2k_lossless(frames: int, size: int):
    import imagecodecs

    encoded = [bytes(imagecodecs.htj2k_encode(f, reversible=True)) for f in _phantom(frames, size, 12, 6)]
    return encoded, "1.2.840.10008.1.2.4.201", (size, size, 1), (16, 12), "MONOCHROME2"


#: (key, maker, frames, size, quick frames, quick size, target vs pydicom, note)
_GENERATED = [
    ("jpeg_ybr420", _jpeg_ybr, 20, 1024, 3, 256, 4.0, "JPEG Baseline YBR_FULL_422 (4:2:0) 20 x 1024x1024 -> RGB"),
    ("jpeg_grey", _jpeg_grey, 50, 512, 4, 128, 1.3, "JPEG Baseline grey 8-bit 50 x 512x512"),
    ("jpegls12", _jpeg_ls, 20, 512, 3, 128, 1.0, "JPEG-LS lossless 12-bit 20 x 512x512"),
    ("j2k12", _j2k_lossless, 20, 512, 3, 128, 1.0, "JPEG 2000 lossless 12-bit 20 x 512x512"),
    ("j2k_ict", _j2k_lossy_rgb, 10, 1024, 2, 256, 1.0, "JPEG 2000 lossy RGB (YBR_ICT) 10 x 1024x1024"),
    ("htj2k12", _htj2k_lossless, 20, 512, 3, 128, 2.0, "HTJ2K lossless 12-bit 20 x 512x512"),
]
#: Real files: (name, note)
_REAL = [
    ("color3d_jpeg_baseline.dcm", "real: JPEG Baseline YBR_FULL_422 120 x 640x480 -> RGB"),
    ("MR2_J2KR.dcm", "real: JPEG 2000 lossless 1024x1024"),
    ("emri_small_jpeg_ls_lossless.dcm", "real: JPEG-LS lossless 10 x 64x64"),
]


@functools.cache
def _generated(key: str, quick: bool):
    import pydicom

    _, maker, frames, size, qframes, qsize, _, _ = next(g for g in _GENERATED if g[0] == key)
    frames, size = (qframes, qsize) if quick else (frames, size)

    def write(tmp):
        _write(tmp, *maker(frames, size))

    path = cached_file(f"codecs_{key}_{frames}x{size}.dcm", write)
    ds = pydicom.dcmread(path)
    ds.PixelData  # noqa: B018 - in memory before timing
    return ds


@functools.cache
def _real(name: str):
    import pydicom

    from dcmcore._testdata import testdata_file

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(testdata_file(name))
    ds.PixelData  # noqa: B018
    return ds


def _fastest_pydicom(ds) -> str | None:
    """The pydicom plugin that decodes `ds` fastest here (each timed once, after a warm-up call)."""
    from pydicom.pixels import pixel_array

    best, label = float("inf"), None
    for plugin in _PYDICOM_PLUGINS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pixel_array(ds, decoding_plugin=plugin)
                t0 = time.perf_counter()
                pixel_array(ds, decoding_plugin=plugin)
                took = time.perf_counter() - t0
        except Exception:
            continue
        if took < best:
            best, label = took, plugin
    return label


def _gdcm_decodes(ds) -> bool:
    import dcmcore.plugins as plugins

    uid = str(ds.file_meta.TransferSyntaxUID)
    return any(i.label == "gdcm" and i.available for i in plugins.decoders(uid))


def _available() -> bool:
    import dcmcore.plugins as plugins

    return any(i.label == "imagecodecs" and i.available for i in plugins.decoders("1.2.840.10008.1.2.4.50"))


def _pydicom_decoding(ds, reference: str):
    """pydicom's ``pixel_array`` of `ds` with its plugin `reference` (its warnings silenced)."""
    from pydicom.pixels import pixel_array as pydicom_array

    def theirs():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pydicom_array(ds, decoding_plugin=reference)

    return theirs


def _cases_for(ds, note: str, target: float | None, quick: bool) -> list[Case]:
    import dcmcore

    reference = _fastest_pydicom(ds)
    repeat = 3 if quick else 7
    out = []
    if reference is not None:
        out.append(
            Case(
                name=note,
                dcmcore=lambda ds=ds: dcmcore.pixel_array(ds, decoding_plugin="imagecodecs"),
                reference_label=f"pydicom + {reference} (fastest)",
                reference=_pydicom_decoding(ds, reference),
                target=target,
                target_text=f">= {target:g}x" if target else "",
                repeat=repeat,
            )
        )
    if _gdcm_decodes(ds):  # the measurement behind the plugins' priorities (imagecodecs 20, gdcm 30)
        out.append(
            Case(
                name=f"{note}, vs dcmcore-gdcm",
                dcmcore=lambda ds=ds: dcmcore.pixel_array(ds, decoding_plugin="imagecodecs"),
                reference_label="dcmcore + gdcm",
                reference=lambda ds=ds: dcmcore.pixel_array(ds, decoding_plugin="gdcm"),
                repeat=repeat,
            )
        )
    if int(ds.get("NumberOfFrames", 1) or 1) > 1:
        out.append(
            Case(
                name=f"{note}, workers=2",
                dcmcore=lambda ds=ds: dcmcore.pixel_array(ds, decoding_plugin="imagecodecs", workers=2),
                reference_label="dcmcore workers=1",
                reference=lambda ds=ds: dcmcore.pixel_array(ds, decoding_plugin="imagecodecs"),
                target=1.7,
                target_text=">= 1.7x",
                repeat=repeat,
            )
        )
    return out


#: The ceiling rows: (key, library function, its keyword arguments, label). The
#: library decodes the frames on its own, with nothing of dcmcore around it; where
#: that is no faster than the target, no plugin of that library can meet it.
_CEILINGS = [
    ("jpeg_grey", "jpeg8_decode", {}, "libjpeg-turbo (imagecodecs jpeg8_decode) alone"),
    ("htj2k12", "jpeg2k_decode", {"numthreads": 1}, "OpenJPEG (imagecodecs jpeg2k_decode, 1 thread) alone"),
    ("htj2k12", "htj2k_decode", {}, "OpenJPH (imagecodecs htj2k_decode, not used: hangs on corrupt data) alone"),
]


def _library_alone(ds, function: str, kwargs: dict):
    """Decode every frame of `ds` with one imagecodecs function into a new array, frames split beforehand."""
    import imagecodecs
    from pydicom.encaps import generate_fragmented_frames

    count = int(ds.get("NumberOfFrames", 1) or 1)
    frames = [b"".join(f) for f in generate_fragmented_frames(ds.PixelData, number_of_frames=count)]
    decode = getattr(imagecodecs, function)
    dtype = np.uint8 if ds.BitsAllocated == 8 else np.uint16

    def run():
        out = np.empty((count, ds.Rows, ds.Columns), dtype)
        for k, frame in enumerate(frames):
            out[k] = decode(frame, **kwargs)
        return out

    return run


def _ceiling_cases(quick: bool) -> list[Case]:
    out = []
    for key, function, kwargs, label in _CEILINGS:
        ds = _generated(key, quick)
        reference = _fastest_pydicom(ds)
        note = next(g[-1] for g in _GENERATED if g[0] == key)
        if reference is None:
            continue
        out.append(
            Case(
                name=f"{note}: {label} (the ceiling)",
                dcmcore=_library_alone(ds, function, kwargs),
                reference_label=f"pydicom + {reference} (fastest)",
                reference=_pydicom_decoding(ds, reference),
                repeat=3 if quick else 7,
            )
        )
    return out


def cases(quick: bool = False) -> list[Case]:
    if not _available():
        print("codecs    skipped: the 'imagecodecs' plugin (plugins/dcmcore-imagecodecs) is not installed")
        return []
    out: list[Case] = []
    generated = _GENERATED[:2] if quick else _GENERATED
    for key, _, _, _, _, _, target, note in generated:
        out.extend(_cases_for(_generated(key, quick), note, target, quick))
    if not quick:
        out.extend(_ceiling_cases(quick))
    for name, note in _REAL[-1:] if quick else _REAL:
        out.extend(_cases_for(_real(name), note, None, quick))
    return out
