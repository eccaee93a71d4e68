"""ecs_blue_green's waits survive throttling (Stubber replaying AWS's documented throttling errors).

AWS answers a throttled call with HTTP 400 and the code ``Throttling`` (ELBv2, CloudWatch: "Common
Errors" of their API references, message "Rate exceeded") or ``ThrottlingException`` (ECS). One
throttle in any wait of a deploy must change nothing in its outcome; a wait that AWS throttles
until its deadline must say so instead of blaming the targets.
"""

import pytest
from test_ecs_blue_green import ALARMS, OWNER, SERVICE, FakeClock, World, args, phases, td_arn

from ansible_collections.mlops.aws_deploy.plugins.module_utils import rollout, rollout_record
from ansible_collections.mlops.aws_deploy.plugins.modules import ecs_blue_green


@pytest.fixture(autouse=True)
def fake_clock(monkeypatch):
    # As in test_ecs_blue_green: bake times pass without sleeping, the lock's owner is known.
    monkeypatch.setattr(rollout, "Clock", FakeClock)
    monkeypatch.setattr(rollout_record, "new_owner", lambda: OWNER)


RETRIES = 10  # AWSRetry's attempts per call in the blue/green modules (retries.BLUE_GREEN_BACKOFF)


def throttle(world, service, operation, times=1):
    code = "ThrottlingException" if service == "ecs" else "Throttling"
    for _attempt in range(times):
        world.clients[service][1].add_client_error(
            operation, service_error_code=code, service_message="Rate exceeded", http_status_code=400
        )


def canary_deploy(world, throttled):
    """A canary deploy with two alarms; ``throttled`` names the waits that get one throttle first."""
    healthy = world.health("green", ["healthy"] * 3)
    world.reads(alarms=True, target_td=42)
    world.scale_up("green", 42, tag="blue")
    if "stable" in throttled:
        throttle(world, "ecs", "describe_services", throttled["stable"])
    world.stable("green")
    if "healthy" in throttled:
        throttle(world, "elbv2", "describe_target_health", throttled["healthy"])
    world.stub("elbv2", "describe_target_health", healthy)  # wait for healthy targets
    world.stub("elbv2", "describe_target_health", healthy)  # ready check
    if "alarms" in throttled:
        throttle(world, "cloudwatch", "describe_alarms", throttled["alarms"])
    world.stub("cloudwatch", "describe_alarms", world.alarms(["OK", "OK"]))
    world.weights_call({"blue": 90, "green": 10})
    if "bake" in throttled:
        throttle(world, "elbv2", "describe_target_health", throttled["bake"])
    world.stub("elbv2", "describe_target_health", healthy)  # canary bake
    world.stub("cloudwatch", "describe_alarms", world.alarms(["OK", "OK"]))
    world.weights_call({"blue": 0, "green": 100})
    world.stub("elbv2", "describe_target_health", healthy)  # last bake
    world.stub("cloudwatch", "describe_alarms", world.alarms(["OK", "OK"]))
    world.scale_down("blue")
    return args(task_definition=f"{SERVICE}:42", strategy="canary", bake_time=0, alarms=ALARMS)


def outcome(result):
    return (result["failed"], result["rolled_back"], result["live_color"], result["weights"], phases(result))


UNTHROTTLED = (
    False,
    False,
    "green",
    {"blue": 0, "green": 100},
    [
        ("scale_up", "continue"),
        ("ready", "continue"),
        ("shift", "continue"),
        ("bake", "continue"),
        ("shift", "continue"),
        ("bake", "continue"),
        ("scale_down", "done"),
    ],
)


def test_the_unthrottled_deploy(stubbed_client, run_module):
    world = World(stubbed_client)
    result = run_module(ecs_blue_green, canary_deploy(world, {}))
    world.done()
    assert outcome(result) == UNTHROTTLED, result["msg"]


@pytest.mark.parametrize(
    ("wait", "times"),
    # RETRIES throttles outlast the retries of one call: a wait polls again. A watch's check (the
    # alarms before a shift, a bake) is one retried call: one throttle must change nothing there.
    [("stable", 1), ("healthy", 1), ("alarms", 1), ("bake", 1), ("stable", RETRIES), ("healthy", RETRIES)],
)
def test_throttles_in_a_wait_change_nothing(stubbed_client, run_module, wait, times):
    world = World(stubbed_client)
    result = run_module(ecs_blue_green, canary_deploy(world, {wait: times}))
    world.done()
    assert outcome(result) == UNTHROTTLED, (result["msg"], result["timeline"])


def test_a_health_wait_throttled_to_its_deadline_says_so(stubbed_client, run_module):
    world = World(stubbed_client)
    world.reads(target_td=42)
    world.scale_up("green", 42, tag="blue")
    world.stable("green")
    throttle(world, "elbv2", "describe_target_health", RETRIES * 3)  # 3 polls: timeout 2 s, poll 1 s
    world.scale_down("green", progress=False)  # traffic never moved
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42", health={"timeout": 2}))
    world.done()
    assert result["failed"] and result["rolled_back"]
    assert (
        "the targets of mobileml-prod-backend-green (target group mobileml-prod-backend-green) were not healthy"
        " within 2 s: AWS answered no health check (AWS throttled 3 of 3 checks)"
    ) in result["msg"]


def test_a_health_wait_that_times_out_reports_the_last_health_and_the_throttles(stubbed_client, run_module):
    world = World(stubbed_client)
    world.reads(target_td=42)
    world.scale_up("green", 42, tag="blue")
    world.stable("green")
    world.stub("elbv2", "describe_target_health", world.health("green", ["healthy", "initial", "initial"]))
    throttle(world, "elbv2", "describe_target_health", RETRIES * 2)
    world.scale_down("green", progress=False)  # traffic never moved
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42", health={"timeout": 2}))
    world.done()
    assert (
        "were not healthy within 2 s: green has 1 healthy target(s) of 3 required (AWS throttled 2 of 3 checks)"
        in (result["msg"])
    )


def test_a_stability_wait_that_times_out_says_what_it_saw(stubbed_client, run_module):
    world = World(stubbed_client)
    world.reads(target_td=42)
    world.scale_up("green", 42, tag="blue")
    world.stub("ecs", "describe_services", {"services": [world.service("green", running=1)], "failures": []})
    throttle(world, "ecs", "describe_services", RETRIES)
    world.stub("ecs", "describe_services", {"services": [world.service("green", running=2)], "failures": []})
    world.scale_down("green", progress=False)  # traffic never moved
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42", wait_timeout=2))
    world.done()
    assert result["failed"] and result["rolled_back"]
    assert (
        "ECS service mobileml-prod-backend-green did not become stable within 2 s: 1 deployment(s), 2 of 3 task(s)"
        " running (AWS throttled 1 of 3 checks)"
    ) in result["msg"]
    assert result["previous_task_definition"] == td_arn(41)
