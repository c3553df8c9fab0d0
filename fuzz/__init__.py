"""dcmcore's standing fuzz harness (issue 13, item 5); see docs/robustness.md.

``python -m fuzz run TARGET ...`` runs targets with the plain random-mutation
runner (no atheris needed; the kernels may be a sanitizer build), ``python -m
fuzz atheris TARGET`` runs one coverage-guided under atheris, and ``python -m
fuzz replay`` replays saved inputs (``fuzz/regressions``).
"""
