"""The ``dcmcore`` command line (also ``python -m dcmcore``)."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dcmcore", description="A fast DICOM pixel-data engine.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="decode every natively encoded image shipped with pydicom and pydicom-data")
    sub.add_parser(
        "plugins",
        help="list the codec plugins per transfer syntax, in dispatch order, marking those that run before dcmcore's own",
    )
    args = parser.parse_args(argv)

    if args.command == "plugins":
        from dcmcore.plugins import report

        print(report())
        return 0

    if args.command == "demo":
        from dcmcore.demo import run

        run(sys.stdout)
        return 0
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
