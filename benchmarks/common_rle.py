"""Inputs and reference codecs for the RLE Lossless benchmarks (asv and compare_rle).

Nothing heavy runs at import time. The 16-bit CT-like volume is generated with
a fixed seed, RLE-encoded by pylibjpeg-rle (a neutral encoder: dcmcore decodes
someone else's output) and cached in ``benchmarks.common.data_dir()``, outside
the source tree (``$DCMCORE_BENCH_DATA``, else the user's cache directory).
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import numpy as np

RLE_UID = "1.2.840.10008.1.2.5"
CT_VERSION = 1  # bump when ct_volume changes, to invalidate the cache


def ct_volume(frames: int = 100, rows: int = 512, cols: int = 512, seed: int = 0) -> np.ndarray:
    """Unsigned 12-bit CT-like frames in 16-bit samples (intercept -1024 in mind).

    Air outside the body, a soft-tissue ellipse with noise, lungs, a spine and
    a rib ring, and a constant zero outside the circular field of view, so the
    most significant byte plane has long runs and the least significant one
    is mostly literal, as in real CT.
    """
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float32)
    cy, cx = rows / 2, cols / 2
    fov = (y - cy) ** 2 + (x - cx) ** 2 <= (0.49 * rows) ** 2
    body = ((y - cy) / (0.36 * rows)) ** 2 + ((x - cx) / (0.44 * cols)) ** 2 <= 1
    spine = ((y - cy - 0.25 * rows) / (0.06 * rows)) ** 2 + ((x - cx) / (0.05 * cols)) ** 2 <= 1
    ring = np.abs(np.hypot((y - cy) / 0.34, (x - cx) / 0.42) - rows * 0.95) < 3
    vol = np.empty((frames, rows, cols), np.uint16)
    for z in range(frames):
        t = z / max(1, frames - 1)
        img = np.full((rows, cols), 24.0, np.float32)
        img[body] = 1040
        for side in (-1, 1):
            lung = ((y - cy + 0.03 * rows) / (0.22 * rows)) ** 2 + (
                (x - cx - side * 0.2 * cols) / (0.14 * cols * (0.8 + 0.4 * t))
            ) ** 2 <= 1
            img[lung] = 180
        img[spine] = 1700
        img[ring & body] = 1450
        noise = rng.normal(0, 18, (rows, cols)).astype(np.float32)
        img += np.where(img > 100, noise, noise * 0.15)
        img[~fov] = 0
        vol[z] = np.clip(np.rint(img), 0, 4095).astype(np.uint16)
    return vol


def _dataset(frames: list[bytes], rows: int, cols: int, nframes: int):
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.encaps import encapsulate
    from pydicom.uid import generate_uid

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = RLE_UID
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.Modality = "CT"
    ds.Rows, ds.Columns = rows, cols
    ds.NumberOfFrames = nframes
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 12, 11
    ds.PixelRepresentation = 0
    ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
    ds.add_new(0x7FE00010, "OB", encapsulate(frames))
    return ds


def ct_rle_path(frames: int = 100) -> Path:
    """The cached RLE data set of `frames` CT-like 512 x 512 frames (made on first use)."""
    from benchmarks.common import cached_file

    def write(tmp: Path) -> None:
        from rle.rle import encode_frame

        vol = ct_volume(frames)
        encoded = [encode_frame(f.tobytes(), 512, 512, 1, 16, "<") for f in vol]
        _dataset(encoded, 512, 512, frames).save_as(tmp, enforce_file_format=True)

    return cached_file(f"ct_rle_v{CT_VERSION}_512x512x{frames}.dcm", write)


@functools.cache
def rle_case(name: str, frames: int = 100):
    """(spec, list of RLE frames, decoded volume) for 'ct' or 'OBXXXX1A_rle.dcm'-like names."""
    import pydicom
    from pydicom.encaps import generate_frames

    from dcmcore import PixelSpec, rle

    if name == "ct":
        path = ct_rle_path(frames)
    else:
        from dcmcore._testdata import testdata_file

        path = testdata_file(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path)
    spec = PixelSpec.from_dataset(ds)
    encoded = list(generate_frames(ds.PixelData, number_of_frames=spec.number_of_frames))
    volume = np.stack([rle.decode_frame(f, spec) for f in encoded])
    return spec, encoded, volume


# -- reference codecs, called frame by frame ------------------------------------
def pylibjpeg_decode(frame: bytes, spec) -> np.ndarray:
    """pylibjpeg-rle's decode_frame, wrapped into an array of the frame's shape.

    For one sample its little endian output is the array's memory already
    (np.frombuffer is free); for three samples its planar output is
    transposed to the interleaved shape dcmcore returns.
    """
    from rle.rle import decode_frame

    buf = decode_frame(frame, spec.rows * spec.columns, spec.bits_allocated, "<")
    arr = np.frombuffer(buf, spec.dtype.newbyteorder("<"))
    if spec.samples_per_pixel == 1:
        return arr.reshape(spec.frame_shape)
    return arr.reshape(spec.samples_per_pixel, spec.rows, spec.columns).transpose(1, 2, 0)


def pylibjpeg_encode(frame: bytes, spec) -> bytes:
    """pylibjpeg-rle's encode_frame of natively encoded (little endian) frame bytes."""
    from rle.rle import encode_frame

    return encode_frame(frame, spec.rows, spec.columns, spec.samples_per_pixel, spec.bits_allocated, "<")


def pydicom_decode(frame: bytes, spec) -> np.ndarray:
    """pydicom's pure-Python RLE frame decoder, wrapped into an array."""
    from pydicom.pixels.decoders.rle import _rle_decode_frame

    buf = _rle_decode_frame(frame, spec.rows, spec.columns, spec.samples_per_pixel, spec.bits_allocated)
    arr = np.frombuffer(buf, spec.dtype.newbyteorder("<"))
    if spec.samples_per_pixel == 1:
        return arr.reshape(spec.frame_shape)
    return arr.reshape(spec.samples_per_pixel, spec.rows, spec.columns).transpose(1, 2, 0)


def _gdcm_pixel_format(gdcm, spec):
    return gdcm.PixelFormat(
        spec.samples_per_pixel, spec.bits_allocated, spec.bits_stored, spec.bits_stored - 1, spec.pixel_representation
    )


def _gdcm_photometric(gdcm, spec):
    kind = gdcm.PhotometricInterpretation.GetPIType(spec.photometric_interpretation)
    return gdcm.PhotometricInterpretation(kind)


def gdcm_decode(frame: bytes, spec) -> np.ndarray:
    """GDCM's RLE codec on one frame, through python-gdcm.

    python-gdcm hands the decoded buffer back as a ``str``; turning it into
    bytes (``surrogateescape``) is part of the cost of using GDCM from Python
    and is included.
    """
    import gdcm

    fragment = gdcm.Fragment()
    fragment.SetByteStringValue(frame)
    fragments = gdcm.SequenceOfFragments.New()
    fragments.AddFragment(fragment)
    element = gdcm.DataElement(gdcm.Tag(0x7FE0, 0x0010))
    element.SetValue(fragments.__ref__())
    image = gdcm.Image()
    image.SetNumberOfDimensions(2)
    image.SetDimensions((spec.columns, spec.rows, 1))
    image.SetDataElement(element)
    image.SetPhotometricInterpretation(_gdcm_photometric(gdcm, spec))
    image.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.RLELossless))
    image.SetPixelFormat(_gdcm_pixel_format(gdcm, spec))
    data = image.GetBuffer().encode("utf-8", "surrogateescape")
    return np.frombuffer(data, spec.dtype.newbyteorder("<")).reshape(spec.frame_shape)


def gdcm_encode(frame: bytes, spec) -> bytes:
    """GDCM's RLE encoder (ImageChangeTransferSyntax) on one natively encoded frame."""
    import gdcm

    writer = gdcm.ImageWriter()  # owns the image for the duration of the call
    image = writer.GetImage()
    image.SetNumberOfDimensions(2)
    image.SetDimensions((spec.columns, spec.rows, 1))
    image.SetPhotometricInterpretation(_gdcm_photometric(gdcm, spec))
    image.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.ImplicitVRLittleEndian))
    image.SetPixelFormat(_gdcm_pixel_format(gdcm, spec))
    if spec.samples_per_pixel > 1:
        image.SetPlanarConfiguration(0)
    element = gdcm.DataElement(gdcm.Tag(0x7FE0, 0x0010))
    element.SetByteStringValue(frame)
    image.SetDataElement(element)
    change = gdcm.ImageChangeTransferSyntax()
    change.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.RLELossless))
    change.SetInput(image)
    if not change.Change():
        raise RuntimeError("GDCM could not RLE-encode the frame")
    fragments = change.GetOutput().GetDataElement().GetSequenceOfFragments()
    return fragments.GetFragment(0).GetByteValue().GetBuffer().encode("utf-8", "surrogateescape")


@functools.cache
def synthetic_frame(bits_allocated: int, samples_per_pixel: int, shape: tuple[int, int], seed: int = 0):
    """(spec, array, RLE frame) of CT-like content at any bit depth and sample count.

    The 12-bit CT-like values are scaled to the sample's width (8 bits: the
    top 8 of 12; 32/64 bits: shifted up, so the low byte planes hold the
    noise), and colour frames get three differently scaled copies.
    """
    from dcmcore import PixelSpec, rle

    rows, cols = shape
    ct = ct_volume(1, rows, cols, seed)[0].astype(np.uint64)
    if bits_allocated == 8:
        base = ct >> 4
    else:
        base = ct << (bits_allocated - 12)
    if samples_per_pixel == 3:
        base = np.stack([base, base // 2, base // 3], axis=-1)
    dtype = np.dtype(f"u{bits_allocated // 8}")
    arr = np.ascontiguousarray(base.astype(dtype))
    spec = PixelSpec(
        rows=rows,
        columns=cols,
        samples_per_pixel=samples_per_pixel,
        bits_allocated=bits_allocated,
        bits_stored=bits_allocated,
        pixel_representation=0,
        photometric_interpretation="RGB" if samples_per_pixel == 3 else "MONOCHROME2",
        transfer_syntax_uid=RLE_UID,
    )
    return spec, arr, rle.encode_frame(arr, spec)
