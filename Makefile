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
	@echo "make run    install, migrate, load demo data, start web + worker + beat + the three supplier"
	@echo "            simulators on $(URL)"
	@echo "make test   install and run the test suite"
	@echo "make lint   ruff check and makemigrations --check"
	@echo "make bench  on a fresh PostgreSQL database: webhook ingest figures under gunicorn (Redis),"
	@echo "            then the SLA dashboard and fault list timed at 10 000, 100 000 and 1 000 000"
	@echo "            generated faults (BENCH_UI_SIZES=10000,100000 to change; BENCH_PARTS=ui or"
	@echo "            BENCH_PARTS=ingest to run one part), then the TMF621 API's filtered list and"
	@echo "            one ticket with fields= at the same sizes (BENCH_PARTS=tmfapi), then the"
	@echo "            embedded broker candidates through a Celery worker (BENCH_PARTS=broker),"
	@echo "            then the exception sweep over 10 000 and 100 000 open faults against one rule"
	@echo "            on one fault, and the queue's exceptions section at 1 000 000 faults"
	@echo "            (BENCH_PARTS=exceptions, on a database of its own)"
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
# The TEP demo partner is a "Local simulator": it is polled every 5 s (and a second of margin)
# instead of the seed's minute (the simulator holds us to 5 s, --poll-interval in Procfile.dev).
run: export TEP_SIMULATOR_POLL_SECONDS ?= 5
run: export INTEGRATION_POLL_SECONDS ?= integrations.tep.tasks.poll_tep_partners=2
run: export PATH := $(abspath $(BIN)):$(PATH)
run: venv
	python manage.py migrate --noinput
	python manage.py load_demo
	python manage.py collectstatic --noinput -v 0
	@echo
	@echo "  NOC fault management: $(URL)  (admin $(URL)admin/, API docs $(URL)api/docs/)"
	@echo "  Logins: agent, manager, admin; password: $$DEMO_PASSWORD"
	@echo "  Supplier simulators: Demo Supplier (Ticketing API) https://127.0.0.1:8081/ (mutual TLS;"
	@echo "    state at /_sim/state); Northway Fibre (TMF621) https://127.0.0.1:8082/tmf-api/troubleTicket/v4"
	@echo "    (state at https://127.0.0.1:8082/_sim/state); Eastbridge Fibre (TEP, SOAP) https://127.0.0.1:8083/"
	@echo "    (mutual TLS; state at /_sim/state)"
	@echo "  Ctrl-C stops the web server, the Celery worker, beat and the three simulators."
	@echo
	honcho -f Procfile.dev start

# Two test processes (pytest-xdist), one per core of the CI machine; a file's tests stay in one
# process (their module fixtures are set up once). PYTEST_WORKERS=0 runs them in this process.
PYTEST_WORKERS ?= 2
test: export DEBUG ?= 1
test: venv
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: export DEBUG ?= 1
lint: venv
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

# A fresh PostgreSQL database and Redis db 14 on this machine, dropped afterwards. The ingest
# part runs first (on a small table); the UI part then grows the fault table to each size. The
# TMF621 API part grows a table of its own from 10 000 (in a second fresh database, since the
# table never shrinks back), with one fault in two raised through the API. The exceptions part
# needs an empty fault table to start with (its one-fault figures): a third fresh database.
BENCH_DB := noc_bench_$(shell date +%s)
BENCH_TMFAPI_DB := $(BENCH_DB)_tmfapi
BENCH_EXCEPTIONS_DB := $(BENCH_DB)_exceptions
BENCH_PARTS ?= ingest ui tmfapi broker exceptions
BENCH_UI_SIZES ?= 10000,100000,1000000
bench: export DEBUG := 1
bench: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/$(BENCH_DB)
bench: export CELERY_BROKER_URL ?= redis://127.0.0.1:6379/14
bench: export BENCH_UI_SIZES := $(BENCH_UI_SIZES)
# The API's throttles (settings REST_FRAMEWORK) would count the benches' own calls as a caller's.
bench: export API_THROTTLE_USER := 1000000/s
bench: export API_THROTTLE_ANON := 1000000/s
bench: venv
	createdb -h 127.0.0.1 -U postgres $(BENCH_DB)
	redis-cli -n 14 flushdb >/dev/null
	$(BIN)/python manage.py migrate --noinput -v 0 \
		$(if $(filter ingest,$(BENCH_PARTS)),&& $(BIN)/python manage.py bench_ingest $(BENCH_ARGS)) \
		$(if $(filter ui,$(BENCH_PARTS)),&& $(BIN)/python manage.py bench_ui $(BENCH_UI_ARGS)) \
		$(if $(filter tmfapi,$(BENCH_PARTS)),&& createdb -h 127.0.0.1 -U postgres $(BENCH_TMFAPI_DB) \
			&& export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(BENCH_TMFAPI_DB) \
			&& $(BIN)/python manage.py migrate --noinput -v 0 \
			&& $(BIN)/python manage.py bench_tmfapi $(BENCH_TMFAPI_ARGS)) \
		$(if $(filter broker,$(BENCH_PARTS)),&& $(BIN)/python manage.py bench_broker $(BENCH_BROKER_ARGS)) \
		$(if $(filter exceptions,$(BENCH_PARTS)),&& createdb -h 127.0.0.1 -U postgres $(BENCH_EXCEPTIONS_DB) \
			&& export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(BENCH_EXCEPTIONS_DB) \
			&& $(BIN)/python manage.py migrate --noinput -v 0 \
			&& $(BIN)/python manage.py bench_exceptions $(BENCH_EXCEPTIONS_ARGS)); \
		status=$$?; dropdb -h 127.0.0.1 -U postgres --force $(BENCH_DB); \
		$(if $(filter tmfapi,$(BENCH_PARTS)),dropdb -h 127.0.0.1 -U postgres --force --if-exists $(BENCH_TMFAPI_DB);) \
		$(if $(filter exceptions,$(BENCH_PARTS)),dropdb -h 127.0.0.1 -U postgres --force --if-exists $(BENCH_EXCEPTIONS_DB);) \
		redis-cli -n 14 flushdb >/dev/null; exit $$status

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis *.egg-info build
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
