# Two commands for a new machine: `make book` and `make test`.
# Both create the virtual environment in .venv on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BUILD_FLAGS := -W -n --keep-going

CHROMIUM ?= /usr/bin/chromium
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PORT     ?= 8000

.PHONY: help env book test lint unit book-check browser chromium serve pdf execute exercises lab clean bench

help:
	@echo "make book       build the HTML book into _build/html (creates .venv if needed)"
	@echo "make test       lint, unit tests, notebook re-execution (nbval), the strict book build, browser tests"
	@echo "make serve      serve the built book on http://127.0.0.1:$(PORT)"
	@echo "make pdf        the whole book as one PDF (optional; needs XeLaTeX, see README)"
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

test: lint unit book-check browser

lint: $(STAMP)
	$(BIN)/ruff check .

# Unit tests, then every notebook re-executed by nbval against its stored outputs.
unit: $(STAMP)
	$(BIN)/python -m pytest

# The book build with warnings as errors, from a clean build directory.
book-check: $(STAMP)
	rm -rf _build/html _build/.doctrees
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)

# The built book in a real browser (tests/browser): after the strict build,
# served on 127.0.0.1, read by Debian's Chromium through Playwright, offline.
# Screenshots land in _build/screenshots/.
browser: book-check chromium
	$(BIN)/python -m pytest tests/browser -q

# Debian's Chromium (Playwright's own browser download is not used).
chromium:
	test -x $(CHROMIUM) || ($(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium)

serve:
	@test -f _build/html/index.html || $(MAKE) book
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

# The whole book as one PDF, through XeLaTeX (optional, not part of `make test`).
pdf: $(STAMP)
	$(BIN)/jupyter-book build . --builder pdflatex
	@echo "The PDF is ready: _build/latex/book.pdf"

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

# The loss benchmark (not part of `make test`): a few minutes on a quiet two-core machine;
# `.venv/bin/python benchmarks/bench_loss.py --sweep` also times block sizes and thread counts.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_loss.py

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf _build
