"""Type stubs for dcmcore._kernels.rle (RLE Lossless kernels, PS3.5 Annex G)."""

from typing_extensions import Buffer

ST_OK: int
ST_SHORT: int
ST_LITERAL_TRUNCATED: int
ST_REPLICATE_TRUNCATED: int
ST_OVERLONG: int
ST_NO_MEMORY: int
ST_BAD_GEOMETRY: int

#: (status, segment, position, run, decoded, available), see decode_frame.
Failure = tuple[int, int, int, int, int, int]

def decode_frame(
    src: Buffer, npix: int, spp: int, nbytes: int, dst: Buffer, bits_stored: int = 0, signed: bool = False
) -> Failure | None: ...
def decode_frames(
    buf: Buffer,
    starts: Buffer,
    stops: Buffer,
    npix: int,
    spp: int,
    nbytes: int,
    dst: Buffer,
    bits_stored: int = 0,
    signed: bool = False,
    prefault: bool = False,
) -> int: ...
def decode_segment(src: Buffer, dst: Buffer) -> Failure | None: ...
def encode_frame(
    src: Buffer, rows: int, cols: int, spp: int, nbytes: int, planar: bool, swap: bool
) -> bytes: ...
