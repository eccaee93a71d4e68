"""SageMaker endpoint naming and planning (module_utils/sagemaker.py, endpoint_config.py, autoscaling.py), as plain
data (no AWS, no Stubber); the desired state is built from sagemaker_endpoint's own argument spec."""

import datetime

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.mlops.aws_deploy.plugins.module_utils import autoscaling
from ansible_collections.mlops.aws_deploy.plugins.module_utils import sagemaker
from ansible_collections.mlops.aws_deploy.plugins.module_utils.endpoint_config import DesiredEndpoint
from ansible_collections.mlops.aws_deploy.plugins.module_utils.endpoint_config import config_name_pattern
from ansible_collections.mlops.aws_deploy.plugins.modules import sagemaker_endpoint

ROLE = "arn:aws:iam::123456789012:role/sagemaker"


def params(name="ep", **overrides):
    base = {
        "name": name,
        "models": [
            {"name": "main", "image": "img:1", "model_data_url": "s3://m/1/model.tar.gz", "execution_role_arn": ROLE}
        ],
        "variants": [{"name": "main", "model": "main", "instance_type": "ml.m5.large", "initial_instance_count": 2}],
    }
    base.update(overrides)
    return ArgumentSpecValidator(sagemaker_endpoint.argument_spec()).validate(base).validated_parameters


def at(minutes):
    return datetime.datetime(2026, 11, 1, 12, minutes, tzinfo=datetime.UTC)


def config(name, models, minutes=0, instance_type="ml.m5.large"):
    return {
        "EndpointConfigName": name,
        "CreationTime": at(minutes),
        "ProductionVariants": [
            {"VariantName": "main", "ModelName": m, "InstanceType": instance_type, "InitialVariantWeight": 1.0}
            for m in models
        ],
    }


def live_on(desired_or_config, weights=None, status="InService"):
    if isinstance(desired_or_config, str):
        name = desired_or_config
    elif isinstance(desired_or_config, dict):
        name = desired_or_config["EndpointConfigName"]
    else:
        name = desired_or_config.config_name
    return {
        "EndpointName": "ep",
        "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep",
        "EndpointConfigName": name,
        "EndpointStatus": status,
        "ProductionVariants": [
            {"VariantName": v, "DesiredWeight": w, "CurrentWeight": w} for v, w in (weights or {"main": 1.0}).items()
        ],
    }


def registered_scaling(target_value):
    """A variant's scaling as Application Auto Scaling reports it: 2-4 instances, one invocations policy."""
    return {
        "min_capacity": 2,
        "max_capacity": 4,
        "policies": [
            {
                "policy_name": "ep-main-invocations",
                "metric": "SageMakerVariantInvocationsPerInstance",
                "target_value": target_value,
                "scale_in_cooldown": 300,
                "scale_out_cooldown": 60,
            }
        ],
    }


def current(endpoint=None, live_config=None, configs=(), models=(), scaling=None, tags=None):
    return {
        "endpoint": endpoint,
        "tags": tags or {},
        "live_config": live_config,
        "configs": list(configs),
        "models": {m: {"ModelName": m} for m in models},
        "scaling": scaling or {},
    }


def actions(steps):
    return [s["action"] for s in steps]


def test_names_are_hashes_of_content_and_weights_are_not_part_of_them():
    first = DesiredEndpoint(params())
    assert first.config_name == DesiredEndpoint(params()).config_name
    assert config_name_pattern("ep").match(first.config_name)
    reweighted = params()
    reweighted["variants"][0]["initial_variant_weight"] = 0.5
    assert DesiredEndpoint(reweighted).config_name == first.config_name
    resized = params()
    resized["variants"][0]["initial_instance_count"] = 3
    assert DesiredEndpoint(resized).config_name != first.config_name
    assert DesiredEndpoint(resized).model_names == first.model_names
    retrained = params()
    retrained["models"][0]["model_data_url"] = "s3://m/2/model.tar.gz"
    assert DesiredEndpoint(retrained).model_names != first.model_names
    assert DesiredEndpoint(retrained).config_name != first.config_name


def test_names_fit_sagemaker_limits_and_do_not_match_a_longer_endpoints_configs():
    long_name = "a" * 63
    desired = DesiredEndpoint(params(name=long_name))
    assert len(desired.config_name) <= 63
    assert all(len(name) <= 63 for name in desired.model_names)
    other = DesiredEndpoint(params(name="ep-blue"))
    assert not config_name_pattern("ep").match(other.config_name)


def test_unchanged_endpoint_needs_no_step():
    desired = DesiredEndpoint(params())
    state = current(
        live_on(desired),
        config(desired.config_name, desired.model_names),
        [config(desired.config_name, desired.model_names)],
        desired.model_names,
    )
    assert sagemaker.plan_present(desired, state, retain_configs=0) == ([], [])


def test_weight_only_change_updates_weights_in_place():
    spec = params(
        models=[
            {"name": "v1", "image": "img:1", "execution_role_arn": ROLE},
            {"name": "v2", "image": "img:2", "execution_role_arn": ROLE},
        ],
        variants=[
            {"name": "v1", "model": "v1", "instance_type": "ml.m5.large", "initial_variant_weight": 0.9},
            {"name": "v2", "model": "v2", "instance_type": "ml.m5.large", "initial_variant_weight": 0.1},
        ],
    )
    desired = DesiredEndpoint(spec)
    own = config(desired.config_name, desired.model_names)
    state = current(live_on(desired, {"v1": 1.0, "v2": 0.0}), own, [own], desired.model_names)
    steps, unused = sagemaker.plan_present(desired, state, retain_configs=0)
    assert steps == [
        {
            "action": "update_weights",
            "endpoint_name": "ep",
            "weights": {"v1": {"from": 1.0, "to": 0.9}, "v2": {"from": 0.0, "to": 0.1}},
        }
    ]


def test_instance_type_change_deregisters_scaling_before_the_update_and_registers_it_after():
    spec = params()
    spec["variants"][0]["instance_type"] = "ml.c5.large"
    spec["variants"][0]["autoscaling"] = {
        "min_capacity": 2,
        "max_capacity": 4,
        "target_invocations_per_instance": 100.0,
        "scale_in_cooldown": 300,
        "scale_out_cooldown": 60,
    }
    desired = DesiredEndpoint(spec)
    old = config("ep-0000aaaa", desired.model_names, instance_type="ml.m5.large")
    scaling = {"main": registered_scaling(100.0)}
    state = current(live_on("ep-0000aaaa"), old, [old], desired.model_names, scaling)
    steps, unused = sagemaker.plan_present(desired, state, retain_configs=0)
    assert actions(steps) == [
        "create_endpoint_config",
        "deregister_scalable_target",
        "update_endpoint",
        "register_scalable_target",
        "put_scaling_policy",
        "delete_endpoint_config",
    ]


def _two_variant_update(fixed_count, live_counts):
    """A model update of an endpoint with an autoscaled variant 'scaled' and a fixed one 'fixed'."""
    scaled_policy = {"min_capacity": 2, "max_capacity": 8, "target_invocations_per_instance": 100.0}
    spec = params(
        variants=[
            {"name": "scaled", "model": "main", "instance_type": "ml.m5.large", "initial_instance_count": 2,
             "autoscaling": scaled_policy},
            {"name": "fixed", "model": "main", "instance_type": "ml.m5.large", "initial_instance_count": fixed_count},
        ]
    )
    desired = DesiredEndpoint(spec)
    old = config("ep-0000aaaa", ["ep-main-old"])
    old["ProductionVariants"] = [dict(old["ProductionVariants"][0], VariantName=n) for n in ("scaled", "fixed")]
    endpoint = live_on("ep-0000aaaa", {"scaled": 0.5, "fixed": 0.5})
    for variant in endpoint["ProductionVariants"]:
        variant["DesiredInstanceCount"] = live_counts[variant["VariantName"]]
    state = current(endpoint, old, [old], ["ep-main-old"], {"scaled": registered_scaling(100.0)})
    steps, unused = sagemaker.plan_present(desired, state, retain_configs=0)
    return next(s for s in steps if s["action"] == "update_endpoint")


def test_an_update_keeps_the_instance_counts_autoscaling_reached():
    # Autoscaling took 'scaled' to 8; UpdateEndpoint without retention would start the new fleet at 2.
    update = _two_variant_update(fixed_count=2, live_counts={"scaled": 8, "fixed": 2})
    assert update["retain_instance_counts"] is True
    assert sagemaker.update_endpoint_retention(update) == {
        "RetainAllVariantProperties": True,
        "ExcludeRetainedVariantProperties": [
            {"VariantPropertyType": "DesiredWeight"},
            {"VariantPropertyType": "DataCaptureConfig"},
        ],
    }


def test_a_new_count_for_a_variant_without_autoscaling_is_not_retained_away():
    # Retention is endpoint-wide: it would keep 'fixed' at 2 although the spec asks for 3.
    update = _two_variant_update(fixed_count=3, live_counts={"scaled": 8, "fixed": 2})
    assert update["retain_instance_counts"] is False
    assert sagemaker.update_endpoint_retention(update) == {}


def test_without_autoscaling_the_new_configs_counts_apply():
    desired = DesiredEndpoint(params())
    old = config("ep-0000aaaa", ["ep-main-old"])
    state = current(live_on("ep-0000aaaa"), old, [old], ["ep-main-old"])
    steps, unused = sagemaker.plan_present(desired, state, retain_configs=0)
    update = next(s for s in steps if s["action"] == "update_endpoint")
    assert update["retain_instance_counts"] is False


def test_retain_configs_keeps_the_newest_superseded_configs_and_their_models():
    desired = DesiredEndpoint(params())
    oldest = config("ep-0000aaa1", ["ep-main-0000bbb1"], minutes=1)
    previous = config("ep-0000aaa2", ["ep-main-0000bbb2"], minutes=2)
    state = current(
        live_on(previous), previous, [oldest, previous], ["ep-main-0000bbb1", "ep-main-0000bbb2", *desired.model_names]
    )
    steps, unused = sagemaker.plan_present(desired, state, retain_configs=1)
    assert {"action": "delete_endpoint_config", "endpoint_config_name": "ep-0000aaa1"} in steps
    assert {"action": "delete_model", "model_name": "ep-main-0000bbb1"} in steps
    assert not [s for s in steps if s.get("endpoint_config_name") == "ep-0000aaa2" and s["action"].startswith("delete")]
    assert not [s for s in steps if s.get("model_name") == "ep-main-0000bbb2" and s["action"].startswith("delete")]


def test_models_of_a_live_config_made_by_hand_are_never_deleted():
    desired = DesiredEndpoint(params())
    by_hand = config("ep-handmade", ["shared-model"])
    ours = config("ep-0000aaa1", ["shared-model"], minutes=1)  # an old config of ours that used it too
    state = current(live_on(by_hand["EndpointConfigName"]), by_hand, [ours], ["shared-model"])
    steps, unused = sagemaker.plan_present(desired, state, retain_configs=0)
    assert {"action": "delete_endpoint_config", "endpoint_config_name": "ep-0000aaa1"} in steps
    assert "delete_model" not in actions(steps)


def test_without_wait_scaling_and_cleanup_are_deferred():
    spec = params()
    spec["variants"][0]["autoscaling"] = {
        "min_capacity": 2,
        "max_capacity": 4,
        "target_invocations_per_instance": 100.0,
        "scale_in_cooldown": 300,
        "scale_out_cooldown": 60,
    }
    desired = DesiredEndpoint(spec)
    old = config("ep-0000aaaa", ["ep-main-0000bbbb"])
    state = current(live_on("ep-0000aaaa"), old, [old], ["ep-main-0000bbbb"])
    steps, deferred = sagemaker.plan_present(desired, state, retain_configs=0, wait=False)
    assert actions(steps) == ["create_model", "create_endpoint_config", "update_endpoint"]
    assert actions(deferred) == [
        "register_scalable_target",
        "put_scaling_policy",
        "delete_endpoint_config",
        "delete_model",
    ]


def test_tags_are_compared_and_aws_tags_are_never_purged():
    desired = DesiredEndpoint(params())
    own = config(desired.config_name, desired.model_names)
    state = current(
        live_on(desired),
        own,
        [own],
        desired.model_names,
        tags={"old": "1", "team": "a", "aws:cloudformation:stack-name": "s"},
    )
    steps, unused = sagemaker.plan_present(desired, state, retain_configs=0, tags={"team": "b"}, purge_tags=True)
    assert steps == [{"action": "tag_endpoint", "endpoint_name": "ep", "add": {"team": "b"}, "remove": ["old"]}]


def test_absent_deletes_scaling_endpoint_configs_and_their_models():
    old = config("ep-0000aaaa", ["ep-main-0000bbbb"])
    scaling = {"main": {"min_capacity": 1, "max_capacity": 2, "policies": []}}
    state = current(live_on("ep-0000aaaa"), old, [old], ["ep-main-0000bbbb"], scaling)
    assert actions(sagemaker.plan_absent(state)) == [
        "deregister_scalable_target",
        "delete_endpoint",
        "delete_endpoint_config",
        "delete_model",
    ]
    assert sagemaker.plan_absent(current()) == []


def test_results_are_snake_case_but_environment_and_tags_keep_their_keys():
    described = {
        "ModelName": "m",
        "PrimaryContainer": {"Image": "img", "Environment": {"MODEL_VERSION": "7", "LogLevel": "info"}},
        "Tags": {"CostCenter": "ml"},
        "ProductionVariants": [{"VariantName": "main", "CurrentServerlessConfig": {"MemorySizeInMB": 2048}}],
    }
    assert sagemaker.snake(described) == {
        "model_name": "m",
        "primary_container": {"image": "img", "environment": {"MODEL_VERSION": "7", "LogLevel": "info"}},
        "tags": {"CostCenter": "ml"},
        "production_variants": [{"variant_name": "main", "current_serverless_config": {"memory_size_in_mb": 2048}}],
    }


def test_autoscaling_plan_is_idempotent_and_restores_what_an_update_removed():
    desired = {
        "main": {
            "min_capacity": 2,
            "max_capacity": 4,
            "policy_name": "ep-main-invocations",
            "target_value": 700.0,
            "scale_in_cooldown": 300,
            "scale_out_cooldown": 60,
        }
    }
    registered = {
        "main": registered_scaling(700.0),
        "old": {"min_capacity": 1, "max_capacity": 2, "policies": []},
    }
    assert autoscaling.plan_scaling(registered, desired) == [{"action": "deregister_scalable_target", "variant": "old"}]
    assert actions(autoscaling.plan_scaling(registered, desired, deregistered={"main"})) == [
        "register_scalable_target",
        "put_scaling_policy",
        "deregister_scalable_target",
    ]
    # SageMaker rolled the update back: the targets removed before it come back as they were.
    restored = autoscaling.restore_steps(registered, {"main"})
    assert restored == [
        {"action": "register_scalable_target", "variant": "main", "min_capacity": 2, "max_capacity": 4},
        {
            "action": "put_scaling_policy",
            "variant": "main",
            "policy_name": "ep-main-invocations",
            "target_invocations_per_instance": 700.0,
            "scale_in_cooldown": 300,
            "scale_out_cooldown": 60,
        },
    ]
