"""Overlay planes (PS3.3 C.9.2 Overlay Plane, C.9.3 Multi-frame Overlay).

Read overlays as arrays of 0s and 1s, list what a data set holds, separate
overlays stored in the unused bits of Pixel Data, and draw overlays onto
frames. The functions of pydicom's ``pydicom.overlays.numpy_handler``
(:func:`is_available`, :func:`get_expected_length`,
:func:`reshape_overlay_array`, :func:`get_overlay_array`) are here with the
same names and semantics; :func:`overlay_array` is the function form of
pydicom's ``Dataset.overlay_array()``, and :func:`set_overlay_array` its
inverse (packing, padding and, for big endian OW, word order included).
"""

from __future__ import annotations

from dcmcore.overlays._array import (
    get_expected_length,
    get_overlay_array,
    is_available,
    overlay_array,
    reshape_overlay_array,
)
from dcmcore.overlays._burn import burn_in
from dcmcore.overlays._embedded import clear_embedded_overlays, split_embedded_overlays
from dcmcore.overlays._info import OverlayInfo, list_overlays
from dcmcore.overlays._write import set_overlay_array

__all__ = [
    "OverlayInfo",
    "burn_in",
    "clear_embedded_overlays",
    "get_expected_length",
    "get_overlay_array",
    "is_available",
    "list_overlays",
    "overlay_array",
    "reshape_overlay_array",
    "set_overlay_array",
    "split_embedded_overlays",
]
