"""Command line of the fuzz harness: ``python -m fuzz {list,run,atheris,replay,status,input} ...``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from fuzz.targets import TARGETS


def _run(args: argparse.Namespace) -> int:
    from fuzz.runner import run_target

    names = list(TARGETS) if args.targets == ["all"] else args.targets
    env = None
    if args.asan:
        from fuzz.sanitize import ASAN_KERNELS, child_env, use_kernels_from

        use_kernels_from(ASAN_KERNELS)  # fails early when 'make asan' has not built them
        env = child_env()
    failed = 0
    for name in names:
        result = run_target(
            name, seed=args.seed, start=args.start, runs=args.runs, seconds=args.seconds, workdir=args.workdir,
            timeout=args.timeout, rss_mb=args.rss_mb, env=env, log=sys.stderr,
        )  # fmt: skip
        summary = {k: v for k, v in result.to_json().items() if k not in ("events",)}
        summary["events"] = [{k: e[k] for k in ("kind", "index", "input")} for e in result.events]
        print(json.dumps(summary, indent=1), flush=True)
        failed += not result.clean
    return 1 if failed else 0


def _replay(args: argparse.Namespace) -> int:
    from fuzz.replay import replay

    bad = 0
    for path in args.inputs:
        outcome = replay(args.target, Path(path).read_bytes())
        print(f"{path}: {outcome}")
        bad += outcome.startswith("finding")
    return 1 if bad else 0


def _status(args: argparse.Namespace) -> int:
    from fuzz.runner import default_workdir

    root = args.workdir or default_workdir()
    for out in sorted(p for p in root.iterdir() if (p / "progress").exists()):
        done = out / "result.json"
        info = json.loads((done if done.exists() else out / "status.json").read_text()) if done.exists() or (out / "status.json").exists() else {}
        escaped: dict = {}
        findings: dict = {}
        for stats in out.glob("stats-*.json"):
            try:
                data = json.loads(stats.read_text())
            except ValueError:
                continue
            for table, got in ((escaped, data["escaped"]), (findings, data["findings"])):
                for key, value in got.items():
                    table[key] = table.get(key, 0) + value[0]
        first = info.get("start", 0)
        print(json.dumps({
            "run": out.name, "finished": done.exists(), "seed": info.get("seed"), "start": first,
            "end": None if info.get("executions") is None else first + info["executions"],
            "executions": info.get("executions"), "seconds": info.get("seconds"),
            "crashes": info.get("crashes"), "hangs": info.get("hangs"), "rss_kills": info.get("rss_kills"),
            "rss_growth": info.get("rss_growth"), "sanitizer_reports": info.get("sanitizer_reports"), "findings": findings, "escaped": escaped,
        }, indent=1))  # fmt: skip
    return 0


def _input(args: argparse.Namespace) -> int:
    from fuzz.runner import make_input

    Path(args.out).write_bytes(make_input(args.target, args.seed, args.index))
    return 0


def _atheris(args: argparse.Namespace) -> int:
    from fuzz.coverage import fuzz_with_atheris

    return fuzz_with_atheris(args.target, args.libfuzzer_args, workdir=args.workdir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the targets")
    run = sub.add_parser("run", help="plain random-mutation runner (no atheris), each target in a supervised child")
    run.add_argument("targets", nargs="+", help=f"'all' or some of: {', '.join(TARGETS)}")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--runs", type=int, default=None, help="inputs per target")
    run.add_argument(
        "--start", type=int, default=0,
        help="the first input index (default 0): with --runs N, inputs [start, start+N) of the seed's run, so "
        "chunks of contiguous indices together make one long run; each chunk has its own directory (-from<start>)",
    )  # fmt: skip
    run.add_argument("--seconds", type=float, default=None, help="time per target")
    run.add_argument("--timeout", type=float, default=10.0, help="seconds one input may take before it is a hang")
    run.add_argument("--rss-mb", type=float, default=3072.0, help="resident memory of a child that counts as a blow-up")
    run.add_argument("--workdir", type=Path, default=None, help="default $DCMCORE_FUZZ_DIR or ~/.cache/dcmcore-fuzz")
    run.add_argument("--asan", action="store_true", help="children load the ASan/UBSan kernels of build/asan ('make asan')")
    ath = sub.add_parser("atheris", help="coverage-guided fuzzing of one target with atheris (libFuzzer)")
    ath.add_argument("target", choices=list(TARGETS))
    ath.add_argument("--workdir", type=Path, default=None)
    ath.add_argument("libfuzzer_args", nargs=argparse.REMAINDER, help="after '--': libFuzzer flags, e.g. -runs=100000")
    rep = sub.add_parser("replay", help="run saved inputs through a target in this process")
    rep.add_argument("target", choices=list(TARGETS))
    rep.add_argument("inputs", nargs="+")
    sta = sub.add_parser("status", help="the counts so far of the runs under a work directory (running or finished)")
    sta.add_argument("--workdir", type=Path, default=None)
    inp = sub.add_parser("input", help="write input INDEX of a run with SEED (to reproduce a crash)")
    inp.add_argument("target", choices=list(TARGETS))
    inp.add_argument("--seed", type=int, default=0)
    inp.add_argument("--index", type=int, required=True)
    inp.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    if args.command == "list":
        for name, what in TARGETS.items():
            print(f"{name:12s} {what}")
        return 0
    if args.command == "run" and args.runs is None and args.seconds is None:
        parser.error("give --runs and/or --seconds")
    return {"run": _run, "replay": _replay, "input": _input, "atheris": _atheris, "status": _status}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
