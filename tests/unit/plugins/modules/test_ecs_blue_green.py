"""ecs_blue_green with botocore's Stubber: what the offline AWS cannot show.

moto never throttles, its ECS services are stable at once, its targets stay healthy once
registered and its alarms change only when told. Here each AWS answer is scripted, so these tests
show throttling retried during a shift, a service that never becomes stable, targets that never
become healthy or turn unhealthy during the bake, an alarm firing during a canary, the rollback
(or not, with rollback=false), and that check mode makes no mutating call (the Stubber fails on any
call that was not scripted). Time is a fake clock: bake times pass without sleeping.
"""

import copy
import json

import pytest
from botocore.stub import ANY

from ansible_collections.mlops.aws_deploy.plugins.module_utils import rollout
from ansible_collections.mlops.aws_deploy.plugins.module_utils import rollout_record
from ansible_collections.mlops.aws_deploy.plugins.modules import ecs_blue_green

ACCOUNT = "123456789012"
CLUSTER = "mobileml-prod"
SERVICE = "mobileml-prod-backend"
CLUSTER_ARN = f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/{CLUSTER}"
LB_ARN = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/app/mobileml-prod-alb/0123456789abcdef"
RULE_ARN = (
    f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:listener-rule/app/mobileml-prod-alb/"
    "0123456789abcdef/0123456789abcdef/0123456789abcdef"
)
TG = {
    c: f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:targetgroup/{SERVICE}-{c}/0123456789abcde{c[0]}"
    for c in ("blue", "green")
}
ALARMS = [f"{SERVICE}-green-5xx", f"{SERVICE}-green-latency"]


def td_arn(revision):
    return f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/{SERVICE}:{revision}"


def task_definition(revision, image=None):
    return {
        "taskDefinitionArn": td_arn(revision),
        "family": SERVICE,
        "revision": revision,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [
            {
                "name": "backend-api",
                "image": image or f"registry/backend-api:{revision}",
                "essential": True,
                "environment": [{"name": "APP_ENV", "value": "prod"}],
            }
        ],
    }


class FakeClock(rollout.Clock):
    """Time passes only when the module sleeps."""

    def __init__(self):
        self.t = 1000.0
        super().__init__()

    def now(self):
        return self.t

    def _nap(self, seconds):
        self.t += max(0, seconds)

    def elapsed(self):
        return self.t - 1000.0

    def wall(self):
        return WALL + self.elapsed()


WALL = 1_800_000_000  # the fake clock's wall time at its start (2027-01-15T08:00:00Z)


@pytest.fixture(autouse=True)
def fake_clock(monkeypatch):
    monkeypatch.setattr(rollout, "Clock", FakeClock)
    # The lock's owner is random in a real run; fixed here so that the check after writing sees it.
    monkeypatch.setattr(rollout_record, "new_owner", lambda: OWNER)


OWNER = "runner/4242/0123abcd"
PROGRESS = sorted(rollout_record.PROGRESS_TAGS)


class World:
    """Scripts the AWS answers of one blue/green service, client by client, in call order."""

    def __init__(
        self, stubbed_client, live="blue", weights=None, revisions=None, desired=None, previous=None, tags=None
    ):
        self.clients = {
            name: stubbed_client(name) for name in ("ecs", "elbv2", "cloudwatch", "application-autoscaling")
        }
        idle = "green" if live == "blue" else "blue"
        self.weights = weights or {live: 100, idle: 0}
        self.revisions = revisions or {live: 41, idle: 40}
        self.desired = desired or {live: 3, idle: 0}
        self.previous = previous
        self.tags = tags or {}  # more tags on the rule (progress, lock)

    def stub(self, service, operation, response, params=None):
        self.clients[service][1].add_response(operation, response, params)

    def error(self, service, operation, code, message="scripted"):
        self.clients[service][1].add_client_error(operation, service_error_code=code, service_message=message)

    def done(self):
        for _client, stubber in self.clients.values():
            stubber.assert_no_pending_responses()

    # -- answers

    def service(self, color, running=None):
        desired = self.desired[color]
        return {
            "serviceName": f"{SERVICE}-{color}",
            "serviceArn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/{CLUSTER}/{SERVICE}-{color}",
            "status": "ACTIVE",
            "taskDefinition": td_arn(self.revisions[color]),
            "desiredCount": desired,
            "runningCount": desired if running is None else running,
            "pendingCount": 0,
            "loadBalancers": [{"targetGroupArn": TG[color], "containerName": "backend-api", "containerPort": 8000}],
            "deployments": [
                {
                    "id": "ecs-svc/1",
                    "status": "PRIMARY",
                    "desiredCount": desired,
                    "runningCount": desired if running is None else running,
                }
            ],
        }

    def rule(self):
        return {
            "RuleArn": RULE_ARN,
            "Priority": "10",
            "IsDefault": False,
            "Conditions": [{"Field": "path-pattern", "Values": ["/api/*"]}],
            "Actions": [
                {
                    "Type": "forward",
                    "ForwardConfig": {
                        "TargetGroups": [
                            {"TargetGroupArn": TG[c], "Weight": self.weights[c]} for c in ("blue", "green")
                        ],
                        "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 60},
                    },
                }
            ],
        }

    def health(self, color, states):
        return {
            "TargetHealthDescriptions": [
                {"Target": {"Id": f"10.0.1.{i + 10}", "Port": 8000}, "TargetHealth": {"State": s}}
                for i, s in enumerate(states)
            ]
        }

    def alarms(self, states):
        return {
            "MetricAlarms": [{"AlarmName": n, "StateValue": s} for n, s in zip(ALARMS, states, strict=True)],
            "CompositeAlarms": [],
        }

    # -- call sequences

    def reads(self, alarms=None, target_td=None):
        """What every run reads first (rule given by ARN, no autoscaling)."""
        self.stub(
            "ecs",
            "describe_clusters",
            {"clusters": [{"clusterName": CLUSTER, "clusterArn": CLUSTER_ARN, "status": "ACTIVE"}]},
        )
        self.stub(
            "ecs", "describe_services", {"services": [self.service("blue"), self.service("green")], "failures": []}
        )
        for color in ("blue", "green"):
            self.stub(
                "elbv2",
                "describe_target_groups",
                {
                    "TargetGroups": [
                        {
                            "TargetGroupArn": TG[color],
                            "TargetGroupName": f"{SERVICE}-{color}",
                            "LoadBalancerArns": [LB_ARN],
                        }
                    ]
                },
            )
        self.stub("elbv2", "describe_rules", {"Rules": [self.rule()]})
        tags = [{"Key": "ecs_blue_green:previous_color", "Value": self.previous}] if self.previous else []
        tags += [{"Key": k, "Value": v} for k, v in sorted(self.tags.items())]
        description = {"ResourceArn": RULE_ARN, "Tags": tags} if tags else {"ResourceArn": RULE_ARN}
        self.stub("elbv2", "describe_tags", {"TagDescriptions": [description]})
        for color in ("blue", "green"):
            self.stub(
                "ecs",
                "describe_task_definition",
                {"taskDefinition": task_definition(self.revisions[color]), "tags": []},
            )
        self.stub("application-autoscaling", "describe_scalable_targets", {"ScalableTargets": []})
        if alarms:
            self.stub("cloudwatch", "describe_alarms", self.alarms(["OK"] * len(ALARMS)))
        if target_td is not None:
            self.stub("ecs", "describe_task_definition", {"taskDefinition": task_definition(target_td), "tags": []})

    def lock(self):
        """The lock taken before the first change: AddTags, then DescribeTags to check it holds."""
        self.stub("elbv2", "add_tags", {}, {"ResourceArns": [RULE_ARN], "Tags": ANY})
        tags = [{"Key": rollout_record.LOCK_OWNER_TAG, "Value": OWNER},
                {"Key": rollout_record.LOCK_EXPIRES_TAG, "Value": "2026-12-01T00:00:00Z"}]
        self.stub("elbv2", "describe_tags", {"TagDescriptions": [{"ResourceArn": RULE_ARN, "Tags": tags}]})

    def weights_call(self, weights, rollback=False):
        """ModifyRule; a step records its progress after it, a rollback records itself before it."""
        actions = copy.deepcopy(self.rule()["Actions"])
        for group, color in zip(actions[0]["ForwardConfig"]["TargetGroups"], ("blue", "green"), strict=True):
            group["Weight"] = weights[color]
        self.weights = dict(weights)
        progress = {"ResourceArns": [RULE_ARN], "Tags": ANY}
        if rollback:
            self.stub("elbv2", "add_tags", {}, progress)
        self.stub("elbv2", "modify_rule", {"Rules": [self.rule()]}, {"RuleArn": RULE_ARN, "Actions": actions})
        if not rollback:
            self.stub("elbv2", "add_tags", {}, progress)

    def end(self, progress=True):
        """The end of a run that changed something: progress record removed, then the lock."""
        if progress:
            self.stub("elbv2", "remove_tags", {}, {"ResourceArns": [RULE_ARN], "TagKeys": PROGRESS})
        self.stub("elbv2", "remove_tags", {}, {"ResourceArns": [RULE_ARN], "TagKeys": sorted(rollout_record.LOCK_TAGS)})

    def scale_up(self, color, revision, tag=None, running=None):
        self.lock()
        if tag:
            self.stub(
                "elbv2",
                "add_tags",
                {},
                {"ResourceArns": [RULE_ARN], "Tags": [{"Key": "ecs_blue_green:previous_color", "Value": tag}]},
            )
        self.revisions[color] = revision
        self.desired[color] = 3
        self.stub(
            "ecs",
            "update_service",
            {"service": self.service(color)},
            {
                "cluster": CLUSTER_ARN,
                "service": f"{SERVICE}-{color}",
                "taskDefinition": td_arn(revision),
                "desiredCount": 3,
            },
        )

    def stable(self, color):
        self.stub("ecs", "describe_services", {"services": [self.service(color)], "failures": []})

    def scale_down(self, color, progress=True):
        self.end(progress)
        self.desired[color] = 0
        self.stub(
            "ecs",
            "update_service",
            {"service": self.service(color)},
            {"cluster": CLUSTER_ARN, "service": f"{SERVICE}-{color}", "desiredCount": 0},
        )


BASE = {"cluster": CLUSTER, "service": SERVICE, "listener_rule_arn": RULE_ARN, "poll_interval": 1}


def args(**extra):
    return dict(BASE, **extra)


def phases(result):
    return [(e["phase"], e["decision"]) for e in result["timeline"]]


def test_check_mode_returns_the_plan_without_a_mutating_call(stubbed_client, run_module):
    world = World(stubbed_client)
    world.reads(alarms=True, target_td=42)
    # Only reads are scripted: any mutating call would find no answer and fail the run.
    result = run_module(
        ecs_blue_green,
        args(task_definition=f"{SERVICE}:42", strategy="canary", bake_time=300, alarms=ALARMS),
        check_mode=True,
        diff=True,
    )
    world.done()
    assert not result["failed"], result["msg"]
    assert result["changed"]
    plan = result["plan"]
    assert plan["action"] == "deploy" and plan["live_color"] == "blue" and plan["new_color"] == "green"
    assert plan["steps"] == [
        {"weights": {"blue": 90, "green": 10}, "hold": 300},
        {"weights": {"blue": 0, "green": 100}, "hold": 300},
    ]
    assert plan["task_definition"] == {"current": td_arn(41), "target": td_arn(42), "register": False}
    assert plan["desired_count"] == 3
    assert plan["scale_down"] == {"color": "blue", "after": 0}
    assert result["diff"]["before"]["containers"]["backend-api"]["image"] == "registry/backend-api:41"
    assert result["diff"]["after"]["containers"]["backend-api"]["image"] == "registry/backend-api:42"
    assert result["timeline"] == []


def test_all_at_once_deploy_shifts_and_scales_the_old_colour_down(stubbed_client, run_module):
    world = World(stubbed_client)
    world.reads(target_td=42)
    world.scale_up("green", 42, tag="blue")
    world.stable("green")
    world.stub("elbv2", "describe_target_health", world.health("green", ["healthy"] * 3))  # waiter
    world.stub("elbv2", "describe_target_health", world.health("green", ["healthy"] * 3))  # ready check
    world.weights_call({"blue": 0, "green": 100})
    world.stub("elbv2", "describe_target_health", world.health("green", ["healthy"] * 3))  # bake check
    world.scale_down("blue")
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42"))
    world.done()
    assert not result["failed"], result["msg"]
    assert result["live_color"] == "green" and result["task_definition"] == td_arn(42)
    assert result["previous_task_definition"] == td_arn(41)
    assert [entry["phase"] for entry in result["timeline"]] == ["scale_up", "ready", "shift", "bake", "scale_down"]


def test_throttling_during_a_shift_is_retried(stubbed_client, run_module):
    world = World(stubbed_client)
    world.reads(target_td=42)
    world.scale_up("green", 42, tag="blue")
    world.stable("green")
    for _attempt in range(2):
        world.stub("elbv2", "describe_target_health", world.health("green", ["healthy"] * 3))
    # ELBv2 says Throttling, ECS says ThrottlingException: both are retried with backoff.
    world.error("elbv2", "modify_rule", "Throttling")
    world.error("elbv2", "modify_rule", "Throttling")
    world.weights_call({"blue": 90, "green": 10})
    world.error("elbv2", "describe_target_health", "Throttling")
    world.stub("elbv2", "describe_target_health", world.health("green", ["healthy"] * 3))
    world.weights_call({"blue": 0, "green": 100})
    world.stub("elbv2", "describe_target_health", world.health("green", ["healthy"] * 3))
    world.error("ecs", "update_service", "ThrottlingException")
    world.scale_down("blue")
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42", strategy="canary", canary_percent=10))
    world.done()
    assert not result["failed"], result["msg"]
    assert result["weights"] == {"blue": 0, "green": 100}
    shifts = [e["weights"] for e in result["timeline"] if e["phase"] == "shift"]
    assert shifts == [{"blue": 90, "green": 10}, {"blue": 0, "green": 100}]


def test_throttling_that_never_ends_rolls_the_shift_back(stubbed_client, run_module):
    world = World(stubbed_client)
    world.reads(target_td=42)
    world.scale_up("green", 42, tag="blue")
    world.stable("green")
    for _attempt in range(2):
        world.stub("elbv2", "describe_target_health", world.health("green", ["healthy"] * 3))
    world.weights_call({"blue": 90, "green": 10})
    for _attempt in range(10):  # AWSRetry gives up after 10 attempts
        world.error("elbv2", "describe_target_health", "Throttling", "Rate exceeded")
    world.weights_call({"blue": 100, "green": 0}, rollback=True)
    world.scale_down("green")
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42", strategy="canary", bake_time=5))
    world.done()
    assert result["failed"] and result["rolled_back"]
    assert "Rate exceeded" in result["msg"]
    assert "Rolled back: all traffic is on mobileml-prod-backend-blue" in result["msg"]
    assert result["weights"] == {"blue": 100, "green": 0}
    assert phases(result)[-2:] == [("rollback", "rollback"), ("rollback", "failed")]


def test_a_service_that_never_becomes_stable_is_rolled_back(stubbed_client, run_module):
    world = World(stubbed_client)
    world.reads(target_td=42)
    world.scale_up("green", 42, tag="blue")
    for _attempt in range(3):  # wait_timeout 2 s / poll 1 s: three looks, then the waiter gives up
        world.stub("ecs", "describe_services", {"services": [world.service("green", running=1)], "failures": []})
    world.scale_down("green", progress=False)
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42", wait_timeout=2))
    world.done()
    assert result["failed"] and result["rolled_back"]
    assert "ECS service mobileml-prod-backend-green did not become stable within 2 s" in result["msg"]
    assert result["weights"] == {"blue": 100, "green": 0}  # traffic never moved


def test_targets_that_never_become_healthy_are_rolled_back(stubbed_client, run_module):
    world = World(stubbed_client)
    world.reads(target_td=42)
    world.scale_up("green", 42, tag="blue")
    world.stable("green")
    for _attempt in range(4):  # health timeout 3 s / poll 1 s: the message tells the last of these
        world.stub("elbv2", "describe_target_health", world.health("green", ["healthy", "unhealthy", "initial"]))
    world.scale_down("green", progress=False)
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42", health={"timeout": 3}))
    world.done()
    assert result["failed"] and result["rolled_back"]
    assert "were not healthy within 3 s: 1 green target(s) unhealthy (10.0.1.11)" in result["msg"]
    ready = [e for e in result["timeline"] if e["phase"] == "ready"][0]
    assert ready["health"]["green"] == {
        "healthy": 1,
        "required": 3,
        "registered": 3,
        "ok": False,
        "unhealthy": ["10.0.1.11"],
        "other_states": ["initial"],
    }


def test_min_healthy_percent_lowers_the_targets_needed(stubbed_client, run_module):
    world = World(stubbed_client)
    world.reads(target_td=42)
    world.scale_up("green", 42, tag="blue")
    world.stable("green")
    for _attempt in range(2):
        world.stub("elbv2", "describe_target_health", world.health("green", ["healthy", "healthy", "initial"]))
    world.weights_call({"blue": 0, "green": 100})
    world.stub("elbv2", "describe_target_health", world.health("green", ["healthy", "healthy", "initial"]))
    world.scale_down("blue")
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42", health={"min_healthy_percent": 50}))
    world.done()
    assert not result["failed"], result["msg"]
    assert result["timeline"][1]["health"]["green"]["required"] == 2


def test_targets_turning_unhealthy_during_the_bake_roll_back(stubbed_client, run_module):
    world = World(stubbed_client)
    world.reads(target_td=42)
    world.scale_up("green", 42, tag="blue")
    world.stable("green")
    for _attempt in range(2):
        world.stub("elbv2", "describe_target_health", world.health("green", ["healthy"] * 3))
    world.weights_call({"blue": 0, "green": 100})
    world.stub("elbv2", "describe_target_health", world.health("green", ["healthy"] * 3))
    world.stub("elbv2", "describe_target_health", world.health("green", ["healthy"] * 3))
    world.stub("elbv2", "describe_target_health", world.health("green", ["healthy", "unhealthy", "unhealthy"]))
    world.weights_call({"blue": 100, "green": 0}, rollback=True)
    world.scale_down("green")
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42", bake_time=60, poll_interval=5))
    world.done()
    assert result["failed"] and result["rolled_back"]
    bake = [e for e in result["timeline"] if e["phase"] == "bake"][0]
    assert bake["checks"] == 3 and bake["decision"] == "rollback"
    assert bake["elapsed"] == 10  # found at the third check, 2 x 5 s into the bake
    assert "2 green target(s) unhealthy (10.0.1.11, 10.0.1.12)" in result["msg"]


def test_an_alarm_during_the_canary_bake_moves_traffic_back(stubbed_client, run_module):
    world = World(stubbed_client)
    world.reads(alarms=True, target_td=42)
    world.scale_up("green", 42, tag="blue")
    world.stable("green")
    for _attempt in range(2):
        world.stub("elbv2", "describe_target_health", world.health("green", ["healthy"] * 3))
    world.stub("cloudwatch", "describe_alarms", world.alarms(["OK", "OK"]))  # before the first shift
    world.weights_call({"blue": 90, "green": 10})
    world.stub("elbv2", "describe_target_health", world.health("green", ["healthy"] * 3))
    world.stub("cloudwatch", "describe_alarms", world.alarms(["OK", "OK"]))
    world.stub("elbv2", "describe_target_health", world.health("green", ["healthy"] * 3))
    world.stub("cloudwatch", "describe_alarms", world.alarms(["ALARM", "OK"]))
    world.weights_call({"blue": 100, "green": 0}, rollback=True)
    world.scale_down("green")
    result = run_module(
        ecs_blue_green,
        args(task_definition=f"{SERVICE}:42", strategy="canary", bake_time=300, poll_interval=5, alarms=ALARMS),
    )
    world.done()
    assert result["failed"] and result["rolled_back"]
    assert result["msg"] == (
        "Deployment of mobileml-prod-backend:42 to mobileml-prod-backend-green failed: alarm(s) in ALARM: "
        "mobileml-prod-backend-green-5xx. Rolled back: all traffic is on mobileml-prod-backend-blue "
        "(mobileml-prod-backend:41) and mobileml-prod-backend-green is scaled to 0."
    )
    bake = [e for e in result["timeline"] if e["phase"] == "bake"][0]
    assert bake["weights"] == {"blue": 90, "green": 10}
    assert bake["alarms"] == {ALARMS[0]: "ALARM", ALARMS[1]: "OK"}


def test_rollback_false_leaves_the_weights_where_the_failure_found_them(stubbed_client, run_module):
    world = World(stubbed_client)
    world.reads(target_td=42)
    world.scale_up("green", 42, tag="blue")
    world.stable("green")
    for _attempt in range(2):
        world.stub("elbv2", "describe_target_health", world.health("green", ["healthy"] * 3))
    world.weights_call({"blue": 90, "green": 10})
    world.stub("elbv2", "describe_target_health", world.health("green", ["unhealthy"] * 3))
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42", strategy="canary", rollback=False))
    world.done()
    assert result["failed"] and not result["rolled_back"]
    assert "rollback=false: traffic stays at blue 90 / green 10" in result["msg"]


def test_an_interrupted_shift_is_resumed_from_its_weights(stubbed_client, run_module):
    world = World(
        stubbed_client,
        weights={"blue": 40, "green": 60},
        revisions={"blue": 41, "green": 42},
        desired={"blue": 3, "green": 3},
        previous="blue",
    )
    world.reads(target_td=42)
    world.lock()
    world.stable("green")  # already at the live desired count: no UpdateService
    for _attempt in range(2):
        world.stub("elbv2", "describe_target_health", world.health("green", ["healthy"] * 3))
    # No progress record: the interrupted step at 60% is recorded and watched again (interval 0).
    world.stub("elbv2", "add_tags", {}, {"ResourceArns": [RULE_ARN], "Tags": ANY})
    world.stub("elbv2", "describe_target_health", world.health("green", ["healthy"] * 3))
    world.weights_call({"blue": 20, "green": 80})
    world.stub("elbv2", "describe_target_health", world.health("green", ["healthy"] * 3))
    world.weights_call({"blue": 0, "green": 100})
    world.stub("elbv2", "describe_target_health", world.health("green", ["healthy"] * 3))
    world.scale_down("blue")
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42", strategy="linear", step_percent=20))
    world.done()
    assert not result["failed"], result["msg"]
    assert result["plan"]["action"] == "resume"
    assert [s["weights"]["green"] for s in result["plan"]["steps"]] == [80, 100]


def test_bad_percent_fails_before_any_call(stubbed_client, run_module):
    world = World(stubbed_client)  # nothing scripted: any call would fail differently
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42", strategy="linear", step_percent=0))
    world.done()
    assert result["failed"]
    assert result["msg"] == "step_percent must be between 1 and 99, got 0"


def test_a_missing_task_definition_fails_before_any_change(stubbed_client, run_module):
    world = World(stubbed_client)
    world.reads()
    world.error("ecs", "describe_task_definition", "ClientException", "Unable to describe task definition.")
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:99"))
    world.done()
    assert result["failed"]
    assert result["msg"] == f"The task definition {SERVICE}:99 does not exist"


def test_a_rule_that_does_not_forward_to_both_colours_fails(stubbed_client, run_module):
    world = World(stubbed_client)
    world.stub(
        "ecs",
        "describe_clusters",
        {"clusters": [{"clusterName": CLUSTER, "clusterArn": CLUSTER_ARN, "status": "ACTIVE"}]},
    )
    world.stub(
        "ecs", "describe_services", {"services": [world.service("blue"), world.service("green")], "failures": []}
    )
    for color in ("blue", "green"):
        world.stub(
            "elbv2",
            "describe_target_groups",
            {
                "TargetGroups": [
                    {"TargetGroupArn": TG[color], "TargetGroupName": f"{SERVICE}-{color}", "LoadBalancerArns": [LB_ARN]}
                ]
            },
        )
    rule = world.rule()
    rule["Actions"] = [{"Type": "forward", "TargetGroupArn": TG["blue"]}]
    world.stub("elbv2", "describe_rules", {"Rules": [rule]}, {"RuleArns": [RULE_ARN]})
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42"))
    world.done()
    assert result["failed"]
    assert (
        "does not forward to both target groups mobileml-prod-backend-blue and mobileml-prod-backend-green"
        in result["msg"]
    )


# ---------------------------------------------------------------- the rollout as plain data


@pytest.mark.parametrize(
    ("strategy", "start", "expected"),
    [
        ("all_at_once", 0, [100]),
        ("canary", 0, [10, 100]),
        ("linear", 0, [30, 60, 90, 100]),
        ("linear", 60, [90, 100]),
        ("canary", 10, [100]),
    ],
)
def test_weight_steps(strategy, start, expected):
    assert rollout.weight_steps(strategy, canary_percent=10, step_percent=30, start=start) == expected


def colors(blue_td, green_td, blue_desired=1, green_desired=0):
    return {
        "blue": {"task_definition": blue_td, "desired_count": blue_desired, "autoscaling": False},
        "green": {"task_definition": green_td, "desired_count": green_desired, "autoscaling": False},
    }


@pytest.mark.parametrize(
    ("weights", "tds", "previous", "target", "expected"),
    [
        ({"blue": 100, "green": 0}, ("a", "a"), None, "a", ("none", "blue", "blue")),
        ({"blue": 100, "green": 0}, ("a", "a"), None, "b", ("deploy", "blue", "green")),
        ({"blue": 0, "green": 100}, ("a", "b"), "blue", "c", ("deploy", "green", "blue")),
        ({"blue": 100, "green": 0}, ("a", None), None, None, ("deploy", "blue", "green")),
        # Interrupted shifts: towards the request -> resume; the live colour has it -> restore.
        ({"blue": 60, "green": 40}, ("a", "b"), "blue", "b", ("resume", "blue", "green")),
        ({"blue": 50, "green": 50}, ("a", "b"), "blue", "b", ("resume", "blue", "green")),
        ({"blue": 60, "green": 40}, ("a", "b"), "blue", "a", ("restore", "blue", "blue")),
        # ... towards something else: back to the recorded previous colour first, then deploy.
        ({"blue": 30, "green": 70}, ("a", "b"), "blue", "c", ("deploy", "blue", "green")),
    ],
)
def test_decide(weights, tds, previous, target, expected):
    state = {"weights": weights, "colors": colors(*tds), "previous_color": previous}
    decision = rollout.decide(state, target)
    assert (decision["action"], decision["live_color"], decision["new_color"]) == expected


def test_decide_finishes_a_cut_over_that_left_the_old_colour_running():
    state = {"weights": {"blue": 0, "green": 100}, "colors": colors("a", "b", 2, 2), "previous_color": "blue"}
    assert rollout.decide(state, "b")["action"] == "finish"


def test_decide_rollback_goes_to_the_recorded_previous_colour_once():
    state = {"weights": {"blue": 0, "green": 100}, "colors": colors("a", "b", 0, 2), "previous_color": "blue"}
    assert rollout.decide_rollback(state)["action"] == "rollback"
    assert rollout.decide_rollback(state)["new_color"] == "blue"
    state["weights"] = {"blue": 100, "green": 0}
    state["colors"] = colors("a", "b", 2, 0)
    assert rollout.decide_rollback(state)["action"] == "none"


def test_decide_rollback_without_a_previous_colour_and_one_task_definition_does_nothing():
    state = {"weights": {"blue": 100, "green": 0}, "colors": colors("a", "a"), "previous_color": None}
    assert "nothing to roll back to" in rollout.decide_rollback(state)["reason"]


@pytest.mark.parametrize(
    ("desired", "percent", "required"), [(3, 100, 3), (3, 50, 2), (1, 0, 1), (0, 100, 0), (10, 25, 3)]
)
def test_required_healthy(desired, percent, required):
    assert rollout.required_healthy(desired, percent) == required


def test_watch_checks_a_bounded_number_of_times():
    clock = FakeClock()
    calls = []

    def check():
        calls.append(clock.now())
        return {"problem": None}

    observation = rollout.watch(clock, 12, 5, check)
    assert observation["checks"] == 4
    assert calls == [1000.0, 1005.0, 1010.0, 1012.0]


def test_weights_are_percent_of_the_alb_weights():
    assert rollout.percent_weights({"blue": 3, "green": 1}) == {"blue": 75, "green": 25}
    assert rollout.percent_weights({"blue": 0, "green": 0}) == {"blue": 0, "green": 0}


# ---------------------------------------------------------------- a re-run after the runner died


def at_full_bake(stubbed_client, step_started_ago, hold=30, step="100", color="green"):
    """All traffic on green (rev 42), blue (rev 41) still running, the record of the step being watched."""
    tags = rollout_record.progress_tags(step, color, td_arn(42), WALL - step_started_ago, hold)
    if step != "rollback":
        tags[rollout_record.STEP_TAG] = step
    return World(
        stubbed_client, live="green", weights={"blue": 0, "green": 100}, revisions={"blue": 41, "green": 42},
        desired={"blue": 3, "green": 3}, previous="blue", tags=tags,
    )


def test_decide_resumes_a_bake_the_dead_run_was_watching():
    state = {"weights": {"blue": 0, "green": 100}, "colors": colors("a", "b", 2, 2), "previous_color": "blue",
             "progress": {"step": 100, "color": "green"}}
    assert rollout.decide(state, "b") == {"action": "resume", "live_color": "blue", "new_color": "green", "start": 100}
    state["progress"] = {"step": "rollback", "color": "green"}
    assert rollout.decide(state, "b")["action"] == "complete_rollback"
    state["weights"] = {"blue": 100, "green": 0}  # the rollback's ModifyRule was done, the scale-down not
    assert rollout.decide(state, "b")["action"] == "complete_rollback"
    state["progress"] = None
    state["weights"] = {"blue": 0, "green": 100}
    assert rollout.decide(state, "b")["action"] == "finish"


def test_a_rerun_after_a_crash_in_the_bake_watches_only_what_is_left_of_it(stubbed_client, run_module):
    world = at_full_bake(stubbed_client, step_started_ago=5, hold=30)
    healthy = world.health("green", ["healthy"] * 3)
    world.reads(alarms=True, target_td=42)
    world.lock()
    world.stable("green")
    world.stub("elbv2", "describe_target_health", healthy)  # wait for healthy targets
    world.stub("elbv2", "describe_target_health", healthy)  # ready check, alarms first
    world.stub("cloudwatch", "describe_alarms", world.alarms(["OK", "OK"]))
    for _check in range(6):  # 25 s left of the 30 s bake, a check every 5 s and one at the start
        world.stub("elbv2", "describe_target_health", healthy)
        world.stub("cloudwatch", "describe_alarms", world.alarms(["OK", "OK"]))
    world.scale_down("blue")
    result = run_module(
        ecs_blue_green,
        args(task_definition=f"{SERVICE}:42", strategy="canary", bake_time=30, poll_interval=5, alarms=ALARMS),
    )
    world.done()
    assert not result["failed"], result["msg"]
    assert result["plan"]["action"] == "resume"
    assert result["plan"]["resume_watch"] == {"weights": {"blue": 0, "green": 100}, "hold": 25}
    bake = [e for e in result["timeline"] if e["phase"] == "bake"]
    assert [(e["hold"], e["checks"]) for e in bake] == [(25, 6)]
    assert result["live_color"] == "green" and result["weights"] == {"blue": 0, "green": 100}


def test_a_rerun_after_a_crash_in_the_bake_with_an_alarm_firing_rolls_back(stubbed_client, run_module):
    # The dead run saw the alarm but died before its rollback reached AWS: the re-run must not finish.
    world = at_full_bake(stubbed_client, step_started_ago=5, hold=30)
    healthy = world.health("green", ["healthy"] * 3)
    world.reads(alarms=True, target_td=42)
    world.lock()
    world.stable("green")
    world.stub("elbv2", "describe_target_health", healthy)
    world.stub("elbv2", "describe_target_health", healthy)
    world.stub("cloudwatch", "describe_alarms", world.alarms(["ALARM", "OK"]))
    world.weights_call({"blue": 100, "green": 0}, rollback=True)
    world.scale_down("green")
    result = run_module(
        ecs_blue_green,
        args(task_definition=f"{SERVICE}:42", strategy="canary", bake_time=30, poll_interval=5, alarms=ALARMS),
    )
    world.done()
    assert result["failed"] and result["rolled_back"]
    assert (
        "alarm(s) in ALARM: mobileml-prod-backend-green-5xx. Rolled back: all traffic is on mobileml-prod-backend-blue"
    ) in result["msg"]
    assert result["weights"] == {"blue": 100, "green": 0}


def test_a_rerun_after_a_crash_in_the_rollback_completes_it_and_fails(stubbed_client, run_module):
    world = at_full_bake(stubbed_client, step_started_ago=5, step="rollback")
    world.reads(target_td=42)
    world.lock()
    world.stub("elbv2", "modify_rule", {"Rules": [world.rule()]}, {"RuleArn": RULE_ARN, "Actions": ANY})
    world.scale_down("green")
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42"))
    world.done()
    assert result["failed"] and result["rolled_back"]
    assert result["plan"]["action"] == "complete_rollback"
    assert "died while rolling it back. Rolled back: all traffic is on mobileml-prod-backend-blue" in result["msg"]


def test_a_finished_bake_with_an_alarm_firing_does_not_scale_the_previous_colour_down(stubbed_client, run_module):
    world = World(stubbed_client, live="green", weights={"blue": 0, "green": 100}, revisions={"blue": 41, "green": 42},
                  desired={"blue": 3, "green": 3}, previous="blue")
    world.reads(target_td=42)
    world.stub("cloudwatch", "describe_alarms", world.alarms(["ALARM", "OK"]))
    world.lock()
    world.end(progress=False)
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42", alarms=ALARMS))
    world.done()
    assert result["failed"] and not result["rolled_back"]
    assert result["msg"] == (
        "Not finishing the cut-over of mobileml-prod-backend to mobileml-prod-backend-green: alarm(s) in ALARM: "
        "mobileml-prod-backend-green-5xx. mobileml-prod-backend-blue keeps running so that the rollback runbook "
        "can move the traffic back to it; nothing was changed."
    )


def test_each_step_records_its_progress_on_the_rule(stubbed_client, run_module):
    world = World(stubbed_client)
    healthy = world.health("green", ["healthy"] * 3)
    world.reads(target_td=42)
    world.scale_up("green", 42, tag="blue")
    world.stable("green")
    world.stub("elbv2", "describe_target_health", healthy)
    world.stub("elbv2", "describe_target_health", healthy)
    world.stub("elbv2", "modify_rule", {"Rules": [world.rule()]}, {"RuleArn": RULE_ARN, "Actions": ANY})
    step = [
        {"Key": "ecs_blue_green:step", "Value": "100"},
        {"Key": "ecs_blue_green:step_color", "Value": "green"},
        {"Key": "ecs_blue_green:step_hold", "Value": "10"},
        {"Key": "ecs_blue_green:step_started", "Value": "2027-01-15T08:00:00Z"},
        {"Key": "ecs_blue_green:step_task_definition", "Value": f"{SERVICE}:42"},
    ]
    world.stub("elbv2", "add_tags", {}, {"ResourceArns": [RULE_ARN], "Tags": step})
    for _check in range(3):
        world.stub("elbv2", "describe_target_health", healthy)
    world.scale_down("blue")
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42", bake_time=10, poll_interval=5))
    world.done()
    assert not result["failed"], result["msg"]


# ---------------------------------------------------------------- the lock


def test_a_second_run_is_refused_while_the_first_holds_the_lock(stubbed_client, run_module):
    lock = rollout_record.lock_tags("ci-7/311/feedbeef", WALL + 90)
    world = World(stubbed_client, tags=lock)
    world.reads(target_td=42)
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42"))
    world.done()  # nothing but the reads: no change at all
    assert result["failed"] and not result["changed"]
    assert result["msg"].startswith(
        "The rollout of mobileml-prod-backend is locked by ci-7/311/feedbeef until 2027-01-15T08:01:30Z (90 s from now)"
    )
    assert result["lock"] == {"owner": "ci-7/311/feedbeef", "expires": "2027-01-15T08:01:30Z"}


def test_check_mode_warns_of_a_held_lock(stubbed_client, run_module):
    world = World(stubbed_client, tags=rollout_record.lock_tags("ci-7/311/feedbeef", WALL + 90))
    world.reads(target_td=42)
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42"), check_mode=True)
    world.done()
    assert not result["failed"]
    assert result["plan"]["lock"] == {"owner": "ci-7/311/feedbeef", "expires": "2027-01-15T08:01:30Z"}
    assert "a real run would be refused now" in json.dumps(result["warnings"])


@pytest.mark.parametrize(("expires_in", "break_lock", "how"), [(-1, False, "took over"), (90, True, "broke")])
def test_an_expired_or_broken_lock_is_taken(stubbed_client, run_module, expires_in, break_lock, how):
    world = World(stubbed_client, tags=rollout_record.lock_tags("ci-7/311/feedbeef", WALL + expires_in))
    world.reads(target_td=42)
    world.scale_up("green", 42, tag="blue")
    world.stable("green")
    for _check in range(2):
        world.stub("elbv2", "describe_target_health", world.health("green", ["healthy"] * 3))
    world.weights_call({"blue": 0, "green": 100})
    world.stub("elbv2", "describe_target_health", world.health("green", ["healthy"] * 3))
    world.scale_down("blue")
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42", break_lock=break_lock))
    world.done()
    assert not result["failed"], result["msg"]
    lock = [e for e in result["timeline"] if e["phase"] == "lock"]
    assert lock[0]["detail"].startswith("%s the lock of ci-7/311/feedbeef" % how)
    assert "the lock of ci-7/311/feedbeef" in json.dumps(result["warnings"])


def test_two_runs_that_start_together_one_is_refused(stubbed_client, run_module):
    world = World(stubbed_client)
    world.reads(target_td=42)
    world.stub("elbv2", "add_tags", {}, {"ResourceArns": [RULE_ARN], "Tags": ANY})
    other_lock = rollout_record.lock_tags("ci-8/99/cafe0001", WALL + 120)
    world.stub("elbv2", "describe_tags", {"TagDescriptions": [
        {"ResourceArn": RULE_ARN, "Tags": [{"Key": k, "Value": v} for k, v in other_lock.items()]}]})
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42"))
    world.done()
    assert result["failed"]
    assert "locked by ci-8/99/cafe0001 until" in result["msg"]


def test_the_lock_is_renewed_through_a_long_bake(stubbed_client, run_module):
    world = World(stubbed_client)
    healthy = world.health("green", ["healthy"] * 3)
    world.reads(target_td=42)
    world.scale_up("green", 42, tag="blue")
    world.stable("green")
    world.stub("elbv2", "describe_target_health", healthy)
    world.stub("elbv2", "describe_target_health", healthy)
    world.weights_call({"blue": 0, "green": 100})
    # A 100 s bake, a check every 50 s; lock_ttl 30: the sleeps wake every 10 s to renew the lease.
    world.stub("elbv2", "describe_target_health", healthy)
    for _check in range(2):
        for _renewal in range(5):
            world.stub("elbv2", "add_tags", {}, {"ResourceArns": [RULE_ARN], "Tags": ANY})
        world.stub("elbv2", "describe_target_health", healthy)
    world.scale_down("blue")
    result = run_module(
        ecs_blue_green, args(task_definition=f"{SERVICE}:42", bake_time=100, poll_interval=50, lock_ttl=30)
    )
    world.done()
    assert not result["failed"], result["msg"]


def test_the_rollback_runbook_respects_the_lock_unless_told_to_break_it(stubbed_client, run_module):
    lock = rollout_record.lock_tags("ci-7/311/feedbeef", WALL + 90)
    state = dict(live="green", weights={"blue": 0, "green": 100}, revisions={"blue": 41, "green": 42},
                 desired={"blue": 0, "green": 3}, previous="blue", tags=lock)
    world = World(stubbed_client, **state)
    world.reads()
    refused = run_module(ecs_blue_green, args(state="rolled_back"))
    world.done()
    assert refused["failed"] and "locked by ci-7/311/feedbeef until 2027-01-15T08:01:30Z" in refused["msg"]
    assert "-e break_lock=true" in refused["msg"]

    world = World(stubbed_client, **state)
    world.reads()
    world.lock()
    world.desired["blue"] = 3  # blue back to the live count
    world.stub(
        "ecs", "update_service", {"service": world.service("blue")},
        {"cluster": CLUSTER_ARN, "service": f"{SERVICE}-blue", "desiredCount": 3},
    )
    world.stable("blue")
    for _check in range(2):
        world.stub("elbv2", "describe_target_health", world.health("blue", ["healthy"] * 3))
    world.stub("elbv2", "modify_rule", {"Rules": [world.rule()]}, {"RuleArn": RULE_ARN, "Actions": ANY})
    world.scale_down("green", progress=False)
    broken = run_module(ecs_blue_green, args(state="rolled_back", break_lock=True))
    world.done()
    assert not broken["failed"], broken["msg"]
    assert broken["rolled_back"] and broken["live_color"] == "blue"
    assert [e["detail"] for e in broken["timeline"] if e["phase"] == "lock"] == [
        "broke the lock of ci-7/311/feedbeef (expiring 2027-01-15T08:01:30Z)"
    ]
