# Development entry points. `make run` and `make test` work on a fresh clone: they create .venv.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_PASSWORD ?= demo-password-123
URL := http://127.0.0.1:8000/

.PHONY: help venv run test lint bench clean

help:
	@echo "make run    install, migrate, load demo data, start web + worker + beat on $(URL)"
	@echo "make test   install and run the test suite"
	@echo "make lint   ruff check and makemigrations --check"
	@echo "make bench  on a fresh PostgreSQL database: webhook ingest figures under gunicorn (Redis),"
	@echo "            then the SLA dashboard and fault list timed at 10 000, 100 000 and 1 000 000"
	@echo "            generated faults (BENCH_UI_SIZES=10000,100000 to change; BENCH_PARTS=ui or"
	@echo "            BENCH_PARTS=ingest to run one part), then the embedded broker candidates"
	@echo "            through a Celery worker (BENCH_PARTS=broker)"
	@echo "make clean  remove .venv, var/ (database, broker queue, media, static) and caches"

venv: $(STAMP)

# Re-installs only when pyproject.toml is newer than the stamp.
$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "python3.11 (or python3) is required" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -e '.[dev]'
	touch $@

run: export DEBUG ?= 1
run: export DEMO_PASSWORD := $(DEMO_PASSWORD)
# The simulator moves a demo fault every 5 s; the fault page follows closely enough to show each step.
run: export UI_REFRESH_SECONDS ?= 3
run: export PATH := $(abspath $(BIN)):$(PATH)
run: venv
	python manage.py migrate --noinput
	python manage.py load_demo
	python manage.py collectstatic --noinput -v 0
	@echo
	@echo "  NOC fault management: $(URL)  (admin $(URL)admin/, API docs $(URL)api/docs/)"
	@echo "  Logins: agent, manager, admin; password: $$DEMO_PASSWORD"
	@echo "  Supplier simulator: https://127.0.0.1:8081/ (mutual TLS; state at /_sim/state)"
	@echo "  Ctrl-C stops the web server, the Celery worker, beat and the simulator."
	@echo
	honcho -f Procfile.dev start

test: export DEBUG ?= 1
test: venv
	$(BIN)/pytest $(PYTEST_ARGS)

lint: export DEBUG ?= 1
lint: venv
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

# A fresh PostgreSQL database and Redis db 14 on this machine, dropped afterwards. The ingest
# part runs first (on a small table); the UI part then grows the fault table to each size.
BENCH_DB := noc_bench_$(shell date +%s)
BENCH_PARTS ?= ingest ui broker
BENCH_UI_SIZES ?= 10000,100000,1000000
bench: export DEBUG := 1
bench: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/$(BENCH_DB)
bench: export CELERY_BROKER_URL ?= redis://127.0.0.1:6379/14
bench: export BENCH_UI_SIZES := $(BENCH_UI_SIZES)
bench: venv
	createdb -h 127.0.0.1 -U postgres $(BENCH_DB)
	redis-cli -n 14 flushdb >/dev/null
	$(BIN)/python manage.py migrate --noinput -v 0 \
		$(if $(filter ingest,$(BENCH_PARTS)),&& $(BIN)/python manage.py bench_ingest $(BENCH_ARGS)) \
		$(if $(filter ui,$(BENCH_PARTS)),&& $(BIN)/python manage.py bench_ui $(BENCH_UI_ARGS)) \
		$(if $(filter broker,$(BENCH_PARTS)),&& $(BIN)/python manage.py bench_broker $(BENCH_BROKER_ARGS)); \
		status=$$?; dropdb -h 127.0.0.1 -U postgres --force $(BENCH_DB); \
		redis-cli -n 14 flushdb >/dev/null; exit $$status

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis *.egg-info build
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
