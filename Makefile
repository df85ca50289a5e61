# GAS. `make run` starts the embedded stack; `make test` runs every check. Both install what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := 3.11
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
PYPROJECTS := pyproject.toml shared/pyproject.toml tools/pyproject.toml $(wildcard services/*/pyproject.toml)

.PHONY: help install run test browser-deps lint typecheck unit integration schemas provision bench-startup bench-restore bench-pipeline bench-web bench-fairness test-localstack test-chaos test-containers check-deploy clean

help:
	@echo "make run          the embedded stack: moto server + the five services (Ctrl-C stops it)"
	@echo "make test         lint, types, schema drift, unit and integration tests"
	@echo "make unit         unit tests only (no emulator)"
	@echo "make integration  integration tests against a real AWS emulator (GAS_TEST_BACKEND)"
	@echo "make test-localstack  the integration tests against LocalStack (testcontainers)"
	@echo "make test-chaos   faults under load: every job COMPLETED, no effect lost or doubled (~4.5 min)"
	@echo "make test-containers  build the images, docker compose up, a job and an archive/restore through it"
	@echo "make check-deploy     offline checks: hadolint, the compose spec, kustomize output, KEDA objects"
	@echo "make schemas      regenerate shared/schemas/ from the message code"
	@echo "make bench-startup    cold/warm start time of make run and idle RSS"
	@echo "make bench-restore    upgrade to all of a user's 20 archived results downloadable again"
	@echo "make bench-pipeline   latency, throughput with 1/2/4 annotators, restore time, RSS, through the API"
	@echo "make bench-web        Locust against the web app: one user with 1,000 jobs (p50/p95, errors)"
	@echo "make bench-fairness   another user's job beside one user's burst of 100 (delay against one job's time)"

# uv itself comes from PyPI into a private venv, so a fresh machine needs only python3.
$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) uv.lock $(PYPROJECTS)
	$(UV) sync --all-packages --frozen --compile-bytecode
	@touch $@

install: $(VENV)/.synced

run: install
	$(BIN)/gas run

test: lint typecheck browser-deps
	$(BIN)/pytest

# Debian's chromium for the browser tests (Playwright drives it; it never downloads a browser of its own).
CHROMIUM := /usr/bin/chromium
browser-deps:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "no $(CHROMIUM) and no root apt-get to install it: the browser tests will be skipped"; fi; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/gas schemas --check

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest -m "not integration"

integration: install
	$(BIN)/pytest -m integration

# The same integration suite against a LocalStack container (testcontainers). Needs a Docker-compatible
# engine; on machines without Docker, ../shared/tools/container-engine provides one.
CONTAINER_ENGINE := ../shared/tools/container-engine
test-localstack: install
	if ! docker info >/dev/null 2>&1 && [ -x $(CONTAINER_ENGINE) ]; then $(CONTAINER_ENGINE) up; fi
	if [ -x $(CONTAINER_ENGINE) ]; then eval "$$($(CONTAINER_ENGINE) env)"; fi; \
	  GAS_TEST_BACKEND=localstack $(BIN)/pytest -m integration

schemas: install
	$(BIN)/gas schemas

provision: install
	$(BIN)/gas provision

clean:
	rm -rf $(VENV) $(TOOLS) .run .pytest_cache .ruff_cache .mypy_cache

bench-startup: install
	$(BIN)/python bench/startup.py

bench-restore: install
	$(BIN)/python bench/restore.py --jobs 20 --rounds 3

# Faults under load (kill -9, a 30 s emulator outage, duplicates, poison, rolling restarts): ~4.5 min.
test-chaos: install
	$(BIN)/pytest tests/chaos

bench-pipeline: install
	$(BIN)/python bench/pipeline.py --latency-jobs 50 --window 60 --restore-jobs 20

bench-fairness: install
	$(BIN)/python bench/fairness.py --burst 100 --repeat 3

bench-web: install
	$(BIN)/python bench/web_load.py --jobs 1000 --users 20 --duration 60

# The five images, the compose stack (LocalStack + provisioning + the services, a 5 s retention window),
# tests/containers against it, then down. Needs a Docker-compatible engine, started as for test-localstack.
# The engine here can wedge, failing every container start with "write child: broken pipe" (podman/conmon):
# an engine that cannot start a bare container is restarted first, and `up` is tried twice.
COMPOSE := docker compose
test-containers: install
	if ! docker info >/dev/null 2>&1 && [ -x $(CONTAINER_ENGINE) ]; then $(CONTAINER_ENGINE) up; fi
	if [ -x $(CONTAINER_ENGINE) ]; then eval "$$($(CONTAINER_ENGINE) env)"; \
	  docker run --rm python:3.11-slim true >/dev/null 2>&1 || { $(CONTAINER_ENGINE) down; $(CONTAINER_ENGINE) up; }; fi
	mkdir -p test-output
	if [ -x $(CONTAINER_ENGINE) ]; then eval "$$($(CONTAINER_ENGINE) env)"; fi; \
	  export BUILDAH_FORMAT=docker GAS_FREE_RETENTION_SECONDS=5; \
	  $(COMPOSE) down -v --remove-orphans >/dev/null 2>&1; \
	  $(COMPOSE) build && { $(COMPOSE) up -d || { sleep 3; $(COMPOSE) up -d; }; } \
	    && $(BIN)/pytest -p no:cacheprovider tests/containers; code=$$?; \
	  $(COMPOSE) logs --no-color > test-output/compose.log 2>&1; \
	  docker images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^gas-' | sort > test-output/image-sizes.txt; \
	  cat test-output/image-sizes.txt; \
	  $(COMPOSE) down -v --remove-orphans; exit $$code
