# Blue/green deployments: ecs_blue_green, playbooks/deploy.yml and the rollback runbook.
# (The module's unit tests and integration targets run in test-unit and test-integration.)
# (deploy.yml and the rollback runbook are tested in test-playbooks.)
.PHONY: bench-deploy

bench-deploy: bootstrap ## figures: API calls and wall time of a blue/green deploy, overhead per step
	$(PY) benchmarks/deploy/run.py $(BENCH_ARGS)
