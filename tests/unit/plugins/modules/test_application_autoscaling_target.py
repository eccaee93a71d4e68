"""application_autoscaling_target with botocore's Stubber: the calls it makes (the Stubber fails on any
call that was not queued, so check mode and a no-op run prove they make no mutating call), a
concurrent update retried, and bad input refused before any call. The offline AWS run is in
tests/playbooks/test_infra_playbooks.py (teardown deregisters the services' targets)."""

import datetime

import pytest

from ansible_collections.mlops.aws_deploy.plugins.modules import application_autoscaling_target

NOW = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
BLUE = "service/mobileml-prod/mobileml-prod-ml-blue"
GREEN = "service/mobileml-prod/mobileml-prod-ml-green"
DIMENSION = "ecs:service:DesiredCount"
KEY = {"ServiceNamespace": "ecs", "ScalableDimension": DIMENSION}


def target(resource_id, low=2, high=6):
    return {
        "ServiceNamespace": "ecs",
        "ResourceId": resource_id,
        "ScalableDimension": DIMENSION,
        "MinCapacity": low,
        "MaxCapacity": high,
        "RoleARN": "arn:aws:iam::123456789012:role/scaling",
        "CreationTime": NOW,
    }


def args(**overrides):
    base = {"service_namespace": "ecs", "scalable_dimension": DIMENSION, "resource_ids": [BLUE, GREEN]}
    base.update(overrides)
    return base


def queue_read(stubber, *targets):
    stubber.add_response(
        "describe_scalable_targets", {"ScalableTargets": list(targets)}, dict(KEY, ResourceIds=[BLUE, GREEN])
    )


@pytest.fixture
def scaling(stubbed_client):
    return stubbed_client("application-autoscaling")[1]


def test_absent_deregisters_only_what_is_registered_and_says_so(run_module, scaling):
    queue_read(scaling, target(BLUE))
    scaling.add_client_error("deregister_scalable_target", service_error_code="ConcurrentUpdateException")
    scaling.add_response("deregister_scalable_target", {}, dict(KEY, ResourceId=BLUE))
    queue_read(scaling)

    result = run_module(application_autoscaling_target, args(state="absent"), diff=True)

    assert not result["failed"], result.get("msg")
    assert result["changed"]
    assert result["plan"] == [{"action": "deregister_scalable_target", "resource_id": BLUE}]
    assert result["scalable_targets"] == []
    assert [t["resource_id"] for t in result["diff"]["before"]["scalable_targets"]] == [BLUE]
    assert result["diff"]["after"]["scalable_targets"] == []
    scaling.assert_no_pending_responses()


def test_absent_twice_changes_nothing(run_module, scaling):
    queue_read(scaling)
    result = run_module(application_autoscaling_target, args(state="absent"))
    assert not result["failed"] and result["changed"] is False and result["plan"] == []
    scaling.assert_no_pending_responses()


def test_present_registers_missing_targets_and_fixes_bounds_only_where_they_differ(run_module, scaling):
    queue_read(scaling, target(BLUE, 2, 6), target(GREEN, 1, 3))
    scaling.add_response(
        "register_scalable_target", {}, dict(KEY, ResourceId=GREEN, MinCapacity=2, MaxCapacity=6)
    )
    queue_read(scaling, target(BLUE, 2, 6), target(GREEN, 2, 6))

    result = run_module(application_autoscaling_target, args(min_capacity=2, max_capacity=6))

    assert not result["failed"], result.get("msg")
    assert result["plan"] == [
        {"action": "register_scalable_target", "resource_id": GREEN, "min_capacity": 2, "max_capacity": 6}
    ]
    scaling.assert_no_pending_responses()


def test_check_mode_returns_the_plan_without_a_mutating_call(run_module, scaling):
    queue_read(scaling, target(BLUE), target(GREEN))

    result = run_module(application_autoscaling_target, args(state="absent"), check_mode=True, diff=True)

    assert result["changed"]
    assert [s["resource_id"] for s in result["plan"]] == [BLUE, GREEN]
    assert len(result["scalable_targets"]) == 2  # nothing was deregistered
    assert result["diff"]["after"]["scalable_targets"] == []
    scaling.assert_no_pending_responses()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"max_capacity": 3}, "min_capacity"),
        ({"min_capacity": 4, "max_capacity": 3}, "max_capacity"),
        ({"min_capacity": -1, "max_capacity": 3}, "min_capacity"),
    ],
    ids=["missing-min", "max-below-min", "negative"],
)
def test_bad_input_fails_before_any_aws_call(run_module, scaling, overrides, field):
    result = run_module(application_autoscaling_target, args(**overrides))
    assert result["failed"] and result["msg"].startswith(field)
    scaling.assert_no_pending_responses()
