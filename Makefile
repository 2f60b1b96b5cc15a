# The two commands of the README: `make run` and `make test`. Everything else is a step they use.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

.PHONY: run test setup setup-dev lint typecheck contracts pytest bench bench-pages bench-search bench-cache bench-pipeline clean

run: setup
	@scripts/system-packages run
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable
	$(MANAGE) import_guides
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) run_platform

test: setup-dev
	@scripts/system-packages test
	$(MAKE) --no-print-directory lint typecheck contracts pytest

setup: $(VENV)/.installed-base
setup-dev: $(VENV)/.installed-dev

$(VENV)/bin/python:
	"$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-base: requirements/base.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.installed-dev: requirements/dev.txt $(VENV)/.installed-base
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $@

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck:
	$(VENV)/bin/mypy cryoview config

contracts:
	$(VENV)/bin/lint-imports

pytest:
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: setup-dev
	$(PY) bench/run.py

bench-pages: setup-dev
	$(PY) bench/pages.py

bench-search: setup-dev
	$(PY) bench/search.py

bench-cache: setup-dev
	$(PY) bench/cache.py

bench-pipeline: setup-dev
	$(PY) bench/pipeline_stores.py

clean:
	rm -rf $(VENV) var/static .mypy_cache .pytest_cache .ruff_cache
