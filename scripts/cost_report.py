#!/usr/bin/env python3
"""Estimate an environment's monthly AWS cost from its inventory, idle and at maximum autoscaling.

    scripts/cost_report.py inventories/prod [inventories/stage ...] [--prices scripts/cost/unit_prices.yml] [--json]

What it counts, from the inventory's variables (ansible-inventory, so group_vars and hosts.yml as
the playbooks see them): NAT gateways (one, or one per zone) and their public IPv4 addresses, the
ALB, the Fargate tasks of each app service at its cpu/memory (idle: max(desired_count,
ecs_service_autoscaling_min); max: ecs_service_autoscaling_max) split over the capacity providers
(FARGATE_SPOT at its discount), the SageMaker endpoint's instances when ml_serving is sagemaker,
CloudWatch Logs at the retention, alarms and dashboard, S3, ECR, Secrets Manager, KMS, CodePipeline.
The unit prices and the assumptions (idle traffic, log volume) come from one data file with its
date. No AWS call is made. Data transfer to users, and requests, are not counted (idle).
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
PRICES = REPO / "scripts" / "cost" / "unit_prices.yml"
# What the roles use when an inventory does not set it (roles/*/defaults/main.yml).
DEFAULTS = {
    "network_nat_gateway_per_az": False,
    "ecs_service_autoscaling_min": 1,
    "ecs_service_autoscaling_max": 4,
    "ecs_cluster_log_retention_days": 7,
    "ml_serving": "ecs",
    "sagemaker_instance_count": 1,
    "sagemaker_autoscaling": {},
    "pipeline_enabled": False,
    "ecr_keep_last_images": 20,
    "ecs_service_capacity_provider_strategy": [{"capacity_provider": "FARGATE", "base": 0, "weight": 1}],
}


def inventory_vars(inventory):
    """localhost's variables as ansible-inventory merges them (not templated)."""
    ansible_inventory = Path(sys.executable).parent / "ansible-inventory"
    command = [
        str(ansible_inventory if ansible_inventory.exists() else "ansible-inventory"),
        "-i",
        str(inventory),
        "--host",
        "localhost",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    if result.returncode != 0:
        raise SystemExit(f"{inventory}: ansible-inventory failed: {result.stderr.strip()}")
    return {**DEFAULTS, **json.loads(result.stdout)}


def split_tasks(count, strategy):
    """(on-demand, spot) task counts of `count` tasks under an ECS capacity provider strategy:
    each provider's base first, the rest by weight (fractions: an average over placements)."""
    on_demand = spot = 0.0
    remaining = float(count)
    for item in strategy:
        base = min(remaining, float(item.get("base", 0) or 0))
        remaining -= base
        if item["capacity_provider"] == "FARGATE_SPOT":
            spot += base
        else:
            on_demand += base
    total_weight = sum(float(i.get("weight", 0) or 0) for i in strategy) or 1.0
    for item in strategy:
        share = remaining * float(item.get("weight", 0) or 0) / total_weight
        if item["capacity_provider"] == "FARGATE_SPOT":
            spot += share
        else:
            on_demand += share
    return on_demand, spot


def estimate(variables, data):
    """[(item, idle $/month, max $/month, what)] for one environment."""
    region = variables.get("aws_region", "us-east-1")
    if region not in data["regions"]:
        raise SystemExit(f"{variables.get('env_name')}: no unit prices for region {region} in the data file")
    price, assume, hours = data["regions"][region], data["assumptions"], data["hours_per_month"]
    lines = []

    zones = len(variables.get("network_availability_zones", ["a", "b"]))
    nat = zones if variables["network_nat_gateway_per_az"] else 1
    nat_cost = (
        nat * hours * (price["nat_gateway_hour"] + price["public_ipv4_hour"])
        + assume["nat_gb_per_month"] * price["nat_gateway_gb"]
    )
    lines.append(
        ("NAT gateways", nat_cost, nat_cost, f"{nat} x (gateway + its public IPv4), {assume['nat_gb_per_month']} GB")
    )

    alb = hours * (
        price["alb_hour"] + assume["alb_idle_lcus"] * price["alb_lcu_hour"] + zones * price["public_ipv4_hour"]
    )
    lines.append(("Load balancer", alb, alb, f"1 ALB, {assume['alb_idle_lcus']} LCU, {zones} public IPv4"))
    # The services not in alb_public_services sit behind an internal ALB (private IPs: no IPv4 charge).
    internal = sorted(set(variables["app_services"]) - set(variables.get("alb_public_services", ["backend"])))
    if internal:
        internal_alb = hours * (price["alb_hour"] + assume["alb_idle_lcus"] * price["alb_lcu_hour"])
        lines.append(
            (
                "Internal load balancer",
                internal_alb,
                internal_alb,
                f"1 ALB for {', '.join(internal)}, {assume['alb_idle_lcus']} LCU",
            )
        )

    strategy = variables["ecs_service_capacity_provider_strategy"]
    spot_factor = 1 - price["fargate_spot_discount"]
    tasks_idle = tasks_max = 0
    for name, service in sorted(variables["app_services"].items()):
        per_task = hours * (
            int(service["cpu"]) / 1024 * price["fargate_vcpu_hour"]
            + int(service["memory"]) / 1024 * price["fargate_gb_hour"]
        )
        idle = max(int(service.get("desired_count", 1)), int(variables["ecs_service_autoscaling_min"]))
        top = max(idle, int(variables["ecs_service_autoscaling_max"]))
        costs = []
        for count in (idle, top):
            on_demand, spot = split_tasks(count, strategy)
            costs.append(per_task * (on_demand + spot * spot_factor))
        tasks_idle, tasks_max = tasks_idle + idle, tasks_max + top
        lines.append(
            (
                f"Fargate {name}",
                costs[0],
                costs[1],
                f"{idle}-{top} tasks x {service['cpu']} CPU / {service['memory']} MiB",
            )
        )

    sagemaker_line = None
    instance_type = variables.get("sagemaker_instance_type", "ml.m5.large")
    if instance_type not in price["sagemaker_instance_hour"]:
        raise SystemExit(f"{variables.get('env_name')}: no unit price for SageMaker {instance_type} in the data file")
    instances = int(variables["sagemaker_instance_count"])
    scaling = variables["sagemaker_autoscaling"] or {}
    low = int(scaling.get("min_capacity", instances))
    high = int(scaling.get("max_capacity", instances))
    per_instance = hours * price["sagemaker_instance_hour"][instance_type]
    sagemaker_line = ("SageMaker endpoint", low * per_instance, high * per_instance, f"{low}-{high} x {instance_type}")
    if variables["ml_serving"] == "sagemaker":
        lines.append(sagemaker_line)

    retention_months = int(variables["ecs_cluster_log_retention_days"]) / 30

    def logs(tasks):
        ingest = tasks * assume["log_gb_per_task_month"]
        return (
            ingest * price["cloudwatch_logs_ingest_gb"]
            + ingest * retention_months * price["cloudwatch_logs_storage_gb_month"]
        )

    lines.append(
        (
            "CloudWatch Logs",
            logs(tasks_idle),
            logs(tasks_max),
            f"{assume['log_gb_per_task_month']} GB/task-month, kept {variables['ecs_cluster_log_retention_days']} days",
        )
    )

    services = len(variables["app_services"])
    alarms = services * 2 * assume["alarms_per_service_colour"]
    monitoring = alarms * price["cloudwatch_alarm_month"] + assume["dashboards"] * price["cloudwatch_dashboard_month"]
    lines.append(("Alarms, dashboard", monitoring, monitoring, f"{alarms} alarms, {assume['dashboards']} dashboard"))

    images = services * int(variables["ecr_keep_last_images"]) * assume["image_gb"]
    storage = assume["model_store_gb"] * price["s3_standard_gb_month"] + images * price["ecr_storage_gb_month"]
    lines.append(("S3, ECR", storage, storage, f"{assume['model_store_gb']} GB models, {images:g} GB images"))

    other = assume["secrets"] * price["secrets_manager_secret_month"] + assume["kms_keys"] * price["kms_key_month"]
    what = f"{assume['secrets']} secret, {assume['kms_keys']} KMS key"
    if variables["pipeline_enabled"]:
        other += price["codepipeline_v1_pipeline_month"]
        what += ", 1 pipeline"
    lines.append(("Secrets, KMS, pipeline", other, other, what))
    return lines, sagemaker_line


def report(inventory, data):
    variables = inventory_vars(inventory)
    lines, sagemaker = estimate(variables, data)
    idle, top = sum(line[1] for line in lines), sum(line[2] for line in lines)
    nat = next(line[1] for line in lines if line[0] == "NAT gateways")
    return {
        "environment": variables.get("env_name", Path(inventory).name),
        "region": variables.get("aws_region"),
        "ml_serving": variables["ml_serving"],
        "prices_as_of": data["as_of"],
        "lines": [{"item": i, "idle": round(a, 2), "max": round(b, 2), "what": w} for i, a, b, w in lines],
        "idle": round(idle, 2),
        "max": round(top, 2),
        "nat_share_idle": round(nat / idle, 3),
        "sagemaker_if_enabled": {"idle": round(sagemaker[1], 2), "max": round(sagemaker[2], 2), "what": sagemaker[3]},
    }


def as_table(result):
    rows = [
        f"{result['environment']} ({result['region']}, ml_serving: {result['ml_serving']}), USD/month, "
        f"list prices of {result['prices_as_of']}",
        f"{'item':<24}{'idle':>10}{'max':>10}  what",
    ]
    rows += [f"{line['item']:<24}{line['idle']:>10.2f}{line['max']:>10.2f}  {line['what']}" for line in result["lines"]]
    rows.append(
        f"{'total':<24}{result['idle']:>10.2f}{result['max']:>10.2f}  NAT {result['nat_share_idle']:.0%} of idle"
    )
    if result["ml_serving"] != "sagemaker":
        extra = result["sagemaker_if_enabled"]
        rows.append(f"{'(ml_serving: sagemaker':<24}{extra['idle']:>+10.2f}{extra['max']:>+10.2f}  {extra['what']})")
    return "\n".join(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inventories", nargs="+", help="inventory directories, e.g. inventories/prod")
    parser.add_argument("--prices", default=str(PRICES), help="the unit prices data file (default %(default)s)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args(argv)
    data = yaml.safe_load(Path(args.prices).read_text())
    results = [report(inventory, data) for inventory in args.inventories]
    print(json.dumps(results, indent=2) if args.json else "\n\n".join(as_table(r) for r in results))


if __name__ == "__main__":
    main()
