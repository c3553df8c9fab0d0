"""One frame's bytes to an array and back, through the plugin dispatchers (highdicom.frame's functions).

:func:`decode_frame` describes the frame with a one-frame
:class:`~dcmcore.PixelSpec` and decodes it the way :func:`dcmcore.pixel_array`
decodes frames (same plugins, same unused-bit correction, YCbCr converted to
RGB). :func:`encode_frame` checks the array against the description and
hands it to the encoder plugins of the transfer syntax; natively encoded
syntaxes are written here.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import UID, JPEGBaseline8Bit

from dcmcore.bits import pack_bits, unpack_bits
from dcmcore.pixels import pixel_array
from dcmcore.plugins.dispatch import encoder_dispatcher
from dcmcore.spec import PixelSpec
from dcmcore.uids import ExplicitVRLittleEndian, ImplicitVRLittleEndian

__all__ = ["decode_frame", "encode_frame"]

_NATIVE_WRITTEN_HERE = (ExplicitVRLittleEndian, ImplicitVRLittleEndian)


def _value(v: Any) -> Any:
    """An enum member (dcmcore's, highdicom's or any) as its value."""
    return v.value if isinstance(v, Enum) else v


def decode_frame(
    value: bytes,
    transfer_syntax_uid: str,
    rows: int,
    columns: int,
    samples_per_pixel: int,
    bits_allocated: int,
    bits_stored: int,
    photometric_interpretation: Any,
    pixel_representation: Any = 0,
    planar_configuration: Any = None,
    index: int = 0,
    *,
    decoding_plugin: Any = None,
) -> np.ndarray:
    """Decode one frame: ``(rows, columns)`` or ``(rows, columns, samples)`` of stored values.

    `value` is the frame's bytes: a codestream for a compressed syntax (its
    fragments joined), the frame's slice of the value for a native one. For
    1-bit native frames, `index` (0-based) says where in its first byte the
    frame starts when frames are not byte-aligned. YCbCr frames are returned
    as RGB, as highdicom returns them. `decoding_plugin` (a dcmcore
    extension) names the plugin, or the order of plugins, to decode with.

    Raises
    ------
    ValueError
        An invalid description (:class:`~dcmcore.errors.InvalidPixelSpecError`)
        or corrupt data.
    NotImplementedError
        A transfer syntax no installed plugin decodes.
    """
    uid = UID(str(transfer_syntax_uid))
    photometric = str(_value(photometric_interpretation))
    representation = int(_value(pixel_representation) or 0)
    planar = _value(planar_configuration)
    planar = int(planar) if planar not in (None, "") else 0
    spec = PixelSpec(
        rows=rows, columns=columns, samples_per_pixel=samples_per_pixel, bits_allocated=bits_allocated,
        bits_stored=bits_stored, pixel_representation=representation, photometric_interpretation=photometric,
        planar_configuration=planar, transfer_syntax_uid=uid,
    )
    data = bytes(value)
    if uid.is_transfer_syntax and not uid.is_encapsulated and bits_allocated == 1:
        offset = (index * spec.frame_nbits) & 7
        count = spec.frame_pixels * samples_per_pixel
        bits = unpack_bits(data)
        if bits.size < offset + count:
            raise ValueError(f"A 1-bit frame of {count} pixels needs {offset + count} bits, {bits.size} were given")
        return np.ascontiguousarray(bits[offset : offset + count]).reshape(spec.frame_shape)
    ds = _frame_dataset(spec, data)
    return pixel_array(ds, decoding_plugin=decoding_plugin)


def _frame_dataset(spec: PixelSpec, data: bytes) -> Dataset:
    """A one-frame data set holding `data` as its pixel data, described by `spec`."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = spec.transfer_syntax_uid
    ds.Rows, ds.Columns = spec.rows, spec.columns
    ds.SamplesPerPixel = spec.samples_per_pixel
    ds.BitsAllocated, ds.BitsStored = spec.bits_allocated, spec.bits_stored
    ds.HighBit = spec.bits_stored - 1
    ds.PixelRepresentation = spec.pixel_representation
    ds.PhotometricInterpretation = spec.photometric_interpretation
    if spec.samples_per_pixel > 1:
        ds.PlanarConfiguration = spec.planar_configuration
    if spec.transfer_syntax_uid.is_encapsulated:
        ds.PixelData = encapsulate([data])
        ds["PixelData"].VR = "OB"
    else:
        ds.PixelData = data
        ds["PixelData"].VR = "OB" if spec.bits_allocated <= 8 else "OW"
    return ds


def encode_frame(
    array: np.ndarray,
    transfer_syntax_uid: str,
    bits_allocated: int,
    bits_stored: int,
    photometric_interpretation: Any,
    pixel_representation: Any = 0,
    planar_configuration: Any = None,
    **kwargs: Any,
) -> bytes:
    """Encode one frame, ``(rows, columns)`` or ``(rows, columns, samples)``, to the bytes of `transfer_syntax_uid`.

    Explicit and Implicit VR Little Endian frames are written here (1-bit
    frames packed, LSB first); every other syntax goes to its encoder
    plugins, with `kwargs` passed on (an ``encoding_plugin`` label among
    them picks the plugin). For JPEG Baseline colour frames, give RGB pixels
    and ``"YBR_FULL_422"`` (or ``"YBR_FULL"``: not subsampled), as highdicom
    asks; for JPEG 2000 with the component transform, RGB pixels and
    ``"YBR_RCT"`` / ``"YBR_ICT"``. A `ValueError` is raised when the encoder
    would store another Photometric Interpretation than the one given.

    Raises
    ------
    ValueError
        The array does not match the description (dtype kind and size,
        shape, planar configuration), or the description is invalid.
    """
    arr = np.asarray(array)
    uid = UID(str(transfer_syntax_uid))
    photometric = str(_value(photometric_interpretation))
    representation = int(_value(pixel_representation) or 0)
    planar = _value(planar_configuration)
    if arr.ndim == 3:
        if planar in (None, ""):
            raise ValueError("'planar_configuration' is required to encode a colour frame (rows, columns, samples)")
        samples = arr.shape[2]
    elif arr.ndim == 2:
        samples = 1
    else:
        raise ValueError(f"A frame is shaped (rows, columns) or (rows, columns, samples), not {arr.shape}")
    planar = int(planar) if planar not in (None, "") else 0
    if bits_allocated not in (1, 8, 16, 24, 32, 40, 48, 56, 64):
        raise ValueError(f"'bits_allocated' {bits_allocated} is not a multiple of 8 (or 1)")
    if bits_stored > bits_allocated:
        raise ValueError(f"'bits_stored' {bits_stored} is more than 'bits_allocated' {bits_allocated}")
    kind = "i" if representation == 1 else "u"
    if arr.dtype.kind != kind:
        raise ValueError(
            f"Pixel Representation {representation} needs {'signed' if kind == 'i' else 'unsigned'} integers, "
            f"the array holds {arr.dtype}"
        )
    itemsize = 1 if bits_allocated == 1 else bits_allocated // 8
    if arr.dtype.itemsize != itemsize:
        raise ValueError(f"Bits Allocated {bits_allocated} needs {itemsize * 8}-bit integers, the array holds {arr.dtype}")
    spec = PixelSpec(
        rows=arr.shape[0], columns=arr.shape[1], samples_per_pixel=samples, bits_allocated=bits_allocated,
        bits_stored=bits_stored, pixel_representation=representation, photometric_interpretation=photometric,
        planar_configuration=planar, transfer_syntax_uid=uid,
    )
    if uid in _NATIVE_WRITTEN_HERE:
        if samples > 1 and planar != 0:
            raise ValueError("Natively encoded colour frames are written with Planar Configuration 0")
        if bits_allocated == 1:
            if arr.size % 8:
                raise ValueError(f"A 1-bit frame of {arr.size} pixels does not fill whole bytes, so it cannot stand alone")
            return pack_bits(arr.reshape(-1))
        return np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes()
    preference = kwargs.pop("encoding_plugin", None)
    given = spec
    if uid == JPEGBaseline8Bit and samples == 3 and photometric in ("YBR_FULL_422", "YBR_FULL"):
        # as highdicom: RGB pixels, stored as the YCbCr that the Photometric Interpretation names
        given = spec.replace(photometric_interpretation="RGB")
        kwargs.setdefault("jpeg_subsampling", "422" if photometric == "YBR_FULL_422" else "444")
    encoded, produced = encoder_dispatcher(uid, preference).encode_reporting(np.ascontiguousarray(arr), given, **kwargs)
    if produced != photometric:
        raise ValueError(
            f"The encoder stored the frame as {produced}, not the {photometric} asked for "
            "(see encoded_photometric_interpretation in docs/plugins.md)"
        )
    return bytes(encoded)
