# Every command a user or CI needs. Each target bootstraps .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# make demo's own venv: the runtime and the emulator extra only (no dev toolchain to install for a demo).
DEMO_VENV := .venv-demo
DEMO_STAMP := $(DEMO_VENV)/.installed
# make bench's start-up figures: the runtime dependencies only, as a user's `pip install` gives (in .venv,
# the generator's toolchain brings click and rich, which `import httpx` then imports too).
RUNTIME_VENV := .venv-runtime
RUNTIME_STAMP := $(RUNTIME_VENV)/.installed
HAND_WRITTEN := src scripts bench tests
PIP_FLAGS := --quiet --disable-pip-version-check
# pytest-xdist workers for make test (most tests wait on sockets and subprocesses, not the CPU).
TEST_WORKERS ?= 3

.DEFAULT_GOAL := help
.PHONY: help install demo check-demo bench import-spec generate check-generated lint test test-versions clean lock

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) -c constraints.txt -e '.[dev]'
	@touch $@

install: $(STAMP) ## Create .venv and install the project with its dev extras (pinned; idempotent)

$(DEMO_STAMP): pyproject.toml constraints.txt
	@test -x $(DEMO_VENV)/bin/python || $(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_VENV)/bin/python -m pip install $(PIP_FLAGS) -c constraints.txt -e '.[emulator]'
	@touch $@

$(RUNTIME_STAMP): pyproject.toml constraints.txt
	@test -x $(RUNTIME_VENV)/bin/python || $(PYTHON) -m venv $(RUNTIME_VENV)
	$(RUNTIME_VENV)/bin/python -m pip install $(PIP_FLAGS) -c constraints.txt -e .
	@touch $@

demo: $(DEMO_STAMP) ## Run the whole TMDB v4 login flow offline, against the local emulator (own venv: runtime + emulator)
	$(DEMO_VENV)/bin/tmdb-auth demo

check-demo: ## make demo on a fresh clone of HEAD: its venv holds the runtime + emulator extra only (< 45 distributions)
	bash .ci/check-demo

bench: $(STAMP) $(RUNTIME_STAMP) ## The facade vs raw httpx: per call, async latency and throughput, memory, start-up
	$(BIN)/python -m bench --startup-python $(RUNTIME_VENV)/bin/python

import-spec: $(STAMP) ## Merge operations from pages/documents into the spec: make import-spec FROM="doc.json" [OPS="id ..."] [REPLACE=1]
	@test -n "$(FROM)" || { echo 'usage: make import-spec FROM="page.md doc.json ..." [OPS="operationId ..."] [REPLACE=1]' >&2; exit 2; }
	$(BIN)/python -m scripts.import_spec $(if $(OPS),--ops "$(OPS)") $(if $(REPLACE),--replace) $(FROM)

generate: $(STAMP) ## Regenerate generated/tmdb_v4_client from openapi/tmdb-v4.yaml (skipped when nothing changed)
	$(BIN)/python -m scripts.generate generate

check-generated: $(STAMP) ## Fail, with a diff, if generated/ is not what the spec generates (FULL=1: always regenerate)
	$(BIN)/python -m scripts.generate check $(if $(FULL),--full)

lint: $(STAMP) ## ruff on hand-written code; mypy --strict on it and on the generated package
	$(BIN)/ruff check $(HAND_WRITTEN)
	$(BIN)/ruff format --check $(HAND_WRITTEN)
	$(BIN)/mypy src scripts bench
	$(BIN)/mypy generated/tmdb_v4_client

test: check-generated lint ## check-generated, lint, then the test suite
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

test-versions: $(STAMP) ## The product tests on the lowest and the newest runtime dependency versions pyproject.toml allows
	$(BIN)/python .ci/versions.py both .venv

lock: ## Re-resolve constraints.txt from pyproject.toml in a throwaway venv
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install $(PIP_FLAGS) '.[dev]'
	.lock-venv/bin/python -m pip freeze --exclude tmdb-v4-auth > constraints.txt
	rm -rf .lock-venv

clean: ## Remove .venv, caches and build output
	rm -rf $(VENV) $(DEMO_VENV) $(RUNTIME_VENV) .venv-lowest .venv-newest build dist .pytest_cache .mypy_cache .ruff_cache .generate-* .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
