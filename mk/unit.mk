# Module unit tests (botocore Stubber) for what the offline AWS cannot show.
.PHONY: test-unit
TEST_TARGETS += test-unit

test-unit: bootstrap ## module unit tests with botocore's Stubber
	$(PY) -m pytest -q tests/unit
