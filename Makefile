# Vigil: `make run` shows the demo, `make test` runs lint and the whole suite.
# Targets are idempotent: the venv is rebuilt only when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-test
RUN_STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test lint format bench venv clean services

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "vigil needs Python >= 3.11 (found $$($(PYTHON) --version))" >&2; exit 1; }
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	@echo "installing vigil into $(VENV)"
	@$(BIN)/pip install -q -e .
	@touch $@

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "installing vigil with test extras into $(VENV)"
	@$(BIN)/pip install -q -e '.[test]'
	@touch $@ $(RUN_STAMP)

venv: $(STAMP)

run: $(RUN_STAMP)
	@$(BIN)/vigil demo

lint: $(STAMP)
	@$(BIN)/ruff check --quiet src tests bench
	@$(BIN)/ruff format --check --quiet src tests bench
	@$(BIN)/mypy --no-error-summary src/vigil

format: $(STAMP)
	@$(BIN)/ruff format --quiet src tests bench
	@$(BIN)/ruff check --fix --quiet src tests bench

services:
	@scripts/ensure-postgres
	@scripts/ensure-chromium

test: lint services
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	@$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .vigil .mypy_cache .pytest_cache .ruff_cache
