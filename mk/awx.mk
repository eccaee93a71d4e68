# Running it the way AWX/AAP users do: the project's collections, job templates as code run by
# ansible-runner, the execution environment; and the slow teardown check.
.PHONY: test-awx test-teardown test-ee
TEST_TARGETS += test-awx

test-awx: bootstrap ## collection metadata and tarball; AWX project sync; job templates run by ansible-runner
	$(PY) -m pytest -q tests/collection tests/awx

test-teardown: bootstrap ## teardown.yml after pipeline.yml + ml.yml, twice, site.yml again; then with the models, twice, site.yml again (about 10 min)
	$(PY) -m pytest -q tests/playbooks/test_teardown.py

# Not in TEST_TARGETS: a cold build takes minutes (pip download, apt in the build). Run it under
# `flock /tmp/stack.lock make test-ee` (podman), like test-e2e.
test-ee: bootstrap collection images-bootstrap ## ansible-builder build of the EE with podman, offline; status.yml run inside it
	scripts/ee/build_offline.sh
	$(PY) -m pytest -q tests/ee
