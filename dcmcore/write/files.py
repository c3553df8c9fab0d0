"""Writing a data set to a file, including transfer syntaxes newer than the installed pydicom."""

from __future__ import annotations

import os
from typing import Any

from pydicom.dataset import Dataset
from pydicom.filebase import DicomFileLike
from pydicom.filewriter import dcmwrite, write_dataset, write_file_meta_info
from pydicom.uid import UID

__all__ = ["save"]


def save(ds: Dataset, target: str | os.PathLike | Any) -> None:
    """Write `ds` as a DICOM file (preamble, File Meta Information, data set) to a path or binary file.

    Like ``ds.save_as(target, enforce_file_format=True)``, except that it also
    writes transfer syntaxes that pydicom does not know yet (Deflated Image
    Frame Compression, Encapsulated Uncompressed): those are explicit VR
    little endian, which is how the data set is then encoded.
    """
    uid = UID(str(ds.file_meta.TransferSyntaxUID))
    if uid.is_transfer_syntax:
        dcmwrite(target, ds, enforce_file_format=True)
        return
    own = isinstance(target, (str, os.PathLike))
    raw = open(target, "wb") if own else target
    try:
        fp = DicomFileLike(raw)
        fp.write(getattr(ds, "preamble", None) or b"\x00" * 128)
        fp.write(b"DICM")
        write_file_meta_info(fp, ds.file_meta, enforce_standard=True)
        fp.is_implicit_VR, fp.is_little_endian = False, True
        write_dataset(fp, ds)
    finally:
        if own:
            raw.close()
