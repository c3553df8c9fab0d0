"""Side-by-side timings: dcmcore and a reference tool on the same input, in one run.

Every ``benchmarks/compare_<topic>.py`` module defines ``cases(quick) -> list[Case]``
(and may define ``report(quick) -> list[str]`` for measurements that are not ratios).
Each case times dcmcore and its reference (pydicom, highdicom, pylibjpeg-rle,
GDCM or a plain NumPy baseline) alternately in this one process and prints the
median times and their ratio. Absolute times vary between runs on a shared
machine; compare the ratios.

    python benchmarks/compare.py                 # every topic
    python benchmarks/compare.py --only native   # one topic
    python benchmarks/compare.py --markdown      # the table for docs/performance.md
"""

from __future__ import annotations

import argparse
import gc
import importlib
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))


@dataclass
class Case:
    """One comparison.

    ``target`` is the least acceptable speedup (reference time / dcmcore time):
    2.0 means "at least 2x faster", 1 / 1.1 means "no slower than 1.1x the
    reference". None prints the ratio without a verdict.

    ``batch`` > 1 makes each of the ``repeat`` turns a run of ``batch`` calls
    in a row of one side, each call timed on its own; the first call of every
    run is not counted (it also pays for waking threads or vCPUs that the
    other side's turn left idle), and the median is taken over the rest.
    """

    name: str
    dcmcore: Callable[[], object]
    reference_label: str
    reference: Callable[[], object]
    target: float | None = None
    target_text: str = ""
    repeat: int = 7
    setup: Callable[[], None] | None = None
    batch: int = 1
    notes: str = ""
    extra: dict = field(default_factory=dict)


def _time(fn: Callable[[], object]) -> float:
    # as timeit does: the garbage collector is off during the call, never forced before it
    enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0
    finally:
        if enabled:
            gc.enable()


def run_case(case: Case, repeat: int | None = None) -> tuple[float, float]:
    if case.batch < 1:
        raise ValueError(f"Case {case.name!r}: 'batch' must be at least 1, not {case.batch}")
    if case.setup is not None:
        case.setup()
    # warm up both (imports, caches, first-touch of inputs)
    case.dcmcore()
    case.reference()
    n = repeat or case.repeat
    td: list[float] = []
    tr: list[float] = []
    for _ in range(n):
        for fn, times in ((case.dcmcore, td), (case.reference, tr)):
            run = [_time(fn) for _ in range(case.batch)]
            times.extend(run[1:] if case.batch > 1 else run)
    return statistics.median(td), statistics.median(tr)


def fmt(seconds: float) -> str:
    """A time with a unit that keeps three significant digits."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.2f} us"
    return f"{seconds * 1e3:8.2f} ms"


def _topics() -> list[str]:
    return sorted(p.stem[len("compare_") :] for p in HERE.glob("compare_*.py"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated topics: " + ", ".join(_topics()))
    parser.add_argument("--repeat", type=int, help="timings per case (median is reported)")
    parser.add_argument("--quick", action="store_true", help="smaller inputs, fewer repeats (smoke test)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)

    topics = args.only.split(",") if args.only else _topics()
    rows = []
    for topic in topics:
        module = importlib.import_module(f"benchmarks.compare_{topic}")
        for case in module.cases(quick=args.quick):
            td, tr = run_case(case, 2 if args.quick else args.repeat)
            speedup = tr / td if td else float("inf")
            verdict = ""
            if case.target is not None:
                verdict = "met" if speedup >= case.target else "MISSED"
            rows.append((topic, case.name, td, case.reference_label, tr, speedup, case.target_text, verdict))
            if not args.markdown:
                print(
                    f"{topic:9s} {case.name:55s} dcmcore {fmt(td)} | {case.reference_label:28s} "
                    f"{fmt(tr)} | speedup {speedup:6.2f}x  {case.target_text} {verdict}",
                    flush=True,
                )
        if hasattr(module, "report"):
            for line in module.report(quick=args.quick):
                print(line, flush=True)
    if args.markdown:
        print("| topic | case | dcmcore | reference | reference time | speedup | target | |")
        print("|---|---|---:|---|---:|---:|---|---|")
        for topic, name, td, label, tr, sp, tt, v in rows:
            print(f"| {topic} | {name} | {fmt(td).strip()} | {label} | {fmt(tr).strip()} | {sp:.2f}x | {tt} | {v} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
