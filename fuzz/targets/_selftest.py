"""A target that misbehaves on purpose, to check that the runner sees it (tests/test_fuzz_targets.py).

By the CRC-32 of the input: 0 ends the process with a segmentation fault, 1
hangs (both about once in 389 inputs), 2 raises MemoryError (a finding), 3 a
bare ValueError (escaped), 4 a DcmcoreError (expected) (about once in 97
each); anything else returns.

With ``DCMCORE_FUZZ_SELFTEST_MEMORY`` set in its environment, the target tests
the runner's memory watch instead: ``leak`` keeps 8 MiB of every input (and
waits 20 ms, so that the supervisor sees the growth input by input);
``blowup`` makes the inputs of outcome 2 take 512 MiB for a second, and
returns on the others.
"""

from __future__ import annotations

import ctypes
import os
import time
import zlib

from dcmcore.errors import CorruptPixelDataError


def outcome(data: bytes) -> int:
    crc = zlib.crc32(data)
    return crc % 389 if crc % 389 < 2 else max(crc % 97, 2)


def seeds() -> list[bytes]:
    return [b"dcmcore fuzz self test", bytes(range(32))]


_KEPT: list[bytes] = []
MEMORY = os.environ.get("DCMCORE_FUZZ_SELFTEST_MEMORY", "")


def run(data: bytes) -> None:
    kind = outcome(data)
    if MEMORY == "leak":
        _KEPT.append(b"\1" * (8 << 20))
        time.sleep(0.02)
        return
    if MEMORY == "blowup":
        if kind == 2:
            taken = b"\1" * (512 << 20)  # (written: resident)
            time.sleep(1)
            del taken
        return
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
