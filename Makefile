# Deploy a Python Lambda that reads its secrets through the Parameters and Secrets
# extension. `make help` lists the targets; ENV=sandbox (default) runs against a local
# moto server, ENV=<env> against your AWS account (terraform/envs/aws/<env>.tfvars).
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

ENV ?= sandbox
SANDBOX_PORT ?= 4599
# User input reaches the scripts through the environment, never interpolated into a shell command.
export SANDBOX_PORT ENV APP NAME FILE EVENT EVENT_FILE CONFIRM FAIL_ON VERBOSE NO_WAIT SCAN
export ROLE ACCOUNT REPO  # make ci-policy

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The standard-library steps every target starts with (the checkout lock, check-env) run on the project's
# interpreter once setup made it: a version manager's shim (pyenv's) costs about 0.1 s per make otherwise.
BOOT_PY := $(if $(wildcard $(STAMP)),$(PY),$(PYTHON))
# Defined before the rules that name it: prerequisites are expanded as the Makefile is read.
BENCH_STAMP := .venv-bench/.installed
# pytest-xdist workers: two per core, as the e2e and reliability tests' deploys wait on Terraform much of
# their time (measured in docs/testing.md, "Where the time goes").
PYTEST_WORKERS ?= $(shell echo $$(( $$(getconf _NPROCESSORS_ONLN) * 2 )))

.PHONY: help check-env setup package sandbox-up sandbox-down sandbox-status plan apply deploy put-secret \
	smoke rotate invoke migrate destroy test test-fast test-unit lint schema tf-test docs bench bench-apps clean ci-policy

# One command at a time per checkout (scripts/checkout_lock.py): a top-level make whose goals
# change the sandbox, the state, build/ or the saved plans re-runs itself holding the lock
# .sandbox/lock-$(SANDBOX_PORT), which its recipes inherit. A second one waits, saying for
# whom; NO_WAIT=1 stops instead. sandbox-status, help and the other goals do not lock.
LOCKED_GOALS := setup package sandbox-up sandbox-down plan apply deploy put-secret smoke rotate invoke migrate destroy lint tf-test clean client-layer
ifneq ($(filter $(LOCKED_GOALS),$(MAKECMDGOALS)),)
ifneq ($(SANDBOX_LOCK),$(realpath $(CURDIR))/.sandbox/lock-$(SANDBOX_PORT))
export SANDBOX_LOCK_GOALS := $(MAKECMDGOALS)
export SANDBOX_LOCK_MAKE := $(MAKE)
SANDBOX_LOCKING := 1
$(firstword $(MAKECMDGOALS)):
	+@$(BOOT_PY) -m scripts.checkout_lock
$(wordlist 2,$(words $(MAKECMDGOALS)),$(MAKECMDGOALS)):
	@:
endif
endif
ifndef SANDBOX_LOCKING

help: ## List the targets
	@echo "usage: make <target> [ENV=sandbox|<aws env>] [SANDBOX_PORT=$(SANDBOX_PORT)] [VERBOSE=1] [NO_WAIT=1]"
	@echo "one command at a time per checkout: a second one waits (NO_WAIT=1: stops at once); see docs/sandbox.md"
	@awk 'BEGIN { FS = ":.*## " } /^##@/ { printf "\n%s\n", substr($$0, 5) } \
	  /^[a-z-]+:.*## / { printf "  %-16s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

##@ Daily (ENV=sandbox by default)
deploy: check-env setup package ## The whole flow for every app: sandbox, package, plan, apply, demo values, smoke (FAIL_ON=high: no apply past a high risk)
	@$(PY) -m scripts.cli deploy

plan: check-env setup package ## Plan every app, save build/plans/<ENV>.tfplan (private), review it (FAIL_ON=high for CI; SCAN=0 skips checkov)
	@$(PY) -m scripts.cli plan

apply: check-env setup ## Apply the saved plan and nothing else (ENV=prod needs CONFIRM=prod)
	@$(PY) -m scripts.cli apply

put-secret: check-env setup ## Set a value out-of-band: NAME=/env/app/scope/name < file (or FILE=path)
	@$(PY) -m scripts.cli put-secret

smoke: check-env setup ## Invoke every app's function (APP=name: one) and check what it read and was refused
	@$(PY) -m scripts.cli smoke

rotate: check-env setup ## Rotate opted-in secrets now: NAME=/env/app/scope/name, APP=name, or all (NO_WAIT=1)
	@$(PY) -m scripts.cli rotate

invoke: check-env setup ## Invoke APP's function: EVENT='{...}' or EVENT_FILE=path; prints result and log, masked
	@$(PY) -m scripts.cli invoke

migrate: check-env setup ## Move a single-app ENV (tfvars and state) to the apps map, replacing nothing
	@$(PY) -m scripts.cli migrate

destroy: check-env setup package ## Destroy the deployment (AWS environments need CONFIRM=<env>)
	@$(PY) -m scripts.cli destroy

##@ The sandbox
sandbox-up: setup ## Start the local AWS (moto server on 127.0.0.1:SANDBOX_PORT)
	@$(PY) -m scripts.sandbox.server up

sandbox-down: ## Stop the sandbox this checkout started (it forgets every resource)
	@if [ -x $(PY) ]; then $(PY) -m scripts.sandbox.server down; else echo "sandbox is not running"; fi

sandbox-status: ## Is the sandbox up?
	@$(PY) -m scripts.sandbox.server status

##@ Develop
test: setup ## Run the whole test suite, two workers per core (unit, functional, e2e, reliability)
	@$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile

test-fast: setup ## Run the unit, oracle and functional tests, two workers per core: the tier for every edit
	@$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile -m "not e2e and not reliability"

test-unit: setup ## Run the unit and oracle tests only (no moto server, no Terraform)
	@$(PY) -m pytest -m "not e2e and not functional and not reliability"

lint: sandbox-up package ## Check without changing files: ruff, fmt, validate, schema check, checkov, docs
	@$(PY) -m ruff check scripts lambda_src tests
	@$(PY) -m ruff format --check scripts lambda_src tests
	@$(PY) -m scripts.lint

schema: setup ## Check the AWS root, modules, stack and examples against the aws 6.69.1 schema, offline
	@$(PY) -m scripts.schema_check

tf-test: sandbox-up ## Run every module's native Terraform tests against the sandbox
	@$(PY) -m scripts.module_tests

bench-apps: setup ## How deploy, plan and smoke grow with 1, 5 and 20 sandbox apps (docs/scale.md; minutes)
	@$(PY) -m scripts.bench_apps

docs: setup ## Regenerate the inputs/outputs tables in the module READMEs
	@$(PY) -m scripts.module_docs

ci-policy: setup ## A CI role's IAM policy as JSON (ENV= ACCOUNT= ROLE=plan|apply; REPO=owner/name: trust)
	@$(PY) -m scripts.ci policy

bench: setup $(BENCH_STAMP) ## Time to first value, backend and billed calls vs the alternatives (docs/benchmarks.md)
	@.venv-bench/bin/python -m scripts.bench

package: check-env setup ## Build each app's zip, build/packages/<ENV>/<app>.zip (byte-identical for the same sources)
	@$(PY) -m scripts.package

.PHONY: client-layer
client-layer: setup ## Build build/secrets-client-layer.zip: the client as a Lambda layer (byte-identical)
	@$(PY) -m scripts.client_layer

setup: $(STAMP) ## Virtual environment, terraform command, offline AWS provider (idempotent)
	@$(PY) -m scripts.toolchain setup

clean: sandbox-down ## Remove build output and sandbox state (keeps the virtual environments)
	rm -rf build
	@find .sandbox -mindepth 1 -maxdepth 1 ! -name 'lock-*' -exec rm -rf {} + 2>/dev/null || true

check-env:  # before any setup too: the system Python suffices here (standard library only)
	@$(BOOT_PY) -m scripts.cli check-env

$(STAMP): requirements.txt constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: Python 3.11+ is needed (found " + sys.version.split()[0] + "); install it or run make PYTHON=python3.11")'
	@echo "==> [setup 1/2] virtual environments: $(VENV) (the pinned dependencies) and, beside it,"
	@echo "    .venv-checkov (the policy scanner; its pins clash with boto3's): about 40 s, once"
	@$(PYTHON) -m scripts.checkov install & checkov=$$!; \
	  $(PYTHON) -m venv $(VENV) && $(PY) -m pip install -qq --disable-pip-version-check -r requirements.txt -c constraints.txt; \
	  status=$$?; wait $$checkov || echo "warning: checkov's environment failed; make plan retries it"; exit $$status
	@echo "==> [setup 2/2] terraform and the offline AWS provider"
	@touch $@

$(BENCH_STAMP): requirements-bench.txt
	@echo "==> benchmark environment .venv-bench (the alternatives measured, matplotlib)"
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	@touch $@

endif # SANDBOX_LOCKING
