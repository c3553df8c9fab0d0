"""Type stubs for dcmcore._kernels.rle (RLE Lossless kernels, PS3.5 Annex G)."""

from typing_extensions import Buffer

ST_OK: int
ST_SHORT: int
ST_LITERAL_TRUNCATED: int
ST_REPLICATE_TRUNCATED: int
ST_OVERLONG: int
ST_NO_MEMORY: int
ST_BAD_GEOMETRY: int

INFO_SEGMENT: int
INFO_POSITION: int
INFO_RUN: int
INFO_DECODED: int
INFO_AVAILABLE: int
INFO_SIZE: int

def decode_frame(
    src: Buffer,
    starts: Buffer,
    ends: Buffer,
    npix: int,
    spp: int,
    nbytes: int,
    dst: Buffer,
    info: Buffer,
) -> int: ...
def decode_segment(src: Buffer, dst: Buffer, info: Buffer) -> int: ...
def encode_frame(
    src: Buffer, rows: int, cols: int, spp: int, nbytes: int, planar: bool, swap: bool
) -> bytes: ...
