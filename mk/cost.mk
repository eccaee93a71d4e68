# The monthly cost estimate of each environment from its inventory (scripts/cost_report.py, unit
# prices in scripts/cost/unit_prices.yml). Its test runs in test-playbooks.
.PHONY: cost
COST_INVENTORIES ?= inventories/dev inventories/stage inventories/prod

cost: bootstrap ## estimated monthly AWS cost of dev, stage and prod (idle and at max autoscaling)
	$(PY) scripts/cost_report.py $(COST_INVENTORIES)
