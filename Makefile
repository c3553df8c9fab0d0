# The README's two commands: `make demo` and `make test` (plus `make bench`).
# Each creates .venv with the machine's python3 when missing, installs dcmcore
# with its test extras and the codec plugins under plugins/, and builds the
# Cython kernels in place. Re-runs only rebuild what changed.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
PLUGIN_DIRS := $(patsubst %/pyproject.toml,%,$(wildcard plugins/*/pyproject.toml))
STAMP  := $(VENV)/.dcmcore-installed

.PHONY: all build demo test bench compare clean

all: test

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml setup.py $(wildcard plugins/*/pyproject.toml) | $(PY)
	$(PIP) install --upgrade "pip>=23" "setuptools>=77" wheel "Cython>=3.1" "numpy>=2"
	$(PIP) install --no-build-isolation -e ".[test,bench]" $(foreach d,$(PLUGIN_DIRS),-e ./$(d))
	touch $@

build: $(STAMP)
	$(PY) setup.py -q build_ext --inplace

demo: build
	$(PY) -m dcmcore demo

test: build
	$(PY) -m pytest $(PYTEST_ARGS)

compare: build
	$(PY) benchmarks/compare.py $(COMPARE_ARGS)

bench: build
	$(PY) benchmarks/compare.py
	$(VENV)/bin/asv machine --yes --machine dcmcore-local >/dev/null
	$(VENV)/bin/asv run --environment existing:$(abspath $(PY)) --machine dcmcore-local --quick --show-stderr

clean:
	rm -rf build dcmcore/_kernels/*.c dcmcore/_kernels/*.so

# The fuzz harness (issue 13; docs/robustness.md). `make fuzz` runs every target
# with the plain random-mutation runner (no atheris), each in a supervised child
# process; `make asan` builds the kernels with AddressSanitizer and
# UndefinedBehaviorSanitizer into build/asan (the in-place kernels stay normal)
# and runs the targets on them. Corpora, crashes and statistics go to
# $(FUZZ_DIR), outside the checkout. Coverage-guided runs need the `fuzz` extra:
# `$(PY) -m fuzz atheris <target> -- -runs=N`.
FUZZ_TARGETS ?= all
FUZZ_SECONDS ?= 60
FUZZ_SEED    ?= 0
FUZZ_DIR     ?= $(HOME)/.cache/dcmcore-fuzz
FUZZ_ARGS    ?=

.PHONY: fuzz asan asan-build

fuzz: build
	$(PY) -m fuzz run $(FUZZ_TARGETS) --seconds $(FUZZ_SECONDS) --seed $(FUZZ_SEED) --workdir $(FUZZ_DIR) $(FUZZ_ARGS)

asan-build: $(STAMP)
	DCMCORE_SANITIZE=address,undefined $(PY) setup.py -q build_ext --build-lib build/asan --build-temp build/asan-temp

asan: build asan-build
	$(PY) -m fuzz run $(FUZZ_TARGETS) --asan --seconds $(FUZZ_SECONDS) --seed $(FUZZ_SEED) --workdir $(FUZZ_DIR)/asan $(FUZZ_ARGS)
