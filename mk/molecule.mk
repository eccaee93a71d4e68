# Molecule scenarios (molecule/*/molecule.yml), each against an offline AWS of its own, and the
# infrastructure playbooks' tests and benchmark.
MOLECULE_SCENARIOS = $(sort $(patsubst molecule/%/molecule.yml,%,$(wildcard molecule/*/molecule.yml)))
# One test target per scenario, so that `make test` can put them in different lanes.
MOLECULE_TARGETS := $(addprefix test-molecule-,$(MOLECULE_SCENARIOS))
.PHONY: test-molecule $(MOLECULE_TARGETS) bench-infra
TEST_TARGETS += $(MOLECULE_TARGETS)
# (tests/playbooks/test_infra_playbooks.py runs in test-playbooks, mk/playbooks.mk.)

test-molecule: $(MOLECULE_TARGETS) ## every molecule scenario (converge, idempotence, verify), one after the other

$(MOLECULE_TARGETS): test-molecule-%: bootstrap ## one molecule scenario: molecule test -s <scenario>
	$(BIN)/molecule test -s $*

bench-infra: bootstrap ## figures: wall time and AWS API calls of a full converge and of a no-op re-run (medians of 3)
	$(PY) benchmarks/infra/run.py $(BENCH_ARGS)
