"""playbooks/deploy.yml and playbooks/runbooks/rollback.yml against the offline AWS, as a user runs them.

The prerequisites (what the network, alb and ecs_service roles make for the backend) are created
with boto3 by benchmarks/deploy/stack.py, so these tests do not depend on the infra playbooks.
ECS tasks never run offline: the tests register target IPs the way ECS registers its tasks.
"""

import datetime
import os
import time

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


# ---------------------------------------------------------------- the job's time budget, the deferred scale-down


def rule_tags(backend):
    described = boto3.client("elbv2").describe_tags(ResourceArns=[backend["rule_arn"]])["TagDescriptions"][0]
    return {t["Key"]: t["Value"] for t in described["Tags"]}


def test_a_deploy_over_the_pipeline_jobs_budget_is_refused_before_any_change(run_playbook, backend, monkeypatch):
    # What the pipeline's deploy project sets (roles/pipeline): 280 s for backend then ml, so 140 s
    # each less 60 s of the run's own reads; the local plan's worst case is 90 s + 30 s of waits.
    monkeypatch.setenv("DEPLOY_TIME_BUDGET", "280")
    monkeypatch.setenv("DEPLOY_JOB_SERVICES", "backend,ml")
    run = run_playbook("playbooks/deploy.yml", extra_vars={"service": "backend", "image_tag": "v2"})
    assert run.returncode != 0
    assert (
        "The worst case of deploying mobileml-local-backend is 120 s (ECS stability wait 90 s, target health wait 30 s,"
        " steps watched 0 s), more than the 80 s this job gives it: deploy_time_budget 280 s for 2 service(s) deployed"
        " one after the other (backend, ml), less 60 s per run (deploy_run_overhead). Nothing was changed."
    ) in " ".join(run.stdout.split()), run.output
    assert live(backend) == ("blue", f"{IMAGE}:v1", {"blue": 1, "green": 0}, {"blue": 100, "green": 0})
    assert not any(key.startswith("ecs_blue_green:lock") for key in rule_tags(backend))

    monkeypatch.setenv("DEPLOY_TIME_BUDGET", "360")  # 180 s each: 120 s fits
    fits = run_playbook("playbooks/deploy.yml", extra_vars={"service": "backend", "image_tag": "v2"}).check()
    assert "Worst case 120 s of 120" in fits.stdout, fits.output
    assert live(backend)[:2] == ("green", f"{IMAGE}:v2")


def test_termination_wait_leaves_the_old_colour_for_the_rollback_runbook(run_playbook, backend):
    # moto starts a service's tasks only on UpdateService: start blue's one task, as ECS would have.
    boto3.client("ecs").update_service(cluster=NAME_PREFIX, service=f"{SERVICE}-blue", desiredCount=1)
    deploy = {"service": "backend", "image_tag": "v2", "deploy_termination_wait": 3600}
    run_playbook("playbooks/deploy.yml", extra_vars=deploy).check()
    # The cut-over is done and the run ended: blue still runs its task, and the rule says until when.
    assert live(backend) == ("green", f"{IMAGE}:v2", {"blue": 1, "green": 1}, {"blue": 0, "green": 100})
    assert rule_tags(backend)["ecs_blue_green:scale_down_color"] == "blue"
    again = run_playbook("playbooks/deploy.yml", extra_vars=deploy).check()
    assert again.changed == 0 and "keeps running until" in again.stdout, again.output
    early = run_playbook("playbooks/runbooks/scale_down.yml", extra_vars={"service": "backend"}).check()
    assert early.changed == 0, early.output
    assert live(backend)[2] == {"blue": 1, "green": 1}

    rollback = run_playbook("playbooks/runbooks/rollback.yml", extra_vars={"service": "backend"}).check()
    assert "Roll back to mobileml-local-backend-blue" in rollback.stdout, rollback.output
    assert live(backend)[:3] == ("blue", f"{IMAGE}:v1", {"blue": 1, "green": 0})
    assert "ecs_blue_green:scale_down_color" not in rule_tags(backend)


def test_a_run_after_the_termination_time_scales_the_old_colour_down(run_playbook, backend):
    run_playbook(
        "playbooks/deploy.yml", extra_vars={"service": "backend", "image_tag": "v2", "deploy_termination_wait": 1}
    ).check()
    assert live(backend)[2] == {"blue": 1, "green": 1}
    due = rule_tags(backend)["ecs_blue_green:scale_down_after"]
    # The scale-down time is whole seconds: wait until it has passed (bounded: a few seconds).
    deadline = time.time() + 10
    while time.time() <= datetime.datetime.fromisoformat(due.replace("Z", "+00:00")).timestamp() + 1:
        assert time.time() < deadline
        time.sleep(0.5)
    run = run_playbook("playbooks/runbooks/scale_down.yml", extra_vars={"service": "backend"}).check()
    assert run.changed >= 1, run.output
    assert live(backend) == ("green", f"{IMAGE}:v2", {"blue": 0, "green": 1}, {"blue": 0, "green": 100})
    assert not any(key.startswith("ecs_blue_green:scale_down") for key in rule_tags(backend))
