"""ecs_blue_green fits the runner that runs it (Stubber, fake clock).

- ``max_duration``: the plan's worst case (the scale-up waits in full, every step's watch) is
  computed before any change, and a plan that does not fit is refused with the figures.
- ``termination_wait`` is never slept: the cut-over leaves the previous colour running, records on
  the listener rule when it may be scaled down, and a later run scales it down once that time has
  passed; until then a re-run changes nothing and the rollback runbook finds the colour up.
"""

import pytest
from botocore.stub import ANY
from test_ecs_blue_green import CLUSTER_ARN, OWNER, RULE_ARN, SERVICE, WALL, FakeClock, World, args, td_arn

from ansible_collections.mlops.aws_deploy.plugins.module_utils import rollout, rollout_record
from ansible_collections.mlops.aws_deploy.plugins.modules import ecs_blue_green


@pytest.fixture(autouse=True)
def fake_clock(monkeypatch):
    monkeypatch.setattr(rollout, "Clock", FakeClock)
    monkeypatch.setattr(rollout_record, "new_owner", lambda: OWNER)


SCALE_DOWN_TAGS = sorted(rollout_record.SCALE_DOWN_TAGS)
PROD = dict(strategy="canary", bake_time=300, interval=300, wait_timeout=900, health={"timeout": 600})


def after_cut_over(stubbed_client, due_in):
    """All traffic on green (rev 42), blue (rev 41) kept running, its scale-down recorded ``due_in`` s from now."""
    tags = rollout_record.scale_down_tags("blue", WALL + due_in)
    return World(
        stubbed_client, live="green", weights={"blue": 0, "green": 100}, revisions={"blue": 41, "green": 42},
        desired={"blue": 3, "green": 3}, previous="blue", tags=tags,
    )


def test_a_plan_over_max_duration_is_refused_before_any_change(stubbed_client, run_module):
    for check_mode in (True, False):
        world = World(stubbed_client)
        world.reads(target_td=42)  # only reads: a mutating call would find no answer
        result = run_module(
            ecs_blue_green, args(task_definition=f"{SERVICE}:42", max_duration=1800, **PROD), check_mode=check_mode
        )
        world.done()
        assert result["failed"] and not result["changed"]
        assert result["msg"].startswith(
            "The worst case of this run of mobileml-prod-backend is 2100 s (ECS stability wait 900 s, target health"
            " wait 600 s, steps watched 300 + 300 s), more than max_duration 1800 s (the time the runner gives it):"
            " refused before any change."
        )
        duration = {"stable_wait": 900, "health_wait": 600, "watches": [300, 300], "total": 2100}
        assert result["plan"]["duration"] == duration
        assert result["weights"] == {"blue": 100, "green": 0}


def test_the_plan_reports_its_worst_case(stubbed_client, run_module):
    world = World(stubbed_client)
    world.reads(target_td=42)
    plan = args(task_definition=f"{SERVICE}:42", max_duration=2100, **PROD)
    result = run_module(ecs_blue_green, plan, check_mode=True)
    world.done()
    assert not result["failed"], result["msg"]
    assert result["plan"]["duration"]["total"] == 2100  # exactly the budget fits


def test_a_cut_over_leaves_the_old_colour_running_and_records_when_it_may_go(stubbed_client, run_module):
    world = World(stubbed_client)
    healthy = world.health("green", ["healthy"] * 3)
    world.reads(target_td=42)
    world.scale_up("green", 42, tag="blue")
    world.stable("green")
    world.stub("elbv2", "describe_target_health", healthy)
    world.stub("elbv2", "describe_target_health", healthy)
    world.weights_call({"blue": 0, "green": 100})
    world.stub("elbv2", "describe_target_health", healthy)
    progress = sorted(rollout_record.PROGRESS_TAGS)
    world.stub("elbv2", "remove_tags", {}, {"ResourceArns": [RULE_ARN], "TagKeys": progress})
    # No UpdateService of blue: it keeps its tasks; the rule records when a later run may scale it down.
    due = [{"Key": rollout_record.SCALE_DOWN_AFTER_TAG, "Value": "2027-01-15T08:15:00Z"},
           {"Key": rollout_record.SCALE_DOWN_COLOR_TAG, "Value": "blue"}]
    world.stub("elbv2", "add_tags", {}, {"ResourceArns": [RULE_ARN], "Tags": due})
    world.stub("elbv2", "remove_tags", {}, {"ResourceArns": [RULE_ARN], "TagKeys": sorted(rollout_record.LOCK_TAGS)})
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42", termination_wait=900))
    world.done()
    assert not result["failed"], result["msg"]
    assert result["live_color"] == "green" and result["weights"] == {"blue": 0, "green": 100}
    assert result["plan"]["scale_down_at"] == "2027-01-15T08:15:00Z"
    end = result["timeline"][-1]
    assert (end["phase"], end["decision"]) == ("scale_down", "deferred")
    assert end["elapsed"] < 60  # the 900 s were not slept
    assert result["plan"]["duration"]["total"] == 600 + 300  # waits, no watch, no termination_wait


def test_a_run_before_the_recorded_time_changes_nothing(stubbed_client, run_module):
    world = after_cut_over(stubbed_client, due_in=600)
    world.reads(target_td=42)
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42", termination_wait=900))
    world.done()  # no lock, no UpdateService
    assert not result["failed"] and not result["changed"], result["msg"]
    assert result["plan"]["action"] == "none"
    assert result["msg"] == (
        "mobileml-prod-backend-blue keeps running until 2027-01-15T08:10:00Z (600 s from now, termination_wait after"
        " the cut-over) so that a rollback finds it up; a run from then on scales it to 0"
    )


def test_a_run_after_the_recorded_time_scales_the_old_colour_down(stubbed_client, run_module):
    world = after_cut_over(stubbed_client, due_in=-1)
    world.reads(target_td=42)
    world.lock()
    world.desired["blue"] = 0
    world.stub("ecs", "update_service", {"service": world.service("blue")},
               {"cluster": CLUSTER_ARN, "service": f"{SERVICE}-blue", "desiredCount": 0})
    world.stub("elbv2", "remove_tags", {}, {"ResourceArns": [RULE_ARN], "TagKeys": SCALE_DOWN_TAGS})
    world.end(progress=False)
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42", termination_wait=900))
    world.done()
    assert not result["failed"], result["msg"]
    assert result["plan"]["action"] == "finish"
    assert [(e["phase"], e["decision"]) for e in result["timeline"]] == [("scale_down", "done")]


def test_the_rollback_runbook_finds_the_previous_colour_still_up(stubbed_client, run_module):
    world = after_cut_over(stubbed_client, due_in=600)
    world.reads()
    world.lock()
    # blue runs 3 tasks already: no scale-up, no wait for new tasks, straight to the checks and the shift.
    world.stable("blue")
    for _check in range(2):
        world.stub("elbv2", "describe_target_health", world.health("blue", ["healthy"] * 3))
    world.stub("elbv2", "modify_rule", {"Rules": [world.rule()]}, {"RuleArn": RULE_ARN, "Actions": ANY})
    world.desired["green"] = 0
    world.stub("ecs", "update_service", {"service": world.service("green")},
               {"cluster": CLUSTER_ARN, "service": f"{SERVICE}-green", "desiredCount": 0})
    world.stub("elbv2", "remove_tags", {}, {"ResourceArns": [RULE_ARN], "TagKeys": SCALE_DOWN_TAGS})
    world.end(progress=False)
    result = run_module(ecs_blue_green, args(state="rolled_back"))
    world.done()
    assert not result["failed"], result["msg"]
    assert result["rolled_back"] and result["live_color"] == "blue" and result["task_definition"] == td_arn(41)
    assert "scale_up" not in [e["phase"] for e in result["timeline"]]


def test_max_duration_must_be_positive(stubbed_client, run_module):
    result = run_module(ecs_blue_green, args(task_definition=f"{SERVICE}:42", max_duration=0))
    assert result["failed"] and result["msg"] == "max_duration must be 1 or more seconds, got 0"
