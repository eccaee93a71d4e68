# The offline AWS harness and its extensions.
.PHONY: test-harness test-lint lint
TEST_TARGETS += test-lint test-harness

test-harness: bootstrap ## the offline AWS harness and each of its extensions
	$(PY) -m pytest -q tests/harness

lint: test-lint
test-lint: bootstrap ## ruff on all Python, ansible-lint (production profile) on roles and playbooks
	$(BIN)/ruff check .
	$(BIN)/ansible-lint --profile production --offline
