"""Reading a file's data set up to its pixel data: every length checked, errors that say where.

:func:`read_head` parses the header from the file's first bytes held in
memory (most headers fit in :data:`HEAD_BYTES`): a plain header with
:func:`dcmcore._scan.scan_file`, anything else with pydicom's reader;
:func:`read_dataset` reads it from the file itself with pydicom's reader,
with the checks of :class:`HeaderCheck` and :class:`BoundedReader`, and
turns what goes wrong into dcmcore's errors.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from typing import Any, BinaryIO

from pydicom.charset import default_encoding
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.errors import BytesLengthException
from pydicom.filereader import read_partial
from pydicom.uid import UID

from dcmcore._pixel_element import LONG_VRS, PIXEL_TAGS
from dcmcore._scan import Scanned, scan_file
from dcmcore.dataset_elements import KNOWN_VRS, tag_name, transfer_syntax_of
from dcmcore.errors import InvalidElementError, MissingElementError, NotDicomFileError, TruncatedFileError, UnknownVRError
from dcmcore.uids import DeflatedExplicitVRLittleEndian

__all__ = [
    "BoundedReader", "BadHeader", "HeaderCheck", "read_dataset", "read_head", "not_dicom", "no_pixel_data",
    "looks_like_dicom", "fileno", "UNDEFINED_LENGTH", "HEAD_BYTES",
]

UNDEFINED_LENGTH = 0xFFFFFFFF
ROWS = 0x00280010


def fileno(fp: Any) -> int | None:
    try:
        return fp.fileno()
    except (OSError, AttributeError, io.UnsupportedOperation):
        return None


class BoundedReader:
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


class BadHeader(Exception):
    """Raised from pydicom's ``stop_when`` hook (never a NotImplementedError or EOFError, which pydicom swallows)."""

    def __init__(self, kind: str, tag: int, vr: str | None, start: int, length: int) -> None:
        super().__init__(kind)
        self.kind, self.tag, self.vr, self.start, self.length = kind, tag, vr, start, length


class HeaderCheck:
    """pydicom's ``stop_when`` hook: each top-level element's tag, VR and length, before its value is read.

    Refuses a VR that is not the Standard's and a length past the end of the
    file, and remembers the last element, to say where a file ends.
    """

    def __init__(self, reader: BoundedReader, stop_at_pixels: bool) -> None:
        self.reader = reader
        self.stop_at_pixels = stop_at_pixels
        self.last: tuple[int, str | None, int, int] | None = None  # tag, VR, header offset, length
        #: Whether pydicom reads the data set as implicit VR: set by the first call (None before). An
        #: element of an explicit VR data set whose VR bytes are no letters is read as implicit VR on
        #: its own; the elements after it are read as explicit VR again.
        self.implicit: bool | None = None
        self.at_pixels = False

    def __call__(self, tag: int, vr: str | None, length: int) -> bool:
        reader = self.reader
        value_at = reader.tell()
        if self.implicit is None:
            # pydicom's peek at the first element (called only when it finds the other encoding than
            # the transfer syntax's) and its reading of the first element both say how it reads the rest
            self.implicit = vr is None or not (len(vr) == 2 and "A" <= vr[0] <= "Z" and "A" <= vr[1] <= "Z")
        start = value_at - (12 if vr is not None and vr.encode() in LONG_VRS else 8)
        if vr is not None and vr not in KNOWN_VRS and "AA" <= vr <= "ZZ":
            # (pydicom reads other bytes as an implicit VR element; it also calls this hook with
            # them, peeking at the first element to detect implicit VR)
            if length == 0 and self._peeked(value_at, vr):
                start = value_at - 6  # the peek read the tag and the VR only
            raise BadHeader("vr", tag, vr, start, length)
        is_pixels = tag in PIXEL_TAGS
        if self.stop_at_pixels and is_pixels:
            self.at_pixels = True
            return True  # its length is checked by _from_file
        if not reader.inflated and length != UNDEFINED_LENGTH and value_at + length > reader.size:
            raise BadHeader("length", tag, vr, start, length)
        self.last = (tag, vr, start, length)
        return False

    def _peeked(self, value_at: int, vr: str) -> bool:
        """Whether the hook was called from pydicom's peek at the first element's VR, with a length of 0.

        The peek has read the tag and the VR (the two bytes before `value_at`
        are the VR's letters); an element read as explicit VR with a length of
        0 has its two length bytes, zeros, there.
        """
        fp = self.reader._fp
        fp.seek(value_at - 2)
        before = fp.read(2)
        fp.seek(value_at)
        return before == vr.encode()


def _declared_syntax(fp: BinaryIO, start: int, size: int) -> str:
    """`` (its Transfer Syntax UID is 1.2.840.10008.1.2.2, Explicit VR Big Endian)``, or '' if unreadable."""
    try:
        fp.seek(start)
        meta = read_partial(BoundedReader(fp, size), lambda *args: True, force=True).file_meta  # type: ignore[arg-type]
        uid = UID(str(meta.TransferSyntaxUID))
    except Exception:
        return ""
    return f" ({uid}, {uid.name})" if uid.is_transfer_syntax else f" ({uid})"


def _header_error(bad: BadHeader, fp: BinaryIO, start: int, size: int, name: str) -> Exception:
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
    value_at = bad.start + (12 if bad.vr and bad.vr.encode() in LONG_VRS else 8)
    return TruncatedFileError(
        f"{name}: the file ends at byte {size}, {size - value_at} bytes into the value of {what}, "
        f"which is {bad.length} bytes long: the file is truncated"
    )


def _where(check: HeaderCheck) -> str:
    """Where in the data set the file ends: in the element after the last one read, or inside that one."""
    if check.last is None:
        return "inside its File Meta Information or its first element"
    tag, vr, start, length = check.last
    if length == UNDEFINED_LENGTH:
        return f"inside {tag_name(tag)} (an undefined length {vr or 'value'} from byte {start})"
    end = start + (12 if vr and vr.encode() in LONG_VRS else 8) + length
    into = f"{check.reader.size - end} bytes into the header of " if end < check.reader.size else ""
    return f"{into}the element after {tag_name(tag)} (at byte {start})"


def read_dataset(fp: BinaryIO, name: str, dicm: bool, *, stop_before_pixels: bool = False) -> tuple[Dataset, HeaderCheck]:
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
    reader = BoundedReader(fp, size)
    check = HeaderCheck(reader, stop_before_pixels)
    try:
        ds = read_partial(reader, check, force=True)  # type: ignore[arg-type]
    except BadHeader as bad:
        if not dicm and check.last is None:
            raise not_dicom(name, _first_element(bad, size)) from None
        raise _header_error(bad, fp, start, size, name) from None
    except (struct.error, EOFError, OSError, BytesLengthException, NotImplementedError) as exc:
        # pydicom converts the File Meta Information while reading (the rest stays raw): an unknown VR
        # or a bad length there, or any read past the end of the file, ends the reading
        if isinstance(exc, OSError) and not reader.overrun:
            raise  # not about the data: the operating system's error reading the file
        if not dicm and check.last is None:
            raise not_dicom(name) from None
        detail = f"({type(exc).__name__}: {exc})"
        if reader.overrun and not isinstance(exc, NotImplementedError):
            raise TruncatedFileError(f"{name}: the file ends at byte {size} {_where(check)}: it is truncated {detail}") from None
        what = "an element of its File Meta Information" if check.last is None else _where(check)
        if isinstance(exc, NotImplementedError):
            raise UnknownVRError(f"{name}: {what} has a Value Representation that is not the Standard's {detail}") from None
        raise InvalidElementError(f"{name}: {what} cannot be read {detail}") from None
    except (ValueError, TypeError) as exc:  # a value pydicom converts while reading: (0008,0005) 'Specific Character Set'
        # (TypeError: a Specific Character Set of a numeric VR, which pydicom converts to numbers)
        if _raised_in(exc, "charset.py") and (check.last is None or check.last[0] != SPECIFIC_CHARACTER_SET):
            what = tag_name(SPECIFIC_CHARACTER_SET)  # converted once the elements after it are read
        elif check.last is None:
            what = "an element of its File Meta Information"
        else:
            what = f"{tag_name(check.last[0])} at byte {check.last[2]}"
        raise InvalidElementError(f"{name}: {what} cannot be read ({type(exc).__name__}: {exc})") from None
    except zlib.error as exc:
        raise TruncatedFileError(f"{name}: the deflated data set cannot be inflated: it is truncated or corrupt ({exc})") from None
    if isinstance(fp, io.BufferedReader):  # as pydicom.dcmread would have set them
        ds.buffer, ds.fileobj_type = None, open
    else:
        ds.buffer, ds.fileobj_type = fp, type(fp)
    return ds, check


SPECIFIC_CHARACTER_SET = 0x00080005


def _raised_in(exc: BaseException, module_file: str) -> bool:
    """Whether `exc` was raised inside a call to a module whose file name is `module_file`."""
    tb = exc.__traceback__
    while tb is not None:
        if os.path.basename(tb.tb_frame.f_code.co_filename) == module_file:
            return True
        tb = tb.tb_next
    return False


def _first_element(bad: BadHeader, size: int) -> str:
    """What is wrong with the first element of a file without the 'DICM' prefix, which ended its reading."""
    if bad.kind == "vr":
        return f"{tag_name(bad.tag)} at byte {bad.start} has the Value Representation {bad.vr!r}, which is not one of the Standard's"
    return f"{tag_name(bad.tag)} at byte {bad.start} has a length of {bad.length} bytes, past the end of the file ({size} bytes)"


def not_dicom(name: str, first_element: str = "") -> NotDicomFileError:
    """The error for a file without the 'DICM' prefix whose first data set element cannot be read (`first_element`: why)."""
    why = f"its first data set element cannot be read: {first_element}" if first_element else (
        "no data set elements could be read from its start"
    )
    return NotDicomFileError(f"{name} is not a DICOM file: it has no 'DICM' prefix at byte 128 and {why}")


def no_pixel_data(ds: Dataset, check: HeaderCheck, name: str, dicm: bool) -> Exception:
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


def looks_like_dicom(head: bytes, ds: Dataset) -> bool:
    """True for a file with the 'DICM' prefix, or whose data set has File Meta or DICOM's common groups."""
    if head[128:132] == b"DICM":
        return True
    if getattr(ds, "file_meta", None) and "TransferSyntaxUID" in ds.file_meta:
        return True
    return any((tag >> 16) in (0x0008, 0x0010, 0x0020, 0x0028) for tag in ds._dict)


#: The first bytes of a file read at once to parse its header from memory (most headers fit).
HEAD_BYTES = 1 << 16


class _Head:
    """What :class:`HeaderCheck` asks of a reader, for a header parsed from the file's first bytes."""

    inflated = False
    overrun = False

    def __init__(self, buf: io.BytesIO, size: int) -> None:
        self._fp = buf  # (HeaderCheck looks at bytes before the position when pydicom peeks at a VR)
        self.tell = buf.tell
        self.size = size


def scanned_dataset(found: Scanned) -> Dataset:
    """The data set of a :func:`~dcmcore._scan.scan_file` result, as pydicom's ``read_partial`` makes it.

    The data set takes over ``found.elements`` (not a copy).
    """
    undefined = found.undefined
    meta = FileMetaDataset(found.meta)
    meta.set_original_encoding(False, True, default_encoding)
    # pydicom's reader converts the first File Meta element and (0002,0000) (and fails where they cannot be)
    meta[next(iter(meta._dict))]
    meta.get(0x00020000)
    ds = FileDataset(None, found.elements, found.preamble, meta, found.implicit, found.little)  # type: ignore[arg-type]
    ds.set_original_encoding(found.implicit, found.little, ds._character_set)
    for tag in undefined:
        ds[tag]  # pydicom's reader reads a sequence of undefined length at once (and fails on a malformed one)
    return ds


def read_head(fp: BinaryIO, head: bytes, size: int) -> tuple[Dataset, HeaderCheck] | None:
    """The data set up to Pixel Data parsed from `head`, the file's first bytes; None when it is not all there.

    Parsing from memory costs less than from the file, and walking the
    element headers of a plain header (:func:`~dcmcore._scan.scan_file`) less
    than pydicom's reader, which reads the others. Whenever the header does
    not end with a pixel data element inside `head` (or anything goes wrong),
    the caller reads the file as usual, so the errors are the same.
    """
    buf = io.BytesIO(head)
    reader = _Head(buf, size)
    check = HeaderCheck(reader, True)  # type: ignore[arg-type]
    found = scan_file(head)
    ds = None
    if found is not None and found.pixel_at + 12 <= len(head):  # (every element inside `head`)
        try:
            ds = scanned_dataset(found)  # converts (0008,0005) 'Specific Character Set', as pydicom's reader does
            check.at_pixels, check.last, check.implicit, at = True, found.last, found.implicit, found.pixel_at
        except Exception:
            ds = None  # pydicom's reader fails on it too, in the way the caller turns into dcmcore's error
    if ds is None:
        try:
            ds = read_partial(buf, check, force=True)
        except Exception:
            return None
        if not check.at_pixels or buf.tell() + 12 > len(head) or transfer_syntax_of(ds) == DeflatedExplicitVRLittleEndian:
            return None
        at = buf.tell()
    fp.seek(at)
    name = getattr(fp, "name", None)
    ds.buffer, ds.fileobj_type = (None, open) if isinstance(fp, io.BufferedReader) else (fp, type(fp))
    if isinstance(name, str):
        ds.filename = name
        fd = fileno(fp)
        if fd is not None:
            ds.timestamp = os.fstat(fd).st_mtime
    return ds, check
