# Two commands set everything up on a fresh machine with only Python and make:
#   make run    — venv, install, migrate, demo seed (once), serve with gunicorn on $(PORT)
#   make test   — venv, install dev extras, lint, every test (SQLite; PostgreSQL too when
#                 TEST_DATABASE_URL is set)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
HOST   ?= 0.0.0.0
WORKERS ?= 2
FLASK  := $(BIN)/flask --app points

.PHONY: run test bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) seed demo
	$(BIN)/gunicorn --workers $(WORKERS) --threads 4 --bind $(HOST):$(PORT) \
		--access-logfile - 'points:create_app()'

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python -m tests.benchmarks.ledger

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis .ruff_cache
