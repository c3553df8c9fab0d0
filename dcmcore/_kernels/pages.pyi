"""Type stubs of dcmcore._kernels.pages (mapping a new output's pages before it is filled)."""

from typing_extensions import Buffer

STRIDE: int
HUGE_PAGE: int

def is_mapped(buf: Buffer) -> bool: ...
def prefault(dst: Buffer) -> None: ...
