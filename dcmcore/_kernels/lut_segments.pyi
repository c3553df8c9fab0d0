"""Type stubs of dcmcore._kernels.lut_segments (segmented palette expansion, PS3.3 C.7.9.2)."""

from typing_extensions import Buffer

MAX_VISITS: int

def expand_segments(words: Buffer, out: Buffer, bytewise: bool, little: bool) -> tuple[int, int]:
    """``(status, value)``: ``(ST_OK, entries written)`` or ``(negative ST_* code, failing word)``."""
