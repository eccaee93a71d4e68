# Molecule scenarios (molecule/*/molecule.yml), each against an offline AWS of its own, and the
# infrastructure playbooks' tests and benchmark.
.PHONY: test-molecule bench-infra
TEST_TARGETS += test-molecule
# (tests/playbooks/test_infra_playbooks.py runs in test-playbooks, mk/playbooks.mk.)

MOLECULE_SCENARIOS = $(sort $(patsubst molecule/%/molecule.yml,%,$(wildcard molecule/*/molecule.yml)))

test-molecule: bootstrap ## every molecule scenario (converge, idempotence, verify), one after the other; stops at the first failure
	@for scenario in $(MOLECULE_SCENARIOS); do \
	  echo "=== molecule test -s $$scenario"; \
	  $(BIN)/molecule test -s $$scenario || { echo "=== molecule scenario $$scenario FAILED"; exit 1; }; \
	done

bench-infra: bootstrap ## figures: wall time and AWS API calls of a full converge and of a no-op re-run (medians of 3)
	$(PY) benchmarks/infra/run.py $(BENCH_ARGS)
