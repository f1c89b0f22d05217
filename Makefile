# lmrec: set-up, demo, tests and benchmarks. `make quickstart` and `make test` work on a fresh
# machine: they create .venv, install torch==2.13.0 first (the CPU wheel) and then lmrec.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check

# Data sets: ../shared/datasets when present (never copied into the repo).
SHARED_DATA := $(abspath ../shared/datasets)
ifneq ($(wildcard $(SHARED_DATA)),)
export LMREC_DATA_HOME ?= $(SHARED_DATA)
endif
# Models come from installed packages; never reach for a hub.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install quickstart test lint typecheck bench bench-long clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[dev,lm,serve,ray]'
	touch $@

quickstart: install
	$(BIN)/lmrec quickstart

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/baselines.py
	$(BIN)/python bench/encoding.py
	$(BIN)/python bench/retrieval.py
	$(BIN)/python bench/coldstart.py
	$(BIN)/python bench/coldusers.py
	$(BIN)/python bench/warm.py
	$(BIN)/python bench/plots.py

# the long ones (about 40-60 min each on 2 cores)
bench-long: install
	$(BIN)/python bench/sequential.py --variants sasrec-ids sasrec-text
	$(BIN)/python bench/transfer.py --target scientific
	$(BIN)/python bench/transfer.py --target games --fractions 0.05 0.25
	$(BIN)/python bench/ranker.py --train-pairs 800 --test-pairs 1000 --max-tokens 64
	$(BIN)/python bench/distill.py
	$(BIN)/python bench/scale.py

clean:
	rm -rf $(VENV) reports .pytest_cache .ruff_cache .mypy_cache
