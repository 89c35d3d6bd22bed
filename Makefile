# compoundkit: every target sets itself up from nothing (Python 3.11 or newer and make).
# Any Python 3.11+ on the PATH will do; PYTHON=/path/to/python overrides the search.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3 python; do \
	if command -v $$p >/dev/null 2>&1 && \
	   $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
	echo $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
CORE_STAMP := $(VENV)/.installed-core
STAMP := $(VENV)/.installed-dev

.PHONY: demo station-demo test lint typecheck pytest postgres bench docs fuzz clean

# The package alone (what `make demo` needs).
$(CORE_STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "compoundkit needs Python 3.11 or newer, and none was found on the PATH (tried python3.13, python3.12, python3.11, python3, python); install one or run 'make PYTHON=/path/to/python3.11 ...'" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $(CORE_STAMP)

# Everything the tests use (linters, type checker, test tools, the extras).
$(STAMP): $(CORE_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(CORE_STAMP)
	@$(BIN)/python -m compoundkit.demo

# The weigh station on the simulator, in the terminal (interactive: Enter scans, tares
# and accepts each line); prints the compounding record it makes. Needs the station extra.
STATION_STAMP := $(VENV)/.installed-station
$(STATION_STAMP): $(CORE_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[station]'
	@touch $(STATION_STAMP)

station-demo: $(STATION_STAMP)
	$(BIN)/compoundkit station examples/muscle-spasm-cream.toml --size 120g --balance sim:// \
		--stock examples/station/stock.toml --by "A. Chen" --demo --format md

lint: $(STAMP)
	$(BIN)/ruff check compoundkit tests benchmarks docs
	$(BIN)/ruff format --check compoundkit tests benchmarks docs

typecheck: $(STAMP)
	$(BIN)/mypy compoundkit

pytest: $(STAMP) postgres
	$(BIN)/python -m pytest -q

# The record-log tests start a throwaway PostgreSQL server (tests/postgres.py) and need its
# programs (initdb, pg_ctl). As root with apt-get (as CI runs) they are installed here;
# elsewhere those tests are skipped, naming the one command that installs them.
postgres:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then \
		exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing PostgreSQL for the record-log tests: apt-get install postgresql"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
			|| echo "note: could not install PostgreSQL; its tests will be skipped" >&2; \
	else \
		echo "note: no PostgreSQL server here: its tests will be skipped; install it with: sudo apt-get install postgresql" >&2; \
	fi

test: lint typecheck pytest

bench: $(STAMP) postgres
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/log.py

# Docs: installs the `docs` extra once (MkDocs Material, mkdocstrings, mkdocs-jupyter),
# then builds docs/_build/site with every warning an error; the notebook is executed.
DOCS_STAMP := $(VENV)/.docs-installed

$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,docs]'
	@touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --clean -f docs/mkdocs.yml

# Coverage-guided fuzzing (atheris) of every parser, FUZZ_SECONDS per target; not in CI.
# Crashes are saved in fuzz/crashes/<target>/: add each to tests/corpus/ with its fix.
FUZZ_SECONDS ?= 120
fuzz: $(STAMP)
	@$(BIN)/python -c "import atheris" 2>/dev/null || $(BIN)/python -m pip install --quiet atheris
	FUZZ_SECONDS=$(FUZZ_SECONDS) PYTHON=$(BIN)/python fuzz/run.sh

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
