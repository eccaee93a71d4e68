"""ecs_blue_green notices ECS's deployment circuit breaker (Stubber replaying AWS's documented answers).

moto never runs a task, so its deployments never fail and it never rolls one back. Here
DescribeServices answers what AWS documents for a rolling update (ECS) deployment stopped by the
deployment circuit breaker (API reference, Deployment: ``rolloutState`` IN_PROGRESS | COMPLETED |
FAILED with ``rolloutStateReason``; Developer Guide, "How the Amazon ECS deployment circuit breaker
detects failures": with rollback on, the service goes back to the last COMPLETED deployment), with
the service events ECS writes then ("(service ...) (deployment ...) deployment failed: tasks failed
to start.", "(service ...) rolling back to deployment ...").

The trap: the rolled-back colour runs its previous, older task definition; its tasks start, the
services_stable acceptors (one deployment, all tasks running) hold and its targets are healthy. A
deploy that checked only that moved all the traffic to the older revision and reported success.
"""

import datetime

import pytest
from test_ecs_blue_green import CLUSTER_ARN, OWNER, SERVICE, FakeClock, World, args, td_arn

from ansible_collections.mlops.aws_deploy.plugins.module_utils import ecs as ecs_utils
from ansible_collections.mlops.aws_deploy.plugins.module_utils import rollout, rollout_record
from ansible_collections.mlops.aws_deploy.plugins.modules import ecs_blue_green


@pytest.fixture(autouse=True)
def fake_clock(monkeypatch):
    monkeypatch.setattr(rollout, "Clock", FakeClock)
    monkeypatch.setattr(rollout_record, "new_owner", lambda: OWNER)


STARTED = datetime.datetime(2027, 1, 15, 8, 0, 1, tzinfo=datetime.UTC)
NEW_ID, OLD_ID, BACK_ID = "ecs-svc/4470123318461283012", "ecs-svc/1736250933158924330", "ecs-svc/9020134561780937716"
GREEN = f"{SERVICE}-green"
FAILED_REASON = "ECS deployment circuit breaker: tasks failed to start."
ROLLING_BACK_REASON = f"ECS deployment circuit breaker: rolling back to deploymentId {OLD_ID}."


def at(seconds):
    return STARTED + datetime.timedelta(seconds=seconds)


def deployment(ident, revision, status, state, reason, running=3, created=0):
    return {
        "id": ident,
        "status": status,
        "taskDefinition": td_arn(revision),
        "desiredCount": 3,
        "runningCount": running,
        "pendingCount": 3 - running,
        "failedTasks": 0 if state != "FAILED" else 3,
        "createdAt": at(created),
        "updatedAt": at(created),
        "launchType": "FARGATE",
        "rolloutState": state,
        "rolloutStateReason": reason,
    }


def events(*messages):
    """Service events as DescribeServices lists them: newest first; ``messages`` are (seconds, text), oldest first."""
    return [
        {"id": f"e{i}", "createdAt": at(seconds), "message": f"(service {GREEN}) {text}"}
        for i, (seconds, text) in reversed(list(enumerate(messages)))
    ]


EARLIER = (-3600, "has reached a steady state.")  # an event of an earlier deployment: not quoted
FAILED_EVENT = (95, f"(deployment {NEW_ID}) deployment failed: tasks failed to start.")
ROLLBACK_EVENT = (96, f"rolling back to deployment {OLD_ID}.")


def green(world, revision, deployments, service_events, running=3):
    answer = world.service("green", running=running)
    answer.update(taskDefinition=td_arn(revision), desiredCount=3, deployments=deployments, events=service_events)
    return {"services": [answer], "failures": []}


def in_progress(world):
    # First look after UpdateService: the new deployment is starting.
    new = deployment(NEW_ID, 42, "PRIMARY", "IN_PROGRESS", f"ECS deployment {NEW_ID} in progress.", running=0)
    old = deployment(OLD_ID, 40, "ACTIVE", "COMPLETED", f"ECS deployment {OLD_ID} completed.", created=-7200)
    return green(world, 42, [new, old], events(EARLIER), running=0)


def rolled_back(world):
    # The rollback is over: one deployment of the old revision, COMPLETED, all of its tasks running.
    back = deployment(BACK_ID, 40, "PRIMARY", "COMPLETED", f"ECS deployment {BACK_ID} completed.", created=96)
    return green(world, 40, [back], events(EARLIER, FAILED_EVENT, ROLLBACK_EVENT, (160, "has reached a steady state.")))


def rolling_back(world):
    # The breaker fired a moment ago: the failed deployment drains while the rollback starts.
    back = deployment(BACK_ID, 40, "PRIMARY", "IN_PROGRESS", ROLLING_BACK_REASON, running=1, created=96)
    failed = deployment(NEW_ID, 42, "ACTIVE", "FAILED", FAILED_REASON, running=0)
    return green(world, 40, [back, failed], events(EARLIER, FAILED_EVENT, ROLLBACK_EVENT), running=1)


def deploy_until_ecs_answers(world, *answers):
    world.reads(target_td=42)
    world.scale_up("green", 42, tag="blue")
    for answer in answers:
        world.stub("ecs", "describe_services", answer)


def rolled_back_green(world):
    """The end of a run that failed before any shift: green to 0, no progress record (no step was set)."""
    world.end(progress=False)
    world.desired["green"] = 0
    world.stub(
        "ecs", "update_service", {"service": world.service("green")},
        {"cluster": CLUSTER_ARN, "service": GREEN, "desiredCount": 0},
    )


def test_a_circuit_breaker_rollback_is_a_failed_deploy_and_traffic_never_moves(stubbed_client, run_module):
    world = World(stubbed_client)
    deploy_until_ecs_answers(world, in_progress(world), rolled_back(world))
    # Nothing else is scripted but the scale-down of green: a ModifyRule (a shift to revision 40) fails the test.
    rolled_back_green(world)
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42"))
    world.done()
    assert result["failed"] and result["rolled_back"]
    assert result["weights"] == {"blue": 100, "green": 0}
    assert result["live_color"] == "blue" and result["task_definition"] == td_arn(41)
    assert (
        f"Deployment of {SERVICE}:42 to {GREEN} failed: ECS rolled {GREEN} back from {SERVICE}:42 to {SERVICE}:40"
        f"; its deployment now: ECS deployment {BACK_ID} completed.; ECS service events:"
        f" (service {GREEN}) (deployment {NEW_ID}) deployment failed: tasks failed to start."
        f" | (service {GREEN}) rolling back to deployment {OLD_ID}."
        f" | (service {GREEN}) has reached a steady state."
    ) in result["msg"]
    assert "-3600" not in result["msg"] and result["msg"].count("has reached a steady state") == 1
    ready = [e for e in result["timeline"] if e["phase"] == "ready"]
    assert [e["decision"] for e in ready] == ["rollback"]
    assert ready[0]["deployment"]["task_definition"] == td_arn(40)
    assert ready[0]["deployment"]["rollout_state"] == "COMPLETED"
    assert [e["message"] for e in ready[0]["deployment"]["events"]][:2] == [
        f"(service {GREEN}) (deployment {NEW_ID}) deployment failed: tasks failed to start.",
        f"(service {GREEN}) rolling back to deployment {OLD_ID}.",
    ]
    assert "shift" not in [e["phase"] for e in result["timeline"]]


def test_a_deployment_the_breaker_marked_failed_fails_at_once_with_its_reason(stubbed_client, run_module):
    world = World(stubbed_client)
    # One look while ECS is still rolling back: the deploy does not wait out wait_timeout.
    deploy_until_ecs_answers(world, rolling_back(world))
    rolled_back_green(world)
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42", wait_timeout=600))
    world.done()
    assert result["failed"] and result["rolled_back"]
    assert f"ECS rolled {GREEN} back from {SERVICE}:42 to {SERVICE}:40 ({FAILED_REASON})" in result["msg"]
    ready = [e for e in result["timeline"] if e["phase"] == "ready"][0]
    assert ready["deployment"]["rollout_state"] == "FAILED" and ready["elapsed"] == 0


def test_a_failed_deployment_without_a_rollback_fails_with_its_reason(stubbed_client, run_module):
    # rollback off in the breaker (or nothing COMPLETED to go back to): the FAILED deployment stays PRIMARY.
    world = World(stubbed_client)
    failed = deployment(NEW_ID, 42, "PRIMARY", "FAILED", FAILED_REASON, running=0)
    deploy_until_ecs_answers(world, green(world, 42, [failed], events(FAILED_EVENT), running=0))
    rolled_back_green(world)
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42"))
    world.done()
    assert result["failed"] and result["rolled_back"]
    assert f"ECS marked the deployment of {SERVICE}:42 to {GREEN} FAILED ({FAILED_REASON})" in result["msg"]


def test_all_tasks_running_is_not_ready_until_the_rollout_completes(stubbed_client, run_module):
    # The breaker counts failures until the rollout is COMPLETED: one deployment with every task running
    # but rolloutState IN_PROGRESS is not yet a deployment that held.
    world = World(stubbed_client)
    running = deployment(NEW_ID, 42, "PRIMARY", "IN_PROGRESS", f"ECS deployment {NEW_ID} in progress.")
    done = deployment(NEW_ID, 42, "PRIMARY", "COMPLETED", f"ECS deployment {NEW_ID} completed.")
    deploy_until_ecs_answers(world, green(world, 42, [running], []), green(world, 42, [done], []))
    healthy = world.health("green", ["healthy"] * 3)
    world.stub("elbv2", "describe_target_health", healthy)  # waiter
    world.stub("elbv2", "describe_target_health", healthy)  # ready check
    world.weights_call({"blue": 0, "green": 100})
    world.stub("elbv2", "describe_target_health", healthy)  # bake check
    world.scale_down("blue")
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42"))
    world.done()
    assert not result["failed"], result["msg"]
    assert result["live_color"] == "green" and result["task_definition"] == td_arn(42)


def test_a_rollout_still_in_progress_at_the_timeout_says_so(stubbed_client, run_module):
    world = World(stubbed_client)
    running = deployment(NEW_ID, 42, "PRIMARY", "IN_PROGRESS", f"ECS deployment {NEW_ID} in progress.")
    deploy_until_ecs_answers(world, *[green(world, 42, [running], [])] * 3)
    rolled_back_green(world)
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42", wait_timeout=2))
    world.done()
    assert result["failed"] and result["rolled_back"]
    expected = "did not become stable within 2 s: 1 deployment(s), 3 of 3 task(s) running, rollout IN_PROGRESS"
    assert expected in result["msg"]


def test_rollout_failure_is_none_while_the_new_revision_is_deploying():
    service = {"serviceName": GREEN, "taskDefinition": td_arn(42), "deployments": [
        deployment(NEW_ID, 42, "PRIMARY", "IN_PROGRESS", "in progress", running=1),
        deployment(OLD_ID, 40, "ACTIVE", "COMPLETED", "done", created=-7200),
    ]}
    assert ecs_utils.rollout_failure(service, td_arn(42)) is None
    # A service without rolloutState (another deployment controller): only its task definition counts.
    primary = {"status": "PRIMARY", "taskDefinition": td_arn(42)}
    plain = {"serviceName": GREEN, "taskDefinition": td_arn(42), "deployments": [primary]}
    assert ecs_utils.rollout_failure(plain, td_arn(42)) is None
    assert "back from" in ecs_utils.rollout_failure(dict(plain, taskDefinition=td_arn(40)), td_arn(42))["reason"]
