"""Type stubs for dcmcore._kernels.overlay (drawing bit-packed overlays onto frames)."""

from typing_extensions import Buffer

def burn(
    src: Buffer, bit0: int, row_bits: int, col0: int, ncols: int, nrows: int, dst: Buffer, value: Buffer
) -> int: ...
