"""The images of pydicom's test files and pydicom-data, sorted by how their pixel data is stored."""

from __future__ import annotations

import copy
import functools
import io
import warnings
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset

from dcmcore import _testdata
from dcmcore.uids import NATIVE_TRANSFER_SYNTAXES


def _label(path: Path) -> str:
    return f"{path.parent.name}/{path.name}" if "dicomdirtests" in path.parts else path.name


@functools.cache
def survey() -> tuple[dict[str, Path], dict[str, Path]]:
    """(native Pixel Data images by label, encapsulated images by label)."""
    native: dict[str, Path] = {}
    encapsulated: dict[str, Path] = {}
    for path in _testdata.testdata_files():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ds = pydicom.dcmread(path, force=True, defer_size=256)
        except Exception:
            continue
        if "PixelData" not in ds or "Rows" not in ds:
            continue
        meta = getattr(ds, "file_meta", None)
        tsyntax = meta.get("TransferSyntaxUID") if meta is not None else None
        if tsyntax is None:
            continue
        (native if str(tsyntax) in NATIVE_TRANSFER_SYNTAXES else encapsulated)[_label(path)] = path
    return native, encapsulated


def read(path: Path) -> Dataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(path, force=True)


def snapshot(ds: Dataset) -> tuple:
    """Everything of `ds` a write function may change, to compare before and after."""
    meta = getattr(ds, "file_meta", None)
    elems = tuple((e.tag, e.VR, e.is_undefined_length, _v(e.value)) for e in ds.iterall() if e.VR != "SQ")
    return elems, None if meta is None else tuple((e.tag, e.VR, _v(e.value)) for e in meta)


def _v(value):
    return bytes(value) if isinstance(value, (bytes, bytearray)) else str(value)


def saved_and_read(ds: Dataset) -> Dataset:
    """`ds` written as a file by dcmcore.write.files.save and read back by pydicom."""
    from dcmcore.write.files import save

    buf = io.BytesIO()
    save(copy.deepcopy(ds), buf)
    buf.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(buf)
