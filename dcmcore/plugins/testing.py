"""Helpers for plugin test suites: real files, their frames, specs, data sets and references.

A plugin's tests compare it with an oracle on real files nobody here wrote
(docs/plugins.md, "Testing a plugin"): :func:`testdata_file` and
:func:`testdata_files` find the test files of pydicom and pydicom-data
(``pip install pydicom-data``) where they are installed, and never download
anything. The other helpers build what such tests keep needing: the first
frame of a file and its spec, a spec for synthetic frames, values that
exercise an encoder, a data set around encoded frames (to hand to pydicom),
and dcmcore's own decoder as a reference.

Examples
--------
>>> from dcmcore.plugins import testing
>>> frame, spec = testing.first_frame("MR_small_RLE.dcm")  # doctest: +SKIP
>>> testing.decode_with("dcmcore", frame, spec).shape  # doctest: +SKIP
(64, 64)
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from dcmcore._testdata import testdata_file, testdata_files
from dcmcore.spec import PixelSpec
from dcmcore.uids import RLELossless

__all__ = [
    "testdata_file",
    "testdata_files",
    "read_dataset",
    "first_frame",
    "make_spec",
    "encoder_values",
    "encapsulated_dataset",
    "check_encoder_input_forms",
    "check_encoder_rejects_misfits",
    "decode_with",
]

# Their names start with "test": tell pytest they are not tests wherever they are imported.
testdata_file.__test__ = False  # type: ignore[attr-defined]
testdata_files.__test__ = False  # type: ignore[attr-defined]

RLE_LOSSLESS = RLELossless


def read_dataset(file: str | Path, **kwargs: Any) -> Any:
    """``pydicom.dcmread`` of a path, or of a test file's name, with pydicom's warnings about the file silenced."""
    import pydicom

    path = Path(file)
    if not path.is_absolute() and not path.exists():
        path = testdata_file(str(file))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(path, **kwargs)


def first_frame(file: str | Path) -> tuple[bytes, PixelSpec]:
    """The encoded bytes of the first frame of an encapsulated file (fragments joined) and its spec."""
    from pydicom.encaps import generate_frames

    ds = read_dataset(file)
    spec = PixelSpec.from_dataset(ds)
    return bytes(next(generate_frames(ds.PixelData, number_of_frames=spec.number_of_frames))), spec


def make_spec(
    rows: int,
    columns: int,
    samples: int = 1,
    bits: int = 8,
    *,
    signed: int = 0,
    planar: int = 0,
    uid: str = RLE_LOSSLESS,
) -> PixelSpec:
    """A spec for synthetic frames: Bits Stored = Bits Allocated, RGB for 3 samples, else MONOCHROME2."""
    colour = "RGB" if samples == 3 else "MONOCHROME2"
    geometry = dict(rows=rows, columns=columns, samples_per_pixel=samples, planar_configuration=planar)
    sample = dict(bits_allocated=bits, bits_stored=bits, pixel_representation=signed)
    return PixelSpec(**geometry, **sample, photometric_interpretation=colour, transfer_syntax_uid=uid)


def encoder_values(spec: PixelSpec, seed: int) -> np.ndarray:
    """A frame of ``spec`` with long runs, short repeats and noise (every kind of PackBits run, for one)."""
    rng = np.random.default_rng(seed)
    info = np.iinfo(spec.dtype)
    arr = rng.integers(info.min, info.max, size=spec.frame_shape, dtype=spec.dtype, endpoint=True)
    rows = arr.reshape(spec.rows, -1)
    rows[::3, : rows.shape[1] // 2] = info.max  # long runs
    rows[1::4] = np.arange(rows.shape[1]) % 7  # short repeats and literals
    return arr


def encapsulated_dataset(frames: Sequence[bytes], spec: PixelSpec) -> Any:
    """A pydicom data set holding `frames` as encapsulated *Pixel Data* described by `spec`.

    Planar Configuration is 0 (encoded frames are interleaved); High Bit is
    Bits Stored - 1.
    """
    import pydicom
    from pydicom.dataset import FileMetaDataset
    from pydicom.encaps import encapsulate

    ds = pydicom.Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = spec.transfer_syntax_uid
    ds.Rows, ds.Columns, ds.SamplesPerPixel = spec.rows, spec.columns, spec.samples_per_pixel
    ds.PhotometricInterpretation = spec.photometric_interpretation
    if spec.samples_per_pixel > 1:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated, ds.BitsStored = spec.bits_allocated, spec.bits_stored
    ds.HighBit = spec.bits_stored - 1
    ds.PixelRepresentation = spec.pixel_representation
    ds.NumberOfFrames = len(frames)
    ds.PixelData = encapsulate(list(frames))
    ds["PixelData"].VR = "OB"
    return ds


def check_encoder_input_forms(encoder: Any, values: np.ndarray, spec: PixelSpec) -> bytes:
    """Assert that `encoder` encodes every input form the contract allows to the same bytes; return them.

    The forms: `values` (an integer array of ``spec.frame_shape``), the same
    in the other byte order, viewed with the other signedness, in Fortran
    order, read-only; its little endian bytes (as bytes and as a memoryview,
    and with one padding byte); and, for several samples, its bytes with the
    planes one after the other (``planar_configuration`` 1).
    """
    expected = encoder.encode(values, spec)
    little = values.astype(values.dtype.newbyteorder("<"))
    other_sign = np.dtype(f"{'i' if values.dtype.kind == 'u' else 'u'}{values.dtype.itemsize}")
    readonly = values.copy()
    readonly.flags.writeable = False
    forms = {
        "other byte order": values.astype(values.dtype.newbyteorder("S")),
        "other signedness": values.view(other_sign.newbyteorder(values.dtype.byteorder)),
        "Fortran order": np.asfortranarray(values),
        "read-only": readonly,
        "bytes": little.tobytes(),
        "memoryview": memoryview(little.tobytes()),
        "bytes and a padding byte": little.tobytes() + b"\0",
    }
    for name, form in forms.items():
        assert encoder.encode(form, spec) == expected, f"{encoder!r}: {name} encodes to other bytes"
    if spec.samples_per_pixel > 1:
        planes = np.moveaxis(little, -1, 0).tobytes()
        planar = spec.replace(planar_configuration=1)
        assert encoder.encode(planes, planar) == expected, f"{encoder!r}: planar bytes encode to other bytes"
    return expected


def check_encoder_rejects_misfits(encoder: Any, spec: PixelSpec) -> None:
    """Assert that `encoder` refuses, with a ValueError, frames that do not fit `spec` (integer samples).

    An array of another shape, an array of float or of narrower samples, and
    bytes two short of a frame.
    """
    shape = spec.frame_shape
    wrong_shape = (shape[0], shape[1] + 1, *shape[2:])
    misfits = [("has shape", np.zeros(wrong_shape, spec.dtype)), ("holds", bytes(spec.frame_nbytes - 2))]
    if spec.itemsize in (2, 4, 8):
        misfits.append(("dtype", np.zeros(shape, f"f{spec.itemsize}")))
    if spec.itemsize > 1:
        misfits.append(("dtype", np.zeros(shape, np.uint8)))
    for message, frame in misfits:
        try:
            encoder.encode(frame, spec)
        except ValueError as exc:
            assert message in str(exc), f"{encoder!r} refused a misfit with {exc!r}, not naming its {message!r}"
        else:
            raise AssertionError(f"{encoder!r} encoded a frame that does not fit (its {message!r})")


def decode_with(label: str, frame: Any, spec: PixelSpec) -> np.ndarray:
    """One frame decoded by the plugin `label` alone (``"dcmcore"``: dcmcore's own), through the dispatcher."""
    from dcmcore.plugins.dispatch import Dispatcher

    return Dispatcher(str(spec.transfer_syntax_uid), label).decode(frame, spec)[0]
