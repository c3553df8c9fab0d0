"""Where pixel data comes from: a data set in memory, or a file read a frame at a time."""

from __future__ import annotations

import io
import os
import stat
import struct
import threading
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, Iterator

import numpy as np
from pydicom.dataset import Dataset
from pydicom.errors import BytesLengthException
from pydicom.filereader import read_partial
from pydicom.uid import UID

from dcmcore._pixel_element import LONG_VRS as _LONG_VRS, PIXEL_TAGS, Tail, pixel_element_header
from dcmcore.dataset_elements import KNOWN_VRS, element, tag_name
from dcmcore.errors import (
    CorruptPixelDataError,
    InvalidElementError,
    MissingElementError,
    NotDicomFileError,
    TruncatedFileError,
    UnknownVRError,
)
from dcmcore.spec import PIXEL_KEYWORDS, PixelSpec, transfer_syntax_of
from dcmcore.uids import DeflatedExplicitVRLittleEndian

__all__ = ["PixelSource", "open_source"]

UNDEFINED_LENGTH = 0xFFFFFFFF
ROWS = 0x00280010


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
    tail : dcmcore._trailing.Tail or None
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
        self._fd = _fileno(fp) if fp is not None else None
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
        view = memoryview(dst).cast("B")
        got = 0
        if self._fd is not None and hasattr(os, "preadv"):
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


def _fileno(fp: Any) -> int | None:
    try:
        return fp.fileno()
    except (OSError, AttributeError, io.UnsupportedOperation):
        return None


class _BoundedReader:
    """A file object as pydicom reads it, never asked for more bytes than the file has left.

    pydicom reads an element's value with one ``read(length)``, and a file
    object allocates `length` bytes before it finds the end of the file: a
    length from a corrupt or relabelled file (gigabytes) is then a
    ``MemoryError``. Here a read past the end is cut to what is left, which is
    all the file would return anyway, and remembered: pydicom failing after
    such a read means the file is cut short.
    """

    def __init__(self, fp: BinaryIO, size: int) -> None:
        self._fp = fp
        self.size = size
        self.seek = fp.seek
        self.tell = fp.tell
        self.overrun = False  # a read asked for bytes past the end of the file
        self.inflated = False  # pydicom read the rest at once: a deflated data set, parsed from memory
        if getattr(fp, "name", None) is not None:
            self.name = fp.name  # what FileDataset takes its filename from

    def read(self, n: int | None = -1) -> bytes:
        if n is None or n < 0:
            self.inflated = True
            return self._fp.read()
        left = self.size - self._fp.tell()
        if n > left:
            self.overrun = True
            n = max(left, 0)
        return self._fp.read(n)


class _BadHeader(Exception):
    """Raised from pydicom's ``stop_when`` hook (never a NotImplementedError or EOFError, which pydicom swallows)."""

    def __init__(self, kind: str, tag: int, vr: str | None, start: int, length: int) -> None:
        super().__init__(kind)
        self.kind, self.tag, self.vr, self.start, self.length = kind, tag, vr, start, length


class _HeaderCheck:
    """pydicom's ``stop_when`` hook: each top-level element's tag, VR and length, before its value is read.

    Refuses a VR that is not the Standard's and a length past the end of the
    file, and remembers the last element, to say where a file ends.
    """

    def __init__(self, reader: _BoundedReader, stop_at_pixels: bool) -> None:
        self.reader = reader
        self.stop_at_pixels = stop_at_pixels
        self.last: tuple[int, str | None, int, int] | None = None  # tag, VR, header offset, length
        self.at_pixels = False

    def __call__(self, tag: int, vr: str | None, length: int) -> bool:
        reader = self.reader
        value_at = reader.tell()
        start = value_at - (12 if vr is not None and vr.encode() in _LONG_VRS else 8)
        if vr is not None and vr not in KNOWN_VRS and "AA" <= vr <= "ZZ":
            # (pydicom reads other bytes as an implicit VR element; it also calls this hook with
            # them, peeking at the first element to detect implicit VR)
            raise _BadHeader("vr", tag, vr, start, length)
        is_pixels = tag in PIXEL_TAGS
        if self.stop_at_pixels and is_pixels:
            self.at_pixels = True
            return True  # its length is checked by _from_file
        if not reader.inflated and length != UNDEFINED_LENGTH and value_at + length > reader.size:
            raise _BadHeader("length", tag, vr, start, length)
        self.last = (tag, vr, start, length)
        return False


def _declared_syntax(fp: BinaryIO, start: int, size: int) -> str:
    """`` (its Transfer Syntax UID is 1.2.840.10008.1.2.2, Explicit VR Big Endian)``, or '' if unreadable."""
    try:
        fp.seek(start)
        meta = read_partial(_BoundedReader(fp, size), lambda *args: True, force=True).file_meta  # type: ignore[arg-type]
        uid = UID(str(meta.TransferSyntaxUID))
    except Exception:
        return ""
    return f" ({uid}, {uid.name})" if uid.is_transfer_syntax else f" ({uid})"


def _header_error(bad: _BadHeader, fp: BinaryIO, start: int, size: int, name: str) -> Exception:
    what = f"{tag_name(bad.tag)}{f' (VR {bad.vr})' if bad.vr else ''} at byte {bad.start}"
    hint = "the file is corrupt, or is not encoded as its Transfer Syntax UID" + _declared_syntax(fp, start, size) + " says"
    if bad.kind == "vr":
        return UnknownVRError(
            f"{name}: {tag_name(bad.tag)} at byte {bad.start} has the Value Representation {bad.vr!r}, which is "
            f"not one of the DICOM Standard's, so the file cannot be parsed past it: {hint}"
        )
    if bad.length > size:
        return InvalidElementError(
            f"{name}: {what} has a length of {bad.length} bytes, more than the whole file ({size} bytes): {hint}"
        )
    value_at = bad.start + (12 if bad.vr and bad.vr.encode() in _LONG_VRS else 8)
    return TruncatedFileError(
        f"{name}: the file ends at byte {size}, {size - value_at} bytes into the value of {what}, "
        f"which is {bad.length} bytes long: the file is truncated"
    )


def _where(check: _HeaderCheck) -> str:
    """Where in the data set the file ends: in the element after the last one read, or inside that one."""
    if check.last is None:
        return "inside its File Meta Information or its first element"
    tag, vr, start, length = check.last
    if length == UNDEFINED_LENGTH:
        return f"inside {tag_name(tag)} (an undefined length {vr or 'value'} from byte {start})"
    end = start + (12 if vr and vr.encode() in _LONG_VRS else 8) + length
    into = f"{check.reader.size - end} bytes into the header of " if end < check.reader.size else ""
    return f"{into}the element after {tag_name(tag)} (at byte {start})"


def _read_dataset(fp: BinaryIO, name: str, dicm: bool, *, stop_before_pixels: bool = False) -> tuple[Dataset, _HeaderCheck]:
    """Read the data set of the file at the position of `fp` (pydicom's reader, every length checked first).

    `dicm` says whether the file has the 'DICM' prefix (without it, a file whose
    first element cannot be read is not a DICOM file).

    Raises
    ------
    NotDicomFileError
        When no element can be read from a file without the 'DICM' prefix.
    UnknownVRError, InvalidElementError, TruncatedFileError
        For a VR that is not the Standard's, an element longer than the whole
        file, and a file that ends inside an element (naming the element and
        the byte offsets).
    """
    start = fp.tell()
    size = fp.seek(0, io.SEEK_END)
    fp.seek(start)
    reader = _BoundedReader(fp, size)
    check = _HeaderCheck(reader, stop_before_pixels)
    try:
        ds = read_partial(reader, check, force=True)  # type: ignore[arg-type]
    except _BadHeader as bad:
        if not dicm and check.last is None:
            raise _not_dicom(name) from None
        raise _header_error(bad, fp, start, size, name) from None
    except (struct.error, EOFError, OSError, BytesLengthException, NotImplementedError) as exc:
        # pydicom converts the File Meta Information while reading (the rest stays raw): an unknown VR
        # or a bad length there, or any read past the end of the file, ends the reading
        if isinstance(exc, OSError) and not reader.overrun:
            raise  # not about the data: the operating system's error reading the file
        if not dicm and check.last is None:
            raise _not_dicom(name) from None
        detail = f"({type(exc).__name__}: {exc})"
        if reader.overrun and not isinstance(exc, NotImplementedError):
            raise TruncatedFileError(f"{name}: the file ends at byte {size} {_where(check)}: it is truncated {detail}") from None
        what = "an element of its File Meta Information" if check.last is None else _where(check)
        if isinstance(exc, NotImplementedError):
            raise UnknownVRError(f"{name}: {what} has a Value Representation that is not the Standard's {detail}") from None
        raise InvalidElementError(f"{name}: {what} cannot be read {detail}") from None
    except ValueError as exc:  # a value pydicom converts while reading: (0008,0005) 'Specific Character Set'
        what = "an element of its File Meta Information" if check.last is None else (
            f"{tag_name(check.last[0])} at byte {check.last[2]}"
        )
        raise InvalidElementError(f"{name}: {what} cannot be read ({type(exc).__name__}: {exc})") from None
    except zlib.error as exc:
        raise TruncatedFileError(f"{name}: the deflated data set cannot be inflated: it is truncated or corrupt ({exc})") from None
    if isinstance(fp, io.BufferedReader):  # as pydicom.dcmread would have set them
        ds.buffer, ds.fileobj_type = None, open
    else:
        ds.buffer, ds.fileobj_type = fp, type(fp)
    return ds, check


def _not_dicom(name: str) -> NotDicomFileError:
    return NotDicomFileError(
        f"{name} is not a DICOM file: it has no 'DICM' prefix at byte 128 and no data set "
        "elements could be read from its start"
    )


def _no_pixel_data(ds: Dataset, check: _HeaderCheck, name: str, dicm: bool) -> Exception:
    """The error for a data set read to its end without a pixel data element."""
    size = check.reader.size
    where = _where(check)
    if "bytes into the header" in where or (dicm and check.last is None):
        return TruncatedFileError(f"{name}: the file ends at byte {size}, {where}: it is truncated")
    if check.last is not None:
        where = f" (the file ends at byte {size}, right after {tag_name(check.last[0])} at byte {check.last[2]})"
        if ROWS in ds._dict:
            where += f"; {tag_name(ROWS)} says it should have some: the file may be truncated"
    return MissingElementError(
        "The file has no (7FE0,0010) 'Pixel Data', (7FE0,0008) 'Float Pixel Data' or "
        f"(7FE0,0009) 'Double Float Pixel Data' element: no pixel data to decode{where}"
    )


def _looks_like_dicom(head: bytes, ds: Dataset) -> bool:
    """True for a file with the 'DICM' prefix, or whose data set has File Meta or DICOM's common groups."""
    if head[128:132] == b"DICM":
        return True
    if getattr(ds, "file_meta", None) and "TransferSyntaxUID" in ds.file_meta:
        return True
    return any((tag >> 16) in (0x0008, 0x0010, 0x0020, 0x0028) for tag in ds._dict)


def _from_file(fp: BinaryIO, name: str) -> PixelSource:
    start = fp.tell()
    head = fp.read(132)
    fp.seek(start)
    dicm = head[128:132] == b"DICM"
    ds, check = _read_dataset(fp, name, dicm, stop_before_pixels=True)
    if not _looks_like_dicom(head, ds):
        raise _not_dicom(name)
    tsyntax = transfer_syntax_of(ds)
    if tsyntax == DeflatedExplicitVRLittleEndian:
        # The whole data set is deflated: there is no seeking in it.
        fp.seek(start)
        return _from_dataset(_read_dataset(fp, name, dicm)[0])
    if not check.at_pixels:
        raise _no_pixel_data(ds, check, name, dicm)
    keyword, vr, length = pixel_element_header(fp, ds, name)
    offset = fp.tell()
    spec = PixelSpec.from_dataset(ds, pixel_keyword=keyword, pixel_vr=vr)
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
            yield _from_file(fp, str(path))
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
