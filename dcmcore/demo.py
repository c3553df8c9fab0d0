"""``dcmcore demo``: decode every natively encoded image that ships with pydicom and pydicom-data."""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import TextIO

import pydicom

from dcmcore._testdata import testdata_files
from dcmcore.pixels import pixel_array
from dcmcore.spec import PIXEL_KEYWORDS, transfer_syntax_of
from dcmcore.uids import NATIVE_TRANSFER_SYNTAXES

__all__ = ["native_images", "run"]


def native_images() -> list[tuple[Path, pydicom.Dataset]]:
    """The test files whose pixel data is natively encoded, with their headers."""
    found = []
    for path in testdata_files():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                ds = pydicom.dcmread(path, stop_before_pixels=False, force=True, defer_size=256)
            except Exception:
                continue
        if not any(tag in ds._dict for tag in PIXEL_KEYWORDS.values()):
            continue
        try:
            tsyntax = transfer_syntax_of(ds)
        except AttributeError:
            continue
        if tsyntax in NATIVE_TRANSFER_SYNTAXES:
            found.append((path, ds))
    return found


def run(stream: TextIO | None = None) -> int:
    """Decode each native image from its path and print a table; return the number of failures."""
    import sys

    out = stream or sys.stdout
    rows = []
    failures = 0
    for path, ds in native_images():
        tsyntax = transfer_syntax_of(ds)
        pi = str(ds.get("PhotometricInterpretation", "?"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            try:
                arr = pixel_array(path)
            except Exception as exc:  # the demo reports bad files rather than stopping
                ms = (time.perf_counter() - t0) * 1e3
                rows.append((path.name, tsyntax.name, pi, "-", "-", f"{ms:.2f}", f"{type(exc).__name__}: {str(exc)[:70]}"))
                failures += 1
                continue
            ms = (time.perf_counter() - t0) * 1e3
        rows.append((path.name, tsyntax.name, pi, str(arr.shape), str(arr.dtype), f"{ms:.2f}", ""))

    header = ("file", "transfer syntax", "photometric", "shape", "dtype", "ms", "note")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(f"{{:{'>' if i == 5 else '<'}{w}}}" for i, w in enumerate(widths))
    print(line.format(*header).rstrip(), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for r in rows:
        print(line.format(*r).rstrip(), file=out)
    decoded = len(rows) - failures
    print(
        f"\n{decoded} natively encoded images decoded; {failures} rejected with a clear error "
        "(these files are deliberately broken test cases)",
        file=out,
    )
    return failures
