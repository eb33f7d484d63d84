# Praxisatlas – the two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
FLASK  := $(BIN)/flask --app wsgi

.PHONY: run test test-sqlite test-postgres test-fast serve setup translations lint bench vendor clean

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
	@if [ -d kb/translations ]; then $(BIN)/pybabel compile -q -d kb/translations; fi

## Create/migrate the database, load registry and seed data on first start, index, serve.
setup: $(VENV)/.runtime-installed translations
	$(FLASK) init-db
	$(FLASK) seed --first-start
	$(FLASK) reindex --if-needed

run: setup
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

## The whole suite: SQLite + Whoosh, then PostgreSQL (throwaway cluster) + PostgreSQL search.
test: $(VENV)/.dev-installed translations
	scripts/ensure_chromium.sh
	$(BIN)/python -m pytest -q -n 2 --dist loadfile
	scripts/with_postgres.sh $(BIN)/python -m pytest -q -n 2 --dist loadfile -m "not browser"

test-sqlite: $(VENV)/.dev-installed translations
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

test-fast: $(VENV)/.dev-installed translations
	$(BIN)/python -m pytest -q -x -m "not browser and not slow"

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .

bench: $(VENV)/.dev-installed
	$(BIN)/python bench/search_speed.py

vendor:
	scripts/vendor_assets.sh

clean:
	rm -rf $(VENV) instance
