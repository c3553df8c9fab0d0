"""Type stubs for dcmcore._kernels.waveform (multiplex group samples to physical values)."""

from typing_extensions import Buffer

KIND_UNSIGNED: int
KIND_SIGNED: int
KIND_MULAW: int
KIND_ALAW: int

def unpack(
    src: Buffer,
    nsamples: int,
    nchannels: int,
    nbytes: int,
    kind: int,
    big_endian: bool,
    scale: Buffer,
    corr: Buffer,
    offset: Buffer,
    has_pad: bool,
    pad: int,
    out: Buffer,
) -> int: ...
