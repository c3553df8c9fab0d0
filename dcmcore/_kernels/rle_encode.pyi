"""Type stubs for dcmcore._kernels.rle_encode (RLE Lossless encoding, PS3.5 Annex G)."""

from typing_extensions import Buffer

def encode_frame(
    src: Buffer, rows: int, cols: int, spp: int, nbytes: int, planar: bool, swap: bool
) -> bytes: ...
