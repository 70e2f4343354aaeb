# Two set-up commands (see README): `make run` and `make test`. Both need only Python 3.11+.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_MEMBERS ?= 300
DEMO_SEED ?= 42

.PHONY: run test install install-dev lint check-migrations pytest seed clean bench-febrl db-status db-reset

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

install: $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .

install-dev: $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[dev]"

## make run: install, migrate, load demo data, create demo logins, serve on http://127.0.0.1:8000
run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py sync_schedule
	$(PY) manage.py seed_demo --members $(DEMO_MEMBERS) --seed $(DEMO_SEED)
	$(PY) manage.py find_duplicates
	$(PY) manage.py seed_loyalty_demo
	$(PY) manage.py seed_tags_demo
	$(PY) manage.py seed_insights_demo
	$(PY) manage.py create_demo_users
	$(PY) manage.py seed_workspace_demo
	$(PY) manage.py runserver 127.0.0.1:8000

## make test: install with dev tools, lint, check migrations, run the whole suite
test: install-dev lint check-migrations pytest

lint:
	$(VENV)/bin/ruff check .

check-migrations:
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

# One pytest-xdist worker per core, each on its own test database (test_crm_gw0, test_crm_gw1, ...).
TEST_WORKERS ?= auto
pytest:
	$(VENV)/bin/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

bench-febrl: install-dev
	$(PY) bench/febrl_accuracy.py

## The embedded development database (var/postgres, used when DATABASE_URL is unset)
db-status: install
	$(PY) -m core.embedded_postgres status

## db-reset: stop the embedded server and delete its data; the next command starts a fresh one
db-reset: install
	$(PY) -m core.embedded_postgres stop
	rm -rf var/postgres var/postgres.handles.json

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .test-media
