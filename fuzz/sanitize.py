"""Run the fuzz targets on kernels built with AddressSanitizer and UndefinedBehaviorSanitizer.

``make asan`` builds the kernels with ``DCMCORE_SANITIZE=address,undefined`` into
``build/asan`` (outside the package, so ``make test`` keeps its normal kernels).
:func:`child_env` gives the environment of a child process that loads them:
``DCMCORE_FUZZ_KERNELS`` names their directory (:func:`use_kernels_from` puts a
finder first on ``sys.meta_path`` that loads ``dcmcore._kernels.*`` from there),
``LD_PRELOAD`` the sanitizer runtimes (the interpreter is not instrumented), and
the sanitizer options: stop at the first report, no leak check (the
interpreter's own allocations are not leaks), and a failed large allocation
returns NULL (a ``MemoryError``) instead of aborting.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

__all__ = ["ASAN_KERNELS", "child_env", "use_kernels_from"]

ASAN_KERNELS = Path(__file__).resolve().parent.parent / "build" / "asan" / "dcmcore" / "_kernels"
ASAN_OPTIONS = (
    "detect_leaks=0:abort_on_error=1:allocator_may_return_null=1:max_allocation_size_mb=4096:"
    "handle_abort=1:symbolize=1:detect_stack_use_after_return=0"
)
UBSAN_OPTIONS = "print_stacktrace=1:halt_on_error=1:abort_on_error=1"


class _KernelFinder:
    """Find ``dcmcore._kernels.<name>`` extension modules in one directory first."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def find_spec(self, name, path=None, target=None):
        if not name.startswith("dcmcore._kernels."):
            return None
        stem = name.rpartition(".")[2]
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            candidate = self.directory / f"{stem}{suffix}"
            if candidate.is_file():
                return importlib.util.spec_from_file_location(name, candidate)
        return None


def use_kernels_from(directory: str | Path) -> None:
    """Load dcmcore's kernels from `directory` (call before importing dcmcore)."""
    directory = Path(directory)
    if not any(directory.glob("status*.so")):
        raise SystemExit(f"no kernels in {directory}: run 'make asan' (or build them with DCMCORE_SANITIZE)")
    sys.meta_path.insert(0, _KernelFinder(directory))


def _runtime(name: str) -> str:
    out = subprocess.run(["gcc", f"-print-file-name={name}"], capture_output=True, text=True, check=False).stdout.strip()
    return out if out and os.path.isabs(out) else name


def child_env(kernels: Path = ASAN_KERNELS) -> dict[str, str]:
    """The environment variables of a child that runs the sanitizer kernels."""
    return {
        "DCMCORE_FUZZ_KERNELS": str(kernels),
        "LD_PRELOAD": f"{_runtime('libasan.so')}:{_runtime('libubsan.so')}",
        "ASAN_OPTIONS": ASAN_OPTIONS,
        "UBSAN_OPTIONS": UBSAN_OPTIONS,
    }
