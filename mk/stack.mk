# The whole stack offline: `make up` (the README's first command), `make down`, the e2e test and
# the make-up benchmark. See docs/local-stack.md.
.PHONY: up down aws-up-live images-bootstrap registry-up registry-down test-e2e bench-up
TEST_TARGETS += test-e2e

LOCAL_INV := inventories/local
# The playbooks `make up` converges, in order: the whole site, which with model_train_only_first
# also trains a first model and, on inventories/local, runs the local containers (in one
# ansible-playbook run: each run costs a start-up and the lanes cannot reach across runs).
STACK_PLAYBOOKS ?= site
# env.sh is written by `offline_aws start` (aws-up); `offline_aws env` probes the server with a 2 s
# timeout, which a loaded machine can miss.
AWS_ENV = source $(STATE)/env.sh

images-bootstrap: ## install podman/buildah/skopeo/runc/debootstrap/docker-registry when missing; podman config; base image
	@scripts/bootstrap_images.sh

registry-up: ## start the local image registry (docker-registry on 127.0.0.1:5000)
	@scripts/images/registry.sh start

registry-down: ## stop the local image registry and remove its blobs
	@scripts/images/registry.sh stop

# The offline AWS of `make up` runs the stack like AWS (offline_aws/live/): an ECS agent runs each
# service's tasks as podman containers and registers them in their target groups, HAProxy serves
# the load balancers' listeners and rules, health-checks the targets and feeds the ALB metrics.
aws-up-live: bootstrap images-bootstrap
	@$(PY) -m offline_aws start --state-dir $(STATE) --live

up: bootstrap images-bootstrap aws-up-live registry-up ## the whole stack offline (ECS tasks as containers behind HAProxy), ending with a real prediction through the load balancer (and playbooks/smoke_test.yml)
	@$(AWS_ENV); export ANSIBLE_NOCOLOR=$${ANSIBLE_NOCOLOR:-0}; \
	tag=$$(scripts/images/source_tag.sh); echo "=== image tag $$tag"; \
	for name in $(STACK_PLAYBOOKS); do \
	  playbook=playbooks/$$name.yml; \
	  echo "=== ansible-playbook $$playbook -i $(LOCAL_INV)"; \
	  $(BIN)/ansible-playbook $$playbook -i $(LOCAL_INV) -e image_tag=$$tag -e model_train_only_first=true $(UP_ARGS); \
	done; \
	$(PY) scripts/show_prediction.py; \
	echo "=== ansible-playbook playbooks/smoke_test.yml -i $(LOCAL_INV)"; \
	$(BIN)/ansible-playbook playbooks/smoke_test.yml -i $(LOCAL_INV) $(UP_ARGS)

down: ## stop what make up started (the offline AWS with its agent's containers and HAProxy, the registry: by id/PID) and remove their state
	@scripts/images/registry.sh stop
	@$(PY) -m offline_aws stop --state-dir $(STATE) || true
	@rm -rf $(STATE) .build/containers/run .build/containers/tmp

test-e2e: bootstrap images-bootstrap ## bad-input image cases, then make up from nothing to a prediction, the registry, the pipeline, then make down (about 6 min cold)
	$(PY) -m pytest -q -p no:cacheprovider tests/playbooks/test_images.py tests/playbooks/test_image_promotion.py tests/e2e

bench-up: bootstrap ## cold and warm make up wall time, image sizes (figures, not assertions)
	$(PY) benchmarks/up/run.py $(BENCH_ARGS)

.PHONY: bench-deploy-live
bench-deploy-live: bootstrap images-bootstrap ## figures: deploys under a steady load on the live local stack (requests served/failed per phase, seconds to roll back, wall time; make up + make down included, ~10 min)
	$(PY) -m pytest -q -s -p no:cacheprovider tests/e2e/test_rollouts_under_load.py tests/e2e/test_stack_down.py $(BENCH_ARGS) | grep -E '^=== |passed|failed'
