"""scripts/cost_report.py on every inventory: the monthly estimate from the inventory's own sizes
and the dated unit prices of scripts/cost/unit_prices.yml (no AWS call)."""

import json
import subprocess
import sys

import pytest
import yaml

from tests.playbooks.conftest import REPO

INVENTORIES = sorted(p.name for p in (REPO / "inventories").iterdir() if (p / "hosts.yml").exists())
PRICES = yaml.safe_load((REPO / "scripts/cost/unit_prices.yml").read_text())


def cost(*args):
    command = [sys.executable, str(REPO / "scripts/cost_report.py"), *args]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def reports():
    result = cost("--json", *(f"inventories/{name}" for name in INVENTORIES))
    assert result.returncode == 0, result.stderr
    return {r["environment"]: r for r in json.loads(result.stdout)}


def test_every_inventory_has_an_estimate_with_the_prices_date(reports):
    assert sorted(reports) == sorted(INVENTORIES)
    for name, report in reports.items():
        assert report["prices_as_of"] == PRICES["as_of"], name
        assert 0 < report["idle"] <= report["max"], name
        assert {line["item"] for line in report["lines"]} >= {
            "NAT gateways",
            "Load balancer",
            "Internal load balancer",
            "Fargate backend",
            "Fargate ml",
        }
        assert report["idle"] == pytest.approx(sum(line["idle"] for line in report["lines"]), abs=0.05)


def test_the_estimate_follows_the_inventory(reports):
    price, hours = PRICES["regions"]["us-east-1"], PRICES["hours_per_month"]
    lines = {name: {line["item"]: line for line in report["lines"]} for name, report in reports.items()}
    # prod: one NAT gateway per zone, 3 on-demand tasks of each service idle, 12 at most.
    assert lines["prod"]["NAT gateways"]["idle"] == pytest.approx(
        2 * lines["dev"]["NAT gateways"]["idle"] - PRICES["assumptions"]["nat_gb_per_month"] * price["nat_gateway_gb"],
        abs=0.02,
    )
    backend_task = hours * (0.25 * price["fargate_vcpu_hour"] + 0.5 * price["fargate_gb_hour"])
    assert lines["prod"]["Fargate backend"]["idle"] == pytest.approx(3 * backend_task, abs=0.02)
    assert lines["prod"]["Fargate backend"]["max"] == pytest.approx(12 * backend_task, abs=0.02)
    # stage: base 1 on FARGATE, the rest 1:3 with FARGATE_SPOT at its discount.
    spot = 1 - price["fargate_spot_discount"]
    assert lines["stage"]["Fargate backend"]["idle"] == pytest.approx(backend_task * (1 + 0.25 + 0.75 * spot), abs=0.02)
    # The ML service's internal load balancer: an ALB's hours and LCUs, no public IPv4.
    internal_alb = hours * (price["alb_hour"] + PRICES["assumptions"]["alb_idle_lcus"] * price["alb_lcu_hour"])
    assert lines["prod"]["Internal load balancer"]["idle"] == pytest.approx(internal_alb, abs=0.02)
    # ECS serving everywhere: the endpoint is shown as what sagemaker would add, not counted.
    assert all("SageMaker endpoint" not in items for items in lines.values())
    assert reports["prod"]["sagemaker_if_enabled"]["idle"] == pytest.approx(
        2 * hours * price["sagemaker_instance_hour"]["ml.m5.xlarge"], abs=0.02
    )


def test_an_instance_type_without_a_price_is_named(tmp_path):
    prices = dict(PRICES, regions={"us-east-1": dict(PRICES["regions"]["us-east-1"], sagemaker_instance_hour={})})
    (tmp_path / "prices.yml").write_text(yaml.safe_dump(prices))
    result = cost("--prices", str(tmp_path / "prices.yml"), "inventories/prod")
    assert result.returncode != 0
    assert "prod: no unit price for SageMaker ml.m5.xlarge in the data file" in result.stderr
