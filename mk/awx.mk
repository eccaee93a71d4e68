# Running it the way AWX/AAP users do: the project's collections, job templates as code run by
# ansible-runner, the execution environment; and the slow teardown check.
.PHONY: test-awx test-teardown
TEST_TARGETS += test-awx

test-awx: bootstrap ## collection metadata and tarball; AWX project sync; job templates run by ansible-runner
	$(PY) -m pytest -q tests/collection tests/awx

test-teardown: bootstrap ## teardown.yml after pipeline.yml + ml.yml, twice, then with the models (several minutes)
	$(PY) -m pytest -q tests/playbooks/test_teardown.py
