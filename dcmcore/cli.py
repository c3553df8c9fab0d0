"""The ``dcmcore`` command line (also ``python -m dcmcore``).

Commands: ``info``, ``render``, ``decompress``, ``compress``, ``plugins``,
``demo``. The work is done by :mod:`dcmcore.tools`; this module parses
arguments, prints, and turns failures into exit statuses (for ``compress``
and ``decompress``: the number of files that failed, at most 255).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _window(text: str) -> tuple[float, float]:
    try:
        centre, width = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--window takes CENTRE,WIDTH (e.g. 40,400), not {text!r}") from None
    if width <= 0:
        raise argparse.ArgumentTypeError(f"the window width must be positive, not {width}")
    return centre, width


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dcmcore", description="A fast DICOM pixel-data engine.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo", help="decode and render every image shipped with pydicom and pydicom-data; time it against pydicom"
    )
    demo.add_argument("-o", "--output", metavar="OUT.png", help="the contact sheet (default: in the temp directory)")
    demo.add_argument("--only", action="append", metavar="NAME", help="only the test file NAME (repeatable)")
    sub.add_parser(
        "plugins",
        help="list the codec plugins per transfer syntax, in dispatch order, marking those that run before dcmcore's own",
    )
    info = sub.add_parser("info", help="transfer syntax, geometry, frames, overlays, transforms, decoder of files")
    info.add_argument("files", nargs="+", metavar="FILE")

    render = sub.add_parser("render", help="a frame through the transform chain to a PNG (Pillow)")
    render.add_argument("file", metavar="FILE")
    render.add_argument("-o", "--output", required=True, metavar="OUT.png", help="the PNG (a montage with --all-frames)")
    render.add_argument("--frame", type=int, default=0, help="0-based frame (default 0)")
    voi = render.add_mutually_exclusive_group()
    voi.add_argument("--window", type=_window, metavar="C,W", help="window centre and width")
    voi.add_argument("--voi", type=int, metavar="N", help="the file's VOI number N (0-based)")
    render.add_argument("--no-overlays", dest="overlays", action="store_false", help="do not burn overlays in")
    render.add_argument("--all-frames", metavar="DIR", help="also write every frame to DIR; OUT is their montage")

    for name, what in (("decompress", "to Explicit VR Little Endian"), ("compress", "to a compressed transfer syntax")):
        cmd = sub.add_parser(name, help=f"convert files or folder trees {what}")
        cmd.add_argument("input", metavar="IN", help="a file or a folder")
        cmd.add_argument("output", nargs="?", metavar="OUT", help="a file or folder (the tree is mirrored)")
        cmd.add_argument("--in-place", action="store_true", help="replace the input files (no OUT)")
        cmd.add_argument("--workers", type=int, default=1, help="files (or frames of one file) at a time")
        cmd.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
        if name == "compress":
            cmd.add_argument("--syntax", required=True, metavar="NAME|UID", help="rle, deflated, jpeg-ls, j2k, ... or a UID")
            cmd.add_argument("--level", type=int, help="compression level for encoders that take one (deflated: 0-9)")
            cmd.add_argument("--encapsulate-ext", action="store_true", help="write an Extended Offset Table")
    return parser


def _info(files: list[str]) -> int:
    from dcmcore.tools import describe

    failed = 0
    for path in files:
        try:
            print(describe(path))
        except Exception as exc:  # noqa: BLE001 - reported, the next file goes on
            print(f"{path}: cannot read: {type(exc).__name__}: {exc}", file=sys.stderr)
            failed += 1
    return min(failed, 255)


def _render(args: argparse.Namespace) -> int:
    import warnings

    import pydicom

    from dcmcore.tools.render import render_frame, render_montage, save_png

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(args.file, force=True)  # files without a preamble (older DICOM) too
    options = {"window": args.window, "voi": args.voi, "overlays": args.overlays}
    if args.all_frames:
        from dcmcore.pixels import iter_pixels

        folder = Path(args.all_frames)
        folder.mkdir(parents=True, exist_ok=True)
        images = []
        for k, frame in enumerate(iter_pixels(ds)):
            image = render_frame(ds, k, frame=frame, **options)
            save_png(image, folder / f"frame_{k + 1:04d}.png")
            images.append(image)
        save_png(render_montage(images), args.output)
    else:
        save_png(render_frame(ds, args.frame, **options), args.output)
    print(args.output)
    return 0


def _convert(args: argparse.Namespace) -> int:
    from dcmcore.tools.batch import convert_paths, syntax_uid

    if args.in_place == (args.output is not None):
        print("dcmcore: give OUT, or --in-place to replace the input", file=sys.stderr)
        return 2
    options = {}
    syntax = None
    if args.command == "compress":
        syntax = syntax_uid(args.syntax)
        if args.level is not None:
            options["level"] = args.level
        if args.encapsulate_ext:
            options["encapsulate_ext"] = True
    result = convert_paths(
        args.input, None if args.in_place else args.output, syntax=syntax, workers=args.workers,
        progress=not args.quiet, report=lambda line: print(line, file=sys.stderr), **options,
    )  # fmt: skip
    if not args.quiet:
        print(result.summary())
    return min(len(result.failed), 255)


def main(argv: list[str] | None = None) -> int:
    from pydicom.errors import InvalidDicomError

    from dcmcore.errors import DcmcoreError

    args = _parser().parse_args(argv)
    if args.command == "plugins":
        from dcmcore.plugins import report

        print(report())
        return 0
    if args.command == "demo":
        from dcmcore.demo import run

        run(sys.stdout, args.output, names=args.only)
        return 0
    try:
        if args.command == "info":
            return _info(args.files)
        if args.command == "render":
            return _render(args)
        return _convert(args)
    except (OSError, ValueError, ImportError, InvalidDicomError, DcmcoreError) as exc:
        print(f"dcmcore {args.command}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
