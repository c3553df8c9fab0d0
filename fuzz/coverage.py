"""Coverage-guided fuzzing of one target with atheris (libFuzzer), the optional extra ``fuzz``.

atheris instruments the Python modules of dcmcore and its plugins (and the
target); libFuzzer keeps the inputs that reach new code. The compiled kernels
are not instrumented for coverage (that needs clang's
``-fsanitize=fuzzer-no-link``), but every input still runs through them. The
corpus starts from the target's seeds and grows in ``<workdir>/corpus/<target>``;
libFuzzer writes what crashed to ``<workdir>/artifacts/<target>/``. An input that
raises a :class:`~dcmcore.errors.DcmcoreError`, or one of the built-in
exceptions tolerated for now (:mod:`fuzz.outcome`), is not a crash.

Flags after ``--`` go to libFuzzer, e.g. ``-runs=1000000``, ``-max_total_time=600``,
``-fork=2 -ignore_crashes=1`` (each job in a child process).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

__all__ = ["fuzz_with_atheris"]


def fuzz_with_atheris(name: str, libfuzzer_args: list[str], *, workdir: Path | None = None) -> int:
    try:
        import atheris
    except ImportError:
        raise SystemExit("atheris is not installed: pip install -e '.[fuzz]' (or use 'python -m fuzz run')") from None
    from fuzz.runner import default_workdir

    with atheris.instrument_imports(include=["dcmcore", "dcmcore_gdcm", "dcmcore_rle", "fuzz.targets"]):
        from fuzz.targets import load, only_checkout_plugins

        only_checkout_plugins()
        target = load(name)
    from fuzz.outcome import classify

    root = workdir or default_workdir()
    corpus = root / "corpus" / name
    artifacts = root / "artifacts" / name
    corpus.mkdir(parents=True, exist_ok=True)
    artifacts.mkdir(parents=True, exist_ok=True)
    for seed in target.seeds():
        path = corpus / hashlib.sha1(seed).hexdigest()
        if not path.exists():
            path.write_bytes(seed)
    run = target.run
    import warnings

    warnings.simplefilter("ignore")

    def test_one_input(data: bytes) -> None:
        try:
            run(data)
        except Exception as exc:  # noqa: BLE001 - what is expected or tolerated is no crash
            if classify(exc) == "finding":
                raise

    args = [p for p in libfuzzer_args if p != "--"]
    max_len = getattr(target, "MAX_LEN", 1 << 20)
    argv = [sys.argv[0], f"-artifact_prefix={artifacts}/", f"-max_len={max_len}", "-rss_limit_mb=4096", "-timeout=10", *args, str(corpus)]
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()
    return 0
