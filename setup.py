"""Build the Cython kernels of dcmcore.

Metadata lives in pyproject.toml; this file only lists the extensions.

Environment knobs
-----------------
DCMCORE_LINETRACE=1
    Compile with line tracing (coverage of .pyx files); slower kernels.
DCMCORE_ONLY=bitpack,convert
    Build only the named kernel modules (faster iteration on one family).
DCMCORE_SANITIZE=address,undefined
    Compile and link the kernels with these -fsanitize= checks (and
    -fno-omit-frame-pointer, -fno-sanitize-recover=all: the first report aborts).
    For the fuzz harness: build them out of the tree, as ``make asan`` does
    (``build_ext --build-lib build/asan``), and load them with libasan preloaded
    (see docs/robustness.md); ``make test`` keeps building normal kernels.
"""

import os
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).parent
KERNELS = HERE / "dcmcore" / "_kernels"

DIRECTIVES = {
    "language_level": 3,
    "boundscheck": False,
    "wraparound": False,
    "cdivision": True,
    "initializedcheck": False,
    "nonecheck": False,
    "embedsignature": True,
    "freethreading_compatible": True,
}
MACROS: list = []
COMPILE_ARGS: list = []
LINK_ARGS: list = []

if os.environ.get("DCMCORE_LINETRACE") == "1":
    DIRECTIVES["linetrace"] = True
    MACROS += [("CYTHON_TRACE", "1"), ("CYTHON_TRACE_NOGIL", "1")]


SANITIZE = os.environ.get("DCMCORE_SANITIZE", "").strip()
if SANITIZE:
    COMPILE_ARGS += [f"-fsanitize={SANITIZE}", "-fno-omit-frame-pointer", "-fno-sanitize-recover=all", "-g"]
    LINK_ARGS += [f"-fsanitize={SANITIZE}"]


class BuildExt(build_ext):
    """Append -O3 last, so that distribution CFLAGS such as -O2 cannot win."""

    def build_extensions(self):
        if self.compiler.compiler_type != "msvc":
            for ext in self.extensions:
                ext.extra_compile_args = list(ext.extra_compile_args) + ["-O3"]
        super().build_extensions()


def extensions():
    only = {s.strip() for s in os.environ.get("DCMCORE_ONLY", "").split(",") if s.strip()}
    pxds = sorted(str(p.relative_to(HERE)) for p in [*KERNELS.glob("*.pxd"), *KERNELS.glob("*.h")])
    exts = []
    for pyx in sorted(KERNELS.glob("*.pyx")):
        if only and pyx.stem not in only:
            continue
        exts.append(
            Extension(
                f"dcmcore._kernels.{pyx.stem}",
                [str(pyx.relative_to(HERE))],
                define_macros=MACROS,
                extra_compile_args=COMPILE_ARGS,
                extra_link_args=LINK_ARGS,
                depends=pxds,
            )
        )
    return cythonize(exts, compiler_directives=DIRECTIVES, include_path=[str(HERE)])


setup(ext_modules=extensions(), cmdclass={"build_ext": BuildExt})
