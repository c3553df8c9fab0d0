"""``dcmcore demo`` (``make demo``): what dcmcore does, on every image that ships with pydicom and pydicom-data.

Every image whose transfer syntax dcmcore or an installed plugin decodes is
decoded with :func:`dcmcore.pixel_array` and, for comparison, with pydicom's
:func:`pydicom.pixels.pixel_array` (its own plugins), both from the file. One
frame of each (the middle one) goes through :func:`dcmcore.tools.render_frame`:
the file's window (or one over the frame's range), MONOCHROME1 inverted,
palettes and ICC profiles applied, overlays burned in. The thumbnails make a
labelled contact sheet, written as PNG to a path that is printed; then one
line per transfer syntax gives the total decoding time of both. A file that
fails is listed (many of these test files are deliberately broken); it never
stops the demo.
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, TextIO

import numpy as np
import pydicom

from dcmcore._testdata import testdata_files
from dcmcore.pixels import pixel_array
from dcmcore.plugins import decoders
from dcmcore.spec import PIXEL_KEYWORDS, transfer_syntax_of
from dcmcore.uids import NATIVE_TRANSFER_SYNTAXES

__all__ = ["images", "run", "default_output", "Result"]


def default_output() -> Path:
    """Where the contact sheet goes unless told otherwise: ``<temp dir>/dcmcore-demo/contact_sheet.png``."""
    return Path(tempfile.gettempdir()) / "dcmcore-demo" / "contact_sheet.png"


def _label(path: Path) -> str:
    return f"{path.parent.name}/{path.name}" if "dicomdirtests" in path.parts else path.name


def _handled(uid: str) -> bool:
    if uid in NATIVE_TRANSFER_SYNTAXES:
        return True
    try:
        return any(info.available for info in decoders(uid))
    except Exception:
        return False


def images(names: Iterable[str] | None = None) -> tuple[list[tuple[Path, pydicom.uid.UID]], list[tuple[Path, pydicom.uid.UID]]]:
    """The test images (only those called `names`, when given): (those dcmcore or a plugin decodes here, the rest)."""
    handled, unhandled = [], []
    wanted = None if names is None else set(names)
    for path in testdata_files():
        if wanted is not None and path.name not in wanted and _label(path) not in wanted:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                ds = pydicom.dcmread(path, force=True, defer_size=256, stop_before_pixels=False)
                tsyntax = transfer_syntax_of(ds)
            except Exception:
                continue
        if not any(tag in ds._dict for tag in PIXEL_KEYWORDS.values()) or "Rows" not in ds:
            continue
        (handled if _handled(str(tsyntax)) else unhandled).append((path, tsyntax))
    return handled, unhandled


@dataclass
class Result:
    """What the demo did: timings per transfer syntax, the files that failed, where the sheet is."""

    sheet: Path | None = None
    #: syntax name -> [files, dcmcore seconds (all it decoded), dcmcore and pydicom seconds (files both decoded),
    #: files both decoded]
    timings: dict[str, list] = field(default_factory=lambda: defaultdict(lambda: [0, 0.0, 0.0, 0.0, 0]))
    failed: list[tuple[str, str]] = field(default_factory=list)
    pydicom_failed: int = 0
    rendered: int = 0


def _timed(fn, turns: int = 2):
    """`fn`'s value and its best time of `turns` calls (the first may pay for lazy imports and a cold cache)."""
    best = float("inf")
    for _ in range(turns):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return value, best


def _render(path: Path, arr: np.ndarray) -> np.ndarray:
    from dcmcore.tools.render import render_frame

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path, force=True, defer_size=1024)
    nframes = int(ds.get("NumberOfFrames", 1) or 1)
    index = nframes // 2
    frame = arr[index] if nframes > 1 else arr
    return render_frame(ds, index, frame=frame)


def _one(path: Path, tsyntax, result: Result, tiles: list) -> None:
    from dcmcore.tools.contact_sheet import Tile, short_syntax

    name = tsyntax.name
    row = result.timings[name]
    row[0] += 1
    label = _label(path)
    try:
        arr, ours = _timed(lambda: pixel_array(path))
    except Exception as exc:  # the demo lists bad files rather than stopping
        result.failed.append((label, f"{name}: {type(exc).__name__}: {str(exc)[:100]}"))
        tiles.append(Tile(None, label, short_syntax(name)))
        return
    row[1] += ours
    try:
        _, theirs = _timed(lambda: pydicom.pixels.pixel_array(path))
        row[2] += ours
        row[3] += theirs
        row[4] += 1
    except Exception:
        result.pydicom_failed += 1
    try:
        image = _render(path, arr)
        result.rendered += 1
    except Exception as exc:
        result.failed.append((label, f"rendering: {type(exc).__name__}: {str(exc)[:100]}"))
        image = None
    tiles.append(Tile(image, label, short_syntax(name)))


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:9.1f} ms"


def run(
    stream: TextIO | None = None,
    output: str | Path | None = None,
    *,
    size: int = 112,
    names: Iterable[str] | None = None,
) -> Result:
    """Decode, time and render every test image (or those called `names`); write the sheet to `output`; print all."""
    from dcmcore.tools.contact_sheet import contact_sheet, save_sheet, short_syntax

    out = stream or sys.stdout
    target = Path(output) if output is not None else default_output()
    handled, unhandled = images(names)
    print(f"Decoding {len(handled)} images of pydicom's test files and pydicom-data "
          f"({len(unhandled)} more need a plugin that is not installed)...", file=out, flush=True)
    result = Result()
    tiles: list = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path, tsyntax in handled:
            _one(path, tsyntax, result, tiles)
    if tiles:
        target.parent.mkdir(parents=True, exist_ok=True)
        save_sheet(contact_sheet(tiles, size=size), target)
        result.sheet = target
        print(f"\nContact sheet of {len(tiles)} images: {target}\n", file=out)
    width = max([len(short_syntax(n)) for n in result.timings] + [15])
    print(f"{'transfer syntax':{width}s} files     dcmcore      pydicom", file=out)
    for name, (files, ours_all, ours, theirs, both) in sorted(result.timings.items()):
        if both:
            line = f"{_ms(ours)} {_ms(theirs)}  dcmcore {theirs / ours:.1f}x pydicom's speed" if ours > 0 else ""
            if both < files:
                line += f" ({files - both} decoded by one side only, not counted)"
        else:
            line = f"{_ms(ours_all)}         -     (pydicom decodes none of these)"
        print(f"{short_syntax(name):{width}s} {files:5d} {line}", file=out)
    print("(each time: the files of that syntax both decoded, read from disk, the best of 2 calls;\n"
          " one run on this machine, as loaded as it was: small files measure per-call overhead)", file=out)
    if result.failed:
        print(f"\n{len(result.failed)} files failed (many of these test files are deliberately broken):", file=out)
        for label, why in result.failed:
            print(f"  {label}: {why}", file=out)
    return result
