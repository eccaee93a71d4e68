"""playbooks/deploy.yml and playbooks/runbooks/rollback.yml against the offline AWS, as a user runs them.

The prerequisites (what the network, alb and ecs_service roles make for the backend) are created
with boto3 by benchmarks/deploy/stack.py, so these tests do not depend on the infra playbooks.
ECS tasks never run offline: the tests register target IPs the way ECS registers its tasks.
"""

import os

import boto3
import pytest

from benchmarks.deploy import stack
from offline_aws.extensions import throttling

NAME_PREFIX = "mobileml-local"  # inventories/local: app_name mobileml, env_name local
SERVICE = f"{NAME_PREFIX}-backend"
IMAGE = f"127.0.0.1:5000/{NAME_PREFIX}/backend-api"


@pytest.fixture
def backend(aws):
    created = stack.create(SERVICE, NAME_PREFIX, container="backend-api", image=f"{IMAGE}:v1", port=8000)
    for color in ("blue", "green"):
        stack.register_targets(created["target_groups"][color], 1)
    return created


def live(backend):
    """(live colour, image of its container, desired counts) read straight from AWS."""
    elbv2, ecs = boto3.client("elbv2"), boto3.client("ecs")
    rule = elbv2.describe_rules(RuleArns=[backend["rule_arn"]])["Rules"][0]
    weights = {
        ("blue" if g["TargetGroupArn"] == backend["target_groups"]["blue"] else "green"): g["Weight"]
        for g in rule["Actions"][0]["ForwardConfig"]["TargetGroups"]
    }
    color = max(weights, key=weights.get)
    services = ecs.describe_services(cluster=NAME_PREFIX, services=[f"{SERVICE}-blue", f"{SERVICE}-green"])["services"]
    by_color = {s["serviceName"].rsplit("-", 1)[1]: s for s in services}
    task_definition = ecs.describe_task_definition(taskDefinition=by_color[color]["taskDefinition"])["taskDefinition"]
    desired = {c: by_color[c]["desiredCount"] for c in ("blue", "green")}
    return color, task_definition["containerDefinitions"][0]["image"], desired, weights


def test_deploy_then_redeploy_then_roll_back(run_playbook, backend):
    run_playbook("playbooks/deploy.yml", extra_vars={"service": "backend", "image_tag": "v2"}).check()
    assert live(backend) == ("green", f"{IMAGE}:v2", {"blue": 0, "green": 1}, {"blue": 0, "green": 100})

    again = run_playbook("playbooks/deploy.yml", extra_vars={"service": "backend", "image_tag": "v2"}).check()
    assert again.changed == 0, again.output

    rollback = run_playbook("playbooks/runbooks/rollback.yml", extra_vars={"service": "backend"}).check()
    assert "Roll back to mobileml-local-backend-blue" in rollback.stdout
    assert live(backend)[:3] == ("blue", f"{IMAGE}:v1", {"blue": 1, "green": 0})

    rollback_again = run_playbook("playbooks/runbooks/rollback.yml", extra_vars={"service": "backend"}).check()
    assert rollback_again.changed == 0, rollback_again.output


def test_the_inventory_strategy_is_used(run_playbook, backend):
    # stage's strategy on the local inventory: linear, 50% per step.
    run = run_playbook(
        "playbooks/deploy.yml",
        extra_vars={"service": "backend", "image_tag": "v3", "deploy_strategy": "linear", "deploy_interval": 0},
    ).check()
    assert "ModifyRule weights blue 50 / green 50" in run.stdout
    assert "ModifyRule weights blue 0 / green 100" in run.stdout
    assert live(backend)[:2] == ("green", f"{IMAGE}:v3")


@pytest.mark.parametrize(
    ("extra_vars", "message"),
    [
        ({"service": "frontend", "image_tag": "v2"}, "Give -e service=<backend|ml>"),
        ({"image_tag": "v2"}, "Got service=(none)"),
        ({"service": "backend", "image_tag": "bad tag!"}, "image_tag=bad tag!."),
        ({"service": "backend"}, "image_tag=(none)"),
    ],
)
def test_bad_input_fails_before_any_aws_call(run_playbook, extra_vars, message):
    # No AWS resource exists: a call would fail with an AWS error instead of this message.
    run = run_playbook("playbooks/deploy.yml", extra_vars=extra_vars)
    assert run.returncode != 0
    assert message in run.stdout, run.output
    assert "ecs_blue_green" not in run.stdout.split("Check the service and the image tag")[1].split("PLAY RECAP")[0]


def test_the_rollback_runbook_checks_the_service(run_playbook):
    run = run_playbook("playbooks/runbooks/rollback.yml", extra_vars={"service": "nope"})
    assert run.returncode != 0
    assert "Give -e service=<backend|ml>. Got service=nope." in run.stdout, run.output


# ---------------------------------------------------------------- throttling (offline_aws/extensions/throttling.py)

WAITS = ("DescribeServices", "DescribeTargetHealth", "DescribeAlarms")


def test_one_throttle_in_each_wait_of_a_deploy_changes_nothing(run_playbook, backend, aws):
    # aws_max_attempts=1: botocore does not retry, so the module's own retries and waits must.
    boto3.client("cloudwatch").put_metric_alarm(
        AlarmName=f"{SERVICE}-green-5xx", Namespace="AWS/ApplicationELB", MetricName="HTTPCode_Target_5XX_Count",
        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=5, ComparisonOperator="GreaterThanThreshold",
    )
    # The 1st call of each wait's operation by the deploy task (the info and plan tasks make some first).
    throttling.configure(aws.endpoint, nth={op: [1, 3, 5, 7] for op in WAITS})
    run = run_playbook(
        "playbooks/deploy.yml",
        extra_vars={"service": "backend", "image_tag": "v2", "aws_max_attempts": 1, "deploy_strategy": "canary",
                    "deploy_interval": 1, "deploy_alarms": ["mobileml-local-{service}-{color}-5xx"]},
    ).check()
    throttled = throttling.configure(aws.endpoint)["throttled"]  # and off, for the reads below
    assert {op.split(":")[1] for op in throttled} == set(WAITS), throttled
    assert live(backend) == ("green", f"{IMAGE}:v2", {"blue": 0, "green": 1}, {"blue": 0, "green": 100}), run.output


@pytest.mark.parametrize("seed", range(int(os.environ.get("THROTTLED_DEPLOYS", "1"))))
def test_a_deploy_at_30_percent_throttling_succeeds(run_playbook, backend, aws, seed):
    # Every call of the run has a 30% chance of AWS's throttling error; the connection settings'
    # retries (botocore standard mode, 10 attempts) and the module's own must get every deploy through.
    # THROTTLED_DEPLOYS=10 (make test-throttling) runs ten of them.
    throttling.configure(aws.endpoint, share=0.3, seed=seed)
    run = run_playbook("playbooks/deploy.yml", extra_vars={"service": "backend", "image_tag": "v2"}).check()
    throttled = throttling.report(aws.endpoint)["throttled"]
    throttling.configure(aws.endpoint)  # off, for the reads below
    assert sum(throttled.values()) > 0
    assert live(backend) == ("green", f"{IMAGE}:v2", {"blue": 0, "green": 1}, {"blue": 0, "green": 100}), run.output
