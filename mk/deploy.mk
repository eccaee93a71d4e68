# Blue/green deployments: ecs_blue_green, playbooks/deploy.yml and the rollback runbook.
# (The module's unit tests and integration targets run in test-unit and test-integration.)
# (deploy.yml and the rollback runbook are tested in test-playbooks.)
.PHONY: bench-deploy

bench-deploy: bootstrap ## figures: API calls and wall time of a blue/green deploy, overhead per step
	$(PY) benchmarks/deploy/run.py $(BENCH_ARGS)

.PHONY: test-throttling
# Not in `make test` (21 min on a loaded 2-core machine, 2026-12): ten deploys at 30% throttling and infra.yml at 10% (converge, re-run
# changed=0). test-playbooks keeps one of the throttled deploys and one throttle in each wait.
test-throttling: bootstrap ## deploy.yml 10 times at 30% throttling, infra.yml converge + re-run at 10%
	THROTTLED_DEPLOYS=10 $(PY) -m pytest -q tests/playbooks/test_infra_throttling.py \
		tests/playbooks/test_deploy_playbooks.py -k "throttl"

.PHONY: test-crashes
# test-playbooks runs three of the crash phases; this runs every one (about 5 min).
test-crashes: bootstrap ## kill deploy.yml's runner at each phase (scale-up, canary, bake, rollback), re-run, check the outcome
	CRASH_TESTS=all $(PY) -m pytest -q tests/playbooks/test_deploy_crashes.py
