"""Type stubs of dcmcore._kernels.lut (table gathers and the fused arithmetic pass)."""

from typing_extensions import Buffer

def gather(
    src: Buffer,
    in_code: int,
    n: int,
    lo: int,
    table: Buffer,
    ntable: int,
    itemsize: int,
    dst: Buffer,
    three: bool = ...,
    full: bool = ...,
) -> int: ...
def linear_window(
    src: Buffer,
    in_code: int,
    n: int,
    dst: Buffer,
    out_code: int,
    slope: float,
    intercept: float,
    mode: int,
    center: float,
    width: float,
    ymin: float,
    ymax: float,
    invert: bool,
    clip_lo: float,
    clip_hi: float,
) -> None: ...
