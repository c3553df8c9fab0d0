"""The markers among the scans of a JPEG or JPEG-LS frame, after the header :func:`parse_jpeg` reads.

A decoder reads on past the first scan header: restart markers inside the
coded data, further scans (progressive JPEG, JPEG-LS colour scans of one
component each) with their tables and preset parameters, and segments it
skips (APPn, COM) until EOI. A plugin whose library mishandles a segment
there, one cut by the end of the frame say, can walk them first with
:func:`segments_after_scan`, bounded by the frame's length.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from dcmcore.plugins.codestream import CodestreamInfo
from dcmcore.plugins.helpers import frame_view

__all__ = ["segments_after_scan"]

#: A marker where entropy-coded data may lie: FF, then a byte that is not a stuffed zero, a fill
#: byte or RST0-RST7 (ISO/IEC 10918-1 B.1.1.2 and B.1.1.5).
_JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
#: The same in JPEG-LS coded data, where FF is followed by a byte whose high bit is 0 (ISO/IEC 14495-1 A.1).
_JPEG_LS_MARKER = re.compile(rb"\xff[\x80-\xcf\xd8-\xfe]")
#: Markers without a length field the walk meets: TEM, SOI and EOI (RST0-RST7 are skipped with the coded data).
_STANDALONE = frozenset({0x01, 0xD8, 0xD9})


def segments_after_scan(src: Any, info: CodestreamInfo) -> Iterator[tuple[int, int, int]]:
    """The markers after the first scan header of a JPEG or JPEG-LS frame, in order, up to EOI.

    Yields ``(marker, offset, end)``: the marker's second byte, the offset of
    its ``FF``, and where its segment ends: ``offset + 2`` for a marker
    without a length field (TEM, SOI, EOI), ``offset + 2 + length``
    otherwise. RST0-RST7 are part of the coded data and not yielded. An `end` past the frame's size means the frame ends inside
    that segment (inside its length field when `end` is ``offset + 4``); it is
    the last item, as is EOI. The coded data between the markers is skipped
    as a decoder skips it (stuffed bytes and RST markers are part of it).

    Parameters
    ----------
    src : bytes-like
        The frame.
    info : CodestreamInfo
        Its header, from :func:`~dcmcore.plugins.codestream.parse_jpeg`.
    """
    buf = frame_view(src)
    size = buf.nbytes
    find = (_JPEG_LS_MARKER if info.marker == 0xF7 else _JPEG_MARKER).search  # SOF55: JPEG-LS stuffing
    pos = info.scan_offset
    while True:
        found = find(buf, pos)
        if found is None:
            return
        offset = found.start()
        marker = buf[offset + 1]
        if marker in _STANDALONE:
            yield marker, offset, offset + 2
            if marker == 0xD9:
                return
            pos = offset + 2
            continue
        if offset + 4 > size:
            yield marker, offset, offset + 4
            return
        end = offset + 2 + ((buf[offset + 2] << 8) | buf[offset + 3])
        yield marker, offset, end
        if end < offset + 4 or end > size:
            return
        pos = end
