# The offline AWS harness and its extensions.
.PHONY: test-harness test-lint lint
TEST_TARGETS += test-lint test-harness

test-harness: bootstrap images-bootstrap ## the offline AWS harness and each of its extensions (the live ones run podman and HAProxy)
	$(PY) -m pytest -q tests/harness

lint: test-lint
test-lint: bootstrap ## ruff on all Python, ansible-lint (production profile) on roles and playbooks
	$(BIN)/ruff check .
	$(BIN)/ansible-lint --profile production --offline

.PHONY: bench-iam
IAM_LOG := $(CURDIR)/.build/iam-actions.jsonl
bench-iam: bootstrap ## figures: per actor, API calls and distinct IAM actions used vs granted (test_iam_actors.py + test_deployer_policy.py, ~6 min)
	mkdir -p .build && rm -f $(IAM_LOG)
	OFFLINE_AWS_ACTION_LOG=$(IAM_LOG) $(PY) -m pytest -q -p no:cacheprovider -n 2 tests/playbooks/test_iam_actors.py tests/playbooks/test_deployer_policy.py
	$(PY) benchmarks/iam/report.py $(IAM_LOG) --policy deployer=policies/deployer.json $(BENCH_ARGS)

.PHONY: bench-reset
bench-reset: bootstrap ## figures: the harness's reset between two tests (and the first calls after it), moto's against ours, medians
	PYTHONPATH=$(CURDIR) $(PY) benchmarks/reset/run.py $(BENCH_ARGS)
