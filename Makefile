# Two commands: `make run` (set up, then run the pipeline on the bundled fixtures) and
# `make test` (set up, then run the test suite). Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= build/run
PUBLICATION ?= build/publication
STORE ?= build/store.sqlite

# Upstream schemas resolve offline from ../shared when it exists (developer machines and CI);
# elsewhere each pinned file is downloaded on first use (or from OCDS_PIPELINE_SCHEMA_MIRROR),
# verified by SHA-256 and cached.
SHARED_SCHEMAS := $(abspath ../shared/upstream-schemas)
ifneq ($(wildcard $(SHARED_SCHEMAS)),)
export OCDS_PIPELINE_SCHEMA_PATH ?= $(SHARED_SCHEMAS)
endif

.PHONY: run serve test fuzz mutation docs fixtures bench clean

$(BIN)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/.installed
	$(BIN)/ocds-pipeline run fixtures/sercop --out $(OUT) --store $(STORE) --publication $(PUBLICATION)

# The API and the site over what `make run` wrote (docs/api.md): http://127.0.0.1:8000/
serve: $(BIN)/.installed
	$(BIN)/ocds-pipeline serve --store $(STORE) --publication $(PUBLICATION)

test: $(BIN)/.installed
	scripts/ensure-postgresql
	scripts/ensure-chromium
	$(BIN)/pytest -n 2 --dist worksteal

# The fuzz properties of tests/test_fuzz.py, run long (FUZZ_EXAMPLES examples each; `make test` runs
# 40). A failure prints the input that caused it: add it as an @example or a fixtures/bad/ case.
FUZZ_EXAMPLES ?= 20000
fuzz: $(BIN)/.installed
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -p no:randomly -p no:xdist tests/test_fuzz.py -k "any_"

# Mutation testing (docs/testing.md): not part of `make test`; bounded by MUTATION_BUDGET per call,
# and a second call continues where the first stopped.
MUTATION_BUDGET ?= 60m
mutation: $(BIN)/.installed
	$(BIN)/pip install --quiet -e '.[test,mutation]'
	PATH="$(abspath $(BIN)):$$PATH" scripts/mutation $(MUTATION_BUDGET)

docs: $(BIN)/.installed  ## regenerate docs that are generated from schemas/ and mappings/
	$(BIN)/python -m ocds_pipeline.docgen

fixtures: $(BIN)/.installed  ## regenerate fixtures/sercop (the command is part of the test suite)
	$(BIN)/ocds-pipeline generate --procedures 240 --seed 2026 --mix uniform --out fixtures/sercop

bench: $(BIN)/.installed
	$(BIN)/pip install --quiet -e ".[test,bench]"
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build bench/out .pytest_cache .hypothesis mutants
