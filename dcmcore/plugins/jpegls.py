"""The coding parameters of a JPEG-LS scan, checked against ISO/IEC 14495-1 before a library sees them.

A JPEG-LS decoder takes its context thresholds from the frame's preset
parameters (an LSE segment of ID 1: MAXVAL, T1, T2, T3, RESET) or from the
defaults of C.2.4.1.1.1, and its error bound from the scan header (NEAR).
Values outside the ranges of C.2.4.1.1 leave the context model undefined:
CharLS 2.4 refuses them, while the older CharLS inside GDCM decodes on and
never returns (a fuzzed frame with T1 below NEAR + 1 kept it looping for
hours). :func:`check_scan_parameters` is called by
:func:`~dcmcore.plugins.codestream.parse_jpeg` for the first scan, and can be
called by a plugin for the later scans of a multi-scan frame.
"""

from __future__ import annotations

from dataclasses import dataclass

from dcmcore.errors import CorruptPixelDataError

__all__ = ["PresetParameters", "default_thresholds", "check_scan_parameters", "read_presets", "read_near"]

#: The thresholds of C.2.4.1.1.1 for MAXVAL 255 and NEAR 0 (BASIC_T1, BASIC_T2, BASIC_T3).
_BASIC = (3, 7, 21)


@dataclass(frozen=True)
class PresetParameters:
    """The JPEG-LS preset coding parameters of an LSE segment of ID 1 (0: the default)."""

    maxval: int = 0
    t1: int = 0
    t2: int = 0
    t3: int = 0
    reset: int = 0


def read_presets(data: bytes | memoryview, offset: int) -> PresetParameters:
    """The preset parameters of an LSE segment of ID 1 whose data (after the length) is `data`.

    Raises
    ------
    CorruptPixelDataError
        The segment is not the 11 bytes (13 with its length) ISO/IEC 14495-1 C.2.4.1.1 gives it.
    """
    if len(data) != 11:
        raise CorruptPixelDataError(
            f"The JPEG-LS preset parameters segment (LSE, ID 1) at offset {offset} has {len(data) + 2} bytes "
            "with its length; ISO/IEC 14495-1 C.2.4.1.1 gives it 13"
        )
    values = [(data[k] << 8) | data[k + 1] for k in range(1, 11, 2)]
    return PresetParameters(*values)


def read_near(data: bytes | memoryview, offset: int) -> int:
    """NEAR of the JPEG-LS scan header whose data (after the length) is `data` (ISO/IEC 14495-1 C.2.3).

    Raises
    ------
    CorruptPixelDataError
        The segment is too short for the components it lists.
    """
    ncomp = data[0] if len(data) else 0
    if len(data) < 4 + 2 * ncomp:
        raise CorruptPixelDataError(
            f"The JPEG-LS scan header at offset {offset} lists {ncomp} components in {len(data) + 2} bytes "
            f"with its length: {6 + 2 * ncomp} are needed"
        )
    return data[1 + 2 * ncomp]


def _clamp(value: int, low: int, maxval: int) -> int:
    """CLAMP of ISO/IEC 14495-1 C.2.4.1.1.1: `low` when `value` lies outside [low, maxval]."""
    return low if value > maxval or value < low else value


def default_thresholds(maxval: int, near: int) -> tuple[int, int, int]:
    """T1, T2, T3 of ISO/IEC 14495-1 C.2.4.1.1.1 for `maxval` (1 to 65535) and `near` (0 or more)."""
    if not 1 <= maxval <= 65535 or near < 0:
        raise ValueError(f"default_thresholds: MAXVAL must be 1 to 65535 and NEAR 0 or more, not {maxval} and {near}")
    b1, b2, b3 = _BASIC
    if maxval >= 128:
        factor = (min(maxval, 4095) + 128) // 256
        t1 = _clamp(factor * (b1 - 2) + 2 + 3 * near, near + 1, maxval)
        t2 = _clamp(factor * (b2 - 3) + 3 + 5 * near, t1, maxval)
        t3 = _clamp(factor * (b3 - 4) + 4 + 7 * near, t2, maxval)
    else:
        factor = 256 // (maxval + 1)
        t1 = _clamp(max(2, b1 // factor + 3 * near), near + 1, maxval)
        t2 = _clamp(max(3, b2 // factor + 5 * near), t1, maxval)
        t3 = _clamp(max(4, b3 // factor + 7 * near), t2, maxval)
    return t1, t2, t3


def check_scan_parameters(precision: int, presets: PresetParameters | None, near: int, offset: int) -> None:
    """Refuse a scan whose NEAR (ISO/IEC 14495-1 C.2.3) or preset parameters (C.2.4.1.1) the standard does not allow.

    Parameters
    ----------
    precision : int
        P of the frame header (SOF55).
    presets : PresetParameters or None
        The preset parameters in force (the last LSE segment of ID 1 before
        the scan), or None for the defaults.
    near : int
        NEAR of the scan header.
    offset : int
        Where the scan header starts, for the message.

    Raises
    ------
    CorruptPixelDataError
        P is not 2 to 16; MAXVAL is not 1 to 2**P - 1; NEAR is more than
        min(255, MAXVAL / 2); T1 is not NEAR + 1 to MAXVAL, T2 not T1 to
        MAXVAL, T3 not T2 to MAXVAL (each after the defaults replace zeros);
        RESET is not 3 to max(255, MAXVAL).
    """
    if not 2 <= precision <= 16:
        raise CorruptPixelDataError(
            f"The JPEG-LS frame header (SOF55) gives a sample precision of {precision} bits; "
            "ISO/IEC 14495-1 allows 2 to 16"
        )
    p = presets or PresetParameters()
    top = (1 << precision) - 1
    bad = ""
    if p.maxval and not 1 <= p.maxval <= top:
        bad = f"MAXVAL {p.maxval} is not 1 to {top} (2**P - 1 for P = {precision})"
    maxval = p.maxval or top
    if not bad and near > min(255, maxval // 2):
        bad = f"NEAR {near} is more than min(255, MAXVAL / 2) = {min(255, maxval // 2)} for MAXVAL {maxval}"
    if not bad:
        d1, d2, d3 = default_thresholds(maxval, near)
        t1, t2 = p.t1 or d1, p.t2 or d2
        if p.t1 and not near + 1 <= p.t1 <= maxval:
            bad = f"T1 {p.t1} is not NEAR + 1 = {near + 1} to MAXVAL {maxval}"
        elif p.t2 and not t1 <= p.t2 <= maxval:
            bad = f"T2 {p.t2} is not T1 = {t1} to MAXVAL {maxval}"
        elif p.t3 and not t2 <= p.t3 <= maxval:
            bad = f"T3 {p.t3} is not T2 = {t2} to MAXVAL {maxval}"
        elif p.reset and not 3 <= p.reset <= max(255, maxval):
            bad = f"RESET {p.reset} is not 3 to max(255, MAXVAL) = {max(255, maxval)}"
    if bad:
        clause = "C.2.3" if bad.startswith("NEAR") else "C.2.4.1.1"
        raise CorruptPixelDataError(
            f"The JPEG-LS scan at offset {offset} has coding parameters ISO/IEC 14495-1 {clause} does not "
            f"allow: {bad} (preset parameters {p.maxval}, {p.t1}, {p.t2}, {p.t3}, {p.reset}; 0 is the default)"
        )
