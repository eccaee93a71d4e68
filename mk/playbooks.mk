# Playbook-level tests: each playbook run as a user would, against a fresh offline AWS
# (tests/playbooks/conftest.py). test_images.py and test_image_promotion.py need podman/skopeo and the
# registry (make images-bootstrap): they run with the e2e test.
.PHONY: test-playbooks
TEST_TARGETS += test-playbooks

test-playbooks: bootstrap ## every playbook against the offline AWS: converge, re-run unchanged, check mode, bad input
	$(PY) -m pytest -q -n 2 --dist load tests/playbooks --ignore tests/playbooks/test_images.py --ignore tests/playbooks/test_image_promotion.py --ignore tests/playbooks/test_teardown.py --ignore tests/playbooks/test_infra_throttling.py
