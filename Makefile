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

# `make test` runs its targets in two lanes side by side (make -j2), each lane its targets in order:
# the whole stack (images, make up twice) and the molecule scenarios beside the rest (so that both
# lanes end together: the playbook tests grew by the drift and pipeline checks). Why lanes: the
# whole-stack targets are mostly one ansible process waiting on podman, pip and the offline AWS; the
# rest is CPU-bound pytest. One after the other they kept 1.15 of the 2 cores busy (27.7 min wall
# for 31 min of CPU); side by side 1.74 (18.6 min wall for 32 min of CPU). TEST_LANES=1 runs them
# one at a time, in this order (for a quiet machine or a bisect). The offline AWS's own tests
# (test-harness) and the integration targets end the stack lane: on 2026-12-02 the rest lane took
# 32.5 min with both, the stack lane 18; with the harness moved, 25.5 and 33.
TEST_LANE_STACK := test-e2e test-molecule-default test-molecule-ml test-harness test-integration
TEST_LANE_REST := test-lint test-unit test-sanity test-services test-playbooks
TEST_LANE_REST += $(filter-out $(TEST_LANE_STACK) $(TEST_LANE_REST),$(TEST_TARGETS))
TEST_LOGS := .build/test-logs
# Each target of a lane runs as test-run-<target>, after the one before it in its lane; its output
# goes to $(TEST_LOGS)/<target>.log, and --output-sync prints its result as one block when it ends
# (the last lines of its log, 400 of them when it failed). A failed target is written to
# $(TEST_LOGS)/failed and its lane goes on; `test` names them at the end and fails.
test_lane = $(if $(word 2,$(1)),$(eval test-run-$(word 2,$(1)): test-run-$(word 1,$(1)))$(call test_lane,$(wordlist 2,$(words $(1)),$(1))))
$(call test_lane,$(filter $(TEST_TARGETS),$(TEST_LANE_STACK)))
$(call test_lane,$(TEST_LANE_REST))

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
	@rm -rf $(TEST_LOGS) && mkdir -p $(TEST_LOGS); started=$$(date +%s); \
	echo "=== lanes: $(filter $(TEST_TARGETS),$(TEST_LANE_STACK)) | $(TEST_LANE_REST)"; \
	$(MAKE) --no-print-directory --output-sync=target -j$(if $(filter 1,$(TEST_LANES)),1,2) \
	  $(addprefix test-run-,$(lastword $(filter $(TEST_TARGETS),$(TEST_LANE_STACK))) $(lastword $(TEST_LANE_REST))); \
	echo "=== all test targets ran in $$(($$(date +%s) - started))s"; \
	if [ -s $(TEST_LOGS)/failed ]; then echo "=== FAILED: $$(tr '\n' ' ' <$(TEST_LOGS)/failed)"; exit 1; fi; \
	echo "=== every test target passed"

test-run-%:
	@started=$$(date +%s); lines=3; status=passed; \
	if ! $(MAKE) --no-print-directory -j1 $* >$(TEST_LOGS)/$*.log 2>&1; then \
	  status=FAILED; lines=400; echo $* >>$(TEST_LOGS)/failed; fi; \
	echo "=== $* $$status in $$(($$(date +%s) - started))s (full log: $(TEST_LOGS)/$*.log)"; \
	tail -n $$lines $(TEST_LOGS)/$*.log | sed 's/^/    /'
