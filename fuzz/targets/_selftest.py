"""A target that misbehaves on purpose, to check that the runner sees it (tests/test_fuzz_targets.py).

By the CRC-32 of the input: 0 ends the process with a segmentation fault, 1
hangs (both about once in 389 inputs), 2 raises MemoryError (a finding), 3 a
bare ValueError (escaped), 4 a DcmcoreError (expected) (about once in 97
each); anything else returns.
"""

from __future__ import annotations

import ctypes
import time
import zlib

from dcmcore.errors import CorruptPixelDataError


def outcome(data: bytes) -> int:
    crc = zlib.crc32(data)
    return crc % 389 if crc % 389 < 2 else max(crc % 97, 2)


def seeds() -> list[bytes]:
    return [b"dcmcore fuzz self test", bytes(range(32))]


def run(data: bytes) -> None:
    kind = outcome(data)
    if kind == 0:
        ctypes.string_at(0)  # SIGSEGV
    elif kind == 1:
        time.sleep(3600)
    elif kind == 2:
        raise MemoryError("self test")
    elif kind == 3:
        raise ValueError("self test")
    elif kind == 4:
        raise CorruptPixelDataError("self test")
