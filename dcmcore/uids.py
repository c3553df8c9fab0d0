"""Transfer Syntax UIDs known to dcmcore, grouped by how their pixel data is stored."""

from __future__ import annotations

from pydicom.uid import UID

__all__ = [
    "ImplicitVRLittleEndian",
    "ExplicitVRLittleEndian",
    "DeflatedExplicitVRLittleEndian",
    "ExplicitVRBigEndian",
    "NATIVE_TRANSFER_SYNTAXES",
    "BIG_ENDIAN_TRANSFER_SYNTAXES",
    "name_of",
]

ImplicitVRLittleEndian = UID("1.2.840.10008.1.2")
ExplicitVRLittleEndian = UID("1.2.840.10008.1.2.1")
DeflatedExplicitVRLittleEndian = UID("1.2.840.10008.1.2.1.99")
ExplicitVRBigEndian = UID("1.2.840.10008.1.2.2")

#: Syntaxes whose Pixel Data is stored natively (not encapsulated).
NATIVE_TRANSFER_SYNTAXES = frozenset(
    {
        ImplicitVRLittleEndian,
        ExplicitVRLittleEndian,
        DeflatedExplicitVRLittleEndian,
        ExplicitVRBigEndian,
    }
)

#: Native syntaxes whose multi-byte samples are stored big endian.
BIG_ENDIAN_TRANSFER_SYNTAXES = frozenset({ExplicitVRBigEndian})


#: Names of syntaxes newer than some pydicom releases.
_NAMES = {
    "1.2.840.10008.1.2.8.1": "Deflated Image Frame Compression",
    "1.2.840.10008.1.2.1.98": "Encapsulated Uncompressed Explicit VR Little Endian",
}


def name_of(uid: str) -> str:
    """Return ``"<name> (<uid>)"``, or the bare UID when the name is unknown."""
    name = _NAMES.get(str(uid)) or UID(uid).name
    return f"{name} ({uid})" if name and name != uid else str(uid)
