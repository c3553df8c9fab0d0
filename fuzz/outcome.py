"""What an input's outcome means: expected, an escaped built-in exception, or a finding.

- *expected*: a :class:`dcmcore.errors.DcmcoreError` (the clear errors about bad data);
- *escaped*: one of the built-in exceptions in :data:`TOLERATED` that is not a
  ``DcmcoreError`` (issue 13 item 4 wants those to become ``DcmcoreError``s;
  they are counted, by type and the place that raised them, not failed on);
- *finding*: anything else (``MemoryError``, ``RecursionError``, ``struct.error``,
  ``AssertionError`` from a target's differential check, ...). Crashes, hangs
  and sanitizer reports are findings the supervisor sees from outside.
"""

from __future__ import annotations

import os
import traceback

__all__ = ["classify", "origin", "TOLERATED"]


def _tolerated() -> tuple[type[BaseException], ...]:
    """Built-in bases a DcmcoreError keeps: raised bare about bad data, they are tolerated for now."""
    from pydicom.errors import InvalidDicomError

    return (
        ValueError, TypeError, NotImplementedError, AttributeError, IndexError, KeyError,
        RuntimeError, EOFError, OSError, InvalidDicomError,
    )  # fmt: skip


TOLERATED = _tolerated()


def classify(exc: BaseException) -> str:
    """``"expected"``, ``"escaped"`` or ``"finding"``."""
    from dcmcore.errors import DcmcoreError

    if isinstance(exc, DcmcoreError):
        return "expected"
    if isinstance(exc, AssertionError) or type(exc) is MemoryError:
        return "finding"
    if isinstance(exc, TOLERATED):
        return "escaped"
    return "finding"


def _short(path: str) -> str:
    parts = path.replace(os.sep, "/").split("/")
    for anchor in ("dcmcore", "dcmcore_gdcm", "dcmcore_rle", "pydicom", "numpy", "fuzz"):
        if anchor in parts:
            k = len(parts) - 1 - parts[::-1].index(anchor)
            return "/".join(parts[k:])
    return parts[-1]


def origin(exc: BaseException) -> str:
    """``Type @ where`` : the innermost frame that raised it, and the innermost dcmcore frame if different."""
    frames = traceback.extract_tb(exc.__traceback__)
    name = type(exc).__name__
    if not frames:
        return name
    last = frames[-1]
    where = f"{_short(last.filename)}:{last.lineno}"
    own = [f for f in frames if "/dcmcore/" in f.filename.replace(os.sep, "/") or "dcmcore_" in f.filename]
    if own and own[-1] is not last:
        where += f" via {_short(own[-1].filename)}:{own[-1].lineno}"
    return f"{name} @ {where}"
