"""Smoke test of the benchmark suites: every asv benchmark and comparison case runs once.

Benchmarks that stop working are found here, not months later; nothing is timed.
Generated inputs go to the benchmarks' cache directory, outside the checkout
(``$DCMCORE_BENCH_DATA``, else the user's cache directory: see
``benchmarks/common.py``), and the module checks that running the benchmarks
left no file in the checkout.
"""

from __future__ import annotations

import importlib
import inspect
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "benchmarks"
PREFIXES = ("time_", "peakmem_", "mem_", "track_")
_NOT_OURS = {".git", "__pycache__", "build", ".asv", ".venv", ".pytest_cache", ".mypy_cache", ".ruff_cache"}


def _checkout_files() -> set[str]:
    found = set()
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in _NOT_OURS and not d.endswith(".egg-info")]
        found.update(os.path.relpath(os.path.join(folder, name), ROOT) for name in files)
    return found


@pytest.fixture(scope="module", autouse=True)
def no_files_left_in_the_checkout():
    before = _checkout_files()
    yield
    new = sorted(_checkout_files() - before)
    assert not new, f"running the benchmarks left files in the checkout: {new[:10]}"


def test_generated_inputs_are_cached_outside_the_checkout(monkeypatch, tmp_path):
    from benchmarks import common

    monkeypatch.setenv(common.DATA_ENV, str(tmp_path / "bench"))
    assert common.data_dir() == tmp_path / "bench"
    calls = []

    def write(path):
        calls.append(path)
        path.write_bytes(b"x")

    made = common.cached_file("input.dcm", write)
    assert made == tmp_path / "bench" / "input.dcm" and made.read_bytes() == b"x"
    assert common.cached_file("input.dcm", write) == made and len(calls) == 1  # made once
    assert sorted(p.name for p in made.parent.iterdir()) == ["input.dcm"]  # no temporary left

    monkeypatch.delenv(common.DATA_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    default = common.data_dir()
    assert default.name == "dcmcore-bench" and default.is_dir()
    assert ROOT not in default.resolve().parents


def _benchmarks():
    for path in sorted(BENCH_DIR.glob("bench_*.py")):
        module = importlib.import_module(f"benchmarks.{path.stem}")
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and obj.__module__ == module.__name__:
                for meth in dir(obj):
                    if meth.startswith(PREFIXES):
                        yield pytest.param(module, obj, meth, id=f"{path.stem}.{name}.{meth}")
            elif inspect.isfunction(obj) and name.startswith(("timeraw_",)):
                yield pytest.param(module, None, name, id=f"{path.stem}.{name}")


def _first_params(cls):
    params = getattr(cls, "params", None)
    if params is None:
        return ()
    names = getattr(cls, "param_names", None) or []
    if len(names) <= 1 and not (params and isinstance(params[0], (list, tuple))):
        params = [params]
    return tuple(p[0] for p in params)


@pytest.mark.parametrize("module, cls, method", list(_benchmarks()))
def test_benchmark_runs_once(module, cls, method):
    if cls is None:
        code = getattr(module, method)()
        exec(compile(code, method, "exec"), {})
        return
    bench = cls()
    args = _first_params(cls)
    if hasattr(bench, "setup_cache"):
        args = (bench.setup_cache(), *args)
    if hasattr(bench, "setup"):
        bench.setup(*args)
    getattr(bench, method)(*args)
    if hasattr(bench, "teardown"):
        bench.teardown(*args)


def _compare_cases():
    for path in sorted(BENCH_DIR.glob("compare_*.py")):
        yield pytest.param(path.stem, id=path.stem)


@pytest.mark.parametrize("topic", list(_compare_cases()))
def test_comparison_cases_run_once(topic):
    module = importlib.import_module(f"benchmarks.{topic}")
    for case in module.cases(quick=True):
        if case.setup is not None:
            case.setup()
        case.dcmcore()
        case.reference()
    if hasattr(module, "report"):
        assert all(isinstance(line, str) for line in module.report(quick=True))


def test_batched_case_skips_the_first_call_of_each_run(monkeypatch):
    from benchmarks import compare

    calls = {"d": 0, "r": 0}

    def dcm():
        calls["d"] += 1

    def ref():
        calls["r"] += 1

    # a fake clock: the first call of every run of 3 is slow (9), the others 1 (dcmcore) or 2 (reference)
    def fake_time(fn):
        fn()
        side = "d" if fn is dcm else "r"
        first = (calls[side] - 2) % 3 == 0  # the warm-up call is number 1
        return 9.0 if first else (1.0 if side == "d" else 2.0)

    monkeypatch.setattr(compare, "_time", fake_time)
    case = compare.Case("x", dcm, "ref", ref, repeat=4, batch=3)
    assert compare.run_case(case) == (1.0, 2.0)
    assert calls == {"d": 1 + 4 * 3, "r": 1 + 4 * 3}
    unbatched = compare.Case("x", dcm, "ref", ref, repeat=5)
    calls.update(d=0, r=0)
    monkeypatch.setattr(compare, "_time", lambda fn: (fn(), 3.0)[1])
    assert compare.run_case(unbatched) == (3.0, 3.0)
    assert calls == {"d": 6, "r": 6}
    with pytest.raises(ValueError, match="batch"):
        compare.run_case(compare.Case("x", dcm, "ref", ref, batch=0))
