# mlops.aws_deploy: one entry point for users, developers and CI.
#   make up      the whole stack on the offline AWS, ending with a real prediction
#   make test    every test, from a fresh machine (CI runs exactly this)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(CURDIR)/$(VENV)/bin/python
BIN := $(CURDIR)/$(VENV)/bin
STATE := $(CURDIR)/.offline-aws
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(BIN):$(PATH)

# Each area's fragment adds its own targets and appends its test target to TEST_TARGETS.
TEST_TARGETS :=
include $(sort $(wildcard mk/*.mk))

# The order `make test` runs them in: fast and independent first, the whole stack last.
TEST_ORDER := test-lint test-harness test-services test-unit test-sanity test-integration test-playbooks test-molecule test-e2e
ORDERED_TESTS := $(foreach t,$(TEST_ORDER),$(filter $(t),$(TEST_TARGETS))) $(filter-out $(TEST_ORDER),$(TEST_TARGETS))

.PHONY: help bootstrap aws-up aws-down aws-reset test
help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^[^:]*:([a-z-]+):.*## /\1\t/' | sort

bootstrap: ## create .venv from pinned requirements and link the collection
	@scripts/bootstrap.sh

aws-up: bootstrap ## start the offline AWS (moto) on a free loopback port
	@$(PY) -m offline_aws start --state-dir $(STATE)

aws-down: ## stop the offline AWS
	@$(PY) -m offline_aws stop --state-dir $(STATE)

aws-reset: ## clear every resource in the offline AWS
	@$(PY) -m offline_aws reset --state-dir $(STATE)

test: bootstrap ## run every test (lint, services, units, sanity, integration, playbooks, molecule, e2e)
	@started=$$(date +%s); failed=""; \
	for target in $(ORDERED_TESTS); do \
	  echo "=== make $$target"; t0=$$(date +%s); \
	  if $(MAKE) --no-print-directory $$target; then \
	    echo "=== $$target passed in $$(( $$(date +%s) - t0 ))s"; \
	  else \
	    echo "=== $$target FAILED after $$(( $$(date +%s) - t0 ))s"; failed="$$failed $$target"; \
	  fi; \
	done; \
	echo "=== all test targets ran in $$(( $$(date +%s) - started ))s"; \
	if [ -n "$$failed" ]; then echo "=== FAILED:$$failed"; exit 1; fi; \
	echo "=== every test target passed"
