"""sagemaker_endpoint with botocore's Stubber: what the offline AWS cannot show.

moto's endpoints are InService at once and never roll back, fail or throttle, so these cases
are scripted call by call here: an update stuck in Updating (timeout), SageMaker rolling an
update back by itself, throttling, a Failed endpoint with its FailureReason, and check mode
making no mutating call (the Stubber fails on any call that was not queued).
"""

import datetime

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.amazon.aws.plugins.module_utils.waiter import custom_waiter_config
from ansible_collections.mlops.aws_deploy.plugins.module_utils.endpoint_config import DesiredEndpoint
from ansible_collections.mlops.aws_deploy.plugins.modules import sagemaker_endpoint

NOW = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker"
OLD_CONFIG = "ep-0000aaaa"
OLD_MODEL = "ep-main-0000bbbb"


def args(**overrides):
    base = {
        "name": "ep",
        "models": [
            {
                "name": "main",
                "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/ml:2",
                "model_data_url": "s3://models/models/2/model.tar.gz",
                "execution_role_arn": ROLE,
            }
        ],
        "variants": [{"name": "main", "model": "main", "instance_type": "ml.m5.large", "initial_instance_count": 2}],
    }
    base.update(overrides)
    return base


def desired(module_args):
    """The names the module derives, from the parameters as its argument spec completes them."""
    validated = ArgumentSpecValidator(sagemaker_endpoint.argument_spec()).validate(dict(module_args))
    return DesiredEndpoint(validated.validated_parameters)


def arn(kind, name):
    return f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:{kind}/{name}"


def endpoint(config_name, status="InService", weight=1.0, reason=None):
    response = {
        "EndpointName": "ep",
        "EndpointArn": arn("endpoint", "ep"),
        "EndpointConfigName": config_name,
        "ProductionVariants": [
            {
                "VariantName": "main",
                "CurrentWeight": weight,
                "DesiredWeight": weight,
                "CurrentInstanceCount": 2,
                "DesiredInstanceCount": 2,
            }
        ],
        "EndpointStatus": status,
        "CreationTime": NOW,
        "LastModifiedTime": NOW,
    }
    if reason:
        response["FailureReason"] = reason
    return response


def endpoint_config(name, model_name):
    return {
        "EndpointConfigName": name,
        "EndpointConfigArn": arn("endpoint-config", name),
        "ProductionVariants": [
            {
                "VariantName": "main",
                "ModelName": model_name,
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 2,
                "InitialVariantWeight": 1.0,
            }
        ],
        "CreationTime": NOW,
    }


def model(name):
    return {
        "ModelName": name,
        "ModelArn": arn("model", name),
        "ExecutionRoleArn": ROLE,
        "PrimaryContainer": {"Image": "img"},
        "CreationTime": NOW,
    }


def not_found(stubber, method, what):
    stubber.add_client_error(
        method,
        service_error_code="ValidationException",
        service_message=f"Could not find {what}.",
        http_status_code=400,
    )


def queue_existing_endpoint_on_old_config(sagemaker, scaling, want, desired_model_exists=False):
    """read_current() of an endpoint live on OLD_CONFIG (OLD_MODEL), with the new model absent."""
    sagemaker.add_response("describe_endpoint", endpoint(OLD_CONFIG), {"EndpointName": "ep"})
    sagemaker.add_response("list_tags", {"Tags": []}, {"ResourceArn": arn("endpoint", "ep")})
    scaling.add_response("describe_scalable_targets", {"ScalableTargets": []}, {"ServiceNamespace": "sagemaker"})
    sagemaker.add_response(
        "describe_endpoint_config", endpoint_config(OLD_CONFIG, OLD_MODEL), {"EndpointConfigName": OLD_CONFIG}
    )
    sagemaker.add_response(
        "list_endpoint_configs",
        {
            "EndpointConfigs": [
                {
                    "EndpointConfigName": OLD_CONFIG,
                    "EndpointConfigArn": arn("endpoint-config", OLD_CONFIG),
                    "CreationTime": NOW,
                }
            ]
        },
        {"NameContains": "ep"},
    )
    new_model = want.models["main"]["name"]
    for name in sorted({new_model, OLD_MODEL}):
        if name == OLD_MODEL or desired_model_exists:
            sagemaker.add_response("describe_model", model(name), {"ModelName": name})
        else:
            not_found(sagemaker, "describe_model", f"model '{arn('model', name)}'")


def queue_create_and_update(sagemaker, want):
    sagemaker.add_response("create_model", {"ModelArn": arn("model", want.models["main"]["name"])})
    sagemaker.add_response("create_endpoint_config", {"EndpointConfigArn": arn("endpoint-config", want.config_name)})
    sagemaker.add_response("update_endpoint", {"EndpointArn": arn("endpoint", "ep")})


@pytest.fixture
def clients(stubbed_client):
    sagemaker_client, sagemaker = stubbed_client("sagemaker")
    scaling_client, scaling = stubbed_client("application-autoscaling")
    yield sagemaker, scaling


def test_update_stuck_in_updating_times_out_with_a_clear_message(run_module, clients):
    sagemaker, scaling = clients
    module_args = args(wait_timeout=30)
    want = desired(module_args)
    queue_existing_endpoint_on_old_config(sagemaker, scaling, want)
    queue_create_and_update(sagemaker, want)
    attempts = custom_waiter_config(timeout=30, default_pause=15)["MaxAttempts"]
    for response in [endpoint(OLD_CONFIG, status="Updating")] * attempts:
        sagemaker.add_response("describe_endpoint", response)

    result = run_module(sagemaker_endpoint, module_args)

    assert result["failed"]
    assert "Timed out after 30s waiting for endpoint ep" in result["msg"]
    assert "still Updating" in result["msg"]
    assert "longer wait_timeout" in result["msg"]
    # What was done so far is reported; nothing was deleted.
    assert [s["action"] for s in result["plan"]] == ["create_model", "create_endpoint_config"]
    sagemaker.assert_no_pending_responses()


def test_sagemaker_rolling_back_is_reported_and_fails(run_module, clients):
    sagemaker, scaling = clients
    module_args = args(
        deployment_config={
            "blue_green": {"traffic_routing": "canary", "canary_size": 10, "wait_interval": 600},
            "auto_rollback_alarms": ["ep-5xx"],
        }
    )
    want = desired(module_args)
    queue_existing_endpoint_on_old_config(sagemaker, scaling, want)
    sagemaker.add_response("create_model", {"ModelArn": arn("model", want.models["main"]["name"])})
    sagemaker.add_response("create_endpoint_config", {"EndpointConfigArn": arn("endpoint-config", want.config_name)})
    sagemaker.add_response(
        "update_endpoint",
        {"EndpointArn": arn("endpoint", "ep")},
        {
            "EndpointName": "ep",
            "EndpointConfigName": want.config_name,
            "DeploymentConfig": {
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {
                        "Type": "CANARY",
                        "WaitIntervalInSeconds": 600,
                        "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10},
                    }
                },
                "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "ep-5xx"}]},
            },
        },
    )
    reason = "Alarm ep-5xx went into ALARM during the canary step; rolled back."
    sagemaker.add_response("describe_endpoint", endpoint(OLD_CONFIG, status="RollingBack"))
    sagemaker.add_response("describe_endpoint", endpoint(OLD_CONFIG, reason=reason))  # waiter: InService again
    sagemaker.add_response("describe_endpoint", endpoint(OLD_CONFIG, reason=reason))  # which config is live?
    # The result's final state; no delete call is queued, so any would fail the test.
    sagemaker.add_response("describe_endpoint", endpoint(OLD_CONFIG, reason=reason))
    sagemaker.add_response("list_tags", {"Tags": []})
    sagemaker.add_response("describe_endpoint_config", endpoint_config(OLD_CONFIG, OLD_MODEL))

    result = run_module(sagemaker_endpoint, module_args)

    assert result["failed"]
    assert result["rolled_back"] is True
    assert result["failure_reason"] == reason
    assert result["live_endpoint_config_name"] == OLD_CONFIG
    assert f"{OLD_CONFIG} is live, not the requested {want.config_name}" in result["msg"]
    assert "Nothing was deleted" in result["msg"]
    assert not [s for s in result["plan"] if s["action"].startswith("delete")]
    assert result["endpoint"]["endpoint_config_name"] == OLD_CONFIG
    sagemaker.assert_no_pending_responses()


def test_rollback_with_fail_on_rollback_false_warns_and_keeps_everything(run_module, clients):
    sagemaker, scaling = clients
    module_args = args(fail_on_rollback=False)
    want = desired(module_args)
    queue_existing_endpoint_on_old_config(sagemaker, scaling, want)
    queue_create_and_update(sagemaker, want)
    for response in [endpoint(OLD_CONFIG, reason="new fleet failed health checks")] * 2:  # waiter, rollback check
        sagemaker.add_response("describe_endpoint", response)
    sagemaker.add_response("describe_endpoint", endpoint(OLD_CONFIG))
    sagemaker.add_response("list_tags", {"Tags": []})
    sagemaker.add_response("describe_endpoint_config", endpoint_config(OLD_CONFIG, OLD_MODEL))

    result = run_module(sagemaker_endpoint, module_args)

    assert not result["failed"]
    assert result["changed"]
    assert result["rolled_back"] is True
    assert result["failure_reason"] == "new fleet failed health checks"
    assert "rolled endpoint ep back" in str(result.get("warnings"))  # ansible-core 2.19 wraps warnings
    sagemaker.assert_no_pending_responses()


def test_throttling_is_retried_in_calls_and_in_waiters(run_module, clients):
    sagemaker, scaling = clients
    module_args = args()
    want = desired(module_args)
    sagemaker.add_client_error("describe_endpoint", service_error_code="ThrottlingException", http_status_code=400)
    queue_existing_endpoint_on_old_config(sagemaker, scaling, want, desired_model_exists=True)
    sagemaker.add_response("create_endpoint_config", {"EndpointConfigArn": arn("endpoint-config", want.config_name)})
    sagemaker.add_response("update_endpoint", {"EndpointArn": arn("endpoint", "ep")})
    sagemaker.add_client_error("describe_endpoint", service_error_code="ThrottlingException", http_status_code=400)
    sagemaker.add_response("describe_endpoint", endpoint(want.config_name))  # waiter
    sagemaker.add_response("describe_endpoint", endpoint(want.config_name))  # rollback check
    # Cleanup: the superseded config and its model, each after checking it is not live.
    sagemaker.add_response("describe_endpoint", endpoint(want.config_name))
    sagemaker.add_response("delete_endpoint_config", {}, {"EndpointConfigName": OLD_CONFIG})
    sagemaker.add_response("describe_endpoint", endpoint(want.config_name))
    sagemaker.add_response("describe_endpoint_config", endpoint_config(want.config_name, want.models["main"]["name"]))
    sagemaker.add_response("delete_model", {}, {"ModelName": OLD_MODEL})
    sagemaker.add_response("describe_endpoint", endpoint(want.config_name))
    sagemaker.add_response("list_tags", {"Tags": []})
    sagemaker.add_response("describe_endpoint_config", endpoint_config(want.config_name, want.models["main"]["name"]))

    result = run_module(sagemaker_endpoint, module_args)

    assert not result["failed"], result.get("msg")
    assert result["changed"]
    assert [s["action"] for s in result["plan"]] == [
        "create_endpoint_config",
        "update_endpoint",
        "delete_endpoint_config",
        "delete_model",
    ]
    assert result["rolled_back"] is False
    sagemaker.assert_no_pending_responses()


def test_failed_endpoint_surfaces_its_failure_reason(run_module, clients):
    sagemaker, scaling = clients
    module_args = args()
    want = desired(module_args)
    not_found(sagemaker, "describe_endpoint", f"endpoint '{arn('endpoint', 'ep')}'")
    sagemaker.add_response("list_endpoint_configs", {"EndpointConfigs": []})
    not_found(sagemaker, "describe_model", "model")
    sagemaker.add_response("create_model", {"ModelArn": arn("model", want.models["main"]["name"])})
    sagemaker.add_response("create_endpoint_config", {"EndpointConfigArn": arn("endpoint-config", want.config_name)})
    sagemaker.add_response("create_endpoint", {"EndpointArn": arn("endpoint", "ep")})
    sagemaker.add_response("describe_endpoint", endpoint(want.config_name, status="Creating"))
    reason = "The primary container for production variant main did not pass the ping health check."
    sagemaker.add_response("describe_endpoint", endpoint(want.config_name, status="Failed", reason=reason))

    result = run_module(sagemaker_endpoint, module_args)

    assert result["failed"]
    assert result["failure_reason"] == reason
    assert "status Failed" in result["msg"]
    assert reason in result["msg"]
    assert "/ping on port 8080" in result["msg"]
    sagemaker.assert_no_pending_responses()


def test_a_failed_endpoint_is_recreated(run_module, clients):
    sagemaker, scaling = clients
    module_args = args()
    want = desired(module_args)
    failed = endpoint(want.config_name, status="Failed", reason="ping failed")
    sagemaker.add_response("describe_endpoint", failed)
    sagemaker.add_response("list_tags", {"Tags": []})
    scaling.add_response("describe_scalable_targets", {"ScalableTargets": []})
    live = endpoint_config(want.config_name, want.models["main"]["name"])
    sagemaker.add_response("describe_endpoint_config", live)
    sagemaker.add_response(
        "list_endpoint_configs",
        {
            "EndpointConfigs": [
                {
                    "EndpointConfigName": want.config_name,
                    "EndpointConfigArn": arn("endpoint-config", want.config_name),
                    "CreationTime": NOW,
                }
            ]
        },
    )
    sagemaker.add_response("describe_model", model(want.models["main"]["name"]))

    result = run_module(sagemaker_endpoint, module_args, check_mode=True)

    assert result["changed"]
    assert [s["action"] for s in result["plan"]] == ["delete_endpoint", "create_endpoint"]
    assert "ping failed" in result["plan"][0]["reason"]
    sagemaker.assert_no_pending_responses()


def test_check_mode_returns_the_plan_without_a_mutating_call(run_module, clients):
    sagemaker, scaling = clients
    module_args = args(tags={"team": "ml"})
    want = desired(module_args)
    queue_existing_endpoint_on_old_config(sagemaker, scaling, want)

    result = run_module(sagemaker_endpoint, module_args, check_mode=True, diff=True)

    assert result["changed"]
    assert result["plan"] == [
        {"action": "create_model", "model_name": want.models["main"]["name"], "model": "main"},
        {"action": "create_endpoint_config", "endpoint_config_name": want.config_name},
        {
            "action": "update_endpoint",
            "endpoint_name": "ep",
            "from_endpoint_config_name": OLD_CONFIG,
            "endpoint_config_name": want.config_name,
            "deployment": "all at once (SageMaker default)",
            "retain_instance_counts": False,
        },
        {"action": "tag_endpoint", "endpoint_name": "ep", "add": {"team": "ml"}, "remove": []},
        {"action": "delete_endpoint_config", "endpoint_config_name": OLD_CONFIG},
        {"action": "delete_model", "model_name": OLD_MODEL},
    ]
    assert result["diff"]["before"]["endpoint_config_name"] == OLD_CONFIG
    assert result["diff"]["after"]["endpoint_config_name"] == want.config_name
    assert result["diff"]["after"]["tags"] == {"team": "ml"}
    sagemaker.assert_no_pending_responses()
    scaling.assert_no_pending_responses()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"variants": [{"name": "main", "model": "nope", "instance_type": "ml.m5.large"}]}, "variants[0].model"),
        (
            {
                "deployment_config": {
                    "blue_green": {"traffic_routing": "canary", "canary_size": 60, "size_unit": "capacity_percent"}
                }
            },
            "deployment_config.blue_green.canary_size",
        ),
        (
            {
                "deployment_config": {
                    "blue_green": {"traffic_routing": "canary", "canary_size": 2, "size_unit": "instance_count"}
                }
            },
            "deployment_config.blue_green.canary_size",
        ),
        (
            {
                "variants": [
                    {
                        "name": "main",
                        "model": "main",
                        "instance_type": "ml.m5.large",
                        "serverless": {"memory_size_in_mb": 2048, "max_concurrency": 5},
                    }
                ]
            },
            "variants[0].serverless",
        ),
        (
            {
                "variants": [
                    {"name": "a", "model": "main", "instance_type": "ml.m5.large", "initial_variant_weight": 0.0},
                    {"name": "b", "model": "main", "instance_type": "ml.m5.large", "initial_variant_weight": 0.0},
                ]
            },
            "initial_variant_weight",
        ),
        (
            {"deployment_config": {"rolling_update": {"batch_size": 80}}},
            "deployment_config.rolling_update.batch_size",
        ),
        (
            {
                "variants": [
                    {
                        "name": "main",
                        "model": "main",
                        "instance_type": "ml.m5.large",
                        "autoscaling": {"min_capacity": 3, "max_capacity": 2, "target_invocations_per_instance": 100},
                    }
                ]
            },
            "variants[0].autoscaling.max_capacity",
        ),
        ({"variants": [{"name": "main", "model": "main"}]}, "variants[0].instance_type"),
        (
            {
                "variants": [
                    {"name": "main", "model": "main", "serverless": {"memory_size_in_mb": 2048, "max_concurrency": 5}}
                ],
                "data_capture": {"destination_s3_uri": "s3://models/capture", "sampling_percentage": 10},
            },
            "data_capture",
        ),
        (
            {
                "variants": [
                    {"name": "main", "model": "main", "serverless": {"memory_size_in_mb": 2048, "max_concurrency": 5}},
                    {"name": "b", "model": "main", "instance_type": "ml.m5.large", "initial_variant_weight": 0.0},
                ]
            },
            "variants[0].serverless",
        ),
    ],
    ids=[
        "unknown-model",
        "canary-percent",
        "canary-instances",
        "serverless-with-instances",
        "all-zero-weights",
        "rolling-batch",
        "autoscaling-bounds",
        "no-instance-type",
        "serverless-with-data-capture",
        "serverless-with-two-variants",
    ],
)
def test_bad_input_fails_before_any_aws_call(run_module, clients, overrides, field):
    sagemaker, scaling = clients  # nothing queued: any AWS call would fail differently

    result = run_module(sagemaker_endpoint, args(**overrides))

    assert result["failed"]
    assert result["msg"].startswith(field) or field in result["msg"].split(":")[0]
    sagemaker.assert_no_pending_responses()
