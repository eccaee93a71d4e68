"""application_autoscaling_info with botocore's Stubber: what the offline AWS cannot show on demand
(throttling, a concurrent update), and the read it makes: one call per 50 targets, one per target."""

import datetime

from ansible_collections.mlops.aws_deploy.plugins.modules import application_autoscaling_info

NOW = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
BLUE = "service/mobileml-prod/mobileml-prod-ml-blue"
GREEN = "service/mobileml-prod/mobileml-prod-ml-green"
DIMENSION = "ecs:service:DesiredCount"


def target(resource_id):
    return {
        "ServiceNamespace": "ecs",
        "ResourceId": resource_id,
        "ScalableDimension": DIMENSION,
        "MinCapacity": 3,
        "MaxCapacity": 12,
        "RoleARN": "arn:aws:iam::123456789012:role/scaling",
        "CreationTime": NOW,
    }


POLICY = {
    "PolicyARN": "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:1:resource/ecs/x:policyName/ml-cpu",
    "PolicyName": "mobileml-prod-ml-cpu",
    "ServiceNamespace": "ecs",
    "ResourceId": BLUE,
    "ScalableDimension": DIMENSION,
    "PolicyType": "TargetTrackingScaling",
    "CreationTime": NOW,
    "Alarms": [],
    "TargetTrackingScalingPolicyConfiguration": {
        "TargetValue": 60.0,
        "ScaleInCooldown": 300,
        "ScaleOutCooldown": 60,
        "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
    },
}


def test_each_target_comes_with_its_policies(run_module, stubbed_client):
    stubber = stubbed_client("application-autoscaling")[1]
    stubber.add_response(
        "describe_scalable_targets",
        {"ScalableTargets": [target(BLUE)]},
        {"ServiceNamespace": "ecs", "ResourceIds": [BLUE, GREEN], "ScalableDimension": DIMENSION},
    )
    stubber.add_response(
        "describe_scaling_policies",
        {"ScalingPolicies": [POLICY]},
        {"ServiceNamespace": "ecs", "ResourceId": BLUE, "ScalableDimension": DIMENSION},
    )
    result = run_module(
        application_autoscaling_info,
        {"service_namespace": "ecs", "resource_ids": [BLUE, GREEN], "scalable_dimension": DIMENSION},
    )
    assert not result["failed"] and result["changed"] is False
    [blue] = result["scalable_targets"]  # green is not registered: left out
    assert (blue["resource_id"], blue["min_capacity"], blue["max_capacity"]) == (BLUE, 3, 12)
    [policy] = blue["scaling_policies"]
    assert policy["policy_name"] == "mobileml-prod-ml-cpu"
    assert policy["target_tracking_scaling_policy_configuration"]["target_value"] == 60.0
    assert "creation_time" not in blue and "alarms" not in policy
    stubber.assert_no_pending_responses()


def test_throttling_and_a_concurrent_update_are_retried(run_module, stubbed_client):
    stubber = stubbed_client("application-autoscaling")[1]
    stubber.add_client_error("describe_scalable_targets", "ThrottlingException")
    stubber.add_response("describe_scalable_targets", {"ScalableTargets": [target(BLUE)]})
    stubber.add_client_error("describe_scaling_policies", "ConcurrentUpdateException")
    stubber.add_response("describe_scaling_policies", {"ScalingPolicies": []})
    result = run_module(application_autoscaling_info, {"service_namespace": "ecs"})
    assert not result["failed"], result
    assert result["scalable_targets"][0]["scaling_policies"] == []
    stubber.assert_no_pending_responses()


def test_an_access_error_says_what_was_being_read(run_module, stubbed_client):
    stubber = stubbed_client("application-autoscaling")[1]
    stubber.add_client_error("describe_scalable_targets", "AccessDeniedException", "not allowed")
    result = run_module(application_autoscaling_info, {"service_namespace": "ecs"})
    assert result["failed"]
    assert "scalable targets of namespace ecs" in result["msg"]


def test_an_empty_list_of_resources_reads_nothing(run_module, stubbed_client):
    stubber = stubbed_client("application-autoscaling")[1]
    result = run_module(application_autoscaling_info, {"service_namespace": "ecs", "resource_ids": []})
    assert result["scalable_targets"] == []
    stubber.assert_no_pending_responses()


def test_more_resources_than_one_call_takes_are_read_fifty_at_a_time(run_module, stubbed_client):
    stubber = stubbed_client("application-autoscaling")[1]
    ids = [f"service/c/s{i}" for i in range(51)]
    stubber.add_response("describe_scalable_targets", {"ScalableTargets": []},
                         {"ServiceNamespace": "ecs", "ResourceIds": ids[:50]})
    stubber.add_response("describe_scalable_targets", {"ScalableTargets": [target(ids[50])]},
                         {"ServiceNamespace": "ecs", "ResourceIds": ids[50:]})
    stubber.add_response("describe_scaling_policies", {"ScalingPolicies": []},
                         {"ServiceNamespace": "ecs", "ResourceId": ids[50], "ScalableDimension": DIMENSION})
    result = run_module(application_autoscaling_info, {"service_namespace": "ecs", "resource_ids": ids})
    assert not result["failed"], result
    assert [t["resource_id"] for t in result["scalable_targets"]] == [ids[50]]
    stubber.assert_no_pending_responses()
