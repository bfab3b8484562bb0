# Deploy a Python Lambda that reads its secrets through the Parameters and Secrets
# extension. `make help` lists the targets; ENV=sandbox (default) runs against a local
# moto server, ENV=dev against your AWS account.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

ENV ?= sandbox
SANDBOX_PORT ?= 4599
# Reach the scripts through the environment, never interpolated into a shell command.
export SANDBOX_PORT ENV NAME FILE CONFIRM FAIL_ON VERBOSE

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help lint schema docs tf-test bench rotate setup sandbox-up sandbox-down sandbox-status package plan apply deploy put-secret smoke destroy test test-unit clean check-env

help: ## List the targets
	@echo "usage: make <target> [ENV=sandbox|dev|prod|...] [SANDBOX_PORT=$(SANDBOX_PORT)]"
	@echo
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  %-15s %s\n", $$1, $$2 }'

check-env:  # before any setup: the system Python suffices (scripts.cli imports the standard library only here)
	@$(PYTHON) -m scripts.cli check-env

$(STAMP): requirements.txt constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: Python 3.11+ is needed (found " + sys.version.split()[0] + "); install it or run make PYTHON=python3.11")'
	@echo "==> virtual environment $(VENV) with the pinned dependencies"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	@touch $@

setup: $(STAMP) ## Virtual environment, terraform command, offline AWS provider (idempotent)
	@$(PY) -m scripts.toolchain setup

sandbox-up: setup ## Start the local AWS sandbox (moto server on 127.0.0.1:SANDBOX_PORT)
	@$(PY) -m scripts.sandbox.server up

sandbox-down: ## Stop the sandbox (it forgets every resource)
	@if [ -x $(PY) ]; then $(PY) -m scripts.sandbox.server down; else echo "sandbox is not running"; fi

sandbox-status: ## Is the sandbox up?
	@$(PY) -m scripts.sandbox.server status

package: setup ## Build build/function.zip (byte-identical for the same sources)
	@$(PY) -m scripts.package

plan: check-env setup package ## Plan and save build/plans/<ENV>.tfplan (mode 0600); print the review
	@$(PY) -m scripts.cli plan

apply: check-env setup ## Apply the saved plan (and nothing else; ENV=prod needs CONFIRM=prod)
	@$(PY) -m scripts.cli apply

deploy: check-env setup package ## The whole flow: setup, sandbox, package, plan, apply, demo values, smoke
	@$(PY) -m scripts.cli deploy

put-secret: check-env setup ## Set a value out-of-band: make put-secret NAME=/env/app/scope/name < file (or FILE=path)
	@$(PY) -m scripts.cli put-secret

rotate: check-env setup ## Rotate the app's secrets now (sandbox: the four steps through the local runner)
	@$(PY) -m scripts.cli rotate

smoke: check-env setup ## Invoke the deployed function and check what it read (pass/fail table)
	@$(PY) -m scripts.cli smoke

destroy: check-env setup package ## Destroy the deployment (ENV=dev|prod needs CONFIRM=<env>)
	@$(PY) -m scripts.cli destroy

test: setup ## Run the whole test suite (unit, functional, end-to-end)
	@$(PY) -m pytest

test-unit: setup ## Run the unit tests only (no moto server, no Terraform; a few seconds)
	@$(PY) -m pytest -m "not e2e and not functional"

lint: sandbox-up package ## Check without changing files: ruff, fmt, validate (sandbox bridge and the aws 6.69.1 schema), checkov
	@$(PY) -m ruff check scripts lambda_src tests
	@$(PY) -m ruff format --check scripts lambda_src tests
	@$(PY) -m scripts.lint

schema: setup ## Check the AWS root, modules, stack and examples against the hashicorp/aws 6.69.1 schema, offline
	@$(PY) -m scripts.schema_check

docs: setup ## Regenerate the inputs/outputs tables in the module READMEs
	@$(PY) -m scripts.module_docs

tf-test: sandbox-up ## Run every module's native Terraform tests against the sandbox
	@$(PY) -m scripts.module_tests

BENCH_STAMP := .venv-bench/.installed
$(BENCH_STAMP): requirements-bench.txt
	@echo "==> benchmark environment .venv-bench (the alternatives measured, matplotlib)"
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	@touch $@

bench: setup $(BENCH_STAMP) ## Benchmarks side by side: cold start, API calls, warm latency, deploy (build/bench/)
	@.venv-bench/bin/python -m scripts.bench

clean: sandbox-down ## Remove build output and sandbox state (keeps the virtual environment)
	rm -rf build .sandbox
