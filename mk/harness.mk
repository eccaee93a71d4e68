# The offline AWS harness and its extensions.
.PHONY: test-harness test-lint lint haproxy
TEST_TARGETS += test-lint test-harness

haproxy: ## HAProxy for the live load balancer (apt), installed only when missing
	@[ -x /usr/sbin/haproxy ] || { sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q haproxy >/dev/null 2>&1 || \
	  { $$sudo apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q haproxy >/dev/null; }; }

test-harness: bootstrap haproxy ## the offline AWS harness and each of its extensions (the live load balancer runs HAProxy)
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
