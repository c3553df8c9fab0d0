"""Type stubs for dcmcore._kernels.rle_decode (RLE Lossless decoding, PS3.5 Annex G)."""

from typing_extensions import Buffer

#: (status, segment, position, run, decoded, available), see decode_frame; the
#: status is a negative code of dcmcore._kernels.status.
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
