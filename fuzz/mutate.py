"""Byte-level mutations for the plain runner, deterministic for a given ``random.Random``.

The operators are those of libFuzzer and AFL (bit flips, interesting
values, arithmetic, insertions, deletions, chunk copies, splices with another
corpus entry, truncation), stacked one to eight at a time. A target may name
``FOCUS``, a number of leading bytes (a structured header) that receives a
third of the mutations.
"""

from __future__ import annotations

import random
import struct
from typing import Sequence

__all__ = ["mutate", "input_for"]

_INTERESTING8 = (0, 1, 0x7F, 0x80, 0xFF, 0x10, 0x20, 0x40, 0x64, 0xFE)
_INTERESTING16 = (0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0xFFFE, 64, 1000, 4096)
_INTERESTING32 = (0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE, 64, 0x10000, 0xFFFF, 0x100000)
_PACK = {2: (struct.Struct("<H"), struct.Struct(">H")), 4: (struct.Struct("<I"), struct.Struct(">I"))}


def _pos(rng: random.Random, size: int, focus: int) -> int:
    if focus and rng.random() < 0.34:
        return rng.randrange(min(focus, size))
    return rng.randrange(size)


def _put_int(buf: bytearray, rng: random.Random, focus: int, width: int) -> None:
    if len(buf) < width:
        return
    pos = min(_pos(rng, len(buf), focus), len(buf) - width)
    little, big = _PACK[width]
    packer = little if rng.random() < 0.75 else big
    mask = (1 << (8 * width)) - 1
    if rng.random() < 0.5:
        value = rng.choice(_INTERESTING16 if width == 2 else _INTERESTING32)
    else:
        value = (packer.unpack_from(buf, pos)[0] + rng.randint(-35, 35)) & mask
    packer.pack_into(buf, pos, value & mask)


def _one(buf: bytearray, rng: random.Random, corpus: Sequence[bytes], focus: int, max_len: int) -> bytearray:
    size = len(buf)
    op = rng.randrange(13)
    if size == 0:
        op = 6
    if op == 0:  # flip one bit
        pos = _pos(rng, size, focus)
        buf[pos] ^= 1 << rng.randrange(8)
    elif op == 1:  # a random byte
        buf[_pos(rng, size, focus)] = rng.randrange(256)
    elif op == 2:  # an interesting byte
        buf[_pos(rng, size, focus)] = rng.choice(_INTERESTING8)
    elif op == 3:  # byte arithmetic
        pos = _pos(rng, size, focus)
        buf[pos] = (buf[pos] + rng.randint(-16, 16)) & 0xFF
    elif op == 4:
        _put_int(buf, rng, focus, 2)
    elif op == 5:
        _put_int(buf, rng, focus, 4)
    elif op == 6:  # insert random or repeated bytes
        pos = rng.randrange(size + 1)
        n = rng.randint(1, 32)
        chunk = bytes([rng.randrange(256)]) * n if rng.random() < 0.5 else rng.randbytes(n)
        buf[pos:pos] = chunk
    elif op == 7:  # delete a range
        pos = _pos(rng, size, focus)
        del buf[pos : pos + rng.randint(1, max(1, min(64, size // 4 or 1)))]
    elif op == 8:  # copy a chunk over another place
        a, b = rng.randrange(size), rng.randrange(size)
        n = rng.randint(1, min(64, size - max(a, b)) or 1)
        buf[b : b + n] = buf[a : a + n]
    elif op == 9:  # duplicate a chunk (insert a copy)
        a = rng.randrange(size)
        n = rng.randint(1, min(256, size - a))
        b = rng.randrange(size + 1)
        buf[b:b] = buf[a : a + n]
    elif op == 10:  # truncate
        del buf[rng.randrange(size) :]
    elif op == 11:  # splice with another corpus entry
        other = corpus[rng.randrange(len(corpus))]
        if other:
            cut = rng.randrange(size)
            buf[cut:] = other[rng.randrange(len(other)) :] if rng.random() < 0.5 else other[cut:]
    else:  # several random bytes in a row
        pos = _pos(rng, size, focus)
        n = rng.randint(1, 8)
        buf[pos : pos + n] = rng.randbytes(n)
    if len(buf) > max_len:
        del buf[max_len:]
    return buf


def mutate(data: bytes, rng: random.Random, corpus: Sequence[bytes], *, focus: int = 0, max_len: int = 1 << 20) -> bytes:
    """`data` with one to eight stacked mutations."""
    buf = bytearray(data)
    count = 1
    while count < 8 and rng.random() < 0.5:
        count += 1
    for _ in range(count):
        buf = _one(buf, rng, corpus, focus, max_len)
    return bytes(buf)


def input_for(corpus: Sequence[bytes], seed: int, index: int, *, focus: int = 0, max_len: int = 1 << 20) -> bytes:
    """Input number `index` of the run with `seed`: a function of those two and the corpus only."""
    rng = random.Random((seed << 48) ^ index)
    base = corpus[rng.randrange(len(corpus))]
    if rng.random() < 0.03:
        return base
    return mutate(base, rng, corpus, focus=focus, max_len=max_len)
