"""The offline AWS's ECS agent runs each service's tasks as containers and reports them as ECS does.

Each test fails without the agent: moto reports a service "running" its desired count the moment it
is created or updated, with no task, no target and no failure, whatever its image does.
"""

import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path

import boto3
import pytest

from offline_aws.live import runtime

REPO = Path(__file__).resolve().parents[2]
IMAGE = "localhost/mlops/python:3.11-bookworm"  # make images-bootstrap imports it
ENGINE_ENV = {
    "CONTAINERS_CONF": str(REPO / ".build/containers/containers.conf"),
    "CONTAINERS_STORAGE_CONF": str(REPO / ".build/containers/storage.conf"),
    "CONTAINERS_REGISTRIES_CONF": str(REPO / ".build/containers/registries.conf"),
}
SERVE = ["sh", "-c", "exec python3 -m http.server --bind $HOST $PORT"]
HEALTH = ["CMD-SHELL", "python3 -c \"import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/')\""]


@pytest.fixture
def live(aws, tmp_path):
    runtime.configure(aws.endpoint, state_dir=str(tmp_path / "live"), components=["ecs"], interval=0.3,
                      environment=ENGINE_ENV)  # fmt: skip
    try:
        yield tmp_path / "live"
    finally:
        runtime.configure(aws.endpoint)


def _wait(probe, what, timeout=90, delay=0.5):
    """probe() until it returns something truthy; bounded in time."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(delay)
    report = runtime.report(os.environ["AWS_ENDPOINT_URL"])
    raise AssertionError(f"{what} not within {timeout}s; last {last!r}; agent: {json.dumps(report)[:3000]}")


def _register(ecs, command, family="web", environment=None):
    container = {
        "name": "app",
        "image": IMAGE,
        "essential": True,
        "command": command,
        "portMappings": [{"containerPort": 8000, "protocol": "tcp"}],
        "environment": [{"name": k, "value": v} for k, v in (environment or {}).items()],
        "healthCheck": {"command": HEALTH, "interval": 5, "timeout": 3, "retries": 2, "startPeriod": 0},
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {"awslogs-group": "/ecs/web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web"},
        },
    }
    return ecs.register_task_definition(
        family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[container],
    )["taskDefinition"]["taskDefinitionArn"]  # fmt: skip


def _service(ecs, ec2, elbv2, desired=2, rollback=True):
    ecs.create_cluster(clusterName="c")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.0.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc)["GroupId"]
    target_group = elbv2.create_target_group(Name="web", Protocol="HTTP", Port=8000, VpcId=vpc, TargetType="ip")
    arn = target_group["TargetGroups"][0]["TargetGroupArn"]
    elbv2.modify_target_group_attributes(
        TargetGroupArn=arn, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "1"}]
    )
    ecs.create_service(
        cluster="c", serviceName="web", taskDefinition="web:1", desiredCount=desired, launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
        loadBalancers=[{"targetGroupArn": arn, "containerName": "app", "containerPort": 8000}],
        deploymentConfiguration={"maximumPercent": 200, "minimumHealthyPercent": 100,
                                 "deploymentCircuitBreaker": {"enable": True, "rollback": rollback}},
    )  # fmt: skip
    return arn


def _describe(ecs):
    return ecs.describe_services(cluster="c", services=["web"])["services"][0]


def _steady_on(ecs, revision, count):
    service = _describe(ecs)
    primary = service["deployments"][0]
    done = (
        primary["rolloutState"] == "COMPLETED"
        and len(service["deployments"]) == 1
        and service["runningCount"] == count
        and service["taskDefinition"].endswith(f":{revision}")
    )
    return service if done else None


def _tasks(ecs, status="RUNNING"):
    arns = ecs.list_tasks(cluster="c", serviceName="web", desiredStatus=status)["taskArns"]
    return ecs.describe_tasks(cluster="c", tasks=arns)["tasks"] if arns else []


def _get(url):
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
        return response.status


def test_a_service_runs_its_tasks_registers_them_and_replaces_them_on_a_new_revision(live):
    ecs, ec2, elbv2 = boto3.client("ecs"), boto3.client("ec2"), boto3.client("elbv2")
    boto3.client("logs").create_log_group(logGroupName="/ecs/web")
    _register(ecs, SERVE, environment={"GREETING": "one"})
    target_group = _service(ecs, ec2, elbv2, desired=2)
    created = _describe(ecs)
    assert created["runningCount"] == 0  # nothing runs until the agent starts it

    _wait(lambda: _steady_on(ecs, 1, 2), "two tasks of web:1 running and steady")
    tasks = _tasks(ecs)
    assert len(tasks) == 2
    assert {t["lastStatus"] for t in tasks} == {"RUNNING"}
    assert {t["healthStatus"] for t in tasks} == {"HEALTHY"}
    targets = elbv2.describe_target_health(TargetGroupArn=target_group)["TargetHealthDescriptions"]
    addresses = sorted(f"{t['Target']['Id']}:{t['Target']['Port']}" for t in targets)
    assert len(addresses) == 2 and all(a.startswith("127.0.2.") and a.endswith(":8000") for a in addresses)
    for address in addresses:
        assert _get(f"http://{address}/") == 200  # a real process answers on the task's address

    _register(ecs, SERVE, environment={"GREETING": "two"})
    ecs.update_service(cluster="c", service="web", taskDefinition="web:2")
    rolling = _describe(ecs)
    assert rolling["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    assert rolling["deployments"][0]["taskDefinition"].endswith(":2")
    assert rolling["deployments"][1]["status"] == "ACTIVE"
    _wait(lambda: _steady_on(ecs, 2, 2), "web:2 replacing web:1")
    stopped = _wait(lambda: [t for t in _tasks(ecs, "STOPPED") if t["lastStatus"] == "STOPPED"], "old tasks stopped")
    assert {t["taskDefinitionArn"].rsplit(":", 1)[1] for t in stopped} == {"1"}
    assert all(t["stoppedReason"].startswith("Scaling activity initiated by") for t in stopped)
    running = _tasks(ecs)
    assert {t["taskDefinitionArn"].rsplit(":", 1)[1] for t in running} == {"2"}
    events = [e["message"] for e in _describe(ecs)["events"]]
    assert any("has reached a steady state" in m for m in events)

    # The awslogs driver: the container's output (http.server logs each health check) in its stream.
    logs = boto3.client("logs")
    stream = f"web/app/{running[0]['taskArn'].rsplit('/', 1)[1]}"

    def logged():
        found = logs.describe_log_streams(logGroupName="/ecs/web", logStreamNamePrefix=stream)["logStreams"]
        if not found:
            return None
        messages = [e["message"] for e in logs.get_log_events(logGroupName="/ecs/web", logStreamName=stream)["events"]]
        return [m for m in messages if '"GET / HTTP/1.1" 200' in m]

    assert _wait(logged, "the health checks' requests in the task's log stream", timeout=30)

    ecs.update_service(cluster="c", service="web", desiredCount=1)
    assert _describe(ecs)["runningCount"] == 2  # still running until the agent stops one
    _wait(lambda: _steady_on(ecs, 2, 1), "scaled in to one task")


def test_an_image_that_exits_at_start_trips_the_circuit_breaker_and_rolls_back(live):
    ecs, ec2, elbv2 = boto3.client("ecs"), boto3.client("ec2"), boto3.client("elbv2")
    _register(ecs, SERVE)
    _service(ecs, ec2, elbv2, desired=1)
    _wait(lambda: _steady_on(ecs, 1, 1), "web:1 steady")
    _register(ecs, ["sh", "-c", "echo cannot start; exit 3"])
    ecs.update_service(cluster="c", service="web", taskDefinition="web:2")

    def rolled_back():
        service = _describe(ecs)
        failed = [e["message"] for e in service["events"] if "deployment failed" in e["message"]]
        return (service, failed) if failed and service["taskDefinition"].endswith(":1") else None

    service, failed = _wait(rolled_back, "the circuit breaker failing web:2 and rolling back to web:1")
    assert failed[0].endswith("deployment failed: ECS deployment circuit breaker: tasks failed to start.")
    assert any("rolling back to deployment" in e["message"] for e in service["events"])
    stopped = [t for t in _tasks(ecs, "STOPPED") if t["taskDefinitionArn"].endswith(":2")]
    assert len(stopped) >= 3  # the threshold: max(3, 0.5 * desired)
    assert all("Essential container in task exited (exit code 3)" in t["stoppedReason"] for t in stopped)
    _wait(lambda: _steady_on(ecs, 1, 1), "web:1 steady again")
    assert all(t["taskDefinitionArn"].endswith(":1") for t in _tasks(ecs))


def test_switching_off_stops_every_container_it_started(aws, tmp_path):
    ecs, ec2, elbv2 = boto3.client("ecs"), boto3.client("ec2"), boto3.client("elbv2")
    state = tmp_path / "live"
    runtime.configure(aws.endpoint, state_dir=str(state), components=["ecs"], interval=0.3, environment=ENGINE_ENV)
    try:
        _register(ecs, SERVE)
        _service(ecs, ec2, elbv2, desired=1)
        _wait(lambda: _steady_on(ecs, 1, 1), "one task running")
    finally:
        runtime.configure(aws.endpoint)
    listed = subprocess.run(
        ["podman", "ps", "--all", "--quiet", "--filter", f"label=offline-aws.owner={state.resolve()}"],
        capture_output=True, text=True, env={**os.environ, **ENGINE_ENV}, check=True, timeout=60,
    )  # fmt: skip
    assert listed.stdout.strip() == ""
