# The two workloads the collection deploys: ml-model-service and backend-api.
.PHONY: test-services bench-services train-model
TEST_TARGETS += test-services

SERVICE_TESTS := services/common/tests services/ml-model-service/tests services/backend-api/tests

test-services: bootstrap ## pytest for ml-model-service and backend-api (every endpoint, protocol, error path)
	$(PY) -m pytest -q -p no:cacheprovider $(SERVICE_TESTS)

bench-services: bootstrap ## throughput/latency figures: both services vs the naive baseline (installs wrk if missing)
	@command -v wrk >/dev/null 2>&1 || { echo "installing wrk (Debian package)"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; \
	  else sudo apt-get install -y -qq wrk >/dev/null || { sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; }; fi; }
	$(PY) benchmarks/services/run.py --nice $(BENCH_NICE) $(BENCH_ARGS)

# The servers and wrk run ahead of the machine's other work (as root; BENCH_NICE=0 to measure the
# machine as it is): see benchmarks/services/README.md, "Why the chain seemed to collapse".
BENCH_NICE ?= -5

MODEL_DIR ?= .build/model
train-model: bootstrap ## train the default model bundle into $(MODEL_DIR) (model.tar.gz + metadata.json)
	cd services/ml-model-service && $(PY) -m ml_model_service.training.train --output $(abspath $(MODEL_DIR)) $(TRAIN_ARGS)
