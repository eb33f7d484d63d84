# Praxisatlas – the two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
FLASK  := $(BIN)/flask --app wsgi

.PHONY: run test test-sqlite test-postgres test-fast serve setup translations translations-update lint bench load-test vendor screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt $(VENV)/.runtime-installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

translations: $(VENV)/.runtime-installed
	@if [ -d kb/translations ]; then $(BIN)/pybabel -q compile -d kb/translations; fi

## Extract every translatable string (babel.cfg) into kb/translations/messages.pot and merge it into
## the catalogues; then translate the new or fuzzy entries (tests/test_i18n.py lists them).
## The keywords are the same as in tests/i18n_support.py.
translations-update: $(VENV)/.runtime-installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
		--project=Praxisatlas --copyright-holder="Praxisatlas" --sort-by-file \
		-o kb/translations/messages.pot .
	@test -f kb/translations/en/LC_MESSAGES/messages.po || \
		$(BIN)/pybabel -q init -l en -i kb/translations/messages.pot -d kb/translations
	$(BIN)/pybabel -q update --ignore-obsolete -i kb/translations/messages.pot -d kb/translations

## Create/migrate the database, load registry and seed data on first start, index, serve.
setup: $(VENV)/.runtime-installed translations
	scripts/ensure_system_packages.sh --runtime
	$(FLASK) init-db
	$(FLASK) seed --first-start
	$(FLASK) reindex --if-needed

run: setup
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

## The layer contract (import-linter, pyproject.toml), then the whole suite in two passes (together under
## 15 minutes on 2 cores):
##  1. SQLite + Whoosh: every test except those marked `postgres_pass` – including the browser
##     tests and the long, database-independent tests marked `slow` (authorisation matrix,
##     schemathesis, the SQLite index-sync scenarios), which run only here.
##  2. A throwaway PostgreSQL 15 cluster (scripts/with_postgres.sh) with KB_SEARCH_BACKEND=postgres:
##     every test except `browser` and `slow` – all unit, HTTP, CLI and search tests again on
##     PostgreSQL – plus the long scenarios marked `postgres_pass` (SIGKILL during a 20,000-case
##     import, 16 readers for 10 s, 400 SQL-injection payloads) and the PostgreSQL-only tests
##     (two app servers on one database, PostgreSQL search vs. Whoosh nDCG), which skip in pass 1.
##  The scenario with 8 contributors on 4 gunicorn workers runs in both passes.
PYTEST_SQLITE   := -m "not postgres_pass"
PYTEST_POSTGRES := -m "not browser and not slow"

test: $(VENV)/.dev-installed translations
	scripts/ensure_system_packages.sh
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n 2 --dist loadfile $(PYTEST_SQLITE)
	KB_SEARCH_BACKEND=postgres scripts/with_postgres.sh $(BIN)/python -m pytest -q -n 2 --dist loadfile $(PYTEST_POSTGRES)

test-sqlite: $(VENV)/.dev-installed translations
	$(BIN)/python -m pytest -q -n 2 --dist loadfile $(PYTEST_SQLITE)

test-postgres: $(VENV)/.dev-installed translations
	KB_SEARCH_BACKEND=postgres scripts/with_postgres.sh $(BIN)/python -m pytest -q -n 2 --dist loadfile $(PYTEST_POSTGRES)

test-fast: $(VENV)/.dev-installed translations
	$(BIN)/python -m pytest -q -x -m "not browser and not slow and not postgres_pass"

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(VENV)/.dev-installed
	$(BIN)/python bench/search_speed.py

## Mixed traffic against a throwaway instance on gunicorn (workers as in gunicorn.conf.py) for 60 s.
load-test: $(VENV)/.dev-installed
	$(BIN)/python bench/load_test.py --serve --duration 60 --readers 16 --writers 4

vendor:
	scripts/vendor_assets.sh

## PNGs of the main pages for the README (docs/screenshots/), from a throwaway seeded instance.
screenshots: $(VENV)/.dev-installed translations
	scripts/ensure_system_packages.sh
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) instance
