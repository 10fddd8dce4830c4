# gazecast: `make run` sets everything up and serves; `make test` sets up the same way and tests.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test setup setup-test system system-test bench clean help

help:
	@echo "make run    set up (venv, Python + npm packages, Debian packages) and serve on http://$(HOST):$(PORT)/"
	@echo "make test   set up with the test tools and run every test"
	@echo "make bench  print the benchmark figures (and write docs/benchmarks.md)"

run: setup
	$(BIN)/python app.py --host $(HOST) --port $(PORT)

test: setup-test
	$(BIN)/python -m pytest

bench: setup-test
	$(BIN)/python bench/fanout.py
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/render.py --write
	$(BIN)/python -m bench.gaze
	$(BIN)/python bench/abuse.py --write
	$(BIN)/python bench/load.py --write

setup: system $(VENV)/.stamp-run node_modules/.stamp
setup-test: system-test $(VENV)/.stamp-test node_modules/.stamp

system:
	@scripts/setup-system.sh run
system-test:
	@scripts/setup-system.sh test

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null || { echo "gazecast needs $(PYTHON) (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.stamp-run: requirements.txt requirements-nodeps.txt | $(VENV)/bin/python
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps -r requirements-nodeps.txt
	touch $@

$(VENV)/.stamp-test: requirements.txt requirements-nodeps.txt requirements-test.txt | $(VENV)/bin/python
	$(BIN)/pip install -q -r requirements-test.txt
	$(BIN)/pip install -q --no-deps -r requirements-nodeps.txt
	touch $@ $(VENV)/.stamp-run

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf $(VENV) node_modules .pytest_cache
