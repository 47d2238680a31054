# One command each: `make demo` runs the pipeline locally, `make test` checks everything.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo dev test check lint typecheck unit format bench clean

$(STAMP): requirements.txt requirements-dev.txt
	@command -v python3 >/dev/null || { echo "python3 is missing: install Python 3.11 or newer" >&2; exit 1; }
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m devstack demo

dev: $(STAMP)
	$(PY) -m devstack dev

test: check
	$(PY) -m pytest

check: lint typecheck

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(STAMP)
	$(PY) -m mypy

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(STAMP)
	$(PY) -m benchmarks

# Thousands of inputs under duplicates and Batch faults; not part of make test.
.PHONY: load
load: $(STAMP)
	$(PY) -m benchmarks load

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
