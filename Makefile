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
