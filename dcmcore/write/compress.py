"""``compress``: encode a data set's pixel data with a compressed transfer syntax, in place."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import UID

from dcmcore._session import resolve_workers
from dcmcore._threads import run_jobs
from dcmcore.dataset_elements import transfer_syntax_of, value
from dcmcore.errors import PluginError
from dcmcore.pixels import pixel_array
from dcmcore.plugins.dispatch import encoder_dispatcher
from dcmcore.spec import PixelSpec
from dcmcore.uids import NATIVE_TRANSFER_SYNTAXES, ExplicitVRLittleEndian
from dcmcore.write._edit import DatasetEdit
from dcmcore.write._encapsulate import encapsulate
from dcmcore.write._lossy import LOSSY_METHOD, ratio_text

__all__ = ["compress"]

_PIXEL_DATA = 0x7FE00010
_EXTENDED_OFFSETS = 0x7FE00001
_EXTENDED_LENGTHS = 0x7FE00002
_PHOTOMETRIC = 0x00280004
_PLANAR = 0x00280006
_LOSSY = 0x00282110
_LOSSY_RATIO = 0x00282112
_LOSSY_METHOD = 0x00282114


def _encode_frames(
    dispatcher: Any, frames: np.ndarray, spec: PixelSpec, workers: int | None, options: dict
) -> tuple[list[bytes], str]:
    """Every frame of `frames` (``(frames, *spec.frame_shape)``) encoded, `workers` at a time.

    Returns the frames and the Photometric Interpretation their encoders
    declare (docs/plugins.md, ``encoded_photometric_interpretation``); frames
    that fell back to an encoder declaring another value are an error.
    """
    encoded: list[bytes] = [b""] * len(frames)
    photometric: list[str] = [spec.photometric_interpretation] * len(frames)

    def one(i: int) -> None:
        data, photometric[i] = dispatcher.encode_reporting(frames[i], spec, **options)
        encoded[i] = bytes(data)

    run_jobs(one, ((i,) for i in range(len(frames))), resolve_workers(workers))
    values = sorted(set(photometric))
    if len(values) > 1:
        raise PluginError(
            f"The frames were encoded by plugins whose output has different Photometric Interpretations "
            f"({', '.join(values)}): pass encoding_plugin= to use one encoder"
        )
    return encoded, values[0] if values else spec.photometric_interpretation


def _source_frames(ds: Dataset, arr: np.ndarray | None, workers: int | None) -> tuple[np.ndarray, PixelSpec]:
    """The frames to encode, ``(frames, *frame_shape)``, and the spec they are stored values of."""
    spec = PixelSpec.from_dataset(ds) if arr is None else PixelSpec.from_dataset(ds, transfer_syntax_uid=_native_of(ds))
    if spec.pixel_keyword != "PixelData":
        raise ValueError(f"Only (7FE0,0010) 'Pixel Data' can be compressed, not '{spec.pixel_keyword}'")
    if arr is None:
        current = transfer_syntax_of(ds)
        if current not in NATIVE_TRANSFER_SYNTAXES:
            raise ValueError(
                f"Only uncompressed pixel data can be compressed; the data set's transfer syntax is "
                f"{UID(current).name}: decompress it first"
            )
        arr = pixel_array(ds, raw=True, workers=workers)
        if spec.photometric_interpretation == "YBR_FULL_422":
            # natively stored YBR_FULL_422 comes back upsampled: the frames are YBR_FULL now
            spec = spec.replace(photometric_interpretation="YBR_FULL")
    else:
        arr = np.asarray(arr)
        nframes = spec.number_of_frames
        shapes = {spec.shape(nframes), (nframes, *spec.frame_shape)}
        if arr.shape not in shapes:
            raise ValueError(
                f"'arr' has shape {arr.shape}; the data set's Image Pixel elements describe {spec.shape(nframes)}"
            )
        if arr.dtype.kind not in "uib" or (arr.dtype.kind != "b" and arr.dtype.itemsize != spec.itemsize):
            raise ValueError(f"'arr' has dtype {arr.dtype}; the data set's Bits Allocated needs {spec.dtype}")
    frames = arr.reshape(spec.number_of_frames, *spec.frame_shape)
    return frames, spec


def _native_of(ds: Dataset) -> UID:
    try:
        current = transfer_syntax_of(ds)
    except Exception:
        current = None
    return current if current in NATIVE_TRANSFER_SYNTAXES else ExplicitVRLittleEndian


def compress(
    ds: Dataset,
    transfer_syntax_uid: str,
    arr: np.ndarray | None = None,
    *,
    encoding_plugin: str | Sequence[str] | None = None,
    encapsulate_ext: bool = False,
    generate_instance_uid: bool | None = None,
    workers: int | None = 1,
    **kwargs: Any,
) -> Dataset:
    """Compress the pixel data of `ds` in place, and return `ds`.

    Every frame is encoded by the first available encoder plugin for
    `transfer_syntax_uid` (see ``dcmcore plugins``), one fragment per frame.
    Then, together: (7FE0,0010) *Pixel Data* becomes the encapsulated frames
    (VR OB, undefined length) with a Basic Offset Table, or with an Extended
    Offset Table ((7FE0,0001) and (7FE0,0002)) when `encapsulate_ext` is True
    or the offsets need more than 32 bits; (0002,0010) *Transfer Syntax UID* is
    set (a File Meta Information is added when there is none); (0028,0004)
    *Photometric Interpretation* becomes what the encoder declares its output
    to be (e.g. ``YBR_FULL_422`` for RGB frames coded as subsampled YCbCr JPEG,
    ``YBR_RCT`` / ``YBR_ICT`` for JPEG 2000 with the multiple component
    transform; see ``encoded_photometric_interpretation`` in
    docs/plugins.md), and natively stored YBR_FULL_422 becomes YBR_FULL
    otherwise; planar configuration becomes 0; for a lossy
    syntax (0028,2110) *Lossy Image Compression* becomes ``"01"`` and the
    ratio and method are appended to (0028,2112) and (0028,2114).

    If anything fails, `ds` is left exactly as it was.

    Parameters
    ----------
    ds : pydicom.dataset.Dataset
        A data set whose pixel data is stored natively, or any data set with
        correct Image Pixel elements when `arr` is given.
    transfer_syntax_uid : str
        The compressed transfer syntax to use.
    arr : numpy.ndarray, optional
        The stored values to compress instead of the data set's own, shaped
        as :func:`dcmcore.pixel_array` returns them for `ds`.
    encoding_plugin : str or sequence of str, optional
        The label of the encoder to use (or labels in the order to try them);
        by default every available encoder, best first.
    encapsulate_ext : bool, optional
        Always write an Extended Offset Table (and an empty Basic Offset Table).
    generate_instance_uid : bool or None, optional
        True: always give the data set a new SOP Instance UID; False: never;
        None (default): only for a lossy transfer syntax.
    workers : int or None, optional
        Frames encoded at the same time (0 or None: one per core).
    **kwargs
        Options for the encoder plugin (for example ``level=`` for Deflated
        Image Frame Compression).

    Returns
    -------
    pydicom.dataset.Dataset
        `ds`, compressed.

    Examples
    --------
    >>> from pydicom import examples
    >>> from pydicom.uid import RLELossless
    >>> ds = dcmcore.compress(examples.ct, RLELossless)  # doctest: +SKIP
    """
    uid = UID(str(transfer_syntax_uid))
    if uid in NATIVE_TRANSFER_SYNTAXES:
        raise ValueError(
            f"'{uid.name}' is not a compressed transfer syntax: "
            "use dcmcore.decompress (or set_pixel_data) for natively encoded pixel data"
        )
    dispatcher = encoder_dispatcher(uid, encoding_plugin)  # no encoder: fail before decoding anything
    frames, spec = _source_frames(ds, arr, workers)
    target = spec.replace(
        transfer_syntax_uid=uid,
        planar_configuration=0 if spec.samples_per_pixel > 1 else spec.planar_configuration,
        pixel_vr=None,
    )
    encoded, photometric = _encode_frames(dispatcher, frames, target, workers, kwargs)
    pixel_data, offsets, lengths = encapsulate(encoded, extended=encapsulate_ext)

    edit = DatasetEdit(ds)
    edit.set(_PIXEL_DATA, "OB", pixel_data, undefined_length=True)
    if offsets is None:
        edit.delete(_EXTENDED_OFFSETS, _EXTENDED_LENGTHS)
    else:
        edit.set(_EXTENDED_OFFSETS, "OV", offsets)
        edit.set(_EXTENDED_LENGTHS, "OV", lengths)
    if photometric != value(ds, _PHOTOMETRIC):
        edit.set(_PHOTOMETRIC, "CS", photometric)
    if spec.samples_per_pixel > 1:
        edit.set(_PLANAR, "US", 0)
    lossy = uid in LOSSY_METHOD
    if lossy:
        raw = target.expected_nbytes(len(encoded))
        ratio = raw / max(1, sum(len(f) for f in encoded))
        edit.set(_LOSSY, "CS", "01")
        edit.set(_LOSSY_RATIO, "DS", [*_values(ds, _LOSSY_RATIO), ratio_text(ratio)])
        edit.set(_LOSSY_METHOD, "CS", [*_values(ds, _LOSSY_METHOD), LOSSY_METHOD[uid]])
    edit.set_transfer_syntax(uid)
    if generate_instance_uid or (generate_instance_uid is None and lossy):
        edit.new_instance_uid()
    return edit.apply()


def _values(ds: Dataset, tag: int) -> list[Any]:
    """The values of a multi-valued element as a list ([] when absent or empty)."""
    v = value(ds, tag)
    if v is None:
        return []
    if isinstance(v, str) or not hasattr(v, "__iter__"):
        return [str(v)]
    return [str(x) for x in v]
