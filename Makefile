# Two commands do all set-up on a fresh machine: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: install run test lint system-deps

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

install: $(VENV)/.installed

## Start the server on SQLite with migrations, demo data and a printed admin login.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_roles
	$(PY) manage.py demo_setup --host $(HOST)
	$(PY) manage.py runserver $(HOST)

## Lint, then run every test (browser tests need Debian's chromium; installed if missing).
test: install system-deps
	$(VENV)/bin/ruff check .
	$(PY) manage.py rules check
	$(PY) manage.py rules test
	$(PY) -m pytest $(PYTEST_ARGS)

## poppler-utils and a CJK font for the PDF statement tests (installed with apt if missing).
system-deps:
	@bash scripts/install-system-deps

lint: install
	$(VENV)/bin/ruff check .
