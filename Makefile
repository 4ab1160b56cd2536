# Vigil: `make run` shows the demo, `make test` runs lint and the whole suite.
# Targets are idempotent: the venv is rebuilt only when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-test
RUN_STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test lint format bench venv clean services fuzz audit-deps

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
	@scripts/ensure-java

test: lint services audit-deps
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	@$(BIN)/python -m bench

# Long fuzzing: every atheris target for FUZZ_SECONDS, then the hypothesis set with many
# examples (docs/security.md). A crash leaves its input under .vigil/fuzz/ and fails the run.
FUZZ_SECONDS ?= 300
FUZZ_EXAMPLES ?= 20000
FUZZ_TARGETS := json_line bluesky bank list_csv seeds_csv hosts_csv policy
fuzz: $(STAMP)
	@$(BIN)/python -c 'import atheris' 2>/dev/null || $(BIN)/pip install -q atheris==3.0.0
	@mkdir -p .vigil/fuzz; for t in $(FUZZ_TARGETS); do echo "fuzz: $$t for $(FUZZ_SECONDS)s"; \
		$(BIN)/python -m tests.fuzz.run_atheris $$t $(FUZZ_SECONDS) >.vigil/fuzz/$$t.log 2>&1; \
		rc=$$?; grep -E 'stat::number_of_executed_units' .vigil/fuzz/$$t.log; \
		test $$rc -eq 0 || { tail -40 .vigil/fuzz/$$t.log; exit 1; }; done
	@VIGIL_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -p no:randomly tests/fuzz

# Known vulnerabilities in the installed dependencies (pip-audit, pinned in the test extra):
# any known vulnerability fails. Dependencies the service cannot answer for are named on
# stderr; `AUDIT=strict` fails on them too, `AUDIT=skip` skips the audit (loudly).
audit-deps: $(STAMP)
ifeq ($(AUDIT),skip)
	@echo "audit-deps: SKIPPED (AUDIT=skip): dependencies NOT checked for vulnerabilities" >&2
else
	@$(BIN)/python scripts/audit-deps $(BIN)/pip-audit
endif

clean:
	rm -rf $(VENV) .vigil .mypy_cache .pytest_cache .ruff_cache
