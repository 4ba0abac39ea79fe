# Two commands for a new machine: `make book` and `make test`.
# Both create the virtual environment in .venv on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BUILD_FLAGS := -W -n --keep-going

.PHONY: help env book test lint unit book-check execute exercises lab clean bench

help:
	@echo "make book       build the HTML book into _build/html (creates .venv if needed)"
	@echo "make test       lint, unit tests, notebook re-execution (nbval) and the strict book build"
	@echo "make execute    re-execute every notebook in place, storing fresh outputs"
	@echo "make exercises  regenerate the learners' exercise notebooks in notebooks/exercises"
	@echo "make lab        open the notebooks in JupyterLab"
	@echo "make bench      time the loss against NumPy and PyTorch; writes benchmarks/results.json"
	@echo "make clean      remove _build"

# The environment: rebuilt when the requirements change.
env: $(STAMP)
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements.txt
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)
	@echo "The book is ready: open file://$(CURDIR)/_build/html/index.html"

test: lint unit book-check

lint: $(STAMP)
	$(BIN)/ruff check .

# Unit tests, then every notebook re-executed by nbval against its stored outputs.
unit: $(STAMP)
	$(BIN)/python -m pytest

# The book build with warnings as errors, from a clean build directory.
book-check: $(STAMP)
	rm -rf _build/html _build/.doctrees
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)

# Re-execute notebooks in place, in a fresh kernel each, storing fresh outputs
# (no timing metadata, so a re-run changes only what the code changed).
# All chapters by default; one with `make execute NB=notebooks/02_gradient.ipynb`.
NB ?= $(wildcard notebooks/[0-9]*.ipynb)
execute: $(STAMP)
	for nb in $(NB); do \
	  $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.record_timing=False "$$nb" || exit 1; \
	done
	$(MAKE) exercises

exercises: $(STAMP)
	$(BIN)/python scripts/make_exercises.py notebooks notebooks/exercises
	$(BIN)/python scripts/make_exercises.py tests/fixtures/notebooks tests/fixtures/exercises

# The loss benchmark (not part of `make test`): about two minutes on a quiet two-core machine.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_loss.py

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf _build
