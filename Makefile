# Meldcode — the two commands a developer needs:
#   make run    start the demo on http://127.0.0.1:8000 (SQLite, demo data), with the task queue's worker
#   make test   run the whole test suite (both cores: pytest-xdist)
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Find a Python of 3.12 or newer that really runs (a pyenv shim for an inactive version exists but fails).
PYTHON ?= $(shell for c in python3.13 python3.12 $$(ls -d $$HOME/.pyenv/versions/3.1[234]*/bin/python3 2>/dev/null | sort -r); do \
	if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then \
	command -v $$c; break; fi; done)

.PHONY: help run test test-fast venv demo-data messages lint clean bench guide system-deps

help:
	@echo "make run    start the demo on http://127.0.0.1:8000 (SQLite, demo data)"
	@echo "make test   run the whole test suite (SQLite; set DATABASE_URL for PostgreSQL)"
	@echo "make test-fast  the suite without the browser and the PostgreSQL-only tests"
	@echo "make lint   ruff"
	@echo "make messages  update and compile the translations"
	@echo "make bench  benchmark at large-board size (PostgreSQL; see docs/performance.md)"
	@echo "make guide  renew the user guide's screenshots (guide/static/guide/shots/) from the demo data"

# System packages (Pango, HarfBuzz-Subset; Chromium for `make test`): installed with apt-get when run as root,
# otherwise one message with the exact command (scripts/ensure-system-deps.sh). SYSTEM_DEPS=skip leaves them out.
SYSTEM_DEPS_ARGS ?=
system-deps:
	@if [ "$(SYSTEM_DEPS)" != skip ]; then PYTHON="$(PYTHON)" bash scripts/ensure-system-deps.sh $(SYSTEM_DEPS_ARGS); fi

$(STAMP): pyproject.toml | system-deps
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.12 or newer is needed: install python3.13 (e.g. 'pyenv install 3.13.0') and try again." >&2; exit 1; fi
	@if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then \
		rm -rf $(VENV); echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

# ADDRESS: where `make run` serves (the development server).
ADDRESS ?= 127.0.0.1:8000

run: export DEBUG ?= true
run: system-deps $(STAMP)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_demo
	@echo
	@echo "Demo: http://$(ADDRESS)  — logins are listed in README.md (password: meldcode-demo)"
	@# The task queue's worker (it renders the parent extracts and sends the e-mails, printed here by the console
	@# mail backend) and the scheduler of the periodic tasks (the reminders) run in the background and stop with
	@# runserver (docs/tasks.md).
	$(PY) manage.py db_worker --no-reload & worker=$$!; \
	$(PY) manage.py crontask --no-heartbeat & scheduler=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null; wait $$worker $$scheduler 2>/dev/null' EXIT; \
	$(PY) manage.py runserver $(ADDRESS)

# XDIST: how many processes share the tests (pytest-xdist; "auto" = one per core). XDIST=0 runs them in one process.
XDIST ?= auto

# Tests import the settings with DEBUG=true (development defaults, plain static files); Django's test runner
# itself runs every test with DEBUG off.
test: export DEBUG = true
test: SYSTEM_DEPS_ARGS = --browser
test: system-deps $(STAMP)
	$(PY) -m pytest -n $(XDIST) $(PYTEST_ARGS)

test-fast: export DEBUG = true
test-fast: system-deps $(STAMP)
	$(PY) -m pytest -n $(XDIST) -m "not browser and not postgres" $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

messages: export DEBUG = true
messages: $(STAMP)
	$(PY) manage.py makemessages --locale nl --locale en --no-wrap --ignore '.venv/*' --ignore 'var/*' --no-obsolete
	$(PY) scripts/pofill.py locale/nl/LC_MESSAGES/django.po locale/translations/nl.tsv
	$(PY) manage.py compilemessages --ignore '.venv/*'

# The benchmark (docs/performance.md): PostgreSQL with a generated large board, gunicorn with 4 workers, locust.
# DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/meldcode_bench. Not part of `make test`.
bench: $(STAMP)
	$(PY) bench/run.py $(BENCH_ARGS)

# The user guide's screenshots: the browser test that checks the documented pages, writing its pictures into the
# repository (guide/static/guide/shots/) instead of a temporary folder.
guide: export DEBUG = true
guide: SYSTEM_DEPS_ARGS = --browser
guide: system-deps $(STAMP)
	GUIDE_SHOTS_DIR=guide/static/guide/shots $(PY) -m pytest -n 0 -q tests/browser/test_guide_browser.py

clean:
	rm -rf $(VENV) var .pytest_cache
