"""Read the headers of JPEG, JPEG-LS and JPEG 2000 codestreams, bounded, without decoding.

Offered to plugin authors (exported from :mod:`dcmcore.plugins`): a codec
library that trusts the geometry it is given, or level-shifts signed samples,
needs the codestream's own view of the image before it decodes. The header
gives the rows, columns and components (what a plugin's ``frame_geometry``
returns, checked by dcmcore before it allocates the output), the sample
precision, the JPEG 2000 signedness and the JPEG colour markers (component
IDs, JFIF and Adobe APP segments). For JPEG and JPEG-LS every marker segment
up to the first scan is walked, because libjpeg only warns about a malformed
header, and some bindings abort the process on a warning.

Every read is checked against the length of the data; anything malformed
raises :class:`~dcmcore.errors.CorruptPixelDataError` naming the byte offset.
References: ISO/IEC 10918-1 Annex B (JPEG), ISO/IEC 14495-1 Annex C (JPEG-LS),
ISO/IEC 15444-1 Annexes A and I (JPEG 2000 codestream and JP2 file format).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydicom.uid import JPEGLSTransferSyntaxes

from dcmcore.errors import CorruptPixelDataError, UnsupportedPixelDataError
from dcmcore.uids import JPEG_2000_FAMILY_TRANSFER_SYNTAXES, JPEG_FAMILY_TRANSFER_SYNTAXES
from dcmcore.plugins.helpers import frame_view
from dcmcore.plugins.jpegls import PresetParameters, check_scan_parameters, read_near, read_presets

if TYPE_CHECKING:
    from dcmcore.spec import PixelSpec

__all__ = ["CodestreamInfo", "parse_jpeg", "parse_j2k", "codestream_info", "check_geometry"]

#: Start Of Frame markers of ISO/IEC 10918-1 (not DHT C4, JPG C8, DAC CC) and SOF55 of JPEG-LS.
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF, 0xF7})
#: Markers without a length field: TEM and RST0-RST7.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
_APP = range(0xE0, 0xF0)
#: The LSE marker of JPEG-LS (ISO/IEC 14495-1 C.2.4.1).
_LSE = 0xF8
#: The JP2 signature box (ISO/IEC 15444-1 I.5.1).
_JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
#: Bytes of an APP segment kept for colour-space checks.
_APP_PREFIX = 16


@dataclass(frozen=True)
class CodestreamInfo:
    """What a codestream header says about the image it holds.

    Attributes
    ----------
    kind : str
        ``"JPEG"``, ``"JPEG-LS"`` or ``"JPEG 2000"``.
    rows, columns, components : int
        The image geometry (JPEG: the SOF segment; JPEG 2000: the SIZ segment,
        image area minus offsets).
    precision : int
        Bits per sample (of the first component, for JPEG 2000).
    is_signed : bool
        JPEG 2000 only: the first component's samples are signed (Ssiz bit 7).
        Always False for JPEG and JPEG-LS, which have no signed samples.
    marker : int
        The SOF marker (``0xC0``-``0xCF``, ``0xF7`` for JPEG-LS); 0 for JPEG 2000.
    component_ids : tuple of int
        JPEG and JPEG-LS component identifiers, in frame order.
    app : tuple of (int, bytes)
        JPEG and JPEG-LS APPn segments before the first scan: the marker
        and the first bytes of the segment's data.
    jp2 : bool
        The JPEG 2000 codestream was wrapped in a JP2 file.
    scan_offset : int
        JPEG and JPEG-LS: where the coded data of the first scan starts (the
        end of its scan header).
    presets : PresetParameters or None
        JPEG-LS (a SOF55 frame): the preset coding parameters (LSE segment of
        ID 1) in force for the first scan, None for the defaults.
    """

    kind: str
    rows: int
    columns: int
    components: int
    precision: int
    is_signed: bool = False
    marker: int = 0
    component_ids: tuple[int, ...] = ()
    app: tuple[tuple[int, bytes], ...] = field(default=(), repr=False)
    jp2: bool = False
    scan_offset: int = 0
    presets: PresetParameters | None = field(default=None, repr=False)

    @property
    def has_jfif(self) -> bool:
        """An APP0 JFIF segment is present (the samples are YCbCr by definition of JFIF)."""
        return any(marker == 0xE0 and data.startswith(b"JFIF\x00") for marker, data in self.app)

    @property
    def jfif_versions(self) -> tuple[tuple[int, int], ...]:
        """(major, minor) of each JFIF APP0 segment that libjpeg reads as one (14 bytes of data at least)."""
        return tuple(
            (data[5], data[6]) for marker, data in self.app if marker == 0xE0 and len(data) >= 14 and data.startswith(b"JFIF\x00")
        )

    @property
    def adobe_transforms(self) -> tuple[int, ...]:
        """The colour transform flag of each Adobe APP14 segment libjpeg reads (12 bytes of data at least)."""
        return tuple(data[11] for marker, data in self.app if marker == 0xEE and data.startswith(b"Adobe") and len(data) >= 12)

    @property
    def adobe_transform(self) -> int | None:
        """The colour transform flag of an Adobe APP14 segment (0: none, 1: YCbCr, 2: YCCK), if any."""
        for marker, data in self.app:
            if marker == 0xEE and data.startswith(b"Adobe") and len(data) >= 12:
                return data[11]
        return None


def _u16(buf: memoryview, pos: int) -> int:
    return (buf[pos] << 8) | buf[pos + 1]


def _u32(buf: memoryview, pos: int) -> int:
    return (buf[pos] << 24) | (buf[pos + 1] << 16) | (buf[pos + 2] << 8) | buf[pos + 3]


def parse_jpeg(src: Any, kind: str = "JPEG") -> CodestreamInfo:
    """Read the header of a JPEG or JPEG-LS codestream, from SOI to its first scan (SOS).

    Every marker segment up to and including the first scan header is checked:
    libjpeg (GDCM's JPEG codec) only *warns* about bytes that are not a marker
    where one must start, and GDCM ends the process with an uncaught C++
    exception on any warning while it reads the header. So nothing may lie
    between the segments but fill bytes (``FF``).

    Parameters
    ----------
    src : bytes-like
        The codestream, starting with SOI (``FF D8``).
    kind : str
        ``"JPEG"`` or ``"JPEG-LS"``, for messages.

    Raises
    ------
    CorruptPixelDataError
        No SOI; a segment that runs past the end of the data; a byte that is
        not a marker (``FF 00`` included) where a marker must start; SOI,
        EOI or a second frame header before the first scan; no frame header
        before the first scan, or no scan; a first scan whose component
        selectors are not distinct components of the frame; a JPEG-LS scan
        whose coding parameters ISO/IEC 14495-1 does not allow.
    """
    buf = frame_view(src)
    last = _last_jpeg
    if last is not None and last[1] == kind and bytes(buf[: len(last[0])]) == last[0]:
        return last[2]  # the same header as the frame before (the tiles of one image, as a rule)
    info, end = _parse_jpeg(buf, kind)
    _remember(bytes(buf[:end]), kind, info)
    return info


#: ``(header, kind, info)`` of the last JPEG header read: its bytes from SOI to
#: the end of the first scan header, and what :func:`parse_jpeg` made of them.
#: Whatever follows those bytes, a frame that starts with them has that header:
#: every check :func:`_parse_jpeg` makes lies inside them.
_last_jpeg: tuple[bytes, str, CodestreamInfo] | None = None


def _remember(header: bytes, kind: str, info: CodestreamInfo) -> None:
    global _last_jpeg
    _last_jpeg = (header, kind, info)  # one assignment: safe from several threads


def _parse_jpeg(buf: memoryview, kind: str) -> tuple[CodestreamInfo, int]:
    """:func:`parse_jpeg`'s walk; also returns where the first scan header ends."""
    size = buf.nbytes
    if size < 4 or buf[0] != 0xFF or buf[1] != 0xD8:
        start = bytes(buf[:4]).hex(" ")
        raise CorruptPixelDataError(
            f"The {kind} frame does not start with an SOI marker (FF D8) but with '{start}': "
            "it is not a JPEG codestream, or it is corrupt"
        )
    pos = 2
    app: list[tuple[int, bytes]] = []
    frame: dict[str, Any] | None = None
    presets: PresetParameters | None = None
    lse: tuple[memoryview, int] | None = None
    while True:
        if pos + 2 > size:
            where = "its first scan (SOS)" if frame is not None else "its frame header (SOF)"
            raise CorruptPixelDataError(f"The {kind} frame ends at byte {size} before {where}: it is truncated")
        if buf[pos] != 0xFF:
            raise CorruptPixelDataError(
                f"The {kind} frame has the byte {buf[pos]:02X} at offset {pos} where a marker must start"
            )
        marker = buf[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker == 0x00:
            raise CorruptPixelDataError(
                f"The {kind} frame has FF 00 (a stuffed zero of entropy-coded data) at offset {pos}, "
                "where a marker must start, before its first scan"
            )
        pos += 2
        if marker in _STANDALONE:
            continue
        if marker in (0xD8, 0xD9) or (marker == 0xDA and frame is None):
            name = {0xD8: "a second SOI", 0xD9: "EOI", 0xDA: "a scan (SOS)"}[marker]
            before = "its first scan (SOS)" if frame is not None else "any frame header (SOF)"
            raise CorruptPixelDataError(f"The {kind} frame has {name} at offset {pos - 2} before {before}")
        if pos + 2 > size:
            raise CorruptPixelDataError(f"The {kind} frame ends inside the marker FF {marker:02X} at offset {pos - 2}")
        length = _u16(buf, pos)
        if length < 2 or pos + length > size:
            raise CorruptPixelDataError(
                f"The {kind} segment FF {marker:02X} at offset {pos - 2} has the length {length}, but "
                f"{size - pos} bytes remain: the frame is truncated or corrupt"
            )
        if marker == 0xDA:  # the first scan: the header is complete
            assert frame is not None
            _check_scan_components(buf[pos + 2 : pos + length], frame["component_ids"], kind, pos - 2)
            if frame["marker"] == 0xF7:  # JPEG-LS, whatever `kind` says
                presets = read_presets(*lse) if lse else None
                check_scan_parameters(frame["precision"], presets, read_near(buf[pos + 2 : pos + length], pos - 2), pos - 2)
            info = CodestreamInfo(kind=kind, app=tuple(app), scan_offset=pos + length, presets=presets, **frame)
            return info, pos + length
        if marker == _LSE and length >= 3 and buf[pos + 2] == 1:
            lse = (buf[pos + 2 : pos + length], pos - 2)  # JPEG-LS preset parameters, read once SOF55 is known
        elif marker in _APP:
            app.append((marker, bytes(buf[pos + 2 : pos + 2 + min(length - 2, _APP_PREFIX)])))
        elif marker in _SOF:
            if frame is not None:
                raise CorruptPixelDataError(f"The {kind} frame has a second frame header (SOF) at offset {pos - 2}")
            if length < 8:
                raise CorruptPixelDataError(f"The {kind} frame header at offset {pos - 2} is {length} bytes, 8 at least are needed")
            ncomp = buf[pos + 7]
            if length < 8 + 3 * ncomp:
                raise CorruptPixelDataError(
                    f"The {kind} frame header at offset {pos - 2} lists {ncomp} components in {length} bytes: "
                    f"{8 + 3 * ncomp} are needed"
                )
            frame = dict(
                rows=_u16(buf, pos + 3),
                columns=_u16(buf, pos + 5),
                components=ncomp,
                precision=buf[pos + 2],
                marker=marker,
                component_ids=tuple(buf[pos + 8 + 3 * k] for k in range(ncomp)),
            )
        pos += length


def _check_scan_components(header: memoryview, frame_ids: tuple[int, ...], kind: str, at: int) -> None:
    """Refuse a scan header whose component selectors are not distinct components of the frame.

    ITU-T T.81 B.2.3 (and T.87 C.2.3 for JPEG-LS): each selector matches one
    component of the frame header, once. A component left out by a repeated
    selector is never decoded; libjpeg-turbo refuses such a scan, GDCM's
    libjpeg returns memory it never wrote for it.
    """
    ncomp = header[0] if header.nbytes else 0
    if ncomp < 1 or header.nbytes < 1 + 2 * ncomp:  # more selectors than frame components repeat one, below
        raise CorruptPixelDataError(
            f"The {kind} scan header (SOS) at offset {at} lists {ncomp} components in a segment of "
            f"{header.nbytes + 2} bytes: it needs at least one, and 2 bytes for each"
        )
    ids = [header[1 + 2 * k] for k in range(ncomp)]
    for k, cid in enumerate(ids):
        if cid not in frame_ids or cid in ids[:k]:
            why = "a second time" if cid in ids[:k] else f"but the frame header's components are {list(frame_ids)}"
            raise CorruptPixelDataError(
                f"The {kind} scan header (SOS) at offset {at} selects the component {cid} {why}: "
                "it is corrupt (ITU-T T.81 B.2.3)"
            )


def _jp2_codestream(buf: memoryview) -> int:
    """The offset of the codestream inside a JP2 file (the contents of its 'jp2c' box)."""
    size = buf.nbytes
    pos = 0
    while pos + 8 <= size:
        length = _u32(buf, pos)
        box = bytes(buf[pos + 4 : pos + 8])
        header = 8
        if length == 1:  # the real length follows as 64 bits
            if pos + 16 > size:
                break
            length = (_u32(buf, pos + 8) << 32) | _u32(buf, pos + 12)
            header = 16
        elif length == 0:  # the last box: up to the end of the data
            length = size - pos
        if box == b"jp2c":
            return pos + header
        if length < header:
            raise CorruptPixelDataError(
                f"The JP2 box '{box.decode('latin-1')}' at offset {pos} has the length {length}: the file is corrupt"
            )
        pos += length
    raise CorruptPixelDataError("The JP2 file holds no contiguous codestream box ('jp2c'): it is truncated or corrupt")


def parse_j2k(src: Any) -> CodestreamInfo:
    """Read the image and tile size segment (SIZ) of a JPEG 2000 codestream or JP2 file.

    Raises
    ------
    CorruptPixelDataError
        No SOC followed by SIZ, a SIZ segment that is too short for its
        components or runs past the data, an empty image area, a tile grid
        or a component sub-sampling ISO/IEC 15444-1 A.5.1 does not allow.
    """
    buf = frame_view(src)
    size = buf.nbytes
    jp2 = bytes(buf[:12]) == _JP2_SIGNATURE
    cs = _jp2_codestream(buf) if jp2 else 0
    if cs + 4 > size or _u16(buf, cs) != 0xFF4F or _u16(buf, cs + 2) != 0xFF51:
        start = bytes(buf[cs : cs + 4]).hex(" ")
        raise CorruptPixelDataError(
            f"The JPEG 2000 {'codestream in the JP2 file' if jp2 else 'frame'} does not start with the "
            f"SOC and SIZ markers (FF 4F FF 51) but with '{start}': it is not a JPEG 2000 codestream, "
            "or it is corrupt"
        )
    if cs + 44 > size:
        raise CorruptPixelDataError("The JPEG 2000 frame ends inside its SIZ segment: it is truncated")
    lsiz = _u16(buf, cs + 4)
    ncomp = _u16(buf, cs + 40)
    if ncomp < 1 or lsiz != 38 + 3 * ncomp or cs + 4 + lsiz > size:
        raise CorruptPixelDataError(
            f"The JPEG 2000 SIZ segment has the length {lsiz} for {ncomp} components "
            f"(38 + 3 x components = {38 + 3 * ncomp} is required) and {size - cs - 4} bytes remain: "
            "the frame is truncated or corrupt"
        )
    xsiz, ysiz, xosiz, yosiz = (_u32(buf, cs + off) for off in (8, 12, 16, 20))
    if xosiz >= xsiz or yosiz >= ysiz:
        raise CorruptPixelDataError(
            f"The JPEG 2000 SIZ segment gives an empty image area ({xsiz} x {ysiz} with offsets {xosiz}, {yosiz})"
        )
    _check_tiles(buf, cs, xsiz, ysiz, xosiz, yosiz)
    for k in range(ncomp):
        if buf[cs + 43 + 3 * k] == 0 or buf[cs + 44 + 3 * k] == 0:
            raise CorruptPixelDataError(
                f"The JPEG 2000 SIZ segment gives component {k} a sub-sampling of {buf[cs + 43 + 3 * k]} x "
                f"{buf[cs + 44 + 3 * k]}: 1 to 255 is required (ISO/IEC 15444-1 A.5.1)"
            )
    ssiz = buf[cs + 42]
    return CodestreamInfo(
        kind="JPEG 2000",
        rows=ysiz - yosiz,
        columns=xsiz - xosiz,
        components=ncomp,
        precision=(ssiz & 0x7F) + 1,
        is_signed=bool(ssiz & 0x80),
        jp2=jp2,
    )


def _check_tiles(buf: memoryview, cs: int, xsiz: int, ysiz: int, xosiz: int, yosiz: int) -> None:
    """Refuse a tile grid ISO/IEC 15444-1 A.5.1 does not allow: tiles of at least one sample whose
    origin lies at or before the image area's and whose first tile reaches into it (decoders trust it:
    OpenJPH loops forever on a tile origin past the image's)."""
    xtsiz, ytsiz, xtosiz, ytosiz = (_u32(buf, cs + off) for off in (24, 28, 32, 36))
    if not (xtsiz and ytsiz and xtosiz <= xosiz and ytosiz <= yosiz and xtsiz + xtosiz > xosiz and ytsiz + ytosiz > yosiz):
        raise CorruptPixelDataError(
            f"The JPEG 2000 SIZ segment gives tiles of {xtsiz} x {ytsiz} from ({xtosiz}, {ytosiz}) for the "
            f"image area from ({xosiz}, {yosiz}) to ({xsiz}, {ysiz}): tiles of at least one sample are "
            "required, starting at or before the image area, the first reaching into it (ISO/IEC 15444-1 A.5.1)"
        )


def codestream_info(src: Any, uid: str) -> CodestreamInfo | None:
    """The header of the frame `src` of transfer syntax `uid`, or None when the syntax has no parser here.

    JPEG and JPEG-LS syntaxes are read with :func:`parse_jpeg`, JPEG 2000 and
    HTJ2K ones with :func:`parse_j2k`. A plugin's ``frame_geometry`` can be
    just this call.

    Raises
    ------
    CorruptPixelDataError
        The frame is not a valid codestream header of its syntax.
    """
    uid = str(uid)
    if uid in JPEG_FAMILY_TRANSFER_SYNTAXES:
        return parse_jpeg(src, "JPEG-LS" if uid in JPEGLSTransferSyntaxes else "JPEG")
    if uid in JPEG_2000_FAMILY_TRANSFER_SYNTAXES:
        return parse_j2k(src)
    return None


def check_geometry(info: CodestreamInfo, spec: PixelSpec, library: str) -> None:
    """Refuse a codestream whose image is not the one the data set describes.

    For a plugin whose codec library trusts the geometry it is given (or
    decodes whatever the codestream holds): call it with the header read by
    :func:`parse_jpeg`, :func:`parse_j2k` or :func:`codestream_info` before
    the library sees the frame.

    Parameters
    ----------
    info : CodestreamInfo
        The frame's codestream header.
    spec : PixelSpec
        The data set's description of the frame.
    library : str
        The codec library's name, for messages (``"GDCM"``).

    Raises
    ------
    CorruptPixelDataError
        The codestream's rows, columns or components differ from (0028,0010)
        *Rows*, (0028,0011) *Columns* and (0028,0002) *Samples per Pixel*; its
        precision is not 1 to 38 bits, or more than (0028,0100) *Bits
        Allocated* can hold.
    UnsupportedPixelDataError
        A JPEG or JPEG-LS frame with 0 lines in its frame header, which defines
        them later in a DNL segment (not decoded by the libraries wrapped here).
    """
    if info.rows == 0 and info.kind != "JPEG 2000":
        raise UnsupportedPixelDataError(
            f"The {info.kind} frame defines its number of lines later, in a DNL segment; {library} cannot decode that"
        )
    found = (info.rows, info.columns, info.components)
    wanted = (spec.rows, spec.columns, spec.samples_per_pixel)
    if found != wanted:
        raise CorruptPixelDataError(
            f"The {info.kind} codestream holds {info.rows} x {info.columns} pixels of {info.components} "
            f"component(s), but (0028,0010) 'Rows', (0028,0011) 'Columns' and (0028,0002) 'Samples per "
            f"Pixel' say {spec.rows} x {spec.columns} x {spec.samples_per_pixel}"
        )
    if not 1 <= info.precision <= 38:
        raise CorruptPixelDataError(f"The {info.kind} codestream gives an invalid sample precision of {info.precision} bits")
    if info.precision > spec.bits_allocated:
        raise CorruptPixelDataError(
            f"The {info.kind} codestream holds {info.precision}-bit samples, more than the (0028,0100) "
            f"'Bits Allocated' value of {spec.bits_allocated} can hold"
        )
