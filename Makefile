# The clinic app's everyday commands. `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
PYTEST_ARGS ?=

.PHONY: run test test-sqlite test-postgres check bench seed-bulk seed clean

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(RUN_STAMP): requirements.txt | $(VENV)/bin/python
	$(PIP) install -q -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PIP) install -q -r requirements-dev.txt
	touch $@ $(RUN_STAMP)

## run: install, migrate, load demo data and serve on http://127.0.0.1:8000 (SQLite)
run: $(RUN_STAMP)
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

## test: the whole suite on SQLite, then again on a throwaway PostgreSQL
test: $(DEV_STAMP)
	scripts/ensure-chromium.sh
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: $(DEV_STAMP)
	env -u DATABASE_URL $(PY) -m pytest $(PYTEST_ARGS)

test-postgres: $(DEV_STAMP)
	scripts/with-postgres.sh $(PY) -m pytest $(PYTEST_ARGS)

## check: lint, migrations up to date, and Django's deployment checks with production settings
check: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	DEBUG=1 $(PY) manage.py check
	SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	  ALLOWED_HOSTS=clinic.example.org $(PY) manage.py check --deploy --fail-level WARNING

## bench: years of generated data on a throwaway PostgreSQL (seeded once, cached in bench/.cache),
## gunicorn with production settings, locust on every key page; prints and writes bench/results.md
bench: $(DEV_STAMP)
	scripts/bench.sh $(BENCH_ARGS)

## seed-bulk: the benchmark dataset into DATABASE_URL's database (PATIENTS=, SESSIONS= to size it)
seed-bulk: $(DEV_STAMP)
	$(PY) manage.py seed_bulk --patients $(or $(PATIENTS),20000) --sessions $(or $(SESSIONS),200000)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
