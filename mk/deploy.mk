# Blue/green deployments: ecs_blue_green, playbooks/deploy.yml and the rollback runbook.
# (The module's unit tests and integration targets run in test-unit and test-integration.)
.PHONY: test-playbooks-deploy bench-deploy
TEST_TARGETS += test-playbooks-deploy

test-playbooks-deploy: bootstrap ## deploy.yml and runbooks/rollback.yml against the offline AWS
	$(PY) -m pytest -q tests/playbooks/test_deploy_playbooks.py

bench-deploy: bootstrap ## figures: API calls and wall time of a blue/green deploy, overhead per step
	$(PY) benchmarks/deploy/run.py $(BENCH_ARGS)
