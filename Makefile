# compoundkit: every target sets itself up from nothing (Python 3.11 and make are enough).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench docs fuzz clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	@$(BIN)/python -m compoundkit.demo

lint: $(STAMP)
	$(BIN)/ruff check compoundkit tests benchmarks docs
	$(BIN)/ruff format --check compoundkit tests benchmarks docs

typecheck: $(STAMP)
	$(BIN)/mypy compoundkit

pytest: $(STAMP)
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

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
