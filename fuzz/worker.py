"""The child process of the plain runner: inputs ``start`` to ``stop - 1`` through one target.

The index of the input being run, and the counts of outcomes, are kept in a
shared file (``progress``, four int64) so that the supervisor knows which input
a crash or a hang happened on (and can make it again from the seed and the
index) and what the child did before it died. The counts per kind of escaped
exception or finding are flushed to ``stats`` (JSON) every few seconds and at
the end (a child that dies loses those of its last seconds); the first input of
every new kind is saved under ``inputs/``.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import mmap
import os
import sys
import time
import warnings
from pathlib import Path

from fuzz.mutate import input_for
from fuzz.targets import load, only_checkout_plugins

__all__ = ["work", "corpus_of"]

_FLUSH_SECONDS = 5.0


def corpus_of(target) -> list[bytes]:
    """The target's seeds (at least one input)."""
    seeds = [bytes(s) for s in target.seeds()]
    return seeds or [b""]


def _save(inputs: Path, key: str, data: bytes) -> str:
    inputs.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha1(key.encode()).hexdigest()[:12]
    path = inputs / name
    if not path.exists():
        path.write_bytes(data)
    return name


def work(name: str, seed: int, start: int, stop: int, deadline: float, progress: Path, stats_path: Path) -> int:
    """Run inputs `start` .. `stop` - 1 (or until `deadline`, a ``time.time()``) through target `name`."""
    warnings.simplefilter("ignore")
    only_checkout_plugins()
    target = load(name)
    from fuzz.outcome import classify, origin

    corpus = corpus_of(target)
    focus, max_len = getattr(target, "FOCUS", 0), getattr(target, "MAX_LEN", 1 << 20)
    inputs = stats_path.parent / "inputs"
    with open(progress, "r+b") as fh:
        mm = mmap.mmap(fh.fileno(), 32)
    shared = (ctypes.c_int64 * 4).from_buffer(mm)  # input index, then ok, expected, other outcomes of this child
    stats = {"start": start, "executions": 0, "escaped": {}, "findings": {}}
    last_flush = time.monotonic()

    def flush() -> None:
        tmp = stats_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(stats))
        os.replace(tmp, stats_path)

    run = target.run
    i = start
    while i < stop:
        shared[0] = i
        data = input_for(corpus, seed, i, focus=focus, max_len=max_len)
        try:
            run(data)
            shared[1] += 1
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - every outcome is classified
            kind = classify(exc)
            if kind == "expected":
                shared[2] += 1
            else:
                shared[3] += 1
                key = origin(exc)
                table = stats["escaped" if kind == "escaped" else "findings"]
                if key in table:
                    table[key][0] += 1
                else:
                    table[key] = [1, i, f"{type(exc).__name__}: {str(exc)[:300]}", _save(inputs, key, data)]
                    if kind == "finding":
                        print(f"[fuzz] finding at input {i}: {key}: {str(exc)[:200]}", file=sys.stderr, flush=True)
        i += 1
        stats["executions"] = i - start
        if not i & 63:
            now = time.monotonic()
            if now - last_flush > _FLUSH_SECONDS:
                flush()
                last_flush = now
            if time.time() > deadline:
                break
    shared[0] = i
    flush()
    return 0


def _limit_memory() -> None:
    """Without a sanitizer, cap the address space so that a huge allocation is a MemoryError."""
    import resource

    limit = int(os.environ.get("DCMCORE_FUZZ_AS_MB", "16384")) << 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _die_with_parent() -> None:
    """Linux: end this child when its supervisor ends (no orphan goes on fuzzing)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except (OSError, AttributeError):
        pass


def main(argv: list[str]) -> int:
    _die_with_parent()
    kernels = os.environ.get("DCMCORE_FUZZ_KERNELS")
    if kernels:
        from fuzz.sanitize import use_kernels_from

        use_kernels_from(kernels)
    else:
        _limit_memory()
    name, seed, start, stop, deadline, progress, stats = argv
    return work(name, int(seed), int(start), int(stop), float(deadline), Path(progress), Path(stats))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
