"""``dcmcore info``: what a DICOM file holds, in a few lines."""

from __future__ import annotations

import os
import warnings

import pydicom
from pydicom.dataset import Dataset

from dcmcore import plugins
from dcmcore.dataset_elements import transfer_syntax_of
from dcmcore.overlays import list_overlays
from dcmcore.uids import NATIVE_TRANSFER_SYNTAXES, name_of
from dcmcore.waveforms import number_of_groups

__all__ = ["describe"]

#: Elements whose presence means a transform of the chain applies (keyword -> what to call it).
_TRANSFORMS = {
    "RescaleSlope": "rescale",
    "ModalityLUTSequence": "modality LUT",
    "WindowCenter": "window",
    "VOILUTSequence": "VOI LUT",
    "PresentationLUTShape": "presentation LUT shape",
    "PresentationLUTSequence": "presentation LUT",
    "RedPaletteColorLookupTableDescriptor": "palette",
    "ICCProfile": "ICC profile",
    "RealWorldValueMappingSequence": "real world values",
}


def _transforms(ds: Dataset) -> list[str]:
    found = [what for kw, what in _TRANSFORMS.items() if kw in ds]
    if "OpticalPathSequence" in ds and any("ICCProfile" in item for item in ds.OpticalPathSequence):
        found.append("ICC profile")
    for seq in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"):
        if seq in ds and ds[seq].value:
            item = ds[seq].value[0]
            if "PixelValueTransformationSequence" in item and "rescale" not in found:
                found.append("rescale (functional groups)")
            if "FrameVOILUTSequence" in item and "window" not in found:
                found.append("window (functional groups)")
    return found


def _decoder(uid: str) -> str:
    try:
        usable = [i.label for i in plugins.decoders(uid) if i.available]
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return f"none ({exc})"
    return usable[0] if usable else "none installed"


def describe(path: str | os.PathLike) -> str:
    """Lines describing the DICOM file at `path` (raises what ``pydicom.dcmread`` raises)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path, defer_size=1024)
    lines = [str(path)]
    try:
        uid = transfer_syntax_of(ds)
        lines.append(f"  transfer syntax: {name_of(uid)}")
    except Exception:  # noqa: BLE001
        uid = None
        lines.append("  transfer syntax: unknown")
    pixel = next((kw for kw in ("PixelData", "FloatPixelData", "DoubleFloatPixelData") if kw in ds), None)
    if pixel is None:
        lines.append("  no pixel data")
    else:
        frames = ds.get("NumberOfFrames", 1) or 1
        bits = f"{ds.get('BitsAllocated', '?')} bits allocated"
        if pixel == "PixelData":
            sign = "signed" if ds.get("PixelRepresentation", 0) == 1 else "unsigned"
            bits += f", {ds.get('BitsStored', '?')} stored, {sign}"
        lines += [
            f"  pixel data: {pixel}, {ds.get('Rows', '?')} x {ds.get('Columns', '?')}, {frames} frame(s), "
            f"{ds.get('SamplesPerPixel', 1)} sample(s), {bits}",
            f"  photometric interpretation: {ds.get('PhotometricInterpretation', '?')}",
        ]
        if uid is not None:
            decoder = "dcmcore (natively encoded)" if uid in NATIVE_TRANSFER_SYNTAXES else _decoder(uid)
            lines.append(f"  decoded by: {decoder}")
    try:
        overlays = list_overlays(ds)
    except Exception:  # noqa: BLE001
        overlays = []
    if overlays:
        lines.append("  overlays: " + ", ".join(f"{o.group:04X}" for o in overlays))
    transforms = _transforms(ds)
    lines.append("  transforms: " + (", ".join(transforms) if transforms else "none"))
    waves = number_of_groups(ds)
    if waves:
        lines.append(f"  waveforms: {waves} multiplex group(s)")
    return "\n".join(lines)
