# Two front doors: `make run` (product on the embedded default) and `make test` (lint, types, tests).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
JOBMATCH := $(VENV)/bin/jobmatch
PORT ?= 8501

.PHONY: run test install install-dev lint typecheck pytest data bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# CPU torch first, from local disk; an unpinned torch would pull a multi-GB CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev]'
	# The browser test drives Debian's chromium (Playwright cannot download its own browsers here).
	command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

data: install
	$(JOBMATCH) generate --if-absent

run: data
	$(JOBMATCH) build
	$(VENV)/bin/streamlit run dashboard.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

# lint-imports: the layers and the synthetic world's fence in pyproject.toml's [tool.importlinter].
lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: install-dev
	$(VENV)/bin/mypy

pytest: install-dev
	$(VENV)/bin/pytest

test: lint typecheck pytest

bench: install
	$(JOBMATCH) bench all

clean:
	rm -rf $(VENV) artefacts
