"""The plain runner: a supervisor that runs a target's inputs in a child process.

The inputs of a run are a function of the seed and their index only
(:func:`fuzz.mutate.input_for`), so a run is reproducible without storing
anything, and the input that crashed or hung the child can be made again.
The child (:mod:`fuzz.worker`) runs inputs in order; when it dies (a signal,
an abort, a sanitizer report) or stops making progress for ``timeout``
seconds (a hang), or its resident memory exceeds ``rss_mb``, the
supervisor records the input, saves it under ``<workdir>/<target>/`` and
starts a new child at the next input. A child over ``rss_mb`` is told apart
from one input's blow-up by running that input again, alone, in a fresh
child: over ``rss_mb`` again, it is a blow-up (``rss_kills``); under, the
memory grew over the inputs the child had run before it, a leak
(``rss_growth``), and the run goes on from the next input. Nothing needs atheris, and the child
may run a sanitizer build (``env``: ``LD_PRELOAD`` and ``ASAN_OPTIONS``).
"""

from __future__ import annotations

import ctypes
import functools
import json
import mmap
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["Result", "run_target", "run_dir", "default_workdir", "make_input", "SANITIZER_MARKS"]

ROOT = Path(__file__).resolve().parent.parent
#: Lines of a child's stderr that mean a sanitizer reported an error.
_STARTUP_SECONDS = 600.0
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer", "SUMMARY: UndefinedBehaviorSanitizer")


def default_workdir() -> Path:
    """Where corpora, crashes and statistics go: $DCMCORE_FUZZ_DIR, else ~/.cache/dcmcore-fuzz (outside the checkout)."""
    env = os.environ.get("DCMCORE_FUZZ_DIR")
    return Path(env) if env else Path.home() / ".cache" / "dcmcore-fuzz"


@dataclass
class Result:
    """What a run of one target found."""

    target: str
    seed: int
    start: int = 0  # the first input index of the run: it runs inputs start, start + 1, ...
    executions: int = 0
    seconds: float = 0.0
    crashes: int = 0
    hangs: int = 0
    rss_kills: int = 0  # one input alone takes more than rss_mb
    rss_growth: int = 0  # a child went over rss_mb, the input it was on did not alone: memory kept across inputs
    sanitizer_reports: int = 0
    children: int = 0
    expected: int = 0
    ok: int = 0
    escaped: dict = field(default_factory=dict)  # "Type @ where" -> [count, first index, message, saved input]
    findings: dict = field(default_factory=dict)
    events: list = field(default_factory=list)  # crashes / hangs / rss: {kind, index, input, detail}

    @property
    def end(self) -> int:
        """One past the last input index the run reached: it covered inputs ``[start, end)``."""
        return self.start + self.executions

    @property
    def clean(self) -> bool:
        """No crash, hang, memory blow-up or growth, sanitizer report or finding."""
        return not (self.crashes or self.hangs or self.rss_kills or self.rss_growth or self.sanitizer_reports or self.findings)

    def to_json(self) -> dict:
        return {**asdict(self), "end": self.end, "clean": self.clean}


def _child_env(env: dict | None) -> dict:
    out = dict(os.environ)
    paths = [str(ROOT), *[str(p) for p in sorted((ROOT / "plugins").glob("dcmcore-*"))]]
    out["PYTHONPATH"] = os.pathsep.join([*paths, *filter(None, [out.get("PYTHONPATH")])])
    out.update(env or {})
    return out


@functools.cache
def _corpus(name: str) -> tuple[list[bytes], int, int]:
    from fuzz.targets import load
    from fuzz.worker import corpus_of

    target = load(name)
    return corpus_of(target), getattr(target, "FOCUS", 0), getattr(target, "MAX_LEN", 1 << 20)


def make_input(name: str, seed: int, index: int) -> bytes:
    """Input `index` of target `name`'s run with `seed` (what a crash report points at)."""
    from fuzz.mutate import input_for

    corpus, focus, max_len = _corpus(name)
    return input_for(corpus, seed, index, focus=focus, max_len=max_len)


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def _merge(result: Result, stats_path: Path) -> None:
    try:
        stats = json.loads(stats_path.read_text())
    except (OSError, ValueError):
        return
    for kind in ("escaped", "findings"):
        table = getattr(result, kind)
        for key, (count, first, message, saved) in stats[kind].items():
            if key in table:
                table[key][0] += count
            else:
                table[key] = [count, first, message, f"{stats_path.parent.name}/inputs/{saved}"]


def _status(out: Path, result: Result, running: int, seconds: float, log) -> None:
    """Write ``status.json`` (and a log line): the counts so far of a run that goes on."""
    status = {
        "target": result.target, "seed": result.seed, "start": result.start, "executions": result.executions + max(running, 0),
        "seconds": round(seconds), "crashes": result.crashes, "hangs": result.hangs, "rss_kills": result.rss_kills,
        "rss_growth": result.rss_growth, "sanitizer_reports": result.sanitizer_reports, "findings": sorted(result.findings),
    }  # fmt: skip
    (out / "status.json").write_text(json.dumps(status, indent=1))
    if log is not None:
        print(f"[fuzz] {json.dumps(status)}", file=log, flush=True)


def _record(result: Result, kind: str, name: str, seed: int, index: int, out: Path, detail: str, env: dict) -> None:
    crash_dir = out / "crashes"
    crash_dir.mkdir(parents=True, exist_ok=True)
    path = crash_dir / f"{kind}-seed{seed}-{index}"
    script = "import sys; from fuzz.runner import make_input; sys.stdout.buffer.write(make_input(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))"
    made = subprocess.run([sys.executable, "-c", script, name, str(seed), str(index)], capture_output=True, env=env, timeout=600)
    path.write_bytes(made.stdout)
    (crash_dir / f"{path.name}.log").write_text(detail)
    result.events.append({"kind": kind, "index": index, "input": str(path), "detail": detail[-2000:]})


def run_dir(name: str, seed: int, start: int = 0) -> str:
    """The name of a run's directory under the work directory: ``<target>-seed<N>`` (``-from<start>`` for a chunk)."""
    return f"{name}-seed{seed}" + (f"-from{start}" if start else "")


def run_target(
    name: str,
    *,
    seed: int = 0,
    start: int = 0,
    runs: int | None = None,
    seconds: float | None = None,
    workdir: Path | None = None,
    timeout: float = 10.0,
    rss_mb: float = 3072.0,
    env: dict | None = None,
    log=None,
) -> Result:
    """Run target `name` for `runs` inputs and/or `seconds`, in supervised child processes.

    The inputs are those of indices ``start``, ``start + 1``, ... of the run with
    `seed` (``[start, start + runs)`` with `runs`): a long run can be split into
    chunks of contiguous indices, each in its own directory (:func:`run_dir`),
    that together are the inputs of one run from 0.
    """
    if runs is None and seconds is None:
        raise ValueError("give 'runs' or 'seconds'")
    if start < 0:
        raise ValueError(f"'start' must be 0 or more, not {start}")
    stop = start + runs if runs is not None else 1 << 62
    out = (workdir or default_workdir()) / run_dir(name, seed, start)
    out.mkdir(parents=True, exist_ok=True)
    for old in [*out.glob("stderr-*.txt"), *out.glob("stats-*.json")]:
        old.unlink()
    result = Result(name, seed, start)
    child_env = _child_env(env)
    t0 = time.time()
    deadline = t0 + seconds if seconds is not None else 1e18
    progress = out / "progress"
    progress.write_bytes(b"\0" * 32)
    with open(progress, "r+b") as fh:
        mm = mmap.mmap(fh.fileno(), 32)
    shared = (ctypes.c_int64 * 4).from_buffer(mm)  # see fuzz.worker
    next_log = t0 + 60
    pending = None  # (index, inputs the child had run, its stderr) of a child over rss_mb, until the input runs alone
    while start < stop and (pending is not None or time.time() < deadline):
        shared[:] = [-1, 0, 0, 0]  # the child sets the index to `start` once its target and corpus are ready
        stats = out / f"stats-{result.children}.json"
        stats.unlink(missing_ok=True)
        err_path = out / f"stderr-{result.children}.txt"
        last = start + 1 if pending is not None else stop
        cmd = [sys.executable, "-m", "fuzz.worker", name, str(seed), str(start), str(last), repr(deadline), str(progress), str(stats)]
        with open(err_path, "wb") as err:
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=child_env, cwd=str(out))
        result.children += 1
        seen, seen_at, kind, peak = -1, time.monotonic(), None, 0.0
        while proc.poll() is None:
            time.sleep(0.05)
            now_index = shared[0]
            if now_index != seen:
                seen, seen_at = now_index, time.monotonic()
            elif time.monotonic() - seen_at > (timeout if seen >= 0 else _STARTUP_SECONDS):
                kind = "hang"
            peak = max(peak, _rss_mb(proc.pid))
            if peak > rss_mb:
                kind = "rss"
            if kind:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                break
            if time.time() > next_log:
                next_log = time.time() + 60
                _status(out, result, shared[0] - start, time.time() - t0, log)
        index = shared[0]
        result.ok += shared[1]
        result.expected += shared[2]
        _merge(result, stats)
        stderr = err_path.read_text(errors="replace")
        if index < 0:
            raise RuntimeError(f"the fuzz worker for {name!r} failed to start (exit status {proc.returncode}):\n{stderr[-5000:]}")
        reports = sum(stderr.count(mark) for mark in SANITIZER_MARKS[:3])
        result.sanitizer_reports += reports
        if kind is None and proc.returncode != 0:
            kind = "crash"
        if kind == "rss" and pending is None and index > start:
            # Over rss_mb after other inputs: run this one again alone before saying which it is.
            result.executions += index - start
            pending, start = (index, index - start, stderr[-20000:]), index
            continue
        if kind is None:
            result.executions += index - start
            if reports:  # a sanitizer that reported and let the child go on
                _record(result, "sanitizer", name, seed, index, out, stderr[-20000:], child_env)
            if pending is not None:
                at, before, old_err = pending
                pending, start = None, index
                result.rss_growth += 1
                detail = (
                    f"rss_growth at input {at}: the child went over {rss_mb:g} MB resident on this input, after "
                    f"{before} inputs; alone, in a fresh child, it peaked at {peak:.0f} MB. Child stderr:\n{old_err}"
                )
                _record(result, "rss_growth", name, seed, at, out, detail, child_env)
                continue
            break
        pending = None
        result.executions += index - start + 1
        detail = f"{kind} at input {index} (exit status {proc.returncode}); child stderr:\n{stderr[-20000:]}"
        _record(result, kind, name, seed, index, out, detail, child_env)
        if kind == "crash":
            result.crashes += 1
        elif kind == "hang":
            result.hangs += 1
        else:
            result.rss_kills += 1
        start = index + 1
    result.seconds = round(time.time() - t0, 1)
    del shared
    mm.close()
    (out / "result.json").write_text(json.dumps(result.to_json(), indent=1))
    return result
