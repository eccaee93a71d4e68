# Integration targets (tests/integration/targets/*) against the offline AWS, one fresh state each.
.PHONY: test-integration
TEST_TARGETS += test-integration

test-integration: bootstrap ## every integration target against the offline AWS
	$(PY) -m pytest -q -n 2 --dist load tests/integration
