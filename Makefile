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

# `make test` runs its targets in two lanes side by side (scripts/run_tests.sh says why): the
# whole stack (images, make up twice) and the molecule scenarios beside the rest (so that both lanes
# end together: the playbook tests grew by the drift and pipeline checks). TEST_LANES=1 runs them
# all in one lane, in this order.
TEST_LANE_STACK := test-e2e test-molecule-default test-molecule-ml
TEST_LANE_REST := test-lint test-unit test-sanity test-services test-harness test-integration test-playbooks
TEST_LANE_REST += $(filter-out $(TEST_LANE_STACK) $(TEST_LANE_REST),$(TEST_TARGETS))

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
	@MAKE="$(MAKE)" scripts/run_tests.sh "$(filter $(TEST_TARGETS),$(TEST_LANE_STACK))" "$(TEST_LANE_REST)"
