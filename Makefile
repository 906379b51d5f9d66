# Site Layouts — the two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV     := backend/.venv
PY       := $(VENV)/bin/python
PIP      := $(VENV)/bin/pip
CLI      := $(VENV)/bin/sitelayouts
STAMP    := $(VENV)/.installed
FE_STAMP := frontend/node_modules/.installed
HOST     ?= 127.0.0.1
PORT     ?= 8000
PYTHON   ?= python3
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: help install install-backend install-frontend build-frontend run test lint test-backend \
        test-frontend test-e2e test-infra pg-up system-deps bench clean

help:
	@echo "make run      install what is missing, migrate, start API + worker on http://$(HOST):$(PORT)"
	@echo "make test     install what is missing, start PostgreSQL if down, lint and run every test"
	@echo "make install  only the installation step (idempotent)"
	@echo "make lint     ruff + mypy + import-linter (layering contracts)"
	@echo "make bench    benchmarks (results go to docs/benchmarks.md by hand)"

install: install-backend install-frontend

# Re-install only when the dependency list changed (the stamp is older than pyproject.toml).
$(STAMP): backend/pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip setuptools wheel
	$(PIP) install -q -e 'backend[dev]'
	@touch $(STAMP)

install-backend: $(STAMP)

$(FE_STAMP): frontend/package-lock.json
	@if command -v npm >/dev/null; then \
	  cd frontend && npm ci --no-audit --no-fund --prefer-offline && touch node_modules/.installed; \
	else echo "npm not found: the web app is skipped (the API still runs)"; fi

install-frontend:
	@if [ -f frontend/package-lock.json ]; then $(MAKE) --no-print-directory $(FE_STAMP); fi

# Rebuild the web app only when a source file is newer than the last build.
build-frontend: install-frontend
	@if [ -f frontend/package.json ] && command -v npm >/dev/null; then \
	  if [ ! -f frontend/dist/index.html ] || [ -n "$$(find frontend/src frontend/index.html frontend/package.json frontend/vite.config.ts -newer frontend/dist/index.html 2>/dev/null | head -1)" ]; then \
	    echo "building the web app…"; (cd frontend && npm run build --silent); \
	  else echo "web app is up to date"; fi; \
	fi

run: install build-frontend
	@ENABLE_ASYNC_LAYOUT_GENERATION=$${ENABLE_ASYNC_LAYOUT_GENERATION:-true} \
	  $(CLI) serve --host $(HOST) --port $(PORT)

pg-up:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; \
	  echo "PostgreSQL did not start on 127.0.0.1:5432"; exit 1

# Debian packages the tests use: Chromium (end-to-end), gdaldem (slope cross-check), promtool (alert rules).
SYSTEM_TOOLS := chromium:chromium gdaldem:gdal-bin promtool:prometheus
system-deps:
	@missing=""; for pair in $(SYSTEM_TOOLS); do command -v $${pair%%:*} >/dev/null || missing="$$missing $${pair##*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "missing system packages:$$missing (tests that need them are skipped)"; fi; \
	fi

lint: install-backend
	cd backend && .venv/bin/ruff check app tests ../bench
	cd backend && .venv/bin/ruff format --check app tests ../bench
	cd backend && .venv/bin/mypy app
	cd backend && .venv/bin/lint-imports

test-backend: install-backend pg-up system-deps
	cd backend && PG_TEST_URL=$(PG_TEST_URL) .venv/bin/pytest -q -p no:cacheprovider

test-frontend: install-frontend
	@if [ -f frontend/package.json ]; then cd frontend && npm run lint --silent && npm test --silent; fi

test-e2e: install build-frontend system-deps
	@if [ -f frontend/e2e/run.sh ]; then E2E_SKIP_BUILD=1 bash frontend/e2e/run.sh; fi

test-infra: install-backend
	@if [ -f infra/check.sh ]; then bash infra/check.sh; fi

test: install lint test-backend test-frontend test-e2e test-infra
	@echo "make test: all green"

# The chaos suite (issue 15): real worker processes, SIGTERM / SIGKILL / duplicates / poison / DLQ
# redrive / 50 concurrent jobs on SQLite and PostgreSQL; issue 27: racing receivers vs the DLQ, the
# API's upload parsers after SIGTERM, an idle SQS worker's stop, `ops queue create` (SQS on moto);
# loopback only, ~10 min. Figures go to
# var/chaos-report.jsonl (copy them into docs/reliability.md). `make test` runs only the fast parts.
.PHONY: chaos
chaos: install-backend pg-up
	@rm -f var/chaos-report.jsonl
	cd backend && SITELAYOUTS_CHAOS=1 CHAOS_REPORT=$(CURDIR)/var/chaos-report.jsonl PG_TEST_URL=$(PG_TEST_URL) \
	  .venv/bin/pytest -q -p no:cacheprovider -s tests/chaos tests/jobs/test_reliability_processes.py tests/jobs/test_worker_rescue.py \
	  tests/jobs/test_cancel_race.py tests/queue/test_stale_claim.py tests/ops/test_ops_truth.py \
	  tests/queue/test_dlq_race.py tests/api/test_upload_pool_shutdown.py tests/queue/test_sqs_stop.py \
	  tests/ops/test_ops_queue_create.py
	@echo "chaos figures: var/chaos-report.jsonl"

bench: install-backend
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf var frontend/dist
