"""ecs_blue_green_info with botocore's Stubber.

The answers are those of the ECS, ELBv2 and Application Auto Scaling API references
(DescribeServices, DescribeTargetGroups, DescribeRules, DescribeTags, DescribeTaskDefinition,
DescribeScalableTargets, DescribeTargetHealth), scripted by test_ecs_blue_green's World: moto
cannot show a target turning unhealthy, a shift half done, or a lock held by another run.
"""

from test_ecs_blue_green import OWNER, RULE_ARN, SERVICE, World

from ansible_collections.mlops.aws_deploy.plugins.module_utils import rollout_record
from ansible_collections.mlops.aws_deploy.plugins.modules import ecs_blue_green_info

ARGS = {"cluster": "mobileml-prod", "service": SERVICE, "listener_rule_arn": RULE_ARN}


def expect_health(world, blue, green):
    world.stub("elbv2", "describe_target_health", world.health("blue", blue))
    world.stub("elbv2", "describe_target_health", world.health("green", green))


def test_the_live_colour_its_weights_and_the_health_of_both(stubbed_client, run_module):
    world = World(stubbed_client)
    world.reads()
    expect_health(world, ["healthy"] * 3, [])
    result = run_module(ecs_blue_green_info, ARGS)
    world.done()
    assert not result["failed"], result
    assert not result["changed"]
    assert (result["live_color"], result["idle_color"]) == ("blue", "green")
    assert result["weights"] == {"blue": 100, "green": 0}
    assert result["shifting"] is False
    assert result["task_definition"].endswith(f"{SERVICE}:41")
    blue = result["colors"]["blue"]
    assert blue["desired_count"] == 3 and blue["revision"] == 41
    assert blue["health"]["ok"] and blue["health"]["healthy"] == 3
    assert blue["containers"] == [{"name": "backend-api", "image": "registry/backend-api:41"}]
    assert result["colors"]["green"]["target_group_name"] == f"{SERVICE}-green"
    assert result["progress"] is None and result["lock"] is None


def test_a_shift_half_done_with_an_unhealthy_target(stubbed_client, run_module):
    world = World(stubbed_client, weights={"blue": 90, "green": 10}, desired={"blue": 3, "green": 3},
                  revisions={"blue": 41, "green": 42}, previous="blue")
    world.reads()
    expect_health(world, ["healthy"] * 3, ["healthy", "unhealthy", "healthy"])
    result = run_module(ecs_blue_green_info, ARGS)
    assert not result["failed"], result
    assert result["live_color"] == "blue" and result["shifting"] is True
    assert result["previous_color"] == "blue"
    green = result["colors"]["green"]
    assert green["weight"] == 10
    assert not green["health"]["ok"]
    assert [t["state"] for t in green["targets"]] == ["healthy", "unhealthy", "healthy"]


def test_a_lock_held_by_another_run_is_reported_with_its_expiry(stubbed_client, run_module):
    world = World(stubbed_client, tags={rollout_record.LOCK_OWNER_TAG: OWNER,
                                        rollout_record.LOCK_EXPIRES_TAG: "2099-01-01T00:00:00Z"})
    world.reads()
    expect_health(world, ["healthy"] * 3, [])
    result = run_module(ecs_blue_green_info, ARGS)
    assert not result["failed"], result
    assert result["lock"]["owner"] == OWNER
    assert result["lock"]["expires"] == "2099-01-01T00:00:00Z"
    assert result["lock"]["held"]


def test_a_missing_colour_service_is_named(stubbed_client, run_module):
    world = World(stubbed_client)
    cluster = {"clusterName": "mobileml-prod", "status": "ACTIVE",
               "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/mobileml-prod"}
    world.stub("ecs", "describe_clusters", {"clusters": [cluster]})
    world.stub("ecs", "describe_services", {"services": [world.service("blue")], "failures": [
        {"arn": f"arn:aws:ecs:us-east-1:123456789012:service/mobileml-prod/{SERVICE}-green", "reason": "MISSING"}]})
    result = run_module(ecs_blue_green_info, ARGS)
    assert result["failed"]
    assert f"{SERVICE}-green" in result["msg"]


def test_access_denied_says_what_was_being_read(stubbed_client, run_module):
    world = World(stubbed_client)
    world.error("ecs", "describe_clusters", "AccessDeniedException", "not authorized")
    result = run_module(ecs_blue_green_info, ARGS)
    assert result["failed"]
    assert result["msg"].startswith(f"Failed to read the blue/green state of {SERVICE}")
    assert result["error"]["code"] == "AccessDeniedException"
