"""Where pixel data comes from: a data set in memory, or a file read a frame at a time."""

from __future__ import annotations

import io
import os
import stat
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, Iterator

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import UID

from dcmcore._header import (
    HEAD_BYTES,
    UNDEFINED_LENGTH,
    fileno,
    looks_like_dicom,
    no_pixel_data,
    not_dicom,
    read_dataset,
    read_head,
)
from dcmcore._pixel_element import Tail, pixel_element_header
from dcmcore.dataset_elements import element, tag_name
from dcmcore.errors import (
    CorruptPixelDataError,
    DcmcoreError,
    InvalidElementError,
    MissingElementError,
    NotDicomFileError,
    TruncatedFileError,
)
from dcmcore.spec import PIXEL_KEYWORDS, PixelSpec, transfer_syntax_of
from dcmcore.uids import BIG_ENDIAN_TRANSFER_SYNTAXES, DeflatedExplicitVRLittleEndian

__all__ = ["PixelSource", "open_source"]

_PREADV = getattr(os, "preadv", None)  # positioned reads, safe from several threads (not on Windows)


class PixelSource:
    """The pixel data value of one data set, and its description.

    Attributes
    ----------
    ds : pydicom.dataset.Dataset
        The data set (without its pixel data when read from a file).
    spec : PixelSpec
        The validated description of the pixel data.
    buffer : memoryview or None
        The whole value when it is in memory; None when it is read from a file.
    length : int or None
        The value length in bytes (None for an undefined length).
    tail : dcmcore._pixel_element.Tail or None
        For a file, what checks the elements after the pixel data (done here for a
        defined length; by the caller that finds the end of an undefined one).
    """

    def __init__(
        self,
        ds: Dataset,
        spec: PixelSpec,
        *,
        buffer: memoryview | None = None,
        fp: BinaryIO | None = None,
        offset: int = 0,
        length: int | None = None,
    ) -> None:
        self.ds = ds
        self.spec = spec
        self.buffer = buffer
        self.fp = fp
        self.offset = offset
        self.length = len(buffer) if buffer is not None else length
        self._local = threading.local()
        self._lock = threading.Lock()
        self._fd = fileno(fp) if fp is not None else None
        self._size: int | None = None
        self.tail: Tail | None = None

    @property
    def size(self) -> int:
        """Bytes available for the value: its length, or up to the end of the file when undefined."""
        if self.length is not None:
            return self.length
        if self._size is None:
            assert self.fp is not None
            with self._lock:
                here = self.fp.tell()
                end = self.fp.seek(0, io.SEEK_END)
                self.fp.seek(here)
            self._size = end - self.offset
        return self._size

    def read(self, start: int, stop: int) -> memoryview | np.ndarray:
        """Bytes ``[start, stop)`` of the value: a view when in memory, else a per-thread scratch array."""
        if self.buffer is not None:
            return self.buffer[start:stop]
        n = stop - start
        scratch = getattr(self._local, "scratch", None)
        if scratch is None or scratch.size < n:
            scratch = self._local.scratch = np.empty(n, np.uint8)
        view = scratch[:n]
        self.readinto(start, view)
        return view

    def read_at(self, start: int, n: int) -> memoryview | bytes:
        """``n`` bytes of the value from `start`, as a new object (safe to keep)."""
        if self.buffer is not None:
            return self.buffer[start : start + n]
        dst = np.empty(n, np.uint8)
        self.readinto(start, dst)
        return memoryview(dst)

    def readinto(self, start: int, dst: np.ndarray) -> None:
        """Fill the byte array `dst` with the value's bytes from `start` (thread-safe)."""
        n = dst.size
        if self.buffer is not None:
            np.copyto(dst, np.frombuffer(self.buffer, np.uint8, count=n, offset=start))
            return
        got = 0
        if self._fd is not None and _PREADV is not None:
            got = _PREADV(self._fd, [dst], self.offset + start)  # one call reads the whole range, as a rule
            if got == n:
                return
        view = memoryview(dst).cast("B")
        if self._fd is not None and _PREADV is not None:
            while got < n:
                chunk = os.preadv(self._fd, [view[got:]], self.offset + start + got)
                if not chunk:
                    break
                got += chunk
        else:
            assert self.fp is not None
            with self._lock:
                self.fp.seek(self.offset + start)
                while got < n:
                    chunk = self.fp.readinto(view[got:])
                    if not chunk:
                        break
                    got += chunk
        if got < n:
            raise TruncatedFileError(
                f"The file ends {start + got} bytes into the pixel data value, {start + n} bytes were needed"
            )


def _from_file(fp: BinaryIO, name: str, *, whole_head: bool = False) -> PixelSource:
    """The source of the file `fp`, read from its position (the start of the file).

    `whole_head`: parse the data set from the file's first :data:`HEAD_BYTES`
    read at once (for a file opened here, from its path, whose reads nobody
    watches); otherwise only the data set's bytes are read from `fp`.
    """
    start = fp.tell()
    head = fp.read(HEAD_BYTES if whole_head else 132)
    dicm = head[128:132] == b"DICM"
    parsed = None
    if whole_head and start == 0:
        parsed = read_head(fp, head, fp.seek(0, io.SEEK_END))
    if parsed is None:
        fp.seek(start)
        ds, check = read_dataset(fp, name, dicm, stop_before_pixels=True)
    else:
        ds, check = parsed
    if not looks_like_dicom(head, ds):
        raise not_dicom(name)
    tsyntax = transfer_syntax_of(ds)
    if tsyntax == DeflatedExplicitVRLittleEndian:
        # The whole data set is deflated: there is no seeking in it.
        fp.seek(start)
        return _from_dataset(read_dataset(fp, name, dicm)[0])
    if not check.at_pixels:
        raise no_pixel_data(ds, check, name, dicm)
    read_implicit = None if check.last is None else check.implicit  # how pydicom reads the data set
    keyword, vr, length = pixel_element_header(fp, ds, name, tsyntax, read_implicit)
    offset = fp.tell()
    try:
        spec = PixelSpec.from_dataset(ds, pixel_keyword=keyword, pixel_vr=vr, transfer_syntax_uid=tsyntax)
    except DcmcoreError as exc:
        refused = exc
    else:
        refused = None
    if refused is not None:
        _refuse_an_element_after(fp, name, keyword, vr, length, tsyntax)
        raise refused
    if length == UNDEFINED_LENGTH:
        if spec.is_native:
            raise CorruptPixelDataError(
                f"{name}: natively encoded pixel data with an undefined length is invalid "
                f"for the transfer syntax {tsyntax}"
            )
        return _with_tail(PixelSource(ds, spec, fp=fp, offset=offset, length=None), name, keyword, vr)
    here = fp.tell()
    size = fp.seek(0, io.SEEK_END)
    fp.seek(here)
    if offset + length > size:
        raise TruncatedFileError(
            f"{name}: the file ends at byte {size}, {size - offset} bytes into the value of "
            f"{tag_name(PIXEL_KEYWORDS[keyword])} (from byte {offset}), which is {length} bytes long: "
            "the file is truncated"
        )
    source = _with_tail(PixelSource(ds, spec, fp=fp, offset=offset, length=length), name, keyword, vr)
    if offset + length < size:  # elements after the pixel data (usually none, or trailing padding)
        source.tail.check(offset + length, size)  # type: ignore[union-attr]
    return source


def _refuse_an_element_after(fp: BinaryIO, name: str, keyword: str, vr: str | None, length: int, tsyntax: UID | None) -> None:
    """For a file whose Image Pixel elements before its pixel data are refused: an ``ElementOrderError`` when one comes
    after the pixel data (pydicom keeps that later value), which says more than the missing or invalid element.

    `fp` is at the start of the pixel data's value, of `length` bytes (or of undefined length: its items are
    skipped); nothing comes after a value that runs to the end of the file.
    """
    offset = fp.tell()
    size = fp.seek(0, io.SEEK_END)
    fp.seek(offset)
    if length != UNDEFINED_LENGTH and offset + length >= size:
        return

    def read(pos: int, n: int) -> bytes:
        fp.seek(pos)
        return fp.read(n)

    tail = Tail(name, PIXEL_KEYWORDS[keyword], little=tsyntax not in BIG_ENDIAN_TRANSFER_SYNTAXES, implicit=vr is None, read=read)
    try:
        if length == UNDEFINED_LENGTH:
            tail.check_from_value(offset, size)
        else:
            tail.check(offset + length, size)
    finally:
        fp.seek(offset)


def _with_tail(source: PixelSource, name: str, keyword: str, vr: str | None) -> PixelSource:
    offset = source.offset
    read = lambda pos, n: source.read_at(pos - offset, n)  # noqa: E731
    source.tail = Tail(name, PIXEL_KEYWORDS[keyword], little=not source.spec.is_big_endian, implicit=vr is None, read=read)
    return source


def _from_dataset(ds: Dataset) -> PixelSource:
    spec = PixelSpec.from_dataset(ds)
    elem = element(ds, PIXEL_KEYWORDS[spec.pixel_keyword])
    assert elem is not None  # PixelSpec found it
    if spec.is_native and getattr(elem, "is_undefined_length", False):
        raise CorruptPixelDataError(
            f"The data set's {spec.pixel_keyword} has an undefined length, which is invalid for "
            f"natively encoded pixel data (transfer syntax {spec.transfer_syntax_uid})"
        )
    value = elem.value
    if value is None:
        raise MissingElementError(f"The data set's {spec.pixel_keyword} element has no value")
    if hasattr(value, "read"):  # pydicom 3 buffered pixel data
        value.seek(0)
        value = value.read()
    try:
        buffer = memoryview(value).cast("B")
    except TypeError:
        raise InvalidElementError(
            f"{tag_name(PIXEL_KEYWORDS[spec.pixel_keyword])} holds {type(value).__name__} (VR {elem.VR}), "
            "not bytes: pixel data must have a binary VR (OB, OW, OF or OD)"
        ) from None
    return PixelSource(ds, spec, buffer=buffer)


@contextmanager
def open_source(src: Dataset | str | os.PathLike[str] | BinaryIO) -> Iterator[PixelSource]:
    """Open `src` (a data set, a path or a readable binary file) as a :class:`PixelSource`.

    A path is opened and closed here; a file object is read from its start
    and returned to its original position.
    """
    if isinstance(src, Dataset):
        yield _from_dataset(src)
        return
    if isinstance(src, (bytes, bytearray, memoryview)):
        src = io.BytesIO(src)  # the bytes of a whole file
    if hasattr(src, "read"):
        fp: BinaryIO = src  # type: ignore[assignment]
        if not isinstance(fp.read(0), (bytes, bytearray)):
            raise TypeError(f"'src' is a text file object ({fp!r}): open the file in binary mode ('rb')")
        if not _seekable(fp):
            raise TypeError(
                f"'src' is a file object that cannot seek ({fp!r}): dcmcore reads frames where they lie; "
                "read it into bytes first (pixel_array(fp.read()))"
            )
        position = fp.tell()
        fp.seek(0)
        try:
            yield _from_file(fp, getattr(fp, "name", "file"))
        finally:
            fp.seek(position)
        return
    if isinstance(src, (str, os.PathLike)):
        path = Path(src)
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            raise NotDicomFileError(
                f"{path} is not a regular file ({'a directory' if stat.S_ISDIR(mode) else 'a device, FIFO or socket'}): "
                "dcmcore reads DICOM files, whose length is known"
            )
        with path.open("rb") as fp:
            yield _from_file(fp, str(path), whole_head=True)
        return
    raise TypeError(
        f"'src' must be a pydicom Dataset, a path, a readable binary file or the bytes of a file, "
        f"not {type(src).__name__}"
    )


def _seekable(fp: Any) -> bool:
    try:
        return bool(fp.seekable()) if hasattr(fp, "seekable") else True
    except (OSError, ValueError):
        return False
