# Two commands do all set-up on a fresh machine: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: install run test lint system-deps messages

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

install: $(VENV)/.installed

## Start the server on SQLite with migrations, demo data and a printed admin login, with a task-queue
## worker and its scheduler in the background (they stop with the server). Demo email goes to mail/.
run: export CELERY_BROKER_URL ?= redis://127.0.0.1:6379/6
run: export EMAIL_BACKEND ?= django.core.mail.backends.filebased.EmailBackend
run: export EMAIL_FILE_PATH ?= $(CURDIR)/mail
run: install
	@bash scripts/start-redis
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_roles
	$(PY) manage.py demo_setup --host $(HOST)
	@echo "  Email:    delivered notices are written to $$EMAIL_FILE_PATH/ (one .log file per batch)"
	@echo "  SMS:      printed by the worker below (notices.sms.ConsoleGateway); letters: admin > Notices"
	@DJANGO_SETTINGS_MODULE=config.settings $(VENV)/bin/celery -A config worker --pool solo --loglevel warning & worker=$$!; \
	DJANGO_SETTINGS_MODULE=config.settings $(VENV)/bin/celery -A config beat --loglevel warning & beat=$$!; \
	$(PY) manage.py runserver --noreload $(HOST) & server=$$!; \
	trap 'kill $$server $$worker $$beat 2>/dev/null; wait 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM HUP; \
	wait $$server

## Lint, then run every test (browser tests need Debian's chromium; installed if missing).
test: install system-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py rules check
	$(PY) manage.py rules test
	$(PY) -m pytest $(PYTEST_ARGS)

## poppler-utils and a CJK font for the PDF statement tests (installed with apt if missing).
system-deps:
	@bash scripts/install-system-deps

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

## Re-extract every translatable string into locale/zh_Hans/LC_MESSAGES/django.po (translate the new
## msgids there; tests/config/test_translations.py fails while one is empty or fuzzy), then compile.
messages: install
	$(PY) manage.py makemessages -l zh_Hans --no-location --ignore 'staticfiles/*' --ignore 'tests/*' --ignore 'bench/*'
	$(PY) manage.py compilemessages -l zh_Hans --ignore '.venv'
