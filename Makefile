# Two commands set everything up on a fresh machine with only Python and make:
#   make run    — venv, install, migrate and demo seed (once; `flask setup`), serve with
#                 gunicorn on $(PORT) and run the worker beside it (Procfile, honcho)
#   make test   — venv, install dev extras, lint, every test (SQLite; PostgreSQL too when
#                 TEST_DATABASE_URL is set)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
HOST   ?= 0.0.0.0
WORKERS ?= 2
FLASK  := $(BIN)/flask --app points

CATALOG := points/translations/zh_Hans_CN/LC_MESSAGES/messages
.PHONY: run test bench lint clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

$(CATALOG).mo: $(CATALOG).po | $(BIN)/python
	$(BIN)/pybabel compile --use-fuzzy -d points/translations -i $(CATALOG).po -o $@ -l zh_Hans_CN

# After changing visible strings: extract them, merge into the catalog, then translate
# the new entries in $(CATALOG).po (tests/test_i18n.py fails until every one is).
# Without source locations or line wrapping, the catalog changes only when a string does, so
# two branches that each add strings merge without conflicts in unrelated lines.
translations: $(VENV)/.installed-dev
	mkdir -p build
	$(BIN)/pybabel extract -F points/translations/babel.cfg -k _l -k N_ --no-location \
		--sort-output --no-wrap -o build/messages.pot .
	$(BIN)/pybabel update -i build/messages.pot -d points/translations --no-fuzzy-matching \
		--no-wrap
	sed -i '/^"POT-Creation-Date:/d' $(CATALOG).po

# The Procfile's two processes under honcho: gunicorn (web) and `flask worker` (the background
# work; the Huey consumer when REDIS_URL is set). Ctrl-C stops both.
run: $(VENV)/.installed $(CATALOG).mo
	$(FLASK) setup
	PATH="$(CURDIR)/$(BIN):$$PATH" HOST=$(HOST) WORKERS=$(WORKERS) $(BIN)/honcho start -p $(PORT)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

# Two worker processes (pytest-xdist) by default; TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2

test: lint $(CATALOG).mo
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

bench: $(VENV)/.installed-dev
	$(BIN)/python -m tests.benchmarks.ledger
	$(BIN)/python -m tests.benchmarks.outbox
	$(BIN)/python -m tests.benchmarks.delivery
	$(BIN)/python -m tests.benchmarks.tickets
	$(BIN)/python -m tests.benchmarks.bookings
	$(BIN)/python -m tests.benchmarks.reports
	$(BIN)/python -m tests.benchmarks.redemption
	$(BIN)/python -m tests.benchmarks.http

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis .ruff_cache
