"""The fuzz harness (fuzz/, issue 13 item 5): every target runs a fixed, seeded number of inputs.

Each target runs in a supervised child process (``fuzz.runner.run_target``), as
``make fuzz`` runs it, for a bounded number of inputs that are a function of the
seed only: the same inputs on every run, so the outcome is deterministic. A run
must end without a crash, a hang, a memory blow-up, a sanitizer report, or a
finding (an exception that is neither a ``DcmcoreError`` nor a tolerated
built-in one) other than the known ones below, which are reported and not
fixed yet. The self-test target checks that the runner does see crashes and
hangs, at the inputs where they happen; the inputs kept under
``fuzz/regressions/<target>/`` are replayed, each in a child process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fuzz.runner import make_input, run_target  # noqa: E402
from fuzz.targets import TARGETS  # noqa: E402

pytest.importorskip("pydicom")

#: Inputs per target: a few seconds each on a 2-core machine.
RUNS = {
    "rle_frame": 4000,
    "encaps": 4000,
    "pixel_file": 500,
    "pixel_dataset": 1500,
    "overlay": 1500,
    "lut": 800,
    "plugin_rle": 3000,
    "plugin_gdcm": 600,
    "plugin_imagecodecs": 600,
}

#: Findings of these runs that are known and reported, not fixed yet (outside the
#: kernels): "Type @ file" prefixes of fuzz.outcome.origin. Remove one when it is fixed.
KNOWN_FINDINGS: dict[str, tuple[str, ...]] = {}

REGRESSIONS = ROOT / "fuzz" / "regressions"

#: Regression inputs whose bug is reported but not fixed yet: (target, file name) -> the bug.
OPEN_REGRESSIONS: dict[tuple[str, str], str] = {}


def test_every_target_has_a_bounded_run():
    assert set(RUNS) == set(TARGETS)


@pytest.mark.parametrize("name", list(TARGETS))
def test_target_runs_clean(name, tmp_path):
    if name == "plugin_gdcm":
        pytest.importorskip("gdcm")
    if name == "plugin_rle":
        pytest.importorskip("rle")
    if name == "plugin_imagecodecs":
        pytest.importorskip("imagecodecs")
    result = run_target(name, seed=0, runs=RUNS[name], workdir=tmp_path, timeout=120)
    assert result.executions == RUNS[name]
    assert (result.crashes, result.hangs, result.rss_kills, result.rss_growth, result.sanitizer_reports) == (0,) * 5, result.events
    assert result.expected + result.ok + sum(v[0] for v in result.escaped.values()) + sum(
        v[0] for v in result.findings.values()
    ) == RUNS[name]
    known = KNOWN_FINDINGS.get(name, ())
    unknown = {key: v[2] for key, v in result.findings.items() if not key.startswith(known)}
    assert not unknown, f"new findings (inputs saved under {tmp_path}): {unknown}"
    assert result.ok > 0, "no input of the run got through: the seeds or the target are broken"


def test_inputs_are_a_function_of_seed_and_index():
    first = [make_input("rle_frame", 7, i) for i in range(20)]
    assert first == [make_input("rle_frame", 7, i) for i in range(20)]
    assert len(set(first)) > 15
    assert first != [make_input("rle_frame", 8, i) for i in range(20)]


def test_making_inputs_leaves_this_process_registry_alone():
    """Only the processes that run targets restrict the codec plugins; a test process keeps its registry."""
    from dcmcore.plugins import registry

    before = registry.entry_points
    for name in TARGETS:
        make_input(name, 0, 0)
    assert registry.entry_points is before and not hasattr(before, "_fuzz_filter")


def test_runner_sees_crashes_hangs_and_findings(tmp_path):
    from fuzz.targets._selftest import outcome

    seed, runs = 46, 38
    kinds = [outcome(make_input("_selftest", seed, i)) for i in range(runs)]
    result = run_target("_selftest", seed=seed, runs=runs, workdir=tmp_path, timeout=2)
    expected_events = [("crash" if k == 0 else "hang", i) for i, k in enumerate(kinds) if k in (0, 1)]
    assert [(e["kind"], e["index"]) for e in result.events] == expected_events
    assert (result.crashes, result.hangs) == (kinds.count(0), kinds.count(1))
    assert result.executions == runs
    for event in result.events:  # the saved input is the one that crashed or hung
        assert outcome(Path(event["input"]).read_bytes()) == (0 if event["kind"] == "crash" else 1)
    assert [key.split(" @ ")[0] for key in result.findings] == ["MemoryError"]
    assert next(iter(result.findings.values()))[0] == kinds.count(2)
    assert [key.split(" @ ")[0] for key in result.escaped] == ["ValueError"]
    assert result.expected == kinds.count(4)
    assert not result.clean


def test_runner_tells_a_blowup_from_memory_kept_across_inputs(tmp_path):
    """A child over rss_mb runs its input again alone: over again is a blow-up, under is growth (a leak)."""
    from fuzz.targets._selftest import outcome

    seed = 46
    kinds = [outcome(make_input("_selftest", seed, i)) for i in range(32)]
    assert [i for i, k in enumerate(kinds) if k == 2] == [29]  # the one input of 512 MiB
    blowup = run_target(
        "_selftest", seed=seed, runs=32, workdir=tmp_path / "blowup", rss_mb=300, env={"DCMCORE_FUZZ_SELFTEST_MEMORY": "blowup"}
    )
    assert [(e["kind"], e["index"]) for e in blowup.events] == [("rss", 29)]
    assert (blowup.rss_kills, blowup.rss_growth, blowup.executions, blowup.children) == (1, 0, 32, 3)
    assert outcome(Path(blowup.events[0]["input"]).read_bytes()) == 2

    leak = run_target(
        "_selftest", seed=seed, runs=60, workdir=tmp_path / "leak", rss_mb=300, env={"DCMCORE_FUZZ_SELFTEST_MEMORY": "leak"}
    )
    assert leak.rss_growth >= 1 and leak.rss_kills == 0 and leak.executions == 60
    assert {e["kind"] for e in leak.events} == {"rss_growth"} and len(leak.events) == leak.rss_growth
    assert all(e["index"] > 0 and "alone, in a fresh child, it peaked at" in e["detail"] for e in leak.events)
    assert not leak.clean


def test_a_run_can_start_at_any_input_index(tmp_path):
    """``start``: inputs [429, 432) of seed 46's run, whose input 430 crashes (chunks of one long run)."""
    import json

    from fuzz.runner import run_dir
    from fuzz.targets._selftest import outcome

    seed, start, runs = 46, 429, 3
    kinds = [outcome(make_input("_selftest", seed, i)) for i in range(start, start + runs)]
    assert [k in (0, 1) for k in kinds] == [False, True, False] and kinds[1] == 0
    result = run_target("_selftest", seed=seed, start=start, runs=runs, workdir=tmp_path, timeout=2)
    assert (result.start, result.executions, result.end) == (start, runs, start + runs)
    assert [(e["kind"], e["index"]) for e in result.events] == [("crash", 430)]
    assert outcome(Path(result.events[0]["input"]).read_bytes()) == 0
    assert result.expected == kinds.count(4) and result.children == 2
    saved = json.loads((tmp_path / run_dir("_selftest", seed, start) / "result.json").read_text())
    assert (saved["start"], saved["executions"], saved["end"]) == (start, runs, start + runs)
    assert run_dir("_selftest", seed, 0) == "_selftest-seed46" and run_dir("_selftest", seed, start) == "_selftest-seed46-from429"


def test_sanitizer_kernels_run_a_target(tmp_path):
    """With the kernels of 'make asan' built, a target runs on them in a child with the sanitizers preloaded."""
    from fuzz.sanitize import ASAN_KERNELS, child_env

    if not any(ASAN_KERNELS.glob("rle_decode*.so")):
        pytest.skip("no sanitizer kernels: 'make asan-build' builds them")
    env = child_env()
    script = (
        "import ctypes, os\n"
        "from fuzz.sanitize import use_kernels_from\n"
        "use_kernels_from(os.environ['DCMCORE_FUZZ_KERNELS'])\n"
        "import dcmcore._kernels.rle_decode as kernel\n"
        "print(kernel.__file__, hasattr(ctypes.CDLL(None), '__asan_init'))\n"
    )
    check = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env={**os.environ, **env}, timeout=300
    )
    assert check.stdout.split() == [str(next(ASAN_KERNELS.glob("rle_decode*.so"))), "True"], check.stderr[-3000:]
    result = run_target("rle_frame", seed=0, runs=500, workdir=tmp_path, env=env, timeout=120)
    assert result.executions == 500 and result.clean, result.events


def _regressions() -> list:
    cases = []
    for path in sorted(REGRESSIONS.glob("*/*")):
        if path.parent.name not in TARGETS or path.suffix == ".md":
            continue
        reason = OPEN_REGRESSIONS.get((path.parent.name, path.name))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        cases.append(pytest.param(path, marks=marks, id=f"{path.parent.name}/{path.name}"))
    return cases


@pytest.mark.parametrize("path", _regressions())
def test_regression_input_is_handled(path):
    """A kept input ends in an array or a DcmcoreError, in a child process (a crash fails the test)."""
    script = "import sys; from fuzz.replay import replay; print(replay(sys.argv[1], open(sys.argv[2], 'rb').read()))"
    done = subprocess.run(
        [sys.executable, "-c", script, path.parent.name, str(path)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, f"the replay died (status {done.returncode}):\n{done.stderr[-3000:]}"
    outcome = done.stdout.strip().splitlines()[-1]
    assert outcome == "ok" or outcome.startswith("expected:"), outcome


def test_pixel_file_accepts_only_the_documented_refusals(monkeypatch):
    """The file path may refuse what pydicom's Dataset path decodes only as docs/robustness.md lists."""
    import io

    from dcmcore._testdata import testdata_file
    from dcmcore.errors import CorruptPixelDataError, ElementOrderError
    from fuzz.targets import pixel_file

    data = Path(testdata_file("CT_small.dcm")).read_bytes()
    decode = pixel_file.pixel_array
    for error, outcome in ((CorruptPixelDataError, AssertionError), (ElementOrderError, ElementOrderError)):

        def refuse_files(src, error=error, **kwargs):
            if isinstance(src, io.BytesIO):
                raise error("refused")
            return decode(src, **kwargs)

        monkeypatch.setattr(pixel_file, "pixel_array", refuse_files)
        with pytest.raises(outcome):
            pixel_file.run(data)


def test_pixel_file_compares_values_either_way():
    """check_scan's comparison of converted values: sequences item by item, never a str or bytes as items."""
    from pydicom.multival import MultiValue

    from fuzz.targets.pixel_file import _equal

    many, one = ("CS", MultiValue(str, ["A", "B"]), False), ("CS", "AB", False)
    assert not _equal(many, one) and not _equal(one, many)
    assert not _equal(("OB", [1, 2], False), ("OB", b"\x01\x02", False))
    assert _equal(many, ("CS", MultiValue(str, ["A", "B"]), False))


def test_lightest_per_syntax_keeps_a_seed_of_every_syntax():
    from fuzz.seeds import lightest_per_syntax

    items = [("a", 5, b"a5"), ("b", 90, b"b90"), ("a", 50, b"a50"), ("b", 70, b"b70"), ("c", 10, b"c10")]
    assert lightest_per_syntax(items, 20) == [b"a5", b"b70", b"c10"]
    assert lightest_per_syntax(items, 100) == [item[2] for item in items]
    assert lightest_per_syntax([], 20) == []


@pytest.mark.parametrize("name", ["plugin_gdcm", "plugin_imagecodecs"])
def test_codec_plugin_seeds_are_short_frames_of_every_syntax(name):
    """The short-frame seeds (fuzz.seeds.PLUGIN_SEED_MAX_FRAME) leave out no syntax the test files have."""
    pytest.importorskip({"plugin_gdcm": "gdcm", "plugin_imagecodecs": "imagecodecs"}[name])
    from fuzz.seeds import FRAME_HEADER, PLUGIN_MAX_DECODED, PLUGIN_MAX_LEN, PLUGIN_SEED_MAX_FRAME, encapsulated
    from fuzz.targets import load

    target = load(name)
    every = list(encapsulated(set(target.UIDS), max_frame=PLUGIN_MAX_LEN, max_decoded=PLUGIN_MAX_DECODED))
    seeds = target.seeds()
    syntaxes = {target.UIDS[seed[FRAME_HEADER.size]] for seed in seeds}
    assert syntaxes == {uid for uid, _, _ in every} and len(syntaxes) >= 6
    long = [seed for seed in seeds if len(seed) - FRAME_HEADER.size - 1 > PLUGIN_SEED_MAX_FRAME]
    assert len(long) <= len(syntaxes) and len(seeds) < len(every)


def test_pixel_file_seeds_are_small_images_of_every_syntax():
    from fuzz.targets import pixel_file

    every = pixel_file.files_with_pixel_data()
    seeds = pixel_file.seeds()
    syntaxes = {pixel_file._syntax_and_size(d)[0] for d in seeds}
    assert syntaxes == {pixel_file._syntax_and_size(d)[0] for d in every} and len(syntaxes) >= 10
    large = [d for d in seeds if pixel_file._syntax_and_size(d)[1] > pixel_file.SEED_MAX_DECODED]
    assert len(large) <= 2 and 0.8 * len(every) < len(seeds) < len(every)
