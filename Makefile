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

.PHONY: help env book lite test lint unit book-check browser chromium serve pdf execute exercises lab clean bench experiments

help:
	@echo "make book       build the HTML book into _build/html (creates .venv if needed)"
	@echo "make test       lint, unit tests, notebook re-execution (nbval), the strict book build, browser tests"
	@echo "make serve      serve the built book on http://127.0.0.1:$(PORT) (needed for \"Run in your browser\")"
	@echo "make lite       rebuild only the in-browser Python site (make book does it when needed)"
	@echo "make pdf        the whole book as one PDF (optional; needs XeLaTeX, see README)"
	@echo "make execute    re-execute every notebook in place, storing fresh outputs"
	@echo "make exercises  regenerate the learners' exercise notebooks in notebooks/exercises"
	@echo "make lab        open the notebooks in JupyterLab"
	@echo "make bench      time the loss against NumPy and PyTorch; writes benchmarks/results.json"
	@echo "make experiments  chapters 4-5 over every split and seed; writes notebooks/results/*.json"
	@echo "make clean      remove _build"

# The environment: rebuilt when the requirements change.
env: $(STAMP)
# It also downloads, once, the pinned Pyodide files behind "Run in your browser" (into
# .venv/lite-cache) and axe-core, the accessibility engine the browser tests inject
# into each page (npm, pinned in tests/browser/package-lock.json), so building and
# testing the book never use the network.
$(STAMP): requirements.txt pyproject.toml lite/package-lock.json lite/requirements-pyodide.txt \
          tests/browser/package.json tests/browser/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python scripts/build_lite.py --fetch
	npm ci --prefix tests/browser --no-audit --no-fund
	touch $(STAMP)

# The build also makes the JupyterLite site behind "Run in your browser" (book/_ext/run_in_browser
# runs scripts/build_lite.py, which skips it when nothing changed); LSBOOK_LITE=off leaves it out.
book: $(STAMP)
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)
	@echo "The book is ready: open file://$(CURDIR)/_build/html/index.html"
	@echo "(\"Run in your browser\" needs the book served over http: make serve)"

# The JupyterLite site alone, rebuilt even if up to date; the next `make book` copies it in.
lite: $(STAMP)
	$(BIN)/python scripts/build_lite.py --force

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
# served on 127.0.0.1, read by Debian's Chromium through Playwright, offline,
# and audited by axe-core. Screenshots land in _build/screenshots/, the
# numbers per page (check lines, wide code, axe counts, page weight) in
# _build/browser-report.json.
browser: book-check chromium
	$(BIN)/python -m pytest tests/browser -q

# Debian's Chromium (Playwright's own browser download is not used).
chromium:
	test -x $(CHROMIUM) || ($(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium)

# http, not file://: JupyterLite's service worker (how the notebooks reach the in-browser kernel) needs it.
serve:
	@test -f _build/html/index.html || $(MAKE) book
	@echo "Serving the book on http://127.0.0.1:$(PORT) (Ctrl-C to stop)"
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

# The full experiments of chapters 4-5 (not part of `make test`): five splits, ten seeds,
# every interval, in JOBS worker processes. Measured from scratch with JOBS=2 on a
# two-core machine: about 7 min for calibration, 5 min for distillation. Writes
# notebooks/results/{calibration,distillation}.json, then re-executes both chapters.
JOBS ?= 2
experiments: $(STAMP)
	$(BIN)/python -m lsbook.experiments.studies --out notebooks/results --jobs $(JOBS)
	$(MAKE) execute NB="notebooks/04_calibration.ipynb notebooks/05_distillation.ipynb"

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf _build
